//! Session behaviour against scripted fake devices over an in-memory pipe.
//!
//! Each test scripts the device side byte for byte, so the edge cases real
//! devices produce (colour codes, prompts split across reads, pagers,
//! stray prompts, abrupt closes) are reproduced exactly.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxscript_core::{Account, Host};
use oxscript_transport::testing::{Script, ScriptError, ScriptStep};
use oxscript_transport::{Error, ExecOptions, LinkKind, Session, SessionOptions};
use tokio::task::JoinHandle;

/// One step of a fake device's script (see [`Script`]).
enum Step {
    /// Write these bytes.
    Send(&'static [u8]),
    /// Write these bytes one at a time (every split position).
    Trickle(&'static [u8]),
    /// Wait until the client sent exactly these bytes.
    Expect(&'static [u8]),
    /// Pause before the next step (the read boundary of a slow device).
    Pause(Duration),
    /// Close the connection.
    Close,
}
use Step::*;

type Device = JoinHandle<Result<Vec<u8>, ScriptError>>;

async fn session(script: Vec<Step>, driver: &str) -> (Session, Device) {
    session_with(script, driver, SessionOptions::default()).await
}

async fn session_with(
    script: Vec<Step>,
    driver: &str,
    options: SessionOptions,
) -> (Session, Device) {
    let script = script.into_iter().fold(Script::new(), |script, step| {
        script.step(match step {
            Send(bytes) => ScriptStep::Send(bytes.to_vec()),
            Trickle(bytes) => ScriptStep::Trickle(bytes.to_vec()),
            Expect(bytes) => ScriptStep::Expect(bytes.to_vec()),
            Pause(duration) => ScriptStep::Pause(duration),
            Close => ScriptStep::Close,
        })
    });
    let (stream, device) = script.spawn();
    let host = Host::new("dummy://scripted").unwrap();
    let options = SessionOptions {
        driver: Some(driver.into()),
        ..options
    };
    let session = Session::over_stream(&host, Box::new(stream), LinkKind::Raw, options)
        .await
        .unwrap();
    (session, device)
}

/// Everything the client sent, once the device is done.
async fn sent(device: Device) -> Vec<u8> {
    device.await.unwrap().unwrap()
}

fn admin() -> Account {
    Account::builder("admin")
        .password("s3cret")
        .authorization_password("en4ble")
        .build()
}

#[tokio::test]
async fn coloured_bash_prompt_is_recognised() {
    let (mut s, _dev) = session(
        vec![
            Send(b"Linux deb 6.1\r\n\x1b[01;32muser@deb\x1b[00m:\x1b[01;34m~\x1b[00m$ "),
            Expect(b"uname -a\r"),
            Send(b"uname -a\r\nLinux deb 6.1.0 x86_64 GNU/Linux\r\n\x1b]0;user@deb: ~\x07\x1b[01;32muser@deb\x1b[00m:~$ "),
        ],
        "shell",
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    assert_eq!(s.prompt(), Some("user@deb:~$"));
    let r = s.execute("uname -a").await.unwrap();
    assert_eq!(r.text(), "Linux deb 6.1.0 x86_64 GNU/Linux");
    assert_eq!(r.prompt(), "user@deb:~$");
}

#[tokio::test]
async fn prompt_split_at_every_byte_is_found_once() {
    let (mut s, _dev) = session(
        vec![
            Send(b"router#"),
            Expect(b"show clock\r"),
            Trickle(b"show clock\r\n*10:00:00 UTC\r\nrouter#"),
            Expect(b"show users\r"),
            Trickle(b"show users\r\n    Line  User\r\nrouter#"),
        ],
        "ios",
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    assert_eq!(
        s.execute("show clock").await.unwrap().text(),
        "*10:00:00 UTC"
    );
    assert_eq!(
        s.execute("show users").await.unwrap().text(),
        "    Line  User"
    );
}

#[tokio::test]
async fn stale_prompt_cannot_end_the_next_response() {
    // A late second prompt (e.g. the answer to an extra Enter) arrives
    // after the response was read; it must not be taken as the end of the
    // next command's output.
    let (mut s, _dev) = session(
        vec![
            Send(b"router#"),
            Expect(b"show a\r"),
            Send(b"show a\r\nA\r\nrouter#"),
            Expect(b"sync"),
            Send(b"\r\nrouter#"),
            Expect(b"show b\r"),
            Send(b"show b\r\nB\r\nrouter#"),
        ],
        "ios",
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    assert_eq!(s.execute("show a").await.unwrap().text(), "A");
    s.send("sync").await.unwrap();
    // Wait until the stray prompt is really there before the next command.
    s.waitfor(r"\nrouter#$").await.unwrap();
    assert_eq!(s.execute("show b").await.unwrap().text(), "B");
}

#[tokio::test]
async fn pager_prompts_are_answered_and_erased() {
    let (mut s, dev) = session(
        vec![
            Send(b"router#"),
            Expect(b"show run\r"),
            Send(b"show run\r\nline 1\r\nline 2\r\n --More-- "),
            Expect(b" "),
            // IOS erases its pager prompt with backspaces.
            Send(b"\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08line 3\r\n--More--"),
            Expect(b" "),
            // Other devices erase with a carriage return.
            Send(b"\r        \rline 4\r\nrouter#"),
        ],
        "ios",
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    let r = s.execute("show run").await.unwrap();
    assert_eq!(r.text(), "line 1\nline 2\nline 3\nline 4");
    s.close().await.unwrap();
    assert_eq!(
        sent(dev).await,
        b"show run\r  ",
        "exactly one space per pager prompt"
    );
}

#[tokio::test]
async fn invalid_command_reports_the_error_line_and_keeps_the_output() {
    let (mut s, _dev) = session(
        vec![
            Send(b"router>"),
            Expect(b"show foo\r"),
            Send(
                b"show foo\r\n         ^\r\n% Invalid input detected at '^' marker.\r\n\r\nrouter>",
            ),
        ],
        "ios",
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    match s.execute("show foo").await {
        Err(Error::InvalidCommand {
            command,
            line,
            response,
        }) => {
            assert_eq!(command, "show foo");
            assert_eq!(line, "% Invalid input detected at '^' marker.");
            assert!(response.contains('^'));
        }
        other => panic!("expected InvalidCommand, got {other:?}"),
    }
    // The session is still usable afterwards.
    assert!(s.is_open());
}

#[tokio::test(start_paused = true)]
async fn timeout_names_the_patterns_and_shows_the_tail() {
    let (mut s, _dev) = session(
        vec![
            Send(b"router#"),
            Expect(b"reload\r"),
            Send(b"reload\r\nProceed with reload? [confirm]"),
        ],
        "ios",
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    s.set_timeout(Duration::from_secs(3));
    let err = s.execute("reload").await.unwrap_err();
    let Error::Timeout {
        expected,
        tail,
        timeout,
        ..
    } = &err
    else {
        panic!("expected a timeout, got {err:?}");
    };
    assert_eq!(*timeout, Duration::from_secs(3));
    assert!(
        tail.as_str().ends_with("Proceed with reload? [confirm]"),
        "{tail}"
    );
    assert!(expected.to_string().contains('#'), "{expected}");
    let msg = err.to_string();
    assert!(msg.contains("[confirm]") && msg.contains("reload"), "{msg}");
    // What arrived is still there: answer the dialog with expect.
    let m = s.expect(r"\[confirm\]").await.unwrap();
    assert!(m.before.contains("Proceed with reload?"));
}

#[tokio::test]
async fn connection_closed_shows_what_arrived() {
    let (mut s, _dev) = session(
        vec![
            Send(b"router#"),
            Expect(b"exit\r"),
            Send(b"exit\r\nbye"),
            Close,
        ],
        "ios",
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    let err = s.execute("exit").await.unwrap_err();
    match &err {
        Error::ConnectionClosed { tail, .. } => assert!(tail.as_str().ends_with("bye"), "{tail}"),
        other => panic!("expected ConnectionClosed, got {other:?}"),
    }
    assert!(!s.is_open());
    assert!(matches!(
        s.execute("x").await,
        Err(Error::ConnectionClosed { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn a_close_after_an_answered_pager_prompt_is_reported_at_once() {
    let (mut s, _dev) = session(
        vec![
            Send(b"router#"),
            Expect(b"show run\r"),
            Send(b"show run\r\nline 1\r\n --More-- "),
            Expect(b" "),
            Close,
        ],
        "ios",
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    // Time is paused: a wait for the deadline would end at once as a
    // timeout, so only a closed-connection error passes.
    match s.execute("show run").await {
        Err(Error::ConnectionClosed { tail, .. }) => {
            assert!(tail.as_str().ends_with("--More-- "), "{tail}")
        }
        other => panic!("expected ConnectionClosed, got {other:?}"),
    }
}

#[tokio::test]
async fn buffer_limit_stops_reading_and_reports_then_recovers() {
    // The bound is checked before each read (a read is at most 64 KiB), so
    // send well past it.
    let big: &'static [u8] = Box::leak(vec![b'x'; 300_000].into_boxed_slice());
    let (mut s, _dev) = session_with(
        vec![
            Send(b"router#"),
            Expect(b"show tech\r"),
            Send(big),
            Send(b"\r\nrouter#"),
        ],
        "ios",
        SessionOptions {
            buffer_limit: 4096,
            ..SessionOptions::default()
        },
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    match s.execute("show tech").await {
        Err(Error::BufferFull { limit: 4096, .. }) => {}
        Err(e) => panic!("expected BufferFull, got {e}"),
        Ok(r) => panic!(
            "expected BufferFull, got a response of {} bytes",
            r.raw().len()
        ),
    }
    // Nothing was lost: the data is still there to be read in pieces.
    let mut total = 0;
    loop {
        match s.waitfor(r"router#$").await {
            Ok(_) => {
                total += s.clear_buffer();
                break;
            }
            Err(Error::BufferFull { .. }) => total += s.clear_buffer(),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(total, 300_000 + "\r\nrouter#".len());
}

#[tokio::test]
async fn dropped_wait_leaves_the_session_usable() {
    let (mut s, _dev) = session(
        vec![
            Send(b"router#"),
            Expect(b"slow\r"),
            Send(b"slow\r\npart 1\r\n"),
            Expect(b"go"),
            Send(b"part 2\r\nrouter#"),
        ],
        "ios",
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    s.send_line("slow").await.unwrap();
    // A wait that is abandoned half way (here: cancelled by a timeout).
    let abandoned = tokio::time::timeout(Duration::from_millis(50), s.expect("router#")).await;
    assert!(abandoned.is_err());
    s.send("go").await.unwrap();
    let m = s.expect(r"router#").await.unwrap();
    assert!(
        m.before.contains("part 1") && m.before.contains("part 2"),
        "{:?}",
        m.before
    );
}

#[tokio::test]
async fn canceller_stops_a_wait() {
    let (mut s, _dev) = session(vec![Send(b"router#")], "ios").await;
    s.authenticate(Some(&admin())).await.unwrap();
    let c = s.canceller();
    tokio::spawn(async move {
        tokio::task::yield_now().await;
        c.cancel();
    });
    let err = s.expect("never").await.unwrap_err();
    assert!(matches!(err, Error::ExpectCancelled { .. }), "{err:?}");
}

#[tokio::test]
async fn monitors_see_matches_across_reads() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (mut s, _dev) = session(
        vec![
            Send(b"router#"),
            Expect(b"debug\r"),
            Trickle(
                b"debug\r\n%LINK-3-UPDOWN: Gi0/1 down\r\n%LINK-3-UPDOWN: Gi0/2 down\r\nrouter#",
            ),
        ],
        "ios",
    )
    .await;
    let sink = seen.clone();
    s.add_monitor(r"%LINK-3-UPDOWN: (\S+) down", move |m| {
        sink.lock().unwrap().push(m.groups[0].clone().unwrap());
    })
    .unwrap();
    s.authenticate(Some(&admin())).await.unwrap();
    s.execute("debug").await.unwrap();
    assert_eq!(*seen.lock().unwrap(), ["Gi0/1", "Gi0/2"]);
}

#[tokio::test]
async fn waitfor_keeps_and_expect_consumes() {
    let (mut s, _dev) = session(vec![Send(b"Press RETURN to get started")], "generic").await;
    let a = s.waitfor("RETURN").await.unwrap();
    let b = s.waitfor("RETURN").await.unwrap();
    assert_eq!(a, b);
    s.expect("RETURN").await.unwrap();
    assert_eq!(s.buffer(), " to get started");
}

// ----- login ------------------------------------------------------------------

#[tokio::test]
async fn login_sends_username_then_password_then_enable() {
    let (mut s, dev) = session(
        vec![
            Send(b"\r\nUser Access Verification\r\n\r\nUsername: "),
            Expect(b"admin\r"),
            Send(b"admin\r\nPassword: "),
            Expect(b"s3cret\r"),
            Send(b"\r\nrouter>"),
            Expect(b"enable\r"),
            Send(b"enable\r\nPassword: "),
            Expect(b"en4ble\r"),
            Send(b"\r\nrouter#"),
        ],
        "ios",
    )
    .await;
    s.login(Some(&admin())).await.unwrap();
    assert!(s.auth().app_authenticated && s.auth().app_authorized);
    assert_eq!(s.prompt(), Some("router#"));
    assert_eq!(s.guess_os(), "ios");
    s.close().await.unwrap();
    assert_eq!(sent(dev).await, b"admin\rs3cret\renable\ren4ble\r");
}

#[tokio::test]
async fn wrong_password_is_a_login_failure_with_the_device_message() {
    let (mut s, _dev) = session(
        vec![
            Send(b"Username: "),
            Expect(b"admin\r"),
            Send(b"admin\r\nPassword: "),
            Expect(b"s3cret\r"),
            Send(b"\r\n% Login invalid\r\n\r\nUsername: "),
        ],
        "ios",
    )
    .await;
    let err = s.login(Some(&admin())).await.unwrap_err();
    match &err {
        Error::LoginFailure { reason, .. } => {
            assert!(reason.contains("% Login invalid"), "{reason}")
        }
        other => panic!("expected LoginFailure, got {other:?}"),
    }
    assert!(!err.to_string().contains("s3cret"));
}

#[tokio::test]
async fn close_after_password_is_a_login_failure() {
    let (mut s, _dev) = session(
        vec![
            Send(b"login: "),
            Expect(b"admin\r"),
            Send(b"Password: "),
            Expect(b"s3cret\r"),
            Send(b"\r\nLogin incorrect\r\n"),
            Close,
        ],
        "shell",
    )
    .await;
    let err = s.authenticate(Some(&admin())).await.unwrap_err();
    match &err {
        Error::LoginFailure { reason, .. } => {
            assert!(reason.contains("Login incorrect"), "{reason}")
        }
        other => panic!("expected LoginFailure, got {other:?}"),
    }
}

#[tokio::test]
async fn password_prompt_twice_is_a_login_failure() {
    let (mut s, _dev) = session(
        vec![
            Send(b"Password: "),
            Expect(b"s3cret\r"),
            Send(b"\r\nPassword: "),
        ],
        "generic",
    )
    .await;
    let err = s.authenticate(Some(&admin())).await.unwrap_err();
    assert!(matches!(err, Error::LoginFailure { .. }), "{err:?}");
}

#[tokio::test]
async fn failed_attempts_notice_after_a_successful_login_is_not_a_failure() {
    let (mut s, _dev) = session(
        vec![
            Send(b"Unauthorized access is denied.\r\nlogin: "),
            Expect(b"admin\r"),
            Send(b"admin\r\nPassword: "),
            Expect(b"s3cret\r"),
            Send(b"\r\nLast failed login: Mon Nov 2 from 10.0.0.9\r\nThere were 3 failed login attempts since the last successful login.\r\n[admin@box ~]$ "),
        ],
        "generic",
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    assert_eq!(s.prompt(), Some("[admin@box ~]$"));
}

#[tokio::test]
async fn wrong_enable_password_is_an_authorization_failure() {
    let (mut s, _dev) = session(
        vec![
            Send(b"router>"),
            Expect(b"enable\r"),
            Send(b"enable\r\nPassword: "),
            Expect(b"en4ble\r"),
            Send(b"\r\n% Access denied\r\n\r\nrouter>"),
        ],
        "ios",
    )
    .await;
    let err = s.login(Some(&admin())).await.unwrap_err();
    assert!(matches!(err, Error::AuthorizationFailure { .. }), "{err:?}");
    assert!(s.auth().app_authenticated && !s.auth().app_authorized);
}

#[tokio::test]
async fn no_login_needed_when_the_prompt_comes_first() {
    let (mut s, dev) = session(vec![Send(b"Welcome!\r\nrouter#")], "ios").await;
    s.login(Some(&admin())).await.unwrap();
    assert!(
        s.auth().app_authorized,
        "already privileged: no enable sent"
    );
    s.close().await.unwrap();
    assert!(sent(dev).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_device_that_stops_reading_makes_sends_time_out() {
    // The device end is kept open but never read: the pipe fills up.
    let (client, _device) = tokio::io::duplex(1024);
    let host = Host::new("dummy://stuck").unwrap();
    let options = SessionOptions {
        driver: Some("ios".into()),
        timeout: Duration::from_secs(5),
        ..SessionOptions::default()
    };
    let mut s = Session::over_stream(&host, Box::new(client), LinkKind::Raw, options)
        .await
        .unwrap();
    let err = s.send(vec![b'x'; 100_000]).await.unwrap_err();
    match err {
        Error::Timeout {
            during, timeout, ..
        } => {
            assert!(during.contains("stopped reading"), "{during}");
            assert_eq!(timeout, Duration::from_secs(5));
        }
        other => panic!("expected a timeout, got {other}"),
    }
}

#[tokio::test]
async fn error_lines_are_found_safely_with_byte_patterns_and_cr_line_ends() {
    // `(?-u)\xA9` matches the second byte of "©" (C2 A9): the error line
    // must still be cut at character boundaries; lines end at a lone CR too.
    let (mut s, _dev) = session(
        vec![
            Send(b"router#"),
            Expect(b"show legal\r"),
            Send("show legal\r\nok\rcopyright \u{a9} 2026\r\nrouter#".as_bytes()),
        ],
        "ios",
    )
    .await;
    s.authenticate(Some(&admin())).await.unwrap();
    s.prompts_mut().set_error_prompt(r"(?-u)\xA9").unwrap();
    match s.execute("show legal").await {
        Err(Error::InvalidCommand { line, .. }) => assert_eq!(line, "copyright \u{a9} 2026"),
        other => panic!("expected InvalidCommand, got {other:?}"),
    }
}

/// A read boundary the device leaves after a banner or MOTD line that ends
/// in "password" (long enough for any client to act on the first piece).
const READ_BOUNDARY: Duration = Duration::from_millis(300);

#[tokio::test]
async fn a_banner_word_password_at_a_read_boundary_gets_no_secret() {
    let (mut s, device) = session(
        vec![
            Send(b"\r\nAuthorized use only. Never share your password"),
            Pause(READ_BOUNDARY),
            Send(b" with anyone.\r\nNote: a new password"),
            Pause(READ_BOUNDARY),
            Send(b": is asked for every 90 days.\r\n\r\nUsername: "),
            Expect(b"admin\r"),
            Send(b"admin\r\nPassword: "),
            Expect(b"secret\r"),
            Send(b"\r\nrouter>"),
            Close,
        ],
        "generic",
    )
    .await;
    s.login(Some(&Account::new("admin", "secret")))
        .await
        .unwrap();
    assert_eq!(s.prompt(), Some("router>"));
    drop(s);
    // The device saw the username first and the password only once asked.
    assert_eq!(device.await.unwrap().unwrap(), b"admin\rsecret\r");
}

#[tokio::test]
async fn a_motd_word_password_at_a_read_boundary_is_no_login_failure() {
    let (mut s, device) = session(
        vec![
            Send(b"Username: "),
            Expect(b"admin\r"),
            Send(b"admin\r\nPassword: "),
            Expect(b"secret\r"),
            Send(b"\r\nYour password"),
            Pause(READ_BOUNDARY),
            Send(b" expires in 3 days.\r\nrouter>"),
            Close,
        ],
        "generic",
    )
    .await;
    s.login(Some(&Account::new("admin", "secret")))
        .await
        .unwrap();
    assert_eq!(s.prompt(), Some("router>"));
    drop(s);
    assert_eq!(device.await.unwrap().unwrap(), b"admin\rsecret\r");
}

#[tokio::test]
async fn close_after_the_username_is_a_closed_connection_showing_the_prompt() {
    let (mut s, _dev) = session(
        vec![
            Send(b"\r\nrouter1 login: "),
            Expect(b"admin\r"),
            Send(b"admin\r\n"),
            Close,
        ],
        "generic",
    )
    .await;
    let err = s.login(Some(&admin())).await.unwrap_err();
    match &err {
        Error::ConnectionClosed { during, tail, .. } => {
            assert!(during.contains("after the user name"), "{during}");
            assert!(tail.as_str().contains("router1 login: "), "{tail}");
        }
        other => panic!("expected ConnectionClosed, got {other:?}"),
    }
}

#[tokio::test]
async fn a_prompt_looking_banner_line_followed_by_more_data_gets_nothing() {
    for split in [Send as fn(&'static [u8]) -> Step, Trickle] {
        let (mut s, device) = session(
            vec![
                split(b"\r\nChange your password: at first login.\r\n"),
                Send(b"Username: "),
                Expect(b"admin\r"),
                Send(b"admin\r\nPassword: "),
                Expect(b"s3cret\r"),
                Send(b"\r\nrouter>"),
                Close,
            ],
            "generic",
        )
        .await;
        s.login(Some(&admin())).await.unwrap();
        drop(s);
        assert_eq!(device.await.unwrap().unwrap(), b"admin\rs3cret\r");
    }
}

#[tokio::test]
async fn a_timeout_of_duration_max_waits_without_overflowing() {
    let (mut s, _dev) = session(
        vec![
            Send(b"router#"),
            Expect(b"show clock\r"),
            Send(b"show clock\r\n10:00\r\nrouter#"),
            Expect(b"exit\r"),
            Close,
        ],
        "ios",
    )
    .await;
    s.set_timeout(Duration::MAX);
    s.expect_prompt().await.unwrap();
    assert_eq!(s.execute("show clock").await.unwrap().text(), "10:00");
    s.logout().await.unwrap();
}

#[tokio::test]
async fn the_transcript_records_received_text_never_expanded_cursor_moves() {
    // 1 MB of cursor-back moves (10 bytes each, erasing 1024 columns).
    let flood: &'static [u8] = Box::leak(b"ab\x1b[1024D".repeat(100_000).into_boxed_slice());
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let options = SessionOptions {
        transcript: Some(oxscript_transport::Transcript::new(move |data| {
            sink.lock().unwrap().extend_from_slice(data)
        })),
        ..SessionOptions::default()
    };
    let (mut s, _dev) = session_with(
        vec![
            Send(b"router#"),
            Expect(b"show x\r"),
            Send(b"show x\r\n"),
            Send(flood),
            Send(b"out\r\nrouter#"),
        ],
        "ios",
        options,
    )
    .await;
    s.expect_prompt().await.unwrap();
    let response = s.execute("show x").await.unwrap();
    // The moves erased each `ab` on the buffer's line.
    assert_eq!(response.text(), "out");
    let logged = log.lock().unwrap().len();
    let received = 7 + 8 + flood.len() + 12;
    assert!(
        logged <= received,
        "transcript {logged} bytes for {received} received"
    );
    assert_eq!(logged, 7 + 8 + 200_000 + 12);
}

#[tokio::test]
async fn a_fake_prompt_at_a_read_boundary_never_shifts_later_responses() {
    let (mut s, device) = session(
        vec![
            Send(b"router#"),
            Expect(b"show a\r"),
            Send(b"show a\r\npart1\r\nrouter#"),
            Pause(READ_BOUNDARY),
            Send(b"rest\r\nrouter#"),
            Expect(b"show b\r"),
            Send(b"show b\r\nB\r\nrouter#"),
            Expect(b"show c\r"),
            Send(b"show c\r\nC\r\nrouter#"),
            Close,
        ],
        "ios",
    )
    .await;
    s.expect_prompt().await.unwrap();
    // The first response ends at the prompt-looking line (nothing can
    // tell them apart), but what followed it goes to no other command.
    assert_eq!(s.execute("show a").await.unwrap().text(), "part1");
    assert_eq!(s.execute("show b").await.unwrap().text(), "B");
    assert_eq!(s.execute("show c").await.unwrap().text(), "C");
    drop(s);
    assert_eq!(device.await.unwrap().unwrap(), b"show a\rshow b\rshow c\r");
}

#[tokio::test]
async fn output_arriving_after_a_timeout_goes_to_no_other_command() {
    let (mut s, device) = session(
        vec![
            Send(b"router#"),
            Expect(b"show slow\r"),
            Send(b"show slow\r\n"),
            Pause(Duration::from_secs(3)),
            Send(b"slow output\r\nrouter#"),
            Expect(b"show fast\r"),
            Send(b"show fast\r\nfast output\r\nrouter#"),
            Close,
        ],
        "ios",
    )
    .await;
    s.set_timeout(Duration::from_secs(2));
    s.expect_prompt().await.unwrap();
    assert!(matches!(
        s.execute("show slow").await,
        Err(Error::Timeout { .. })
    ));
    let fast = s.execute("show fast").await.unwrap();
    assert_eq!(fast.text(), "fast output");
    drop(s);
    assert_eq!(device.await.unwrap().unwrap(), b"show slow\rshow fast\r");
}

#[tokio::test]
async fn a_cancelled_execute_leaves_the_next_one_in_step() {
    let (mut s, device) = session(
        vec![
            Send(b"router#"),
            Expect(b"show slow\r"),
            Send(b"show slow\r\n"),
            Pause(READ_BOUNDARY),
            Send(b"slow output\r\nrouter#"),
            Expect(b"show fast\r"),
            Send(b"show fast\r\nfast output\r\nrouter#"),
            Close,
        ],
        "ios",
    )
    .await;
    s.expect_prompt().await.unwrap();
    let cancelled = tokio::time::timeout(Duration::from_millis(50), s.execute("show slow")).await;
    assert!(cancelled.is_err(), "the call was cancelled mid-way");
    assert_eq!(s.execute("show fast").await.unwrap().text(), "fast output");
    drop(s);
    assert_eq!(device.await.unwrap().unwrap(), b"show slow\rshow fast\r");
}

#[tokio::test]
async fn a_per_call_timeout_leaves_its_command_in_flight_like_execute() {
    // Without an echo the device's responses are told apart by prompts
    // only: the late prompt of a command must not end the next one.
    let (mut s, device) = session(
        vec![
            Send(b"router#"),
            Expect(b"show slow\r"),
            Pause(Duration::from_millis(600)),
            Send(b"slow output\r\nrouter#"),
            Expect(b"show fast\r"),
            Send(b"fast output\r\nrouter#"),
            Expect(b"show other\r"),
            Pause(Duration::from_millis(300)),
            Send(b"other output\r\nrouter#"),
            Expect(b"show more\r"),
            Send(b"more output\r\nrouter#"),
            Close,
        ],
        "ios",
    )
    .await;
    s.expect_prompt().await.unwrap();
    let quick = ExecOptions::new().timeout(Duration::from_millis(200));
    match s.execute_with("show slow", quick).await {
        Err(Error::Timeout { timeout, .. }) => assert_eq!(timeout, Duration::from_millis(200)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    let fast = s
        .execute_with("show fast", ExecOptions::new())
        .await
        .unwrap();
    assert_eq!(fast.text(), "fast output");
    // A cancelled call is in flight too.
    let other = s.execute_with("show other", ExecOptions::new());
    assert!(
        tokio::time::timeout(Duration::from_millis(50), other)
            .await
            .is_err()
    );
    let more = s
        .execute_with("show more", ExecOptions::new())
        .await
        .unwrap();
    assert_eq!(more.text(), "more output");
    drop(s);
    assert_eq!(
        device.await.unwrap().unwrap(),
        b"show slow\rshow fast\rshow other\rshow more\r"
    );
}

#[tokio::test]
async fn a_command_whose_prompt_never_comes_puts_the_session_out_of_step() {
    let (mut s, device) = session(
        vec![
            Send(b"router#"),
            Expect(b"ping forever\r"),
            Send(b"ping forever\r\n!!!!!"),
        ],
        "ios",
    )
    .await;
    s.set_timeout(Duration::from_millis(300));
    s.expect_prompt().await.unwrap();
    assert!(matches!(
        s.execute("ping forever").await,
        Err(Error::Timeout { .. })
    ));
    match s.execute("show clock").await {
        Err(Error::OutOfStep { previous, tail, .. }) => {
            assert_eq!(previous, "ping forever");
            assert!(tail.as_str().contains("!!!!!"), "{tail}");
        }
        other => panic!("expected OutOfStep, got {other:?}"),
    }
    drop(s);
    // The second command was never sent.
    assert_eq!(device.await.unwrap().unwrap(), b"ping forever\r");
}

#[tokio::test]
async fn the_last_response_is_shared_with_the_caller_not_copied() {
    let (mut s, _device) = session(
        vec![
            Send(b"router#"),
            Expect(b"show tech\r"),
            Send(b"show tech\r\nlots of output\r\nrouter#"),
        ],
        "ios",
    )
    .await;
    s.expect_prompt().await.unwrap();
    let response = s.execute("show tech").await.unwrap();
    let kept = s.response().unwrap();
    assert_eq!(kept.text(), "lots of output");
    // One copy of the output in memory: the Session's and the caller's
    // responses are the same allocation.
    assert!(std::ptr::eq(response.text().as_ptr(), kept.text().as_ptr()));
    assert!(std::ptr::eq(response.raw().as_ptr(), kept.raw().as_ptr()));
}
