//! Fleet benchmark: many jobs over many emulated IOS routers.
//!
//! Starts `--hosts` (1,000) emulated IOS routers on loopback, each behind
//! its own Telnet server, then runs `--jobs-per-host` (10) jobs per router
//! through a [`Queue`] with `--window` (200) connections at a time. Every
//! job logs in (authentication and `enable`, with an account from a pool)
//! and runs `--commands` (10) commands. Prints wall time, jobs/s,
//! commands/s and peak RSS, then the memory cost of an open session,
//! measured with `--sessions` (1,000) idle logged-in sessions.
//!
//! ```text
//! cargo run --release -p oxscript-jobs --example fleet_bench
//! cargo run --release -p oxscript-jobs --example fleet_bench -- --hosts 200 --window 50
//! ```
//!
//! The emulated routers run in the same process, so their CPU time and
//! memory are part of the numbers; the session memory section separates
//! the two sides as far as it can. Session memory is measured in a child
//! process (this program run again with `--sessions-only`), so the
//! allocator's memory kept from the run does not hide it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oxscript_core::{Account, AccountPool, Host};
use oxscript_emulator::{TelnetServer, ios};
use oxscript_jobs::queue::{Queue, QueueOptions, autologin};
use oxscript_transport::{Session, SessionOptions};

const COMMANDS: [&str; 10] = [
    "show version",
    "show clock",
    "show ip interface brief",
    "show privilege",
    "show clock",
    "show ip interface brief",
    "show privilege",
    "show clock",
    "show version",
    "show privilege",
];

struct Args {
    hosts: usize,
    jobs_per_host: usize,
    commands: usize,
    window: usize,
    sessions: usize,
    /// Internal: only measure session memory (run in a child process, so
    /// the allocator starts fresh) and print one line for the parent.
    sessions_only: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        hosts: 1000,
        jobs_per_host: 10,
        commands: 10,
        window: 200,
        sessions: 1000,
        sessions_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let slot = match flag.as_str() {
            "--sessions-only" => {
                args.sessions_only = true;
                continue;
            }
            "--hosts" => &mut args.hosts,
            "--jobs-per-host" => &mut args.jobs_per_host,
            "--commands" => &mut args.commands,
            "--window" => &mut args.window,
            "--sessions" => &mut args.sessions,
            "-h" | "--help" => {
                return Err("usage: fleet_bench [--hosts N] [--jobs-per-host N] [--commands N] [--window N] [--sessions N]".into());
            }
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        };
        let value = it.next().ok_or_else(|| format!("{flag} needs a number"))?;
        *slot = value.parse().map_err(|e| format!("{flag} {value}: {e}"))?;
    }
    if args.hosts == 0 || args.window == 0 {
        return Err("--hosts and --window must be at least 1".into());
    }
    Ok(args)
}

/// A `kB` field of /proc/self/status, in bytes.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn rss() -> u64 {
    status_kb("VmRSS:").unwrap_or(0)
}

