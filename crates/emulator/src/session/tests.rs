use super::*;
use crate::{Handler, VirtualDevice};

fn no_login(host: &str) -> VirtualDevice {
    VirtualDevice::new(host).with_login_type(LoginType::None)
}

fn numbered(n: usize) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

#[test]
fn start_for_every_login_type() {
    let d = VirtualDevice::new("myhost");
    assert_eq!(d.session().start().text, "Welcome to myhost!\r\nUser: ");
    let d2 = d.clone().with_login_type(LoginType::UserOnly);
    assert_eq!(d2.session().start().text, "Welcome to myhost!\r\nUser: ");
    let d3 = d.clone().with_login_type(LoginType::PasswordOnly);
    assert_eq!(
        d3.session().start().text,
        "Welcome to myhost!\r\nPassword: "
    );
    let d4 = d.with_login_type(LoginType::None);
    let mut s = d4.session();
    let out = s.start();
    assert_eq!(out.text, "Welcome to myhost!\r\nmyhost> ");
    assert!(!out.close);
    assert!(s.is_logged_in());
    // start() only opens once.
    assert_eq!(s.start(), Output::default());
}

#[test]
fn login_both_accepts_any_credentials_without_a_list() {
    let mut s = VirtualDevice::new("h").session();
    s.start();
    assert!(!s.is_logged_in());
    assert_eq!(s.feed(b"bob\r\n").text, "bob\r\nPassword: ");
    assert_eq!(s.feed(b"whatever\r\n").text, "\r\nh> ");
    assert!(s.is_logged_in());
    assert_eq!(s.context().username(), Some("bob"));
}

#[test]
fn login_user_only_and_password_only() {
    let d = VirtualDevice::new("h")
        .with_credentials("alice", "pw1")
        .with_login_type(LoginType::UserOnly);
    let mut s = d.session();
    s.start();
    assert_eq!(
        s.feed(b"mallory\r").text,
        "mallory\r\n% Login invalid\r\nUser: "
    );
    assert_eq!(s.feed(b"alice\r").text, "alice\r\nh> ");
    assert_eq!(s.context().username(), Some("alice"));

    let d = VirtualDevice::new("h")
        .with_credentials("alice", "pw1")
        .with_login_type(LoginType::PasswordOnly);
    let mut s = d.session();
    s.start();
    assert_eq!(s.feed(b"nope\r").text, "\r\n% Login invalid\r\nPassword: ");
    assert_eq!(s.feed(b"pw1\r").text, "\r\nh> ");
    assert_eq!(s.context().username(), None);
}

#[test]
fn wrong_password_then_username_prompt_again() {
    let d = VirtualDevice::new("h").with_credentials("admin", "s3cret");
    let mut s = d.session();
    s.start();
    s.feed(b"admin\r");
    assert_eq!(s.feed(b"guess\r").text, "\r\n% Login invalid\r\nUser: ");
    assert!(!s.is_logged_in());
    // An empty username just asks again and does not count as a failure.
    assert_eq!(s.feed(b"\r").text, "\r\nUser: ");
    s.feed(b"admin\r");
    assert_eq!(s.feed(b"s3cret\r").text, "\r\nh> ");
}

#[test]
fn three_failures_close_the_session() {
    let d = VirtualDevice::new("h")
        .with_credentials("admin", "s3cret")
        .with_login_failure_message("Access denied\n");
    let mut s = d.session();
    s.start();
    for attempt in 1..=3 {
        s.feed(b"admin\r");
        let out = s.feed(b"bad\r");
        if attempt < 3 {
            assert_eq!(out.text, "\r\nAccess denied\r\nUser: ");
            assert!(!out.close);
        } else {
            assert_eq!(out.text, "\r\nAccess denied\r\n");
            assert!(out.close);
        }
    }
    assert!(s.is_closed());
    let after = s.feed(b"admin\r");
    assert_eq!(after.text, "");
    assert!(after.close);
}

#[test]
fn unlimited_attempts_when_max_is_zero() {
    let d = VirtualDevice::new("h")
        .with_credentials("a", "b")
        .with_max_login_attempts(0);
    let mut s = d.session();
    s.start();
    for _ in 0..10 {
        s.feed(b"a\r");
        assert!(!s.feed(b"x\r").close);
    }
}

