//! A driver loaded from a TOML file (`crates/drivers/examples/acme.toml`)
//! drives the emulated device it was written for: login with a question,
//! a custom pager, authorization, init alternatives, privilege levels and
//! configuration with a commit — no Rust code for the platform.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use oxscript::emulator::{Handler, Reply, TelnetServer, VirtualDevice};
use oxscript::transport::Error;
use oxscript::{Account, Host, Registry, Session, SessionOptions};

/// The `set cli ...` commands the device received, in order.
type Received = Arc<Mutex<Vec<String>>>;

/// A handler that records the command line in `received` and replies `reply`.
fn recording(received: &Received, reply: &'static str) -> Handler {
    let received = received.clone();
    Handler::func(move |_, caps| {
        let line = caps.get(0).map(|m| m.as_str()).unwrap_or_default();
        received.lock().unwrap().push(line.to_owned());
        reply.to_owned()
    })
}

/// The fictional ACME EdgeOS router the example driver describes; its
/// `set cli` commands are recorded in `received`.
fn acme_router(received: &Received) -> VirtualDevice {
    let pager_off = received.clone();
    let version: String = (1..=30)
        .map(|i| format!("EdgeOS version 4 module {i:02}: ok\n"))
        .collect();
    VirtualDevice::new("acme-edge1")
        .with_banner("ACME EdgeOS 4.2 (build 1177)\r\n")
        .with_username_prompt("login: ")
        .with_password_prompt("Password: ")
        .with_credentials("ops", "ops-pw")
        .with_enable_password("admin-pw")
        .with_login_failure_message("% Login failed")
        .with_prompt("acme-edge1>")
        .with_paging(10)
        .with_more_prompt("-- page 1 --")
        .with_login_hook(|ctx| {
            ctx.read_line(false, |ctx, answer| {
                if !answer.trim().eq_ignore_ascii_case("y") {
                    ctx.close();
                }
                String::new()
            });
            "Accept the terms? [y/n] ".to_owned()
        })
        .with_command(r"show version$", Handler::from(version), true)
        .unwrap()
        .with_command(
            r"set cli pager off$",
            Handler::func(move |ctx, caps| {
                let line = caps.get(0).map(|m| m.as_str()).unwrap_or_default();
                pager_off.lock().unwrap().push(line.to_owned());
                ctx.set_page_lines(None);
                "Pager disabled".into()
            }),
            true,
        )
        .unwrap()
        .with_command(
            r"set cli width 0$",
            recording(received, "ERR-12: width out of range"),
            true,
        )
        .unwrap()
        .with_command(r"set cli width 512$", recording(received, ""), true)
        .unwrap()
        .with_command(
            r"privileged$",
            Handler::func(|ctx, _| {
                ctx.read_line(true, |ctx, password| {
                    if ctx.check_enable_password(password) {
                        ctx.set_prompt("acme-edge1#");
                        String::new()
                    } else {
                        "% Access denied".into()
                    }
                });
                "Admin password: ".into()
            }),
            false,
        )
        .unwrap()
        .with_command(
            r"unprivileged$",
            Handler::func(|ctx, _| {
                ctx.set_prompt("acme-edge1>");
                String::new()
            }),
            true,
        )
        .unwrap()
        .with_command(
            r"configure$",
            Handler::func(|ctx, _| {
                ctx.set_prompt("acme-edge1(cfg)#");
                String::new()
            }),
            true,
        )
        .unwrap()
        .with_command(
            r"interface (\S+)$",
            Handler::func(|ctx, caps| {
                let name = caps
                    .get(1)
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default();
                ctx.set_var("pending", format!("interface {name}"));
                ctx.set_prompt("acme-edge1(cfg-if)#");
                String::new()
            }),
            true,
        )
        .unwrap()
        .with_command(
            r"description (.+)$",
            Handler::func(|ctx, caps| {
                let text = caps
                    .get(1)
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default();
                let pending = ctx.var("pending").unwrap_or("").to_owned();
                ctx.set_var("pending", format!("{pending}\n description {text}"));
                String::new()
            }),
            true,
        )
        .unwrap()
        .with_command(
            r"commit$",
            Handler::func(|ctx, _| {
                let pending = ctx.remove_var("pending").unwrap_or_default();
                ctx.set_var("running", pending);
                "Committed.".into()
            }),
            true,
        )
        .unwrap()
        .with_command(
            r"end$",
            Handler::func(|ctx, _| {
                ctx.set_prompt("acme-edge1#");
                String::new()
            }),
            true,
        )
        .unwrap()
        .with_command(
            r"show running$",
            Handler::func(|ctx, _| ctx.var("running").unwrap_or("(empty)").to_owned()),
            true,
        )
        .unwrap()
        .with_command(
            r"logout$",
            Handler::func(|ctx, _| {
                ctx.close();
                "bye".into()
            }),
            false,
        )
        .unwrap()
        .with_fallback(|_, line| Some(Reply::new(format!("% Unknown command: {line}"))))
}

