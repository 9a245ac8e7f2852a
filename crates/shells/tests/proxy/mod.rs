//! A TCP proxy for tests that kills its client connections on demand:
//! when the client sends bytes containing the trigger, both sides are
//! dropped at once (the server never sees those bytes), as if the
//! network died in the middle of a command. Shared by the emulator tests
//! of oxscript-shells and the interop suite.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A proxy to one upstream address; stops when dropped.
pub(crate) struct KillingProxy {
    addr: SocketAddr,
    trigger: Trigger,
    kills: Arc<Mutex<usize>>,
    now: tokio::sync::watch::Sender<u64>,
    task: JoinHandle<()>,
}

/// The bytes that kill a connection, and whether only once.
type Trigger = Arc<Mutex<Option<(Vec<u8>, bool)>>>;

impl KillingProxy {
    /// Listens on 127.0.0.1:0 and forwards every client to `upstream`.
    pub(crate) async fn start(upstream: SocketAddr) -> KillingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let trigger: Trigger = Arc::default();
        let kills: Arc<Mutex<usize>> = Arc::default();
        let (t, k) = (trigger.clone(), kills.clone());
        let now = tokio::sync::watch::Sender::new(0u64);
        let n = now.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                tokio::spawn(pipe(client, server, t.clone(), k.clone(), n.subscribe()));
            }
        });
        KillingProxy {
            addr,
            trigger,
            kills,
            now,
            task,
        }
    }

    /// Where clients connect.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Kills every connection whose client sends `bytes` (None: never).
    pub(crate) fn kill_on(&self, bytes: Option<&str>) {
        *self.trigger.lock().unwrap() = bytes.map(|b| (b.as_bytes().to_vec(), false));
    }

    /// Kills the next connection whose client sends `bytes`, once.
    pub(crate) fn kill_once_on(&self, bytes: &str) {
        *self.trigger.lock().unwrap() = Some((bytes.as_bytes().to_vec(), true));
    }

    /// Kills every open connection now.
    pub(crate) fn kill_now(&self) {
        self.now.send_modify(|n| *n += 1);
    }

    /// How many connections were killed.
    pub(crate) fn kills(&self) -> usize {
        *self.kills.lock().unwrap()
    }
}

impl Drop for KillingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn pipe(
    mut client: TcpStream,
    mut server: TcpStream,
    trigger: Trigger,
    kills: Arc<Mutex<usize>>,
    mut now: tokio::sync::watch::Receiver<u64>,
) {
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let mut up = [0u8; 16 * 1024];
    let mut down = [0u8; 16 * 1024];
    loop {
        tokio::select! {
            _ = now.changed() => {
                *kills.lock().unwrap() += 1;
                return;
            }
            n = cr.read(&mut up) => {
                let Ok(n) = n else { return };
                if n == 0 { return; }
                let hit = {
                    let mut t = trigger.lock().unwrap();
                    let hit = t.as_ref().is_some_and(|(t, _)| {
                        up[..n].windows(t.len()).any(|w| w == t.as_slice())
                    });
                    if hit && t.as_ref().is_some_and(|(_, once)| *once) {
                        *t = None;
                    }
                    hit
                };
                if hit {
                    *kills.lock().unwrap() += 1;
                    return;
                }
                if sw.write_all(&up[..n]).await.is_err() { return; }
            }
            n = sr.read(&mut down) => {
                let Ok(n) = n else { return };
                if n == 0 { return; }
                if cw.write_all(&down[..n]).await.is_err() { return; }
            }
        }
    }
}
