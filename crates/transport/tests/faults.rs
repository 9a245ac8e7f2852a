//! Fault injection: a Session against a loopback server with one named
//! misbehaviour per test. Every test checks the typed error (or the exact
//! responses), that the call ends within a generous bound, and that no
//! task and no socket is left behind once the Session is gone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::time::Duration;

use oxscript_core::{Account, Host};
use oxscript_transport::{Error, Session, SessionOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Descriptor counts are per process: the tests of this file run one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The Session's timeout in these tests.
const TIMEOUT: Duration = Duration::from_millis(800);

/// The generous bound on any one call (never a timing assertion: only a
/// hang fails it).
const BOUND: Duration = Duration::from_secs(20);

/// How long a misbehaving server keeps at it before it gives up by itself.
const SERVER_LIFE: Duration = Duration::from_secs(30);

/// Open TCP sockets of this process. Only TCP ones: each test's runtime
/// holds a Unix socket of its own (the signal driver), and the runtimes of
/// the tests waiting for [`SERIAL`] come and go.
fn open_sockets() -> usize {
    let inodes: Vec<String> = std::fs::read_dir("/proc/self/fd").map_or(Vec::new(), |dir| {
        dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter_map(|target| {
                let target = target.to_string_lossy().into_owned();
                Some(
                    target
                        .strip_prefix("socket:[")?
                        .trim_end_matches(']')
                        .to_owned(),
                )
            })
            .collect()
    });
    let tcp: std::collections::HashSet<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| {
            text.lines()
                .skip(1)
                .filter_map(|line| line.split_whitespace().nth(9).map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect();
    inodes.iter().filter(|inode| tcp.contains(*inode)).count()
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// The server's side of one connection: reads what the client sends.
struct Peer {
    stream: TcpStream,
    /// Received bytes not yet decoded (an incomplete Telnet command).
    raw: Vec<u8>,
    /// Received text, Telnet commands removed.
    text: Vec<u8>,
}

impl Peer {
    async fn send(&mut self, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
        self.stream.write_all(bytes.as_ref()).await
    }

    /// Sends `bytes` one byte per write, flushing each.
    async fn trickle(&mut self, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
        for b in bytes.as_ref() {
            self.stream.write_all(&[*b]).await?;
            self.stream.flush().await?;
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    /// Reads until the client sent a line ending in `\r` (Telnet NVT may
    /// add `\0` or `\n`); returns the line, Telnet commands removed.
    async fn line(&mut self) -> std::io::Result<String> {
        loop {
            if let Some(end) = self.text.iter().position(|&b| b == b'\r') {
                let mut line: Vec<u8> = self.text.drain(..=end).collect();
                line.pop();
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            let mut buf = [0u8; 4096];
            let n = self.stream.read(&mut buf).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.raw.extend_from_slice(&buf[..n]);
            let used = decode(&self.raw, &mut self.text);
            self.raw.drain(..used);
        }
    }

    /// Reads until the client closes (what it sent is dropped).
    async fn drain(&mut self) {
        let mut buf = [0u8; 4096];
        while matches!(self.stream.read(&mut buf).await, Ok(n) if n > 0) {}
    }
}

/// Appends the text of `bytes` (Telnet commands and the NUL or LF after a
/// CR removed) to `text`; returns how many bytes were complete.
fn decode(bytes: &[u8], text: &mut Vec<u8>) -> usize {
    let mut i = 0;
    while i < bytes.len() {
        let used = match (bytes[i], bytes.get(i + 1)) {
            (255, None) => return i,
            (255, Some(255)) => {
                text.push(255);
                2
            }
            (255, Some(251..=254)) if i + 2 >= bytes.len() => return i,
            (255, Some(251..=254)) => 3,
            (255, Some(250)) => match bytes[i..].windows(2).position(|w| w == [255, 240]) {
                Some(at) => at + 2,
                None => return i,
            },
            (255, Some(_)) => 2,
            (b'\0' | b'\n', _) if text.last() == Some(&b'\r') => 1,
            (b, _) => {
                text.push(b);
                1
            }
        };
        i += used;
    }
    i
}

/// A misbehaving server on 127.0.0.1:0 serving one connection with `serve`;
/// it stops by itself after [`SERVER_LIFE`].
async fn server<F, Fut>(serve: F) -> (u16, JoinHandle<()>)
where
    F: FnOnce(Peer) -> Fut + Send + 'static,
    Fut: Future<Output = std::io::Result<()>> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        drop(listener);
        let peer = Peer {
            stream,
            raw: Vec::new(),
            text: Vec::new(),
        };
        let _ = tokio::time::timeout(SERVER_LIFE, serve(peer)).await;
    });
    (port, task)
}

/// Runs `scenario` against a server with `serve`, bounded by [`BOUND`],
/// then checks that the server's connection, the Session's task and every
/// socket are gone (the scenario drops or closes its Session).
async fn with_fault<F, Fut, S, SFut>(serve: F, scenario: S)
where
    F: FnOnce(Peer) -> Fut + Send + 'static,
    Fut: Future<Output = std::io::Result<()>> + Send,
    S: FnOnce(u16) -> SFut,
    SFut: Future<Output = ()>,
{
    let _serial = SERIAL.lock().await;
    let (tasks, sockets) = (alive_tasks(), open_sockets());
    let (port, server) = server(serve).await;
    tokio::time::timeout(BOUND, scenario(port))
        .await
        .expect("the scenario took longer than the bound: something hangs");
    // The client is gone: a server still writing or reading sees the
    // connection end and stops.
    tokio::time::timeout(BOUND, server)
        .await
        .expect("the server did not see the connection end")
        .unwrap();
    let deadline = tokio::time::Instant::now() + BOUND;
    loop {
        let (now_tasks, now_sockets) = (alive_tasks(), open_sockets());
        if now_tasks <= tasks && now_sockets <= sockets {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "leak: {now_tasks} tasks (before {tasks}), {now_sockets} sockets (before {sockets})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn telnet_host(port: u16, account: Option<Account>) -> Host {
    let mut host = Host::new(&format!("telnet://127.0.0.1:{port}")).unwrap();
    if let Some(account) = account {
        host.set_account(Some(account));
    }
    host
}

fn options(driver: &str) -> SessionOptions {
    SessionOptions {
        driver: Some(driver.into()),
        timeout: TIMEOUT,
        connect_timeout: Duration::from_secs(5),
        ..SessionOptions::default()
    }
}

async fn connect(port: u16, driver: &str) -> Session {
    Session::connect_with(&telnet_host(port, None), options(driver))
        .await
        .unwrap()
}

async fn connect_as(port: u16, driver: &str, account: Account) -> Session {
    Session::connect_with(&telnet_host(port, Some(account)), options(driver))
        .await
        .unwrap()
}

fn admin() -> Account {
    Account::new("admin", "S3cr3t/pw")
}

/// A well-behaved exchange: prompt, then `command` echoed and answered.
async fn answer(peer: &mut Peer, output: &[u8]) -> std::io::Result<String> {
    let command = peer.line().await?;
    peer.send(format!("{command}\r\n")).await?;
    peer.send(output).await?;
    peer.send(b"router#").await?;
    Ok(command)
}

#[tokio::test]
async fn drop_mid_output_is_connection_closed_with_the_tail() {
    with_fault(
        |mut peer| async move {
            peer.send(b"router#").await?;
            peer.line().await?;
            peer.send(b"show log\r\nline 1\r\nline 2 is cut sh").await
        },
        |port| async move {
            let mut s = connect(port, "ios").await;
            s.expect_prompt().await.unwrap();
            match s.execute("show log").await {
                Err(Error::ConnectionClosed { tail, .. }) => {
                    assert!(tail.as_str().contains("line 2 is cut sh"), "{tail}")
                }
                other => panic!("expected ConnectionClosed, got {other:?}"),
            }
        },
    )
    .await;
}

#[tokio::test]
async fn drop_after_the_login_prompt_is_connection_closed_not_a_login_failure() {
    with_fault(
        |mut peer| async move {
            peer.send(b"User Access Verification\r\n\r\nUsername: ")
                .await?;
            peer.line().await?;
            Ok(())
        },
        |port| async move {
            let mut s = connect_as(port, "ios", admin()).await;
            match s.login(None).await {
                Err(Error::ConnectionClosed { tail, .. }) => {
                    assert!(tail.as_str().contains("Username:"), "{tail}")
                }
                other => panic!("expected ConnectionClosed, got {other:?}"),
            }
        },
    )
    .await;
}

#[tokio::test]
async fn stall_after_the_echo_is_a_timeout_showing_the_echo() {
    with_fault(
        |mut peer| async move {
            peer.send(b"router#").await?;
            let command = peer.line().await?;
            peer.send(format!("{command}\r\n")).await?;
            peer.drain().await;
            Ok(())
        },
        |port| async move {
            let mut s = connect(port, "ios").await;
            s.expect_prompt().await.unwrap();
            match s.execute("show stall").await {
                Err(Error::Timeout { tail, timeout, .. }) => {
                    assert_eq!(timeout, TIMEOUT);
                    assert!(tail.as_str().contains("show stall"), "{tail}")
                }
                other => panic!("expected Timeout, got {other:?}"),
            }
        },
    )
    .await;
}

#[tokio::test]
async fn endless_output_is_a_timeout_and_the_server_stops_when_the_session_goes() {
    with_fault(
        |mut peer| async move {
            peer.send(b"router#").await?;
            let command = peer.line().await?;
            peer.send(format!("{command}\r\n")).await?;
            let line = b"endless output line\r\n".repeat(500);
            loop {
                peer.send(&line).await?;
            }
        },
        |port| async move {
            let mut s = connect(port, "ios").await;
            s.expect_prompt().await.unwrap();
            assert!(matches!(
                s.execute("show endless").await,
                Err(Error::Timeout { .. })
            ));
            tokio::time::timeout(BOUND, s.close())
                .await
                .expect("close")
                .ok();
        },
    )
    .await;
}

#[tokio::test]
async fn a_ten_megabyte_line_comes_back_whole() {
    with_fault(
        |mut peer| async move {
            peer.send(b"router#").await?;
            let mut line = vec![b'x'; 10 * 1024 * 1024];
            line.extend_from_slice(b"\r\n");
            answer(&mut peer, &line).await?;
            peer.drain().await;
            Ok(())
        },
        |port| async move {
            let mut s = connect(port, "ios").await;
            s.set_timeout(Duration::from_secs(15));
            s.expect_prompt().await.unwrap();
            let r = s.execute("show big").await.unwrap();
            assert_eq!(r.text().len(), 10 * 1024 * 1024);
            assert!(r.text().bytes().all(|b| b == b'x'));
            s.close().await.unwrap();
        },
    )
    .await;
}

#[tokio::test]
async fn a_line_over_the_buffer_limit_is_buffer_full() {
    with_fault(
        |mut peer| async move {
            peer.send(b"router#").await?;
            let command = peer.line().await?;
            peer.send(format!("{command}\r\n")).await?;
            peer.send(vec![b'x'; 4 * 1024 * 1024]).await?;
            peer.drain().await;
            Ok(())
        },
        |port| async move {
            let mut o = options("ios");
            o.buffer_limit = 1024 * 1024;
            let mut s = Session::connect_with(&telnet_host(port, None), o)
                .await
                .unwrap();
            s.expect_prompt().await.unwrap();
            assert!(matches!(
                s.execute("show big").await,
                Err(Error::BufferFull { .. })
            ));
        },
    )
    .await;
}

/// IAC option requests: DO and WILL for every option code.
fn iac_flood(rounds: usize) -> Vec<u8> {
    let mut flood = Vec::new();
    for _ in 0..rounds {
        for option in 0..=254u8 {
            flood.extend_from_slice(&[255, 253, option, 255, 251, option]);
        }
    }
    flood
}

#[tokio::test]
async fn an_iac_flood_from_a_reading_peer_leaves_responses_exact() {
    with_fault(
        |mut peer| async move {
            peer.send(iac_flood(40)).await?;
            peer.send(b"router#").await?;
            let reader = async {
                answer(&mut peer, b"exact output\r\n").await?;
                answer(&mut peer, b"second\r\n").await?;
                peer.drain().await;
                Ok(())
            };
            reader.await
        },
        |port| async move {
            let mut s = connect(port, "ios").await;
            s.expect_prompt().await.unwrap();
            assert_eq!(s.execute("show a").await.unwrap().text(), "exact output");
            assert_eq!(s.execute("show b").await.unwrap().text(), "second");
            s.close().await.unwrap();
        },
    )
    .await;
}

#[tokio::test]
async fn an_iac_flood_from_a_peer_that_never_reads_ends_in_bounded_time() {
    with_fault(
        |mut peer| async move {
            // Every DO asks for an answer the peer never reads.
            let flood = iac_flood(20);
            loop {
                peer.send(&flood).await?;
            }
        },
        |port| async move {
            let mut s = connect(port, "ios").await;
            let err = s.expect_prompt().await.unwrap_err();
            assert!(
                matches!(err, Error::Timeout { .. } | Error::ConnectionClosed { .. }),
                "{err:?}"
            );
            tokio::time::timeout(BOUND, s.close())
                .await
                .expect("close is bounded")
                .ok();
        },
    )
    .await;
}

#[tokio::test]
async fn an_endless_subnegotiation_is_a_timeout() {
    with_fault(
        |mut peer| async move {
            peer.send(b"\xff\xfa\x18").await?;
            let junk = vec![b'a'; 64 * 1024];
            loop {
                peer.send(&junk).await?;
            }
        },
        |port| async move {
            let mut s = connect(port, "ios").await;
            let err = s.expect_prompt().await.unwrap_err();
            assert!(
                matches!(err, Error::Timeout { .. } | Error::BufferFull { .. }),
                "{err:?}"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn malformed_iac_nul_invalid_utf8_lone_cr_and_ansi_garbage_give_exact_text() {
    with_fault(
        |mut peer| async move {
            peer.send(b"router#").await?;
            // A truncated IAC command, NULs, invalid UTF-8, a lone CR
            // overwriting a line, and ANSI colour and cursor garbage.
            let output: &[u8] = b"a\xff\xf1b\0c\r\n\xc3\x28ok\r\nold\rnew\r\n\x1b[1;31mred\x1b[0m \x1b[2K\x1b[?25lend\r\n";
            answer(&mut peer, output).await?;
            peer.drain().await;
            Ok(())
        },
        |port| async move {
            let mut s = connect(port, "ios").await;
            s.expect_prompt().await.unwrap();
            let r = s.execute("show junk").await.unwrap();
            assert_eq!(r.text(), "abc\n\u{fffd}(ok\nnew\nred end");
            s.close().await.unwrap();
        },
    )
    .await;
}

/// A device asking for a user name and password, one byte per write.
async fn slow_login(mut peer: Peer) -> std::io::Result<()> {
    peer.trickle(b"\r\nUser Access Verification\r\n\r\nUsername: ")
        .await?;
    let user = peer.line().await?;
    peer.trickle(b"Password: ").await?;
    let password = peer.line().await?;
    if (user.as_str(), password.as_str()) != ("admin", "S3cr3t/pw") {
        peer.send(b"\r\n% Login invalid\r\n\r\nUsername: ").await?;
        peer.drain().await;
        return Ok(());
    }
    peer.trickle(b"\r\nrouter#").await?;
    answer(&mut peer, b"logged in\r\n").await?;
    peer.drain().await;
    Ok(())
}

#[tokio::test]
async fn a_byte_by_byte_login_succeeds() {
    with_fault(slow_login, |port| async move {
        let mut s = connect_as(port, "ios", admin()).await;
        s.login(None).await.unwrap();
        assert_eq!(s.execute("show who").await.unwrap().text(), "logged in");
        s.close().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn every_wrong_password_style_is_a_login_failure_without_the_password() {
    for (driver, refusal) in [
        ("ios", &b"\r\n% Login invalid\r\n\r\nUsername: "[..]),
        ("ios", b"\r\n% Authentication failed\r\n"),
        ("ios", b"\r\n% Access denied\r\n"),
        ("ios", b"\r\n% Bad passwords\r\n"),
        ("shell", b"\r\nLogin incorrect\r\nlogin: "),
        ("generic", b"\r\nAccess denied\r\n"),
        // Asked again without a word, and closed without a word.
        ("ios", b"\r\nPassword: "),
        ("ios", b"\r\nUsername: "),
        ("ios", b""),
    ] {
        with_fault(
            move |mut peer| async move {
                peer.send(b"Username: ").await?;
                peer.line().await?;
                peer.send(b"Password: ").await?;
                peer.line().await?;
                peer.send(refusal).await?;
                if refusal.is_empty() {
                    return Ok(());
                }
                peer.drain().await;
                Ok(())
            },
            |port| async move {
                let mut s = connect_as(port, driver, admin()).await;
                match s.login(None).await {
                    Err(e @ Error::LoginFailure { .. }) => {
                        let shown = format!("{e} {e:?}");
                        assert!(!shown.contains("S3cr3t"), "{shown}");
                    }
                    other => panic!(
                        "{driver} {:?}: expected LoginFailure, got {other:?}",
                        String::from_utf8_lossy(refusal)
                    ),
                }
            },
        )
        .await;
    }
}

#[tokio::test]
async fn banners_with_password_words_split_at_every_position_get_no_secret() {
    let banner = b"Authorized use only. Forgot your password\r\nChange password\r\n";
    for split in 1..banner.len() {
        with_fault(
            move |mut peer| async move {
                peer.send(&banner[..split]).await?;
                peer.stream.flush().await?;
                // A read boundary: the client sees the first part alone.
                tokio::time::sleep(Duration::from_millis(5)).await;
                peer.send(&banner[split..]).await?;
                peer.send(b"Username: ").await?;
                let user = peer.line().await?;
                assert_eq!(user, "admin", "split at {split}: the user name first");
                peer.send(b"Password: ").await?;
                let password = peer.line().await?;
                assert_eq!(password, "S3cr3t/pw");
                peer.send(b"\r\nrouter#").await?;
                peer.drain().await;
                Ok(())
            },
            |port| async move {
                let mut s = connect_as(port, "ios", admin()).await;
                s.login(None)
                    .await
                    .unwrap_or_else(|e| panic!("split at {split}: {e}"));
                s.close().await.unwrap();
            },
        )
        .await;
    }
}

#[tokio::test]
async fn fake_prompts_at_read_boundaries_and_late_output_shift_no_response() {
    with_fault(
        |mut peer| async move {
            peer.send(b"router#").await?;
            let a = peer.line().await?;
            peer.send(format!("{a}\r\npart1\r\nrouter#")).await?;
            peer.stream.flush().await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            peer.send(b"rest\r\nrouter#").await?;
            let b = peer.line().await?;
            peer.send(format!("{b}\r\n")).await?;
            // Late: after the client's timeout.
            tokio::time::sleep(TIMEOUT * 2).await;
            peer.send(b"late output\r\nrouter#").await?;
            answer(&mut peer, b"C\r\n").await?;
            peer.drain().await;
            Ok(())
        },
        |port| async move {
            let mut s = connect(port, "ios").await;
            s.expect_prompt().await.unwrap();
            assert_eq!(s.execute("show a").await.unwrap().text(), "part1");
            assert!(matches!(
                s.execute("show b").await,
                Err(Error::Timeout { .. })
            ));
            s.set_timeout(Duration::from_secs(10));
            assert_eq!(s.execute("show c").await.unwrap().text(), "C");
            s.close().await.unwrap();
        },
    )
    .await;
}

#[tokio::test]
async fn a_cursor_back_flood_is_removed_from_the_text() {
    with_fault(
        |mut peer| async move {
            peer.send(b"router#").await?;
            let mut output = Vec::new();
            for i in 0..2000 {
                output.extend_from_slice(format!("x{i}\x1b[1024D").as_bytes());
            }
            output.extend_from_slice(b"done\r\n");
            answer(&mut peer, &output).await?;
            peer.drain().await;
            Ok(())
        },
        |port| async move {
            let mut s = connect(port, "ios").await;
            s.expect_prompt().await.unwrap();
            let r = s.execute("show flood").await.unwrap();
            assert!(r.text().ends_with("done"), "{}", r.text());
            assert!(r.text().len() < 20_000, "{} bytes", r.text().len());
            s.close().await.unwrap();
        },
    )
    .await;
}

#[tokio::test]
async fn a_peer_that_never_reads_cannot_hold_the_session() {
    with_fault(
        |mut peer| async move {
            peer.send(b"router#").await?;
            // Reads nothing for longer than the client waits, then reads
            // to the end (the client must have closed by then).
            tokio::time::sleep(Duration::from_secs(4)).await;
            peer.drain().await;
            Ok(())
        },
        |port| async move {
            let mut s = connect(port, "ios").await;
            s.expect_prompt().await.unwrap();
            let big = vec![b'x'; 32 * 1024 * 1024];
            assert!(matches!(s.send(&big).await, Err(Error::Timeout { .. })));
            tokio::time::timeout(BOUND, s.close())
                .await
                .expect("close is bounded")
                .ok();
        },
    )
    .await;
}

fn ssh_host(port: u16) -> Host {
    Host::new(&format!("ssh://admin:S3cr3t%2Fpw@127.0.0.1:{port}")).unwrap()
}

/// Connects over SSH to a server that misbehaves before the handshake;
/// returns the error (the connection must fail).
async fn ssh_connect_fails(port: u16) -> Error {
    let options = SessionOptions {
        connect_timeout: Duration::from_secs(2),
        ..options("generic")
    };
    let err = match Session::connect_with(&ssh_host(port), options).await {
        Ok(_) => panic!("the SSH connection must fail"),
        Err(e) => e,
    };
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("S3cr3t"), "{shown}");
    err
}

#[tokio::test]
async fn an_ssh_server_speaking_garbage_is_an_ssh_error() {
    with_fault(
        |mut peer| async move {
            let garbage: Vec<u8> = (0..64 * 1024u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect();
            peer.send(b"SSH-2.0-garbage\r\n").await?;
            peer.send(garbage).await?;
            peer.drain().await;
            Ok(())
        },
        |port| async move {
            let err = ssh_connect_fails(port).await;
            assert!(matches!(err, Error::Ssh { .. }), "{err:?}");
        },
    )
    .await;
}

#[tokio::test]
async fn an_endless_ssh_pre_banner_is_bounded() {
    with_fault(
        |mut peer| async move {
            let line = b"welcome, this line is not a version\r\n".repeat(100);
            loop {
                peer.send(&line).await?;
            }
        },
        |port| async move {
            let err = ssh_connect_fails(port).await;
            assert!(
                matches!(
                    err,
                    Error::Ssh { .. } | Error::SshNoVersion { .. } | Error::ConnectTimeout { .. }
                ),
                "{err:?}"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn an_ssh_server_that_sends_its_version_then_nothing_times_out() {
    with_fault(
        |mut peer| async move {
            peer.send(b"SSH-2.0-OpenSSH_9.6\r\n").await?;
            peer.drain().await;
            Ok(())
        },
        |port| async move {
            let err = ssh_connect_fails(port).await;
            assert!(
                matches!(err, Error::ConnectTimeout { .. } | Error::Ssh { .. }),
                "{err:?}"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn an_ssh_server_that_never_sends_its_version_says_so() {
    with_fault(
        |mut peer| async move {
            peer.drain().await;
            Ok(())
        },
        |port| async move {
            let err = ssh_connect_fails(port).await;
            assert!(matches!(err, Error::SshNoVersion { .. }), "{err:?}");
        },
    )
    .await;
}

#[tokio::test]
async fn the_socket_count_sees_every_connection() {
    let _serial = SERIAL.lock().await;
    let before = open_sockets();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (client, accepted) = tokio::join!(TcpStream::connect(address), listener.accept());
    let (client, (accepted, _)) = (client.unwrap(), accepted.unwrap());
    assert_eq!(open_sockets(), before + 3);
    drop((listener, client, accepted));
    assert_eq!(open_sockets(), before);
}
