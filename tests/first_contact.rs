//! The first minutes with a device: logging out of a device that never
//! closes, authorization failures quoting the device, per-call options of
//! execute, reads that end on silence, saving and committing
//! configuration. Over every kind of link where it matters.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{Link, serve};
use oxscript::emulator::{LoginType, VirtualDevice, ios};
use oxscript::{Account, Session, SessionOptions};

/// A generous bound for things that must not wait for the command timeout.
const BOUND: Duration = Duration::from_secs(20);

/// A session timeout far longer than `BOUND`: an operation that ends
/// within `BOUND` did not wait for it.
const LONG_TIMEOUT: Duration = Duration::from_secs(120);

/// A device whose `exit` does nothing: it never closes the connection.
fn never_closes() -> VirtualDevice {
    VirtualDevice::new("stubborn")
        .with_login_type(LoginType::None)
        .with_prompt("stubborn> ")
        .with_command("exit", "", true)
        .unwrap()
}

async fn logout_returns_within_the_grace(link: Link) {
    let served = serve(link, never_closes()).await;
    let host = served.host(Some(Account::new("u", "p")));
    let options = SessionOptions {
        driver: Some("generic".into()),
        timeout: LONG_TIMEOUT,
        logout_grace: Duration::from_millis(300),
        ..served.options()
    };
    let mut session = Session::connect_with(&host, options).await.unwrap();
    session.login(None).await.unwrap();
    let closed_by_device = tokio::time::timeout(BOUND, session.logout())
        .await
        .expect("logout waited for the command timeout")
        .unwrap();
    assert!(!closed_by_device);
    served.stop().await;

    // A device that closes after `exit` is reported as having done so.
    let served = serve(link, ios::device("r1").with_credentials("u", "p")).await;
    let host = served.host(Some(Account::new("u", "p")));
    let options = SessionOptions {
        timeout: LONG_TIMEOUT,
        logout_grace: Duration::from_secs(10),
        ..served.options()
    };
    let mut session = Session::connect_with(&host, options).await.unwrap();
    session.login(None).await.unwrap();
    assert!(session.logout().await.unwrap());
    served.stop().await;
}
over_every_link!(logout_returns_within_the_grace);

async fn authorization_failure_quotes_the_device(link: Link) {
    let device = ios::device("r1")
        .with_credentials("admin", "pw")
        .with_enable_password("right");
    let served = serve(link, device).await;
    let account = Account::builder("admin")
        .password("pw")
        .authorization_password("wrong")
        .build();
    let host = served.host(Some(account));
    let mut session = Session::connect_with(&host, served.options())
        .await
        .unwrap();
    let err = session.login(None).await.unwrap_err();
    let oxscript::transport::Error::AuthorizationFailure { reason, .. } = &err else {
        panic!("expected AuthorizationFailure, got {err:?}");
    };
    assert_eq!(
        reason,
        "the device said `% Access denied` (the prompt is still `r1>`)"
    );
    assert!(!err.to_string().contains("wrong"), "{err}");
    // The same through acquire_priv.
    assert!(session.auth().app_authenticated);
    let err = session.acquire_priv("privilege_exec").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("the device said `% Access denied`"),
        "{err}"
    );
    session.close().await.unwrap();
    served.stop().await;

    // A device that needs no enable secret: login succeeds with an
    // account that has none, and the session is privileged.
    let served = serve(link, ios::device("r2").with_credentials("admin", "pw")).await;
    let host = served.host(Some(Account::new("admin", "pw")));
    let mut session = Session::connect_with(&host, served.options())
        .await
        .unwrap();
    session.login(None).await.unwrap();
    assert_eq!(session.prompt(), Some("r2#"));
    session.close().await.unwrap();
    served.stop().await;
}
over_every_link!(authorization_failure_quotes_the_device);
