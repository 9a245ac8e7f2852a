//! The performance figures of issue 14, each printed beside its target.
//!
//! ```text
//! cargo build --release -p oxscript-cli        # the CLI figures run the real binary
//! cargo bench --bench targets                  # every section
//! cargo bench --bench targets -- startup fanout  # only sections whose name contains a word
//! ```
//!
//! The emulated routers run in a **separate process** (this program started
//! again with `--serve`), so every CPU figure is the client's alone:
//! - `startup`: the `oxscript` CLI against one Telnet router (log in,
//!   `enable`, `show version`, log out), whole-process CPU (user + system,
//!   from `wait4`), median of 9 runs;
//! - `login`: a library `Session::connect` + `login` (with `enable`) +
//!   `close` after the first, CPU per session, Telnet and SSH;
//! - `per-command`: marginal CPU per `show clock` on one session, as the
//!   difference of two run lengths, Telnet and SSH, with this program on
//!   CPU 0 and the router on CPU 1 (then again placed by the scheduler,
//!   for reference); beside them two
//!   floors for the same exchange with the same router: a blocking
//!   `std::net` client and a one-task Tokio client, neither doing Telnet
//!   option handling, cleaning or response building (what the kernel and
//!   the runtime alone cost per command on this machine);
//! - `fanout`: the CLI, 100 hosts x 10 commands with its output printed,
//!   whole-process CPU, Telnet and SSH;
//! - `memory`: client RSS per idle logged-in session at 10,000 Telnet,
//!   2,000 SSH and 10,000 SSH sessions in one process;
//! - `throughput`: the prompt search in memory on a 50 MB response, and
//!   the same response by `execute` over Telnet;
//! - `peers`: with `OXSCRIPT_PEERS_PYTHON` naming a Python that has
//!   netmiko, scrapli and Exscript (`python3 -m venv /tmp/peers &&
//!   /tmp/peers/bin/pip install netmiko scrapli exscript`), runs
//!   `benches/peers/compare.py` against the same router and prints each
//!   peer's client CPU per command beside oxscript's, measured the same
//!   way in the same run (connect, log in, 500 x `show clock`, close), and
//!   the ratio; then the fan-out of `fanout` (100 routers x 10 commands)
//!   by the CLI and by each peer (`compare.py --fanout`: scrapli's asyncio
//!   API, Exscript's Queue, netmiko in threads), each peer's CPU as a
//!   multiple of the CLI's, without and with its interpreter's start and
//!   imports;
//! - `ssh-connect`: connect + key authentication + `true` + close, oxscript
//!   beside OpenSSH's `ssh` client against the interop suite's sshd (needs
//!   `.ci/interop-setup.sh`);
//! - `known-hosts`: host key checks of 10,000 hosts against a known_hosts
//!   file of 10,000 plain lines, the first check (reads and indexes the
//!   file) and each further one (a fan-out to thousands of SSH hosts
//!   checks every key against the same file).
//!
//! The client side uses a current-thread Tokio runtime except where noted
//! (`memory` and the CLI use the multi-thread one).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;

use oxscript::drivers::{Driver, Scanner};
use oxscript::emulator::{Handler, SshServer, SshServerConfig, TelnetServer, TrustedHosts, ios};
use oxscript::transport::ssh::{HostKeyPolicy, SshConnection, SshOptions};
use oxscript::{Account, Host, Session, SessionOptions};

/// The interop suite's reader of `interop.env`, shared with the tests.
#[path = "../tests/interop/env.rs"]
mod interop_env;

/// CPU time with microsecond resolution, shared with the other benchmarks.
#[path = "common/cpu.rs"]
mod cpu;

/// The interop sshd with key authentication, shared with `throughput`.
#[path = "common/sshd.rs"]
mod sshd;

/// A Session reading a response in memory, shared with `throughput`.
#[path = "common/in_memory.rs"]
mod in_memory;

use cpu::cpu_time;

/// Login of the served routers (the enable password is the same, so the
/// account's authorization password defaults right).
const USER: &str = "admin";
const PASSWORD: &str = "cisco";

/// Size of the large response of `show tech-support` on router 1.
const BIG_MB: usize = 50;

