//! The connection's I/O task ends, and frees its socket, whatever the peer
//! does: closing or dropping a Session whose peer stopped reading leaves
//! no task, no file descriptor and no pending data behind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use oxscript_core::Host;
use oxscript_transport::{Error, Session, SessionOptions};
use tokio::net::{TcpListener, TcpStream};

/// Descriptor counts are per process: the tests of this file run one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Open sockets of this process (the runtimes of other tests come and go
/// with their own event descriptors: only sockets are counted).
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| {
        dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count()
    })
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Waits (at most 20 s) until `tasks` tasks and `fds` descriptors are left.
async fn settles_to(tasks: usize, fds: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (now_tasks, now_fds) = (alive_tasks(), open_fds());
        if now_tasks <= tasks && now_fds <= fds {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "leak: {now_tasks} tasks (expected {tasks}), {now_fds} sockets (expected {fds})"
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A Telnet session to a peer that accepts and never reads, with a short
/// timeout, after a 50 MB write that cannot complete.
async fn stuck_session() -> (Session, TcpStream, usize, usize) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tasks, fds) = (alive_tasks(), open_fds());
    let host = Host::new(&format!("telnet://127.0.0.1:{port}")).unwrap();
    let options = SessionOptions {
        timeout: Duration::from_millis(500),
        ..SessionOptions::default()
    };
    let (session, accepted) =
        tokio::join!(Session::connect_with(&host, options), listener.accept());
    let mut session = session.unwrap();
    let (peer, _) = accepted.unwrap();
    let big = vec![b'x'; 50 * 1024 * 1024];
    match session.send(&big).await {
        Err(Error::Timeout { during, .. }) => {
            assert!(during.contains("stopped reading"), "{during}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    (session, peer, tasks, fds)
}

#[tokio::test]
async fn close_ends_the_io_task_of_a_peer_that_stopped_reading() {
    let _serial = SERIAL.lock().await;
    let (session, peer, tasks, fds) = stuck_session().await;
    tokio::time::timeout(Duration::from_secs(10), session.close())
        .await
        .expect("close took more than 10 s")
        .unwrap();
    // Only the peer's socket (held by this test) remains.
    settles_to(tasks, fds + 1).await;
    drop(peer);
    settles_to(tasks, fds).await;
}

#[tokio::test]
async fn dropping_the_session_ends_the_io_task_of_a_peer_that_stopped_reading() {
    let _serial = SERIAL.lock().await;
    let (session, peer, tasks, fds) = stuck_session().await;
    drop(session);
    settles_to(tasks, fds + 1).await;
    drop(peer);
    settles_to(tasks, fds).await;
}
