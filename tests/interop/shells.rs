//! Shell stacks, recovering terminals and the Python runner on real
//! OpenSSH + bash + sudo + python3: `ssh` from the target sshd to the
//! gateway sshd typed inside the terminal, `sudo -s` under the test
//! user's sudo rule, and recovery after the sshd connection is killed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oxscript::shells::{
    AutoRecoveringTerminal, BashShell, Error, HostKeyPolicy, PythonShell, RunnerTerminal,
    ShellStack, SshShell, SudoShell,
};
use oxscript::transport::ssh::AuthMethod;
use oxscript::{Session, SessionOptions};
use serde_json::json;

use crate::proxy::KillingProxy;
use crate::{Interop, TIMEOUT, interop, temp_dir};

/// SHA-256 fingerprints of the gateway's host keys, as `ssh` shows them.
fn gateway_fingerprints(env: &Interop) -> Vec<String> {
    let dir = env.key.parent().unwrap().join("sshd-gateway");
    ["ssh_host_ed25519_key.pub", "ssh_host_rsa_key.pub"]
        .iter()
        .map(|name| {
            let out = Command::new("ssh-keygen")
                .args(["-l", "-E", "sha256", "-f"])
                .arg(dir.join(name))
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            text.split_whitespace().nth(1).unwrap().to_owned()
        })
        .collect()
}

/// A known_hosts file that also lists the target's keys under `port`
/// (a proxy in front of the target).
fn known_hosts_for(env: &Interop, port: u16) -> PathBuf {
    let text = std::fs::read_to_string(&env.known_hosts).unwrap();
    let target = format!("[{}]:{}", env.host, env.ssh_port);
    let extra: String = text
        .lines()
        .filter(|l| l.starts_with(&target))
        .map(|l| {
            format!(
                "{}\n",
                l.replacen(&target, &format!("[{}]:{port}", env.host), 1)
            )
        })
        .collect();
    let path = temp_dir("shells-known-hosts").join("known_hosts");
    std::fs::write(&path, format!("{text}{extra}")).unwrap();
    path
}

fn session_options(env: &Interop, known_hosts: &Path) -> SessionOptions {
    let mut ssh = env.options(&[AuthMethod::Password]);
    ssh.known_hosts = Some(known_hosts.to_path_buf());
    SessionOptions {
        driver: Some("shell".into()),
        timeout: TIMEOUT,
        ssh,
        ..SessionOptions::default()
    }
}

async fn target_session(
    env: &Interop,
    port: u16,
    known_hosts: &Path,
) -> oxscript::shells::Result<Session> {
    let host = env.ssh_host(port, env.password_account());
    let mut session = Session::connect_with(&host, session_options(env, known_hosts)).await?;
    session.login(None).await?;
    Ok(session)
}

fn to_gateway(env: &Interop) -> SshShell {
    SshShell::new(env.host.clone(), env.user.clone())
        .port(env.gateway_port)
        .password(env.password.clone())
        .option("UserKnownHostsFile=/dev/null")
        .option("PubkeyAuthentication=no")
        .host_key_policy(HostKeyPolicy::Fingerprints(gateway_fingerprints(env)))
}

