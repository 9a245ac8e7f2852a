//! execo actions and reports: `Remote` and `SshProcess` over the
//! emulator's SSH servers (one node behind a gateway), local actions in
//! parallel and in sequence, bounded concurrency, kills, resets,
//! `filter_bad_hosts`, report counters, text and JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{DEADLINE, TempDir, within};
use oxscript_core::{Account, Host};
use oxscript_emulator::{SshServer, shell};
use oxscript_jobs::action::{
    Action, ActionLifecycleHandler, Get, Local, Put, Remote, Report, Substitutions,
    filter_bad_hosts, wait_all, wait_any,
};
use oxscript_jobs::process::{
    ExpectOptions, ExpectOutcome, LifecycleHandler, Process, ProcessInfo, ProcessOptions,
};
use oxscript_jobs::ssh::{SshNode, SshNodeOptions};
use oxscript_transport::ssh::{HostKeyPolicy, SshOptions, SshPool};

struct Lab {
    servers: Vec<SshServer>,
    gateway: SshServer,
    options: SshNodeOptions,
    _dir: TempDir,
}

impl Lab {
    async fn new(n: usize) -> Lab {
        let mut servers = Vec::new();
        for i in 0..n {
            servers.push(common::ssh_server(shell::device(&format!("web{i}")), false).await);
        }
        let gateway = common::ssh_server(shell::device("gw"), true).await;
        let dir = TempDir::new("action");
        let known_hosts = dir.path().join("known_hosts");
        let mut lines = String::new();
        for s in servers.iter().chain([&gateway]) {
            let line = s.known_hosts_line();
            lines.push_str(&format!(
                "{line}\n{}\n",
                line.replacen("127.0.0.1", "localhost", 1)
            ));
        }
        std::fs::write(&known_hosts, lines).unwrap();
        let options = SshNodeOptions {
            ssh: SshOptions {
                host_key_policy: HostKeyPolicy::Strict,
                known_hosts: Some(known_hosts),
                use_agent: false,
                default_identities: false,
                pool: Some(SshPool::new()),
                ..SshOptions::default()
            },
            ..SshNodeOptions::default()
        };
        Lab {
            servers,
            gateway,
            options,
            _dir: dir,
        }
    }

    /// Node `i`: the first by `localhost`, the last behind the gateway.
    fn nodes(&self) -> Vec<SshNode> {
        let last = self.servers.len() - 1;
        self.servers
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let address = if i == 0 { "localhost" } else { "127.0.0.1" };
                let mut host = Host::new(&format!("ssh://{address}:{}", s.port())).unwrap();
                host.set_name(format!("web{i}"));
                host.set_account(Some(Account::new("alice", "pw")));
                if i == last {
                    let mut gw = Host::new(&self.gateway.url()).unwrap();
                    gw.set_account(Some(Account::new("jump", "pw")));
                    host.set_gateway(Some(gw));
                }
                SshNode::with_options(host, self.options.clone())
            })
            .collect()
    }
}

#[tokio::test]
async fn remote_runs_on_every_node_with_host_and_list_substitutions() {
    let lab = Lab::new(3).await;
    let nodes = lab.nodes();
    let remote = Remote::new("echo {{{host}}} talks to {{peer}}\nwhoami", &nodes)
        .substitutions(Substitutions::new().list("peer", ["p0", "p1"]))
        .name("greet")
        .build()
        .unwrap();
    assert_eq!(remote.name(), "greet");
    assert_eq!(
        remote.processes()[0].command(),
        "echo localhost talks to p0\nwhoami"
    );
    within("remote", remote.run()).await.unwrap();
    assert!(remote.finished_ok(), "{:?}", remote.stats());
    let outputs: Vec<String> = remote
        .processes()
        .iter()
        .map(Process::stdout_text)
        .collect();
    assert_eq!(
        outputs,
        [
            "localhost talks to p0\r\nalice\r\n",
            "127.0.0.1 talks to p1\r\nalice\r\n",
            "127.0.0.1 talks to p0\r\nalice\r\n",
        ]
    );
    let hosts: Vec<_> = remote
        .processes()
        .iter()
        .map(|p| p.host().unwrap().to_owned())
        .collect();
    assert_eq!(hosts, ["web0", "web1", "web2"]);
    // One connection per node, the gateway's shared through the pool.
    assert!(nodes.iter().all(|n| n.connections_opened() == 1));
    let err = Remote::new("echo {{missing}}", &nodes).build().unwrap_err();
    assert!(err.to_string().contains("no list named `missing`"), "{err}");
}

