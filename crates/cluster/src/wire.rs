//! The messages exchanged through NATS, as versioned JSON.
//!
//! Every message has a `v` field, [`WIRE_VERSION`]; a message of another
//! version is refused with [`Error::Version`] rather than misread. Nothing
//! secret is ever part of a message: hosts travel with the *name* of their
//! account, which the worker resolves from its own account file.

use std::collections::BTreeMap;

use base64::Engine as _;
use oxscript_core::{Host, Protocol, Url};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::error::{Error, Result};

/// The version of the messages this build writes and reads.
pub const WIRE_VERSION: u32 = 1;

/// The arguments of a job: names and text values, ordered by name.
/// They travel in work items in clear text: never put a secret here.
pub type JobArgs = BTreeMap<String, String>;

/// One job for one host: what a worker pulls from its site's queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkItem {
    /// [`WIRE_VERSION`].
    pub v: u32,
    /// The run it belongs to.
    pub run: String,
    /// Its number in the run (from 1).
    pub job: u64,
    /// The registered job to run.
    pub name: String,
    /// The job's arguments.
    pub args: JobArgs,
    /// The host to run it on.
    pub host: WireHost,
}

/// A host as it travels: everything but secrets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireHost {
    /// The name used in logs and reports.
    pub name: String,
    /// `telnet`, `ssh`, …
    pub protocol: String,
    /// What is connected to.
    pub address: String,
    /// The port.
    pub port: u16,
    /// The name of the host's account, resolved on the worker from its
    /// account file; `None` lets the worker pick from its default pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The driver name, if the host names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Free-form host options.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// Host variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, Vec<String>>,
    /// The SSH gateway to reach the host through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<Box<WireHost>>,
}

impl WireHost {
    /// The host without its secrets: the account travels by name only.
    pub fn from_host(host: &Host) -> WireHost {
        WireHost {
            name: host.name().to_owned(),
            protocol: host.protocol().as_str().to_owned(),
            address: host.address().to_owned(),
            port: host.port(),
            account: host.account().map(|a| a.name().to_owned()),
            driver: host.driver().map(str::to_owned),
            options: host.options().clone(),
            vars: host.vars().clone(),
            gateway: host.gateway().map(|g| Box::new(WireHost::from_host(g))),
        }
    }

    /// The host, with accounts looked up by name with `account` (which
    /// fails for a name it does not know).
    pub fn to_host(
        &self,
        account: &dyn Fn(&str) -> Result<oxscript_core::Account>,
    ) -> Result<Host> {
        let protocol: Protocol = self.protocol.parse()?;
        let mut url = Url::new(protocol, self.address.clone());
        url.port = self.port;
        let mut host = Host::from_url(url);
        host.set_name(self.name.clone());
        host.set_driver(self.driver.clone());
        for (k, v) in &self.options {
            host.set_option(k.clone(), v.clone());
        }
        host.set_vars(self.vars.clone());
        if let Some(name) = &self.account {
            host.set_account(Some(account(name)?));
        }
        if let Some(gateway) = &self.gateway {
            host.set_gateway(Some(gateway.to_host(account)?));
        }
        Ok(host)
    }
}

/// How a job ended, as a worker recorded it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The job succeeded.
    Succeeded,
    /// The job failed on its last attempt.
    Failed {
        /// The error and its causes, one message each.
        error: Vec<String>,
    },
    /// The job was cancelled (its run was cancelled, or the worker stopped).
    Cancelled,
    /// A non-idempotent job whose earlier delivery started and never
    /// reported: it may or may not have done its work, and was not run
    /// again.
    UnknownOutcome {
        /// Why the outcome is unknown.
        reason: String,
    },
}

/// One attempt of a job on a worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// The attempt number (from 1) on that worker.
    pub attempt: u32,
    /// The error and its causes when the attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Vec<String>>,
}

/// The result of a job: the one message on its result subject
/// `<prefix>.ev.<run>.<job>.result` of the events stream (the first one
/// written stands), read there by the coordinator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    /// [`WIRE_VERSION`].
    pub v: u32,
    /// The run.
    pub run: String,
    /// The job's number in the run.
    pub job: u64,
    /// How it ended.
    pub outcome: Outcome,
    /// Its attempts on the worker that wrote the result, in order.
    #[serde(default)]
    pub attempts: Vec<AttemptRecord>,
    /// The worker that wrote the result.
    pub worker: String,
    /// The worker's site.
    pub site: String,
    /// Which delivery of the work item this is (1 for the first; more
    /// when a worker died or gave the item back).
    pub delivered: u64,
    /// When the worker started the job (ms since the Unix epoch).
    pub started_ms: u64,
    /// When it ended.
    pub ended_ms: u64,
}

