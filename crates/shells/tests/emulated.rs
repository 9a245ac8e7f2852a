//! Shell stacks, recovering terminals and the Python runner against the
//! emulator's shell device (nested `bash`, `ssh`, `su`, `sudo`, `telnet`,
//! `python3`) served over real Telnet and SSH on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod proxy;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxscript_core::{Account, Host};
use oxscript_emulator::{
    SshServer, SshServerConfig, TelnetServer, TrustedHosts, VirtualDevice, shell,
};
use oxscript_shells::{
    AutoRecoveringTerminal, BashShell, CustomShell, Error, Flavor, HostKeyPolicy, PythonShell,
    RunnerTerminal, ShellStack, SshShell, SuShell, SudoShell, TelnetShell, TerminalEvent,
};
use oxscript_transport::{Session, SessionOptions};
use serde_json::json;

use proxy::KillingProxy;

const TIMEOUT: Duration = Duration::from_secs(20);

fn jump() -> VirtualDevice {
    shell::device("jump")
        .with_credentials("alice", "alice-pw")
        .with_credentials("bob", "bob-pw")
        .with_enable_password("root-pw")
}

fn options() -> SessionOptions {
    SessionOptions {
        driver: Some("shell".into()),
        timeout: TIMEOUT,
        ..SessionOptions::default()
    }
}

async fn login(url: &str, ssh: Option<&TrustedHosts>) -> Session {
    let mut host = Host::new(url).unwrap();
    host.set_account(Some(Account::new("alice", "alice-pw")));
    let mut opts = options();
    if let Some(trusted) = ssh {
        opts.ssh = trusted.ssh_options();
    }
    let mut session = Session::connect_with(&host, opts).await.unwrap();
    session.login(None).await.unwrap();
    session
}

fn gw_ssh(password: &str) -> SshShell {
    SshShell::new("gw", "alice")
        .password(password)
        .port(2202)
        .host_key_policy(HostKeyPolicy::Fingerprints(vec![
            shell::host_key_fingerprint("gw", 2202),
        ]))
}

async fn whoami(stack: &mut ShellStack) -> String {
    let out = stack.run("whoami; hostname").await.unwrap();
    assert_eq!(out.status, Some(0), "{out:?}");
    out.text.split_whitespace().collect::<Vec<_>>().join("@")
}

#[tokio::test]
async fn push_and_pop_every_shell_kind_over_telnet() {
    let server = TelnetServer::bind("127.0.0.1:0", jump()).await.unwrap();
    let mut stack = ShellStack::new(login(&server.url(), None).await);
    assert_eq!(stack.depth(), 0);

    stack.push(BashShell::new()).await.unwrap();
    assert_eq!(whoami(&mut stack).await, "alice@jump");
    let failed = stack.run("false").await.unwrap();
    assert_eq!(failed.status, Some(1));
    assert!(!failed.success());

    stack.push(gw_ssh("alice-pw")).await.unwrap();
    assert_eq!(whoami(&mut stack).await, "alice@gw");
    stack
        .push(SudoShell::new(Some("alice-pw".into())))
        .await
        .unwrap();
    assert_eq!(whoami(&mut stack).await, "root@gw");
    stack.push(SuShell::user("bob", "bob-pw")).await.unwrap();
    assert_eq!(whoami(&mut stack).await, "bob@gw");
    stack
        .push(TelnetShell::new("r9", 23, "alice", "alice-pw"))
        .await
        .unwrap();
    assert_eq!(whoami(&mut stack).await, "alice@r9");
    // A custom shell: python with its default prompt, no prompt setup.
    let custom = CustomShell::new(
        "python3 -q",
        Flavor::Prompt(oxscript_drivers::patterns(&[r"(?m)^>>> $"]).unwrap()),
    )
    .exit("exit()");
    stack.push(custom).await.unwrap();
    let out = stack.run("1 + 1").await.unwrap();
    assert_eq!((out.text.as_str(), out.status), ("2", None));
    stack.pop().await.unwrap();
    assert_eq!(whoami(&mut stack).await, "alice@r9");

    stack.push(PythonShell::new()).await.unwrap();
    assert_eq!(stack.depth(), 6);
    assert!(stack.in_python());
    let out = stack.run("[n * 2 for n in [1]]").await.unwrap();
    assert_eq!(
        out.status,
        Some(1),
        "no comprehensions in the emulator: {out:?}"
    );
    let out = stack.run("'ab'.upper() + 'c'").await.unwrap();
    assert_eq!((out.text.as_str(), out.status), ("'ABc'", Some(0)));
    let out = stack.run("raise ValueError('boom')").await.unwrap();
    assert_eq!(out.status, Some(1));
    assert!(out.text.ends_with("ValueError: boom"), "{out:?}");
    stack.pop().await.unwrap();

    for expected in ["alice@r9", "bob@gw", "root@gw", "alice@gw", "alice@jump"] {
        assert_eq!(whoami(&mut stack).await, expected);
        stack.pop().await.unwrap(); // telnet, su, sudo, ssh, bash
    }
    assert_eq!(stack.depth(), 0);
    assert!(matches!(stack.pop().await, Err(Error::Stack(_))));
    // Level 0 is the login shell with the driver's prompts.
    assert_eq!(stack.run("whoami").await.unwrap().text, "alice");
    server.shutdown().await;
}

