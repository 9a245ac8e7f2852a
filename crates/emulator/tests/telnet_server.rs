//! The Telnet server over real TCP on loopback.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Client, DEADLINE, wait_for};
use oxscript_emulator::{LoginType, TelnetServer, VirtualDevice, ios, shell};
use oxscript_telnet::consts::{AYT, ECHO, NAWS, SGA, TTYPE};
use oxscript_telnet::{ClientOptions, TelnetEvent, TelnetFrame, Verb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_client_logs_in_and_runs_show_version() {
    let device = ios::device("R1").with_credentials("admin", "cisco");
    let server = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
    assert!(server.url().starts_with("telnet://127.0.0.1:"));
    assert_eq!(
        server.url(),
        format!("telnet://127.0.0.1:{}", server.port())
    );

    let mut c = Client::connect(server.local_addr()).await;
    let banner = c.read_until("Username: ").await;
    assert_eq!(banner, "\r\n\r\nUser Access Verification\r\n\r\nUsername: ");
    // The server offered echo, SGA, and asked for NAWS and TTYPE.
    for (verb, option) in [
        (Verb::Will, ECHO),
        (Verb::Will, SGA),
        (Verb::Do, NAWS),
        (Verb::Do, TTYPE),
    ] {
        assert!(
            c.negotiations
                .contains(&TelnetEvent::Negotiate { verb, option }),
            "missing {verb} {option}: {:?}",
            c.negotiations
        );
    }
    assert!(c.negotiator().remote_echo());

    assert_eq!(c.cmd("admin", "Password: ").await, "admin\r\nPassword: ");
    assert_eq!(c.cmd("cisco", "R1>").await, "\r\nR1>");
    let version = c.cmd("show version", "\r\nR1>").await;
    assert!(
        version.starts_with("show version\r\nCisco IOS Software, "),
        "{version:?}"
    );
    assert!(version.contains("\r\nR1 uptime is "));
    assert!(version.contains("\r\nProcessor board ID "));
    assert_eq!(server.connections_accepted(), 1);
    assert_eq!(server.active_connections(), 1);

    // `exit` ends the session and the server closes the connection.
    c.send("exit\r\n").await;
    assert_eq!(c.read_to_eof().await, "exit\r\n");
    wait_for("the client task to end", || {
        server.active_connections() == 0
    })
    .await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_concurrent_clients_get_exact_output() {
    const CLIENTS: usize = 300;
    let device = ios::device("R1").with_enable_password("en");
    let server = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
    let addr = server.local_addr();

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..CLIENTS {
        tasks.spawn(async move {
            let mut c = Client::connect(addr).await;
            c.read_until("Username: ").await;
            c.cmd(&format!("user{i}"), "Password: ").await;
            c.cmd("pw", "R1>").await;
            assert_eq!(c.cmd("enable", "Password: ").await, "enable\r\nPassword: ");
            assert_eq!(c.cmd("en", "R1#").await, "\r\nR1#");
            c.cmd("conf t", "R1(config)#").await;
            let host = format!("c{i}");
            let prompt = format!("{host}(config)#");
            assert_eq!(
                c.cmd(&format!("hostname {host}"), &prompt).await,
                format!("hostname {host}\r\n{prompt}")
            );
            c.cmd("end", &format!("{host}#")).await;
            let brief = c.cmd("sh ip int br", &format!("{host}#")).await;
            let expected = format!(
                "sh ip int br\r\n\
                 Interface              IP-Address      OK? Method Status                Protocol\r\n\
                 GigabitEthernet0/0     192.168.122.10  YES NVRAM  up                    up\r\n\
                 GigabitEthernet0/1     10.0.12.1       YES NVRAM  up                    up\r\n\
                 GigabitEthernet0/2     unassigned      YES unset  administratively down down\r\n\
                 GigabitEthernet0/3     unassigned      YES unset  administratively down down\r\n\
                 Loopback0              10.255.255.1    YES NVRAM  up                    up\r\n\
                 {host}#"
            );
            assert_eq!(brief, expected);
            assert!(c.buf.is_empty(), "unexpected extra output {:?}", c.buf);
            c.send("exit\r").await;
            c.read_to_eof().await;
            i
        });
    }
    let mut done = 0;
    while let Some(res) = tasks.join_next().await {
        res.unwrap();
        done += 1;
    }
    assert_eq!(done, CLIENTS);
    assert_eq!(server.connections_accepted(), CLIENTS);
    wait_for("all client tasks to end", || {
        server.active_connections() == 0
    })
    .await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_with_connected_clients_leaves_no_tasks() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let baseline = metrics.num_alive_tasks();
    let device = VirtualDevice::new("h").with_login_type(LoginType::None);
    let server = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
    let mut clients = Vec::new();
    for _ in 0..10 {
        let mut c = Client::connect(server.local_addr()).await;
        c.read_until("h> ").await;
        clients.push(c);
    }
    wait_for("10 active connections", || {
        server.active_connections() == 10
    })
    .await;
    assert!(metrics.num_alive_tasks() >= baseline + 11);

    tokio::time::timeout(DEADLINE, server.shutdown())
        .await
        .expect("shutdown did not finish");
    for c in &mut clients {
        assert_eq!(c.read_to_eof().await, "");
    }
    wait_for("the server's tasks to end", || {
        metrics.num_alive_tasks() == baseline
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_without_echo_does_not_offer_it() {
    let device = VirtualDevice::new("h")
        .with_login_type(LoginType::None)
        .with_echo(false)
        .with_command("ping", "pong", true)
        .unwrap();
    let server = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
    let mut c = Client::connect(server.local_addr()).await;
    c.read_until("h> ").await;
    assert_eq!(c.cmd("ping", "h> ").await, "pong\r\nh> ");
    assert!(!c.negotiations.contains(&TelnetEvent::Negotiate {
        verb: Verb::Will,
        option: ECHO
    }));
    assert!(!c.negotiator().remote_echo());
    drop(c);
    wait_for("the client task to end", || {
        server.active_connections() == 0
    })
    .await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_device_and_split_input() {
    let server = TelnetServer::bind("127.0.0.1:0", shell::device("web1"))
        .await
        .unwrap();
    let mut c = Client::connect(server.local_addr()).await;
    c.read_until("web1 login: ").await;
    // Input arrives in pieces, with CR NUL line endings as some clients send.
    c.send("ali").await;
    c.send("ce\r").await;
    c.send("\0").await;
    c.read_until("Password: ").await;
    c.send("pw\r\n").await;
    c.read_until("alice@web1:~$ ").await;
    assert_eq!(
        c.cmd("echo $HOSTNAME", "$ ").await,
        "echo $HOSTNAME\r\nweb1\r\nalice@web1:~$ "
    );
    server.shutdown().await;
    assert_eq!(c.read_to_eof().await, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pager_over_telnet() {
    let device = ios::device("R1")
        .with_login_type(LoginType::None)
        .with_paging(10);
    let server = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
    let mut c = Client::connect(server.local_addr()).await;
    c.read_until("R1>").await;
    let first = c.cmd("show version", " --More-- ").await;
    assert_eq!(first.matches("\r\n").count(), 11);
    c.send(" ").await;
    let erase = "\x08".repeat(10) + &" ".repeat(10) + &"\x08".repeat(10);
    let second = c.read_until(" --More-- ").await;
    assert!(second.starts_with(&erase), "{second:?}");
    c.send("q").await;
    assert_eq!(c.read_until("R1>").await, format!("{erase}R1>"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn are_you_there_and_binary_clients() {
    let device = ios::device("R1").with_login_type(LoginType::None);
    let server = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
    let options = ClientOptions {
        binary: true,
        ..ClientOptions::default()
    };
    let mut c = Client::connect_with(server.local_addr(), options).await;
    c.read_until("R1>").await;
    c.send_frame(TelnetFrame::Command(AYT)).await;
    assert_eq!(c.read_until("[Yes]\r\n").await, "\r\n[Yes]\r\n");
    // Whatever binary mode ended up as, a bare CR ends the line.
    c.send("sh clock\r").await;
    let clock = c.read_until("R1>").await;
    assert!(clock.starts_with("sh clock\r\n*"), "{clock:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_reply_sent_in_pieces_arrives_byte_exact() {
    const PIECE: usize = 256 * 1024;
    // Lines of every length up to 300 bytes, bare CRs, and one line longer
    // than a 256 KiB piece: ~1.5 MB. The first line puts a CR as the last
    // byte of the first piece were pieces cut at fixed sizes (the output
    // starts with the 11-byte echo `show huge\r\n`).
    let mut huge = "a".repeat(PIECE - 1 - "show huge\r\n".len());
    huge.push('\n');
    let mut n = 0usize;
    while huge.len() < 1_200_000 {
        n += 1;
        let len = (n * 7919) % 300;
        huge.extend(std::iter::repeat_n('a', len));
        if n.is_multiple_of(97) {
            huge.push_str("x\ry");
        }
        huge.push('\n');
    }
    huge.push_str(&"L".repeat(300 * 1024));
    huge.push('\n');
    // A piece holding no line end whose last byte is the CR of a CR LF:
    // the echo goes alone, then a line of a piece's length less one.
    let long = format!("{}\ntail\n", "b".repeat(PIECE - 1));
    let device = ios::device("R1")
        .with_credentials("admin", "cisco")
        .with_command("show huge", huge.clone(), true)
        .unwrap()
        .with_command("show long", long.clone(), true)
        .unwrap();
    let server = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
    let mut c = Client::connect(server.local_addr()).await;
    c.read_until("Username: ").await;
    c.cmd("admin", "Password: ").await;
    c.cmd("cisco", "R1>").await;
    c.cmd("terminal length 0", "R1>").await;
    for (command, text) in [("show huge", &huge), ("show long", &long)] {
        let got = c.cmd(command, "\r\nR1>").await;
        let expected = format!("{command}\r\n{}R1>", text.replace('\n', "\r\n"));
        assert_eq!(got.len(), expected.len(), "{command}");
        assert!(got == expected, "the reply to {command} differs");
    }
    server.shutdown().await;
}