fn registry_with_acme() -> Arc<Registry> {
    let mut registry = Registry::builtin();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/drivers/examples/acme.toml");
    let name = registry.load_file(&path).unwrap();
    assert_eq!(name, "acme");
    Arc::new(registry)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_toml_driver_drives_its_emulator() {
    let received = Received::default();
    let server = TelnetServer::bind("127.0.0.1:0", acme_router(&received))
        .await
        .unwrap();
    let mut host = Host::new(&server.url()).unwrap();
    host.set_account(Some(
        Account::builder("ops")
            .password("ops-pw")
            .authorization_password("admin-pw")
            .build(),
    ));
    // No driver named: the banner makes the guesser pick the file's driver.
    let options = SessionOptions {
        registry: Some(registry_with_acme()),
        ..SessionOptions::default()
    };
    let mut session = Session::connect_with(&host, options).await.unwrap();
    session.login(None).await.unwrap();
    assert_eq!(session.guess_os(), "acme");
    assert_eq!(session.driver().name, "acme");
    // The terms question was answered, `privileged` ran with the password.
    assert_eq!(session.prompt(), Some("acme-edge1#"));
    assert_eq!(session.privilege().as_deref(), Some("admin"));

    // The driver's own pager (`-- page 1 --`) is answered.
    let paged = session.execute("show version").await.unwrap();
    assert_eq!(paged.lines().count(), 30, "{}", paged.text());
    assert!(!paged.text().contains("page"));

    // Init: the first width command is refused, its alternative accepted.
    assert!(
        received.lock().unwrap().is_empty(),
        "no init before autoinit"
    );
    session.autoinit().await.unwrap();
    assert_eq!(
        *received.lock().unwrap(),
        ["set cli pager off", "set cli width 0", "set cli width 512"],
        "the pager command, the refused width, then its alternative (once)"
    );

    // The driver's error patterns.
    match session.execute("reboot now").await {
        Err(Error::InvalidCommand { line, .. }) => {
            assert_eq!(line, "% Unknown command: reboot now")
        }
        other => panic!("expected InvalidCommand, got {other:?}"),
    }

    // Configuration through the file's privilege levels, with its commit.
    session
        .send_config(&["interface eth0", "description uplink"])
        .await
        .unwrap();
    assert_eq!(session.privilege().as_deref(), Some("admin"));
    let running = session.execute("show running").await.unwrap();
    assert_eq!(running.text(), "interface eth0\n description uplink");

    session.acquire_priv("user").await.unwrap();
    assert_eq!(session.prompt(), Some("acme-edge1>"));
    session.acquire_priv("config").await.unwrap();
    assert_eq!(session.prompt(), Some("acme-edge1(cfg)#"));
    session.acquire_priv("admin").await.unwrap();
    session.logout().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_toml_drivers_login_errors_apply() {
    let server = TelnetServer::bind("127.0.0.1:0", acme_router(&Received::default()))
        .await
        .unwrap();
    let mut host = Host::new(&server.url()).unwrap();
    host.set_account(Some(Account::new("ops", "wrong")));
    let options = SessionOptions {
        registry: Some(registry_with_acme()),
        driver: Some("acme_edge".into()), // by alias
        ..SessionOptions::default()
    };
    let mut session = Session::connect_with(&host, options).await.unwrap();
    match session.login(None).await {
        Err(Error::LoginFailure { reason, .. }) => assert_eq!(reason, "% Login failed"),
        other => panic!("expected LoginFailure, got {other:?}"),
    }
    server.shutdown().await;
}
