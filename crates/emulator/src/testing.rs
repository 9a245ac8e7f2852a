//! What the unit tests of the emulators share (compiled for tests only).

use crate::DeviceSession;

/// Types `line` and Enter; returns all the session sent back: the echo,
/// the response and the prompt.
pub(crate) fn cmd(s: &mut DeviceSession, line: &str) -> String {
    s.feed(format!("{line}\r").as_bytes()).text
}

/// Types `line` and Enter; returns what followed the echoed line (the
/// response and the prompt). Panics when the line was not echoed.
pub(crate) fn answer(s: &mut DeviceSession, line: &str) -> String {
    let out = cmd(s, line);
    out.strip_prefix(&format!("{line}\r\n"))
        .unwrap_or_else(|| panic!("no echo of {line:?} in {out:?}"))
        .to_owned()
}
