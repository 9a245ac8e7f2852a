//! Removal of terminal control sequences from device output.
//!
//! Devices colour their prompts (Debian's bash over SSH does by default),
//! move the cursor, ring the bell and pad with NUL bytes. None of that is
//! text a prompt pattern should have to know about, so the Session passes
//! everything it receives through a [`Cleaner`] before matching.
//!
//! The cleaner is a small state machine fed chunk by chunk: an escape
//! sequence split across two reads is still removed. It removes
//! - CSI sequences (`ESC [` parameters, intermediates, final byte),
//! - OSC sequences (`ESC ]` … terminated by `BEL` or `ESC \`),
//! - two- and three-byte escapes (`ESC 7`, `ESC =`, `ESC ( B`, …),
//! - NUL and BEL bytes.
//!
//! Backspace (`0x08`) is kept: the buffer applies it (see
//! [`crate::buffer`]), which is how a device erases its own `--More--`.
//! "Cursor back" (`ESC [ n D`) is removed from the text and reported as a
//! [`Move`] at its place, which the buffer applies as n backspaces would
//! be (Huawei VRP erases its pager prompt with `ESC[42D`, 42 blanks,
//! `ESC[42D`). It is never expanded into bytes: the text of a chunk (what
//! the transcript records) is never longer than the chunk.

/// Upper bound on the length of a control sequence. A longer one is not a
/// real sequence: the cleaner gives up on it and returns to plain text, so a
/// stray `ESC ]` cannot swallow megabytes of output.
const MAX_SEQUENCE: usize = 256;

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Text,
    /// After `ESC`.
    Escape,
    /// After `ESC [`: parameters until a final byte in `0x40..=0x7e`.
    Csi,
    /// After `ESC ]`, `ESC P`, `ESC _`, `ESC ^`: a string until `BEL` or `ESC \`.
    Str,
    /// After `ESC` inside a string sequence.
    StrEscape,
    /// After `ESC (`, `ESC )`, `ESC #`, …: one more byte to skip.
    OneMore,
}

/// Longest cursor-back [`strip_ansi`] writes as backspaces.
const MAX_CURSOR_BACK: u32 = 1024;

/// A cursor-back move: `count` columns back, `at` bytes into the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Move {
    pub(crate) at: usize,
    pub(crate) count: u32,
}

/// The cleaned form of received data: the text, and the cursor-back moves
/// to apply within it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Cleaned {
    pub(crate) text: Vec<u8>,
    pub(crate) moves: Vec<Move>,
}

impl Cleaned {
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.moves.clear();
    }
}

/// Stateful remover of terminal control sequences (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct Cleaner {
    state: State,
    sequence_len: usize,
    /// The numeric parameter of the current CSI sequence, `None` when it
    /// has anything but digits.
    csi_param: Option<u32>,
}

impl Default for Cleaner {
    fn default() -> Self {
        Self::new()
    }
}

impl Cleaner {
    /// A cleaner in the plain-text state.
    pub(crate) fn new() -> Self {
        Cleaner {
            state: State::Text,
            sequence_len: 0,
            csi_param: Some(0),
        }
    }

    /// Whether `input` is text the cleaner would leave as it is: no
    /// sequence is open and it holds no `ESC`, `NUL` or `BEL`. Such input
    /// (nearly all device output) is used as received, without a copy.
    pub(crate) fn passes_through(&self, input: &[u8]) -> bool {
        self.state == State::Text && memchr::memchr3(ESC, 0x00, BEL, input).is_none()
    }

    /// Appends the cleaned form of `input` to `cleaned`.
    pub(crate) fn clean_into(&mut self, input: &[u8], cleaned: &mut Cleaned) {
        let Cleaned { text: out, moves } = cleaned;
        out.reserve(input.len());
        let mut i = 0;
        while i < input.len() {
            if self.state == State::Text {
                // Fast path: copy the run of ordinary bytes in one go.
                let run = memchr::memchr3(ESC, 0x00, BEL, &input[i..]).unwrap_or(input.len() - i);
                out.extend_from_slice(&input[i..i + run]);
                i += run;
                if i >= input.len() {
                    break;
                }
                // input[i] is special.
                if input[i] == ESC {
                    self.enter(State::Escape);
                }
                // NUL and BEL are dropped.
                i += 1;
                continue;
            }
            let b = input[i];
            i += 1;
            self.sequence_len += 1;
            if self.sequence_len > MAX_SEQUENCE {
                self.state = State::Text;
                continue;
            }
            self.state = match self.state {
                State::Text => State::Text,
                State::Escape => match b {
                    b'[' => {
                        self.csi_param = Some(0);
                        State::Csi
                    }
                    b']' | b'P' | b'_' | b'^' | b'X' => State::Str,
                    b'(' | b')' | b'*' | b'+' | b'#' | b'%' | b' ' => State::OneMore,
                    ESC => State::Escape,
                    _ => State::Text,
                },
                State::Csi => {
                    if b.is_ascii_digit() {
                        self.csi_param = self
                            .csi_param
                            .map(|p| p.saturating_mul(10).saturating_add(u32::from(b - b'0')));
                        State::Csi
                    } else if (0x40..=0x7e).contains(&b) {
                        if b == b'D'
                            && let Some(n) = self.csi_param
                        {
                            // Cursor back: CSI D means one column.
                            moves.push(Move {
                                at: out.len(),
                                count: n.max(1),
                            });
                        }
                        State::Text
                    } else {
                        self.csi_param = None;
                        State::Csi
                    }
                }
                State::Str => match b {
                    BEL => State::Text,
                    ESC => State::StrEscape,
                    _ => State::Str,
                },
                State::StrEscape => match b {
                    b'\\' => State::Text,
                    ESC => State::StrEscape,
                    _ => State::Str,
                },
                State::OneMore => State::Text,
            };
        }
    }