#[test]
fn passwords_are_never_echoed() {
    let mut s = VirtualDevice::new("h").session();
    s.start();
    s.feed(b"u\r");
    assert_eq!(s.feed(b"hunter2").text, "");
    assert_eq!(s.feed(b"\x7f3").text, "");
    assert_eq!(s.feed(b"\r").text, "\r\nh> ");
}

#[test]
fn echo_on_and_off() {
    let d = no_login("h").with_command("ls", "a b", true).unwrap();
    let mut s = d.session();
    s.start();
    assert_eq!(s.feed(b"l").text, "l");
    assert_eq!(s.feed(b"s").text, "s");
    assert_eq!(s.feed(b"\r").text, "\r\na b\r\nh> ");

    let mut s = d.clone().with_echo(false).session();
    s.start();
    assert_eq!(s.feed(b"ls").text, "");
    assert_eq!(s.feed(b"\r\n").text, "a b\r\nh> ");
    // The login dialogue does not echo either.
    let mut s = VirtualDevice::new("h").with_echo(false).session();
    s.start();
    assert_eq!(s.feed(b"user\r").text, "Password: ");
    assert_eq!(s.feed(b"pw\r").text, "h> ");
}

#[test]
fn every_line_ending_also_split_across_feeds() {
    let d = no_login("h")
        .with_command("x", "X", true)
        .unwrap()
        .with_echo(false);
    let mut s = d.session();
    s.start();
    let prompt_after_x = "X\r\nh> ";
    assert_eq!(s.feed(b"x\r").text, prompt_after_x);
    assert_eq!(s.feed(b"\nx\n").text, prompt_after_x);
    assert_eq!(s.feed(b"x\r\n").text, prompt_after_x);
    assert_eq!(s.feed(b"x\r").text, prompt_after_x);
    assert_eq!(s.feed(b"\0").text, "");
    assert_eq!(s.feed(b"x\r\0x\r\nx\nx\r").text, prompt_after_x.repeat(4));
    // The chunk ended with CR: a LF in the next feed belongs to it.
    assert_eq!(s.feed(b"\n").text, "");
    // An LF that is not right after CR is a line end of its own.
    assert_eq!(s.feed(b"\n").text, "h> ");
    // A NUL that is not after CR is ignored.
    assert_eq!(s.feed(b"\0x\0\r").text, prompt_after_x);
}

#[test]
fn empty_lines_show_the_prompt_again() {
    let mut s = no_login("h").session();
    s.start();
    assert_eq!(s.feed(b"\r\n").text, "\r\nh> ");
    assert_eq!(s.feed(b"   \r\n").text, "   \r\nh> ");
}

#[test]
fn strict_and_lenient_unknown_commands() {
    let mut s = no_login("h").session();
    s.start();
    assert_eq!(
        s.feed(b"reload\r").text,
        "reload\r\n% Unknown command: \"reload\"\r\nh> "
    );
    let mut s = no_login("h").with_strict(false).session();
    s.start();
    assert_eq!(s.feed(b"reload\r").text, "reload\r\nh> ");
}

#[test]
fn commands_without_prompt_and_with_multiline_text() {
    let d = no_login("h")
        .with_command("ll", "ok2\nfoobar:1>", false)
        .unwrap()
        .with_command("two", "a\nb\n", true)
        .unwrap()
        .with_command("empty", "", true)
        .unwrap();
    let mut s = d.session();
    s.start();
    assert_eq!(s.feed(b"ll\r").text, "ll\r\nok2\r\nfoobar:1>");
    assert_eq!(s.feed(b"two\r").text, "two\r\na\r\nb\r\nh> ");
    assert_eq!(s.feed(b"empty\r").text, "empty\r\nh> ");
}

#[test]
fn closure_handlers_change_state_and_close() {
    let d = no_login("r1")
        .with_command(
            r"hostname (\S+)",
            Handler::func(|ctx, caps| {
                ctx.set_hostname(&caps[1]);
                String::new()
            }),
            true,
        )
        .unwrap()
        .with_command(
            "quit",
            Handler::func(|ctx, _| {
                ctx.close();
                "bye".to_owned()
            }),
            true,
        )
        .unwrap();
    let mut s = d.session();
    s.start();
    assert_eq!(s.feed(b"hostname core\r").text, "hostname core\r\ncore> ");
    let out = s.feed(b"quit\rignored\r");
    assert_eq!(out.text, "quit\r\nbye");
    assert!(out.close);
}

