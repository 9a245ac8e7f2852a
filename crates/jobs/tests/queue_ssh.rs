//! The Queue over SSH: emulated routers reached directly and through a
//! 3-hop gateway chain whose hops are shared by every job.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::within;
use oxscript_core::{Account, Host};
use oxscript_emulator::{SshServer, SshServerConfig, ios};
use oxscript_jobs::log::Logger;
use oxscript_jobs::queue::{JobContext, JobStatus, Queue, QueueOptions, autologin};
use oxscript_jobs::report;
use oxscript_transport::ssh::{HostKeyPolicy, SshOptions, SshPool};
use oxscript_transport::{Session, SessionOptions};

async fn router(name: &str, config: SshServerConfig) -> SshServer {
    let device = ios::device(name)
        .with_credentials("admin", "cisco")
        .with_credentials("jump", "jump-pw");
    SshServer::bind("127.0.0.1:0", device, config)
        .await
        .unwrap()
}

/// A known_hosts file trusting exactly these servers.
fn known_hosts(servers: &[&SshServer]) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "oxscript-queue-ssh-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let lines: String = servers
        .iter()
        .map(|s| format!("{}\n", s.known_hosts_line()))
        .collect();
    std::fs::write(&path, lines).unwrap();
    path
}

fn ssh_options(known_hosts: PathBuf, pool: Option<SshPool>) -> SessionOptions {
    SessionOptions {
        ssh: SshOptions {
            host_key_policy: HostKeyPolicy::Strict,
            known_hosts: Some(known_hosts),
            use_agent: false,
            default_identities: false,
            pool,
            ..SshOptions::default()
        },
        ..SessionOptions::default()
    }
}

/// A job that records the router's hostname (from `show version`).
async fn record_hostname(
    ctx: JobContext,
    _host: Host,
    mut session: Session,
) -> oxscript_jobs::Result<()> {
    let version = session.execute("show version").await?;
    let [name] = version.first_match(r"^(\S+) uptime is")?;
    ctx.log(format!("hostname {}", name.unwrap_or_default()));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autologin_runs_commands_on_ssh_devices() {
    let r1 = router("R1", SshServerConfig::default()).await;
    let r2 = router("R2", SshServerConfig::default()).await;
    let logger = Logger::new();
    let q = Queue::new(QueueOptions {
        logger: Some(logger.clone()),
        session: ssh_options(known_hosts(&[&r1, &r2]), None),
        ..QueueOptions::default()
    });
    q.add_account(Account::new("admin", "cisco"));
    let ids = q
        .run(vec![r1.url(), r2.url()], autologin(record_hostname))
        .unwrap();
    within("the queue", q.join()).await.unwrap();
    for id in &ids {
        assert!(
            matches!(q.status(*id), Some(JobStatus::Succeeded { attempts: 1 })),
            "{:?}",
            q.status(*id)
        );
    }
    assert_eq!(report::status(&logger), "2 actions done (all succeeded)");
    let messages: Vec<String> = logger
        .logs()
        .iter()
        .flat_map(|l| l.messages().to_vec())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("hostname R1")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("hostname R2")),
        "{messages:?}"
    );
    r1.shutdown().await;
    r2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_behind_a_three_hop_chain_share_each_hop() {
    let gateway = || SshServerConfig {
        direct_tcpip: true,
        ..SshServerConfig::default()
    };
    let (a, b, c) = (
        router("A", gateway()).await,
        router("B", gateway()).await,
        router("C", gateway()).await,
    );
    let mut targets = Vec::new();
    for i in 1..=6 {
        targets.push(router(&format!("T{i}"), SshServerConfig::default()).await);
    }
    let jump = |server: &SshServer, via: Option<Host>| {
        let mut h = Host::new(&server.url()).unwrap();
        h.set_account(Some(Account::new("jump", "jump-pw")));
        h.set_gateway(via);
        h
    };
    let hop_c = jump(&c, Some(jump(&b, Some(jump(&a, None)))));
    let hosts: Vec<Host> = targets
        .iter()
        .map(|t| {
            let mut h = Host::new(&t.url()).unwrap();
            h.set_gateway(Some(hop_c.clone()));
            h
        })
        .collect();

    let mut trusted: Vec<&SshServer> = vec![&a, &b, &c];
    trusted.extend(targets.iter());
    let pool = SshPool::new();
    let logger = Logger::new();
    let q = Queue::new(QueueOptions {
        max_connections: 3,
        logger: Some(logger.clone()),
        session: ssh_options(known_hosts(&trusted), Some(pool.clone())),
        ..QueueOptions::default()
    });
    q.add_account(Account::new("admin", "cisco"));
    q.run(hosts, autologin(record_hostname)).unwrap();
    within("the queue", q.join()).await.unwrap();
    assert_eq!(report::status(&logger), "6 actions done (all succeeded)");
    // Each hop was connected once and shared by the six jobs.
    assert_eq!(a.connections_accepted(), 1);
    assert_eq!(b.connections_accepted(), 1);
    assert_eq!(c.connections_accepted(), 1);
    for t in &targets {
        assert_eq!(t.connections_accepted(), 1);
    }
    assert_eq!(pool.len(), 3);
    pool.close_all().await;
    for server in [a, b, c].into_iter().chain(targets) {
        server.shutdown().await;
    }
}

/// A typed value per host over SSH, directly and through a gateway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_collect_returns_values_over_ssh() {
    let gateway = router(
        "GW",
        SshServerConfig {
            direct_tcpip: true,
            ..SshServerConfig::default()
        },
    )
    .await;
    let r1 = router("R1", SshServerConfig::default()).await;
    let r2 = router("R2", SshServerConfig::default()).await;
    let mut jump = Host::new(&gateway.url()).unwrap();
    jump.set_account(Some(Account::new("jump", "jump-pw")));
    let direct = Host::new(&r1.url()).unwrap();
    let mut behind = Host::new(&r2.url()).unwrap();
    behind.set_gateway(Some(jump));
    let q = Queue::new(QueueOptions {
        session: ssh_options(known_hosts(&[&gateway, &r1, &r2]), None),
        ..QueueOptions::default()
    });
    q.add_account(Account::new("admin", "cisco"));
    let results = q
        .run_collect(
            vec![direct, behind],
            autologin(|_ctx, _host, mut session| async move {
                let version = session.execute("show version").await?;
                let [name] = version.first_match(r"^(\S+) uptime is")?;
                Ok(name.unwrap_or_default())
            }),
        )
        .unwrap();
    let results = within("the results", results.join()).await;
    let found: Vec<(u16, String)> = results
        .into_iter()
        .map(|(host, name)| (host.port(), name.unwrap()))
        .collect();
    assert_eq!(
        found,
        [(r1.port(), "R1".to_owned()), (r2.port(), "R2".to_owned())]
    );
    assert_eq!(gateway.connections_accepted(), 1);
    for server in [gateway, r1, r2] {
        server.shutdown().await;
    }
}
