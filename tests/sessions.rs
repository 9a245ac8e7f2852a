//! End-to-end Session behaviour against the emulator's devices, over every
//! kind of link (the same test body runs over Telnet, SSH and in memory).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{Link, serve};
use oxscript::emulator::{Handler, LoginType, VirtualDevice, ios};
use oxscript::transport::Error;
use oxscript::{Account, Session, SessionOptions};

fn exscript_device(login: LoginType) -> VirtualDevice {
    VirtualDevice::new("myhost")
        .with_login_type(login)
        .with_credentials("user", "pass")
        .with_command("uname -a", Handler::from("Linux myhost 6.1.0 x86_64"), true)
        .unwrap()
        .with_command("ls", Handler::from("a.txt\nb.txt"), true)
        .unwrap()
}

async fn login_types(link: Link) {
    for login in [
        LoginType::Both,
        LoginType::UserOnly,
        LoginType::PasswordOnly,
        LoginType::None,
    ] {
        let served = serve(link, exscript_device(login)).await;
        let host = served.host(Some(Account::new("user", "pass")));
        let options = SessionOptions {
            driver: Some("generic".into()),
            ..served.options()
        };
        let mut session = Session::connect_with(&host, options).await.unwrap();
        session
            .login(None)
            .await
            .unwrap_or_else(|e| panic!("{login:?}: {e}"));
        assert!(session.auth().app_authenticated);
        let r = session.execute("uname -a").await.unwrap();
        assert_eq!(r.text(), "Linux myhost 6.1.0 x86_64", "{login:?}");
        assert_eq!(session.execute("ls").await.unwrap().text(), "a.txt\nb.txt");
        session.close().await.unwrap();
        served.stop().await;
    }
}
over_every_link!(login_types);

async fn wrong_password_is_a_login_failure(link: Link) {
    let served = serve(link, ios::device("r1").with_credentials("admin", "right")).await;
    let host = served.host(Some(Account::new("admin", "wrong")));
    let mut session = Session::connect_with(&host, served.options())
        .await
        .unwrap();
    let err = session.login(None).await.unwrap_err();
    // A LoginFailure (not a timeout) is what shows the wrong password was
    // recognised as such.
    match (&err, link) {
        // Over SSH the server refuses the SSH login itself.
        (Error::LoginFailure { reason, .. }, Link::Ssh) => {
            assert!(reason.contains("password"), "{reason}")
        }
        (Error::LoginFailure { reason, .. }, _) => {
            assert!(reason.contains("Login invalid"), "{reason}")
        }
        (other, _) => panic!("expected LoginFailure, got {other}"),
    }
    assert!(!err.to_string().contains("wrong"));
    served.stop().await;
}
over_every_link!(wrong_password_is_a_login_failure);

async fn ios_workflow(link: Link) {
    let served = serve(
        link,
        ios::device("r1")
            .with_credentials("admin", "secret")
            .with_enable_password("en")
            .with_paging(20),
    )
    .await;
    let account = Account::builder("admin")
        .password("secret")
        .authorization_password("en")
        .build();
    let mut session = Session::connect_with(&served.host(Some(account)), served.options())
        .await
        .unwrap();
    session.login(None).await.unwrap();
    // Guessed from "User Access Verification" and the prompt; enable done.
    assert_eq!(session.guess_os(), "ios");
    assert_eq!(session.prompt(), Some("r1#"));
    assert!(session.auth().app_authorized);

    // Paging is on: the pager is answered and the output is whole.
    let paged = session.execute("show version").await.unwrap();
    assert!(
        paged.text().starts_with("Cisco IOS Software"),
        "{}",
        paged.text()
    );
    assert!(!paged.text().contains("More"), "{}", paged.text());
    session.autoinit().await.unwrap();
    let unpaged = session.execute("show version").await.unwrap();
    assert_eq!(paged.text(), unpaged.text());

    // Unknown commands report the device's error line and keep the output.
    match session.execute("show foo").await {
        Err(Error::InvalidCommand { line, response, .. }) => {
            assert_eq!(line, "% Invalid input detected at '^' marker.");
            assert!(response.contains('^'));
        }
        other => panic!("expected InvalidCommand, got {other:?}"),
    }

    // Configuration mode and a hostname change: the prompt is re-learned.
    session.execute("configure terminal").await.unwrap();
    assert_eq!(session.prompt(), Some("r1(config)#"));
    session.execute("hostname core1").await.unwrap();
    assert_eq!(session.prompt(), Some("core1(config)#"));
    session
        .execute("interface GigabitEthernet0/1")
        .await
        .unwrap();
    session.execute("description uplink").await.unwrap();
    session.execute("end").await.unwrap();
    assert_eq!(session.prompt(), Some("core1#"));
    let config = session.execute("show running-config").await.unwrap();
    assert!(config.text().contains("hostname core1"));
    assert!(config.text().contains(" description uplink"));
    let descriptions: Vec<String> = config
        .any_match::<1>(r"^ description (.+)$")
        .unwrap()
        .into_iter()
        .map(|[d]| d)
        .collect();
    assert!(
        descriptions.contains(&"uplink".to_string()),
        "{descriptions:?}"
    );
    session.logout().await.unwrap();
    served.stop().await;
}
over_every_link!(ios_workflow);

