//! The `oxscript` command line against emulated routers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn oxscript() -> Command {
    Command::new(env!("CARGO_BIN_EXE_oxscript"))
}

#[test]
fn runs_commands_on_emulated_routers_and_prints_host_lines() {
    let out = oxscript()
        .args([
            "--emulate",
            "3",
            "-c",
            "2",
            "-e",
            "show version; show clock",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    for i in 1..=3 {
        let first = format!("router{i}:Cisco IOS Software");
        assert!(
            stdout.lines().any(|l| l.starts_with(&first)),
            "{first} missing in:\n{stdout}"
        );
    }
    assert!(
        stdout.lines().all(|l| l.starts_with("router")),
        "every line is host:line"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 hosts ok"));
}

#[test]
fn threads_chooses_the_runtime_and_every_choice_runs_the_hosts() {
    for (threads, said) in [
        ("1", "connections run on one thread (--threads 1)"),
        ("2", "connections run on 2 worker threads (--threads 2)"),
        ("0", "worker threads (--threads 0)"),
    ] {
        let out = oxscript()
            .args([
                "--emulate",
                "4",
                "-v",
                "--threads",
                threads,
                "-e",
                "show clock",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "--threads {threads}: {stderr}");
        assert!(stderr.contains(said), "--threads {threads}: {stderr}");
        assert!(
            stderr.contains("4 hosts ok"),
            "--threads {threads}: {stderr}"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        for i in 1..=4 {
            assert!(
                stdout.contains(&format!("router{i}:")),
                "--threads {threads}: router{i} missing in {stdout}"
            );
        }
    }
}

#[test]
fn failures_exit_non_zero_with_a_per_host_summary() {
    let out = oxscript()
        .args(["--emulate", "2", "-e", "show clock; show nonsense"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("2 of 2 hosts failed"), "{stderr}");
    assert!(
        stderr.contains("router1: command `show nonsense` failed: % Invalid input detected"),
        "{stderr}"
    );
    // The output that arrived before the error is still printed.
    assert!(String::from_utf8_lossy(&out.stdout).contains("router2:"));
}

#[test]
fn unreachable_hosts_fail_alone() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let out = oxscript()
        .args(["--emulate", "1", "-i", "-e", "show clock"])
        .arg(format!("telnet://u:p@127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("1 of 2 hosts failed"), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{stderr}"
    );
}

#[test]
fn logdir_gets_one_log_per_host_and_error_files() {
    let dir = std::env::temp_dir().join(format!("oxscript-cli-logs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = oxscript()
        .args(["--emulate", "2", "-e", "show clock; show nonsense", "-l"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    for i in 1..=2 {
        let log = std::fs::read_to_string(dir.join(format!("router{i}.log"))).unwrap();
        assert!(log.contains("User Access Verification"), "{log}");
        assert!(log.contains("show clock"));
        let error = std::fs::read_to_string(dir.join(format!("router{i}.log.error"))).unwrap();
        assert!(error.contains("Invalid input detected"), "{error}");
        // Passwords never reach the log (devices do not echo them).
        assert!(!log.contains("cisco"), "{log}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn non_interactive_without_credentials_is_a_clear_error() {
    let out = oxscript()
        .args(["-i", "-e", "show clock", "telnet://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no login details"), "{stderr}");
}

#[test]
fn bad_urls_are_reported_before_connecting() {
    let out = oxscript()
        .args(["-e", "x", "telnet://host:99999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("99999"), "{stderr}");
}

#[test]
fn retry_runs_a_failing_host_again_with_a_log_per_attempt() {
    let dir = std::env::temp_dir().join(format!("oxscript-cli-retry-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = oxscript()
        .args([
            "--emulate",
            "1",
            "--retry",
            "2",
            "-e",
            "show clock; show nonsense",
            "-l",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("1 of 1 hosts failed"), "{stderr}");
    // Three attempts: router1.log, router1_retry1.log, router1_retry2.log.
    for name in ["router1", "router1_retry1", "router1_retry2"] {
        let log = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap();
        assert!(log.contains("show clock"), "{name}: {log}");
        let error = std::fs::read_to_string(dir.join(format!("{name}.log.error"))).unwrap();
        assert!(error.contains("Invalid input detected"), "{error}");
    }
    assert!(!dir.join("router1_retry3.log").exists());
    // Every attempt printed its output.
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("router1:") && l.contains("% Invalid input"))
            .count(),
        3,
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_login_reconnects_after_rejected_credentials() {
    use oxscript::emulator::{TelnetServer, ios};
    let server = TelnetServer::bind(
        "127.0.0.1:0",
        ios::device("edge1").with_credentials("admin", "cisco"),
    )
    .await
    .unwrap();
    let url = format!("telnet://admin:wrong@127.0.0.1:{}", server.port());
    let binary = env!("CARGO_BIN_EXE_oxscript");
    let out = tokio::process::Command::new(binary)
        .args([
            "-i",
            "--retry-login",
            "2",
            "--timeout",
            "10",
            "-e",
            "show clock",
        ])
        .arg(&url)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("1 of 1 hosts failed"), "{stderr}");
    assert!(stderr.to_lowercase().contains("login"), "{stderr}");
    assert_eq!(
        server.connections_accepted(),
        3,
        "one connection per login attempt"
    );
    // Without --retry-login: one attempt.
    let out = tokio::process::Command::new(binary)
        .args(["-i", "--timeout", "10", "-e", "show clock"])
        .arg(&url)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.connections_accepted(), 4);
    server.shutdown().await;
}

#[test]
fn unusable_timeouts_are_rejected_with_a_message() {
    for (option, value) in [
        ("--timeout", "inf"),
        ("--timeout", "NaN"),
        ("--timeout", "1e30"),
        ("--connect-timeout", "-1"),
        ("--timeout", "soon"),
    ] {
        // `--option=value`: a separate `-1` would be taken for a flag.
        let out = oxscript()
            .args(["-i", "-e", "show clock"])
            .arg(format!("{option}={value}"))
            .arg("telnet://u:p@127.0.0.1:9")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{option} {value}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!("invalid value '{value}' for '{option} <SECONDS>'")),
            "{stderr}"
        );
        assert!(
            stderr.contains("expected a number of seconds from 0 to 1e9"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn unknown_protocols_are_rejected_by_the_argument_parser() {
    let out = oxscript()
        .args(["-p", "ftp", "-e", "x", "host"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("invalid value 'ftp' for '--protocol <PROTOCOL>': unknown protocol `ftp`"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_pool_serves_hosts_without_a_password() {
    use oxscript::emulator::{TelnetServer, ios};
    let mut servers = Vec::new();
    for name in ["edge1", "edge2"] {
        let device = ios::device(name).with_credentials("admin", "cisco");
        servers.push(TelnetServer::bind("127.0.0.1:0", device).await.unwrap());
    }
    let file = std::env::temp_dir().join(format!("oxscript-cli-pool-{}.ini", std::process::id()));
    // "Y2lzY28=" is base64 for "cisco".
    std::fs::write(&file, "[account-pool]\nadmin = Y2lzY28=\n").unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_oxscript"))
        .args([
            "-i",
            "--timeout",
            "10",
            "-e",
            "show clock",
            "--account-pool",
        ])
        .arg(&file)
        // A user name without a password, and no account at all: both
        // take the pool's account.
        .arg(format!("telnet://nobody@127.0.0.1:{}", servers[0].port()))
        .arg(format!("telnet://127.0.0.1:{}", servers[1].port()))
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("2 hosts ok"), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    for server in &servers {
        let label = format!("127.0.0.1:{}:", server.port());
        assert!(
            stdout.lines().any(|l| l.starts_with(&label)),
            "{label} missing in:\n{stdout}"
        );
        assert_eq!(server.connections_accepted(), 1);
    }
    for server in servers {
        server.shutdown().await;
    }
}
