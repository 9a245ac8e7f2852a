//! Cluster benchmark: jobs per second end to end through NATS JetStream on
//! loopback, and how long the jobs of a worker killed with SIGKILL take to
//! be finished by another worker.
//!
//! Starts its own `nats-server` (`$OXSCRIPT_NATS_SERVER`, else the one on
//! the `PATH`; 2.10 or later) on a free loopback port, and runs its
//! workers as child processes (this program again, with `--worker`), so
//! that the coordinator, every worker and the server are separate
//! processes talking over loopback, as in a deployment.
//!
//! 1. **Throughput**: `--jobs` (20,000) trivial jobs (a host job on an
//!    in-memory device that returns at once) queued by a coordinator and
//!    run by `--workers` (1) workers of `--slots` (500) slots; the time is
//!    taken from the first job queued to the last result received.
//! 2. **Recovery**: two workers of `--recovery-slots` (50) slots run
//!    `--recovery-jobs` (2,000) jobs of `--job-ms` (100) ms on average
//!    (from half to one and a half times that); when a
//!    quarter is done, worker A is killed with SIGKILL. The figure is the
//!    time from the kill to the last result of a job A held, now run by
//!    worker B (target: at most `ack_wait` + 1 s; `--ack-wait`, default 5 s).
//!
//! ```text
//! cargo run --release -p oxscript-cluster --example cluster_bench
//! cargo run --release -p oxscript-cluster --example cluster_bench -- --jobs 50000 --workers 2 --slots 250
//! cargo run --release -p oxscript-cluster --example cluster_bench -- --file-storage
//! ```

use std::collections::HashMap;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use oxscript_cluster::server::NatsServer;
use oxscript_cluster::{
    Cluster, ClusterConfig, ClusterOptions, ClusterQueue, Idempotence, JobArgs, JobRegistry,
    NatsOptions, RemoteStatus, Worker, WorkerOptions,
};
use oxscript_core::Host;
use oxscript_transport::BoxedStream;
use oxscript_transport::dummy::{self, Connector};
use tokio::io::{AsyncRead, ReadBuf};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The in-memory device every benchmark host is on.
const DEVICE: &str = "oxscript-bench";
/// The trivial job.
const NOOP: &str = "noop";
/// The job that takes `ms` milliseconds.
const PAUSE: &str = "pause";

struct Args {
    jobs: usize,
    workers: usize,
    slots: usize,
    recovery_jobs: usize,
    recovery_slots: usize,
    job_ms: u64,
    ack_wait: Duration,
    file_storage: bool,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        jobs: 20_000,
        workers: 1,
        slots: 500,
        recovery_jobs: 2_000,
        recovery_slots: 50,
        job_ms: 100,
        ack_wait: Duration::from_secs(5),
        file_storage: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--file-storage" {
            parsed.file_storage = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || -> Result<u64, String> {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: `{value}` is not a whole number"))
                .and_then(|n| {
                    if n == 0 {
                        Err(format!("{flag} must be at least 1"))
                    } else {
                        Ok(n)
                    }
                })
        };
        let size = || number().map(|n| n as usize);
        match flag.as_str() {
            "--jobs" => parsed.jobs = size()?,
            "--workers" => parsed.workers = size()?,
            "--slots" => parsed.slots = size()?,
            "--recovery-jobs" => parsed.recovery_jobs = size()?.max(8),
            "--recovery-slots" => parsed.recovery_slots = size()?,
            "--job-ms" => parsed.job_ms = number()?,
            "--ack-wait" => parsed.ack_wait = Duration::from_secs(number()?),
            other => {
                return Err(format!(
                    "unknown option `{other}` (known: --jobs, --workers, --slots, --recovery-jobs, --recovery-slots, --job-ms, --ack-wait, --file-storage)"
                ));
            }
        }
    }
    Ok(parsed)
}

fn config(ack_wait: Duration, file_storage: bool) -> ClusterConfig {
    ClusterConfig {
        ack_wait,
        memory_storage: !file_storage,
        ..ClusterConfig::default()
    }
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Runtime::new()?;
    if args.first().map(String::as_str) == Some("--worker") {
        return runtime.block_on(worker(&args[1..]));
    }
    let args = parse_args(&args)?;
    runtime.block_on(coordinator(args))
}

// ----- the worker processes ------------------------------------------------

/// An in-memory device that never says anything and takes every byte.
struct Silent;

impl Connector for Silent {
    fn connect(&self) -> std::io::Result<BoxedStream> {
        Ok(Box::new(tokio::io::join(Quiet, tokio::io::sink())))
    }
}

/// A reader with nothing to read, ever (the job drops its session).
struct Quiet;

impl AsyncRead for Quiet {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Pending
    }
}

