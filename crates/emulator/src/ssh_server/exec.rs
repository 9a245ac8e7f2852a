//! Exec requests: a command line run on a fresh, logged-in session.

use crate::device::VirtualDevice;

/// The most pager keys sent for one command of a device that keeps paging
/// whatever the client asks.
const MAX_PAGES: usize = 100_000;

/// What an exec request returns.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ExecResult {
    /// The device's output (`\r\n` line endings), without echo and prompts.
    pub(super) output: String,
    /// 1 when the device printed an error, else 0.
    pub(super) status: u32,
}

/// Runs `command` (one command per line) on a new session of `device`
/// logged in as `user`, and collects the output of every line without the
/// echoed line and the prompt after it. Paging is turned off first (where
/// the device allows it; otherwise the pages are walked through). Stops
/// early when the session ends (after `exit`, say).
pub(super) fn run(device: &VirtualDevice, user: Option<&str>, command: &[u8]) -> ExecResult {
    let mut session = device.session();
    if session.start_authenticated(user).close {
        return ExecResult {
            output: String::new(),
            status: 1,
        };
    }
    session.context_mut().set_page_lines(None);
    let command = String::from_utf8_lossy(command);
    let command = command.trim_end_matches(['\r', '\n']);
    let mut output = String::new();
    let mut failed = false;
    if command.is_empty() {
        return ExecResult { output, status: 0 };
    }
    for line in command.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let secret = session.context().pending_is_secret();
        let mut text = session.feed(format!("{line}\n").as_bytes()).text;
        let mut pages = 0;
        while session.is_paging() && pages < MAX_PAGES {
            text.push_str(&session.feed(b" ").text);
            pages += 1;
        }
        // The echoed line never holds a line break: it ends at the first.
        // Secret input is not echoed: its line break stays, ending the
        // line that asked for it.
        if device.echo()
            && !secret
            && let Some(end) = text.find("\r\n")
        {
            text.drain(..end + 2);
        }
        let ctx = session.context();
        if !session.is_closed()
            && !ctx.is_reading_line()
            && let Some(body) = text.strip_suffix(ctx.prompt())
        {
            text.truncate(body.len());
        }
        failed |= has_error(&text);
        output.push_str(&text);
        if session.is_closed() {
            break;
        }
    }
    ExecResult {
        output,
        status: u32::from(failed),
    }
}

/// Whether `text` holds an error message: a line starting with `% ` (IOS
/// style) or a shell's `command not found`.
fn has_error(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("% ") || l.ends_with(": command not found"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LoginType, ios, shell};

    #[test]
    fn output_without_echo_and_prompt() {
        let device = VirtualDevice::new("h")
            .with_login_type(LoginType::None)
            .with_command("uptime", "up 3 days", true)
            .unwrap();
        let res = run(&device, Some("u"), b"uptime");
        assert_eq!(
            res,
            ExecResult {
                output: "up 3 days\r\n".into(),
                status: 0
            }
        );
        // Several lines, a trailing newline, an empty command.
        let res = run(&device, Some("u"), b"uptime\r\nuptime\n");
        assert_eq!(res.output, "up 3 days\r\nup 3 days\r\n");
        assert_eq!(run(&device, None, b"").output, "");
    }

    #[test]
    fn ios_errors_give_status_one() {
        let device = ios::device("R1");
        let ok = run(&device, Some("admin"), b"show privilege");
        assert_eq!(ok.output, "Current privilege level is 1\r\n");
        assert_eq!(ok.status, 0);
        let bad = run(&device, Some("admin"), b"show bogus");
        assert_eq!(bad.status, 1, "{:?}", bad.output);
        assert!(
            bad.output
                .contains("% Invalid input detected at '^' marker.")
        );
        assert!(!bad.output.contains("R1>"), "{:?}", bad.output);
    }

    #[test]
    fn prompts_for_input_are_answered_by_the_next_line() {
        let device = ios::device("R1").with_enable_password("en");
        let res = run(&device, Some("admin"), b"enable\nen\nshow privilege");
        assert_eq!(
            res.output,
            "Password: \r\nCurrent privilege level is 15\r\n"
        );
        assert_eq!(res.status, 0);
    }

    #[test]
    fn shell_unknown_command_and_exit() {
        let device = shell::device("web1");
        let res = run(&device, Some("alice"), b"whoami\nnope\nexit\nwhoami");
        assert_eq!(
            res.output,
            "alice\r\n-bash: nope: command not found\r\nlogout\r\n"
        );
        assert_eq!(res.status, 1);
    }

    #[test]
    fn paging_is_turned_off_or_walked_through() {
        let long: String = (1..=30).map(|i| format!("line {i}\n")).collect();
        let device = VirtualDevice::new("h")
            .with_login_type(LoginType::None)
            .with_paging(10)
            .with_command("long", long.as_str(), true)
            .unwrap();
        let expected = long.replace('\n', "\r\n");
        assert_eq!(run(&device, None, b"long").output, expected);
        let stubborn = device.with_paging_disable_allowed(false);
        let res = run(&stubborn, None, b"long");
        assert!(res.output.contains("line 1\r\n"));
        assert!(res.output.contains("line 30\r\n"), "{:?}", res.output);
        assert!(res.output.ends_with("line 30\r\n"), "{:?}", res.output);
    }
}
