//! [`NatsServer`]: a throw-away `nats-server` with JetStream on a free
//! loopback port, in a temporary directory, for tests, examples and
//! benchmarks. It is killed and its directory removed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use crate::error::{Error, Result};

/// The environment variable naming the `nats-server` binary to use.
pub const SERVER_ENV: &str = "OXSCRIPT_NATS_SERVER";

/// The oldest server whose JetStream KV the client works with.
const MIN_VERSION: (u32, u32) = (2, 10);

/// How long the server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A local nats-server; see the [module docs](self).
#[derive(Debug)]
pub struct NatsServer {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl NatsServer {
    /// The `nats-server` to run: `$OXSCRIPT_NATS_SERVER`, else one on the
    /// `PATH`, if it is version 2.10 or later. `Err` says why none fits.
    pub fn binary() -> std::result::Result<PathBuf, String> {
        let candidate = match std::env::var_os(SERVER_ENV) {
            Some(path) => PathBuf::from(path),
            None => PathBuf::from("nats-server"),
        };
        let output = Command::new(&candidate)
            .arg("--version")
            .output()
            .map_err(|e| {
                format!(
                    "cannot run {}: {e} (set {SERVER_ENV} or put nats-server 2.10+ on the PATH)",
                    candidate.display()
                )
            })?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        match parse_version(&text) {
            Some(v) if v >= MIN_VERSION => Ok(candidate),
            Some((major, minor)) => Err(format!(
                "{} is version {major}.{minor}; JetStream KV needs 2.10 or later",
                candidate.display()
            )),
            None => Err(format!(
                "{} printed no version: {}",
                candidate.display(),
                text.trim()
            )),
        }
    }

    /// Starts a server with JetStream on 127.0.0.1 (a port the server
    /// picks), storing in a new temporary directory; returns once it
    /// accepts clients.
    pub fn start() -> Result<NatsServer> {
        let binary = NatsServer::binary().map_err(Error::Server)?;
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "oxscript-nats-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            action: "creating",
            path: dir.clone(),
            source,
        })?;
        let mut child = Command::new(&binary)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                "-1",
                "--http_port",
                "0",
                "-sd",
            ])
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::Server(format!("cannot start {}: {e}", binary.display())))?;
        let Some(stderr) = child.stderr.take() else {
            let _ = child.kill();
            return Err(Error::Server("no stderr to read the port from".to_owned()));
        };
        // The server logs to stderr; a thread reads it (a full pipe would
        // stall the server) and reports the client port.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr)
                .lines()
                .map_while(std::result::Result::ok)
            {
                if let Some(port) = listening_port(&line)
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(port);
                }
                tracing::trace!(target: "nats_server", "{line}");
            }
        });
        let mut server = NatsServer {
            child,
            dir,
            port: 0,
        };
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(port) => {
                server.port = port;
                Ok(server)
            }
            Err(_) => Err(Error::Server(format!(
                "nats-server did not report its port within {START_TIMEOUT:?}"
            ))),
        }
    }

    /// A server for the test `test`, or `Ok(None)` when there is no
    /// suitable `nats-server` here, after printing `SKIPPED <test>: <why>`
    /// so that the skip shows in the test output. Under CI (the `CI`
    /// environment variable set) a missing server is an error instead:
    /// a cluster test never skips silently there.
    ///
    /// ```no_run
    /// # fn demo() -> oxscript_cluster::Result<()> {
    /// let Some(server) = oxscript_cluster::server::NatsServer::for_test("my_test")? else {
    ///     return Ok(());
    /// };
    /// println!("testing against {}", server.url());
    /// # Ok(()) }
    /// ```
    pub fn for_test(test: &str) -> Result<Option<NatsServer>> {
        match NatsServer::binary() {
            Ok(_) => NatsServer::start().map(Some),
            Err(reason) if std::env::var_os("CI").is_some() => Err(Error::Server(format!(
                "{test}: nats-server is required under CI: {reason}"
            ))),
            Err(reason) => {
                // Straight to the standard error stream: the test harness
                // captures `eprintln!` of passing tests, and a skip must show.
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
                Ok(None)
            }
        }
    }

    /// The URL clients use.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The client port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server process's id (to watch its CPU time, say).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's storage directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `(major, minor)` from `nats-server: v2.15.1`.
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let v = text.split_whitespace().find_map(|w| w.strip_prefix('v'))?;
    let mut parts = v.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// The port of `... Listening for client connections on 127.0.0.1:4222`.
fn listening_port(line: &str) -> Option<u16> {
    let (_, addr) = line.split_once("Listening for client connections on ")?;
    addr.trim().rsplit(':').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions_and_ports() {
        assert_eq!(parse_version("nats-server: v2.15.1\n"), Some((2, 15)));
        assert_eq!(parse_version("nats-server: v2.9.20"), Some((2, 9)));
        assert_eq!(parse_version("garbage"), None);
        assert_eq!(
            listening_port(
                "[1] 2024/01/01 [INF] Listening for client connections on 127.0.0.1:41234"
            ),
            Some(41234)
        );
        assert_eq!(listening_port("[INF] Server is ready"), None);
    }
}
