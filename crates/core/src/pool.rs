//! [`AccountPool`], [`AccountGuard`] and [`AccountManager`]: sharing a few
//! accounts among many concurrent sessions.

use std::collections::VecDeque;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

use crate::account::Account;
use crate::error::{Error, Result};
use crate::host::Host;

/// Decides whether an [`AccountPool`] serves a host; see
/// [`AccountManager::add_pool`].
pub type PoolMatcher = Arc<dyn Fn(&Host) -> bool + Send + Sync>;

/// A set of accounts handed out one user at a time.
///
/// [`acquire`](AccountPool::acquire) returns an [`AccountGuard`]; while the
/// guard lives, nobody else gets that account, and dropping it gives the
/// account back (directly to the longest waiting caller, if any). Free
/// accounts are handed out least recently released first, so successive
/// acquire/release cycles rotate through all accounts (round robin).
///
/// Clones share the same pool. Waiting is asynchronous (no polling), fair
/// (first come, first served) and cancellation-safe: dropping an `acquire`
/// future gives up its place in the queue, and an account that was already
/// handed to it goes to the next waiter.
///
/// ```
/// use oxscript_core::{Account, AccountPool};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> oxscript_core::Result<()> {
/// let pool = AccountPool::from_accounts([Account::new("a", "pw"), Account::new("b", "pw")]);
/// let first = pool.acquire().await?;
/// let second = pool.acquire().await?;
/// assert_eq!((first.name(), second.name()), ("a", "b"));
/// assert!(pool.try_acquire().is_none());
/// drop(first);
/// assert_eq!(pool.acquire().await?.name(), "a");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AccountPool(Arc<PoolInner>);

struct PoolInner {
    name: String,
    state: Mutex<State>,
}

struct State {
    slots: Vec<Slot>,
    /// Indices of the free slots, least recently released first.
    free: VecDeque<usize>,
    /// Callers waiting for any account.
    any_waiters: WaitQueue,
    /// Incremented by `reset`, so guards of removed accounts release nothing.
    generation: u64,
    /// Arrival order of waiters, to serve named and anonymous waiters fairly.
    next_seq: u64,
}

struct Slot {
    account: Account,
    in_use: bool,
    /// Callers waiting for this account by name.
    waiters: WaitQueue,
}

struct Waiter {
    seq: u64,
    tx: oneshot::Sender<AccountGuard>,
}

/// A FIFO of waiters. Cancelled waiters are skipped when reached, and swept
/// out in bulk when the queue doubles, so the queue stays proportional to
/// the live waiters at amortised constant cost.
struct WaitQueue {
    queue: VecDeque<Waiter>,
    sweep_at: usize,
}

const MIN_SWEEP: usize = 16;

impl WaitQueue {
    fn new() -> Self {
        WaitQueue {
            queue: VecDeque::new(),
            sweep_at: MIN_SWEEP,
        }
    }

    fn push(&mut self, waiter: Waiter) {
        if self.queue.len() >= self.sweep_at {
            self.queue.retain(|w| !w.tx.is_closed());
            self.sweep_at = (self.queue.len() * 2).max(MIN_SWEEP);
        }
        self.queue.push_back(waiter);
    }

    fn front_seq(&mut self) -> Option<u64> {
        while let Some(w) = self.queue.front() {
            if !w.tx.is_closed() {
                return Some(w.seq);
            }
            self.queue.pop_front();
        }
        None
    }

    fn live(&self) -> usize {
        self.queue.iter().filter(|w| !w.tx.is_closed()).count()
    }
}

impl PoolInner {
    fn lock(&self) -> MutexGuard<'_, State> {
        crate::sync::lock(&self.state)
    }

    fn no_accounts(&self) -> Error {
        Error::NoAccounts {
            pool: self.name.clone(),
        }
    }

    /// Gives the account in slot `index` back (called by the guard's drop).
    fn release(self: &Arc<Self>, generation: u64, index: usize) {
        let mut state = self.lock();
        if state.generation == generation {
            state.dispatch(self, index);
        }
    }
}

impl State {
    fn guard(&self, pool: &Arc<PoolInner>, index: usize) -> Option<AccountGuard> {
        let slot = self.slots.get(index)?;
        Some(AccountGuard {
            account: slot.account.clone(),
            lease: Some(Lease {
                pool: Arc::clone(pool),
                generation: self.generation,
                index,
            }),
        })
    }