#[tokio::test]
async fn put_and_get_over_sftp_with_substitutions() {
    let lab = Lab::new(3).await;
    let nodes = lab.nodes();
    let local = TempDir::new("put");
    for (name, text) in [("a.txt", "alpha\n"), ("b.txt", "bravo\n")] {
        std::fs::write(local.path().join(name), text).unwrap();
    }
    let files = ["a.txt", "b.txt"].map(|f| local.path().join(f).display().to_string());
    let slots = Substitutions::new().list("slot", ["x", "y"]);
    let put = Put::new(&nodes, files.clone(), "up/{{slot}}-{{{host}}}")
        .substitutions(slots.clone())
        .build()
        .unwrap();
    within("put", put.run()).await.unwrap();
    assert!(put.finished_ok(), "{}", Report::new("put").action(&put));
    assert_eq!(
        put.processes()[0].command(),
        format!("put {} {} -> up/x-localhost", files[0], files[1])
    );
    assert_eq!(put.processes()[1].stdout_text(), "2 files, 12 bytes\n");

    let back = TempDir::new("get");
    let get = Get::new(
        &nodes,
        ["up/{{slot}}-{{{host}}}/b.txt"],
        format!("{}/{{{{slot}}}}{{{{{{host}}}}}}", back.path().display()),
    )
    .substitutions(slots)
    .build()
    .unwrap();
    within("get", get.run()).await.unwrap();
    assert!(get.finished_ok(), "{}", Report::new("get").action(&get));
    for dir in ["xlocalhost", "y127.0.0.1", "x127.0.0.1"] {
        assert_eq!(
            back.read(&format!("{dir}/b.txt")).as_deref(),
            Some("bravo\n"),
            "{dir}"
        );
    }
    // A missing remote file fails that node's copy, with the reason.
    let missing = Get::new(&nodes[..1], ["nope.txt"], back.path().display().to_string())
        .options(ProcessOptions {
            nolog_exit_code: true,
            ..ProcessOptions::default()
        })
        .build()
        .unwrap();
    within("get missing", missing.run()).await.unwrap();
    let p = &missing.processes()[0];
    assert_eq!(p.state().exit_code, Some(1));
    assert!(p.stderr_text().contains("nope.txt"), "{}", p.stderr_text());
}

#[tokio::test]
async fn an_ssh_process_expects_on_output_and_reports_eof() {
    let lab = Lab::new(1).await;
    let node = &lab.nodes()[0];
    let p = Process::ssh(node, "uname -a\nhostname");
    within("start", p.start()).await.unwrap();
    let m = within("expect", p.expect(["Linux (\\S+)"]))
        .await
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(m.groups[0].as_deref(), Some("web0"));
    let eof = within("eof", p.expect(["never"])).await.unwrap();
    assert!(matches!(eof, ExpectOutcome::Eof { .. }), "{eof:?}");
    within("end", p.wait()).await;
    assert_eq!(p.state().exit_code, Some(0));
    assert!(!p.ok(), "the failed expect counts");
    // The emulator's exit status 1 for an unknown command.
    let bad = Process::ssh(node, "nope");
    within("run", bad.run()).await.unwrap();
    assert_eq!(bad.state().exit_code, Some(1));
    assert!(bad.stdout_text().contains("command not found"));
    assert!(!bad.ok() && bad.state().non_zero_exit());
    // A stderr expect on a server that writes none ends at EOF.
    let quiet = Process::ssh(node, "whoami");
    quiet.start().await.unwrap();
    let outcome = within(
        "stderr",
        quiet.expect_with(ExpectOptions::new(["x"]).stream(oxscript_jobs::process::Stream::Stderr)),
    )
    .await
    .unwrap();
    assert!(matches!(outcome, ExpectOutcome::Eof { .. }));
}

#[tokio::test]
async fn unreachable_nodes_are_start_errors_in_the_report() {
    let lab = Lab::new(2).await;
    let mut nodes = lab.nodes();
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut down = Host::new(&format!("ssh://127.0.0.1:{port}")).unwrap();
    down.set_name("down");
    down.set_account(Some(Account::new("alice", "pw")));
    nodes.push(SshNode::with_options(down, lab.options.clone()));
    let action = Remote::new("nope", &nodes[1..])
        .options(ProcessOptions {
            nolog_error: true,
            ..ProcessOptions::default()
        })
        .build()
        .unwrap();
    let good = Remote::new("hostname", &nodes[..1]).build().unwrap();
    within(
        "run",
        Action::parallel([good.clone(), action.clone()]).run(),
    )
    .await
    .unwrap();
    let report = Report::new("fleet").action(&good).action(&action);
    let stats = report.stats();
    assert_eq!(stats.num_processes, 3);
    assert_eq!(stats.num_started, 3);
    assert_eq!(stats.num_ended, 3);
    assert_eq!(stats.num_errors, 1);
    assert_eq!(stats.num_non_zero_exit_codes, 1);
    assert_eq!(stats.num_ok, 1);
    assert_eq!(stats.num_finished_ok, 1);
    assert_eq!((stats.num_timeouts, stats.num_forced_kills), (0, 0));
    assert!(stats.start_date.is_some() && stats.end_date.is_some());
    assert_eq!(stats.parts.len(), 2);
    let text = report.to_text(false);
    assert!(text.contains("total (fleet)"), "{text}");
    assert!(text.contains("web1: `nope`: exit 1"), "{text}");
    assert!(text.contains("down: `nope`: error:"), "{text}");
    let brief = report.to_text(true);
    assert!(!brief.contains("remote: hostname"), "{brief}");
    let json = report.to_json();
    assert!(
        json.contains("\"num_errors\":1") && json.contains("\"host\":\"down\""),
        "{json}"
    );
    let kept = filter_bad_hosts(&action, &nodes);
    let names: Vec<&str> = kept.iter().map(SshNode::name).collect();
    assert_eq!(names, ["web0"]);
}