#[tokio::test]
async fn wrong_passwords_at_each_level_back_out() {
    let server = TelnetServer::bind("127.0.0.1:0", jump()).await.unwrap();
    let mut stack = ShellStack::new(login(&server.url(), None).await);
    stack.push(BashShell::new()).await.unwrap();

    let reason = |e: Error| match e {
        Error::Entry { reason, .. } => reason,
        other => panic!("unexpected {other}"),
    };
    let e = stack.push(gw_ssh("wrong")).await.unwrap_err();
    assert!(reason(e.clone()).contains("Permission denied"), "{e}");
    assert!(
        !e.to_string().contains("wrong"),
        "no password in errors: {e}"
    );
    assert_eq!(
        (stack.depth(), whoami(&mut stack).await.as_str()),
        (1, "alice@jump")
    );

    let e = stack
        .push(SudoShell::new(Some("wrong".into())))
        .await
        .unwrap_err();
    assert!(reason(e).contains("Sorry, try again"));
    assert_eq!(
        (stack.depth(), whoami(&mut stack).await.as_str()),
        (1, "alice@jump")
    );
    let e = stack.push(SudoShell::new(None)).await.unwrap_err();
    assert!(reason(e).contains("none was given"));

    let e = stack.push(SuShell::root("wrong")).await.unwrap_err();
    assert!(reason(e).contains("Authentication failure"));

    // One level up, the same at depth 2.
    stack.push(gw_ssh("alice-pw")).await.unwrap();
    let e = stack
        .push(TelnetShell::new("r9", 23, "alice", "wrong"))
        .await
        .unwrap_err();
    assert!(reason(e).contains("Login incorrect"));
    assert_eq!(
        (stack.depth(), whoami(&mut stack).await.as_str()),
        (2, "alice@gw")
    );
    let e = stack.push(SuShell::user("bob", "wrong")).await.unwrap_err();
    assert!(reason(e).contains("Authentication failure"));
    stack.push(SuShell::user("bob", "bob-pw")).await.unwrap();
    assert_eq!(
        (stack.depth(), whoami(&mut stack).await.as_str()),
        (3, "bob@gw")
    );
    let e = stack
        .push(BashShell::with_command("zsh"))
        .await
        .unwrap_err();
    assert!(reason(e).contains("command not found"));
    assert_eq!(whoami(&mut stack).await, "bob@gw");
    server.shutdown().await;
}