/// `--worker URL SITE SLOTS ACK_WAIT_MS ID STORAGE`: runs a worker until
/// its standard input closes.
async fn worker(args: &[String]) -> Result<(), BoxError> {
    let [url, site, slots, ack_ms, id, storage] = args else {
        return Err("--worker URL SITE SLOTS ACK_WAIT_MS ID STORAGE".into());
    };
    let ack_wait = Duration::from_millis(ack_ms.parse()?);
    let cluster = Cluster::connect(
        &NatsOptions::new(url.clone()),
        config(ack_wait, storage == "file"),
    )
    .await?;
    dummy::register(DEVICE, Arc::new(Silent));
    let mut registry = JobRegistry::new();
    registry.register(
        NOOP,
        Idempotence::Idempotent,
        |_ctx, _host, session| async move {
            drop(session);
            Ok(())
        },
    );
    registry.register_with_args(PAUSE, Idempotence::Idempotent, |args: &JobArgs| {
        let ms: u64 = args
            .get("ms")
            .ok_or("argument `ms` is missing")?
            .parse()
            .map_err(|_| "argument `ms` is not a whole number")?;
        Ok::<_, &'static str>(move |_ctx, _host, session| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            drop(session);
            Ok(())
        })
    });
    let worker = Worker::new(
        &cluster,
        registry,
        WorkerOptions {
            id: Some(id.clone()),
            ..WorkerOptions::new(site.clone(), slots.parse()?)
        },
    )?;
    // The parent closes our standard input to stop us.
    let stdin_closed = async {
        let _ = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {}
        })
        .await;
    };
    worker.run(stdin_closed).await?;
    Ok(())
}

/// A worker child process, killed if still running when dropped.
struct WorkerProcess(Child);

impl WorkerProcess {
    fn start(
        server: &NatsServer,
        site: &str,
        slots: usize,
        id: &str,
        args: &Args,
    ) -> Result<WorkerProcess, BoxError> {
        let child = Command::new(std::env::current_exe()?)
            .arg("--worker")
            .arg(server.url())
            .args([site, &slots.to_string()])
            .arg(args.ack_wait.as_millis().to_string())
            .args([id, if args.file_storage { "file" } else { "memory" }])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        Ok(WorkerProcess(child))
    }