#[test]
fn read_line_hides_secret_input() {
    let d = no_login("h")
        .with_command(
            "secret",
            Handler::func(|ctx, _| {
                ctx.read_line(true, |ctx, answer| {
                    ctx.set_var("answer", answer);
                    format!("got {} chars", answer.len())
                });
                "Passphrase: ".to_owned()
            }),
            true,
        )
        .unwrap();
    let mut s = d.session();
    s.start();
    assert_eq!(s.feed(b"secret\r").text, "secret\r\nPassphrase: ");
    assert_eq!(s.feed(b"abc").text, "");
    assert_eq!(s.feed(b"\r").text, "\r\ngot 3 chars\r\nh> ");
    assert_eq!(s.context().var("answer"), Some("abc"));
}

#[test]
fn backspace_edits_the_line() {
    let d = no_login("h").with_command("ls$", "files", true).unwrap();
    let mut s = d.session();
    s.start();
    assert_eq!(s.feed(b"lx").text, "lx");
    assert_eq!(s.feed(b"\x7f").text, "\x08 \x08");
    assert_eq!(s.feed(b"s\x08s").text, "s\x08 \x08s");
    assert_eq!(s.feed(b"\r").text, "\r\nfiles\r\nh> ");
    // Backspace on an empty line does nothing.
    assert_eq!(s.feed(b"\x08").text, "");
}

#[test]
fn utf8_echo_split_across_feeds() {
    let d = no_login("h").with_strict(false);
    let mut s = d.session();
    s.start();
    let bytes = "é".as_bytes();
    assert_eq!(s.feed(&bytes[..1]).text, "");
    assert_eq!(s.feed(&bytes[1..]).text, "é");
    // Deleting removes the whole character.
    s.feed("ü".as_bytes());
    s.feed(b"\x7f");
    s.feed(b"\r");
    assert_eq!(s.context().line(), "é");
}

#[test]
fn feed_before_start_starts_the_session() {
    let mut s = no_login("h").with_strict(false).session();
    assert_eq!(s.feed(b"x\r").text, "Welcome to h!\r\nh> x\r\nh> ");
}

#[test]
fn start_authenticated_skips_login() {
    let d = VirtualDevice::new("h").with_credentials("a", "b");
    let mut s = d.session();
    assert_eq!(
        s.start_authenticated(Some("a")).text,
        "Welcome to h!\r\nh> "
    );
    assert_eq!(s.context().username(), Some("a"));
}

#[test]
fn login_hook_output_comes_before_the_prompt() {
    let d = VirtualDevice::new("h").with_login_hook(|ctx| {
        let user = ctx.username().unwrap_or("?").to_owned();
        ctx.set_prompt(format!("{user}@h$ "));
        format!("Hello {user}")
    });
    let mut s = d.session();
    s.start();
    s.feed(b"ann\r");
    assert_eq!(s.feed(b"pw\r").text, "\r\nHello ann\r\nann@h$ ");
}

fn paged(lines: usize) -> VirtualDevice {
    no_login("h")
        .with_paging(lines)
        .with_command("long", numbered(10), true)
        .unwrap()
        .with_command("short", numbered(3), true)
        .unwrap()
        .with_command(
            "nopage",
            Handler::func(|ctx, _| {
                let applied = ctx.set_page_lines(None);
                format!("applied={applied}")
            }),
            true,
        )
        .unwrap()
}

const ERASE: &str =
    "\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08";

#[test]
fn pager_space_enter_and_end() {
    let mut s = paged(4).session();
    s.start();
    let out = s.feed(b"long\r");
    assert_eq!(
        out.text,
        "long\r\nline 1\r\nline 2\r\nline 3\r\nline 4\r\n --More-- "
    );
    assert!(s.is_paging());
    assert_eq!(
        s.feed(b" ").text,
        format!("{ERASE}line 5\r\nline 6\r\nline 7\r\nline 8\r\n --More-- ")
    );
    // Enter (CR LF: the LF is swallowed, also when it arrives later).
    assert_eq!(s.feed(b"\r").text, format!("{ERASE}line 9\r\n --More-- "));
    assert_eq!(s.feed(b"\n").text, "");
    assert!(s.is_paging());
    assert_eq!(s.feed(b" ").text, format!("{ERASE}line 10\r\nh> "));
    assert!(!s.is_paging());
    // A response that fits is not paged.
    assert_eq!(
        s.feed(b"short\r").text,
        "short\r\nline 1\r\nline 2\r\nline 3\r\nh> "
    );
}