async fn paging_that_cannot_be_disabled(link: Link) {
    let device = ios::device("r2")
        .with_paging(5)
        .with_paging_disable_allowed(false);
    let served = serve(link, device).await;
    let mut session = Session::connect_with(
        &served.host(Some(Account::new("any", "any"))),
        served.options(),
    )
    .await
    .unwrap();
    session.login(None).await.unwrap();
    session.autoinit().await.unwrap(); // "terminal length 0" is accepted but paging stays on
    let r = session.execute("show version").await.unwrap();
    let lines = r.lines().count();
    assert!(lines > 15, "all pages arrived: {lines} lines");
    assert!(!r.text().contains("--More--"));
    assert!(
        r.text()
            .trim_end()
            .ends_with("Configuration register is 0x2102"),
        "{}",
        r.text()
    );
    served.stop().await;
}
over_every_link!(paging_that_cannot_be_disabled);

async fn timeout_shows_what_arrived(link: Link) {
    let device = ios::device("r3")
        .with_command(
            "reload",
            Handler::from("Proceed with reload? [confirm]"),
            false,
        )
        .unwrap();
    let served = serve(link, device).await;
    let mut session =
        Session::connect_with(&served.host(Some(Account::new("a", "b"))), served.options())
            .await
            .unwrap();
    session.login(None).await.unwrap();
    // The device never sends a prompt after this: the wait must end at its deadline.
    session.set_timeout(Duration::from_millis(500));
    let err = session.execute("reload").await.unwrap_err();
    match &err {
        Error::Timeout { tail, expected, .. } => {
            assert!(
                tail.as_str().contains("Proceed with reload? [confirm]"),
                "{tail}"
            );
            assert!(!expected.0.is_empty());
        }
        other => panic!("expected Timeout, got {other}"),
    }
    // The dialog can then be answered explicitly.
    session.set_timeout(Duration::from_secs(30));
    session.expect(r"\[confirm\]").await.unwrap();
    served.stop().await;
}
over_every_link!(timeout_shows_what_arrived);

async fn many_concurrent_sessions(link: Link) {
    let served = serve(link, ios::device("edge").with_credentials("admin", "pw")).await;
    let host = served.host(Some(Account::new("admin", "pw")));
    let expected = {
        let mut s = Session::connect_with(&host, served.options())
            .await
            .unwrap();
        s.login(None).await.unwrap();
        s.execute("show ip interface brief")
            .await
            .unwrap()
            .text()
            .to_owned()
    };
    assert!(expected.contains("GigabitEthernet0/0"));
    // SSH handshakes cost far more CPU than Telnet logins (and the server is
    // in this process): 100 concurrent sessions there, 200 elsewhere.
    let count = if link == Link::Ssh { 100 } else { 200 };
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let host = host.clone();
            let expected = expected.clone();
            let options = served.options();
            tokio::spawn(async move {
                let mut s = Session::connect_with(&host, options).await.unwrap();
                s.login(None).await.unwrap();
                let r = s.execute("show ip interface brief").await.unwrap();
                assert_eq!(r.text(), expected, "session {i}");
                let r = s.execute("show clock").await.unwrap();
                assert!(!r.text().is_empty());
                s.logout().await.unwrap();
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    served.stop().await;
}
over_every_link!(many_concurrent_sessions);

async fn large_output_is_matched_linearly(link: Link) {
    // ~5 MB of output ending in a prompt; also checks nothing is lost.
    let line = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\n";
    let big: String = line.repeat(70_000);
    let expected_len = big.trim_end().len();
    let device = ios::device("big")
        .with_command("show tech", Handler::from(big), true)
        .unwrap();
    let served = serve(link, device).await;
    let mut s = Session::connect_with(&served.host(Some(Account::new("a", "b"))), served.options())
        .await
        .unwrap();
    s.login(None).await.unwrap();
    let r = s.execute("show tech").await.unwrap();
    assert_eq!(r.text().len(), expected_len);
    assert_eq!(r.lines().count(), 70_000);
    served.stop().await;
}
over_every_link!(large_output_is_matched_linearly);

#[tokio::test]
async fn unknown_dummy_device_is_a_clear_error() {
    let host = oxscript::Host::new("dummy://no-such-device").unwrap();
    let err = Session::connect(&host).await.unwrap_err();
    assert!(err.to_string().contains("no-such-device"), "{err}");
}

#[tokio::test]
async fn connect_to_a_closed_port_names_the_address() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let host = oxscript::Host::new(&format!("telnet://127.0.0.1:{port}")).unwrap();
    let err = Session::connect(&host).await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err}");
    assert!(err.to_string().contains(&port.to_string()));
}

async fn shell_emulator_is_guessed_and_driven(link: Link) {
    let served = serve(
        link,
        oxscript::emulator::shell::device("deb1").with_credentials("alice", "pw"),
    )
    .await;
    let host = served.host(Some(Account::new("alice", "pw")));
    let mut session = Session::connect_with(&host, served.options())
        .await
        .unwrap();
    session.login(None).await.unwrap();
    assert_eq!(session.guess_os(), "shell");
    assert_eq!(session.execute("whoami").await.unwrap().text(), "alice");
    match session.execute("frobnicate").await {
        Err(Error::InvalidCommand { line, .. }) => {
            assert!(line.contains("command not found"), "{line}")
        }
        other => panic!("expected InvalidCommand, got {other:?}"),
    }
    session.logout().await.unwrap();
    served.stop().await;
}
over_every_link!(shell_emulator_is_guessed_and_driven);