    /// Closes its standard input and waits for it to stop.
    fn stop(mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// SIGKILL.
    fn kill(&mut self) -> Result<(), BoxError> {
        self.0.kill()?;
        self.0.wait()?;
        Ok(())
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ----- the coordinator -----------------------------------------------------

async fn coordinator(args: Args) -> Result<(), BoxError> {
    let server = NatsServer::start()?;
    let cluster = Cluster::connect(
        &NatsOptions::new(server.url()),
        config(args.ack_wait, args.file_storage),
    )
    .await?;
    let storage = if args.file_storage { "file" } else { "memory" };
    println!(
        "cluster benchmark: nats-server on {}, {storage} storage, ack_wait {} s, {} cores",
        server.url(),
        args.ack_wait.as_secs(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    throughput(&server, &cluster, &args).await?;
    recovery(&server, &cluster, &args).await?;
    Ok(())
}

/// `n` hosts on the in-memory device.
fn hosts(prefix: &str, n: usize) -> Result<Vec<Host>, BoxError> {
    (0..n)
        .map(|i| {
            let mut host = Host::new(&format!("dummy://{DEVICE}"))?;
            host.set_name(format!("{prefix}{i:06}"));
            Ok(host)
        })
        .collect()
}

/// Waits until `n` workers of `site` have announced themselves (they do
/// once their driver catalog is ready, before taking items).
async fn workers_ready(cluster: &Cluster, site: &str, n: usize) -> Result<(), BoxError> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let status = cluster.status().await?;
        if status.workers.iter().filter(|w| w.site == site).count() >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{n} worker(s) of site {site} did not start within 120 s").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn throughput(server: &NatsServer, cluster: &Cluster, args: &Args) -> Result<(), BoxError> {
    let site = "bench";
    let queue = ClusterQueue::new(cluster, ClusterOptions::for_site(site)).await?;
    let workers = (0..args.workers)
        .map(|i| WorkerProcess::start(server, site, args.slots, &format!("bench-{i}"), args))
        .collect::<Result<Vec<_>, _>>()?;
    workers_ready(cluster, site, args.workers).await?;
    let hosts = hosts("t", args.jobs)?;

    let mut pids = vec![("coordinator".to_owned(), std::process::id())];
    pids.extend(
        workers
            .iter()
            .enumerate()
            .map(|(i, w)| (format!("worker {i}"), w.pid())),
    );
    pids.push(("nats-server".to_owned(), server.pid()));
    let cpu_before = cpu_times(&pids);

    let started = Instant::now();
    queue.run(hosts, NOOP, &JobArgs::new())?;
    queue.join().await?;
    let took = started.elapsed();
    let cpu_after = cpu_times(&pids);

    let stats = queue.stats();
    if stats.succeeded != args.jobs as u64 {
        return Err(format!("not every job succeeded: {stats:?}").into());
    }
    let rate = args.jobs as f64 / took.as_secs_f64();
    println!(
        "throughput: {} trivial jobs, {} worker(s) x {} slots: {:.2} s, {rate:.0} jobs/s (target >= 10,000 jobs/s on 2 cores)",
        args.jobs,
        args.workers,
        args.slots,
        took.as_secs_f64()
    );
    match (cpu_before, cpu_after) {
        (Some(before), Some(after)) => {
            let per_job = |a: Duration, b: Duration| {
                a.saturating_sub(b).as_secs_f64() * 1e6 / args.jobs as f64
            };
            let mut total = 0.0;
            let parts: Vec<String> = pids
                .iter()
                .zip(after.iter().zip(before.iter()))
                .map(|((name, _), (a, b))| {
                    let us = per_job(*a, *b);
                    total += us;
                    format!("{name} {us:.0} µs")
                })
                .collect();
            println!(
                "  CPU per job: {} ({total:.0} µs in all: {:.0} jobs/s if these processes had 2 idle cores)",
                parts.join(", "),
                2e6 / total
            );
        }
        _ => println!("  CPU per job: not measured (needs Linux /proc and getconf)"),
    }
    for w in workers {
        w.stop();
    }
    Ok(())
}

/// The CPU time (user + system) of each process, from `/proc/<pid>/stat`
/// (Linux), or `None` where that cannot be read.
fn cpu_times(pids: &[(String, u32)]) -> Option<Vec<Duration>> {
    let ticks_per_second: u64 =
        String::from_utf8(Command::new("getconf").arg("CLK_TCK").output().ok()?.stdout)
            .ok()?
            .trim()
            .parse()
            .ok()?;
    pids.iter()
        .map(|(_, pid)| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // Fields after the command name (which may hold spaces): state is
            // field 3, utime and stime are fields 14 and 15.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: u64 = fields.get(11)?.parse().ok()?;
            let stime: u64 = fields.get(12)?.parse().ok()?;
            Some(Duration::from_secs_f64(
                (utime + stime) as f64 / ticks_per_second.max(1) as f64,
            ))
        })
        .collect()
}

async fn recovery(server: &NatsServer, cluster: &Cluster, args: &Args) -> Result<(), BoxError> {
    let site = "recovery";
    let queue = Arc::new(ClusterQueue::new(cluster, ClusterOptions::for_site(site)).await?);
    let mut a = WorkerProcess::start(server, site, args.recovery_slots, "worker-a", args)?;
    let b = WorkerProcess::start(server, site, args.recovery_slots, "worker-b", args)?;
    workers_ready(cluster, site, 2).await?;

    // Durations spread over [job_ms / 2, job_ms * 3 / 2), so that jobs do
    // not start and end in waves and worker A holds a full load of them
    // whenever it is killed.
    let mut keys = Vec::with_capacity(args.recovery_jobs);
    for (i, host) in hosts("r", args.recovery_jobs)?.into_iter().enumerate() {
        let ms = args.job_ms / 2 + (i as u64 * 7919) % args.job_ms.max(1);
        let job_args: JobArgs = [("ms".to_owned(), ms.to_string())].into();
        keys.extend(queue.run(host, PAUSE, &job_args)?);
    }
    // When each job's result arrived.
    let done_at = Arc::new(Mutex::new(HashMap::new()));
    let mut waits = keys
        .iter()
        .map(|key| {
            let (queue, done_at) = (Arc::clone(&queue), Arc::clone(&done_at));
            async move {
                let status = queue.finished(key).await;
                if let Ok(mut done) = done_at.lock() {
                    done.insert(key.clone(), (Instant::now(), status));
                }
            }
        })
        .collect::<FuturesUnordered<_>>();
    let quarter = args.recovery_jobs / 4;
    let mut finished = 0;
    while finished < quarter && waits.next().await.is_some() {
        finished += 1;
    }
    a.kill()?;
    let killed = Instant::now();
    while waits.next().await.is_some() {}
    queue.join().await?;

    let done = done_at.lock().map_err(|_| "poisoned")?;
    let mut redelivered = 0;
    let mut last = Duration::ZERO;
    for (key, (at, status)) in done.iter() {
        match status {
            Some(RemoteStatus::Succeeded { result }) => {
                if result.delivered > 1 {
                    redelivered += 1;
                    last = last.max(at.saturating_duration_since(killed));
                }
            }
            other => return Err(format!("job {key} did not succeed: {other:?}").into()),
        }
    }
    if redelivered == 0 {
        return Err("worker A held no job when it was killed; nothing to measure".into());
    }
    println!(
        "recovery: {redelivered} jobs held by worker A at its SIGKILL finished on worker B {:.2} s after the kill (target <= ack_wait + 1 s = {:.1} s; jobs of {} ms on average)",
        last.as_secs_f64(),
        (args.ack_wait + Duration::from_secs(1)).as_secs_f64(),
        args.job_ms
    );
    b.stop();
    Ok(())
}