    /// Takes the least recently released free account.
    fn take_free(&mut self, pool: &Arc<PoolInner>) -> Option<AccountGuard> {
        while let Some(index) = self.free.pop_front() {
            if let Some(guard) = self.guard(pool, index) {
                if let Some(slot) = self.slots.get_mut(index) {
                    slot.in_use = true;
                }
                return Some(guard);
            }
        }
        None
    }

    fn new_waiter(&mut self) -> (Waiter, oneshot::Receiver<AccountGuard>) {
        let (tx, rx) = oneshot::channel();
        let seq = self.next_seq;
        self.next_seq += 1;
        (Waiter { seq, tx }, rx)
    }

    /// Slot `index` has just become free (released or added): hands it to
    /// the earliest live waiter that wants it, or puts it on the free list.
    fn dispatch(&mut self, pool: &Arc<PoolInner>, index: usize) {
        loop {
            let Some(slot) = self.slots.get_mut(index) else {
                return;
            };
            let named = slot.waiters.front_seq();
            let any = self.any_waiters.front_seq();
            let waiter = match (named, any) {
                (None, None) => {
                    slot.in_use = false;
                    self.free.push_back(index);
                    return;
                }
                (Some(n), Some(a)) if n < a => slot.waiters.queue.pop_front(),
                (Some(_), None) => slot.waiters.queue.pop_front(),
                _ => self.any_waiters.queue.pop_front(),
            };
            let Some(waiter) = waiter else { continue };
            let Some(guard) = self.guard(pool, index) else {
                return;
            };
            match waiter.tx.send(guard) {
                Ok(()) => {
                    if let Some(slot) = self.slots.get_mut(index) {
                        slot.in_use = true;
                    }
                    return;
                }
                // The waiter went away in the meantime: disarm the guard
                // (we hold the lock; its drop must not release) and go on.
                Err(mut guard) => guard.lease = None,
            }
        }
    }
}

impl AccountPool {
    /// An empty pool named `unnamed`.
    pub fn new() -> Self {
        AccountPool::named("unnamed")
    }

    /// An empty pool with a name, used in [`Error::NoAccounts`].
    pub fn named(name: impl Into<String>) -> Self {
        AccountPool(Arc::new(PoolInner {
            name: name.into(),
            state: Mutex::new(State {
                slots: Vec::new(),
                free: VecDeque::new(),
                any_waiters: WaitQueue::new(),
                generation: 0,
                next_seq: 0,
            }),
        }))
    }

    /// An unnamed pool holding `accounts`.
    pub fn from_accounts(accounts: impl IntoIterator<Item = Account>) -> Self {
        let pool = AccountPool::new();
        for account in accounts {
            pool.add(account);
        }
        pool
    }

    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Adds an account. If callers are waiting, the first one gets it.
    pub fn add(&self, account: Account) {
        let mut state = self.0.lock();
        let index = state.slots.len();
        state.slots.push(Slot {
            account,
            in_use: true,
            waiters: WaitQueue::new(),
        });
        state.dispatch(&self.0, index);
    }

    /// The number of accounts in the pool (in use or not).
    pub fn len(&self) -> usize {
        self.0.lock().slots.len()
    }

    /// Whether the pool has no accounts.
    pub fn is_empty(&self) -> bool {
        self.0.lock().slots.is_empty()
    }

    /// The number of accounts not in use right now.
    pub fn available(&self) -> usize {
        self.0.lock().free.len()
    }

    /// The number of callers currently waiting in
    /// [`acquire`](AccountPool::acquire) or
    /// [`acquire_named`](AccountPool::acquire_named).
    pub fn waiting(&self) -> usize {
        let state = self.0.lock();
        state.any_waiters.live() + state.slots.iter().map(|s| s.waiters.live()).sum::<usize>()
    }

    /// Whether the pool has an account with this name.
    pub fn has(&self, name: &str) -> bool {
        self.0.lock().slots.iter().any(|s| s.account.name() == name)
    }

    /// Removes all accounts. Guards still held stay valid and release
    /// nothing when dropped; callers waiting in `acquire` get
    /// [`Error::NoAccounts`] unless accounts are added before they run.
    pub fn reset(&self) {
        let mut state = self.0.lock();
        state.generation += 1;
        state.slots.clear();
        state.free.clear();
        state.any_waiters = WaitQueue::new();
    }