/// The line the large response repeats.
const BIG_LINE: &str = "Gi0/1        10.0.0.1        YES manual up                    up      \n";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        let count = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1);
        if let Some(cpu) = std::env::var("OXSCRIPT_TARGETS_SERVE_CPU")
            .ok()
            .and_then(|c| c.parse().ok())
        {
            pin_self(Some(cpu));
        }
        serve(count);
        return;
    }
    raise_fd_limit();
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let mut report = Report::default();
    println!(
        "{:<12} {:<62} {:>16} {:>12}",
        "section", "figure", "measured", "target"
    );
    if wanted("startup") {
        startup(&mut report);
    }
    if wanted("login") {
        current_thread(login(&mut report));
    }
    if wanted("per-command") {
        current_thread(per_command(&mut report));
    }
    if wanted("fanout") {
        fanout(&mut report);
    }
    if wanted("memory") {
        multi_thread(memory(&mut report));
    }
    if wanted("throughput") {
        current_thread(throughput(&mut report));
    }
    if wanted("ssh-connect") {
        current_thread(ssh_connect(&mut report));
    }
    if wanted("peers") {
        current_thread(peers(&mut report));
    }
    if wanted("known-hosts") {
        known_hosts(&mut report);
    }
    report.markdown();
}

// ---------------------------------------------------------------- report

#[derive(Default)]
struct Report {
    rows: Vec<[String; 5]>,
}

/// What a figure is compared with its target by.
enum Target {
    AtMost(f64),
    AtLeast(f64),
    None,
}

impl Report {
    fn add(&mut self, section: &str, figure: &str, value: f64, unit: &str, target: Target) {
        let (target_text, met) = match target {
            Target::AtMost(t) => (format!("≤ {} {unit}", fmt(t)), Some(value <= t)),
            Target::AtLeast(t) => (format!("≥ {} {unit}", fmt(t)), Some(value >= t)),
            Target::None => ("—".to_owned(), None),
        };
        let measured = format!("{} {unit}", fmt(value));
        let verdict = match met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "",
        }
        .to_owned();
        println!("{section:<12} {figure:<62} {measured:>16} {target_text:>12} {verdict}");
        self.rows.push([
            section.to_owned(),
            figure.to_owned(),
            measured,
            target_text,
            verdict,
        ]);
    }

    fn note(&mut self, section: &str, text: &str) {
        println!("{section:<12} {text}");
    }

    fn markdown(&self) {
        println!("\n| section | figure | measured | target | |\n|---|---|---|---|---|");
        for r in &self.rows {
            println!("| {} | {} | {} | {} | {} |", r[0], r[1], r[2], r[3], r[4]);
        }
    }
}

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

// ---------------------------------------------------------------- clocks

/// Runs `command` to its end; returns its CPU time (user + system, from
/// `wait4`) and its standard output.
// Reaped by `wait4` (which gives its CPU time), not `Child::wait`.
#[allow(clippy::zombie_processes)]
fn child_cpu(mut command: Command) -> (Duration, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = String::new();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().expect("stdout"), &mut out)
        .expect("read stdout");
    std::io::Read::read_to_string(child.stderr.as_mut().expect("stderr"), &mut err)
        .expect("read stderr");
    let pid = child.id() as libc::pid_t;
    // SAFETY: waits for our own child and fills the structs given.
    let (status, usage) = unsafe {
        let mut status = 0;
        let mut usage: libc::rusage = std::mem::zeroed();
        let rc = libc::wait4(pid, &mut status, 0, &mut usage);
        assert_eq!(rc, pid, "wait4");
        (status, usage)
    };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{command:?} failed ({status}):\n{out}\n{err}"
    );
    (cpu::rusage_cpu(&usage), out)
}

/// This process's resident set size.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn raise_fd_limit() {
    // SAFETY: plain syscalls on structs we own.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn current_thread<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn multi_thread<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

// ---------------------------------------------------------------- devices

/// Serves `count` emulated IOS routers over Telnet and SSH; prints one
/// line per router (`telnet://… ssh://…`), then `known_hosts PATH`, then
/// `ready`; stops when its standard input closes.
fn serve(count: usize) {
    raise_fd_limit();
    multi_thread(async move {
        let body = BIG_LINE.repeat(BIG_MB * 1024 * 1024 / BIG_LINE.len());
        let mut telnet = Vec::new();
        let mut ssh = Vec::new();
        for i in 1..=count {
            let mut device = ios::device(&format!("router{i}"))
                .with_credentials(USER, PASSWORD)
                .with_enable_password(PASSWORD);
            if i == 1 {
                device = device
                    .with_command("show tech-support", Handler::from(body.clone()), true)
                    .expect("command");
            }
            let t = TelnetServer::bind("127.0.0.1:0", device.clone())
                .await
                .expect("bind");
            let s = SshServer::bind("127.0.0.1:0", device, SshServerConfig::default())
                .await
                .expect("bind");
            println!("{} {}", t.url(), s.url());
            telnet.push(t);
            ssh.push(s);
        }
        let trusted = TrustedHosts::for_servers(ssh.iter()).expect("known_hosts");
        println!("known_hosts {}", trusted.path().display());
        println!("ready");
        // Serve until the parent closes our standard input.
        tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
        })
        .await
        .expect("stdin");
        drop(trusted);
    });
}

