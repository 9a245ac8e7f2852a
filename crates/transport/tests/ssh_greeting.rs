//! SSH servers that accept the TCP connection but never say a version line
//! get their own error, with what they did send.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use oxscript_core::Host;
use oxscript_transport::{Error, Session, SessionOptions};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// Serves one client with `talk`, then keeps the connection open (reading
/// nothing) until the client leaves.
async fn server(talk: &'static [u8], repeat: bool) -> (u16, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        loop {
            if socket.write_all(talk).await.is_err() || !repeat {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut buf = [0u8; 1024];
        while let Ok(n) = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await {
            if n == 0 {
                break;
            }
        }
    });
    (port, task)
}

async fn connect(port: u16) -> (Error, Duration) {
    let host = Host::new(&format!("ssh://u:p@127.0.0.1:{port}")).unwrap();
    let options = SessionOptions {
        connect_timeout: Duration::from_millis(700),
        ..SessionOptions::default()
    };
    let started = Instant::now();
    let err = Session::connect_with(&host, options).await.unwrap_err();
    (err, started.elapsed())
}

#[tokio::test]
async fn a_server_that_never_sends_its_version_is_named_as_such() {
    for (talk, repeat, shows) in [
        (&b""[..], false, "(nothing)"),
        (&b"\x00\xff\xfegarbage"[..], false, "garbage"),
        (
            &b"Welcome, this is not SSH yet\r\n"[..],
            true,
            "not SSH yet",
        ),
    ] {
        let (port, task) = server(talk, repeat).await;
        let (err, took) = connect(port).await;
        match &err {
            Error::SshNoVersion { received, .. } => {
                assert!(received.to_string().contains(shows), "{received}")
            }
            other => panic!("expected SshNoVersion, got {other:?}"),
        }
        assert!(
            err.to_string().contains("sent no SSH version line"),
            "{err}"
        );
        assert!(err.is_connect_failure());
        assert!(took < Duration::from_secs(10), "{took:?}");
        task.abort();
    }
}