    /// Takes a free account, waiting until one is released if all are in
    /// use. Returns [`Error::NoAccounts`] at once if the pool is empty.
    pub async fn acquire(&self) -> Result<AccountGuard> {
        loop {
            let rx = {
                let mut state = self.0.lock();
                if state.slots.is_empty() {
                    return Err(self.0.no_accounts());
                }
                if let Some(guard) = state.take_free(&self.0) {
                    return Ok(guard);
                }
                let (waiter, rx) = state.new_waiter();
                state.any_waiters.push(waiter);
                rx
            };
            if let Ok(guard) = rx.await {
                return Ok(guard);
            }
            // The pool was reset while we waited: look again.
        }
    }

    /// Takes the account with this name, waiting until it is released if it
    /// is in use. Returns [`Error::NoAccounts`] at once if the pool has no
    /// such account.
    pub async fn acquire_named(&self, name: &str) -> Result<AccountGuard> {
        loop {
            let rx = {
                let mut state = self.0.lock();
                let mut first = None;
                let mut free = None;
                for (index, slot) in state.slots.iter().enumerate() {
                    if slot.account.name() == name {
                        first.get_or_insert(index);
                        if !slot.in_use {
                            free = Some(index);
                            break;
                        }
                    }
                }
                if let Some(index) = free {
                    state.free.retain(|&i| i != index);
                    if let Some(guard) = state.guard(&self.0, index) {
                        if let Some(slot) = state.slots.get_mut(index) {
                            slot.in_use = true;
                        }
                        return Ok(guard);
                    }
                }
                let Some(index) = first else {
                    return Err(self.0.no_accounts());
                };
                let (waiter, rx) = state.new_waiter();
                match state.slots.get_mut(index) {
                    Some(slot) => slot.waiters.push(waiter),
                    None => return Err(self.0.no_accounts()),
                }
                rx
            };
            if let Ok(guard) = rx.await {
                return Ok(guard);
            }
        }
    }

    /// Takes a free account without waiting; `None` if all are in use or
    /// the pool is empty.
    pub fn try_acquire(&self) -> Option<AccountGuard> {
        self.0.lock().take_free(&self.0)
    }
}

impl Default for AccountPool {
    fn default() -> Self {
        AccountPool::new()
    }
}

impl fmt::Debug for AccountPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.0.lock();
        let names: Vec<&str> = state.slots.iter().map(|s| s.account.name()).collect();
        f.debug_struct("AccountPool")
            .field("name", &self.0.name)
            .field("accounts", &names)
            .field("available", &state.free.len())
            .finish()
    }
}

struct Lease {
    pool: Arc<PoolInner>,
    generation: u64,
    index: usize,
}

/// An account in use, obtained from an [`AccountPool`] (or wrapping a
/// host's own account). Dereferences to [`Account`]; dropping it gives the
/// account back to its pool.
#[must_use = "the account goes back to the pool as soon as the guard is dropped"]
pub struct AccountGuard {
    account: Account,
    lease: Option<Lease>,
}

impl AccountGuard {
    /// A guard for an account that belongs to no pool (such as one attached
    /// to a host); dropping it releases nothing.
    pub fn unpooled(account: Account) -> AccountGuard {
        AccountGuard {
            account,
            lease: None,
        }
    }

    /// The account.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// Whether the guard returns its account to a pool when dropped.
    pub fn is_pooled(&self) -> bool {
        self.lease.is_some()
    }
}

impl Deref for AccountGuard {
    type Target = Account;

    fn deref(&self) -> &Account {
        &self.account
    }
}

impl Drop for AccountGuard {
    fn drop(&mut self) {
        if let Some(lease) = self.lease.take() {
            lease.pool.release(lease.generation, lease.index);
        }
    }
}

impl fmt::Debug for AccountGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountGuard")
            .field("account", &self.account)
            .field(
                "pool",
                &self.lease.as_ref().map(|lease| lease.pool.name.as_str()),
            )
            .finish()
    }
}