fn peak_rss() -> u64 {
    status_kb("VmHWM:").unwrap_or(0)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn kib(bytes: f64) -> String {
    format!("{:.1} KiB", bytes / 1024.0)
}

/// Raises the soft limit of open files to the hard limit; returns both.
fn raise_nofile() -> (u64, u64) {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(soft) => {
            let hard = rlimit::Resource::NOFILE
                .get()
                .map(|(_, hard)| hard)
                .unwrap_or(soft);
            (soft, hard)
        }
        Err(e) => {
            eprintln!("could not raise RLIMIT_NOFILE: {e}");
            rlimit::Resource::NOFILE.get().unwrap_or((0, 0))
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let (soft, hard) = raise_nofile();
    println!("RLIMIT_NOFILE: soft {soft}, hard {hard}");
    let fds_needed = args.hosts + 2 * args.sessions.max(args.window) * 2 + 64;
    if (soft as usize) < fds_needed {
        return Err(format!(
            "this run needs about {fds_needed} file descriptors, the limit is {soft}: use fewer --hosts/--sessions/--window"
        )
        .into());
    }
    let commands: Vec<&str> = COMMANDS
        .iter()
        .cycle()
        .take(args.commands)
        .copied()
        .collect();

    if args.sessions_only {
        let hosts_needed = args.hosts.min(args.sessions.max(1));
        let (servers, hosts) = start_fleet(hosts_needed).await?;
        let m = measure_sessions(&hosts, args.sessions).await?;
        println!(
            "SESSIONS {} {} {}",
            m.sessions, m.per_session_total, m.per_raw_connection
        );
        for server in servers {
            server.shutdown().await;
        }
        return Ok(());
    }

    // The fleet.
    let started = Instant::now();
    let (servers, hosts) = start_fleet(args.hosts).await?;
    println!(
        "{} emulated IOS routers up in {:.2?}",
        args.hosts,
        started.elapsed()
    );
    let rss_before_run = rss();

    // The run.
    let queue = Queue::new(QueueOptions {
        max_connections: args.window,
        session: SessionOptions {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(30),
            ..SessionOptions::default()
        },
        ..QueueOptions::default()
    });
    // One pooled account per connection slot: a pooled account serves one
    // job at a time.
    queue.add_account_pool(
        AccountPool::from_accounts((0..args.window).map(|_| {
            Account::builder("admin")
                .password("cisco")
                .authorization_password("enable")
                .build()
        })),
        None,
    );
    let executed = Arc::new(AtomicU64::new(0));
    let commands = Arc::new(commands);
    let job = {
        let executed = executed.clone();
        let commands = commands.clone();
        autologin(move |_ctx, _host, mut session| {
            let executed = executed.clone();
            let commands = commands.clone();
            async move {
                for command in commands.iter() {
                    session.execute(command).await?;
                    executed.fetch_add(1, Ordering::Relaxed);
                }
                session.close().await?;
                Ok(())
            }
        })
    };
    let start = Instant::now();
    for _ in 0..args.jobs_per_host {
        queue.run(hosts.as_slice(), job.clone())?;
    }
    queue.join().await?;
    let wall = start.elapsed();
    let stats = queue.stats();
    let peak = peak_rss();
    let jobs = stats.succeeded + stats.failed;
    let executed = executed.load(Ordering::Relaxed);

    for server in servers {
        server.shutdown().await;
    }

    // Session memory, in a fresh process (this one's allocator keeps the
    // memory of the run).
    let session_memory = sessions_in_child(&args)?;

    let secs = wall.as_secs_f64();
    println!();
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("| fleet benchmark ({build} build, emulator in-process) | |");
    println!("| --- | --- |");
    println!("| hosts (Telnet servers on loopback) | {} |", args.hosts);
    println!(
        "| jobs (login + {} commands each) | {jobs} |",
        args.commands
    );
    println!("| window (concurrent connections) | {} |", args.window);
    println!("| failed jobs | {} |", stats.failed);
    println!("| wall time | {secs:.2} s |");
    println!("| jobs/s | {:.0} |", jobs as f64 / secs);
    println!("| commands/s | {:.0} |", executed as f64 / secs);
    println!("| peak RSS (VmHWM) | {} |", mib(peak));
    println!(
        "| RSS with the fleet up, before the run | {} |",
        mib(rss_before_run)
    );
    println!(
        "| idle logged-in sessions measured | {} |",
        session_memory.sessions
    );
    println!(
        "| memory per session, client + emulated server | {} |",
        kib(session_memory.per_session_total)
    );
    println!(
        "| memory per connection, emulated server alone (raw TCP client) | {} |",
        kib(session_memory.per_raw_connection)
    );
    println!(
        "| memory per session, client side (estimate: difference) | {} |",
        kib((session_memory.per_session_total - session_memory.per_raw_connection).max(0.0))
    );
    println!(
        "| connections / logins | {} / {} |",
        stats.connect_attempts, stats.login_attempts
    );
    if stats.failed > 0 || executed != jobs * args.commands as u64 {
        return Err(format!(
            "{} job(s) failed; {executed} of {} commands ran",
            stats.failed,
            jobs * args.commands as u64
        )
        .into());
    }
    Ok(())
}

/// Starts `n` emulated routers; returns the servers and their hosts.
async fn start_fleet(
    n: usize,
) -> Result<(Vec<TelnetServer>, Vec<Host>), Box<dyn std::error::Error>> {
    let mut servers = Vec::with_capacity(n);
    for i in 0..n {
        let device = ios::device(&format!("R{i}"))
            .with_credentials("admin", "cisco")
            .with_enable_password("enable");
        servers.push(TelnetServer::bind("127.0.0.1:0", device).await?);
    }
    let hosts = servers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut host = Host::new(&s.url())?;
            host.set_name(format!("r{i}"));
            host.set_driver(Some("ios".into()));
            Ok(host)
        })
        .collect::<Result<_, oxscript_core::Error>>()?;
    Ok((servers, hosts))
}

