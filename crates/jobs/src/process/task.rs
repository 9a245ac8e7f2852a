//! Task processes: a piece of async work (an SFTP transfer, a chain hop)
//! with a process's life, flags and report, so file copies count in an
//! [`Action`](crate::action::Action) like commands do.

use std::sync::Arc;

use futures::future::BoxFuture;
use oxscript_core::time::deadline_after;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Ctl;
use super::core::Core;
use super::output::Stream;
use crate::error::Result;

/// The work of a task process. It writes what it has to say with
/// [`TaskOutput`]; `Ok` ends it with exit code 0, `Err` with exit code 1
/// and the error on stderr.
pub(crate) type TaskFn = Arc<dyn Fn(TaskOutput) -> BoxFuture<'static, Result<()>> + Send + Sync>;

/// Where a task writes its output.
#[derive(Clone)]
pub(crate) struct TaskOutput(Arc<Core>);

impl TaskOutput {
    pub(crate) fn stdout(&self, text: &str) {
        self.0.output(Stream::Stdout, text.as_bytes());
    }
}

/// Starts the task (it cannot fail to start) and its driver.
pub(crate) fn start(
    core: &Arc<Core>,
    work: &TaskFn,
    rx: mpsc::UnboundedReceiver<Ctl>,
) -> JoinHandle<()> {
    core.started(None, None);
    let future = work(TaskOutput(core.clone()));
    tokio::spawn(drive(core.clone(), future, rx))
}

async fn drive(
    core: Arc<Core>,
    future: BoxFuture<'static, Result<()>>,
    mut rx: mpsc::UnboundedReceiver<Ctl>,
) {
    let options = core.options();
    let deadline = options.timeout.map(deadline_after);
    let timeout = async {
        match deadline {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    };
    let stopped = async {
        // Any signal (or every handle dropped) stops a task at once.
        match rx.recv().await {
            Some(Ctl::Signal { by_user, .. }) => by_user,
            None => true,
        }
    };
    tokio::select! {
        result = future => match result {
            Ok(()) => core.finish(Some(0), None),
            Err(e) => {
                core.output(Stream::Stderr, e.to_string().as_bytes());
                core.finish(Some(1), None);
            }
        },
        () = timeout => {
            core.update(|s| { s.timed_out = true; s.killed = true; });
            core.finish(None, None);
        }
        by_user = stopped => {
            core.update(|s| { s.killed = true; s.killed_by_user = by_user; });
            core.finish(None, None);
        }
    }
}
