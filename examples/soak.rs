//! Soak: many concurrent Telnet sessions against the emulator for a while,
//! with random command mixes, random cancellations and random faults;
//! every completed response must be byte-identical to what the device
//! sent for that command, and at the end no task and no socket may be
//! left beyond those of the start.
//!
//! ```text
//! cargo run --release --example soak                                  # 2,000 sessions, 30 s
//! cargo run --release --example soak -- --sessions 5000 --seconds 600 --seed 3
//! cargo run --release --example soak -- --sessions 10000 --seconds 180 --device-process
//! ```
//!
//! `--device-process` serves the device from a second process (this
//! program with `--serve`), so every descriptor of this one is a client
//! session's: 10,000 sessions fit under a 20,000 open-file limit.
//!
//! Each of the `--sessions` workers loops until the time is up: it
//! connects, logs in, runs 1 to 12 commands and closes, each step drawn
//! from a seeded generator: ordinary commands whose output is computed
//! from their argument (a few bytes to 200 kB), a command cancelled
//! mid-way (its wait dropped after a random short time; the next command
//! must still get exactly its own output), a Session dropped mid-command,
//! and a device that closes the connection half-way through an answer
//! (must be `ConnectionClosed`). It prints the counts and exits with
//! status 1 on any wrong response, unexpected error or leak.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oxscript::emulator::{Handler, LoginType, TelnetServer, VirtualDevice};
use oxscript::transport::Error;
use oxscript::{Account, Host, Session, SessionOptions};

#[path = "support/rng.rs"]
mod rng;

/// Seeded per worker: runs are reproducible in their choices, not in
/// their timing.
use rng::SplitMix64 as Rng;

/// The output of `show data <n>`: `n` numbered lines of varying length
/// (what the device sends, and what the response must be).
fn data(n: u64) -> String {
    (0..n)
        .map(|i| format!("{n:>6} line {i:>6} {}", "=".repeat((i * 7 % 61) as usize)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn device() -> VirtualDevice {
    VirtualDevice::new("soak")
        .with_login_type(LoginType::Both)
        .with_credentials("admin", "soak-pw")
        .with_prompt("soak#")
        .with_command(
            r"show data (\d+)",
            Handler::func(|_, caps| data(caps[1].parse().unwrap_or(0))),
            true,
        )
        .unwrap()
        .with_command(
            r"crash (\d+)",
            Handler::func(|ctx, caps| {
                ctx.close();
                data(caps[1].parse().unwrap_or(0))
            }),
            true,
        )
        .unwrap()
}

#[derive(Default)]
struct Counts {
    sessions: AtomicU64,
    responses: AtomicU64,
    bytes: AtomicU64,
    cancelled: AtomicU64,
    dropped: AtomicU64,
    crashes: AtomicU64,
    failures: AtomicU64,
}

impl Counts {
    fn fail(&self, what: String) {
        if self.failures.fetch_add(1, Ordering::SeqCst) < 10 {
            eprintln!("FAIL {what}");
        }
    }
}

fn open_sockets() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| {
        dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count()
    })
}

/// The number of lines of a command: mostly small, sometimes 3,000 (200 kB).
fn lines(rng: &mut Rng) -> u64 {
    match rng.below(20) {
        0 => 3000,
        1..=4 => 200,
        _ => rng.below(20),
    }
}

async fn one_session(host: &Host, rng: &mut Rng, counts: &Counts) {
    let options = SessionOptions {
        driver: Some("generic".into()),
        timeout: Duration::from_secs(60),
        connect_timeout: Duration::from_secs(60),
        ..SessionOptions::default()
    };
    let mut s = match Session::connect_with(host, options).await {
        Ok(s) => s,
        Err(e) => return counts.fail(format!("connect: {e}")),
    };
    if let Err(e) = s.login(None).await {
        return counts.fail(format!("login: {e}"));
    }
    counts.sessions.fetch_add(1, Ordering::Relaxed);
    for _ in 0..1 + rng.below(12) {
        let n = lines(rng);
        let command = format!("show data {n}");
        match rng.below(20) {
            // Cancelled mid-way: the wait is dropped after 0-3 ms.
            0..=2 => {
                let wait = Duration::from_micros(rng.below(3000));
                if tokio::time::timeout(wait, s.execute(&command))
                    .await
                    .is_err()
                {
                    counts.cancelled.fetch_add(1, Ordering::Relaxed);
                }
            }
            // Dropped mid-command.
            3 => {
                let wait = Duration::from_micros(rng.below(3000));
                let _ = tokio::time::timeout(wait, s.execute(&command)).await;
                counts.dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            // The device closes half-way through its answer.
            4 => {
                counts.crashes.fetch_add(1, Ordering::Relaxed);
                match s.execute(&format!("crash {n}")).await {
                    Err(Error::ConnectionClosed { .. }) => {}
                    other => counts.fail(format!("crash {n}: {other:?}")),
                }
                return;
            }
            _ => match s.execute(&command).await {
                Ok(r) if r.text() == data(n) => {
                    counts.responses.fetch_add(1, Ordering::Relaxed);
                    counts
                        .bytes
                        .fetch_add(r.text().len() as u64, Ordering::Relaxed);
                }
                Ok(r) => counts.fail(format!(
                    "`{command}`: wrong response ({} bytes, starts {:?})",
                    r.text().len(),
                    r.text().chars().take(60).collect::<String>()
                )),
                Err(e) => counts.fail(format!("`{command}`: {e}")),
            },
        }
    }
    if let Err(e) = s.close().await {
        counts.fail(format!("close: {e}"));
    }
}

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}: `{v}` is not a valid value"))
        })
        .unwrap_or(default)
}

