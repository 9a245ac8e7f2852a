//! Shared helpers of the template crate's integration tests: the
//! conformance device served over Telnet or SSH, logged-in Sessions with
//! a transcript of what the device sent, and the expected-file format.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub(crate) mod device;

use std::sync::{Arc, Mutex};

use oxscript_core::{Account, Host};
use oxscript_emulator::{SshServer, SshServerConfig, TelnetServer, TrustedHosts, VirtualDevice};
use oxscript_template::{CompileOptions, Error, Item, RunOptions, Template, Value, Variables};
use oxscript_transport::{Session, SessionOptions, Transcript};

/// The links a template runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Link {
    Telnet,
    Ssh,
}

/// The conformance device, served on 127.0.0.1:0.
pub(crate) enum Served {
    Telnet(TelnetServer),
    Ssh(SshServer, TrustedHosts),
}

impl Served {
    /// The conformance device.
    pub(crate) async fn start(link: Link) -> Served {
        Served::serve(link, device::device()).await
    }

    /// Any device.
    pub(crate) async fn serve(link: Link, device: VirtualDevice) -> Served {
        match link {
            Link::Telnet => {
                Served::Telnet(TelnetServer::bind("127.0.0.1:0", device).await.unwrap())
            }
            Link::Ssh => {
                // The device's own login dialog runs after SSH
                // authentication, so the conversation is the Telnet one.
                let config = SshServerConfig {
                    app_login: true,
                    ..SshServerConfig::default()
                };
                let server = SshServer::bind("127.0.0.1:0", device, config)
                    .await
                    .unwrap();
                let trusted = TrustedHosts::for_servers([&server]).unwrap();
                Served::Ssh(server, trusted)
            }
        }
    }

    pub(crate) fn url(&self) -> String {
        match self {
            Served::Telnet(s) => s.url(),
            Served::Ssh(s, _) => s.url(),
        }
    }

    pub(crate) fn options(&self) -> SessionOptions {
        match self {
            Served::Ssh(_, trusted) => SessionOptions {
                ssh: trusted.ssh_options(),
                ..SessionOptions::default()
            },
            Served::Telnet(_) => SessionOptions::default(),
        }
    }

    /// A Host for the device with `account`.
    pub(crate) fn host(&self, account: Account) -> Host {
        let mut host = Host::new(&self.url()).unwrap();
        host.set_account(Some(account));
        host
    }

    /// A Session logged in as `sab` (the device accepts anyone) that
    /// records what the device sends from then on.
    pub(crate) async fn session(&self) -> (Session, Recorder) {
        let recorder = Recorder::default();
        let sink = recorder.clone();
        let options = SessionOptions {
            transcript: Some(Transcript::new(move |data| sink.push(data))),
            // No platform a driver knows: the generic driver, chosen.
            driver: Some("generic".into()),
            ..self.options()
        };
        let host = self.host(Account::new("sab", "x"));
        let mut session = Session::connect_with(&host, options).await.unwrap();
        session.login(None).await.unwrap();
        recorder.clear();
        (session, recorder)
    }

    pub(crate) async fn stop(self) {
        match self {
            Served::Telnet(s) => s.shutdown().await,
            Served::Ssh(s, trusted) => {
                s.shutdown().await;
                drop(trusted);
            }
        }
    }
}

/// What the device sent.
#[derive(Clone, Default)]
pub(crate) struct Recorder(Arc<Mutex<Vec<u8>>>);

impl Recorder {
    fn push(&self, data: &[u8]) {
        self.0.lock().unwrap().extend_from_slice(data);
    }

    pub(crate) fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    /// Everything so far, `\r\n` as `\n`.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).replace("\r\n", "\n")
    }
}

/// The command sent after a template to see the device's output to its
/// end (what follows its echo is not part of the transcript).
pub(crate) const SENTINEL: &str = "echo __end__";

/// The sentinel's output line (not its echo).
pub(crate) const SENTINEL_OUTPUT: &str = r"\n__end__\r?\n";

/// Ends a transcript at the sentinel's echo.
pub(crate) fn cut_at_sentinel(text: &str) -> String {
    match text.rfind(SENTINEL) {
        Some(i) => text[..i].to_owned(),
        None => text.to_owned(),
    }
}

/// A value the way the recorder prints Exscript's (a Python list repr).
pub(crate) fn python_repr(value: &Value) -> String {
    match value {
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(item_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Regex(re) => format!("re.compile({})", str_repr(re.source())),
    }
}

fn item_repr(item: &Item) -> String {
    match item {
        Item::Str(s) => str_repr(s),
        other => other.to_string(),
    }
}

/// Python's `repr` of a string.
pub(crate) fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// The variables file format: `name = repr` lines, sorted, without the
/// built-in variables that name the host, user and file.
pub(crate) fn render_variables(vars: &Variables) -> String {
    let mut out = String::new();
    for (name, value) in vars.iter() {
        if matches!(name, "__hostname__" | "__username__" | "__filename__") {
            continue;
        }
        // Exscript defines `__response__` with the first command only; here
        // it exists (empty) from the start.
        if name == "__response__" && value.items().is_empty() {
            continue;
        }
        out.push_str(&format!("{name} = {}\n", python_repr(value)));
    }
    out
}

/// Parses a case's `variables.in`: `name=value` lines; a name given twice
/// becomes a list (as the command line's `-d`).
pub(crate) fn parse_input_variables(text: &str) -> Variables {
    let mut vars = Variables::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (name, value) = line.split_once('=').unwrap();
        vars.append(name.trim(), value.to_owned());
    }
    vars
}

/// Compiles `text` and runs it without a connection.
pub(crate) async fn offline(text: &str, options: &CompileOptions) -> Result<Variables, Error> {
    Template::compile(text, options)?
        .run_without_session(RunOptions::default())
        .await
}