/// Chooses the account used to log into a host, following Exscript's order.
///
/// [`acquire_for`](AccountManager::acquire_for) uses:
///
/// 1. the account attached to the host ([`Host::account`]), if any;
/// 2. otherwise the first pool added with a matcher that returns `true` for
///    the host (if that pool is empty, its [`Error::NoAccounts`] is
///    returned; later pools are not tried);
/// 3. otherwise the default pool (named `default`);
/// 4. and [`Error::NoAccounts`] when the default pool is empty.
///
/// Clones share the same pools.
///
/// ```
/// use std::sync::Arc;
/// use oxscript_core::{Account, AccountManager, AccountPool, Host};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> oxscript_core::Result<()> {
/// let manager = AccountManager::new();
/// manager.add_account(Account::new("default-user", "pw"));
/// let core_pool = AccountPool::named("core");
/// core_pool.add(Account::new("core-admin", "pw"));
/// manager.add_pool(core_pool, Some(Arc::new(|h: &Host| h.name().starts_with("core"))));
///
/// let edge = Host::new("edge1")?;
/// let core = Host::new("core1")?;
/// assert_eq!(manager.acquire_for(&edge).await?.name(), "default-user");
/// assert_eq!(manager.acquire_for(&core).await?.name(), "core-admin");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct AccountManager {
    inner: Arc<Mutex<ManagerState>>,
}

struct ManagerState {
    default: AccountPool,
    pools: Vec<(AccountPool, PoolMatcher)>,
}

impl Default for ManagerState {
    fn default() -> Self {
        ManagerState {
            default: AccountPool::named("default"),
            pools: Vec::new(),
        }
    }
}

impl AccountManager {
    /// A manager with an empty default pool and no other pools.
    pub fn new() -> Self {
        AccountManager::default()
    }

    fn lock(&self) -> MutexGuard<'_, ManagerState> {
        crate::sync::lock(&self.inner)
    }

    /// Adds an account to the default pool.
    pub fn add_account(&self, account: Account) {
        self.lock().default.add(account);
    }

    /// Adds a pool used for the hosts `matcher` accepts (matchers are tried
    /// in the order the pools were added). With `None`, `pool` replaces the
    /// default pool.
    pub fn add_pool(&self, pool: AccountPool, matcher: Option<PoolMatcher>) {
        let mut state = self.lock();
        match matcher {
            Some(matcher) => state.pools.push((pool, matcher)),
            None => state.default = pool,
        }
    }

    /// The current default pool.
    pub fn default_pool(&self) -> AccountPool {
        self.lock().default.clone()
    }

    /// Acquires the account to log into `host` with; see the type's
    /// documentation for the order. Waits while the chosen pool's accounts
    /// are all in use.
    pub async fn acquire_for(&self, host: &Host) -> Result<AccountGuard> {
        if let Some(account) = host.account() {
            return Ok(AccountGuard::unpooled(account.clone()));
        }
        // Matchers run outside the lock: they are user code.
        let (pools, default) = {
            let state = self.lock();
            (state.pools.clone(), state.default.clone())
        };
        for (pool, matcher) in &pools {
            if matcher(host) {
                return pool.acquire().await;
            }
        }
        default.acquire().await
    }

    /// Acquires an account from the default pool.
    pub async fn acquire(&self) -> Result<AccountGuard> {
        let default = self.default_pool();
        default.acquire().await
    }

    /// Removes all pools and starts over with an empty default pool.
    /// Accounts in use stay valid.
    pub fn reset(&self) {
        *self.lock() = ManagerState::default();
    }
}

