//! Session jobs in graphs: shared lazy connections, captures, deferred
//! commands and formatters, against emulated IOS devices over Telnet.

// Helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::{TempDir, ios_server, wait_for, within};
use oxscript_core::{Account, AccountManager, Host};
use oxscript_jobs::Error;
use oxscript_jobs::LoginMode;
use oxscript_jobs::format::{CaptureFormatter, DirFormatter, Formatter, LineFormatter};
use oxscript_jobs::graph::{Scheduler, Sequence};
use oxscript_jobs::node::{Node, NodeOptions};
use oxscript_jobs::session_job::{Command, SessionJob};
use oxscript_jobs::vars::Variables;
use oxscript_jobs::{Value, graph::JobState};

fn node(url: &str, name: &str, options: NodeOptions) -> Node {
    let mut host = Host::new(url).unwrap();
    host.set_name(name);
    host.set_account(Some(Account::new("admin", "cisco")));
    Node::with_options(host, options)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capture_then_deferred_across_hosts() {
    let r1 = ios_server("R1", "admin", "cisco").await;
    let r2 = ios_server("R2", "admin", "cisco").await;
    let capture = Arc::new(CaptureFormatter::new());
    let options = NodeOptions {
        formatter: Some(capture.clone()),
        ..NodeOptions::default()
    };
    let n1 = node(&r1.url(), "r1", options.clone());
    let n2 = node(&r2.url(), "r2", options);
    let vars = Variables::new();
    let s = Scheduler::new();
    let seq = Sequence::new([
        SessionJob::new(&n1)
            .capture("echo 10.255.0.1", "loopback")
            .with_variables(&vars)
            .into_job(),
        SessionJob::new(&n2)
            .run_deferred("echo ping {{loopback}}")
            .run("whoami")
            .with_variables(&vars)
            .into_job(),
    ]);
    s.add_sequence(&seq);
    within("the run", s.run()).await.unwrap();
    assert_eq!(vars.get("loopback").as_deref(), Some("10.255.0.1"));
    assert_eq!(capture.lines_of("r2"), ["ping 10.255.0.1", "admin"]);
    assert_eq!(capture.lines_of("r1"), ["10.255.0.1"]);
    assert_eq!(
        seq.last().unwrap().value(),
        Some(Value::List(vec![
            Value::Text("ping 10.255.0.1".into()),
            Value::Text("admin".into())
        ]))
    );
    assert_eq!(
        seq.first().unwrap().label(),
        "r1: echo 10.255.0.1 > {{loopback}}"
    );
    r1.shutdown().await;
    r2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_lazy_connection_per_node_closed_at_the_end() {
    let r1 = ios_server("R1", "admin", "cisco").await;
    let n1 = node(&r1.url(), "r1", NodeOptions::default());
    assert!(!n1.is_connected());
    let s = Scheduler::new();
    let a = s.add(SessionJob::new(&n1).run("show version").into_job());
    let b = s.add(SessionJob::new(&n1).run("whoami").into_job());
    let c = s.add(SessionJob::new(&n1).run("echo x").into_job().requires(&a));
    within("the run", s.run()).await.unwrap();
    for job in [&a, &b, &c] {
        assert_eq!(job.state(), JobState::Done, "{job:?}");
    }
    assert_eq!(n1.connections_opened(), 1);
    assert_eq!(r1.connections_accepted(), 1);
    // The run closed the connection.
    assert!(!n1.is_connected());
    wait_for("the device to see the client leave", || {
        r1.active_connections() == 0
    })
    .await;

    // A node that keeps its connection stays connected for the next run.
    let kept = node(
        &r1.url(),
        "kept",
        NodeOptions {
            keep_connection: true,
            ..NodeOptions::default()
        },
    );
    let s = Scheduler::new();
    s.add(SessionJob::new(&kept).run("whoami").into_job());
    within("the run", s.run()).await.unwrap();
    within("the run", s.run()).await.unwrap();
    assert!(kept.is_connected());
    assert_eq!(kept.connections_opened(), 1);
    kept.close().await;
    assert!(!kept.is_connected());
    r1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_sessions_reconnect_after_the_device_closes() {
    let r1 = ios_server("R1", "admin", "cisco").await;
    let n1 = node(&r1.url(), "r1", NodeOptions::default());
    {
        let mut session = n1.session().await.unwrap();
        assert_eq!(session.prompt(), Some("R1#"), "logged in and enabled");
        session.send_line("exit").await.unwrap();
    }
    wait_for("the device to close", || r1.active_connections() == 0).await;
    // Whether or not the client noticed the close yet, the job reconnects.
    let s = Scheduler::new();
    let job = s.add(SessionJob::new(&n1).run("whoami").into_job());
    within("the run", s.run()).await.unwrap();
    assert_eq!(
        job.value(),
        Some(Value::List(vec![Value::Text("admin".into())]))
    );
    assert_eq!(n1.connections_opened(), 2);
    assert!(!n1.is_connected());
    r1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_take_accounts_from_a_manager_or_skip_login() {
    let r1 = ios_server("R1", "pool-user", "pool-pw").await;
    let accounts = AccountManager::new();
    accounts.add_account(Account::new("pool-user", "pool-pw"));
    let n = Node::with_options(
        Host::new(&r1.url()).unwrap(),
        NodeOptions {
            accounts: Some(accounts.clone()),
            login: LoginMode::Authenticate,
            autoinit: false,
            ..NodeOptions::default()
        },
    );
    {
        let mut s = n.session().await.unwrap();
        assert_eq!(s.prompt(), Some("R1>"), "authenticated, not enabled");
        assert_eq!(s.execute("whoami").await.unwrap().text(), "pool-user");
        // The account is held while the connection is open.
        assert_eq!(accounts.default_pool().available(), 0);
    }
    n.close().await;
    assert_eq!(accounts.default_pool().available(), 1);

    // Without an account anywhere, logging in is an error naming the host.
    let orphan = Node::new(Host::new(&r1.url()).unwrap());
    let err = orphan.session().await.unwrap_err();
    assert!(err.to_string().contains("no account"), "{err}");

    // With LoginMode::None the session is handed over as connected.
    let raw = Node::with_options(
        Host::new(&r1.url()).unwrap(),
        NodeOptions {
            login: LoginMode::None,
            autoinit: false,
            ..NodeOptions::default()
        },
    );
    assert!(!raw.session().await.unwrap().auth().app_authenticated);
    raw.close().await;
    r1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_variables_fail_the_job_by_name() {
    let r1 = ios_server("R1", "admin", "cisco").await;
    let n1 = node(&r1.url(), "r1", NodeOptions::default());
    let s = Scheduler::new();
    let job = s.add(
        SessionJob::new(&n1)
            .command(Command::RunDeferred("ping {{peer}}".into()))
            .with_label("ping peer")
            .into_job(),
    );
    let err = within("the run", s.run()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "critical job `ping peer` failed: variable `peer` is not set (needed by `ping {{peer}}`)"
    );
    assert!(matches!(job.error(), Some(Error::MissingVariable { .. })));
    // A command the device rejects fails the job with the device's words.
    let s = Scheduler::new();
    s.add(SessionJob::new(&n1).run("show nonsense").into_job());
    let err = within("the run", s.run()).await.unwrap_err();
    assert!(err.to_string().contains("% Invalid input"), "{err}");
    r1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formatters_receive_output_lines() {
    let r1 = ios_server("R1", "admin", "cisco").await;
    let dir = TempDir::new("formatter");
    let files = Arc::new(DirFormatter::new(dir.path()).await.unwrap());
    let colon = Arc::new(LineFormatter::colon_to(Vec::new()));
    let timed = Arc::new(LineFormatter::time_colon_to(Vec::new()));
    let raw = Arc::new(LineFormatter::raw_to(Vec::new()));
    let formatters: [Arc<dyn Formatter>; 4] =
        [files.clone(), colon.clone(), timed.clone(), raw.clone()];
    for (i, formatter) in formatters.into_iter().enumerate() {
        let n = node(
            &r1.url(),
            "r/1",
            NodeOptions {
                formatter: Some(formatter),
                ..NodeOptions::default()
            },
        );
        let s = Scheduler::new();
        s.add(
            SessionJob::new(&n)
                .run(format!("echo line {i}"))
                .run("echo two")
                .into_job(),
        );
        within("the run", s.run()).await.unwrap();
    }
    files.flush().await.unwrap();
    assert_eq!(dir.files(), ["r_1.out"]);
    assert_eq!(dir.read("r_1.out").as_deref(), Some("line 0\ntwo\n"));
    assert_eq!(files.path_of("r/1"), dir.path().join("r_1.out"));
    assert_eq!(colon.take_output(), b"r/1:line 1\nr/1:two\n");
    let timed = String::from_utf8(timed.take_output()).unwrap();
    let lines: Vec<&str> = timed.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].get(8..), Some(" r/1:line 2"));
    assert_eq!(lines[1].get(8..), Some(" r/1:two"));
    assert_eq!(raw.take_output(), b"line 3\ntwo\n");
    r1.shutdown().await;
}
