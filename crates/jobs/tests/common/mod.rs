//! Helpers shared by the integration tests: deadlines, gates, temporary
//! directories and emulated devices.

#![allow(dead_code, unreachable_pub)]
// Test helpers: failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oxscript_emulator::{Handler, SshServer, SshServerConfig, TelnetServer, VirtualDevice, ios};
use tokio::sync::{Semaphore, mpsc};

/// The deadline of every wait in the tests (generous: CI machines are slow).
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Awaits `fut`, failing the test if it takes longer than [`DEADLINE`].
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(DEADLINE, fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out: {what}"),
    }
}

/// Yields until `cond` holds (no sleeping), failing after [`DEADLINE`].
pub async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    within(what, async {
        while !cond() {
            tokio::task::yield_now().await;
        }
    })
    .await;
}

/// Jobs report here when they start, then wait until the test opens the
/// gate for them one by one.
#[derive(Clone)]
pub struct Gate {
    permits: Arc<Semaphore>,
    started: mpsc::UnboundedSender<String>,
}

pub struct GateControl {
    permits: Arc<Semaphore>,
    started: mpsc::UnboundedReceiver<String>,
}

pub fn gate() -> (Gate, GateControl) {
    let permits = Arc::new(Semaphore::new(0));
    let (tx, rx) = mpsc::unbounded_channel();
    (
        Gate {
            permits: permits.clone(),
            started: tx,
        },
        GateControl {
            permits,
            started: rx,
        },
    )
}

impl Gate {
    /// Reports `name` as started, then waits for a permit.
    pub async fn pass(&self, name: &str) {
        let _ = self.started.send(name.to_owned());
        if let Ok(permit) = self.permits.acquire().await {
            permit.forget();
        }
    }
}

impl GateControl {
    /// The next job that started.
    pub async fn next_started(&mut self) -> String {
        within("a job to start", self.started.recv())
            .await
            .expect("gate closed")
    }

    /// Whether a start was reported that was not read yet.
    pub fn has_pending_start(&mut self) -> bool {
        match self.started.try_recv() {
            Ok(name) => panic!("unexpected start of {name}"),
            Err(mpsc::error::TryRecvError::Empty) => false,
            Err(mpsc::error::TryRecvError::Disconnected) => false,
        }
    }

    /// Lets `n` waiting jobs go on.
    pub fn release(&self, n: usize) {
        self.permits.add_permits(n);
    }
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "oxscript-jobs-{prefix}-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn read(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.0.join(name)).ok()
    }

    pub fn exists(&self, name: &str) -> bool {
        self.0.join(name).exists()
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.0.join(name), text).unwrap();
    }

    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A TCP port on 127.0.0.1 nobody listens on (connections are refused).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// An IOS device with credentials and two extra commands: `whoami` (the
/// logged-in user name) and `echo TEXT`.
pub fn ios_device(name: &str, user: &str, password: &str) -> VirtualDevice {
    ios::device(name)
        .with_credentials(user, password)
        .with_command(
            "whoami",
            Handler::func(|ctx, _| ctx.username().unwrap_or("?").to_owned()),
            true,
        )
        .unwrap()
        .with_command(
            "echo (.*)",
            Handler::func(|_, caps| caps.get(1).map_or("", |m| m.as_str()).to_owned()),
            true,
        )
        .unwrap()
}

/// Serves [`ios_device`] over Telnet on 127.0.0.1.
pub async fn ios_server(name: &str, user: &str, password: &str) -> TelnetServer {
    TelnetServer::bind("127.0.0.1:0", ios_device(name, user, password))
        .await
        .unwrap()
}

/// An emulated SSH server for `device` on 127.0.0.1 (with its in-memory
/// SFTP subsystem), relaying `direct-tcpip` tunnels when it is a `gateway`.
pub async fn ssh_server(device: VirtualDevice, gateway: bool) -> SshServer {
    let config = SshServerConfig {
        direct_tcpip: gateway,
        sftp: true,
        ..SshServerConfig::default()
    };
    SshServer::bind("127.0.0.1:0", device, config)
        .await
        .unwrap()
}
