//! SSH behaviour against the emulator's SSH servers: gateways, pools,
//! refusals, legacy algorithms, OS guessing from the server version.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use oxscript::emulator::{SshServer, SshServerConfig, TrustedHosts, ios};
use oxscript::transport::Error;
use oxscript::transport::ssh::{AlgorithmProfile, SshConnection, SshOptions, SshPool};
use oxscript::{Account, Host, Session, SessionOptions};

const TIMEOUT: Duration = Duration::from_secs(30);

fn host(server: &SshServer, user: &str, password: &str) -> Host {
    let mut h = Host::new(&server.url()).unwrap();
    h.set_account(Some(Account::new(user, password)));
    h
}

async fn gateway() -> SshServer {
    let device = ios::device("gw").with_credentials("jump", "jump-pw");
    let config = SshServerConfig {
        direct_tcpip: true,
        ..SshServerConfig::default()
    };
    SshServer::bind("127.0.0.1:0", device, config)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hop_gateway_chain_shares_one_connection_per_hop() {
    let (a, b, c) = (gateway().await, gateway().await, gateway().await);
    let target = SshServer::bind(
        "127.0.0.1:0",
        ios::device("core1").with_credentials("admin", "pw"),
        SshServerConfig::default(),
    )
    .await
    .unwrap();
    let pool = SshPool::new();
    let trusted = TrustedHosts::for_servers([&a, &b, &c, &target]).unwrap();
    let ssh = SshOptions {
        pool: Some(pool.clone()),
        ..trusted.ssh_options()
    };
    // client -> a -> b -> c -> target
    let hop_a = host(&a, "jump", "jump-pw");
    let mut hop_b = host(&b, "jump", "jump-pw");
    hop_b.set_gateway(Some(hop_a));
    let mut hop_c = host(&c, "jump", "jump-pw");
    hop_c.set_gateway(Some(hop_b));
    let mut router = host(&target, "admin", "pw");
    router.set_gateway(Some(hop_c));

    let session_options = SessionOptions {
        driver: Some("ios".into()),
        ssh,
        ..SessionOptions::default()
    };
    let runs = (0..5).map(|_| {
        let router = router.clone();
        let session_options = session_options.clone();
        async move {
            let mut session = Session::connect_with(&router, session_options)
                .await
                .unwrap();
            session.login(None).await.unwrap();
            assert_eq!(session.ssh().unwrap().depth(), 3);
            let r = session.execute("show version").await.unwrap();
            assert!(r.text().contains("core1 uptime is"), "{}", r.text());
            session.close().await.unwrap();
        }
    });
    futures::future::join_all(runs).await;
    assert_eq!(
        pool.len(),
        3,
        "one connection per hop, shared by the 5 sessions"
    );
    assert_eq!(a.connections_accepted(), 1);
    assert_eq!(b.connections_accepted(), 1);
    assert_eq!(c.connections_accepted(), 1);
    assert_eq!(target.connections_accepted(), 5);
    let depths: Vec<usize> = pool.connections().iter().map(|c| c.depth()).collect();
    assert_eq!(depths, [2, 1, 0], "remotest first");
    pool.close_all().await;
    for server in [a, b, c, target] {
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_errors_with_the_servers_reason() {
    let gw = gateway().await;
    let no_exec = SshServer::bind(
        "127.0.0.1:0",
        ios::device("r1").with_credentials("admin", "pw"),
        SshServerConfig {
            exec: false,
            ..SshServerConfig::default()
        },
    )
    .await
    .unwrap();
    let trusted = TrustedHosts::for_servers([&gw, &no_exec]).unwrap();
    let ssh_options = trusted.ssh_options();

    // A refused exec request ends at once (the channel may stay open): a
    // hang fails the test instead of blocking it.
    let ssh =
        SshConnection::connect_authenticated(&host(&no_exec, "admin", "pw"), &ssh_options, TIMEOUT)
            .await
            .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(10), ssh.run("show clock"))
        .await
        .expect("a refused exec request must end at once, not wait for the channel")
        .unwrap_err();
    assert!(
        err.to_string().contains("refused to run `show clock`"),
        "{err}"
    );

    // A refused tunnel says why.
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let gw_conn =
        SshConnection::connect_authenticated(&host(&gw, "jump", "jump-pw"), &ssh_options, TIMEOUT)
            .await
            .unwrap();
    let Err(err) = gw_conn.open_direct_tcpip("127.0.0.1", closed_port).await else {
        panic!("a tunnel to a closed port must be refused");
    };
    let msg = err.to_string();
    assert!(msg.contains(&format!("127.0.0.1:{closed_port}")), "{msg}");
    assert!(msg.contains("the server refused"), "{msg}");
    no_exec.shutdown().await;
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_only_servers_need_the_legacy_profile() {
    let server = SshServer::bind(
        "127.0.0.1:0",
        ios::device("old").with_credentials("admin", "pw"),
        SshServerConfig {
            legacy_only: true,
            server_id: Some("SSH-2.0-Cisco-1.25".into()),
            ..SshServerConfig::default()
        },
    )
    .await
    .unwrap();
    let trusted = TrustedHosts::for_servers([&server]).unwrap();
    let secure = trusted.ssh_options();
    let err = SshConnection::connect(&host(&server, "admin", "pw"), &secure, TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoCommonAlgorithm { .. }), "{err}");
    assert!(
        err.to_string().contains("Legacy"),
        "the error points at the fix: {err}"
    );

    let legacy = SessionOptions {
        ssh: SshOptions {
            algorithms: AlgorithmProfile::Legacy,
            ..secure
        },
        ..SessionOptions::default()
    };
    // No driver given: the SSH server version alone says Cisco.
    let mut session = Session::connect_with(&host(&server, "admin", "pw"), legacy)
        .await
        .unwrap();
    assert_eq!(
        session
            .ssh()
            .and_then(|ssh| ssh.server_version())
            .as_deref(),
        Some("SSH-2.0-Cisco-1.25")
    );
    session.login(None).await.unwrap();
    assert_eq!(session.guess_os(), "ios");
    assert!(session.execute("show clock").await.is_ok());
    session.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_on_the_session_connection_and_send_config() {
    let server = SshServer::bind(
        "127.0.0.1:0",
        ios::device("edge1")
            .with_credentials("admin", "pw")
            .with_enable_password("en"),
        SshServerConfig::default(),
    )
    .await
    .unwrap();
    let trusted = TrustedHosts::for_servers([&server]).unwrap();
    let session_options = SessionOptions {
        ssh: trusted.ssh_options(),
        ..SessionOptions::default()
    };
    let account = Account::builder("admin")
        .password("pw")
        .authorization_password("en")
        .build();
    let mut router = host(&server, "admin", "pw");
    router.set_account(Some(account));
    let mut session = Session::connect_with(&router, session_options)
        .await
        .unwrap();
    session.login(None).await.unwrap();
    assert_eq!(session.privilege().as_deref(), Some("privilege_exec"));

    // Exec channels beside the shell, on the same connection.
    let out = session.ssh().unwrap().run("show clock").await.unwrap();
    assert_eq!(out.exit_status, Some(0));
    let bad = session.ssh().unwrap().run("show nonsense").await.unwrap();
    assert_eq!(bad.exit_status, Some(1));

    // Configuration: all lines, then back to the starting level.
    session
        .send_config(&[
            "interface GigabitEthernet0/2",
            "description to-core",
            "no shutdown",
        ])
        .await
        .unwrap();
    assert_eq!(session.privilege().as_deref(), Some("privilege_exec"));
    let config = session.execute("show running-config").await.unwrap();
    assert!(config.text().contains(" description to-core"));

    // A bad line stops the push and names the line and the device's message.
    let err = session
        .send_config(&[
            "interface GigabitEthernet0/3",
            "descriptoin typo",
            "shutdown",
        ])
        .await
        .unwrap_err();
    match &err {
        Error::ConfigFailed {
            number,
            line,
            message,
            applied,
            ..
        } => {
            assert_eq!(*number, 2);
            assert_eq!(line, "descriptoin typo");
            assert!(message.contains("Invalid input"), "{message}");
            assert_eq!(*applied, 1);
        }
        other => panic!("expected ConfigFailed, got {other}"),
    }
    assert_eq!(
        session.privilege().as_deref(),
        Some("privilege_exec"),
        "config mode was left"
    );

    session.acquire_priv("configuration").await.unwrap();
    assert_eq!(session.prompt(), Some("edge1(config)#"));
    session.acquire_priv("exec").await.unwrap();
    assert_eq!(session.prompt(), Some("edge1>"));
    session.acquire_priv("privilege_exec").await.unwrap(); // enable again, with the password
    assert_eq!(session.prompt(), Some("edge1#"));
    session.logout().await.unwrap();
    server.shutdown().await;
}
