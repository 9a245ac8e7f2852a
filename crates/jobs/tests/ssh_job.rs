//! SSH jobs against the emulator's SSH servers, through a 3-hop gateway
//! chain (client -> A -> B -> C -> target): shared lazy connections and
//! hops, captures and deferred commands, allowed exit codes, critical
//! failures, kept connections, closing remotest first, topology.

// Helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::{TempDir, wait_for, within};
use oxscript_core::{Account, Host};
use oxscript_emulator::{SshServer, VirtualDevice, ios, shell};
use oxscript_jobs::format::CaptureFormatter;
use oxscript_jobs::graph::{JobState, Scheduler, Sequence};
use oxscript_jobs::ssh::{
    Run, SshJob, SshNode, SshNodeOptions, close_ssh_in_scheduler, scheduler_topology_dot,
};
use oxscript_jobs::vars::Variables;
use oxscript_jobs::{Error, Value};
use oxscript_transport::ssh::{HostKeyPolicy, SshOptions, SshPool};

/// Three gateways A -> B -> C and the targets behind them.
struct Lab {
    gateways: [SshServer; 3],
    targets: Vec<SshServer>,
    pool: SshPool,
    capture: Arc<CaptureFormatter>,
    options: SshNodeOptions,
    _dir: TempDir,
}

fn host(server: &SshServer, name: &str, user: &str, password: &str) -> Host {
    let mut h = Host::new(&server.url()).unwrap();
    h.set_name(name);
    h.set_account(Some(Account::new(user, password)));
    h
}

impl Lab {
    /// Gateways plus targets (name, device) behind them.
    async fn new(targets: Vec<VirtualDevice>) -> Lab {
        let gateways = [
            common::ssh_server(ios::device("gwa").with_credentials("jump", "jump-pw"), true).await,
            common::ssh_server(ios::device("gwb").with_credentials("jump", "jump-pw"), true).await,
            common::ssh_server(ios::device("gwc").with_credentials("jump", "jump-pw"), true).await,
        ];
        let mut servers = Vec::new();
        for device in targets {
            servers.push(common::ssh_server(device, false).await);
        }
        let dir = TempDir::new("ssh-job");
        let known_hosts: PathBuf = dir.path().join("known_hosts");
        let lines: String = gateways
            .iter()
            .chain(&servers)
            .map(|s| format!("{}\n", s.known_hosts_line()))
            .collect();
        std::fs::write(&known_hosts, lines).unwrap();
        let pool = SshPool::new();
        let capture = Arc::new(CaptureFormatter::new());
        let options = SshNodeOptions {
            ssh: SshOptions {
                host_key_policy: HostKeyPolicy::Strict,
                known_hosts: Some(known_hosts),
                use_agent: false,
                default_identities: false,
                pool: Some(pool.clone()),
                ..SshOptions::default()
            },
            formatter: Some(capture.clone()),
            ..SshNodeOptions::default()
        };
        Lab {
            gateways,
            targets: servers,
            pool,
            capture,
            options,
            _dir: dir,
        }
    }

    /// The chain A -> B -> C, as the gateway of a target.
    fn chain(&self) -> Host {
        let [a, b, c] = &self.gateways;
        let hop_a = host(a, "gw-a", "jump", "jump-pw");
        let mut hop_b = host(b, "gw-b", "jump", "jump-pw");
        hop_b.set_gateway(Some(hop_a));
        let mut hop_c = host(c, "gw-c", "jump", "jump-pw");
        hop_c.set_gateway(Some(hop_b));
        hop_c
    }

    /// A node for target `i`, behind the chain.
    fn node(&self, i: usize, name: &str, user: &str, password: &str) -> SshNode {
        let mut target = host(&self.targets[i], name, user, password);
        target.set_gateway(Some(self.chain()));
        SshNode::with_options(target, self.options.clone())
    }

    fn accepted(&self) -> Vec<usize> {
        self.gateways
            .iter()
            .chain(&self.targets)
            .map(SshServer::connections_accepted)
            .collect()
    }

    async fn shutdown(self) {
        for s in self.gateways.into_iter().chain(self.targets) {
            s.shutdown().await;
        }
    }
}

