//! SSH against OpenSSH sshd.

use std::path::{Path, PathBuf};
use std::process::Command;

use oxscript::transport::Error;
use oxscript::transport::ssh::{
    AuthMethod, HostKeyPolicy, OutputStream, SshConnection, SshOptions, SshPool,
};
use oxscript::{Account, PrivateKeyFile, Session, SessionOptions};

use crate::{TIMEOUT, interop, temp_dir};

#[tokio::test]
async fn password_authentication_and_exec() {
    let Some(env) = interop() else { return };
    let host = env.ssh_host(env.ssh_port, env.password_account());
    let ssh = env.connect(&host, &[AuthMethod::Password]).await.unwrap();
    assert!(ssh.server_version().unwrap().starts_with("SSH-2.0-OpenSSH"));
    assert!(ssh.host_key_fingerprint().unwrap().starts_with("SHA256:"));
    let out = ssh.run("echo hello; id -un").await.unwrap();
    assert_eq!(out.stdout_text(), format!("hello\n{}\n", env.user));
    assert_eq!(out.exit_status, Some(0));
    ssh.close().await;
}

#[tokio::test]
async fn key_authentication_unencrypted_and_encrypted() {
    let Some(env) = interop() else { return };
    let key = [AuthMethod::PublicKey];
    let host = env.ssh_host(env.ssh_port, env.key_account());
    let ssh = env.connect(&host, &key).await.unwrap();
    assert_eq!(ssh.run("echo key").await.unwrap().stdout_text(), "key\n");

    // An RSA key with a passphrase (rsa-sha2 signatures).
    let encrypted = Account::builder(env.user.clone())
        .key(PrivateKeyFile::new(&env.encrypted_key).with_passphrase(env.key_passphrase.clone()))
        .build();
    let host = env.ssh_host(env.ssh_port, encrypted);
    let ssh = env.connect(&host, &key).await.unwrap();
    assert_eq!(ssh.run("echo rsa").await.unwrap().stdout_text(), "rsa\n");

    // The wrong passphrase is a clear error naming the file.
    let wrong = Account::builder(env.user.clone())
        .key(PrivateKeyFile::new(&env.encrypted_key).with_passphrase("not-it"))
        .build();
    let host = env.ssh_host(env.ssh_port, wrong);
    let err = env.connect(&host, &key).await.unwrap_err();
    assert!(matches!(err, Error::KeyFile { .. }), "{err}");
    assert!(err.to_string().contains("id_rsa_enc"), "{err}");
    assert!(
        !err.to_string().contains("not-it"),
        "no secret in errors: {err}"
    );
}

#[tokio::test]
async fn keyboard_interactive_authentication() {
    let Some(env) = interop() else { return };
    let host = env.ssh_host(env.ssh_port, env.password_account());
    let ssh = env
        .connect(&host, &[AuthMethod::KeyboardInteractive])
        .await
        .unwrap();
    assert_eq!(ssh.run("echo kbd").await.unwrap().stdout_text(), "kbd\n");
}

/// An `ssh-agent` started for one test, killed when dropped (also when
/// the test panics).
pub struct Agent {
    pid: String,
    socket: PathBuf,
}

impl Agent {
    /// Starts an agent listening on `socket`. Without `-D` the agent
    /// forks and its first process exits once the socket is bound, so the
    /// socket exists when this returns.
    pub fn start(socket: &Path) -> Agent {
        let out = Command::new("ssh-agent")
            .arg("-s")
            .arg("-a")
            .arg(socket)
            .output()
            .expect("ssh-agent");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "ssh-agent: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // `SSH_AGENT_PID=1234; export SSH_AGENT_PID;`
        let pid = stdout
            .split(';')
            .find_map(|part| part.trim().strip_prefix("SSH_AGENT_PID="))
            .unwrap_or_else(|| panic!("no SSH_AGENT_PID in ssh-agent's output: {stdout}"))
            .to_owned();
        assert!(pid.bytes().all(|b| b.is_ascii_digit()), "{pid:?}");
        assert!(socket.exists(), "the agent's socket is bound");
        Agent {
            pid,
            socket: socket.to_owned(),
        }
    }
}

