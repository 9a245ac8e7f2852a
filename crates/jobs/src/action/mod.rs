//! execo's actions: processes over host groups, started, waited for,
//! killed and reported together (execo `Action`, `Remote`, `Local`,
//! `Put`, `Get`, `ChainPut`, `ParallelActions`, `SequentialActions`,
//! `Report`).
//!
//! An [`Action`] is a set of [`Process`]es run in parallel (at most
//! [`max_parallel`](Action::max_parallel) at a time, like the
//! [`Queue`](crate::queue::Queue)'s connection bound), or sub-actions run
//! in parallel ([`Action::parallel`]) or one after the other
//! ([`Action::sequential`]). Build one with [`Remote`] (a command on
//! every node, `{{{host}}}` and [named list](Substitutions) substitutions),
//! [`Local`], [`Put`] / [`Get`] (SFTP on the nodes' shared connections),
//! or [`ChainPut`] (a file broadcast through a chain of SSH hops). A
//! [`Report`] sums actions up.
//!
//! ```no_run
//! use oxscript_jobs::action::{Remote, Report, Substitutions};
//! use oxscript_jobs::ssh::SshNode;
//! use oxscript_transport::ssh::SshOptions;
//!
//! # async fn demo() -> oxscript_jobs::Result<()> {
//! let nodes: Vec<SshNode> = ["ssh://root@n1", "ssh://root@n2", "ssh://root@n3"]
//!     .iter()
//!     .map(|u| SshNode::from_url(u, SshOptions::default()))
//!     .collect::<Result<_, _>>()?;
//! let servers = Substitutions::new().list("server", ["n1", "n2", "n3"]);
//! let iperf = Remote::new("iperf -c {{server}} -t 5 # on {{{host}}}", &nodes)
//!     .substitutions(servers)
//!     .build()?;
//! iperf.run().await?;
//! println!("{}", Report::new("benchmark").action(&iperf));
//! # Ok(()) }
//! ```

mod chain;
mod group;
mod report;
mod substitute;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::join_all;
use oxscript_core::sync::lock;
use tokio::sync::{Semaphore, watch};

pub use chain::ChainPut;
pub use group::{Get, Local, Put, Remote};
pub use report::{Report, Stats};
pub use substitute::Substitutions;

use crate::error::Result;
use crate::process::{ExpectOptions, ExpectOutcome, Process, Signal};
use crate::ssh::SshNode;

/// How many processes of one action run at once by default.
pub const DEFAULT_MAX_PARALLEL: usize = 100;

/// Notified of an action's start, end and reset (execo's
/// `ActionLifecycleHandler`).
pub trait ActionLifecycleHandler: Send + Sync {
    /// The action started.
    fn start(&self, _action: &Action) {}
    /// The action ended.
    fn end(&self, _action: &Action) {}
    /// The action was reset.
    fn reset(&self, _action: &Action) {}
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Running,
    Ended,
}

enum Body {
    Processes(Vec<Process>),
    Parallel(Vec<Action>),
    Sequential(Vec<Action>),
}

struct Inner {
    name: Mutex<String>,
    body: Body,
    max_parallel: Mutex<usize>,
    hide_subactions: AtomicBool,
    lifecycle: Mutex<Vec<Arc<dyn ActionLifecycleHandler>>>,
    phase: watch::Sender<Phase>,
    stopped: AtomicBool,
}

/// A set of processes run together, or of sub-actions (execo `Action`).
/// Clones are handles to the same action. A started action runs until its
/// processes end or it is [killed](Action::kill): unlike a lone
/// [`Process`], dropping its handles does not stop it.
#[derive(Clone)]
pub struct Action(Arc<Inner>);

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Action")
            .field("name", &self.name())
            .field("processes", &self.processes().len())
            .field("phase", &*self.0.phase.borrow())
            .finish()
    }
}

impl Action {
    fn new(name: String, body: Body) -> Action {
        Action(Arc::new(Inner {
            name: Mutex::new(name),
            body,
            max_parallel: Mutex::new(DEFAULT_MAX_PARALLEL),
            hide_subactions: AtomicBool::new(false),
            lifecycle: Mutex::new(Vec::new()),
            phase: watch::channel(Phase::Idle).0,
            stopped: AtomicBool::new(false),
        }))
    }

    /// An action over `processes`, run in parallel.
    pub fn from_processes(name: impl Into<String>, processes: Vec<Process>) -> Action {
        Action::new(name.into(), Body::Processes(processes))
    }

    /// Sub-actions run in parallel (execo `ParallelActions`).
    pub fn parallel(actions: impl IntoIterator<Item = Action>) -> Action {
        let actions: Vec<Action> = actions.into_iter().collect();
        let name = format!("parallel({})", names(&actions));
        Action::new(name, Body::Parallel(actions))
    }

    /// Sub-actions run one after the other, each started when the
    /// previous one ended (execo `SequentialActions`).
    pub fn sequential(actions: impl IntoIterator<Item = Action>) -> Action {
        let actions: Vec<Action> = actions.into_iter().collect();
        let name = format!("sequential({})", names(&actions));
        Action::new(name, Body::Sequential(actions))
    }