#[tokio::test]
async fn ssh_to_the_gateway_inside_the_terminal_then_sudo() {
    let Some(env) = interop() else { return };
    let session = target_session(&env, env.ssh_port, &env.known_hosts)
        .await
        .unwrap();
    let mut stack = ShellStack::new(session);
    stack.push(BashShell::new()).await.unwrap();
    let out = stack.run("echo $SSH_CONNECTION").await.unwrap();
    assert!(out.text.ends_with(&format!(" {}", env.ssh_port)), "{out:?}");

    // The default policy refuses the gateway's unknown key.
    let refused = to_gateway(&env).host_key_policy(HostKeyPolicy::default());
    match stack.push(refused).await.unwrap_err() {
        Error::HostKeyRejected { fingerprint, .. } => {
            assert!(
                gateway_fingerprints(&env).contains(&fingerprint),
                "{fingerprint}"
            );
        }
        other => panic!("unexpected {other}"),
    }
    // A wrong password backs out to the target's bash.
    let wrong = to_gateway(&env).password("not-the-password");
    let e = stack.push(wrong).await.unwrap_err();
    assert!(matches!(e, Error::Entry { .. }), "{e}");
    assert!(!e.to_string().contains("not-the-password"));
    assert_eq!(stack.depth(), 1);

    stack.push(to_gateway(&env)).await.unwrap();
    let out = stack.run("echo $SSH_CONNECTION").await.unwrap();
    assert!(
        out.text.ends_with(&format!(" {}", env.gateway_port)),
        "{out:?}"
    );
    let out = stack.run("ls /nonexistent-dir").await.unwrap();
    assert_eq!(out.status, Some(2), "{out:?}");

    let e = stack
        .push(SudoShell::new(Some("not-the-password".into())))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Entry { .. }), "{e}");
    assert_eq!(stack.run("id -un").await.unwrap().text, env.user);

    stack
        .push(SudoShell::new(Some(env.password.clone().into())))
        .await
        .unwrap();
    let out = stack.run("id -u").await.unwrap();
    assert_eq!((out.text.as_str(), out.status), ("0", Some(0)));
    assert_eq!(stack.depth(), 3);
    stack.pop().await.unwrap();
    assert_eq!(stack.run("id -un").await.unwrap().text, env.user);
    stack.pop_all().await.unwrap();
    stack.into_session().close().await.unwrap();
}

#[tokio::test]
async fn python_runner_returns_json_values_and_remote_tracebacks() {
    let Some(env) = interop() else { return };
    let session = target_session(&env, env.ssh_port, &env.known_hosts)
        .await
        .unwrap();
    let mut stack = ShellStack::new(session);
    stack.push(BashShell::new()).await.unwrap();
    stack.push(PythonShell::new()).await.unwrap();
    let out = stack.run("import os; os.getuid() > 0").await.unwrap();
    assert_eq!((out.text.as_str(), out.status), ("True", Some(0)));
    let out = stack
        .run("for i in range(2):\n    print(i)\n")
        .await
        .unwrap();
    assert_eq!(out.text, "0\n1");
    // A script that, encoded, is far longer than a terminal line: it goes
    // over in pieces, as the runner's helper does.
    let script: String = (0..400)
        .map(|i| format!("value_{i:03} = {i} * 2\n"))
        .chain(std::iter::once(
            "print(sum(v for k, v in dict(globals()).items() if k.startswith('value_')))\n"
                .to_owned(),
        ))
        .collect();
    assert!(script.len() > 6_000, "{} bytes", script.len());
    let out = stack.run(&script).await.unwrap();
    assert_eq!((out.text.as_str(), out.status), ("159600", Some(0)));
    let runner = RunnerTerminal::new(stack).await.unwrap();

    assert_eq!(
        runner
            .run_python("{'n': 2 ** 10, 'f': 0.5, 'l': [None, True, 'é'], 's': sorted({3, 1})}")
            .await
            .unwrap(),
        json!({"n": 1024, "f": 0.5, "l": [null, true, "é"], "s": [1, 3]})
    );
    runner.import_libraries(&["os", "platform"]).await.unwrap();
    assert_eq!(
        runner.run_python("os.getcwd()").await.unwrap(),
        json!(format!("/home/{}", env.user))
    );
    // Printed output, even a fake frame or prompt, stays out of the answer.
    let printed = runner
        .exec_python("print('<<OXR:x:1:1:x>>'); print('>>> ', end='')")
        .await
        .unwrap();
    assert_eq!(printed, "<<OXR:x:1:1:x>>\n>>> ");
    let big = runner.run_python("'z' * 300000").await.unwrap();
    assert_eq!(big.as_str().map(str::len), Some(300_000));

    match runner.run_python("int('nope')").await.unwrap_err() {
        Error::Remote {
            kind,
            message,
            traceback,
            ..
        } => {
            assert_eq!(kind, "ValueError");
            assert!(message.contains("invalid literal"), "{message}");
            assert!(
                traceback.starts_with("Traceback (most recent call last):"),
                "{traceback}"
            );
            assert!(
                traceback.contains("ValueError: invalid literal"),
                "{traceback}"
            );
        }
        other => panic!("unexpected {other}"),
    }
    runner
        .exec_python("def fail():\n    raise RuntimeError('deep')\n")
        .await
        .unwrap();
    match runner.run_python("fail()").await.unwrap_err() {
        Error::Remote { traceback, .. } => assert!(traceback.contains("in fail"), "{traceback}"),
        other => panic!("unexpected {other}"),
    }

    // A value with no JSON form stays remote, behind a handle.
    let file = runner.assign("open('/etc/hostname')").await.unwrap();
    assert!(matches!(
        runner.run_python(file.name()).await,
        Err(Error::NotJson { .. })
    ));
    let text = file.call("read", vec![]).await.unwrap();
    assert!(!text.as_str().unwrap().is_empty());
    file.call("close", vec![]).await.unwrap();
    let words = runner.assign("'b a c'.split()").await.unwrap();
    words.call("sort", vec![]).await.unwrap();
    assert_eq!(words.value().await.unwrap(), json!(["a", "b", "c"]));
    runner.close().await.unwrap();
}