impl Agent {
    /// Starts an agent on `socket` holding the key at `key`.
    pub fn with_key(socket: &Path, key: &Path) -> Agent {
        let agent = Agent::start(socket);
        let added = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", socket)
            .output()
            .expect("ssh-add");
        assert!(
            added.status.success(),
            "ssh-add: {}",
            String::from_utf8_lossy(&added.stderr)
        );
        agent
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(&self.pid).status();
        let _ = std::fs::remove_file(&self.socket);
    }
}

#[tokio::test]
async fn agent_authentication() {
    let Some(env) = interop() else { return };
    let dir = temp_dir("agent");
    let socket = dir.join("agent.sock");
    let agent = Agent::with_key(&socket, &env.agent_key);

    let options = SshOptions {
        use_agent: true,
        agent_socket: Some(socket.clone()),
        ..env.options(&[AuthMethod::PublicKey])
    };
    // No password, no key file: only the agent can log in.
    let host = env.ssh_host(env.ssh_port, Account::new(env.user.clone(), ""));
    let result = SshConnection::connect_authenticated(&host, &options, TIMEOUT).await;
    drop(agent);
    let ssh = result.unwrap();
    assert_eq!(
        ssh.run("echo agent").await.unwrap().stdout_text(),
        "agent\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn wrong_password_names_methods_tried_and_offered() {
    let Some(env) = interop() else { return };
    let host = env.ssh_host(
        env.ssh_port,
        Account::new(env.user.clone(), "wrong-password"),
    );
    let err = env
        .connect(&host, &[AuthMethod::PublicKey, AuthMethod::Password])
        .await
        .unwrap_err();
    match &err {
        Error::SshAuthFailed { tried, offered, .. } => {
            assert_eq!(tried, &["password".to_string()]);
            assert!(offered.iter().any(|m| m == "publickey"), "{offered:?}");
            assert!(offered.iter().any(|m| m == "password"), "{offered:?}");
        }
        other => panic!("expected SshAuthFailed, got {other}"),
    }
    assert!(!err.to_string().contains("wrong-password"));
}

#[tokio::test]
async fn unauthorized_key_is_refused() {
    let Some(env) = interop() else { return };
    let account = Account::builder(env.user.clone())
        .key(PrivateKeyFile::new(&env.other_key))
        .build();
    let host = env.ssh_host(env.ssh_port, account);
    let err = env
        .connect(&host, &[AuthMethod::PublicKey])
        .await
        .unwrap_err();
    match err {
        Error::SshAuthFailed { tried, .. } => {
            assert!(tried[0].contains("id_ed25519_other"), "{tried:?}")
        }
        other => panic!("expected SshAuthFailed, got {other}"),
    }
}

#[tokio::test]
async fn known_hosts_strict_accept_new_and_mismatch() {
    let Some(env) = interop() else { return };
    let dir = temp_dir("known-hosts");
    let file = dir.join("known_hosts");
    let host = env.ssh_host(env.ssh_port, env.password_account());
    let strict = SshOptions {
        known_hosts: Some(file.clone()),
        ..env.options(&[AuthMethod::Password])
    };

    // Strict with an empty file: unknown host.
    let err = SshConnection::connect(&host, &strict, TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::HostKeyUnknown { .. }), "{err}");
    assert!(err.to_string().contains("SHA256:"), "{err}");

    // Accept-new records it...
    let accept_new = SshOptions {
        host_key_policy: HostKeyPolicy::AcceptNew,
        ..strict.clone()
    };
    SshConnection::connect(&host, &accept_new, TIMEOUT)
        .await
        .unwrap();
    let recorded = std::fs::read_to_string(&file).unwrap();
    assert!(
        recorded.starts_with(&format!("[{}]:{} ", env.host, env.ssh_port)),
        "{recorded}"
    );
    // ...so strict now accepts it.
    SshConnection::connect(&host, &strict, TIMEOUT)
        .await
        .unwrap();

    // The gateway's key recorded for the target's name: a mismatch with both fingerprints.
    let gateway_key = std::fs::read_to_string(&env.known_hosts).unwrap();
    let forged: String = gateway_key
        .lines()
        .filter(|l| l.starts_with(&format!("[{}]:{} ", env.host, env.gateway_port)))
        .map(|l| {
            l.replace(
                &format!(":{} ", env.gateway_port),
                &format!(":{} ", env.ssh_port),
            ) + "\n"
        })
        .collect();
    std::fs::write(&file, forged).unwrap();
    let err = SshConnection::connect(&host, &strict, TIMEOUT)
        .await
        .unwrap_err();
    match &err {
        Error::HostKeyMismatch {
            presented,
            recorded,
            line,
            ..
        } => {
            assert!(presented.starts_with("SHA256:") && recorded.starts_with("SHA256:"));
            assert_ne!(presented, recorded);
            assert!(*line >= 1);
        }
        other => panic!("expected HostKeyMismatch, got {other}"),
    }
    // Even accept-new refuses a changed key.
    let err = SshConnection::connect(&host, &accept_new, TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::HostKeyMismatch { .. }), "{err}");
}