#[tokio::test]
async fn host_key_questions_are_answered_by_policy() {
    let server = TelnetServer::bind("127.0.0.1:0", jump()).await.unwrap();
    let mut stack = ShellStack::new(login(&server.url(), None).await);
    stack.push(BashShell::new()).await.unwrap();
    let expected = shell::host_key_fingerprint("gw", 2202);

    // The default refuses, naming the fingerprint.
    let refused = SshShell::new("gw", "alice").password("alice-pw").port(2202);
    match stack.push(refused).await.unwrap_err() {
        Error::HostKeyRejected { fingerprint, .. } => assert_eq!(fingerprint, expected),
        other => panic!("unexpected {other}"),
    }
    // A list without this key refuses too.
    let other = gw_ssh("alice-pw")
        .host_key_policy(HostKeyPolicy::Fingerprints(vec!["SHA256:not-it".into()]));
    assert!(matches!(
        stack.push(other).await,
        Err(Error::HostKeyRejected { .. })
    ));
    assert_eq!(stack.depth(), 1);
    // Accepting unknown keys is an explicit choice; never remembered with
    // UserKnownHostsFile=/dev/null, so the question comes every time.
    let tofu = SshShell::new("gw", "alice")
        .password("alice-pw")
        .port(2202)
        .option("UserKnownHostsFile=/dev/null")
        .host_key_policy(HostKeyPolicy::AcceptUnknown);
    stack.push(tofu.clone()).await.unwrap();
    stack.pop().await.unwrap();
    stack.push(gw_ssh("alice-pw")).await.unwrap();
    assert_eq!(whoami(&mut stack).await, "alice@gw");
    server.shutdown().await;
}

/// The terminal of the recovery tests: jump → bash → ssh gw → sudo -s,
/// through a proxy that can kill the connection.
fn depth_three_terminal(
    proxy: &KillingProxy,
    prepared: Arc<AtomicUsize>,
    events: Arc<Mutex<Vec<TerminalEvent>>>,
    max_tries: usize,
) -> AutoRecoveringTerminal {
    let url = format!("telnet://{}", proxy.addr());
    let opener = move || {
        let url = url.clone();
        async move {
            let mut host = Host::new(&url).map_err(oxscript_transport::Error::from)?;
            host.set_account(Some(Account::new("alice", "alice-pw")));
            let mut session = Session::connect_with(&host, options()).await?;
            session.login(None).await?;
            Ok(session)
        }
    };
    AutoRecoveringTerminal::new(opener)
        .shell(BashShell::new())
        .shell(gw_ssh("alice-pw"))
        .shell(SudoShell::new(Some("alice-pw".into())))
        .max_tries(max_tries)
        .sleep_between_tries(Duration::from_millis(10))
        .prepare(move |stack| {
            let prepared = prepared.clone();
            Box::pin(async move {
                prepared.fetch_add(1, Ordering::SeqCst);
                stack.run("cd /var/log").await?;
                Ok(())
            })
        })
        .on_event(move |e| events.lock().unwrap().push(e.clone()))
}