fn texts(value: Option<Value>) -> Vec<String> {
    match value {
        Some(Value::List(items)) => items
            .into_iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect(),
        other => panic!("not a list: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_on_several_nodes_share_one_connection_per_hop() {
    let lab = Lab::new(vec![
        ios::device("core1").with_credentials("admin", "pw"),
        shell::device("srv1").with_credentials("alice", "pw"),
        ios::device("core2").with_credentials("admin", "pw"),
    ])
    .await;
    let core1 = lab.node(0, "core1", "admin", "pw");
    let srv1 = lab.node(1, "srv1", "alice", "pw");
    let core2 = lab.node(2, "core2", "admin", "pw");
    assert_eq!(core1.depth(), 3);

    let vars = Variables::new();
    let s = Scheduler::new();
    let seq = Sequence::new([
        SshJob::new(&core1)
            .capture("show privilege", "level")
            .run("show version")
            .with_variables(&vars)
            .into_job(),
        SshJob::new(&srv1)
            .run_deferred("echo core1 says {{level}}")
            .capture("whoami", "user")
            .capture("echo privilege", "what")
            .with_variables(&vars)
            .into_job(),
        // Back on core1 after the others: its connection was kept for it.
        SshJob::new(&core1)
            .run_deferred("show {{what}}")
            .with_variables(&vars)
            .into_job(),
    ]);
    s.add_sequence(&seq);
    // Meanwhile on core2: an invalid command whose status 1 is allowed.
    let tolerant = s.add(
        SshJob::new(&core2)
            .command(Run::new("show nonsense").allowed_exits([1]))
            .run("show privilege")
            .into_job(),
    );
    let topology = scheduler_topology_dot(&s);
    within("the run", s.run()).await.unwrap();

    assert_eq!(
        vars.get("level").as_deref(),
        Some("Current privilege level is 1")
    );
    assert_eq!(vars.get("user").as_deref(), Some("alice"));
    let first = texts(seq.jobs()[0].value());
    assert!(first[1].contains("core1 uptime is"), "{first:?}");
    assert_eq!(
        texts(seq.jobs()[1].value()),
        [
            "core1 says Current privilege level is 1\r\n",
            "alice\r\n",
            "privilege\r\n"
        ]
    );
    assert_eq!(
        texts(seq.jobs()[2].value()),
        ["Current privilege level is 1\r\n"]
    );
    let tolerated = texts(tolerant.value());
    assert!(tolerated[0].contains("% Invalid input"), "{tolerated:?}");
    // Output lines went to the formatter under the node's name.
    assert!(
        lab.capture
            .lines_of("srv1")
            .contains(&"core1 says Current privilege level is 1".to_owned())
    );
    assert_eq!(
        lab.capture.lines_of("core1").last().map(String::as_str),
        Some("Current privilege level is 1")
    );

    // Each gateway was connected once for all the jobs, each target once
    // (core1's connection served its two jobs).
    assert_eq!(lab.accepted(), [1, 1, 1, 1, 1, 1]);
    assert_eq!(core1.connections_opened(), 1);
    // At the end: nodes closed, then the hops.
    assert!(!core1.is_connected() && !srv1.is_connected() && !core2.is_connected());
    assert!(lab.pool.is_empty());
    let servers: Vec<&SshServer> = lab.gateways.iter().chain(&lab.targets).collect();
    wait_for("the servers to see every connection closed", || {
        servers.iter().all(|s| s.active_connections() == 0)
    })
    .await;

    // The topology: local -> A -> B -> C -> the three targets, A..C once.
    assert_eq!(topology.matches("jump@127.0.0.1").count(), 3, "{topology}");
    for edge in [
        "\"local\" -> \"h1\"",
        "\"h1\" -> \"h2\"",
        "\"h2\" -> \"h3\"",
        "\"h3\" -> \"h4\"",
        "\"h3\" -> \"h5\"",
        "\"h3\" -> \"h6\"",
    ] {
        assert!(topology.contains(edge), "{edge} missing in {topology}");
    }
    assert_eq!(topology.matches("penwidth=2").count(), 3, "{topology}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_critical_job_aborts_the_run() {
    let lab = Lab::new(vec![
        ios::device("core1").with_credentials("admin", "pw"),
        ios::device("core2").with_credentials("admin", "pw"),
    ])
    .await;
    let core1 = lab.node(0, "core1", "admin", "pw");
    let core2 = lab.node(1, "core2", "admin", "pw");
    let s = Scheduler::new();
    // Not critical: its failure is recorded and the run goes on.
    let optional = s.add(
        SshJob::new(&core2)
            .run("show nonsense")
            .into_job()
            .critical(false),
    );
    let after_optional = s.add(
        SshJob::new(&core2)
            .run("show privilege")
            .into_job()
            .requires(&optional),
    );
    let failing = s.add(
        SshJob::new(&core1)
            .run("show privilege")
            .run("show nonsense")
            .run("show version")
            .into_job()
            .requires(&after_optional),
    );
    let never = s.add(
        SshJob::new(&core1)
            .run("show clock")
            .into_job()
            .requires(&failing),
    );
    let err = within("the run", s.run()).await.unwrap_err();
    match &err {
        Error::CriticalJobFailed { job, source } => {
            assert_eq!(job, "core1: show privilege (+2 more)");
            match &**source {
                Error::CommandFailed {
                    node,
                    command,
                    status,
                    stderr,
                    output,
                } => {
                    assert_eq!(
                        (node.as_str(), command.as_str(), status.as_str()),
                        ("core1", "show nonsense", "status 1")
                    );
                    assert!(stderr.is_empty());
                    assert!(output.as_str().contains("% Invalid input"), "{output}");
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().starts_with(
            "critical job `core1: show privilege (+2 more)` failed: command `show nonsense` on core1 failed with status 1; output: "
        ),
        "{err}"
    );
    assert!(optional.has_failed());
    assert_eq!(after_optional.state(), JobState::Done);
    assert!(after_optional.error().is_none());
    assert_eq!(never.state(), JobState::Idle);
    // The never-run job released its claim: everything is closed.
    assert!(!core1.is_connected() && !core2.is_connected());
    assert!(lab.pool.is_empty());
    assert_eq!(lab.accepted(), [1, 1, 1, 1, 1]);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_connections_survive_the_run_and_close_remotest_first() {
    let lab = Lab::new(vec![
        ios::device("core1").with_credentials("admin", "pw"),
        ios::device("core2").with_credentials("admin", "pw"),
    ])
    .await;
    let core1 = lab.node(0, "core1", "admin", "pw");
    let core2 = lab.node(1, "core2", "admin", "pw");
    let s = Scheduler::new();
    s.add(
        SshJob::new(&core1)
            .run("show clock")
            .keep_connection(true)
            .into_job(),
    );
    s.add(SshJob::new(&core2).run("show clock").into_job());
    within("the run", s.run()).await.unwrap();
    assert!(core1.is_connected(), "kept");
    assert!(!core2.is_connected(), "not kept");
    assert_eq!(
        lab.pool.len(),
        3,
        "the kept connection still needs its hops"
    );

    // A later run reuses the kept connection; without keep, it closes it.
    let again = Scheduler::new();
    again.add(SshJob::new(&core1).run("show privilege").into_job());
    within("the second run", again.run()).await.unwrap();
    assert_eq!(core1.connections_opened(), 1, "reused");
    assert!(!core1.is_connected());
    assert!(lab.pool.is_empty());

    // Kept again, then everything closed explicitly: the node's
    // connection first, then C, B, A.
    let third = Scheduler::new();
    third.add(
        SshJob::new(&core1)
            .run("show privilege")
            .keep_connection(true)
            .into_job(),
    );
    within("the third run", third.run()).await.unwrap();
    assert!(core1.is_connected());
    let closed = close_ssh_in_scheduler(&third).await;
    let order: Vec<(String, usize, Option<String>)> = closed
        .iter()
        .map(|c| (c.label.clone(), c.depth, c.node.clone()))
        .collect();
    let [a, b, c] = &lab.gateways;
    let at = |s: &SshServer| format!("127.0.0.1:{}", s.port());
    assert_eq!(
        order,
        [
            (at(&lab.targets[0]), 3, Some("core1".to_owned())),
            (at(c), 2, None),
            (at(b), 1, None),
            (at(a), 0, None),
        ]
    );
    assert!(!core1.is_connected() && lab.pool.is_empty());
    assert!(close_ssh_in_scheduler(&third).await.is_empty());
    // Gateways: one connection for the first two runs, one for the third.
    assert_eq!(lab.accepted(), [2, 2, 2, 2, 1]);
    lab.shutdown().await;
}
