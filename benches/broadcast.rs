//! Broadcasts and fan-out over many SSH endpoints, printed as tables.
//!
//! ```text
//! sudo .ci/interop-setup.sh                       # the real sshd this needs
//! cargo bench --bench broadcast                   # both sections
//! cargo bench --bench broadcast -- chainput 10    # one section, 10 endpoints only
//! cargo bench --bench broadcast -- chainput aes-gcm  # relays' ssh with AES-GCM
//! ```
//!
//! Sections:
//! - `chainput`: a 100 MB file to 10 and to 50 SSH endpoints with
//!   `ChainPut` (relayed hop to hop, the local agent forwarded along the
//!   chain) beside `Put` one endpoint at a time (SFTP): wall time, bytes
//!   the client read from the source file, client CPU time.
//! - `fanout`: `Remote("true")` on 50 endpoints reached directly and
//!   behind one gateway (one pooled connection): wall time, client CPU,
//!   the most TCP sockets the client held.
//!
//! The endpoints are the interop sshd (127.0.0.1:2201) under distinct
//! names, each with its own destination directory; the relays of
//! `ChainPut` are OpenSSH `ssh` clients started by sshd on the same
//! machine. Everything shares the machine's cores, so a chain's hops do
//! not run on machines of their own as they would in a cluster.

use std::process::Command;
use std::time::{Duration, Instant};

use oxscript::jobs::action::{Action, ChainPut, Put, Remote, Substitutions};
use oxscript::jobs::ssh::{SshNode, SshNodeOptions};
use oxscript::transport::ssh::{AuthMethod, HostKeyPolicy, SshOptions, SshPool};
use oxscript::{Account, Host, PrivateKeyFile};

#[path = "../tests/interop/env.rs"]
mod interop_env;

use interop_env::Interop;

#[path = "common/cpu.rs"]
mod cpu;

use cpu::cpu_time;

const SIZE: usize = 100 * 1024 * 1024;

/// TCP sockets this process holds now.
fn sockets() -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter(|t| t.to_string_lossy().starts_with("socket:"))
        .count()
}

/// An `ssh-agent` holding the test key, killed on drop.
struct Agent {
    pid: String,
    socket: std::path::PathBuf,
}

impl Agent {
    fn start(env: &Interop) -> Agent {
        let socket =
            std::env::temp_dir().join(format!("oxscript-bench-agent-{}", std::process::id()));
        let _ = std::fs::remove_file(&socket);
        let out = Command::new("ssh-agent")
            .arg("-s")
            .arg("-a")
            .arg(&socket)
            .output()
            .expect("ssh-agent");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let pid = stdout
            .split(';')
            .find_map(|p| p.trim().strip_prefix("SSH_AGENT_PID="))
            .expect("SSH_AGENT_PID")
            .to_owned();
        let added = Command::new("ssh-add")
            .arg(&env.agent_key)
            .env("SSH_AUTH_SOCK", &socket)
            .output()
            .expect("ssh-add");
        assert!(added.status.success(), "ssh-add failed");
        Agent { pid, socket }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(&self.pid).status();
        let _ = std::fs::remove_file(&self.socket);
    }
}

fn ssh_options(env: &Interop, agent: Option<&Agent>) -> SshOptions {
    SshOptions {
        host_key_policy: HostKeyPolicy::Strict,
        known_hosts: Some(env.known_hosts.clone()),
        auth_methods: Some(vec![AuthMethod::PublicKey]),
        use_agent: agent.is_some(),
        agent_socket: agent.map(|a| a.socket.clone()),
        forward_agent: agent.is_some(),
        default_identities: false,
        pool: Some(SshPool::new()),
        ..SshOptions::default()
    }
}

fn endpoints(env: &Interop, ssh: &SshOptions, n: usize, gateway: Option<&Host>) -> Vec<SshNode> {
    (0..n)
        .map(|i| {
            let mut host = Host::new(&format!("ssh://{}:{}", env.host, env.ssh_port)).expect("url");
            host.set_name(format!("endpoint{i}"));
            let account = Account::builder(env.user.clone())
                .key(PrivateKeyFile::new(&env.key))
                .build();
            host.set_account(Some(account));
            if let Some(g) = gateway {
                host.set_gateway(Some(g.clone()));
            }
            SshNode::with_options(
                host,
                SshNodeOptions {
                    ssh: ssh.clone(),
                    ..SshNodeOptions::default()
                },
            )
        })
        .collect()
}

async fn run(action: &Action) -> (Duration, Duration) {
    let (t0, c0) = (Instant::now(), cpu_time());
    action.run().await.expect("run");
    assert!(
        action.finished_ok(),
        "{}",
        oxscript::jobs::action::Report::new("bench").action(action)
    );
    (t0.elapsed(), cpu_time() - c0)
}

/// The byte counts the processes printed, summed (the chain's source
/// process only, for a chain).
fn bytes_in(action: &Action, first_only: bool) -> u64 {
    let processes = action.processes();
    let take = if first_only { 1 } else { processes.len() };
    processes
        .iter()
        .take(take)
        .filter_map(|p| {
            let text = p.stdout_text();
            let words: Vec<&str> = text.split_whitespace().collect();
            // "sent N bytes" or "F files, N bytes"
            words
                .iter()
                .rev()
                .nth(1)
                .and_then(|n| n.parse::<u64>().ok())
        })
        .sum()
}

async fn cleanup(env: &Interop, ssh: &SshOptions, root: &str) {
    let node = endpoints(env, ssh, 1, None);
    let rm = Remote::new(format!("rm -rf {root}"), &node)
        .build()
        .expect("rm");
    rm.run().await.expect("rm");
    node[0].close().await;
}