#[tokio::test]
async fn connection_killed_mid_run_at_depth_three_is_rebuilt() {
    let server = TelnetServer::bind("127.0.0.1:0", jump()).await.unwrap();
    let proxy = KillingProxy::start(server.local_addr()).await;
    let prepared = Arc::new(AtomicUsize::new(0));
    let events = Arc::new(Mutex::new(Vec::new()));
    let mut term = depth_three_terminal(&proxy, prepared.clone(), events.clone(), 3);
    assert_eq!(term.generation(), 0, "nothing opened before the first run");

    let out = term.run("whoami; pwd").await.unwrap();
    assert_eq!(out.text, "root\n/var/log");
    assert_eq!((term.generation(), prepared.load(Ordering::SeqCst)), (1, 1));

    // The connection dies while `echo mid-run` runs at depth 3: the next
    // try runs on a rebuilt stack (prepare called again).
    proxy.kill_once_on("echo mid-run");
    let out = term.run("echo mid-run; whoami; pwd").await.unwrap();
    assert_eq!(out.text, "mid-run\nroot\n/var/log");
    assert_eq!(proxy.kills(), 1);
    assert_eq!((term.generation(), prepared.load(Ordering::SeqCst)), (2, 2));
    let seen = events.lock().unwrap().clone();
    let failed = seen
        .iter()
        .filter(|e| matches!(e, TerminalEvent::TryFailed { try_number: 1, .. }))
        .count();
    assert_eq!(failed, 1, "{seen:?}");
    assert!(
        seen.contains(&TerminalEvent::Recovering { try_number: 2 }),
        "{seen:?}"
    );
    assert!(
        seen.contains(&TerminalEvent::Opened { generation: 2 }),
        "{seen:?}"
    );
    term.close().await;
    assert!(events.lock().unwrap().ends_with(&[TerminalEvent::Closed]));
    server.shutdown().await;
}

