//! Throughput of the Session engine, printed as a table.
//!
//! ```text
//! cargo bench --bench throughput            # everything
//! cargo bench --bench throughput -- telnet  # only sections whose name contains "telnet"
//! ```
//!
//! Sections:
//! - `telnet-commands`: commands/s over one Telnet session to an emulated IOS router;
//! - `telnet-logins`: connect + login + close, sessions/s (sequential and 50 at a time);
//! - `prompt-search`: MB/s of a 50 MB response ending in a prompt (in memory and over Telnet);
//! - `real-telnetd`: ms per command against GNU telnetd with `/bin/login`, with and
//!   without TCP_QUICKACK (needs the interop servers: `.ci/interop-setup.sh`);
//! - `ssh-logins`: SSH connect + authentication per second, against the emulator's
//!   SSH server and against OpenSSH sshd;
//! - `ssh-commands`: commands/s over one SSH shell session (emulated IOS, bash on sshd);
//! - `ssh-exec`: exec channels/s on one connection (sequential and 16 in flight);
//! - `sftp`: SFTP put and get MB/s of a 50 MB file against sshd;
//! - `external`: commands/s against routers served by another process
//!   (`cargo bench --bench throughput -- external telnet://… ssh://…`, URLs
//!   from `cargo run --release --example serve_emulated`), the setting
//!   `benches/peers/compare.py` measures netmiko, scrapli and Exscript in.
//!
//! The emulated devices run in the same process, so wall time includes the
//! device's work; the client's share is reported as process CPU time too.

use std::time::{Duration, Instant};

use futures::StreamExt;

use oxscript::emulator::{Handler, SshServer, SshServerConfig, TelnetServer, TrustedHosts, ios};
use oxscript::transport::ssh::{HostKeyPolicy, SshConnection, SshOptions};
use oxscript::{Account, Host, Session, SessionOptions};

/// The interop suite's reader of `interop.env`, shared with the tests.
#[path = "../tests/interop/env.rs"]
mod interop_env;

use interop_env::Interop;

/// This process's CPU time, shared with the other benchmark programs.
#[path = "common/cpu.rs"]
mod cpu;

/// A Session reading a response in memory, shared with `targets`.
#[path = "common/sshd.rs"]
mod sshd;

#[path = "common/in_memory.rs"]
mod in_memory;

use cpu::cpu_time;

struct Row {
    section: &'static str,
    what: String,
    value: String,
}

fn row(
    rows: &mut Vec<Row>,
    section: &'static str,
    what: impl Into<String>,
    value: impl Into<String>,
) {
    let r = Row {
        section,
        what: what.into(),
        value: value.into(),
    };
    println!("{:<16} {:<58} {}", r.section, r.what, r.value);
    rows.push(r);
}

/// Runs `command` `n` times on `session`; returns the wall time and the
/// process CPU time it took.
async fn time_commands(session: &mut Session, command: &str, n: usize) -> (Duration, Duration) {
    let (t0, c0) = (Instant::now(), cpu_time());
    for _ in 0..n {
        session.execute(command).await.expect(command);
    }
    (t0.elapsed(), cpu_time().saturating_sub(c0))
}

/// Events per second.
fn per_second(n: usize, wall: Duration) -> f64 {
    n as f64 / wall.as_secs_f64()
}

async fn logged_in(url: &str, account: &Account, options: SessionOptions) -> Session {
    let mut host = Host::new(url).expect("url");
    host.set_account(Some(account.clone()));
    let mut session = Session::connect_with(&host, options)
        .await
        .expect("connect");
    session.login(None).await.expect("login");
    session
}

async fn telnet_commands(rows: &mut Vec<Row>) {
    let server = TelnetServer::bind(
        "127.0.0.1:0",
        ios::device("bench").with_credentials("admin", "pw"),
    )
    .await
    .expect("bind");
    let account = Account::new("admin", "pw");
    let mut session = logged_in(&server.url(), &account, SessionOptions::default()).await;
    session.autoinit().await.expect("autoinit");
    for _ in 0..200 {
        session.execute("show clock").await.expect("warm up");
    }
    let n = 10_000;
    let (wall, cpu) = time_commands(&mut session, "show clock", n).await;
    row(
        rows,
        "telnet-commands",
        format!("`show clock` x {n}, one session (emulated IOS)"),
        format!(
            "{:.0} commands/s ({:.1} µs each; process CPU {:.1} µs/command)",
            per_second(n, wall),
            wall.as_secs_f64() * 1e6 / n as f64,
            cpu.as_secs_f64() * 1e6 / n as f64
        ),
    );
    let n = 500;
    let (wall, _) = time_commands(&mut session, "show version", n).await;
    row(
        rows,
        "telnet-commands",
        format!("`show version` (1.3 KB) x {n}"),
        format!("{:.0} commands/s", per_second(n, wall)),
    );
    session.close().await.expect("close");
    server.shutdown().await;
}

