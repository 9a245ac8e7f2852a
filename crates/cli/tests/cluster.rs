//! The cluster end to end: a real nats-server, `oxscript worker` child
//! processes, emulated routers in this process, and a coordinator here.
//! Without a nats-server (2.10+) the tests say they skipped; under CI
//! (`CI` set) a missing server fails them.
#![cfg(feature = "cluster")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oxscript::cluster::server::NatsServer;
use oxscript::cluster::{
    Cluster, ClusterConfig, ClusterOptions, ClusterQueue, JobArgs, JobRegistry, NatsOptions,
    RemoteStatus, builtin,
};
use oxscript::emulator::{Handler, TelnetServer, VirtualDevice, ios};
use oxscript::jobs::log::{FileLogOptions, FileLogger, LogMode};
use oxscript::jobs::queue::{Queue, QueueOptions};
use oxscript::jobs::report;
use oxscript::{Account, Host};

const ACK_WAIT: Duration = Duration::from_secs(2);

async fn cluster(server: &NatsServer) -> Cluster {
    let config = ClusterConfig {
        ack_wait: ACK_WAIT,
        memory_storage: true,
        ..ClusterConfig::default()
    };
    Cluster::connect(&NatsOptions::new(server.url()), config)
        .await
        .unwrap()
}

/// What the emulated routers of a site saw.
#[derive(Default)]
struct Seen {
    logged_in: AtomicUsize,
    max_logged_in: AtomicUsize,
    marks: Mutex<HashMap<String, u32>>,
}

/// An IOS router counting logged-in sessions (login to `exit`, which
/// closes the session before the client sees it end) and the
/// `oxscript-mark HOST` configuration lines it was sent.
fn router(name: &str, seen: &Arc<Seen>) -> VirtualDevice {
    let (enter, leave, mark) = (Arc::clone(seen), Arc::clone(seen), Arc::clone(seen));
    ios::device(name)
        .with_credentials("admin", "cisco")
        .with_enable_password("cisco")
        .with_login_hook(move |_ctx| {
            let now = enter.logged_in.fetch_add(1, Ordering::SeqCst) + 1;
            enter.max_logged_in.fetch_max(now, Ordering::SeqCst);
            String::new()
        })
        .with_command(
            "^(exit|logout)$",
            Handler::func(move |ctx, _| {
                leave.logged_in.fetch_sub(1, Ordering::SeqCst);
                ctx.close();
                String::new()
            }),
            false,
        )
        .unwrap()
        .with_command(
            r"^oxscript-mark (\S+)$",
            Handler::func(move |_ctx, caps| {
                *mark
                    .marks
                    .lock()
                    .unwrap()
                    .entry(caps[1].to_owned())
                    .or_default() += 1;
                String::new()
            }),
            true,
        )
        .unwrap()
}

async fn routers(n: usize, seen: &Arc<Seen>) -> Vec<TelnetServer> {
    let mut servers = Vec::new();
    for i in 0..n {
        servers.push(
            TelnetServer::bind("127.0.0.1:0", router(&format!("R{i}"), seen))
                .await
                .unwrap(),
        );
    }
    servers
}

/// `name` on `port`, with the account `admin` named (its password comes
/// from the worker's account file).
fn host(name: &str, port: u16) -> Host {
    let mut host = Host::new(&format!("telnet://admin@127.0.0.1:{port}")).unwrap();
    host.set_name(name);
    host.set_driver(Some("ios".into()));
    host
}