/// What a job's log received, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "d", rename_all = "snake_case")]
pub enum LogEvent {
    /// Transcript bytes that are valid UTF-8.
    Text(String),
    /// Transcript bytes that are not, base64-encoded.
    Bytes(String),
    /// A message the job logged.
    Message(String),
}

impl LogEvent {
    /// Transcript data, as text when it is UTF-8.
    pub fn data(bytes: Vec<u8>) -> LogEvent {
        match String::from_utf8(bytes) {
            Ok(text) => LogEvent::Text(text),
            Err(e) => {
                LogEvent::Bytes(base64::engine::general_purpose::STANDARD.encode(e.as_bytes()))
            }
        }
    }

    /// The transcript bytes of a data event (`None` for messages and bad
    /// base64).
    pub fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            LogEvent::Text(t) => Some(t.as_bytes().to_vec()),
            LogEvent::Bytes(b) => base64::engine::general_purpose::STANDARD.decode(b).ok(),
            LogEvent::Message(_) => None,
        }
    }
}

/// A piece of the log of one attempt of a job, streamed while it runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogChunk {
    /// [`WIRE_VERSION`].
    pub v: u32,
    /// The run.
    pub run: String,
    /// The job's number in the run.
    pub job: u64,
    /// The delivery of the work item that produced it.
    pub delivered: u64,
    /// The attempt (on that delivery's worker).
    pub attempt: u32,
    /// The chunk's number within the attempt, from 0.
    pub seq: u32,
    /// What the log received, in order.
    pub events: Vec<LogEvent>,
}

/// What flows back to the coordinator on `<prefix>.ev.<run>.<job>.log`
/// and `<prefix>.ev.<run>.<job>.result`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A piece of a job's log.
    Log(LogChunk),
    /// A job's result.
    Result(JobResult),
}

/// Where a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Jobs are being handed out.
    Running,
    /// The run was cancelled: workers stop its jobs.
    Cancelled,
    /// Every job has a result.
    Finished,
}

/// A run's record in the runs bucket, updated by its coordinator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// [`WIRE_VERSION`].
    pub v: u32,
    /// The run id.
    pub run: String,
    /// Where it is.
    pub state: RunState,
    /// Who started it (host name and process id of the coordinator).
    pub coordinator: String,
    /// When it started (ms since the Unix epoch).
    pub created_ms: u64,
    /// When the record was last written.
    pub updated_ms: u64,
    /// Jobs queued.
    pub total: u64,
    /// Jobs that succeeded.
    pub succeeded: u64,
    /// Jobs that failed.
    pub failed: u64,
    /// Jobs cancelled.
    pub cancelled: u64,
    /// Jobs with an unknown outcome.
    pub unknown: u64,
    /// Results that came from a second or later delivery.
    pub redelivered: u64,
}

/// A worker's heartbeat in the workers bucket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkerRecord {
    /// [`WIRE_VERSION`].
    pub v: u32,
    /// The worker's id.
    pub worker: String,
    /// Its site.
    pub site: String,
    /// How many jobs it runs at once.
    pub slots: usize,
    /// How many it runs now.
    pub running: usize,
    /// How many it finished since it started.
    pub done: u64,
    /// When this was written (ms since the Unix epoch).
    pub updated_ms: u64,
}

