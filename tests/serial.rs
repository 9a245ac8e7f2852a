//! Serial consoles: a `serial://` Session over a pseudo-terminal pair
//! made by `socat`, with the emulator serving a device on the other end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/pty_pair.rs"]
mod pty_pair;

use std::path::Path;

use pty_pair::{DEADLINE, PtyPair};

use oxscript::emulator::{ios, serve_stream};
use oxscript::transport::serial::open_local;
use oxscript::{Account, Host, Session, SessionOptions};

fn console_host(path: &str) -> Host {
    Host::new(&format!("serial://{path}?baud=115200")).unwrap()
}

#[tokio::test]
async fn a_serial_session_logs_into_the_emulator() {
    let Some(pair) = PtyPair::new("login").await else {
        return;
    };
    let mut host = console_host(&pair.path("console"));
    host.set_account(Some(Account::new("admin", "secret")));
    assert_eq!(host.address(), pair.path("console"));
    let mut session = tokio::time::timeout(
        DEADLINE,
        Session::connect_with(&host, SessionOptions::default()),
    )
    .await
    .unwrap()
    .unwrap();
    // The device end, served once the console is open.
    let device = open_local(&pair.path("device"), 115_200).unwrap();
    let served = tokio::spawn(serve_stream(
        device,
        ios::device("con1")
            .with_credentials("admin", "secret")
            .session(),
    ));
    tokio::time::timeout(DEADLINE, session.login())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.prompt(), Some("con1#"));
    let version = session.execute("show version").await.unwrap();
    assert!(version.text().contains("Cisco IOS"), "{}", version.text());
    session.close().await.unwrap();
    drop(pair);
    let _ = tokio::time::timeout(DEADLINE, served).await;
}

#[tokio::test]
async fn serial_errors_name_the_device() {
    let host = console_host("/nonexistent/oxscript-tty");
    let err = Session::connect(&host).await.unwrap_err().to_string();
    assert!(err.contains("/nonexistent/oxscript-tty"), "{err}");
    let bad = Host::new("serial:///dev/null?baud=fast").unwrap();
    let err = Session::connect(&bad).await.unwrap_err().to_string();
    assert!(err.contains("baud `fast`"), "{err}");
    assert!(Path::new("/dev/null").exists());
}