async fn telnet_logins(rows: &mut Vec<Row>) {
    let server = TelnetServer::bind(
        "127.0.0.1:0",
        ios::device("bench").with_credentials("admin", "pw"),
    )
    .await
    .expect("bind");
    let url = server.url();
    let account = Account::new("admin", "pw");
    let n = 1000;
    let t0 = Instant::now();
    for _ in 0..n {
        let s = logged_in(&url, &account, SessionOptions::default()).await;
        s.close().await.expect("close");
    }
    row(
        rows,
        "telnet-logins",
        format!("connect + login + close x {n}, sequential"),
        format!("{:.0} sessions/s", per_second(n, t0.elapsed())),
    );
    let n = 5000;
    let window = 50;
    let t0 = Instant::now();
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(window));
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let (url, account, limit) = (url.clone(), account.clone(), limit.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await.expect("semaphore");
            let s = logged_in(&url, &account, SessionOptions::default()).await;
            s.close().await.expect("close");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    row(
        rows,
        "telnet-logins",
        format!("connect + login + close x {n}, {window} at a time"),
        format!("{:.0} sessions/s", per_second(n, t0.elapsed())),
    );
    server.shutdown().await;
}

async fn prompt_search(rows: &mut Vec<Row>) {
    const MB: usize = 50;
    let line = "Gi0/1        10.0.0.1        YES manual up                    up      \n";
    let body = line.repeat(MB * 1024 * 1024 / line.len());
    let size_mb = body.len() as f64 / (1024.0 * 1024.0);

    // In memory: a writer task plays the device, the Session reads through
    // the cleaner, the monitored buffer and the incremental prompt search.
    let payload = {
        let mut p = body.replace('\n', "\r\n").into_bytes();
        p.extend_from_slice(b"\r\nrouter#");
        p
    };
    let (elapsed, raw) = in_memory::best_read(&payload).await;
    assert!(raw > body.len());
    let best = elapsed.as_secs_f64();
    row(
        rows,
        "prompt-search",
        format!("{size_mb:.0} MB response + prompt, in memory (best of 3)"),
        format!("{:.0} MB/s ({:.2} s)", size_mb / best, best),
    );

    // Over Telnet from the emulator: includes Telnet decoding and the device.
    let device = ios::device("router")
        .with_command("show tech-support", Handler::from(body.clone()), true)
        .expect("command");
    let server = TelnetServer::bind("127.0.0.1:0", device)
        .await
        .expect("bind");
    let mut session = logged_in(
        &server.url(),
        &Account::new("a", "b"),
        SessionOptions::default(),
    )
    .await;
    let t0 = Instant::now();
    let r = session.execute("show tech-support").await.expect("execute");
    let elapsed = t0.elapsed().as_secs_f64();
    // The text keeps the last line's trailing spaces, not the final newline.
    assert_eq!(r.text().len(), body.len() - 1);
    row(
        rows,
        "prompt-search",
        format!("{size_mb:.0} MB `execute` over Telnet (emulated IOS, incl. Response)"),
        format!("{:.0} MB/s ({elapsed:.2} s)", size_mb / elapsed),
    );
    session.close().await.expect("close");
    server.shutdown().await;
}

