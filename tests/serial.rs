//! Serial consoles: a `serial://` Session over a pseudo-terminal pair
//! made by `socat`, with the emulator serving a device on the other end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/pty_pair.rs"]
mod pty_pair;

use std::path::Path;

use pty_pair::{PtyPair, login_over_console};

use oxscript::{Host, Session, SessionOptions};

fn console_host(path: &str) -> Host {
    Host::new(&format!("serial://{path}?baud=115200")).unwrap()
}

#[tokio::test]
async fn a_serial_session_logs_into_the_emulator() {
    let Some(pair) = PtyPair::new("login").await else {
        return;
    };
    let host = console_host(&pair.path("console"));
    assert_eq!(host.address(), pair.path("console"));
    login_over_console(pair, host, SessionOptions::default(), "con1").await;
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