/// Counts processes running at once.
#[derive(Default)]
struct Concurrency {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl LifecycleHandler for Concurrency {
    fn start(&self, _: &ProcessInfo) {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
    }
    fn end(&self, _: &ProcessInfo) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn max_parallel_bounds_the_processes_running_at_once() {
    let counter = Arc::new(Concurrency::default());
    let processes: Vec<Process> = (0..6)
        .map(|_| Process::local("sleep 0.1").on_lifecycle(counter.clone()))
        .collect();
    let action = Action::from_processes("bounded", processes).max_parallel(2);
    within("run", action.run()).await.unwrap();
    assert!(action.finished_ok());
    assert_eq!(action.stats().num_finished_ok, 6);
    assert!(counter.max.load(Ordering::SeqCst) <= 2);
}

struct Events(Mutex<Vec<String>>);

impl ActionLifecycleHandler for Events {
    fn start(&self, a: &Action) {
        self.0.lock().unwrap().push(format!("start {}", a.name()));
    }
    fn end(&self, a: &Action) {
        self.0.lock().unwrap().push(format!("end {}", a.name()));
    }
    fn reset(&self, a: &Action) {
        self.0.lock().unwrap().push(format!("reset {}", a.name()));
    }
}

#[tokio::test]
async fn sequential_actions_run_in_order_and_parallel_ones_together() {
    let dir = TempDir::new("seq");
    let log = dir.path().join("log");
    let step = |n: u32| {
        Local::new(format!("echo {n} >> {}", log.display()))
            .build()
            .named(format!("s{n}"))
    };
    let events = Arc::new(Events(Mutex::new(Vec::new())));
    let seq = Action::sequential([step(1), step(2), step(3)]).on_lifecycle(events.clone());
    within("seq", seq.run()).await.unwrap();
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "1\n2\n3\n");
    assert!(seq.finished_ok() && seq.stats().parts.len() == 3);
    assert!(seq.clone().hide_subactions(true).stats().parts.is_empty());
    seq.reset().await;
    assert!(!seq.started());
    let names = events.0.lock().unwrap().clone();
    assert_eq!(
        names,
        [
            "start sequential(s1, s2, s3)",
            "end sequential(s1, s2, s3)",
            "reset sequential(s1, s2, s3)"
        ]
    );
    let err = {
        seq.run().await.unwrap();
        seq.start().await.unwrap_err()
    };
    assert!(err.to_string().contains("already started"));

    // A killed sequence starts nothing more.
    let slow = Local::new("sleep 1000").build();
    let never = Local::new("true").build();
    let seq = Action::sequential([slow.clone(), never.clone()]);
    seq.start().await.unwrap();
    seq.kill();
    within("killed", seq.wait()).await;
    assert!(slow.processes()[0].state().killed);
    assert!(!never.started());
    assert!(seq.ok(), "killed on request, not started: ok");
}

#[tokio::test]
async fn wait_any_and_wait_all() {
    let fast = Local::new("true").build();
    let slow = Local::new("sleep 1000").build();
    fast.start().await.unwrap();
    slow.start().await.unwrap();
    let done = wait_any(&[slow.clone(), fast.clone()], DEADLINE).await;
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].name(), fast.name());
    let ended = wait_all(&[slow.clone(), fast.clone()], Duration::from_millis(50)).await;
    assert_eq!(ended.len(), 1, "the slow one is still running");
    slow.kill();
    let ended = wait_all(&[slow.clone(), fast.clone()], DEADLINE).await;
    assert_eq!(ended.len(), 2);
    assert!(!slow.wait_for(Duration::ZERO).await || slow.ended());
}

#[tokio::test]
async fn actions_expect_and_write_on_all_their_processes() {
    let action = Action::from_processes(
        "readers",
        (0..3)
            .map(|_| Process::local("read x; echo got $x"))
            .collect(),
    );
    action.start().await.unwrap();
    action.write("hi\n").await.unwrap();
    let outcomes = within("expect", action.expect(ExpectOptions::new(["got (\\w+)"])))
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 3);
    assert!(outcomes.iter().all(|(_, o)| o.matched().is_some()));
    action.close_stdin().await.unwrap();
    within("wait", action.wait()).await;
    assert!(action.finished_ok());
}