    /// Sets the name shown in reports.
    pub fn named(self, name: impl Into<String>) -> Action {
        *lock(&self.0.name) = name.into();
        self
    }

    /// At most `n` processes of this action run at once (default
    /// [`DEFAULT_MAX_PARALLEL`]); the others start as running ones end.
    pub fn max_parallel(self, n: usize) -> Action {
        *lock(&self.0.max_parallel) = n.max(1);
        self
    }

    /// Report this action's totals only, not its sub-actions (execo `hide_subactions`).
    pub fn hide_subactions(self, hide: bool) -> Action {
        self.0.hide_subactions.store(hide, Ordering::Relaxed);
        self
    }

    /// Adds a lifecycle handler.
    pub fn on_lifecycle(self, handler: Arc<dyn ActionLifecycleHandler>) -> Action {
        lock(&self.0.lifecycle).push(handler);
        self
    }

    /// The name.
    pub fn name(&self) -> String {
        lock(&self.0.name).clone()
    }

    /// Every process, sub-actions' included, in order.
    pub fn processes(&self) -> Vec<Process> {
        match &self.0.body {
            Body::Processes(p) => p.clone(),
            Body::Parallel(a) | Body::Sequential(a) => {
                a.iter().flat_map(Action::processes).collect()
            }
        }
    }

    /// The sub-actions (none for an action over processes).
    pub fn subactions(&self) -> &[Action] {
        match &self.0.body {
            Body::Processes(_) => &[],
            Body::Parallel(a) | Body::Sequential(a) => a,
        }
    }

    pub(crate) fn subactions_hidden(&self) -> bool {
        self.0.hide_subactions.load(Ordering::Relaxed)
    }

    /// Whether it was started.
    pub fn started(&self) -> bool {
        *self.0.phase.borrow() != Phase::Idle
    }

    /// Whether it has ended (every process ended or was skipped by a kill).
    pub fn ended(&self) -> bool {
        *self.0.phase.borrow() == Phase::Ended
    }

    /// Every process is ok (see [`ProcessState::ok`](crate::process::ProcessState::ok)).
    pub fn ok(&self) -> bool {
        self.processes().iter().all(Process::ok)
    }

    /// Started, ended and ok.
    pub fn finished_ok(&self) -> bool {
        self.started() && self.ended() && self.ok()
    }

    /// Its statistics (see [`Report`]).
    pub fn stats(&self) -> Stats {
        Stats::of_action(self)
    }

    fn handlers(&self) -> Vec<Arc<dyn ActionLifecycleHandler>> {
        lock(&self.0.lifecycle).clone()
    }

    /// Starts it: returns once the first processes (up to `max_parallel`;
    /// for a sequence, those of its first action) have started; the rest
    /// start as room is made. `Err` when it was already started.
    pub async fn start(&self) -> Result<()> {
        self.start_boxed().await
    }

