//! crl-style shells on one terminal: log in to an emulated jump host,
//! `ssh` to another host from inside the terminal, `sudo -s` there, start
//! `python3` and use the remote Python runner; then a terminal that
//! rebuilds the whole stack by itself.
//!
//! ```text
//! cargo run --example shells
//! ```
//!
//! Against real hosts, replace the emulator's URL with yours
//! (`ssh://ops:pw@jump.example.net`), and the fingerprint with the one of
//! the inner host's key (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, ensure};
use oxscript::emulator::{TelnetServer, shell};
use oxscript::prelude::*;
use oxscript::shells::{
    AutoRecoveringTerminal, BashShell, Error as ShellError, HostKeyPolicy, HostOpener, PythonShell,
    RunnerTerminal, ShellStack, SshShell, SudoShell,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // An emulated Debian jump host; its shell can `ssh`, `sudo` and run
    // a small `python3` (see the emulator's shell module).
    let jump = shell::device("jump").with_credentials("ops", "ops-pw");
    let server = TelnetServer::bind("127.0.0.1:0", jump).await?;
    let mut host = Host::new(&server.url())?;
    host.set_account(Some(Account::new("ops", "ops-pw")));
    let options = SessionOptions {
        driver: Some("shell".into()),
        ..SessionOptions::default()
    };
    let mut session = Session::connect_with(&host, options.clone()).await?;
    session.login(None).await?;

    // The `ssh` typed in the terminal meets a host-key question: answer
    // it only for the key we expect.
    let fingerprint = shell::host_key_fingerprint("db1", 22);
    let to_db1 = SshShell::new("db1", "ops")
        .password("ops-pw")
        .host_key_policy(HostKeyPolicy::Fingerprints(vec![fingerprint]));

    let mut stack = ShellStack::new(session);
    stack.push(BashShell::new()).await?;
    stack.push(to_db1.clone()).await?;
    stack.push(SudoShell::new(Some("ops-pw".into()))).await?;
    let out = stack.run("whoami; hostname").await?;
    println!(
        "depth {}: {} (status {:?})",
        stack.depth(),
        out.text.replace('\n', "@"),
        out.status
    );
    ensure!(
        out.text == "root\ndb1" && out.status == Some(0),
        "unexpected {out:?}"
    );
    let out = stack.run("ls /nonexistent").await?;
    ensure!(out.status == Some(2), "ls of a missing directory: {out:?}");

    // A wrong password backs out to the shell below, with a clear error.
    let refused = stack.push(to_db1.clone().password("wrong")).await;
    match refused {
        Err(ShellError::Entry { reason, .. }) => println!("refused as expected: {reason}"),
        other => anyhow::bail!("a wrong password was not refused: {other:?}"),
    }
    ensure!(stack.depth() == 3, "the stack is unchanged");

    // Python at the top of the stack, values back as JSON.
    stack.push(PythonShell::new()).await?;
    let runner = RunnerTerminal::new(stack).await?;
    let value = runner
        .run_python("{'answer': 6 * 7, 'tags': ['a', 'b']}")
        .await?;
    println!("remote value: {value}");
    ensure!(value["answer"].as_i64() == Some(42), "unexpected {value}");
    match runner.run_python("1 / 0").await {
        Err(ShellError::Remote {
            kind, traceback, ..
        }) => {
            println!("remote {kind}, traceback:\n{}", traceback.trim_end());
        }
        other => anyhow::bail!("expected a remote exception: {other:?}"),
    }
    let list = runner.assign("[3, 1, 2]").await?;
    list.call("append", vec![0.into()]).await?;
    println!("remote list: {}", list.value().await?);
    runner.close().await?;

    // The same stack as a terminal that rebuilds itself when the
    // connection breaks: nothing opens before the first run; prepare runs
    // after every (re)building.
    let prepared = Arc::new(AtomicUsize::new(0));
    let counter = prepared.clone();
    let mut term = AutoRecoveringTerminal::new(HostOpener::new(host, options, None))
        .shell(BashShell::new())
        .shell(to_db1)
        .shell(SudoShell::new(Some("ops-pw".into())))
        .max_tries(3)
        .prepare(move |stack| {
            let counter = counter.clone();
            Box::pin(async move {
                counter.fetch_add(1, Ordering::SeqCst);
                stack.run("cd /var/log").await?;
                Ok(())
            })
        });
    let out = term.run("pwd").await?;
    ensure!(out.text == "/var/log", "prepare ran first: {out:?}");
    // Simulate a broken connection: the next run notices and rebuilds.
    term.stack()
        .context("the terminal is open")?
        .session_mut()
        .close_in_place()
        .await;
    let out = term.run("whoami; pwd").await?;
    println!(
        "after recovery: {} (connections opened: {}, prepared: {})",
        out.text.replace('\n', " in "),
        term.generation(),
        prepared.load(Ordering::SeqCst)
    );
    ensure!(
        out.text == "root\n/var/log" && term.generation() == 2,
        "unexpected {out:?}"
    );
    term.close().await;
    server.shutdown().await;
    Ok(())
}