/// The interop servers' settings, if they run (a message when they do
/// not; a malformed `interop.env` stops the benchmark with the reason).
fn interop(section: &str) -> Option<Interop> {
    let path = interop_env::env_path();
    match interop_env::load(&path) {
        Ok(Some(env)) => Some(env),
        Ok(None) => {
            println!("{section:<16} skipped: {path} not found (run .ci/interop-setup.sh as root)");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

async fn real_telnetd(rows: &mut Vec<Row>) {
    let Some(env) = interop("real-telnetd") else {
        return;
    };
    let url = format!("telnet://127.0.0.1:{}", env.telnet_port);
    let account = Account::new(env.user.clone(), env.password.clone());
    for quick_ack in [true, false] {
        let options = SessionOptions {
            driver: Some("shell".into()),
            quick_ack,
            ..SessionOptions::default()
        };
        let mut session = logged_in(&url, &account, options).await;
        let n = 200;
        let (wall, _) = time_commands(&mut session, "true", n).await;
        let per = wall.as_secs_f64() * 1000.0 / n as f64;
        row(
            rows,
            "real-telnetd",
            format!(
                "GNU telnetd + bash, `true` x {n}, TCP_QUICKACK {}",
                if quick_ack { "on" } else { "off" }
            ),
            format!("{per:.2} ms/command"),
        );
        session.close().await.expect("close");
    }
}

/// An emulated IOS router over SSH, with the known_hosts file trusting it
/// (keep it while connecting: it is removed when dropped).
async fn ssh_router() -> (SshServer, TrustedHosts) {
    let server = SshServer::bind(
        "127.0.0.1:0",
        ios::device("bench").with_credentials("admin", "pw"),
        SshServerConfig::default(),
    )
    .await
    .expect("bind");
    let trusted = TrustedHosts::for_servers([&server]).expect("known_hosts");
    (server, trusted)
}

const CONNECT: Duration = Duration::from_secs(30);

/// Connections/s of SSH connect + authenticate + close, `window` at a time.
async fn ssh_connect_rate(host: &Host, options: &SshOptions, n: usize, window: usize) -> f64 {
    let t0 = Instant::now();
    let runs = (0..n).map(|_| async {
        let ssh = SshConnection::connect_authenticated(host, options, CONNECT)
            .await
            .expect("ssh");
        ssh.close().await;
    });
    futures::stream::iter(runs)
        .buffer_unordered(window)
        .collect::<Vec<_>>()
        .await;
    per_second(n, t0.elapsed())
}

async fn ssh_logins(rows: &mut Vec<Row>) {
    let (server, trusted) = ssh_router().await;
    let options = trusted.ssh_options();
    let mut host = Host::new(&server.url()).expect("url");
    host.set_account(Some(Account::new("admin", "pw")));
    for (n, window) in [(300, 1), (1000, 50)] {
        let rate = ssh_connect_rate(&host, &options, n, window).await;
        let how = if window == 1 {
            "sequential".to_owned()
        } else {
            format!("{window} at a time")
        };
        row(
            rows,
            "ssh-logins",
            format!("emulator: connect + password auth + close x {n}, {how}"),
            format!("{rate:.0} connections/s"),
        );
    }
    server.shutdown().await;

    let Some(env) = interop("ssh-logins") else {
        return;
    };
    let (host, options) = sshd::key_auth(&env);
    let n = 100;
    let rate = ssh_connect_rate(&host, &options, n, 1).await;
    row(
        rows,
        "ssh-logins",
        format!("OpenSSH sshd: connect + ed25519 key auth + close x {n}, sequential"),
        format!("{rate:.0} connections/s"),
    );
}

async fn ssh_commands(rows: &mut Vec<Row>) {
    let (server, trusted) = ssh_router().await;
    let ssh = trusted.ssh_options();
    let options = SessionOptions {
        ssh: ssh.clone(),
        ..SessionOptions::default()
    };
    let mut session = logged_in(&server.url(), &Account::new("admin", "pw"), options).await;
    session.autoinit().await.expect("autoinit");
    let n = 5000;
    let (wall, _) = time_commands(&mut session, "show clock", n).await;
    row(
        rows,
        "ssh-commands",
        format!("emulated IOS over SSH: `show clock` x {n}, one shell"),
        format!("{:.0} commands/s", per_second(n, wall)),
    );
    session.close().await.expect("close");

    let mut host = Host::new(&server.url()).expect("url");
    host.set_account(Some(Account::new("admin", "pw")));
    let connection = SshConnection::connect_authenticated(&host, &ssh, CONNECT)
        .await
        .expect("ssh");
    exec_rates(rows, "emulated IOS", &connection, "show clock", 1000).await;
    connection.close().await;
    server.shutdown().await;

    let Some(env) = interop("ssh-commands") else {
        return;
    };
    let (host, ssh) = sshd::key_auth(&env);
    let options = SessionOptions {
        driver: Some("shell".into()),
        ssh: ssh.clone(),
        ..SessionOptions::default()
    };
    let mut session = Session::connect_with(&host, options)
        .await
        .expect("connect");
    session.login(None).await.expect("login");
    let n = 2000;
    let (wall, _) = time_commands(&mut session, "true", n).await;
    row(
        rows,
        "ssh-commands",
        format!("bash on OpenSSH sshd: `true` x {n}, one shell"),
        format!("{:.0} commands/s", per_second(n, wall)),
    );
    let connection = session.ssh().expect("ssh").clone();
    exec_rates(rows, "OpenSSH sshd", &connection, "true", 300).await;
    session.close().await.expect("close");
}

async fn exec_rates(
    rows: &mut Vec<Row>,
    target: &str,
    ssh: &SshConnection,
    command: &str,
    n: usize,
) {
    let t0 = Instant::now();
    for _ in 0..n {
        ssh.run(command).await.expect("exec");
    }
    row(
        rows,
        "ssh-exec",
        format!("{target}: exec `{command}` x {n}, one connection, sequential"),
        format!("{:.0} execs/s", per_second(n, t0.elapsed())),
    );
    let t0 = Instant::now();
    let runs = (0..n).map(|_| {
        let ssh = ssh.clone();
        let command = command.to_owned();
        async move { ssh.run(&command).await.expect("exec") }
    });
    futures::stream::iter(runs)
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    row(
        rows,
        "ssh-exec",
        format!("{target}: exec `{command}` x {n}, one connection, 16 in flight"),
        format!("{:.0} execs/s", per_second(n, t0.elapsed())),
    );
}

async fn sftp(rows: &mut Vec<Row>) {
    let Some(env) = interop("sftp") else {
        return;
    };
    let (host, options) = sshd::key_auth(&env);
    let ssh = SshConnection::connect_authenticated(&host, &options, CONNECT)
        .await
        .expect("sshd");
    let dir = std::env::temp_dir().join(format!("oxscript-bench-sftp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let local = dir.join("payload.bin");
    let size = 50 * 1024 * 1024;
    let mut data = Vec::with_capacity(size);
    let mut x: u64 = 0x9e3779b97f4a7c15;
    while data.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(&local, &data).expect("write");
    let sftp = ssh.sftp().await.expect("sftp");
    let remote = format!("/tmp/oxscript-bench-{}.bin", std::process::id());
    let mb = size as f64 / (1024.0 * 1024.0);
    let t0 = Instant::now();
    sftp.put_file(&local, &remote).await.expect("put");
    let put = t0.elapsed().as_secs_f64();
    let back = dir.join("back.bin");
    let t0 = Instant::now();
    sftp.get_file(&remote, &back).await.expect("get");
    let get = t0.elapsed().as_secs_f64();
    assert_eq!(std::fs::read(&back).expect("read"), data, "round trip");
    let _ = sftp.remove_file(&remote).await;
    let _ = std::fs::remove_dir_all(&dir);
    row(
        rows,
        "sftp",
        "put 50 MB to OpenSSH sshd (loopback)",
        format!("{:.0} MB/s", mb / put),
    );
    row(
        rows,
        "sftp",
        "get 50 MB from OpenSSH sshd (loopback)",
        format!("{:.0} MB/s", mb / get),
    );
    ssh.close().await;
}

/// Commands/s against emulated routers served by another process, with
/// this process's CPU time per command (same setting as the peer script).
async fn external(rows: &mut Vec<Row>, urls: &[String]) {
    let n = 5000;
    for url in urls {
        let mut host = Host::new(url).expect("url");
        host.set_account(Some(
            Account::builder("admin")
                .password("cisco")
                .authorization_password("enable")
                .build(),
        ));
        let options = SessionOptions {
            ssh: SshOptions {
                host_key_policy: HostKeyPolicy::InsecureAcceptAny,
                use_agent: false,
                default_identities: false,
                ..SshOptions::default()
            },
            ..SessionOptions::default()
        };
        let mut session = Session::connect_with(&host, options)
            .await
            .expect("connect");
        session.login(None).await.expect("login");
        session.autoinit().await.expect("autoinit");
        let (wall, cpu) = time_commands(&mut session, "show clock", n).await;
        row(
            rows,
            "external",
            format!("{} x `show clock`, one session, {}", n, host.protocol()),
            format!(
                "{:.0} commands/s ({:.0} µs client CPU/command)",
                per_second(n, wall),
                cpu.as_secs_f64() * 1e6 / n as f64
            ),
        );
        session.close().await.expect("close");
    }
}

#[tokio::main]
async fn main() {
    let urls: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a.contains("://"))
        .collect();
    if !urls.is_empty() {
        let mut rows = Vec::new();
        external(&mut rows, &urls).await;
        return;
    }
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let mut rows = Vec::new();
    println!("{:<16} {:<58} result", "section", "measurement");
    if wanted("telnet-commands") {
        telnet_commands(&mut rows).await;
    }
    if wanted("telnet-logins") {
        telnet_logins(&mut rows).await;
    }
    if wanted("prompt-search") {
        prompt_search(&mut rows).await;
    }
    if wanted("real-telnetd") {
        real_telnetd(&mut rows).await;
    }
    if wanted("ssh-logins") {
        ssh_logins(&mut rows).await;
    }
    if wanted("ssh-commands") || wanted("ssh-exec") {
        ssh_commands(&mut rows).await;
    }
    if wanted("sftp") {
        sftp(&mut rows).await;
    }
    println!("\nMarkdown:\n\n| section | measurement | result |\n|---|---|---|");
    for r in &rows {
        println!("| {} | {} | {} |", r.section, r.what, r.value);
    }
}