#[tokio::test]
async fn exec_exit_codes_stderr_stdin_and_lines() {
    let Some(env) = interop() else { return };
    let host = env.ssh_host(env.ssh_port, env.key_account());
    let ssh = env.connect(&host, &[AuthMethod::PublicKey]).await.unwrap();
    let out = ssh.run("echo out; echo err >&2; exit 3").await.unwrap();
    assert_eq!(out.stdout_text(), "out\n");
    assert_eq!(out.stderr_text(), "err\n");
    assert_eq!(out.exit_status, Some(3));

    let err = ssh
        .exec("echo nope >&2; exit 2")
        .allowed_exit_codes([0, 1])
        .run()
        .await
        .unwrap_err();
    match &err {
        Error::CommandFailed { status, stderr, .. } => {
            assert_eq!(status, "status 2");
            assert!(stderr.as_str().contains("nope"));
        }
        other => panic!("expected CommandFailed, got {other}"),
    }
    let ok = ssh
        .exec("exit 1")
        .allowed_exit_codes([0, 1])
        .run()
        .await
        .unwrap();
    assert_eq!(ok.exit_status, Some(1));

    let echoed = ssh
        .exec("tr a-z A-Z")
        .stdin("hello stdin\n")
        .run()
        .await
        .unwrap();
    assert_eq!(echoed.stdout_text(), "HELLO STDIN\n");

    let killed = ssh.run("kill -TERM $$").await.unwrap();
    assert!(
        killed
            .exit_signal
            .as_deref()
            .is_some_and(|s| s.contains("TERM")),
        "{killed:?}"
    );

    // Lines are reassembled even when written in pieces. The remote
    // `sleep` makes the split across packets likely, not certain; the
    // deterministic check is the unit test
    // `ssh::exec::tests::lines_split_across_packets_are_joined`.
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = lines.clone();
    ssh.exec("printf 'par'; sleep 0.05; printf 'tial\\nwhole\\n'; printf 'e1\\n' >&2")
        .on_line(move |stream, line| sink.lock().unwrap().push((stream, line.to_owned())))
        .run()
        .await
        .unwrap();
    let lines = lines.lock().unwrap();
    assert!(
        lines.contains(&(OutputStream::Stdout, "partial".into())),
        "{lines:?}"
    );
    assert!(
        lines.contains(&(OutputStream::Stdout, "whole".into())),
        "{lines:?}"
    );
    assert!(
        lines.contains(&(OutputStream::Stderr, "e1".into())),
        "{lines:?}"
    );
}

