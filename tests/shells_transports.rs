//! A shell stack on every kind of Session: through an SSH gateway and on
//! a serial console (Telnet and direct SSH are covered by the shells
//! crate's own tests), against the emulator's shell device.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/pty_pair.rs"]
mod pty_pair;

use std::time::Duration;

use oxscript::emulator::{SshServer, SshServerConfig, TrustedHosts, serve_stream, shell};
use oxscript::shells::{
    BashShell, HostKeyPolicy, PythonShell, RunnerTerminal, ShellStack, SshShell, SudoShell,
};
use oxscript::transport::serial::open_local;
use oxscript::{Account, Host, Session, SessionOptions};
use pty_pair::PtyPair;

const DEADLINE: Duration = Duration::from_secs(30);

fn options() -> SessionOptions {
    SessionOptions {
        driver: Some("shell".into()),
        timeout: DEADLINE,
        ..SessionOptions::default()
    }
}

async fn depth_three(stack: &mut ShellStack, expected_host: &str) {
    stack.push(BashShell::new()).await.unwrap();
    stack
        .push(
            SshShell::new("inner", "alice")
                .password("pw")
                .host_key_policy(HostKeyPolicy::Fingerprints(vec![
                    shell::host_key_fingerprint("inner", 22),
                ])),
        )
        .await
        .unwrap();
    stack.push(SudoShell::new(Some("pw".into()))).await.unwrap();
    let out = stack.run("whoami; hostname").await.unwrap();
    assert_eq!((out.text.as_str(), out.status), ("root\ninner", Some(0)));
    stack.pop_all().await.unwrap();
    assert_eq!(stack.run("hostname").await.unwrap().text, expected_host);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_through_an_ssh_gateway() {
    let gateway = SshServer::bind(
        "127.0.0.1:0",
        shell::device("gw").with_credentials("jump", "jump-pw"),
        SshServerConfig {
            direct_tcpip: true,
            ..SshServerConfig::default()
        },
    )
    .await
    .unwrap();
    let target = SshServer::bind(
        "127.0.0.1:0",
        shell::device("web1").with_credentials("alice", "pw"),
        SshServerConfig::default(),
    )
    .await
    .unwrap();
    let trusted = TrustedHosts::for_servers([&gateway, &target]).unwrap();
    let mut hop = Host::new(&gateway.url()).unwrap();
    hop.set_account(Some(Account::new("jump", "jump-pw")));
    let mut host = Host::new(&target.url()).unwrap();
    host.set_account(Some(Account::new("alice", "pw")));
    host.set_gateway(Some(hop));
    let mut session = Session::connect_with(
        &host,
        SessionOptions {
            ssh: trusted.ssh_options(),
            ..options()
        },
    )
    .await
    .unwrap();
    session.login(None).await.unwrap();
    let mut stack = ShellStack::new(session);
    depth_three(&mut stack, "web1").await;
    stack.push(PythonShell::new()).await.unwrap();
    let runner = RunnerTerminal::new(stack).await.unwrap();
    assert_eq!(runner.run_python("'via ' + 'gw'").await.unwrap(), "via gw");
    runner.close().await.unwrap();
}

#[tokio::test]
async fn a_stack_on_a_serial_console() {
    let Some(pair) = PtyPair::new("shells").await else {
        return;
    };
    let mut host = Host::new(&format!("serial://{}?baud=115200", pair.path("console"))).unwrap();
    host.set_account(Some(Account::new("alice", "pw")));
    let mut session = Session::connect_with(&host, options()).await.unwrap();
    let device = open_local(&pair.path("device"), 115_200).unwrap();
    let served = tokio::spawn(serve_stream(
        device,
        shell::device("con1")
            .with_credentials("alice", "pw")
            .session(),
    ));
    tokio::time::timeout(DEADLINE, session.login(None))
        .await
        .unwrap()
        .unwrap();
    let mut stack = ShellStack::new(session);
    depth_three(&mut stack, "con1").await;
    stack.into_session().close().await.unwrap();
    drop(pair);
    let _ = tokio::time::timeout(DEADLINE, served).await;
}
