//! Telnet against GNU inetutils telnetd with /bin/login.

use oxscript::transport::Error;
use oxscript::{Account, Host, Session, SessionOptions};

use crate::{Interop, interop};

fn telnet_host(port: u16) -> Host {
    Host::new(&format!("telnet://127.0.0.1:{port}")).unwrap()
}

/// A session to the interop telnetd with the shell driver, not logged in.
async fn shell_session(env: &Interop) -> Session {
    let options = SessionOptions {
        driver: Some("shell".into()),
        ..SessionOptions::default()
    };
    Session::connect_with(&telnet_host(env.telnet_port), options)
        .await
        .unwrap()
}

#[tokio::test]
async fn login_and_commands_over_real_telnetd() {
    let Some(env) = interop() else { return };
    let mut session = shell_session(&env).await;
    session.login(Some(&env.password_account())).await.unwrap();
    // Debian's bash prompt arrives wrapped in title and bracketed-paste sequences.
    assert!(
        session.prompt().unwrap().ends_with('$'),
        "{:?}",
        session.prompt()
    );
    let r = session.execute("echo TELNET-OK; id -un").await.unwrap();
    assert_eq!(r.text(), format!("TELNET-OK\n{}", env.user));
    // A large output ending in a prompt.
    let r = session.execute("seq 1 20000").await.unwrap();
    assert_eq!(r.lines().count(), 20000);
    assert_eq!(r.lines().last(), Some("20000"));
    session.logout().await.unwrap();
}

#[tokio::test]
async fn os_is_guessed_from_the_login_banner() {
    let Some(env) = interop() else { return };
    // No driver given: chosen by guessing (Debian's login banner says Linux).
    let mut session = Session::connect(&telnet_host(env.telnet_port))
        .await
        .unwrap();
    session.login(Some(&env.password_account())).await.unwrap();
    assert_eq!(session.guess_os(), "shell");
    assert_eq!(session.driver().name, "shell");
    assert_eq!(
        session.execute("echo guessed").await.unwrap().text(),
        "guessed"
    );
    session.close().await.unwrap();
}

#[tokio::test]
async fn wrong_password_over_real_telnetd_is_a_login_failure() {
    let Some(env) = interop() else { return };
    let mut session = shell_session(&env).await;
    let err = session
        .login(Some(&Account::new(env.user.clone(), "definitely-wrong")))
        .await
        .unwrap_err();
    match &err {
        Error::LoginFailure { reason, .. } => assert!(reason.contains("incorrect"), "{reason}"),
        other => panic!("expected LoginFailure, got {other}"),
    }
}