#[test]
fn pager_q_stops_and_shows_the_prompt() {
    let mut s = paged(4).session();
    s.start();
    s.feed(b"long\r");
    assert_eq!(s.feed(b"q").text, format!("{ERASE}h> "));
    assert!(!s.is_paging());
    // Input after the pager is a normal command again; typeahead in the
    // same chunk is processed in order.
    let out = s.feed(b"long\r q");
    assert!(out.text.starts_with("long\r\nline 1"));
    assert!(out.text.ends_with(&format!("{ERASE}h> ")));
}

#[test]
fn paging_can_be_disabled_or_not() {
    let mut s = paged(4).session();
    s.start();
    assert_eq!(s.feed(b"nopage\r").text, "nopage\r\napplied=true\r\nh> ");
    let out = s.feed(b"long\r");
    assert!(!out.text.contains("--More--"));
    assert!(out.text.ends_with("line 10\r\nh> "));

    let mut s = paged(4).with_paging_disable_allowed(false).session();
    s.start();
    assert_eq!(s.feed(b"nopage\r").text, "nopage\r\napplied=false\r\nh> ");
    assert!(s.feed(b"long\r").text.ends_with(" --More-- "));
}

#[test]
fn close_waits_for_the_pager() {
    let d = no_login("h")
        .with_paging(2)
        .with_command(
            "bye",
            Handler::func(|ctx, _| {
                ctx.close();
                "a\nb\nc\n".to_owned()
            }),
            true,
        )
        .unwrap();
    let mut s = d.session();
    s.start();
    let out = s.feed(b"bye\r");
    assert!(!out.close);
    let out = s.feed(b" ");
    assert_eq!(out.text, format!("{ERASE}c\r\n"));
    assert!(out.close);
}

#[test]
fn long_lines_are_bounded() {
    let mut s = no_login("h").with_echo(false).with_strict(false).session();
    s.start();
    let big = vec![b'a'; MAX_LINE * 2];
    s.feed(&big);
    s.feed(b"\r");
    assert_eq!(s.context().line().len(), MAX_LINE);
}

/// A device with a long fixed reply (`big`, 96 KiB of numbered lines), a
/// long reply that closes the connection (`bye`) and a short one (`ls`).
fn streaming_device() -> (VirtualDevice, String) {
    let big = numbered(8_000);
    assert!(big.len() > STREAM_MIN);
    let device = no_login("h")
        .with_command("big", big.as_str(), true)
        .and_then(|d| {
            d.with_command(
                "bye",
                Handler::func(|ctx, _| {
                    ctx.close();
                    numbered(8_000)
                }),
                true,
            )
        })
        .and_then(|d| d.with_command("ls", "a b", true))
        .expect("commands");
    (device, big)
}

/// Feeds `input` in pieces of `step` bytes through `feed_pieces` and
/// `more_into`, checking that no piece is much larger than asked: a piece
/// may get up to MIN_PIECE past a nearly full one, and a CR per line end
/// (these lines are 9 to 11 bytes long).
fn fed_in_pieces(session: &mut DeviceSession, input: &[u8], step: usize) -> (String, bool) {
    const PIECE: usize = 16 * 1024;
    const MOST: usize = (PIECE + MIN_PIECE) * 9 / 8 + 64;
    let mut out = String::new();
    let mut close = false;
    for chunk in input.chunks(step) {
        let mut piece = String::new();
        close = session.feed_pieces(chunk, &mut piece, PIECE);
        assert!(piece.len() < MOST, "{}", piece.len());
        out.push_str(&piece);
        while session.has_more() {
            let mut piece = String::new();
            close = session.more_into(&mut piece, PIECE);
            assert!(piece.len() < MOST, "{}", piece.len());
            out.push_str(&piece);
        }
    }
    (out, close)
}