/// Routers served by a child process (stopped when dropped).
struct Devices {
    child: Child,
    _stdin: ChildStdin,
    telnet: Vec<String>,
    ssh: Vec<String>,
    known_hosts: PathBuf,
}

impl Devices {
    fn start(count: usize) -> Devices {
        Devices::start_on(count, None)
    }

    /// Starts the routers pinned to `cpu` (see [`pin_self`]).
    fn start_on(count: usize, cpu: Option<usize>) -> Devices {
        let mut command = Command::new(std::env::current_exe().expect("exe"));
        if let Some(cpu) = cpu {
            command.env("OXSCRIPT_TARGETS_SERVE_CPU", cpu.to_string());
        }
        let mut child = command
            .args(["--serve", &count.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("serve");
        let stdin = child.stdin.take().expect("stdin");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let (mut telnet, mut ssh, mut known_hosts) = (Vec::new(), Vec::new(), PathBuf::new());
        for line in lines.by_ref() {
            let line = line.expect("line");
            if line == "ready" {
                break;
            }
            if let Some(path) = line.strip_prefix("known_hosts ") {
                known_hosts = PathBuf::from(path);
                continue;
            }
            let mut urls = line.split_whitespace();
            telnet.push(urls.next().expect("telnet url").to_owned());
            ssh.push(urls.next().expect("ssh url").to_owned());
        }
        Devices {
            child,
            _stdin: stdin,
            telnet,
            ssh,
            known_hosts,
        }
    }

    /// SSH options trusting the served routers.
    fn ssh_options(&self) -> SshOptions {
        SshOptions {
            host_key_policy: HostKeyPolicy::Strict,
            known_hosts: Some(self.known_hosts.clone()),
            use_agent: false,
            default_identities: false,
            ..SshOptions::default()
        }
    }
}

impl Drop for Devices {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn host(url: &str) -> Host {
    let mut host = Host::new(url).expect("url");
    host.set_account(Some(Account::new(USER, PASSWORD)));
    host
}

async fn logged_in(devices: &Devices, url: &str) -> Session {
    let options = SessionOptions {
        ssh: devices.ssh_options(),
        ..SessionOptions::default()
    };
    let mut session = Session::connect_with(&host(url), options)
        .await
        .expect("connect");
    session.login(None).await.expect("login");
    session
}

// ---------------------------------------------------------------- sections

/// The release CLI next to this program (`target/release/oxscript`).
fn cli() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    // target/release/deps/targets-… → target/release/oxscript
    let path = exe.parent()?.parent()?.join("oxscript");
    path.is_file().then_some(path)
}

/// The CLI binary, or a note in `section` that `what` is skipped for
/// want of one.
fn cli_or_note(report: &mut Report, section: &str, what: &str) -> Option<PathBuf> {
    let cli = cli();
    if cli.is_none() {
        report.note(
            section,
            &format!("{what} skipped: build the CLI first (cargo build --release -p oxscript-cli)"),
        );
    }
    cli
}

/// A CLI invocation that sees only `home` (no user ssh config, agent or keys).
fn cli_command(cli: &Path, home: &Path) -> Command {
    let mut command = Command::new(cli);
    command
        .env("HOME", home)
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("RUST_LOG");
    command
}

/// A home directory whose `.ssh/known_hosts` trusts the served routers.
fn cli_home(devices: &Devices) -> PathBuf {
    let home = std::env::temp_dir().join(format!("oxscript-targets-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".ssh")).expect("home");
    std::fs::copy(&devices.known_hosts, home.join(".ssh/known_hosts")).expect("known_hosts");
    home
}

fn with_login(url: &str) -> String {
    url.replacen("://", &format!("://{USER}:{PASSWORD}@"), 1)
}

fn startup(report: &mut Report) {
    let Some(cli) = cli_or_note(report, "startup", "the CLI's start-up") else {
        return;
    };
    let devices = Devices::start(1);
    let home = cli_home(&devices);
    let url = with_login(&devices.telnet[0]);
    let runs: Vec<f64> = (0..9)
        .map(|_| {
            let mut command = cli_command(&cli, &home);
            command.args(["-i", "-e", "show version", &url]);
            let (cpu, out) = child_cpu(command);
            assert!(out.contains("Cisco IOS"), "unexpected output: {out}");
            cpu.as_secs_f64() * 1e3
        })
        .collect();
    report.add(
        "startup",
        "CLI: one Telnet router, login + enable + show version + logout",
        median(runs),
        "ms CPU",
        Target::AtMost(15.0),
    );
    let _ = std::fs::remove_dir_all(home);
}

async fn login(report: &mut Report) {
    let devices = Devices::start(1);
    for (protocol, url, target) in [
        ("Telnet", &devices.telnet[0], Target::AtMost(1.0)),
        ("SSH", &devices.ssh[0], Target::None),
    ] {
        // The first session pays for what is built once per process.
        let first = cpu_time();
        logged_in(&devices, url).await.close().await.expect("close");
        let first = cpu_time() - first;
        let n = 200;
        let t0 = cpu_time();
        for _ in 0..n {
            logged_in(&devices, url).await.close().await.expect("close");
        }
        let per = (cpu_time() - t0).as_secs_f64() * 1e3 / n as f64;
        report.add(
            "login",
            &format!("library: {protocol} connect + login + enable + close, first"),
            first.as_secs_f64() * 1e3,
            "ms CPU",
            Target::None,
        );
        report.add(
            "login",
            &format!("library: {protocol} connect + login + enable + close, after"),
            per,
            "ms CPU",
            target,
        );
    }
}

async fn per_command(report: &mut Report) {
    // Pinned: this program on CPU 0, the router on CPU 1, as a device on
    // another machine never shares the client's core. Unpinned, Linux's
    // wake-affine placement moves the router onto the client's core after
    // a few thousand exchanges (seen here: wall time per command from 14
    // to 70 µs, client CPU from 8 to 35 µs, at once), and the figure
    // measures which of the two placements the run fell into.
    let pinned = pin_self(Some(0));
    let devices = Devices::start_on(1, pinned.then_some(1));
    let placement = if pinned {
        "client on CPU 0, router on CPU 1"
    } else {
        "unpinned: fewer than 2 CPUs"
    };
    report.note("per-command", placement);
    per_command_on(report, &devices, Some((30.0, 45.0))).await;
    let floor = tokio_floor(&devices.telnet[0]).await;
    report.add(
        "per-command",
        "floor: a tokio TcpStream client, same router (Telnet)",
        floor,
        "µs CPU",
        Target::None,
    );
    let floor = blocking_floor(&devices.telnet[0]);
    report.add(
        "per-command",
        "floor: a blocking std::net client, no runtime, same router (Telnet)",
        floor,
        "µs CPU",
        Target::None,
    );
    drop(devices);
    if pinned {
        // The same, placed by the scheduler.
        pin_self(None);
        report.note("per-command", "unpinned (the scheduler places both):");
        let devices = Devices::start(1);
        per_command_on(report, &devices, None).await;
    }
}

/// Marginal CPU per `show clock` over Telnet and SSH on `devices`,
/// reported against the targets when given.
async fn per_command_on(report: &mut Report, devices: &Devices, targets: Option<(f64, f64)>) {
    for (protocol, url, target) in [
        ("Telnet", &devices.telnet[0], targets.map(|t| t.0)),
        ("SSH", &devices.ssh[0], targets.map(|t| t.1)),
    ] {
        let mut session = logged_in(devices, url).await;
        run_commands(&mut session, 500).await; // warm up
        let n = 3000;
        let short = run_commands(&mut session, n).await;
        let long = run_commands(&mut session, 2 * n).await;
        let marginal = marginal_micros(short, long, n);
        report.add(
            "per-command",
            &format!("`show clock` on one {protocol} session, marginal"),
            marginal,
            "µs CPU",
            target.map_or(Target::None, Target::AtMost),
        );
        session.close().await.expect("close");
    }
}

/// Pins this thread (and the threads it starts afterwards) to `cpu`, or
/// to every CPU with `None`. False when the machine has fewer than two
/// CPUs or the call is refused.
fn pin_self(cpu: Option<usize>) -> bool {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    if cpus < 2 {
        return false;
    }
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET writes inside it,
    // and sched_setaffinity reads it for the calling thread (pid 0).
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        match cpu {
            Some(cpu) => libc::CPU_SET(cpu, &mut set),
            None => (0..cpus).for_each(|c| libc::CPU_SET(c, &mut set)),
        }
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// The marginal CPU per `show clock` of the least a client can do on
/// this machine: blocking `std::net` reads and writes, no runtime, no
/// Telnet option handling, no cleaning, a prompt found by its last byte.
/// What the kernel charges the client per exchange (the write, waking the
/// device, sleeping until it answers, the read) is all it pays.
fn blocking_floor(url: &str) -> f64 {
    use std::io::Read;
    use std::net::TcpStream;
    let address = url.trim_start_matches("telnet://");
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut buf = Vec::new();
    let read_until = |stream: &mut TcpStream, buf: &mut Vec<u8>, end: &dyn Fn(&[u8]) -> bool| {
        buf.clear();
        let mut chunk = [0u8; 4096];
        while !end(buf) {
            let n = stream.read(&mut chunk).expect("read");
            assert!(n > 0, "closed: {}", String::from_utf8_lossy(buf));
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    read_until(&mut stream, &mut buf, &|b| b.ends_with(b": "));
    stream
        .write_all(format!("{USER}\r\n").as_bytes())
        .expect("write");
    read_until(&mut stream, &mut buf, &|b| b.ends_with(b": "));
    stream
        .write_all(format!("{PASSWORD}\r\n").as_bytes())
        .expect("write");
    read_until(&mut stream, &mut buf, &|b| b.ends_with(b">"));
    let mut run = |n: usize| {
        let t0 = cpu_time();
        for _ in 0..n {
            stream.write_all(b"show clock\r\n").expect("write");
            read_until(&mut stream, &mut buf, &|b| b.ends_with(b">"));
        }
        let elapsed = cpu_time() - t0;
        assert!(String::from_utf8_lossy(&buf).contains("UTC"));
        elapsed
    };
    run(500);
    let n = 3000;
    let short = run(n);
    let long = run(2 * n);
    marginal_micros(short, long, n)
}

/// Marginal µs per command from the CPU of `n` and of `2n` commands.
fn marginal_micros(short: Duration, long: Duration, n: usize) -> f64 {
    long.saturating_sub(short).as_secs_f64() * 1e6 / n as f64
}

/// The same exchange as [`blocking_floor`] on a Tokio `TcpStream` (one
/// task, a current-thread runtime, a timeout per read as a Session has).
async fn tokio_floor(url: &str) -> f64 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    let address = url.trim_start_matches("telnet://");
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut buf = Vec::new();
    async fn read_until(stream: &mut TcpStream, buf: &mut Vec<u8>, end: &[u8]) {
        buf.clear();
        let mut chunk = [0u8; 4096];
        while !buf.ends_with(end) {
            let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut chunk))
                .await
                .expect("t")
                .expect("read");
            assert!(n > 0);
            buf.extend_from_slice(&chunk[..n]);
        }
    }
    read_until(&mut stream, &mut buf, b": ").await;
    stream
        .write_all(format!("{USER}\r\n").as_bytes())
        .await
        .expect("write");
    read_until(&mut stream, &mut buf, b": ").await;
    stream
        .write_all(format!("{PASSWORD}\r\n").as_bytes())
        .await
        .expect("write");
    read_until(&mut stream, &mut buf, b">").await;
    let mut results = Vec::new();
    for n in [500, 3000, 6000] {
        let t0 = cpu_time();
        for _ in 0..n {
            stream.write_all(b"show clock\r\n").await.expect("write");
            read_until(&mut stream, &mut buf, b">").await;
        }
        results.push(cpu_time() - t0);
    }
    marginal_micros(results[1], results[2], 3000)
}

/// The peers' client CPU per command beside oxscript's, measured alike
/// in one run (see the module docs).
async fn peers(report: &mut Report) {
    let Some(python) = std::env::var_os("OXSCRIPT_PEERS_PYTHON") else {
        report.note(
            "peers",
            "skipped: set OXSCRIPT_PEERS_PYTHON to a Python with netmiko, scrapli and exscript",
        );
        return;
    };
    let devices = Devices::start(1);
    const N: usize = 500;
    let mut ours = Vec::new();
    for (protocol, url) in [("Telnet", &devices.telnet[0]), ("SSH", &devices.ssh[0])] {
        let t0 = cpu_time();
        let mut session = logged_in(&devices, url).await;
        run_commands(&mut session, N).await;
        session.close().await.expect("close");
        let per_command = (cpu_time() - t0).as_secs_f64() * 1e6 / N as f64;
        report.add(
            "peers",
            &format!("oxscript, {protocol}: log in + {N} x show clock, CPU per command"),
            per_command,
            "µs CPU",
            Target::None,
        );
        ours.push((protocol, per_command));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers/compare.py");
    let urls = format!("{} {}", devices.telnet[0], devices.ssh[0]);
    let home = cli_home(&devices);
    let output = Command::new(&python)
        .arg(&script)
        .arg(&urls)
        .arg(PASSWORD)
        .env("HOME", &home)
        .output()
        .expect("run compare.py");
    let _ = std::fs::remove_dir_all(home);
    if !output.status.success() {
        report.note(
            "peers",
            &format!(
                "compare.py failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    // | name | N commands/s | M µs CPU/command |
    for (name, cpu) in peer_figures(report, &text, " µs CPU/command") {
        let (protocol, ours) = ours_for(&ours, &name);
        report.add(
            "peers",
            &format!("{name}: CPU per command, x oxscript {protocol}"),
            cpu / ours,
            "x",
            Target::None,
        );
    }
    drop(devices);
    peers_fanout(report, &python, &script);
}

/// The rows `compare.py` prints (`| name | … | FIGURE<suffix> |`): each
/// client's name and figure; a client that failed becomes a note.
fn peer_figures(report: &mut Report, text: &str, suffix: &str) -> Vec<(String, f64)> {
    let mut figures = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let figure = cells
            .get(3)
            .and_then(|c| c.strip_suffix(suffix))
            .and_then(|c| c.parse::<f64>().ok());
        match (figure, cells.get(1), cells.get(2)) {
            (Some(figure), Some(name), _) => figures.push(((*name).to_owned(), figure)),
            (None, Some(name), Some(why)) if why.starts_with("failed") => {
                report.note("peers", &format!("{name}: {why}"));
            }
            _ => {}
        }
    }
    figures
}

/// The protocol a peer's row is about (its name says `SSH`, else Telnet)
/// and oxscript's figure for it.
fn ours_for(ours: &[(&str, f64)], name: &str) -> (&'static str, f64) {
    let protocol = if name.contains("SSH") {
        "SSH"
    } else {
        "Telnet"
    };
    let figure = ours
        .iter()
        .find(|(p, _)| *p == protocol)
        .map_or(f64::NAN, |(_, v)| *v);
    (protocol, figure)
}

/// How many clients `compare.py --fanout` runs (its `clients` list).
const FANOUT_PEERS: usize = 5;

/// The fan-out of the `fanout` section (100 routers x 10 commands) by the
/// CLI and by each peer (`compare.py --fanout`: scrapli's asyncio API,
/// Exscript's Queue, netmiko in a thread pool) against the same routers in
/// the same run; each peer's CPU for the whole fan-out as a multiple of the
/// CLI's whole-process CPU (which includes its start): once without the
/// interpreter's start and imports (measured by the script), once for the
/// peer's whole process (each peer runs in a child of its own).
fn peers_fanout(report: &mut Report, python: &std::ffi::OsStr, script: &Path) {
    let Some(cli) = cli_or_note(report, "peers", "the fan-out") else {
        return;
    };
    let devices = Devices::start(100);
    let home = cli_home(&devices);
    let ours = [
        ("Telnet", cli_fanout(&cli, &home, &devices.telnet, 3)),
        ("SSH", cli_fanout(&cli, &home, &devices.ssh, 3)),
    ];
    for (protocol, cpu) in ours {
        report.add(
            "peers",
            &format!("oxscript CLI, fan-out: 100 {protocol} hosts x 10 commands"),
            cpu,
            "ms CPU",
            Target::None,
        );
    }
    let list = home.join("fanout-urls");
    let lines: Vec<String> = devices
        .telnet
        .iter()
        .zip(&devices.ssh)
        .map(|(t, s)| format!("{t} {s}\n"))
        .collect();
    std::fs::write(&list, lines.concat()).expect("url list");
    // One child per peer, so that its whole CPU (interpreter start and
    // imports included) is known too, from `wait4`.
    for k in 0..FANOUT_PEERS {
        let mut command = Command::new(python);
        command
            .arg(script)
            .arg("--fanout")
            .arg(&list)
            .arg(PASSWORD)
            .arg(k.to_string())
            .env("HOME", &home);
        let (whole, stdout) = child_cpu(command);
        // | name | W s wall | C ms CPU |
        for (name, cpu) in peer_figures(report, &stdout, " ms CPU") {
            let (protocol, ours) = ours_for(&ours, &name);
            report.add(
                "peers",
                &format!("{name}: fan-out CPU, x oxscript CLI {protocol}"),
                cpu / ours,
                "x",
                Target::None,
            );
            report.add(
                "peers",
                "  the same, whole process (start and imports included)",
                whole.as_secs_f64() * 1e3 / ours,
                "x",
                Target::None,
            );
        }
    }
    let _ = std::fs::remove_dir_all(home);
}

/// CPU time of `n` x `show clock` on `session`.
async fn run_commands(session: &mut Session, n: usize) -> Duration {
    let t0 = cpu_time();
    for _ in 0..n {
        let r = session.execute("show clock").await.expect("execute");
        assert!(r.text().contains("UTC"), "{}", r.text());
    }
    cpu_time() - t0
}

fn fanout(report: &mut Report) {
    let Some(cli) = cli_or_note(report, "fanout", "the CLI's fan-out") else {
        return;
    };
    let devices = Devices::start(100);
    let home = cli_home(&devices);
    for (protocol, urls, target) in [
        ("Telnet", &devices.telnet, 70.0),
        ("SSH", &devices.ssh, 130.0),
    ] {
        report.add(
            "fanout",
            &format!("CLI: 100 {protocol} hosts x 10 commands, output printed"),
            cli_fanout(&cli, &home, urls, 5),
            "ms CPU",
            Target::AtMost(target),
        );
    }
    let _ = std::fs::remove_dir_all(home);
}

/// The CLI against every router of `urls` at once (log in, enable,
/// 10 x `show clock`, log out), output printed: the median of `runs`
/// whole-process CPU times, in ms.
fn cli_fanout(cli: &Path, home: &Path, urls: &[String], runs: usize) -> f64 {
    let template = ["show clock"; 10].join(";");
    let runs: Vec<f64> = (0..runs)
        .map(|_| {
            let mut command = cli_command(cli, home);
            command.args(["-i", "-c", &urls.len().to_string(), "-e", &template]);
            command.args(urls.iter().map(|u| with_login(u)));
            let (cpu, out) = child_cpu(command);
            assert!(
                out.matches("UTC").count() >= 10 * urls.len(),
                "missing output:\n{out}"
            );
            cpu.as_secs_f64() * 1e3
        })
        .collect();
    median(runs)
}

async fn memory(report: &mut Report) {
    let devices = Devices::start(1);
    for (protocol, url, n, target) in [
        ("Telnet", &devices.telnet[0], 10_000, Target::AtMost(16.0)),
        ("SSH", &devices.ssh[0], 2_000, Target::AtMost(64.0)),
        ("SSH", &devices.ssh[0], 10_000, Target::None),
    ] {
        // Warm up: what is built once per process is not per session.
        logged_in(&devices, url).await.close().await.expect("close");
        let before = rss();
        let t0 = Instant::now();
        let sessions: Vec<Session> =
            futures::stream::iter((0..n).map(|_| logged_in(&devices, url)))
                .buffer_unordered(200)
                .collect()
                .await;
        let after = rss();
        let per = after.saturating_sub(before) as f64 / 1024.0 / n as f64;
        report.add(
            "memory",
            &format!("{n} idle logged-in {protocol} sessions, RSS per session"),
            per,
            "KiB",
            target,
        );
        report.note(
            "memory",
            &format!(
                "  ({n} sessions logged in in {:.1} s)",
                t0.elapsed().as_secs_f64()
            ),
        );
        futures::stream::iter(sessions.into_iter().map(|s| async move {
            s.close().await.expect("close");
        }))
        .buffer_unordered(200)
        .collect::<Vec<_>>()
        .await;
    }
}

async fn throughput(report: &mut Report) {
    // The prompt search alone: a Scanner over a buffer growing by 64 KiB
    // reads, IOS prompt patterns.
    let body = BIG_LINE
        .replace('\n', "\r\n")
        .repeat(BIG_MB * 1024 * 1024 / BIG_LINE.len());
    let mut data = body.clone().into_bytes();
    data.extend_from_slice(b"\r\nrouter#");
    let ios = Driver::ios();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let mut scanner = Scanner::default();
        let t0 = Instant::now();
        let mut found = None;
        let mut end = 0;
        while end < data.len() {
            end = (end + 64 * 1024).min(data.len());
            found = scanner.search(&data[..end], &ios.prompt);
            if found.is_some() {
                break;
            }
        }
        best = best.min(t0.elapsed().as_secs_f64());
        assert_eq!(found.expect("prompt").range.end, data.len());
    }
    let mb = data.len() as f64 / 1e6;
    report.add(
        "throughput",
        "prompt search alone (Scanner, IOS prompts), 50 MB in 64 KiB reads",
        mb / best / 1e3,
        "GB/s",
        Target::AtLeast(1.0),
    );

    // The whole read path in memory (see common/in_memory.rs).
    let (elapsed, raw) = in_memory::best_read(&data).await;
    let best = elapsed.as_secs_f64();
    assert!(raw + 100 >= body.len(), "{raw}");
    report.add(
        "throughput",
        "50 MB response read by a Session in memory (incl. cleaning, text)",
        mb / best / 1e3,
        "GB/s",
        Target::AtLeast(1.0),
    );

    // The client on CPU 0 and the router on CPU 1 (see `per_command`):
    // sharing a core, the two would take turns instead of overlapping.
    let pinned = pin_self(Some(0));
    let devices = Devices::start_on(1, pinned.then_some(1));
    let mut session = logged_in(&devices, &devices.telnet[0]).await;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t0 = Instant::now();
        let r = session.execute("show tech-support").await.expect("execute");
        best = best.min(t0.elapsed().as_secs_f64());
        assert_eq!(r.text().len() + 1, body.len() - body.matches('\r').count());
    }
    report.add(
        "throughput",
        "50 MB `execute` over Telnet, end to end (best of 3)",
        mb / best,
        "MB/s",
        Target::AtLeast(400.0),
    );
    session.close().await.expect("close");
    if pinned {
        pin_self(None);
    }
}

fn known_hosts(report: &mut Report) {
    use oxscript::transport::ssh::known_hosts::Verdict;
    const HOSTS: usize = 10_000;
    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIGeNzYAhZ3NPkKtg+Gq7BM2ZFxx597G0zY2h1/Fr+fm3";
    let key = russh::keys::parse_public_key_base64(KEY).expect("key");
    let dir = std::env::temp_dir().join(format!("oxscript-targets-kh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("known_hosts");
    let text: String = (0..HOSTS)
        .map(|i| {
            format!(
                "router{i}.lab.example.net,10.{}.{}.{} ssh-ed25519 {KEY}\n",
                i / 65536,
                i / 256 % 256,
                i % 256
            )
        })
        .collect();
    std::fs::write(&path, text).expect("write");
    // A file left alone for a while, as known_hosts files are.
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(old))
        .expect("mtime");
    let known = oxscript::transport::ssh::KnownHosts::new(&path);
    let check = |i: usize| {
        let verdict = known
            .check(&format!("router{i}.lab.example.net"), 22, &key)
            .expect("check");
        assert!(
            matches!(verdict, Verdict::Match { line } if line == i + 1),
            "{verdict:?}"
        );
    };
    let t0 = cpu_time();
    check(0);
    let first = cpu_time() - t0;
    let t0 = cpu_time();
    (1..HOSTS).for_each(check);
    let each = (cpu_time() - t0) / (HOSTS as u32 - 1);
    report.add(
        "known-hosts",
        "first check, 10,000-line known_hosts (reads and indexes it)",
        first.as_secs_f64() * 1e3,
        "ms CPU",
        Target::None,
    );
    report.add(
        "known-hosts",
        "each further check of the 10,000 hosts (same file)",
        each.as_secs_f64() * 1e6,
        "µs CPU",
        Target::None,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn ssh_connect(report: &mut Report) {
    let path = interop_env::env_path();
    let env = match interop_env::load(&path) {
        Ok(Some(env)) => env,
        Ok(None) => {
            report.note(
                "ssh-connect",
                &format!("skipped: {path} not found (run .ci/interop-setup.sh as root)"),
            );
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let (host, options) = sshd::key_auth(&env);
    let n = 30;
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..n {
        let t0 = Instant::now();
        let ssh = SshConnection::connect_authenticated(&host, &options, Duration::from_secs(30))
            .await
            .expect("ssh");
        let out = ssh.run("true").await.expect("exec");
        assert_eq!(out.exit_status, Some(0));
        ssh.close().await;
        ours.push(t0.elapsed().as_secs_f64() * 1e3);

        let t0 = Instant::now();
        let status = Command::new("ssh")
            .args([
                "-F",
                "/dev/null",
                "-o",
                "BatchMode=yes",
                "-o",
                "IdentitiesOnly=yes",
            ])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", env.known_hosts.display()))
            .arg("-i")
            .arg(&env.key)
            .args(["-p", &env.ssh_port.to_string()])
            .arg(format!("{}@127.0.0.1", env.user))
            .arg("true")
            .stdin(Stdio::null())
            .status()
            .expect("ssh client");
        assert!(status.success(), "OpenSSH ssh failed: {status}");
        theirs.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    let (ours, theirs) = (median(ours), median(theirs));
    report.add(
        "ssh-connect",
        "oxscript: connect + key auth + exec `true` + close (median)",
        ours,
        "ms",
        Target::None,
    );
    report.add(
        "ssh-connect",
        "OpenSSH ssh: the same (median, process start included)",
        theirs,
        "ms",
        Target::None,
    );
    report.add(
        "ssh-connect",
        "ratio oxscript / OpenSSH",
        ours / theirs,
        "x",
        Target::AtMost(2.0),
    );
    let _ = std::io::stdout().flush();
}