#[tokio::test]
async fn many_concurrent_exec_channels_on_one_connection() {
    let Some(env) = interop() else { return };
    let host = env.ssh_host(env.ssh_port, env.key_account());
    let ssh = env.connect(&host, &[AuthMethod::PublicKey]).await.unwrap();
    // sshd's MaxSessions is 64 in the interop config.
    let runs = (0..32).map(|i| {
        let ssh = ssh.clone();
        async move { ssh.run(&format!("echo {i}")).await }
    });
    let outs = futures::future::join_all(runs).await;
    for (i, out) in outs.into_iter().enumerate() {
        assert_eq!(out.unwrap().stdout_text(), format!("{i}\n"));
    }
}

#[tokio::test]
async fn shell_session_with_a_bash_prompt() {
    let Some(env) = interop() else { return };
    let host = env.ssh_host(env.ssh_port, env.password_account());
    for term in ["vt100", "xterm-256color"] {
        let options = SessionOptions {
            driver: Some("shell".into()),
            terminal_type: term.into(),
            ssh: env.options(&[AuthMethod::Password]),
            ..SessionOptions::default()
        };
        let mut session = Session::connect_with(&host, options).await.unwrap();
        session.login(None).await.unwrap();
        assert!(
            session.prompt().unwrap().ends_with('$'),
            "{:?}",
            session.prompt()
        );
        let r = session.execute("echo hello; uname -s").await.unwrap();
        assert_eq!(r.text(), "hello\nLinux", "term {term}");
        match session.execute("nosuchcommand-xyz").await {
            Err(Error::InvalidCommand { line, .. }) => {
                assert!(line.contains("command not found"), "{line}")
            }
            other => panic!("expected InvalidCommand, got {other:?}"),
        }
        // The same connection runs exec commands beside the shell.
        let out = session.ssh().unwrap().run("echo side").await.unwrap();
        assert_eq!(out.stdout_text(), "side\n");
        session.logout().await.unwrap();
    }
}

#[tokio::test]
async fn two_hop_gateway_chain_with_a_shared_pool() {
    let Some(env) = interop() else { return };
    // client -> gateway sshd -> gateway sshd (again, through the first) -> target sshd
    let hop1 = env.ssh_host(env.gateway_port, env.key_account());
    let mut hop2 = env.ssh_host(env.gateway_port, env.key_account());
    hop2.set_gateway(Some(hop1));
    let mut target = env.ssh_host(env.ssh_port, env.key_account());
    target.set_gateway(Some(hop2));

    let ssh = env
        .connect(&target, &[AuthMethod::PublicKey])
        .await
        .unwrap();
    assert_eq!(ssh.depth(), 2);
    // The target sees the connection coming from the gateway (loopback).
    let out = ssh.run("echo $SSH_CONNECTION").await.unwrap();
    assert!(
        out.stdout_text().starts_with("127.0.0.1 "),
        "{}",
        out.stdout_text()
    );
    ssh.close().await;
    assert!(ssh.is_closed());

    // With a pool, every session behind the gateways shares the hops.
    let pool = SshPool::new();
    let pooled = SshOptions {
        pool: Some(pool.clone()),
        ..env.options(&[AuthMethod::PublicKey])
    };
    let session_options = SessionOptions {
        driver: Some("shell".into()),
        ssh: pooled,
        ..SessionOptions::default()
    };
    for _ in 0..3 {
        let mut session = Session::connect_with(&target, session_options.clone())
            .await
            .unwrap();
        session.login(None).await.unwrap();
        assert_eq!(
            session.execute("echo through").await.unwrap().text(),
            "through"
        );
        session.close().await.unwrap();
    }
    assert_eq!(pool.len(), 2, "one connection per hop, shared");
    let depths: Vec<usize> = pool.connections().iter().map(|c| c.depth()).collect();
    assert_eq!(depths, [1, 0], "remotest first");
    pool.close_all().await;
    assert!(pool.is_empty());
}