#[tokio::test]
async fn the_last_error_counts_tries_and_the_next_run_rebuilds() {
    let server = TelnetServer::bind("127.0.0.1:0", jump()).await.unwrap();
    let proxy = KillingProxy::start(server.local_addr()).await;
    let prepared = Arc::new(AtomicUsize::new(0));
    let events = Arc::new(Mutex::new(Vec::new()));
    let mut term = depth_three_terminal(&proxy, prepared.clone(), events, 2);
    term.run("true").await.unwrap();

    proxy.kill_on(Some("echo doomed"));
    match term.run("echo doomed").await.unwrap_err() {
        Error::Exhausted {
            tries, failures, ..
        } => {
            assert_eq!(tries, 2);
            assert_eq!(failures.len(), 2);
            assert!(
                failures.iter().all(|f| f.contains("closed")),
                "{failures:?}"
            );
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(proxy.kills(), 2);
    proxy.kill_on(None);
    assert_eq!(term.run("whoami").await.unwrap().text, "root");
    assert_eq!((term.generation(), prepared.load(Ordering::SeqCst)), (3, 3));
    server.shutdown().await;
}

#[tokio::test]
async fn verify_rebuilds_a_broken_terminal() {
    let server = TelnetServer::bind("127.0.0.1:0", jump()).await.unwrap();
    let proxy = KillingProxy::start(server.local_addr()).await;
    let prepared = Arc::new(AtomicUsize::new(0));
    let events = Arc::new(Mutex::new(Vec::new()));
    let mut term = depth_three_terminal(&proxy, prepared.clone(), events, 2).verify(|stack| {
        Box::pin(async move {
            stack.run("true").await?;
            Ok(())
        })
    });
    term.initialize_if_needed().await.unwrap();
    term.initialize_if_needed().await.unwrap();
    assert_eq!(term.generation(), 1, "verify passed: nothing rebuilt");
    proxy.kill_once_on("true");
    term.initialize_if_needed().await.unwrap();
    assert_eq!((term.generation(), prepared.load(Ordering::SeqCst)), (2, 2));
    server.shutdown().await;
}

#[tokio::test]
async fn python_runner_over_ssh() {
    let server = SshServer::bind("127.0.0.1:0", jump(), SshServerConfig::default())
        .await
        .unwrap();
    let trusted = TrustedHosts::for_servers([&server]).unwrap();
    let mut stack = ShellStack::new(login(&server.url(), Some(&trusted)).await);
    stack.push(BashShell::new()).await.unwrap();
    stack.push(PythonShell::new()).await.unwrap();
    let runner = RunnerTerminal::new(stack).await.unwrap();

    assert_eq!(runner.run_python("1 + 2 * 3").await.unwrap(), json!(7));
    assert_eq!(
        runner
            .run_python("{'a': [1, 2.5, None, True], 'é': 'x'.upper()}")
            .await
            .unwrap(),
        json!({"a": [1, 2.5, null, true], "é": "X"})
    );
    // Output that looks like frames and prompts does not confuse it.
    let printed = runner
        .exec_python("print('<<OXR:fake:3:{}:fake>> >>> $ # OXP')")
        .await
        .unwrap();
    assert_eq!(printed, "<<OXR:fake:3:{}:fake>> >>> $ # OXP\n");
    let big = runner.run_python("'x' * 100000").await.unwrap();
    assert_eq!(big.as_str().map(str::len), Some(100_000));
    let long_code = format!("len('{}')", "y".repeat(5000));
    assert_eq!(runner.run_python(&long_code).await.unwrap(), json!(5000));

    match runner.run_python("{}['missing']").await.unwrap_err() {
        Error::Remote {
            kind, traceback, ..
        } => {
            assert_eq!(kind, "KeyError");
            assert!(
                traceback.starts_with("Traceback (most recent call last):"),
                "{traceback}"
            );
        }
        other => panic!("unexpected {other}"),
    }

    let items = runner.assign("[3, 1, 2]").await.unwrap();
    assert_eq!(
        items.call("append", vec![json!(0)]).await.unwrap(),
        json!(null)
    );
    assert_eq!(items.value().await.unwrap(), json!([3, 1, 2, 0]));
    let (named, value) = runner
        .assign_and_run_python("cfg", "{'k': 'v'}")
        .await
        .unwrap();
    assert_eq!(value, Some(json!({"k": "v"})));
    assert_eq!(
        named.call("get", vec![json!("k")]).await.unwrap(),
        json!("v")
    );
    let keys = named.call_assign("keys", vec![]).await.unwrap();
    assert_eq!(keys.value().await.unwrap(), json!(["k"]));
    assert_eq!(runner.run_python("len(cfg)").await.unwrap(), json!(1));

    // A bounded number of live handles; dropped ones are collected.
    assert_eq!(runner.live_handles(), 3);
    runner.set_max_handles(4);
    let fourth = runner.assign("1").await.unwrap();
    assert!(matches!(
        runner.assign("2").await,
        Err(Error::TooManyHandles { limit: 4 })
    ));
    let name = fourth.name().to_owned();
    drop(fourth);
    runner.collect_garbage().await.unwrap();
    assert!(matches!(
        runner.run_python(&name).await,
        Err(Error::Remote { kind, .. }) if kind == "NameError"
    ));
    assert!(runner.assign("2").await.is_ok());
    runner.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn recovering_runner_recreates_its_helper_and_refuses_stale_handles() {
    let server = TelnetServer::bind("127.0.0.1:0", jump()).await.unwrap();
    let proxy = KillingProxy::start(server.local_addr()).await;
    let prepared = Arc::new(AtomicUsize::new(0));
    let events = Arc::new(Mutex::new(Vec::new()));
    let term = depth_three_terminal(&proxy, prepared.clone(), events, 3).shell(PythonShell::new());
    let runner = RunnerTerminal::recovering(term, &["base = 40"]);
    assert_eq!(runner.run_python("base + 2").await.unwrap(), json!(42));
    let handle = runner.assign("[1]").await.unwrap();

    proxy.kill_once_on("_oxr.r(");
    assert_eq!(runner.run_python("base + 1").await.unwrap(), json!(41));
    assert_eq!(
        prepared.load(Ordering::SeqCst),
        2,
        "the terminal's prepare ran again"
    );
    assert!(matches!(
        handle.value().await,
        Err(Error::StaleHandle { .. })
    ));
    // A remote exception is not a broken terminal: no recovery.
    assert!(matches!(
        runner.run_python("1/0").await,
        Err(Error::Remote { .. })
    ));
    assert_eq!(prepared.load(Ordering::SeqCst), 2);
    runner.close().await.unwrap();
    server.shutdown().await;
}