async fn chainput(env: &Interop, counts: &[usize], relay_options: &[String]) {
    let agent = Agent::start(env);
    let ssh = ssh_options(env, Some(&agent));
    let root = format!("oxscript-bench-chain-{}", std::process::id());
    let file = std::env::temp_dir().join(format!("oxscript-bench-{}.bin", std::process::id()));
    let data: Vec<u8> = (0..SIZE as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&file, &data).expect("write the source file");
    drop(data);
    let setup_node = endpoints(env, &ssh, 1, None);
    let setup = Put::new(
        &setup_node,
        [env.known_hosts.display().to_string()],
        root.clone(),
    )
    .build()
    .expect("setup");
    setup.run().await.expect("setup");
    let mut relay = vec![format!("-oUserKnownHostsFile={root}/known_hosts")];
    relay.extend(relay_options.iter().cloned());
    let method = if relay_options.is_empty() {
        "ChainPut"
    } else {
        "ChainPut (relays aes-gcm)"
    };
    println!(
        "{:<10} {:>9} {:>24} {:>10} {:>16} {:>12}",
        "section", "endpoints", "method", "wall", "source bytes read", "client CPU"
    );
    for &n in counts {
        let nodes = endpoints(env, &ssh, n, None);
        let slots = Substitutions::new().list("slot", (0..n).map(|i| format!("e{i}")));
        // Connect everything first: the figures are about moving data.
        let warm = Remote::new("true", &nodes).build().expect("warm");
        warm.run().await.expect("warm");

        let chain = ChainPut::new(&nodes, [&file], format!("{root}/chain/{{{{slot}}}}"))
            .substitutions(slots.clone())
            .relay_ssh_options(relay.clone())
            .build()
            .expect("chainput");
        let (wall, cpu) = run(&chain).await;
        println!(
            "{:<10} {n:>9} {:>24} {:>9.2}s {:>16} {:>11.2}s",
            "chainput",
            method,
            wall.as_secs_f64(),
            bytes_in(&chain, true),
            cpu.as_secs_f64()
        );

        let put = Put::new(
            &nodes,
            [file.display().to_string()],
            format!("{root}/put/{{{{slot}}}}"),
        )
        .substitutions(slots)
        .build()
        .expect("put")
        .max_parallel(1);
        let (wall, cpu) = run(&put).await;
        println!(
            "{:<10} {n:>9} {:>24} {:>9.2}s {:>16} {:>11.2}s",
            "chainput",
            "Put, one at a time",
            wall.as_secs_f64(),
            bytes_in(&put, false),
            cpu.as_secs_f64()
        );
        for node in &nodes {
            node.close().await;
        }
        cleanup(env, &ssh, &format!("{root}/chain {root}/put")).await;
    }
    cleanup(env, &ssh, &root).await;
    let _ = std::fs::remove_file(&file);
}

async fn fanout(env: &Interop, n: usize) {
    let ssh = ssh_options(env, None);
    let gateway = {
        let mut g = Host::new(&format!("ssh://{}:{}", env.host, env.gateway_port)).expect("url");
        g.set_account(Some(
            Account::builder(env.user.clone())
                .key(PrivateKeyFile::new(&env.key))
                .build(),
        ));
        g
    };
    println!(
        "{:<10} {:>9} {:>24} {:>10} {:>12} {:>16}",
        "section", "endpoints", "reached", "wall", "client CPU", "TCP sockets held"
    );
    let baseline = sockets();
    for (label, via) in [("directly", None), ("behind one gateway", Some(&gateway))] {
        let ssh = SshOptions {
            pool: Some(SshPool::new()),
            ..ssh.clone()
        };
        let nodes = endpoints(env, &ssh, n, via);
        // The previous round's sockets close asynchronously: let them.
        let settle = Instant::now();
        while sockets() > baseline && settle.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let before = sockets();
        // Processes that wait on stdin keep every connection open while the
        // sockets are counted.
        let hold = Remote::new("read x", &nodes)
            .build()
            .expect("remote")
            .max_parallel(n);
        let (t0, c0) = (Instant::now(), cpu_time());
        hold.start().await.expect("start");
        let held = sockets().saturating_sub(before);
        hold.write("\n").await.expect("write");
        hold.wait().await;
        let (wall, cpu) = (t0.elapsed(), cpu_time() - c0);
        assert!(
            hold.finished_ok(),
            "{}",
            oxscript::jobs::action::Report::new("fanout").action(&hold)
        );
        println!(
            "{:<10} {n:>9} {label:>24} {:>9.2}s {:>11.2}s {held:>16}",
            "fanout",
            wall.as_secs_f64(),
            cpu.as_secs_f64()
        );
        for node in &nodes {
            node.close().await;
        }
        if let Some(pool) = &ssh.pool {
            pool.close_all().await;
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |s: &str| args.is_empty() || args.iter().any(|a| a == s);
    let counts: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let counts = if counts.is_empty() {
        vec![10, 50]
    } else {
        counts
    };
    let path = interop_env::env_path();
    let env = match interop_env::load(&path) {
        Ok(Some(env)) => env,
        Ok(None) => {
            println!("broadcast: skipped, {path} not found (run .ci/interop-setup.sh as root)");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    // `aes-gcm`: the relays' ssh uses AES-GCM instead of OpenSSH's
    // default cipher (chacha20-poly1305).
    let relay: Vec<String> = if args.iter().any(|a| a == "aes-gcm") {
        vec!["-oCiphers=aes128-gcm@openssh.com".to_owned()]
    } else {
        Vec::new()
    };
    if wanted("chainput") {
        chainput(&env, &counts, &relay).await;
    }
    if wanted("fanout") {
        fanout(&env, *counts.iter().max().unwrap_or(&50)).await;
    }
}