impl fmt::Debug for AccountManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        let pools: Vec<&AccountPool> = state.pools.iter().map(|(pool, _)| pool).collect();
        f.debug_struct("AccountManager")
            .field("default", &state.default)
            .field("pools", &pools)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::{Pin, pin};
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    use super::*;

    fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
        fut.poll(&mut Context::from_waker(Waker::noop()))
    }

    fn ready<F: Future>(fut: Pin<&mut F>) -> F::Output {
        match poll_once(fut) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("future is pending"),
        }
    }

    fn abc() -> AccountPool {
        AccountPool::from_accounts(["a", "b", "c"].map(|n| Account::new(n, "pw")))
    }

    /// Yields until `cond` holds; the bound only keeps a broken test from
    /// hanging.
    async fn until(mut cond: impl FnMut() -> bool) {
        for _ in 0..10_000 {
            if cond() {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("condition never became true");
    }

    const DEADLINE: Duration = Duration::from_secs(30);

    #[tokio::test]
    async fn round_robin_rotates() {
        let pool = abc();
        let mut names = Vec::new();
        for _ in 0..7 {
            let guard = pool.acquire().await.unwrap();
            names.push(guard.name().to_owned());
        }
        assert_eq!(names, ["a", "b", "c", "a", "b", "c", "a"]);
    }

    #[tokio::test]
    async fn round_robin_skips_accounts_in_use() {
        let pool = abc();
        let a = pool.acquire().await.unwrap();
        let mut names = Vec::new();
        for _ in 0..4 {
            names.push(pool.acquire().await.unwrap().name().to_owned());
        }
        assert_eq!(names, ["b", "c", "b", "c"]);
        assert_eq!(a.name(), "a");
        assert_eq!(pool.available(), 2);
    }

    #[tokio::test]
    async fn counts() {
        let pool = abc();
        assert_eq!((pool.len(), pool.available()), (3, 3));
        assert!(!pool.is_empty());
        let g = pool.try_acquire().unwrap();
        assert!(g.is_pooled());
        assert_eq!((pool.len(), pool.available()), (3, 2));
        assert!(pool.has("b"));
        assert!(!pool.has("z"));
        drop(g);
        assert_eq!(pool.available(), 3);
        assert!(AccountPool::default().is_empty());
    }

    #[tokio::test]
    async fn empty_pool_errors_at_once() {
        let pool = AccountPool::named("lab");
        match pool.acquire().await {
            Err(Error::NoAccounts { pool }) => assert_eq!(pool, "lab"),
            other => panic!("{other:?}"),
        }
        assert!(pool.try_acquire().is_none());
        assert!(matches!(
            pool.acquire_named("x").await,
            Err(Error::NoAccounts { .. })
        ));
        let pool = AccountPool::new();
        let err = pool.acquire().await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "no account available in account pool `unnamed`"
        );
    }

    #[tokio::test]
    async fn waits_until_released() {
        let pool = AccountPool::from_accounts([Account::new("only", "pw")]);
        let held = pool.acquire().await.unwrap();
        let p = pool.clone();
        let waiter = tokio::spawn(async move { p.acquire().await.map(|g| g.name().to_owned()) });
        until(|| pool.waiting() == 1).await;
        assert!(!waiter.is_finished());
        drop(held);
        let name = tokio::time::timeout(DEADLINE, waiter)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(name, "only");
        assert_eq!(pool.available(), 1);
        assert_eq!(pool.waiting(), 0);
    }

    #[tokio::test]
    async fn waiters_are_served_in_order() {
        let pool = AccountPool::from_accounts([Account::new("only", "pw")]);
        let held = pool.try_acquire().unwrap();
        let mut first = pin!(pool.acquire());
        let mut second = pin!(pool.acquire());
        assert!(poll_once(first.as_mut()).is_pending());
        assert!(poll_once(second.as_mut()).is_pending());
        drop(held);
        assert!(poll_once(second.as_mut()).is_pending());
        let g = ready(first).unwrap();
        assert!(poll_once(second.as_mut()).is_pending());
        drop(g);
        assert_eq!(ready(second).unwrap().name(), "only");
    }

    #[test]
    fn cancelled_waiter_before_release() {
        let pool = AccountPool::from_accounts([Account::new("only", "pw")]);
        let held = pool.try_acquire().unwrap();
        let mut w1 = Box::pin(pool.acquire());
        let mut w2 = Box::pin(pool.acquire());
        assert!(poll_once(w1.as_mut()).is_pending());
        assert!(poll_once(w2.as_mut()).is_pending());
        assert_eq!(pool.waiting(), 2);
        drop(w1);
        assert_eq!(pool.waiting(), 1);
        drop(held);
        let g = ready(w2.as_mut()).unwrap();
        assert_eq!(g.name(), "only");
        assert_eq!(pool.available(), 0);
        drop(g);
        assert_eq!(pool.available(), 1);
    }

    #[test]
    fn cancelled_waiter_after_handoff() {
        // The account is handed to w1, which is dropped before it runs:
        // the account must move on to w2, not leak.
        let pool = AccountPool::from_accounts([Account::new("only", "pw")]);
        let held = pool.try_acquire().unwrap();
        let mut w1 = Box::pin(pool.acquire());
        let mut w2 = Box::pin(pool.acquire());
        assert!(poll_once(w1.as_mut()).is_pending());
        assert!(poll_once(w2.as_mut()).is_pending());
        drop(held);
        assert_eq!(pool.available(), 0);
        drop(w1);
        let g = ready(w2.as_mut()).unwrap();
        assert_eq!(g.name(), "only");
        drop(g);
        assert_eq!(pool.available(), 1);
    }

    #[test]
    fn cancelled_last_waiter_returns_account_to_pool() {
        let pool = AccountPool::from_accounts([Account::new("only", "pw")]);
        let held = pool.try_acquire().unwrap();
        let mut w = Box::pin(pool.acquire());
        assert!(poll_once(w.as_mut()).is_pending());
        drop(held);
        drop(w);
        assert_eq!(pool.available(), 1);
        assert!(pool.try_acquire().is_some());
    }

    #[tokio::test]
    async fn cancellation_with_spawned_tasks() {
        let pool = AccountPool::from_accounts([Account::new("only", "pw")]);
        let held = pool.acquire().await.unwrap();
        let (p1, p2) = (pool.clone(), pool.clone());
        let w1 = tokio::spawn(async move { p1.acquire().await.map(|g| g.name().to_owned()) });
        let w2 = tokio::spawn(async move { p2.acquire().await.map(|g| g.name().to_owned()) });
        until(|| pool.waiting() == 2).await;
        w1.abort();
        assert!(w1.await.unwrap_err().is_cancelled());
        drop(held);
        let name = tokio::time::timeout(DEADLINE, w2)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(name, "only");
        assert_eq!(pool.available(), 1);
    }

    #[tokio::test]
    async fn cancellation_racing_release_with_spawned_tasks() {
        let pool = AccountPool::from_accounts([Account::new("only", "pw")]);
        let held = pool.acquire().await.unwrap();
        let (p1, p2) = (pool.clone(), pool.clone());
        let w1 = tokio::spawn(async move { p1.acquire().await.map(|g| g.name().to_owned()) });
        let w2 = tokio::spawn(async move { p2.acquire().await.map(|g| g.name().to_owned()) });
        until(|| pool.waiting() == 2).await;
        // Release first (the account is handed to one of the waiters),
        // then cancel w1 before or after it has run.
        drop(held);
        w1.abort();
        let r1 = w1.await;
        let r2 = tokio::time::timeout(DEADLINE, w2).await.unwrap().unwrap();
        match r1 {
            // w1 got the account and released it by finishing, or w1 was
            // cancelled: either way w2 must have got it.
            Ok(name) => assert_eq!(name.unwrap(), "only"),
            Err(e) => assert!(e.is_cancelled()),
        }
        assert_eq!(r2.unwrap(), "only");
        assert_eq!(pool.available(), 1);
    }

    #[test]
    fn acquire_named_waits_for_that_account() {
        let pool = AccountPool::from_accounts([Account::new("a", "1"), Account::new("b", "2")]);
        let a = pool.try_acquire().unwrap();
        let b = pool.try_acquire().unwrap();
        assert_eq!((a.name(), b.name()), ("a", "b"));
        let mut want_b = Box::pin(pool.acquire_named("b"));
        let mut any = Box::pin(pool.acquire());
        assert!(poll_once(want_b.as_mut()).is_pending());
        assert!(poll_once(any.as_mut()).is_pending());
        drop(a);
        assert!(poll_once(want_b.as_mut()).is_pending());
        assert_eq!(ready(any.as_mut()).unwrap().name(), "a");
        drop(b);
        assert_eq!(ready(want_b.as_mut()).unwrap().name(), "b");
    }

    #[tokio::test]
    async fn acquire_named_free_and_unknown() {
        let pool = abc();
        let c = pool.acquire_named("c").await.unwrap();
        assert_eq!(c.name(), "c");
        assert_eq!(pool.available(), 2);
        // The free list no longer holds c: a and b rotate.
        assert_eq!(pool.acquire().await.unwrap().name(), "a");
        assert_eq!(pool.acquire().await.unwrap().name(), "b");
        drop(c);
        assert_eq!(pool.available(), 3);
        match pool.acquire_named("zz").await {
            Err(Error::NoAccounts { pool }) => assert_eq!(pool, "unnamed"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn named_and_anonymous_waiters_are_served_in_arrival_order() {
        let pool = AccountPool::from_accounts([Account::new("a", "1")]);
        let a = pool.try_acquire().unwrap();
        let mut any = Box::pin(pool.acquire());
        let mut named = Box::pin(pool.acquire_named("a"));
        assert!(poll_once(any.as_mut()).is_pending());
        assert!(poll_once(named.as_mut()).is_pending());
        drop(a);
        assert!(poll_once(named.as_mut()).is_pending());
        let g = ready(any.as_mut()).unwrap();
        drop(g);
        assert_eq!(ready(named.as_mut()).unwrap().name(), "a");
    }

    #[test]
    fn add_wakes_a_waiter() {
        let pool = AccountPool::from_accounts([Account::new("a", "1")]);
        let a = pool.try_acquire().unwrap();
        let mut w = Box::pin(pool.acquire());
        assert!(poll_once(w.as_mut()).is_pending());
        pool.add(Account::new("b", "2"));
        let b = ready(w.as_mut()).unwrap();
        assert_eq!(b.name(), "b");
        assert_eq!(pool.available(), 0);
        drop(a);
        assert_eq!(pool.available(), 1);
        drop(b);
        assert_eq!(pool.available(), 2);
    }

    #[test]
    fn reset_keeps_guards_valid_and_fails_waiters() {
        let pool = AccountPool::named("p");
        pool.add(Account::new("a", "1"));
        let a = pool.try_acquire().unwrap();
        let mut w = Box::pin(pool.acquire());
        assert!(poll_once(w.as_mut()).is_pending());
        pool.reset();
        assert!(matches!(ready(w.as_mut()), Err(Error::NoAccounts { .. })));
        assert_eq!(a.name(), "a");
        assert_eq!(pool.len(), 0);
        pool.add(Account::new("new", "2"));
        drop(a);
        // The old account did not come back into the pool.
        assert_eq!((pool.len(), pool.available()), (1, 1));
        assert_eq!(pool.try_acquire().unwrap().name(), "new");
    }

    #[test]
    fn cancelled_waiters_are_swept() {
        let pool = AccountPool::from_accounts([Account::new("a", "1")]);
        let _a = pool.try_acquire().unwrap();
        for _ in 0..1000 {
            let mut w = Box::pin(pool.acquire());
            assert!(poll_once(w.as_mut()).is_pending());
        }
        assert_eq!(pool.waiting(), 0);
        let queued = pool.0.lock().any_waiters.queue.len();
        assert!(queued <= 2 * MIN_SWEEP, "{queued} stale waiters kept");
    }

    #[test]
    fn futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let pool = AccountPool::new();
        assert_send(&pool.acquire());
        assert_send(&pool.acquire_named("a"));
        let manager = AccountManager::new();
        let host = Host::new("h").unwrap();
        assert_send(&manager.acquire_for(&host));
        assert_send(&manager.acquire());
    }

    #[test]
    fn guard_debug_hides_password() {
        let pool = AccountPool::named("p");
        pool.add(Account::new("user", "hunter2"));
        let g = pool.try_acquire().unwrap();
        let text = format!(
            "{g:?} {pool:?} {:?}",
            AccountGuard::unpooled(Account::new("x", "hunter2"))
        );
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("user"));
        assert_eq!(g.account().name(), "user");
        assert!(!AccountGuard::unpooled(Account::new("x", "y")).is_pooled());
    }

    #[tokio::test]
    async fn manager_selection_order() {
        let manager = AccountManager::new();
        // Empty default pool: error.
        let plain = Host::new("edge1").unwrap();
        match manager.acquire_for(&plain).await {
            Err(Error::NoAccounts { pool }) => assert_eq!(pool, "default"),
            other => panic!("{other:?}"),
        }
        assert!(manager.acquire().await.is_err());

        manager.add_account(Account::new("default-user", "pw"));
        let core = AccountPool::named("core");
        core.add(Account::new("core-user", "pw"));
        let lab = AccountPool::named("lab");
        lab.add(Account::new("lab-user", "pw"));
        manager.add_pool(
            core,
            Some(Arc::new(|h: &Host| h.name().starts_with("core"))),
        );
        manager.add_pool(lab, Some(Arc::new(|h: &Host| h.name().contains("1"))));

        // Default pool when nothing matches.
        let other = Host::new("edge2").unwrap();
        let g = manager.acquire_for(&other).await.unwrap();
        assert_eq!(g.name(), "default-user");
        assert!(g.is_pooled());
        drop(g);
        // First matching pool wins, in the order added.
        let core1 = Host::new("core1").unwrap();
        assert_eq!(
            manager.acquire_for(&core1).await.unwrap().name(),
            "core-user"
        );
        assert_eq!(
            manager.acquire_for(&plain).await.unwrap().name(),
            "lab-user"
        );
        // The host's own account beats every pool.
        let mut own = Host::new("ssh://me:pw@core1").unwrap();
        let g = manager.acquire_for(&own).await.unwrap();
        assert_eq!(g.name(), "me");
        assert!(!g.is_pooled());
        own.set_account(None);
        assert_eq!(manager.acquire_for(&own).await.unwrap().name(), "core-user");
        assert_eq!(manager.acquire().await.unwrap().name(), "default-user");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_stress_never_shares_an_account() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

        let names = ["a", "b", "c"];
        let pool = AccountPool::from_accounts(names.map(|n| Account::new(n, "pw")));
        let busy: Arc<[AtomicBool; 3]> = Arc::new(Default::default());
        let completed = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for task in 0..16 {
            let (pool, busy, completed) = (pool.clone(), busy.clone(), completed.clone());
            tasks.push(tokio::spawn(async move {
                for round in 0..100 {
                    if (task + round) % 5 == 0 {
                        // Give up at once if nothing is free: exercises
                        // cancellation of queued waiters.
                        let _ = tokio::time::timeout(Duration::ZERO, pool.acquire()).await;
                        continue;
                    }
                    let guard = pool.acquire().await.unwrap();
                    let index = names.iter().position(|n| *n == guard.name()).unwrap();
                    assert!(!busy[index].swap(true, Ordering::SeqCst), "account shared");
                    tokio::task::yield_now().await;
                    busy[index].store(false, Ordering::SeqCst);
                    drop(guard);
                    completed.fetch_add(1, Ordering::SeqCst);
                }
            }));
        }
        for task in tasks {
            tokio::time::timeout(DEADLINE, task).await.unwrap().unwrap();
        }
        assert_eq!(completed.load(Ordering::SeqCst), 16 * 80);
        assert_eq!(pool.available(), 3);
        assert_eq!(pool.waiting(), 0);
    }

    #[tokio::test]
    async fn matchers_run_outside_the_manager_lock() {
        let manager = AccountManager::new();
        manager.add_account(Account::new("d", "pw"));
        let inner = manager.clone();
        manager.add_pool(
            AccountPool::named("never"),
            Some(Arc::new(move |_: &Host| inner.default_pool().is_empty())),
        );
        let guard = tokio::time::timeout(DEADLINE, manager.acquire_for(&Host::new("h").unwrap()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(guard.name(), "d");
    }

    #[tokio::test]
    async fn manager_matching_empty_pool_errors() {
        let manager = AccountManager::new();
        manager.add_account(Account::new("default-user", "pw"));
        manager.add_pool(AccountPool::named("empty"), Some(Arc::new(|_: &Host| true)));
        match manager.acquire_for(&Host::new("h").unwrap()).await {
            Err(Error::NoAccounts { pool }) => assert_eq!(pool, "empty"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn manager_replace_default_and_reset() {
        let manager = AccountManager::new();
        manager.add_account(Account::new("old", "pw"));
        let pool = AccountPool::named("mine");
        pool.add(Account::new("new", "pw"));
        manager.add_pool(pool.clone(), None);
        assert_eq!(manager.acquire().await.unwrap().name(), "new");
        assert_eq!(manager.default_pool().name(), "mine");
        let clone = manager.clone();
        let held = clone.acquire().await.unwrap();
        assert_eq!(pool.available(), 0, "clones share pools");
        manager.reset();
        assert_eq!(held.name(), "new");
        match clone.acquire().await {
            Err(Error::NoAccounts { pool }) => assert_eq!(pool, "default"),
            other => panic!("{other:?}"),
        }
        drop(held);
        assert_eq!(pool.available(), 1);
        assert!(format!("{manager:?}").contains("default"));
    }
}