/// `--serve`: serves the soak device and prints its URL, until standard
/// input closes (the device process of `--device-process`).
async fn serve() {
    let server = TelnetServer::bind("127.0.0.1:0", device()).await.unwrap();
    println!("{}", server.url());
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {}
    })
    .await
    .unwrap();
    server.shutdown().await;
}

/// The soak device in a process of its own (this program with `--serve`),
/// so that all of this process's descriptors serve client sessions: more
/// concurrent sessions under the same open-file limit. Stops when dropped.
struct DeviceProcess {
    child: std::process::Child,
    url: String,
}

impl DeviceProcess {
    fn start() -> DeviceProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--serve")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut url = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut url)
            .unwrap();
        DeviceProcess {
            child,
            url: url.trim().to_owned(),
        }
    }
}

impl Drop for DeviceProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--serve") {
        serve().await;
        return;
    }
    let sessions: u64 = arg("--sessions", 2000);
    let seconds: f64 = arg("--seconds", 30.0);
    let seed: u64 = arg("--seed", 1);
    let runtime = tokio::runtime::Handle::current();
    let (tasks_before, sockets_before) = (runtime.metrics().num_alive_tasks(), open_sockets());

    let elsewhere = std::env::args().any(|a| a == "--device-process");
    let (server, device_process) = if elsewhere {
        (None, Some(DeviceProcess::start()))
    } else {
        let server = TelnetServer::bind("127.0.0.1:0", device()).await.unwrap();
        (Some(server), None)
    };
    let url = match (&server, &device_process) {
        (Some(server), _) => server.url(),
        (None, Some(process)) => process.url.clone(),
        (None, None) => unreachable!(),
    };
    let mut host = Host::new(&url).unwrap();
    host.set_account(Some(Account::new("admin", "soak-pw")));
    let counts = Arc::new(Counts::default());
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let sampler = tokio::spawn(async move {
        let mut peak = 0;
        while Instant::now() < until {
            peak = open_sockets().max(peak);
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        peak
    });
    let workers: Vec<_> = (0..sessions)
        .map(|w| {
            let (host, counts) = (host.clone(), counts.clone());
            tokio::spawn(async move {
                let mut rng = Rng(seed.wrapping_mul(1_000_003).wrapping_add(w));
                while Instant::now() < until {
                    one_session(&host, &mut rng, &counts).await;
                }
            })
        })
        .collect();
    let mut done = 0;
    for worker in workers {
        if worker.await.is_err() {
            counts.fail("a worker panicked".into());
        }
        done += 1;
    }
    let ran = started.elapsed();
    let peak_sockets = sampler.await.unwrap_or(0);
    if let Some(server) = server {
        server.shutdown().await;
    }
    drop(device_process);
    // Everything must be gone: wait (bounded) for the tasks to finish.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut tasks, mut sockets);
    loop {
        tasks = runtime.metrics().num_alive_tasks();
        sockets = open_sockets();
        if (tasks <= tasks_before && sockets <= sockets_before) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let c = &counts;
    println!("workers            {done} for {ran:.1?} (seed {seed})");
    println!("sessions           {}", c.sessions.load(Ordering::SeqCst));
    println!(
        "exact responses    {} ({:.1} MB)",
        c.responses.load(Ordering::SeqCst),
        c.bytes.load(Ordering::SeqCst) as f64 / 1e6
    );
    println!("cancelled waits    {}", c.cancelled.load(Ordering::SeqCst));
    println!("dropped sessions   {}", c.dropped.load(Ordering::SeqCst));
    println!("device crashes     {}", c.crashes.load(Ordering::SeqCst));
    println!("peak sockets       {peak_sockets}");
    println!(
        "left at the end    {tasks} tasks (start {tasks_before}), {sockets} sockets (start {sockets_before})"
    );
    let failures = c.failures.load(Ordering::SeqCst);
    println!("failures           {failures}");
    if failures > 0 || tasks > tasks_before || sockets > sockets_before {
        std::process::exit(1);
    }
}