/// Runs this program again with `--sessions-only` and reads its result.
fn sessions_in_child(args: &Args) -> Result<SessionMemory, Box<dyn std::error::Error>> {
    let output = std::process::Command::new(std::env::current_exe()?)
        .args([
            "--sessions-only",
            "--hosts",
            &args.hosts.to_string(),
            "--sessions",
            &args.sessions.to_string(),
        ])
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("SESSIONS "))
        .ok_or_else(|| {
            format!(
                "session measurement failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [sessions, total, raw] = fields.as_slice() else {
        return Err(format!("unexpected session measurement `{line}`").into());
    };
    Ok(SessionMemory {
        sessions: sessions.parse()?,
        per_session_total: total.parse()?,
        per_raw_connection: raw.parse()?,
    })
}

struct SessionMemory {
    sessions: usize,
    per_session_total: f64,
    per_raw_connection: f64,
}

/// RSS growth with `n` idle raw TCP connections (the emulated server's
/// cost, plus a socket), then with `n` idle logged-in Sessions.
async fn measure_sessions(
    hosts: &[Host],
    n: usize,
) -> Result<SessionMemory, Box<dyn std::error::Error>> {
    if n == 0 || hosts.is_empty() {
        return Ok(SessionMemory {
            sessions: 0,
            per_session_total: 0.0,
            per_raw_connection: 0.0,
        });
    }
    let account = Account::builder("admin")
        .password("cisco")
        .authorization_password("enable")
        .build();
    // Warm up: driver registry, first connection paths.
    if let Some(host) = hosts.first() {
        let mut s = Session::connect(host).await?;
        s.login(Some(&account)).await?;
        s.close().await?;
    }
    let base = rss();
    let mut raw = Vec::with_capacity(n);
    for host in hosts.iter().cycle().take(n) {
        let mut stream = tokio::net::TcpStream::connect((host.address(), host.port())).await?;
        // Wait for the banner, so the server side is fully set up.
        let mut buf = [0u8; 512];
        tokio::io::AsyncReadExt::read(&mut stream, &mut buf).await?;
        raw.push(stream);
    }
    let with_raw = rss();
    let mut sessions = Vec::with_capacity(n);
    for host in hosts.iter().cycle().take(n) {
        let mut s = Session::connect(host).await?;
        s.login(Some(&account)).await?;
        sessions.push(s);
    }
    let with_sessions = rss();
    for s in sessions {
        s.close().await?;
    }
    drop(raw);
    Ok(SessionMemory {
        sessions: n,
        per_session_total: with_sessions.saturating_sub(with_raw) as f64 / n as f64,
        per_raw_connection: with_raw.saturating_sub(base) as f64 / n as f64,
    })
}