    fn enter(&mut self, state: State) {
        self.state = state;
        self.sequence_len = 0;
    }
}

/// Removes terminal control sequences from a complete text (one shot).
/// A cursor-back move (`ESC [ n D`) becomes n backspaces (at most 1024),
/// which is how a Session's buffer applies it.
///
/// ```
/// use oxscript_transport::strip_ansi;
///
/// assert_eq!(strip_ansi(b"\x1b[01;32mrouter\x1b[0m#"), b"router#");
/// assert_eq!(strip_ansi(b"ab\x1b[2Dc"), b"ab\x08\x08c");
/// ```
pub fn strip_ansi(input: &[u8]) -> Vec<u8> {
    let mut cleaned = Cleaned::default();
    Cleaner::new().clean_into(input, &mut cleaned);
    if cleaned.moves.is_empty() {
        return cleaned.text;
    }
    let mut out = Vec::with_capacity(cleaned.text.len());
    let mut from = 0;
    for m in &cleaned.moves {
        out.extend_from_slice(&cleaned.text[from..m.at]);
        out.extend(std::iter::repeat_n(
            0x08,
            m.count.min(MAX_CURSOR_BACK) as usize,
        ));
        from = m.at;
    }
    out.extend_from_slice(&cleaned.text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cleans `input` in pieces, as the I/O task does, and checks the
    /// result is the same as in one piece (moves included).
    fn clean_split(input: &[u8]) {
        let mut whole = Cleaned::default();
        Cleaner::new().clean_into(input, &mut whole);
        let pieces = |splits: &[usize]| {
            let mut c = Cleaner::new();
            let mut all = Cleaned::default();
            let mut from = 0;
            for &to in splits.iter().chain(std::iter::once(&input.len())) {
                let mut part = Cleaned::default();
                c.clean_into(&input[from..to], &mut part);
                let base = all.text.len();
                all.moves.extend(part.moves.iter().map(|m| Move {
                    at: base + m.at,
                    count: m.count,
                }));
                all.text.extend_from_slice(&part.text);
                from = to;
            }
            all
        };
        for split in 0..=input.len() {
            let out = pieces(&[split]);
            assert_eq!(
                (&out.text, &out.moves),
                (&whole.text, &whole.moves),
                "split at {split}"
            );
        }
        let every: Vec<usize> = (1..input.len()).collect();
        let out = pieces(&every);
        assert_eq!(
            (&out.text, &out.moves),
            (&whole.text, &whole.moves),
            "byte by byte"
        );
    }

    #[test]
    fn removes_colour_from_a_debian_prompt() {
        let input = b"\x1b[01;32mroot@debian\x1b[00m:\x1b[01;34m~\x1b[00m# ";
        assert_eq!(strip_ansi(input), b"root@debian:~# ");
        clean_split(input);
    }

    #[test]
    fn removes_osc_title_with_bel_and_st() {
        let input = b"\x1b]0;user@host: ~\x07user@host:~$ \x1b]2;t\x1b\\x";
        assert_eq!(strip_ansi(input), b"user@host:~$ x");
        clean_split(input);
    }

    #[test]
    fn removes_short_escapes_nul_and_bell() {
        let input = b"a\x1b7b\x1b8c\x1b(Bd\x00e\x07f\x1b=g";
        assert_eq!(strip_ansi(input), b"abcdefg");
        clean_split(input);
    }

    #[test]
    fn keeps_backspace_cr_lf_and_utf8() {
        let input = "--More--\x08\x08 \r\nh\u{e9}llo\n".as_bytes();
        assert_eq!(strip_ansi(input), input);
    }

    #[test]
    fn bounded_sequence_returns_to_text() {
        let mut input = b"\x1b]".to_vec();
        input.extend(std::iter::repeat_n(b'x', 1000));
        let out = strip_ansi(&input);
        // `]` counts as the first byte of the sequence; the byte that exceeds the bound is dropped too.
        assert_eq!(out.len(), 1000 - MAX_SEQUENCE);
    }

    #[test]
    fn cursor_back_becomes_backspaces() {
        assert_eq!(strip_ansi(b"ab\x1b[2Dc\x1b[Dd"), b"ab\x08\x08c\x08d");
        // Other parameters or several of them: removed, not applied.
        assert_eq!(strip_ansi(b"x\x1b[1;2Dy\x1b[?5Dz"), b"xyz");
        clean_split(
            b"  ---- More ----\x1b[42D                                          \x1b[42Dnext",
        );
        let erased = strip_ansi(b"\x1b[42D");
        assert_eq!(erased.len(), 42);
    }

    #[test]
    fn cursor_back_is_a_move_never_bytes() {
        let mut cleaned = Cleaned::default();
        let input = b"x\x1b[1024D".repeat(1000);
        Cleaner::new().clean_into(&input, &mut cleaned);
        assert_eq!(cleaned.text, b"x".repeat(1000));
        assert_eq!(cleaned.moves.len(), 1000);
        assert_eq!(cleaned.moves[1], Move { at: 2, count: 1024 });
    }

    #[test]
    fn csi_with_intermediate_and_private_parameters() {
        let input = b"\x1b[?2004hprompt$ \x1b[K\x1b[1;31r";
        assert_eq!(strip_ansi(input), b"prompt$ ");
        clean_split(input);
    }
}
