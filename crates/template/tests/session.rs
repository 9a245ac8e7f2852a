//! Templates on Sessions to an emulated Cisco IOS router, over Telnet and
//! SSH: built-in variables, the `connection.*` functions that log in,
//! escalate, guess the OS and close, and errors from the device.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use oxscript_core::Account;
use oxscript_emulator::ios;
use oxscript_template::{CompileOptions, Error, RunOptions, Template, Value, Variables};
use oxscript_transport::Session;
use support::{Link, Served};

/// Connected and authenticated, not authorized (`router1>`).
async fn authenticated(router: &Served) -> Session {
    let host = router.host(
        Account::builder("admin")
            .password("cisco")
            .authorization_password("secret")
            .build(),
    );
    let mut session = Session::connect_with(&host, router.options())
        .await
        .unwrap();
    session.authenticate(None).await.unwrap();
    session
}

async fn run(session: &mut Session, text: &str) -> Result<Variables, Error> {
    let options = CompileOptions {
        filename: Some("ios.exscript".into()),
        ..CompileOptions::default()
    };
    Template::compile(text, &options)?
        .run(session, RunOptions::default())
        .await
}

async fn on_router(link: Link) {
    let device = ios::device("router1")
        .with_credentials("admin", "cisco")
        .with_enable_password("secret");
    let router = Served::serve(link, device).await;

    // Built-in variables, guess_os, auto_authorize (`enable`), close.
    let mut session = authenticated(&router).await;
    let vars = run(
        &mut session,
        "show privilege{extract /level is (\\d+)/ as before}\n\
         {os = connection.guess_os()}\n\
         {connection.auto_authorize()}\n\
         show privilege{extract /level is (\\d+)/ as after}\n\
         {connection.autoinit()}\n\
         {host = __hostname__}{user = __username__}{file = __filename__}\n\
         {connection.close()}\n",
    )
    .await
    .unwrap();
    assert_eq!(vars.first_str("before").as_deref(), Some("1"));
    assert_eq!(vars.first_str("after").as_deref(), Some("15"));
    assert_eq!(vars.first_str("os").as_deref(), Some("ios"));
    assert_eq!(vars.first_str("host").as_deref(), Some("127.0.0.1"));
    assert_eq!(vars.first_str("user").as_deref(), Some("admin"));
    assert_eq!(vars.first_str("file").as_deref(), Some("ios.exscript"));
    assert!(!session.is_open());
    // After connection.close() every command fails, inside try or not.
    let vars = run(&mut session, "{try}show clock{end}{x = 1}\n")
        .await
        .unwrap();
    assert_eq!(vars.get("x"), Some(&Value::from(1)));
    let e = run(&mut session, "show clock\n").await.unwrap_err();
    assert!(e.is_device_error(), "{e:?}");

    // authorize(password) answers the password prompt of a command sent
    // without waiting; a wrong one fails as a device error.
    let mut session = authenticated(&router).await;
    let vars = run(
        &mut session,
        "{connection.sendline(\"enable\")}{connection.authorize(\"secret\")}\n\
         show privilege{extract /level is (\\d+)/ as level}\n",
    )
    .await
    .unwrap();
    assert_eq!(vars.first_str("level").as_deref(), Some("15"));
    session.close().await.unwrap();
    let mut session = authenticated(&router).await;
    let e = run(
        &mut session,
        "{connection.sendline(\"enable\")}\n{connection.authorize(\"wrong\")}\n",
    )
    .await
    .unwrap_err();
    let Error::Device { location, source } = &e else {
        panic!("{e:?}");
    };
    assert_eq!((location.line, location.column), (2, 2));
    assert!(
        matches!(
            **source,
            oxscript_transport::Error::AuthorizationFailure { .. }
        ),
        "{source}"
    );
    session.close().await.unwrap();

    // An error in a response names the command's line; the device's words
    // are in the error.
    let mut session = authenticated(&router).await;
    let e = run(&mut session, "show clock\n  show nonsense\n")
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("ios.exscript:2:3: command `show nonsense` failed: % Invalid input"),
        "{e}"
    );
    // exec/execline keep the lines as received; wait_for reads up to a pattern.
    let vars = run(
        &mut session,
        "{connection.execline(\"show clock\")}{clock = __response__}\n\
         {connection.send(\"show privilege\\r\")}{connection.wait_for(/level is \\d+/)}\n\
         {waited = __response__}\n",
    )
    .await
    .unwrap();
    let clock = vars.get("clock").unwrap().strings();
    assert!(
        clock[0].ends_with('\r') && clock.last().unwrap().is_empty(),
        "{clock:?}"
    );
    let waited = vars.get("waited").unwrap().strings();
    assert!(
        waited.iter().any(|l| l.starts_with("Current privilege")),
        "{waited:?}"
    );
    session.close().await.unwrap();

    router.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ios_over_telnet() {
    on_router(Link::Telnet).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ios_over_ssh() {
    on_router(Link::Ssh).await;
}

#[tokio::test]
async fn line_endings() {
    // CRLF and CR-only templates read as LF ones.
    for text in ["{a = 1}\r\n{b = a + 1}\r\n", "{a = 1}\r{b = a + 1}\r"] {
        let vars = support::offline(text, &CompileOptions::default())
            .await
            .unwrap();
        assert_eq!(vars.get("b"), Some(&Value::from(2)), "{text:?}");
    }
}