fn account_file(dir: &Path) -> PathBuf {
    let file = dir.join("accounts.ini");
    // "Y2lzY28=" is base64 for "cisco".
    std::fs::write(&file, "[account-pool]\nadmin = Y2lzY28=\n").unwrap();
    file
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("oxscript-cluster-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An `oxscript worker` child process, killed when dropped.
struct WorkerProcess(Child);

impl WorkerProcess {
    fn start(
        server: &NatsServer,
        site: &str,
        slots: usize,
        id: &str,
        accounts: &Path,
    ) -> WorkerProcess {
        let child = Command::new(env!("CARGO_BIN_EXE_oxscript"))
            .args([
                "worker",
                "--nats",
                &server.url(),
                "--site",
                site,
                "--id",
                id,
            ])
            .args([
                "--slots",
                &slots.to_string(),
                "--ack-wait",
                "2",
                "--memory-storage",
            ])
            .args([
                "--timeout",
                "10",
                "--connect-timeout",
                "10",
                "--account-pool",
            ])
            .arg(accounts)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        WorkerProcess(child)
    }

    /// SIGKILL: nothing of the worker runs after this.
    fn kill(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn args(commands: &str) -> JobArgs {
    [("commands".to_owned(), commands.to_owned())].into()
}

async fn join(queue: &ClusterQueue) {
    tokio::time::timeout(Duration::from_secs(180), queue.join())
        .await
        .expect("the run did not finish within 180 s")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_loses_no_job() {
    let Some(server) = NatsServer::for_test("a_killed_worker_loses_no_job").unwrap() else {
        return;
    };
    let dir = temp_dir("kill");
    let accounts = account_file(&dir);
    let cluster = cluster(&server).await;
    let seen = Arc::new(Seen::default());
    let servers = routers(4, &seen).await;
    // A router that accepts connections and never says a word: the
    // configuration jobs sent there are in flight when worker A dies.
    let blackhole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let blackhole_port = blackhole.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = blackhole.accept().await {
            held.push(socket);
        }
    });

    let queue = ClusterQueue::new(
        &cluster,
        ClusterOptions {
            site_caps: [("a".to_owned(), 64)].into(),
            ..ClusterOptions::for_site("a")
        },
    )
    .await
    .unwrap();
    let names: Vec<String> = (0..1000).map(|i| format!("h{i:04}")).collect();
    let port = |i: usize| servers[i % servers.len()].port();
    let mut configure = HashMap::new();
    // The stuck ones first, so that worker A takes them.
    for (i, name) in names.iter().enumerate().take(5) {
        let keys = queue
            .run(
                host(name, blackhole_port),
                builtin::CONFIGURE,
                &args(&format!("oxscript-mark {name}")),
            )
            .unwrap();
        configure.insert(keys[0].clone(), (name.clone(), i));
    }
    let all: Vec<Host> = names
        .iter()
        .enumerate()
        .map(|(i, n)| host(n, port(i)))
        .collect();
    let mut execute = queue
        .run(all.clone(), builtin::EXECUTE, &args("show version"))
        .unwrap();
    for (i, name) in names.iter().enumerate().skip(5) {
        let keys = queue
            .run(
                all[i].clone(),
                builtin::CONFIGURE,
                &args(&format!("oxscript-mark {name}")),
            )
            .unwrap();
        configure.insert(keys[0].clone(), (name.clone(), i));
    }
    execute.extend(
        queue
            .run(all, builtin::EXECUTE, &args("show version"))
            .unwrap(),
    );
    assert_eq!(execute.len() + configure.len(), 3000);

    let mut events = queue.subscribe();
    let mut a = WorkerProcess::start(&server, "a", 20, "worker-a", &accounts);
    // Wait until A has done a good part of the run.
    let deadline = Instant::now() + Duration::from_secs(120);
    while queue.stats().succeeded < 600 {
        assert!(
            Instant::now() < deadline,
            "worker A did not get going: {:?}",
            queue.stats()
        );
        let _ = tokio::time::timeout(Duration::from_secs(1), events.recv()).await;
    }
    a.kill();
    let killed = Instant::now();
    let before_kill = queue.stats();
    let _b = WorkerProcess::start(&server, "a", 20, "worker-b", &accounts);
    join(&queue).await;
    eprintln!(
        "kill test: {before_kill:?} at the kill; finished {:.1}s after it",
        killed.elapsed().as_secs_f64()
    );

    let stats = queue.stats();
    eprintln!("kill test: {stats:?}");
    assert_eq!(stats.queued, 3000);
    assert_eq!(
        stats.succeeded + stats.failed + stats.unknown_outcome + stats.cancelled,
        3000
    );
    assert_eq!(stats.duplicate_results, 0, "{stats:?}");
    assert_eq!(stats.bad_messages, 0, "{stats:?}");
    assert!(
        stats.redelivered >= 5,
        "A's jobs in flight were handed out again: {stats:?}"
    );
    for key in &execute {
        match queue.status(key).unwrap() {
            RemoteStatus::Succeeded { .. } => {}
            other => panic!("{key}: idempotent job did not succeed: {other:?}"),
        }
    }
    let marks = seen.marks.lock().unwrap().clone();
    let mut unknown = 0;
    for (key, (name, i)) in &configure {
        let applied = marks.get(name).copied().unwrap_or(0);
        assert!(applied <= 1, "{name}: configuration pushed {applied} times");
        match queue.status(key).unwrap() {
            RemoteStatus::Succeeded { result } => {
                assert_eq!(applied, 1, "{name}");
                assert!(*i >= 5, "{name}");
                let _ = result;
            }
            RemoteStatus::UnknownOutcome { reason, result } => {
                unknown += 1;
                assert!(result.delivered > 1, "{name}: {result:?}");
                assert_eq!(result.worker, "worker-b");
                assert!(reason.contains("worker-a"), "{reason}");
            }
            other => panic!("{name}: {other:?}"),
        }
        if *i < 5 {
            assert!(
                matches!(queue.status(key), Some(RemoteStatus::UnknownOutcome { .. })),
                "{name} was in flight on the killed worker"
            );
        }
    }
    assert!(unknown >= 5);
    assert_eq!(stats.unknown_outcome, unknown);
    held.abort();
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_caps_hold_across_workers() {
    let Some(server) = NatsServer::for_test("site_caps_hold_across_workers").unwrap() else {
        return;
    };
    let dir = temp_dir("caps");
    let accounts = account_file(&dir);
    let cluster = cluster(&server).await;
    let (seen_a, seen_b) = (Arc::new(Seen::default()), Arc::new(Seen::default()));
    let (servers_a, servers_b) = (routers(3, &seen_a).await, routers(3, &seen_b).await);
    let queue = ClusterQueue::new(
        &cluster,
        ClusterOptions {
            site_caps: [("a".to_owned(), 3), ("b".to_owned(), 7)].into(),
            ..ClusterOptions::default()
        },
    )
    .await
    .unwrap();
    let hosts = |site: &str, servers: &[TelnetServer]| -> Vec<Host> {
        (0..150)
            .map(|i| {
                let mut h = host(&format!("{site}{i:03}"), servers[i % servers.len()].port());
                h.set("site", site);
                h
            })
            .collect()
    };
    let commands = args("show version; show running-config; show ip interface brief");
    let mut keys = queue
        .run(hosts("a", &servers_a), builtin::EXECUTE, &commands)
        .unwrap();
    keys.extend(
        queue
            .run(hosts("b", &servers_b), builtin::EXECUTE, &commands)
            .unwrap(),
    );
    // Three workers, each with more slots than its site's cap.
    let _workers = [
        WorkerProcess::start(&server, "a", 5, "a1", &accounts),
        WorkerProcess::start(&server, "a", 5, "a2", &accounts),
        WorkerProcess::start(&server, "b", 10, "b1", &accounts),
    ];
    join(&queue).await;
    for key in &keys {
        assert!(
            matches!(queue.status(key), Some(RemoteStatus::Succeeded { .. })),
            "{key}"
        );
    }
    let max_a = seen_a.max_logged_in.load(Ordering::SeqCst);
    let max_b = seen_b.max_logged_in.load(Ordering::SeqCst);
    eprintln!(
        "caps test: at most {max_a} sessions at once on site a (cap 3), {max_b} on site b (cap 7)"
    );
    assert_eq!((max_a, max_b), (3, 7));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_and_logs_match_a_local_run() {
    let Some(server) = NatsServer::for_test("results_and_logs_match_a_local_run").unwrap() else {
        return;
    };
    let dir = temp_dir("match");
    let accounts = account_file(&dir);
    let cluster = cluster(&server).await;
    let seen = Arc::new(Seen::default());
    let servers = routers(2, &seen).await;
    let strict = TelnetServer::bind(
        "127.0.0.1:0",
        ios::device("Locked").with_credentials("someone-else", "x"),
    )
    .await
    .unwrap();
    // The same hosts both ways, with their account's password (the
    // cluster sends its name only; the worker has the same password).
    let mut show = Vec::new();
    for i in 0..10 {
        show.push(host(&format!("show{i}"), servers[i % 2].port()));
    }
    show.push(host("locked", strict.port()));
    let mut configure: Vec<Host> = (0..5)
        .map(|i| host(&format!("conf{i}"), servers[i % 2].port()))
        .collect();
    for h in show.iter_mut().chain(configure.iter_mut()) {
        h.set_account(Some(Account::new("admin", "cisco")));
    }
    let show_args = args("show version; show ip interface brief");
    let conf_args = args("oxscript-mark any");
    let file_logger = |sub: &str| {
        let path = dir.join(sub);
        async move {
            FileLogger::new(
                path,
                FileLogOptions {
                    mode: LogMode::Overwrite,
                    keep_transcripts_in_memory: true,
                    ..FileLogOptions::default()
                },
            )
            .await
            .unwrap()
        }
    };

    // Locally.
    let local_files = file_logger("local").await;
    let mut registry = JobRegistry::new();
    builtin::register(&mut registry);
    let local = Queue::new(QueueOptions {
        max_connections: 4,
        logger: Some(local_files.logger()),
        ..QueueOptions::default()
    });
    registry
        .run_locally(&local, show.clone(), builtin::EXECUTE, &show_args)
        .unwrap();
    registry
        .run_locally(&local, configure.clone(), builtin::CONFIGURE, &conf_args)
        .unwrap();
    local.join().await.unwrap();

    // Through the cluster.
    let remote_files = file_logger("remote").await;
    let queue = ClusterQueue::new(
        &cluster,
        ClusterOptions {
            logger: Some(remote_files.logger()),
            ..ClusterOptions::for_site("m")
        },
    )
    .await
    .unwrap();
    let _worker = WorkerProcess::start(&server, "m", 4, "m1", &accounts);
    queue.run(show, builtin::EXECUTE, &show_args).unwrap();
    queue
        .run(configure, builtin::CONFIGURE, &conf_args)
        .unwrap();
    join(&queue).await;

    let sorted = |text: String| {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };
    let local_logger = local_files.logger();
    let remote_logger = remote_files.logger();
    assert_eq!(
        report::status(&remote_logger),
        report::status(&local_logger)
    );
    assert_eq!(
        report::status(&remote_logger),
        "16 actions done (1 failed, 15 succeeded)"
    );
    assert_eq!(
        sorted(report::summarize(&remote_logger)),
        sorted(report::summarize(&local_logger))
    );
    let mut files: Vec<String> = std::fs::read_dir(dir.join("local"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(files.contains(&"locked.log.error".to_owned()), "{files:?}");
    assert_eq!(files.len(), 17, "{files:?}");
    for name in &files {
        let a = std::fs::read(dir.join("local").join(name)).unwrap();
        let b = std::fs::read(dir.join("remote").join(name))
            .unwrap_or_else(|e| panic!("{name} missing from the coordinator's logs: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&b),
            String::from_utf8_lossy(&a),
            "{name}"
        );
    }
    assert!(
        String::from_utf8_lossy(&std::fs::read(dir.join("remote/show3.log")).unwrap())
            .contains("Cisco IOS")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
