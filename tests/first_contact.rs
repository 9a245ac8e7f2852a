//! The first minutes with a device: logging out of a device that never
//! closes, authorization failures quoting the device, per-call options of
//! execute, reads that end on silence, saving and committing
//! configuration, `connect(url)` on devices that need no `enable`. Over
//! every kind of link where it matters.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{Link, serve};
use oxscript::emulator::{LoginType, VirtualDevice, ios};
use oxscript::{Account, ExecOptions, Session, SessionOptions};

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

/// A device with a command that asks a question instead of showing the
/// prompt, one that prints and never shows the prompt, and one that
/// shows it.
fn questioning() -> VirtualDevice {
    VirtualDevice::new("q1")
        .with_login_type(LoginType::None)
        .with_prompt("q1# ")
        .with_command("reload", "Proceed with reload? [confirm]", false)
        .unwrap()
        .with_command("monitor", "line 1\nline 2", false)
        .unwrap()
        .with_command("uptime", "up 3 days", true)
        .unwrap()
}

async fn per_call_options(link: Link) {
    let served = serve(link, questioning()).await;
    let host = served.host(Some(Account::new("u", "p")));
    let options = SessionOptions {
        driver: Some("generic".into()),
        timeout: LONG_TIMEOUT,
        ..served.options()
    };
    let mut session = Session::connect_with(&host, options).await.unwrap();
    session.login(None).await.unwrap();

    // A per-call expect pattern ends the response instead of the prompt.
    let asked = session
        .execute_with(
            "reload",
            ExecOptions::new().expect(r" ?\[confirm\]$").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(asked.text(), "Proceed with reload?");
    assert_eq!(asked.prompt(), "[confirm]");
    assert_eq!(
        session.prompt(),
        Some("q1#"),
        "an expect match is no prompt"
    );

    // A per-call timeout, far shorter than the Session's.
    let err = tokio::time::timeout(
        BOUND,
        session.execute_with(
            "monitor",
            ExecOptions::new().timeout(Duration::from_millis(300)),
        ),
    )
    .await
    .expect("the per-call timeout was not used")
    .unwrap_err();
    let oxscript::transport::Error::Timeout { timeout, tail, .. } = &err else {
        panic!("expected a timeout, got {err:?}");
    };
    assert_eq!(*timeout, Duration::from_millis(300));
    assert!(tail.as_str().contains("line 2"), "{tail}");

    // A timing read: the output ends when it goes quiet, prompt or not.
    let quiet = ExecOptions::new()
        .until_idle(Duration::from_millis(300))
        .timeout(BOUND);
    let lines = session
        .execute_with("monitor", quiet.clone())
        .await
        .unwrap();
    assert_eq!(lines.text(), "line 1\nline 2");
    assert_eq!(lines.prompt(), "");
    let uptime = session.execute_with("uptime", quiet).await.unwrap();
    assert_eq!(uptime.text(), "up 3 days");
    assert_eq!(uptime.prompt(), "q1#");

    // The upper bound of a timing read: never quiet for long enough.
    let err = session
        .execute_with(
            "uptime",
            ExecOptions::new()
                .until_idle(Duration::from_secs(600))
                .timeout(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("600s without output"), "{err}");
    session.close().await.unwrap();
    served.stop().await;
}
over_every_link!(per_call_options);

/// Logs into `device` over Telnet with `driver`.
async fn platform_session(
    device: VirtualDevice,
    driver: &str,
) -> (Session, oxscript::emulator::TelnetServer) {
    let server = oxscript::emulator::TelnetServer::bind("127.0.0.1:0", device)
        .await
        .unwrap();
    let mut host = oxscript::Host::new(&server.url()).unwrap();
    host.set_account(Some(Account::new("admin", "pw")));
    let options = SessionOptions {
        driver: Some(driver.into()),
        timeout: Duration::from_secs(30),
        ..SessionOptions::default()
    };
    let mut session = Session::connect_with(&host, options).await.unwrap();
    session.login(None).await.unwrap();
    session.autoinit().await.unwrap();
    (session, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_config_on_the_platform_emulators() {
    use oxscript::emulator::{eos, nxos, sros, vrp};
    // (device, driver, a change, what saving printed, how to show the
    // saved configuration, what it must then hold)
    type Case = (
        VirtualDevice,
        &'static str,
        Vec<&'static str>,
        &'static str,
        &'static str,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            ios::device("r1"),
            "ios",
            vec!["hostname edge7"],
            "[OK]",
            "show startup-config",
            "hostname edge7",
        ),
        (
            nxos::device("n1"),
            "nxos",
            vec!["hostname leaf7"],
            "Copy complete.",
            "show startup-config",
            "hostname leaf7",
        ),
        (
            eos::device("e1"),
            "eos",
            vec!["hostname spine7"],
            "Copy completed successfully.",
            "show startup-config",
            "hostname spine7",
        ),
        (
            vrp::device("v1"),
            "vrp",
            vec!["sysname core7"],
            "Save the configuration successfully.",
            "display saved-configuration",
            "sysname core7",
        ),
        (
            sros::device("s1"),
            "sros",
            vec!["system", "name \"pe7\""],
            "Saving configuration ... OK",
            "show version",
            "",
        ),
    ];
    for (device, driver, change, said, show, holds) in cases {
        let (mut session, server) =
            platform_session(device.with_credentials("admin", "pw"), driver).await;
        let before = session.prompt().unwrap().to_owned();
        session.send_config(&change).await.unwrap();
        let saved = session.save_config().await.unwrap();
        assert!(saved.text().contains(said), "{driver}: {:?}", saved.text());
        if !holds.is_empty() {
            let shown = session.execute(show).await.unwrap();
            assert!(shown.text().contains(holds), "{driver}: {:?}", shown.text());
        }
        // Back at the level it was at (the host name changed).
        assert_eq!(
            session.privilege(),
            session
                .driver()
                .current_privilege(&before)
                .map(|l| l.name.clone()),
            "{driver}"
        );
        session.close().await.unwrap();
        server.shutdown().await;
    }
    // SR OS marks unsaved changes with `*` in the prompt; saving clears it.
    let (mut session, server) =
        platform_session(sros::device("s2").with_credentials("admin", "pw"), "sros").await;
    session
        .send_config(&["system", "name \"pe8\""])
        .await
        .unwrap();
    assert_eq!(session.prompt(), Some("*A:pe8#"));
    session.save_config().await.unwrap();
    assert_eq!(session.prompt(), Some("A:pe8#"));
    session.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_with_a_confirm_timer_on_junos_and_ios_xr() {
    use oxscript::emulator::{ios_xr, junos};
    let (mut session, server) = platform_session(
        junos::device("mx1").with_credentials("admin", "pw"),
        "junos",
    )
    .await;
    session.acquire_priv("configuration").await.unwrap();
    session.execute("set system host-name mx9").await.unwrap();
    let committed = session
        .commit(Some(Duration::from_secs(300)))
        .await
        .unwrap();
    assert_eq!(committed.command(), "commit confirmed 5");
    assert!(
        committed
            .text()
            .contains("rolled back in 5 minutes unless confirmed"),
        "{:?}",
        committed.text()
    );
    // Back in configuration mode, where the commit was asked from.
    assert_eq!(session.privilege().as_deref(), Some("configuration"));
    let confirmed = session.commit(None).await.unwrap();
    assert_eq!(confirmed.command(), "commit");
    session.acquire_priv("exec").await.unwrap();
    assert_eq!(session.prompt(), Some("admin@mx9>"));
    // On JunOS saving is committing.
    assert_eq!(session.save_config().await.unwrap().command(), "commit");
    assert_eq!(session.privilege().as_deref(), Some("exec"));
    session.close().await.unwrap();
    server.shutdown().await;

    let (mut session, server) = platform_session(
        ios_xr::device("pe1").with_credentials("admin", "pw"),
        "ios_xr",
    )
    .await;
    session.acquire_priv("configuration").await.unwrap();
    session.execute("hostname pe9").await.unwrap();
    let committed = session
        .commit(Some(Duration::from_secs(120)))
        .await
        .unwrap();
    assert_eq!(committed.command(), "commit confirmed 120");
    session.acquire_priv("privilege_exec").await.unwrap();
    assert_eq!(session.prompt(), Some("RP/0/RSP0/CPU0:pe9#"));
    session.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_and_commit_say_what_a_driver_cannot_do() {
    let (mut session, server) =
        platform_session(ios::device("r1").with_credentials("admin", "pw"), "ios").await;
    let err = session.commit(None).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("commit is not possible on 127.0.0.1: the `ios` driver commits nothing"),
        "{err}"
    );
    session.close().await.unwrap();
    server.shutdown().await;

    let served = serve(Link::Dummy, never_closes()).await;
    let host = served.host(Some(Account::new("u", "p")));
    let options = SessionOptions {
        driver: Some("generic".into()),
        ..served.options()
    };
    let mut session = Session::connect_with(&host, options).await.unwrap();
    session.login(None).await.unwrap();
    let err = session.save_config().await.unwrap_err();
    assert!(
        matches!(err, oxscript::transport::Error::Unsupported { .. }),
        "{err:?}"
    );
    session.close().await.unwrap();
    served.stop().await;
}

async fn send_config_returns_the_transcript(link: Link) {
    let served = serve(link, ios::device("r1").with_credentials("admin", "pw")).await;
    let host = served.host(Some(Account::new("admin", "pw")));
    let mut session = Session::connect_with(&host, served.options())
        .await
        .unwrap();
    session.login(None).await.unwrap();
    let done = session
        .send_config(&["interface GigabitEthernet0/2", "description spare"])
        .await
        .unwrap();
    assert_eq!(done.responses.len(), 2);
    assert_eq!(done.responses[1].command(), "description spare");
    for expected in [
        "configure terminal\r\n",
        "r1(config)#interface GigabitEthernet0/2\r\n",
        "r1(config-if)#description spare\r\n",
        "r1(config-if)#end\r\n",
    ] {
        assert!(
            done.transcript.contains(expected),
            "{expected:?} not in {:?}",
            done.transcript
        );
    }
    assert!(done.transcript.ends_with("r1#"), "{:?}", done.transcript);
    session.close().await.unwrap();
    served.stop().await;
}
over_every_link!(send_config_returns_the_transcript);

/// `oxscript::connect(url)` against devices that need no `enable`: a
/// router whose users land in privileged mode, one without an enable
/// password, and a JunOS router (no authorization step at all). None
/// sends a banner, so each is also detected by probing.
#[tokio::test]
async fn connect_never_fails_where_no_enable_is_needed() {
    use oxscript::emulator::{TelnetServer, ios::IosEmulator, junos};
    let devices = [
        (
            IosEmulator::new("r1").privileged(true).build(),
            "ios",
            "show privilege",
            "level is 15",
        ),
        (ios::device("r2"), "ios", "show privilege", "level is 15"),
        (junos::device("mx1"), "junos", "show version", "Junos:"),
    ];
    for (device, driver, command, expected) in devices {
        let device = device.with_credentials("admin", "pw").without_banner();
        let server = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
        let url = format!("telnet://admin:pw@127.0.0.1:{}", server.port());
        let mut session = oxscript::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{driver}: {e}"));
        assert_eq!(session.driver().name, driver);
        let response = session.execute(command).await.unwrap();
        assert!(response.text().contains(expected), "{driver}: {response:?}");
        session.logout().await.unwrap();
        server.shutdown().await;
    }
}
