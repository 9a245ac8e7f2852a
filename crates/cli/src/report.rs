//! What each host did, for `--json` (one object per host on stdout) and
//! the summary line that ends every run on stderr.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oxscript::Host;
use oxscript::jobs::queue::JobStatus;
use serde_json::{Value, json};

/// One command's output.
#[derive(Clone, Debug)]
pub(crate) struct CommandRecord {
    pub(crate) command: String,
    pub(crate) output: String,
    /// Since the previous command ended (or the template started).
    pub(crate) elapsed: Duration,
    /// TextFSM records (`--parse`): Ok(JSON array) or why not.
    pub(crate) records: Option<Result<Value, String>>,
}

/// What a host's job records while it runs (shared with the callbacks).
#[derive(Debug, Default)]
pub(crate) struct HostRecord {
    pub(crate) commands: Vec<CommandRecord>,
    pub(crate) driver: Option<String>,
    pub(crate) login: Option<Duration>,
    pub(crate) total: Option<Duration>,
    /// When the last command ended.
    pub(crate) mark: Option<Instant>,
}

/// A host's record, shared between its job and the run.
pub(crate) type Shared = Arc<Mutex<HostRecord>>;

/// Locks a record; a job that panicked left it as it was.
pub(crate) fn lock(record: &Shared) -> std::sync::MutexGuard<'_, HostRecord> {
    record
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl HostRecord {
    /// Records a command's output.
    pub(crate) fn command(&mut self, command: &str, output: &str) {
        let now = Instant::now();
        let elapsed = self.mark.map_or(Duration::ZERO, |m| now - m);
        self.mark = Some(now);
        self.commands.push(CommandRecord {
            command: command.to_owned(),
            output: output.to_owned(),
            elapsed,
            records: None,
        });
    }
}

fn millis(d: Option<Duration>) -> Value {
    d.map_or(Value::Null, |d| {
        json!(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    })
}

/// The kind of a job error: the variant of the Session's error
/// (`LoginFailure`, `UnknownPlatform`, `InvalidCommand`, `Timeout`, …),
/// else of the job error.
pub(crate) fn error_kind(error: &oxscript::Error) -> String {
    let debug = match error.transport() {
        Some(e) => format!("{e:?}"),
        None => format!("{error:?}"),
    };
    debug
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap_or("Error")
        .to_owned()
}

/// The JSON object of one host.
pub(crate) fn host_json(
    label: &str,
    host: &Host,
    status: Option<&JobStatus>,
    record: &HostRecord,
) -> Value {
    let error = match status {
        Some(JobStatus::Succeeded { .. }) => Value::Null,
        Some(JobStatus::Failed { error, .. }) => json!({
            "kind": error_kind(error),
            "message": error.chain().join(": "),
        }),
        Some(JobStatus::Cancelled) => json!({"kind": "Cancelled", "message": "cancelled"}),
        _ => json!({"kind": "Unfinished", "message": "did not finish"}),
    };
    let commands: Vec<Value> = record
        .commands
        .iter()
        .map(|c| {
            let mut object = json!({
                "command": c.command,
                "output": c.output,
                "elapsed_ms": millis(Some(c.elapsed)),
            });
            match &c.records {
                Some(Ok(records)) => object["records"] = records.clone(),
                Some(Err(why)) => {
                    object["records"] = Value::Null;
                    object["parse_error"] = json!(why);
                }
                None => {}
            }
            object
        })
        .collect();
    json!({
        "name": label,
        "address": host.address(),
        "port": host.port(),
        "protocol": host.protocol().to_string(),
        "driver": record.driver,
        "ok": matches!(status, Some(JobStatus::Succeeded { .. })),
        "error": error,
        "commands": commands,
        "timings": {
            "login_ms": millis(record.login),
            "total_ms": millis(record.total),
        },
    })
}

/// The line that ends every run.
pub(crate) fn summary(total: usize, failed: usize, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    if failed == 0 {
        let hosts = if total == 1 { "host" } else { "hosts" };
        format!("{total} {hosts} ok in {seconds:.2}s")
    } else {
        format!("{failed} of {total} hosts failed ({seconds:.2}s)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_and_kinds() {
        assert_eq!(
            summary(1, 0, Duration::from_millis(1500)),
            "1 host ok in 1.50s"
        );
        assert_eq!(summary(3, 2, Duration::ZERO), "2 of 3 hosts failed (0.00s)");
        assert_eq!(summary(1, 1, Duration::ZERO), "1 of 1 hosts failed (0.00s)");
        let e: oxscript::Error = oxscript::transport::Error::UnknownPlatform {
            host: "h".into(),
            prompt: "p>".into(),
            tried: "x".into(),
            tail: Default::default(),
        }
        .into();
        assert_eq!(error_kind(&e), "UnknownPlatform");
        assert_eq!(error_kind(&oxscript::Error::msg("boom")), "Failed");
    }
}