    /// [`start`](Action::start) as a boxed future: sub-actions start
    /// recursively.
    fn start_boxed(&self) -> futures::future::BoxFuture<'_, Result<()>> {
        Box::pin(self.start_inner())
    }

    async fn start_inner(&self) -> Result<()> {
        if self.started() {
            return Err(crate::Error::msg(format!(
                "action `{}` was already started: reset it first",
                self.name()
            )));
        }
        self.0.stopped.store(false, Ordering::SeqCst);
        self.0.phase.send_replace(Phase::Running);
        for h in self.handlers() {
            h.start(self);
        }
        let rest: futures::future::BoxFuture<'static, ()> = match &self.0.body {
            Body::Processes(processes) => {
                let limit = *lock(&self.0.max_parallel);
                let semaphore = Arc::new(Semaphore::new(limit));
                let (first, later) = processes.split_at(limit.min(processes.len()));
                let mut permits = Vec::new();
                for _ in first {
                    permits.push(semaphore.clone().try_acquire_owned().ok());
                }
                join_all(first.iter().map(Process::start)).await;
                let mut waits = Vec::new();
                for (p, permit) in first.iter().cloned().zip(permits) {
                    waits.push(tokio::spawn(async move {
                        p.wait().await;
                        drop(permit);
                    }));
                }
                let later = later.to_vec();
                let me = self.clone();
                Box::pin(async move {
                    for p in later {
                        let Ok(permit) = semaphore.clone().acquire_owned().await else {
                            break;
                        };
                        if me.0.stopped.load(Ordering::SeqCst) {
                            break;
                        }
                        let _ = p.start().await;
                        waits.push(tokio::spawn(async move {
                            p.wait().await;
                            drop(permit);
                        }));
                    }
                    join_all(waits).await;
                })
            }
            Body::Parallel(actions) => {
                join_all(actions.iter().map(Action::start_boxed)).await;
                let actions = actions.clone();
                Box::pin(async move {
                    join_all(actions.iter().map(Action::wait)).await;
                })
            }
            Body::Sequential(actions) => {
                if let Some(first) = actions.first() {
                    let _ = first.start_boxed().await;
                }
                let actions = actions.clone();
                let me = self.clone();
                Box::pin(async move {
                    for (i, a) in actions.iter().enumerate() {
                        if i > 0 {
                            if me.0.stopped.load(Ordering::SeqCst) {
                                break;
                            }
                            let _ = a.start_boxed().await;
                        }
                        a.wait().await;
                    }
                })
            }
        };
        let me = self.clone();
        tokio::spawn(async move {
            rest.await;
            me.0.phase.send_replace(Phase::Ended);
            for h in me.handlers() {
                h.end(&me);
            }
        });
        Ok(())
    }

    /// Waits until it has ended (its processes' timeouts bound the wait;
    /// see [`wait_for`](Action::wait_for)).
    pub async fn wait(&self) {
        let mut rx = self.0.phase.subscribe();
        let _ = rx.wait_for(|p| *p != Phase::Running).await;
    }

    /// Waits at most `timeout`; true if it has ended (or was not started).
    pub async fn wait_for(&self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, self.wait()).await.is_ok()
    }

    /// Starts it and waits for its end.
    pub async fn run(&self) -> Result<()> {
        self.start().await?;
        self.wait().await;
        Ok(())
    }

    /// Kills every process not yet ended (SIGTERM, SIGKILL after the kill
    /// timeout) and starts no more (execo `kill`). Does not wait.
    pub fn kill(&self) {
        self.0.stopped.store(true, Ordering::SeqCst);
        match &self.0.body {
            Body::Processes(processes) => {
                for p in processes.iter().filter(|p| p.running()) {
                    p.kill(Signal::Term);
                }
            }
            Body::Parallel(actions) | Body::Sequential(actions) => {
                actions.iter().for_each(Action::kill)
            }
        }
    }

    /// Makes it startable again: kills it if it runs, waits for its end,
    /// resets every process (execo `reset`).
    pub async fn reset(&self) {
        if self.started() && !self.ended() {
            self.kill();
            self.wait().await;
        }
        match &self.0.body {
            Body::Processes(processes) => {
                join_all(processes.iter().map(Process::reset)).await;
            }
            Body::Parallel(actions) | Body::Sequential(actions) => {
                for a in actions {
                    Box::pin(a.reset()).await;
                }
            }
        }
        self.0.phase.send_replace(Phase::Idle);
        for h in self.handlers() {
            h.reset(self);
        }
    }

    /// Expects on every running process at once (execo `Action.expect`):
    /// one outcome per process, in [`processes`](Action::processes) order.
    pub async fn expect(&self, options: ExpectOptions) -> Result<Vec<(Process, ExpectOutcome)>> {
        options.compile()?;
        let processes = self.processes();
        let outcomes = join_all(processes.iter().map(|p| p.expect_with(options.clone()))).await;
        processes
            .into_iter()
            .zip(outcomes)
            .map(|(p, o)| o.map(|o| (p, o)))
            .collect()
    }

    /// Writes `data` to the stdin of every process (execo `Remote.write`);
    /// failures mark the processes (see [`Process::write`]) and the first
    /// one is returned.
    pub async fn write(&self, data: impl AsRef<[u8]>) -> Result<()> {
        let data = data.as_ref();
        let processes = self.processes();
        let results = join_all(processes.iter().map(|p| p.write(data))).await;
        results.into_iter().collect()
    }

    /// Closes the stdin of every process.
    pub async fn close_stdin(&self) -> Result<()> {
        let processes = self.processes();
        let results = join_all(processes.iter().map(Process::close_stdin)).await;
        results.into_iter().collect()
    }
}

fn names(actions: &[Action]) -> String {
    actions
        .iter()
        .map(Action::name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Waits until at least one of `actions` has ended, at most `timeout`
/// (execo `wait_any_actions`); returns those that have ended.
pub async fn wait_any(actions: &[Action], timeout: Duration) -> Vec<Action> {
    if !actions.is_empty() && !actions.iter().any(Action::ended) {
        let any = futures::future::select_all(actions.iter().map(|a| Box::pin(a.wait())));
        let _ = tokio::time::timeout(timeout, any).await;
    }
    actions.iter().filter(|a| a.ended()).cloned().collect()
}

/// Waits until all of `actions` have ended, at most `timeout` (execo
/// `wait_all_actions`); returns those that have ended.
pub async fn wait_all(actions: &[Action], timeout: Duration) -> Vec<Action> {
    let _ = tokio::time::timeout(timeout, join_all(actions.iter().map(Action::wait))).await;
    actions.iter().filter(|a| a.ended()).cloned().collect()
}

/// `nodes` without those where a process of `action` failed (execo
/// `filter_bad_hosts`): a node is bad when a process run on it (same
/// host name) is not ok.
pub fn filter_bad_hosts(action: &Action, nodes: &[SshNode]) -> Vec<SshNode> {
    let bad: std::collections::HashSet<String> = action
        .processes()
        .iter()
        .filter(|p| !p.ok())
        .filter_map(|p| p.host().map(str::to_owned))
        .collect();
    nodes
        .iter()
        .filter(|n| !bad.contains(n.name()))
        .cloned()
        .collect()
}