#[test]
fn a_long_reply_in_pieces_is_the_same_text_as_at_once() {
    let (device, big) = streaming_device();
    let input = b"ls\r\nbig\r\nls\rbig\nbye\rls\r";
    let mut whole = device.session();
    let mut at_once = whole.start().text;
    let closed = whole.feed_into(input, &mut at_once);
    assert!(closed);
    let crlf = big.replace('\n', "\r\n");
    assert_eq!(
        at_once,
        format!(
            "Welcome to h!\r\nh> ls\r\na b\r\nh> big\r\n{crlf}h> ls\r\na b\r\nh> big\r\n{crlf}h> bye\r\n{crlf}"
        )
    );
    // In pieces, with the input cut anywhere (inside a command, between
    // CR and LF), the client and server see the same conversation.
    for step in [1, 3, 7, input.len()] {
        let mut session = device.session();
        let mut out = session.start().text;
        let (text, close) = fed_in_pieces(&mut session, input, step);
        out.push_str(&text);
        assert!(close, "step {step}");
        assert_eq!(out, at_once, "step {step}");
        assert!(session.is_closed());
    }
}

#[test]
fn input_during_a_long_reply_waits_for_it() {
    let (device, big) = streaming_device();
    let mut session = device.session();
    session.start();
    let mut first = String::new();
    session.feed_pieces(b"big\r", &mut first, 4096);
    assert!(session.has_more());
    assert!(first.starts_with("big\r\nline 1\r\n"), "{first:?}");
    // Typed while the reply is still going out: neither echoed nor run yet.
    let mut during = String::new();
    session.feed_pieces(b"ls\r", &mut during, 4096);
    assert!(!during.contains("ls"), "{during:?}");
    let mut rest = String::new();
    while session.has_more() {
        session.more_into(&mut rest, 4096);
    }
    let all = first + &during + &rest;
    let crlf = big.replace('\n', "\r\n");
    assert_eq!(all, format!("big\r\n{crlf}h> ls\r\na b\r\nh> "));
    // Nothing more to hand out: more_into adds nothing.
    let mut none = String::new();
    assert!(!session.more_into(&mut none, 4096));
    assert_eq!(none, "");
}

#[test]
fn a_fixed_long_reply_is_shared_with_its_handler_not_copied() {
    let text: std::sync::Arc<str> = numbered(8_000).into();
    let device = no_login("h")
        .with_command("big", Handler::from(std::sync::Arc::clone(&text)), true)
        .expect("command");
    let before = std::sync::Arc::strong_count(&text);
    let mut session = device.session();
    session.start();
    session.feed_pieces(b"big\r", &mut String::new(), 4096);
    // The session's pending reply holds the handler's text itself.
    assert_eq!(std::sync::Arc::strong_count(&text), before + 1);
    while session.has_more() {
        session.more_into(&mut String::new(), 4096);
    }
    assert_eq!(std::sync::Arc::strong_count(&text), before);
}

#[test]
fn paged_long_replies_are_paged_not_streamed() {
    let (device, _) = streaming_device();
    let mut session = device.session();
    session.start();
    session.context_mut().set_page_lines(Some(20));
    let mut out = String::new();
    session.feed_pieces(b"big\r", &mut out, 4096);
    assert!(!session.has_more());
    assert!(session.is_paging());
    assert!(out.ends_with("\r\nline 20\r\n --More-- "), "{out:?}");
    assert!(!out.contains("line 21"), "{out:?}");
}

#[test]
fn a_long_message_of_the_day_comes_whole_with_the_start() {
    let motd = numbered(8_000);
    let text = motd.clone();
    let device = no_login("h").with_login_hook(move |_| text.clone());
    let mut session = device.session();
    let out = session.start();
    assert!(!session.has_more());
    assert_eq!(
        out.text,
        format!("Welcome to h!\r\n{}h> ", motd.replace('\n', "\r\n"))
    );
    let mut session = device.session();
    let out = session.start_authenticated(Some("admin"));
    assert!(!session.has_more());
    assert!(
        out.text.ends_with("line 8000\r\nh> "),
        "{}",
        &out.text[out.text.len() - 40..]
    );
}
