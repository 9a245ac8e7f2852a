//! A coordinator and a worker in one process, through a real nats-server:
//! jobs run on emulated routers, results and logs come back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use oxscript_cluster::server::NatsServer;
use oxscript_cluster::{
    Cluster, ClusterConfig, ClusterOptions, ClusterQueue, JobArgs, JobRegistry, RemoteStatus,
    Worker, WorkerOptions, builtin,
};
use oxscript_core::{Account, Host};
use oxscript_emulator::{TelnetServer, ios};
use oxscript_jobs::log::Logger;
use oxscript_jobs::report;

/// A cluster on `server`, in memory, with `ack_wait` (default if `None`).
async fn cluster(server: &NatsServer, ack_wait: Option<std::time::Duration>) -> Cluster {
    let defaults = ClusterConfig::default();
    let config = ClusterConfig {
        memory_storage: true,
        ack_wait: ack_wait.unwrap_or(defaults.ack_wait),
        ..defaults
    };
    Cluster::connect(&oxscript_cluster::NatsOptions::new(server.url()), config)
        .await
        .unwrap()
}

/// A running worker: `stop` ends it and returns its counters.
struct RunningWorker {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<oxscript_cluster::Result<oxscript_cluster::WorkerStats>>,
}

impl RunningWorker {
    fn start(worker: Worker) -> RunningWorker {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            worker
                .run(async {
                    let _ = stopped.await;
                })
                .await
        });
        RunningWorker { stop, task }
    }

    async fn stop(self) -> oxscript_cluster::WorkerStats {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_run_on_a_worker_and_report_back() {
    let Some(server) = NatsServer::for_test("jobs_run_on_a_worker_and_report_back").unwrap() else {
        return;
    };
    let device = ios::device("R1")
        .with_credentials("admin", "cisco")
        .with_enable_password("cisco");
    let telnet = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
    let mut hosts = Vec::new();
    for i in 0..20 {
        let mut host = Host::new(&format!("telnet://admin@127.0.0.1:{}", telnet.port())).unwrap();
        host.set_name(format!("h{i:02}"));
        host.set_driver(Some("ios".into()));
        hosts.push(host);
    }
    let cluster = cluster(&server, None).await;
    let mut registry = JobRegistry::new();
    builtin::register(&mut registry);
    let worker = Worker::new(
        &cluster,
        registry,
        WorkerOptions {
            accounts: vec![Account::new("admin", "cisco")],
            ..WorkerOptions::new("lab", 4)
        },
    )
    .unwrap();
    let worker = RunningWorker::start(worker);
    let logger = Logger::new();
    let queue = ClusterQueue::new(
        &cluster,
        ClusterOptions {
            logger: Some(logger.clone()),
            site_caps: [("lab".to_owned(), 3)].into(),
            ..ClusterOptions::for_site("lab")
        },
    )
    .await
    .unwrap();
    let args: JobArgs = [("commands".to_owned(), "show version".to_owned())].into();
    let keys = queue.run(hosts, "execute", &args).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(60), queue.join())
        .await
        .unwrap()
        .unwrap();
    for key in &keys {
        assert!(
            matches!(queue.status(key), Some(RemoteStatus::Succeeded { .. })),
            "{key}: {:?}",
            queue.status(key)
        );
    }
    assert_eq!(report::status(&logger), "20 actions done (all succeeded)");
    let logs = logger.logs();
    assert!(
        logs.iter().all(|l| l.transcript().contains("Cisco IOS")),
        "{:?}",
        logs[0].transcript()
    );
    let stats = worker.stop().await;
    assert_eq!(stats.succeeded, 20);
    let status = cluster.status().await.unwrap();
    assert_eq!(status.sites[0].cap, Some(3));
    assert!(status.to_string().contains("20/20 done"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_progress_signals_keep_a_long_job_on_its_worker_at_the_consumers_pace() {
    let Some(server) = NatsServer::for_test(
        "in_progress_signals_keep_a_long_job_on_its_worker_at_the_consumers_pace",
    )
    .unwrap() else {
        return;
    };
    let device = ios::device("R1").with_credentials("admin", "cisco");
    let telnet = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
    // The coordinator creates the site's consumer with an ack_wait of 1 s;
    // the worker's own setting (the default, 30 s) is not the one that
    // counts, and its in-progress signals must follow the consumer's.
    let cluster = cluster(&server, Some(std::time::Duration::from_secs(1))).await;
    let queue = ClusterQueue::new(
        &cluster,
        ClusterOptions {
            site_caps: [("lab".to_owned(), 10)].into(),
            ..ClusterOptions::for_site("lab")
        },
    )
    .await
    .unwrap();
    let worker_cluster = self::cluster(&server, None).await;
    let mut registry = JobRegistry::new();
    registry.register(
        "slow",
        oxscript_cluster::Idempotence::NotIdempotent,
        |_ctx, _host, session| async move {
            // Three times ack_wait.
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            session.close().await?;
            Ok(())
        },
    );
    builtin::register(&mut registry);
    let mut qo = oxscript_jobs::queue::QueueOptions::default();
    qo.session.timeout = std::time::Duration::from_secs(4);
    let worker = Worker::new(
        &worker_cluster,
        registry,
        WorkerOptions {
            queue: qo,
            accounts: vec![Account::new("admin", "cisco")],
            ..WorkerOptions::new("lab", 2)
        },
    )
    .unwrap();
    let worker = RunningWorker::start(worker);
    let mut host = Host::new(&format!("telnet://127.0.0.1:{}", telnet.port())).unwrap();
    host.set_name("r1");
    let keys = queue.run(host, "slow", &JobArgs::new()).unwrap();
    let blackhole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut bh = Host::new(&format!(
        "telnet://admin@127.0.0.1:{}",
        blackhole.local_addr().unwrap().port()
    ))
    .unwrap();
    bh.set_name("bh");
    bh.set_driver(Some("ios".into()));
    let held = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = blackhole.accept().await {
            held.push(socket);
        }
    });
    let bh_keys = queue
        .run(
            bh,
            "configure",
            &[("commands".to_owned(), "x".to_owned())].into(),
        )
        .unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(30), queue.join())
        .await
        .unwrap()
        .unwrap();
    match queue.status(&keys[0]) {
        Some(RemoteStatus::Succeeded { result }) => assert_eq!(result.delivered, 1, "{result:?}"),
        other => panic!("{other:?}"),
    }
    // A silent device: the job runs into its login timeout on its first
    // delivery, however long that takes; never an unknown outcome.
    assert!(
        matches!(queue.status(&bh_keys[0]), Some(RemoteStatus::Failed { .. })),
        "{:?}",
        queue.status(&bh_keys[0])
    );
    held.abort();
    let stats = worker.stop().await;
    assert_eq!(
        (
            stats.succeeded,
            stats.failed,
            stats.unknown_outcome,
            stats.redelivered
        ),
        (1, 1, 0, 0),
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_run_stops_its_jobs_and_drops_its_queued_items() {
    cancel_a_run(
        "a_cancelled_run_stops_its_jobs_and_drops_its_queued_items",
        false,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_cancelled_by_another_process_ends_on_its_coordinator() {
    cancel_a_run(
        "a_run_cancelled_by_another_process_ends_on_its_coordinator",
        true,
    )
    .await;
}

/// Ten jobs that hold on a worker of two slots; the run is cancelled by
/// its queue, or (`elsewhere`) by another connection, as `oxscript
/// cluster cancel` does.
async fn cancel_a_run(test: &str, elsewhere: bool) {
    let Some(server) = NatsServer::for_test(test).unwrap() else {
        return;
    };
    let telnet = TelnetServer::bind("127.0.0.1:0", ios::device("R1"))
        .await
        .unwrap();
    let cluster = cluster(&server, None).await;
    // A job that says it started, then runs until it is stopped.
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel();
    let mut registry = JobRegistry::new();
    registry.register(
        "hold",
        oxscript_cluster::Idempotence::Idempotent,
        move |_ctx, host: Host, _session| {
            let started_tx = started_tx.clone();
            async move {
                let _ = started_tx.send(host.name().to_owned());
                std::future::pending::<()>().await;
                Ok::<(), oxscript_jobs::Error>(())
            }
        },
    );
    let worker = Worker::new(&cluster, registry, WorkerOptions::new("lab", 2)).unwrap();
    let worker = RunningWorker::start(worker);
    let queue = ClusterQueue::new(&cluster, ClusterOptions::for_site("lab"))
        .await
        .unwrap();
    let hosts: Vec<Host> = (0..10)
        .map(|i| {
            let mut h = Host::new(&format!("telnet://127.0.0.1:{}", telnet.port())).unwrap();
            h.set_name(format!("h{i}"));
            h
        })
        .collect();
    let keys = queue.run(hosts, "hold", &JobArgs::new()).unwrap();
    // Both slots busy: the 8 other items wait in the queue.
    let deadline = std::time::Duration::from_secs(30);
    for _ in 0..2 {
        tokio::time::timeout(deadline, started.recv())
            .await
            .expect("the worker did not start two jobs")
            .unwrap();
    }
    if elsewhere {
        let other = self::cluster(&server, None).await;
        // Every item of the run leaves the stream, the two running ones too.
        assert_eq!(other.cancel_run(queue.run_id()).await.unwrap(), 10);
    } else {
        queue.cancel().await.unwrap();
    }
    tokio::time::timeout(deadline, queue.join())
        .await
        .expect("the cancelled run did not end")
        .unwrap();
    for key in &keys {
        assert!(
            matches!(queue.status(key), Some(RemoteStatus::Cancelled)),
            "{key}: {:?}",
            queue.status(key)
        );
    }
    let stats = queue.stats();
    assert_eq!((stats.cancelled, stats.succeeded), (10, 0), "{stats:?}");
    assert_eq!(stats.duplicate_results, 0, "{stats:?}");
    let status = cluster.status().await.unwrap();
    let run = status
        .runs
        .iter()
        .find(|r| r.run == queue.run_id())
        .unwrap();
    assert_eq!(run.state, oxscript_cluster::wire::RunState::Cancelled);
    assert_eq!(status.sites[0].pending, 0, "{status}");

    let worker_stats = worker.stop().await;
    // The queued items were removed, never started.
    assert!(started.try_recv().is_err(), "a removed item was started");
    assert_eq!(worker_stats.succeeded, 0, "{worker_stats:?}");
}
