//! A job graph through a 2-hop SSH gateway chain, all emulated.
//!
//! ```text
//!   this machine -> bastion -> inner-gw -> core1, core2 (IOS), web1 (Linux)
//! ```
//!
//! - `collect` reads core1's privilege level into a variable (a capture);
//! - `report` echoes it on web1 with a deferred command, once it is known;
//! - `probe` runs an invalid command on core2 whose exit status 1 is
//!   allowed, and `optional` fails without being critical;
//! - every job goes through the same two gateway connections (one per
//!   hop, shared through an `SshPool`), and core1's connection serves its
//!   two jobs.
//!
//! Output lines are printed as `host:line`; then the graph is listed, the
//! node topology printed as DOT, and the connections each server accepted.
//!
//! ```text
//! cargo run -p oxscript-jobs --example gateway_graph
//! ```

use std::sync::Arc;

use oxscript_core::{Account, Host};
use oxscript_emulator::{SshServer, SshServerConfig, VirtualDevice, ios, shell};
use oxscript_jobs::format::LineFormatter;
use oxscript_jobs::graph::{Scheduler, Sequence};
use oxscript_jobs::ssh::{Run, SshJob, SshNode, SshNodeOptions, scheduler_topology_dot};
use oxscript_jobs::vars::Variables;
use oxscript_transport::ssh::{HostKeyPolicy, SshOptions, SshPool};

async fn serve(device: VirtualDevice, gateway: bool) -> std::io::Result<SshServer> {
    let config = SshServerConfig {
        direct_tcpip: gateway,
        ..SshServerConfig::default()
    };
    SshServer::bind("127.0.0.1:0", device, config).await
}

fn host(server: &SshServer, name: &str, user: &str, password: &str) -> oxscript_jobs::Result<Host> {
    let mut host = Host::new(&server.url())?;
    host.set_name(name);
    host.set_account(Some(Account::new(user, password)));
    Ok(host)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bastion = serve(ios::device("bastion").with_credentials("jump", "j1"), true).await?;
    let inner = serve(ios::device("inner-gw").with_credentials("jump", "j2"), true).await?;
    let core1 = serve(
        ios::device("core1").with_credentials("admin", "cisco"),
        false,
    )
    .await?;
    let core2 = serve(
        ios::device("core2").with_credentials("admin", "cisco"),
        false,
    )
    .await?;
    let web1 = serve(
        shell::device("web1").with_credentials("deploy", "pw"),
        false,
    )
    .await?;
    let servers = [&bastion, &inner, &core1, &core2, &web1];

    // Trust the emulated servers' host keys (strict checking stays on).
    let known_hosts = std::env::temp_dir().join(format!("gateway-graph-{}", std::process::id()));
    let lines: String = servers
        .iter()
        .map(|s| format!("{}\n", s.known_hosts_line()))
        .collect();
    std::fs::write(&known_hosts, lines)?;

    // One pool: each gateway hop is connected once, for every node.
    let pool = SshPool::new();
    let options = SshNodeOptions {
        ssh: SshOptions {
            host_key_policy: HostKeyPolicy::Strict,
            known_hosts: Some(known_hosts.clone()),
            use_agent: false,
            default_identities: false,
            pool: Some(pool.clone()),
            ..SshOptions::default()
        },
        formatter: Some(Arc::new(LineFormatter::colon())),
        ..SshNodeOptions::default()
    };
    let first_hop = host(&bastion, "bastion", "jump", "j1")?;
    let mut second_hop = host(&inner, "inner-gw", "jump", "j2")?;
    second_hop.set_gateway(Some(first_hop));
    let node = |server: &SshServer, name: &str, user: &str, password: &str| {
        let mut target = host(server, name, user, password)?;
        target.set_gateway(Some(second_hop.clone()));
        Ok::<_, oxscript_jobs::Error>(SshNode::with_options(target, options.clone()))
    };
    let n1 = node(&core1, "core1", "admin", "cisco")?;
    let n2 = node(&core2, "core2", "admin", "cisco")?;
    let web = node(&web1, "web1", "deploy", "pw")?;

    let vars = Variables::new();
    let scheduler = Scheduler::labelled("gateway example");
    scheduler.add_sequence(&Sequence::new([
        SshJob::new(&n1)
            .capture("show privilege", "level")
            .with_label("collect")
            .with_variables(&vars)
            .into_job(),
        SshJob::new(&web)
            .run_deferred("echo core1 reports: {{level}}")
            .run("uname -a")
            .with_label("report")
            .with_variables(&vars)
            .into_job(),
        SshJob::new(&n1)
            .run("show clock")
            .with_label("clock")
            .into_job(),
    ]));
    scheduler.add(
        SshJob::new(&n2)
            .command(Run::new("show nonsense").allowed_exits([1]))
            .with_label("probe")
            .into_job(),
    );
    scheduler.add(
        SshJob::new(&n2)
            .run("show no-such-thing")
            .with_label("optional")
            .into_job()
            .critical(false),
    );

    scheduler.run().await?;

    println!("\n{}", scheduler.list());
    println!("{}", scheduler_topology_dot(&scheduler));
    for (name, server) in ["bastion", "inner-gw", "core1", "core2", "web1"]
        .iter()
        .zip(servers)
    {
        println!(
            "{name}: {} connection(s) accepted",
            server.connections_accepted()
        );
    }
    println!("open gateway connections after the run: {}", pool.len());

    for server in [bastion, inner, core1, core2, web1] {
        server.shutdown().await;
    }
    let _ = std::fs::remove_file(known_hosts);
    Ok(())
}
