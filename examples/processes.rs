//! execo's model in oxscript: a local process steered with expect and
//! stdin, a command on a group of SSH hosts with substitutions, and a
//! report. Runs against emulated hosts (SSH servers on 127.0.0.1); no
//! outside server. Checks its own results and fails on a wrong one.
//!
//! ```text
//! cargo run --example processes
//! ```

use std::time::Duration;

use oxscript::emulator::{SshServer, SshServerConfig, TrustedHosts, shell};
use oxscript::jobs::action::{Action, Local, Remote, Report, Substitutions};
use oxscript::jobs::process::{Process, Signal};
use oxscript::jobs::ssh::{SshNode, SshNodeOptions};
use oxscript::{Account, Host};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // 1. A local process you steer: write to it, expect on its output,
    //    kill it (its whole process group).
    let calc = Process::local("while read a b; do echo \"sum=$((a + b))\"; done")
        .timeout(Duration::from_secs(30));
    calc.start().await?;
    calc.write("2 3\n").await?;
    let m = calc.expect(["sum=(\\d+)"]).await?.into_result()?;
    anyhow::ensure!(m.groups[0].as_deref() == Some("5"), "unexpected {m:?}");
    calc.kill(Signal::Term);
    calc.wait().await;
    anyhow::ensure!(calc.state().killed && calc.ok(), "{:?}", calc.state());
    println!("local: 2 + 3 = 5, then killed ({})", calc.state().summary());

    // 2. Three emulated Linux hosts over SSH.
    let mut servers = Vec::new();
    for name in ["web1", "web2", "web3"] {
        servers.push(
            SshServer::bind(
                "127.0.0.1:0",
                shell::device(name),
                SshServerConfig::default(),
            )
            .await?,
        );
    }
    let trusted = TrustedHosts::for_servers(&servers)?;
    let nodes: Vec<SshNode> = servers
        .iter()
        .map(|s| {
            let mut host = Host::new(&s.url())?;
            host.set_account(Some(Account::new("deploy", "secret")));
            Ok(SshNode::with_options(
                host,
                SshNodeOptions {
                    ssh: trusted.ssh_options(),
                    ..SshNodeOptions::default()
                },
            ))
        })
        .collect::<oxscript::Result<_>>()?;

    // 3. One command per host: `{{{host}}}` is each host's address,
    //    `{{peer}}` walks a named list (execo's `{{expression}}`).
    let remote = Remote::new("echo {{{host}}} pairs with {{peer}}\nhostname", &nodes)
        .substitutions(Substitutions::new().list("peer", ["db1", "db2"]))
        .build()?;
    let local = Local::new("uname -s").build();
    let both = Action::parallel([remote.clone(), local.clone()]);
    both.run().await?;
    for p in remote.processes() {
        print!(
            "{}: {}",
            p.host().unwrap_or("?"),
            p.stdout_text().replace("\r\n", " | ")
        );
        println!();
    }
    let pairs: Vec<bool> = remote
        .processes()
        .iter()
        .zip(["db1", "db2", "db1"])
        .map(|(p, peer)| p.stdout_text().contains(&format!("pairs with {peer}")))
        .collect();
    anyhow::ensure!(pairs.iter().all(|ok| *ok), "substitutions: {pairs:?}");

    // 4. The report: counters, then each failure by host.
    let report = Report::new("example").action(&both);
    print!("{report}");
    let stats = report.stats();
    anyhow::ensure!(
        stats.num_processes == 4 && stats.num_finished_ok == 4,
        "{}",
        stats.to_json()
    );
    Ok(())
}
