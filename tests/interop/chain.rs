//! ChainPut against OpenSSH sshd: a file relayed hop to hop over SSH
//! with the local agent forwarded along the chain, checked on every hop;
//! a broken hop fails itself and those after it, not those before.

use oxscript::jobs::action::{ChainPut, Get, Put, Remote, Report, Substitutions};
use oxscript::jobs::ssh::{SshNode, SshNodeOptions};
use oxscript::transport::ssh::{AuthMethod, SshOptions, SshPool};
use oxscript::{Account, Host};

use crate::ssh::Agent;
use crate::{Interop, TIMEOUT, interop, temp_dir, unique};

struct Chain {
    _agent: Agent,
    options: SshNodeOptions,
}

/// An agent holding the test user's key, and node options that forward it.
fn agent(env: &Interop) -> Chain {
    let dir = temp_dir("chain-agent");
    let socket = dir.join("agent.sock");
    let agent = Agent::with_key(&socket, &env.agent_key);
    let options = SshNodeOptions {
        ssh: SshOptions {
            use_agent: true,
            agent_socket: Some(socket),
            forward_agent: true,
            pool: Some(SshPool::new()),
            ..env.options(&[AuthMethod::PublicKey])
        },
        ..SshNodeOptions::default()
    };
    Chain {
        _agent: agent,
        options,
    }
}

/// A ChainPut of `file` to `nodes`, into `<root>/<prefix><index>`.
fn chainput(
    nodes: &[SshNode],
    file: &std::path::Path,
    root: &str,
    prefix: &str,
    relay: &str,
) -> oxscript::jobs::action::Action {
    let slots = Substitutions::new().list("slot", (0..nodes.len()).map(|i| format!("{prefix}{i}")));
    ChainPut::new(nodes, [file], format!("{root}/{{{{slot}}}}"))
        .substitutions(slots)
        .relay_ssh_options([relay.to_owned()])
        .options(oxscript::jobs::process::ProcessOptions {
            nolog_exit_code: true,
            ..Default::default()
        })
        .build()
        .unwrap()
}

fn nodes(env: &Interop, options: &SshNodeOptions, n: usize) -> Vec<SshNode> {
    (0..n)
        .map(|i| {
            let mut host = env.ssh_host(env.ssh_port, Account::new(env.user.clone(), ""));
            host.set_name(format!("hop{i}"));
            SshNode::with_options(host, options.clone())
        })
        .collect()
}

#[tokio::test]
async fn chainput_relays_a_file_through_every_hop() {
    let Some(env) = interop() else { return };
    let chain = agent(&env);
    let all = nodes(&env, &chain.options, 4);
    let root = unique("chainput");
    // The relays check host keys against the interop known_hosts file.
    let setup = Put::new(
        &all[..1],
        [env.known_hosts.display().to_string()],
        root.clone(),
    )
    .build()
    .unwrap();
    tokio::time::timeout(TIMEOUT, setup.run())
        .await
        .unwrap()
        .unwrap();
    assert!(
        setup.finished_ok(),
        "{}",
        Report::new("setup").action(&setup)
    );
    let relay_known_hosts = format!("-oUserKnownHostsFile={root}/known_hosts");

    let local = temp_dir("chainput");
    let file = local.join("payload.bin");
    let data: Vec<u8> = (0..1_000_003u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&file, &data).unwrap();
    let put = chainput(&all, &file, &root, "n", &relay_known_hosts);
    tokio::time::timeout(TIMEOUT, put.run())
        .await
        .unwrap()
        .unwrap();
    let report = Report::new("chainput").action(&put);
    assert!(put.finished_ok(), "{report}");
    let processes = put.processes();
    assert_eq!(processes.len(), 5, "the source and four hops");
    assert_eq!(processes[0].stdout_text(), "sent 1000003 bytes\n");
    for p in &processes[1..] {
        assert_eq!(p.stdout_text(), "1000003 bytes\n");
    }
    // The last hop's copy, byte for byte.
    let back = temp_dir("chainput-back");
    let get = Get::new(
        &all[3..],
        [format!("{root}/n3/payload.bin")],
        back.display().to_string(),
    )
    .build()
    .unwrap();
    tokio::time::timeout(TIMEOUT, get.run())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(std::fs::read(back.join("payload.bin")).unwrap(), data);

    // A hop that cannot be reached: those before it keep their copies.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut broken = nodes(&env, &chain.options, 3);
    let mut down = Host::new(&format!("ssh://127.0.0.1:{port}")).unwrap();
    down.set_name("down");
    down.set_account(Some(Account::new(env.user.clone(), "")));
    broken.insert(2, SshNode::with_options(down, chain.options.clone()));
    let put = chainput(&broken, &file, &root, "b", &relay_known_hosts);
    tokio::time::timeout(TIMEOUT, put.run())
        .await
        .unwrap()
        .unwrap();
    let oks: Vec<bool> = put.processes().iter().map(|p| p.ok()).collect();
    assert_eq!(
        oks,
        [true, true, true, false, false],
        "{}",
        Report::new("broken").action(&put)
    );
    let why = put.processes()[3].stderr_text();
    assert!(
        why.contains("reported nothing") && why.contains(&port.to_string()),
        "{why}"
    );

    // A destination the first hop cannot create: every hop fails, with
    // the relay's complaint as the reason.
    let denied = chainput(
        &all[..2],
        &file,
        "/proc/oxscript-denied",
        "d",
        &relay_known_hosts,
    );
    tokio::time::timeout(TIMEOUT, denied.run())
        .await
        .unwrap()
        .unwrap();
    let hops = &denied.processes()[1..];
    assert!(hops.iter().all(|p| !p.ok()));
    let why = hops[0].stderr_text();
    assert!(
        why.contains("mkdir") && why.contains("/proc/oxscript-denied"),
        "{why}"
    );

    let cleanup = Remote::new(format!("rm -rf {root}"), &all[..1])
        .build()
        .unwrap();
    tokio::time::timeout(TIMEOUT, cleanup.run())
        .await
        .unwrap()
        .unwrap();
    for n in &all {
        n.close().await;
    }
    let _ = std::fs::remove_dir_all(&local);
    let _ = std::fs::remove_dir_all(&back);
}
