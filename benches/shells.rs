//! Shell stack and Python runner speed, printed as a table.
//!
//! ```text
//! cargo bench --bench shells
//! ```
//!
//! Against the emulator's shell device over Telnet in this process:
//!
//! - `push+pop`: entering and leaving each shell kind (bash, ssh with a
//!   host-key question and a password, sudo with a password, python);
//! - `run depth 0`: `Session::execute` on the login shell (no stack);
//! - `run depth 3`: `ShellStack::run` in bash → ssh → sudo, exit status
//!   included (it comes with the prompt);
//! - `run_python`: a runner call (`eval` of a small expression) with its
//!   framing, one request line and one answer line;
//! - `run_python 100 kB`: the same returning a 100,000-character string;
//! - `recovery`: dropping the connection and rebuilding a depth-3 stack
//!   (connect, login, three pushes) before a run.

use std::time::{Duration, Instant};

use oxscript::emulator::{TelnetServer, shell};
use oxscript::shells::{
    AutoRecoveringTerminal, BashShell, HostKeyPolicy, HostOpener, PythonShell, RunnerTerminal,
    ShellStack, SshShell, SudoShell,
};
use oxscript::{Account, Host, Session, SessionOptions};

fn to_gw() -> SshShell {
    SshShell::new("gw", "alice")
        .password("pw")
        .option("UserKnownHostsFile=/dev/null")
        .host_key_policy(HostKeyPolicy::Fingerprints(vec![
            shell::host_key_fingerprint("gw", 22),
        ]))
}

fn row(name: &str, n: u32, elapsed: Duration) {
    println!(
        "{name:<20} {n:>6} {:>12.1}",
        elapsed.as_secs_f64() * 1e6 / f64::from(n)
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let server = TelnetServer::bind(
        "127.0.0.1:0",
        shell::device("jump").with_credentials("alice", "pw"),
    )
    .await?;
    let mut host = Host::new(&server.url())?;
    host.set_account(Some(Account::new("alice", "pw")));
    let options = SessionOptions {
        driver: Some("shell".into()),
        ..SessionOptions::default()
    };
    let mut session = Session::connect_with(&host, options.clone()).await?;
    session.login(None).await?;
    println!("{:<20} {:>6} {:>12}", "operation", "n", "µs each");

    let n = 500;
    let start = Instant::now();
    for _ in 0..n {
        session.execute("echo x").await?;
    }
    row("run depth 0", n, start.elapsed());

    let mut stack = ShellStack::new(session);
    let n = 50;
    let start = Instant::now();
    for _ in 0..n {
        stack.push(BashShell::new()).await?;
        stack.push(to_gw()).await?;
        stack.push(SudoShell::new(Some("pw".into()))).await?;
        stack.push(PythonShell::new()).await?;
        stack.pop_all().await?;
    }
    row("push+pop (4 kinds)", n * 4, start.elapsed());

    stack.push(BashShell::new()).await?;
    stack.push(to_gw()).await?;
    stack.push(SudoShell::new(Some("pw".into()))).await?;
    let n = 500;
    let start = Instant::now();
    for _ in 0..n {
        let out = stack.run("echo x").await?;
        anyhow::ensure!(out.status == Some(0));
    }
    row("run depth 3", n, start.elapsed());

    stack.push(PythonShell::new()).await?;
    let runner = RunnerTerminal::new(stack).await?;
    let n = 500;
    let start = Instant::now();
    for _ in 0..n {
        runner.run_python("1 + 1").await?;
    }
    row("run_python", n, start.elapsed());
    let n = 50;
    let start = Instant::now();
    for _ in 0..n {
        runner.run_python("'x' * 100000").await?;
    }
    row("run_python 100 kB", n, start.elapsed());
    runner.close().await?;

    let mut term = AutoRecoveringTerminal::new(HostOpener::new(host, options, None))
        .shell(BashShell::new())
        .shell(to_gw())
        .shell(SudoShell::new(Some("pw".into())))
        .sleep_between_tries(Duration::ZERO);
    term.run("true").await?;
    let n = 50;
    let start = Instant::now();
    for _ in 0..n {
        if let Some(stack) = term.stack() {
            stack.session_mut().close_in_place().await;
        }
        term.run("true").await?;
    }
    row("recovery (depth 3)", n, start.elapsed());
    anyhow::ensure!(term.generation() == u64::from(n) + 1);
    term.close().await;
    server.shutdown().await;
    Ok(())
}