#[tokio::test]
async fn recovery_after_the_sshd_connection_is_killed() {
    let Some(env) = interop() else { return };
    let upstream = format!("{}:{}", env.host, env.ssh_port).parse().unwrap();
    let proxy = KillingProxy::start(upstream).await;
    let port = proxy.addr().port();
    let known_hosts = known_hosts_for(&env, port);
    let prepared = Arc::new(AtomicUsize::new(0));
    let opener = {
        let env_path = crate::env::env_path();
        let known_hosts = known_hosts.clone();
        move || {
            let known_hosts = known_hosts.clone();
            let env = crate::env::load(&env_path).unwrap().unwrap();
            async move { target_session(&env, port, &known_hosts).await }
        }
    };
    let counter = prepared.clone();
    let mut term = AutoRecoveringTerminal::new(opener)
        .shell(BashShell::new())
        .shell(to_gateway(&env))
        .shell(SudoShell::new(Some(env.password.clone().into())))
        .max_tries(1)
        .sleep_between_tries(Duration::from_millis(10))
        .prepare(move |stack| {
            let counter = counter.clone();
            Box::pin(async move {
                counter.fetch_add(1, Ordering::SeqCst);
                stack.run("cd /tmp").await?;
                Ok(())
            })
        });
    assert_eq!(term.run("id -u; pwd").await.unwrap().text, "0\n/tmp");

    // Kill the connection while a command runs at depth 3.
    // A sleep long enough to be killed, with an argument unique to this run.
    let pattern = format!(
        "sleep {}.{}",
        40 + std::process::id() % 50,
        std::process::id() % 997
    );
    let command = format!("{pattern}; echo late");
    let running = tokio::spawn(async move {
        let result = term.run(&command).await;
        (term, result)
    });
    let mut seen = false;
    for _ in 0..600 {
        let out = Command::new("pgrep")
            .args(["-f", &pattern])
            .output()
            .unwrap();
        if out.status.success() {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the remote sleep never started");
    proxy.kill_now();
    let (mut term, result) = running.await.unwrap();
    match result.unwrap_err() {
        Error::Exhausted {
            tries, failures, ..
        } => {
            assert_eq!((tries, failures.len()), (1, 1));
            assert!(failures[0].contains("closed"), "{failures:?}");
        }
        other => panic!("unexpected {other}"),
    }
    // The next run rebuilds target bash -> ssh gateway -> sudo, prepares again.
    assert_eq!(term.run("id -u; pwd").await.unwrap().text, "0\n/tmp");
    assert_eq!((term.generation(), prepared.load(Ordering::SeqCst)), (2, 2));
    let _ = Command::new("pkill").args(["-f", &pattern]).status();
    term.close().await;
}