/// JSON of a message.
pub(crate) fn encode<T: Serialize>(message: &T) -> bytes::Bytes {
    // Serialising these plain structs cannot fail (string keys, no
    // custom serialisers); an empty payload would be refused on decode.
    serde_json::to_vec(message)
        .map(bytes::Bytes::from)
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct VersionOnly {
    v: u32,
}

/// Decodes a message of kind `what` received on `subject`, checking its
/// version first.
pub(crate) fn decode<T: DeserializeOwned>(
    what: &'static str,
    subject: &str,
    payload: &[u8],
) -> Result<T> {
    let bad = |e: serde_json::Error| Error::Decode {
        what,
        subject: subject.to_owned(),
        reason: e.to_string(),
    };
    let version = serde_json::from_slice::<VersionOnly>(payload)
        .map_err(bad)?
        .v;
    if version != WIRE_VERSION {
        return Err(Error::Version {
            what,
            subject: subject.to_owned(),
            found: version,
            expected: WIRE_VERSION,
        });
    }
    serde_json::from_slice(payload).map_err(bad)
}

/// Decodes an [`Event`] (its version is inside the chunk or result).
pub(crate) fn decode_event(subject: &str, payload: &[u8]) -> Result<Event> {
    let event: Event = serde_json::from_slice(payload).map_err(|e| Error::Decode {
        what: "event",
        subject: subject.to_owned(),
        reason: e.to_string(),
    })?;
    let v = match &event {
        Event::Log(c) => c.v,
        Event::Result(r) => r.v,
    };
    if v != WIRE_VERSION {
        return Err(Error::Version {
            what: "event",
            subject: subject.to_owned(),
            found: v,
            expected: WIRE_VERSION,
        });
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxscript_core::Account;

    #[test]
    fn hosts_travel_without_secrets() {
        let mut host = Host::new("ssh://admin:s3cret@10.0.0.1:2222?site=lab").unwrap();
        host.set_name("r1");
        host.set_driver(Some("ios".into()));
        host.set_option("x", "y");
        let mut gw = Host::new("ssh://jump:gwpass@gw").unwrap();
        gw.set_name("gw");
        host.set_gateway(Some(gw));
        let wire = WireHost::from_host(&host);
        let json = String::from_utf8(encode(&wire).to_vec()).unwrap();
        assert!(
            !json.contains("s3cret") && !json.contains("gwpass"),
            "{json}"
        );
        assert_eq!(wire.account.as_deref(), Some("admin"));

        let lookup = |name: &str| -> Result<Account> {
            match name {
                "admin" | "jump" => Ok(Account::new(name, "from-file")),
                other => Err(Error::BadArguments {
                    name: "t".into(),
                    reason: format!("no account {other}"),
                }),
            }
        };
        let back = wire.to_host(&lookup).unwrap();
        assert_eq!(back.name(), "r1");
        assert_eq!((back.address(), back.port()), ("10.0.0.1", 2222));
        assert_eq!(back.protocol(), Protocol::Ssh);
        assert_eq!(back.driver(), Some("ios"));
        assert_eq!(back.option("x"), Some("y"));
        assert_eq!(back.get_first("site"), Some("lab"));
        assert_eq!(back.account().unwrap().password().expose(), "from-file");
        assert_eq!(back.gateway().unwrap().name(), "gw");

        let mut unknown = wire.clone();
        unknown.account = Some("nobody".into());
        assert!(unknown.to_host(&lookup).is_err());
    }

    #[test]
    fn versions_are_checked() {
        let item = WorkItem {
            v: WIRE_VERSION,
            run: "r1".into(),
            job: 3,
            name: "show".into(),
            args: JobArgs::from([("commands".into(), "show version".into())]),
            host: WireHost::from_host(&Host::new("r1").unwrap()),
        };
        let bytes = encode(&item);
        let back: WorkItem = decode("work item", "s", &bytes).unwrap();
        assert_eq!(back, item);
        let mut newer = item;
        newer.v = 2;
        let err = decode::<WorkItem>("work item", "s", &encode(&newer)).unwrap_err();
        assert!(matches!(err, Error::Version { found: 2, .. }), "{err}");
        let err = decode::<WorkItem>("work item", "s", b"{").unwrap_err();
        assert!(
            err.to_string().starts_with("invalid work item on `s`"),
            "{err}"
        );
    }

    #[test]
    fn events_and_log_data() {
        let chunk = Event::Log(LogChunk {
            v: WIRE_VERSION,
            run: "r".into(),
            job: 1,
            delivered: 1,
            attempt: 1,
            seq: 0,
            events: vec![
                LogEvent::data(b"r1>".to_vec()),
                LogEvent::data(vec![0xff, b'x']),
                LogEvent::Message("hi".into()),
            ],
        });
        let back = decode_event("s", &encode(&chunk)).unwrap();
        assert_eq!(back, chunk);
        let Event::Log(c) = back else { panic!() };
        assert_eq!(c.events[0], LogEvent::Text("r1>".into()));
        assert_eq!(c.events[1].bytes().unwrap(), vec![0xff, b'x']);
        assert_eq!(c.events[2].bytes(), None);
        let result = JobResult {
            v: 9,
            run: "r".into(),
            job: 1,
            outcome: Outcome::UnknownOutcome { reason: "x".into() },
            attempts: vec![],
            worker: "w".into(),
            site: "s".into(),
            delivered: 2,
            started_ms: 0,
            ended_ms: 0,
        };
        let json = String::from_utf8(encode(&Event::Result(result)).to_vec()).unwrap();
        assert!(json.contains(r#""status":"unknown_outcome""#), "{json}");
        assert!(matches!(
            decode_event("s", json.as_bytes()),
            Err(Error::Version { found: 9, .. })
        ));
    }
}
