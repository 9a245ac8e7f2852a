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

/// Runs `command` (one command per line) on a new, quiet session of
/// `device` logged in as `user` (no echo, no prompts: see
/// [`DeviceSession::set_quiet`](crate::DeviceSession::set_quiet)), and
/// collects the output of every line. Paging is turned off first (where
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
    session.set_quiet();
    session.context_mut().set_page_lines(None);
    let command = String::from_utf8_lossy(command);
    let command = command.trim_end_matches(['\r', '\n']);
    let mut output = String::new();
    let mut failed = false;
    if command.is_empty() {
        return ExecResult { output, status: 0 };
    }
    let mut input = String::new();
    for line in command.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        input.clear();
        input.push_str(line);
        input.push('\n');
        let start = output.len();
        let mut closed = session.feed_into(input.as_bytes(), &mut output);
        let mut pages = 0;
        while session.is_paging() && pages < MAX_PAGES {
            closed = session.feed_into(b" ", &mut output);
            pages += 1;
        }
        failed |= has_error(output.get(start..).unwrap_or_default());
        if closed {
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
    fn echo_off_devices_and_closing_commands() {
        let device = VirtualDevice::new("h")
            .with_login_type(LoginType::None)
            .with_echo(false)
            .with_command("x", "y", true)
            .unwrap()
            .with_command("bye", "closing", false)
            .unwrap();
        assert_eq!(run(&device, None, b"x\nx").output, "y\r\ny\r\n");
        // A response without the prompt, then the session goes on.
        assert_eq!(run(&device, None, b"bye\nx").output, "closingy\r\n");
        // A blank line prints nothing.
        assert_eq!(run(&device, None, b"x\n\nx").output, "y\r\ny\r\n");
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
