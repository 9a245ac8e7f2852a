//! Shared gateway connections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxscript_core::Host;
use oxscript_core::sync::lock;
use tokio::sync::OnceCell;

use super::{SshConnection, SshOptions};
use crate::Result;

/// Identifies a hop as an [`SshPool`] shares it: where it is (address and
/// port), who logs in, and the chain of hops before it. The same host
/// reached through two different gateways, or as two users, is two
/// different hops.
///
/// ```
/// use oxscript_core::Host;
/// use oxscript_transport::ssh::HopId;
///
/// let gw = Host::new("ssh://jump@gw")?;
/// let mut a = Host::new("ssh://admin@10.0.0.1")?;
/// a.set_gateway(Some(gw.clone()));
/// let mut b = Host::new("ssh://admin@10.0.0.1:22")?;
/// b.set_name("renamed"); // names do not matter
/// b.set_gateway(Some(gw));
/// assert_eq!(HopId::of(&a), HopId::of(&b));
/// assert_ne!(HopId::of(&a), HopId::of(&Host::new("ssh://admin@10.0.0.1")?));
/// # Ok::<(), oxscript_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HopId {
    address: String,
    port: u16,
    user: Option<String>,
    via: Option<Box<HopId>>,
}

impl HopId {
    /// The identity of `host` (with its gateway chain).
    pub fn of(host: &Host) -> HopId {
        HopId {
            address: host.address().to_owned(),
            port: host.port(),
            user: host.account().map(|a| a.name().to_owned()),
            via: host.gateway().map(|g| Box::new(HopId::of(g))),
        }
    }

    /// The hop before this one, if any.
    pub fn via(&self) -> Option<&HopId> {
        self.via.as_deref()
    }
}

type Cell = Arc<OnceCell<SshConnection>>;

/// Authenticated SSH connections shared by everything that goes through
/// the same host (apssh's "one connection per node"): each hop of a gateway
/// chain is connected lazily, once, by the first session that needs it;
/// later sessions open their tunnels over it. Cheap to clone.
///
/// ```no_run
/// use std::time::Duration;
/// use oxscript_core::Host;
/// use oxscript_transport::ssh::{SshOptions, SshPool};
/// use oxscript_transport::{Session, SessionOptions};
///
/// # async fn demo() -> oxscript_transport::Result<()> {
/// let pool = SshPool::new();
/// let options = SessionOptions {
///     ssh: SshOptions { pool: Some(pool.clone()), ..SshOptions::default() },
///     ..SessionOptions::default()
/// };
/// let bastion = Host::new("ssh://jump:secret@bastion.example.net")?;
/// for name in ["r1", "r2", "r3"] {
///     let mut router = Host::new(&format!("ssh://admin:secret@{name}"))?;
///     router.set_gateway(Some(bastion.clone()));
///     let mut session = Session::connect_with(&router, options.clone()).await?;
///     session.login(None).await?;
///     session.close().await?;
/// }
/// assert_eq!(pool.len(), 1); // one connection to the bastion, shared
/// pool.close_all().await;
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct SshPool {
    cells: Arc<Mutex<HashMap<HopId, Cell>>>,
}

impl std::fmt::Debug for SshPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshPool")
            .field("connections", &self.len())
            .finish()
    }
}

impl SshPool {
    /// An empty pool.
    pub fn new() -> SshPool {
        SshPool::default()
    }

    /// The authenticated connection to `host` (with the Host's account),
    /// opened on first use; concurrent callers wait for the same attempt.
    /// A failed attempt is not cached: the next caller tries again.
    pub async fn connect(
        &self,
        host: &Host,
        options: &SshOptions,
        timeout: Duration,
    ) -> Result<SshConnection> {
        let cell = {
            let mut cells = lock(&self.cells);
            cells.entry(HopId::of(host)).or_default().clone()
        };
        let connection = cell
            .get_or_try_init(|| async {
                let connection =
                    Box::pin(SshConnection::connect_authenticated(host, options, timeout)).await?;
                connection.set_pooled();
                Ok::<_, crate::Error>(connection)
            })
            .await?;
        if connection.is_closed() {
            // A dead hop (keepalive timeout, server restart): forget it and reconnect.
            self.forget(host);
            return Box::pin(self.connect(host, options, timeout)).await;
        }
        Ok(connection.clone())
    }

    fn forget(&self, host: &Host) {
        lock(&self.cells).remove(&HopId::of(host));
    }

    /// The open connections, remotest (deepest) first.
    pub fn connections(&self) -> Vec<SshConnection> {
        let cells = lock(&self.cells);
        let mut list: Vec<SshConnection> =
            cells.values().filter_map(|c| c.get().cloned()).collect();
        list.sort_by_key(|c| std::cmp::Reverse(c.depth()));
        list
    }

    /// Number of open connections.
    pub fn len(&self) -> usize {
        let cells = lock(&self.cells);
        cells.values().filter(|c| c.get().is_some()).count()
    }

    /// Whether the pool holds no connection.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `other` is a handle to the same pool (clones share one).
    ///
    /// ```
    /// use oxscript_transport::ssh::SshPool;
    ///
    /// let pool = SshPool::new();
    /// assert!(pool.same_pool(&pool.clone()));
    /// assert!(!pool.same_pool(&SshPool::new()));
    /// ```
    pub fn same_pool(&self, other: &SshPool) -> bool {
        Arc::ptr_eq(&self.cells, &other.cells)
    }

    /// Closes every connection, remotest first, and empties the pool.
    pub async fn close_all(&self) {
        let list = self.connections();
        lock(&self.cells).clear();
        for connection in list {
            connection.disconnect().await;
        }
    }
}
