//! Command responses: the text a device printed between a command's echo
//! and the next prompt.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use crate::extract;

/// The result of [`crate::Session::execute`].
///
/// [`text`](Response::text) is what most callers want: the output without
/// the echoed command and without the prompt, with `\n` line endings,
/// carriage-return overwrites applied (so a pager prompt erased with `\r`
/// is gone) and trailing blank space removed. [`raw`](Response::raw) keeps
/// everything that arrived before the prompt, echo included (terminal
/// control sequences removed), so nothing is lost.
///
/// A `Response` is shared, not copied: cloning it (the Session keeps the
/// last one, see [`crate::Session::response`]) costs a reference count,
/// whatever the size of the output.
#[derive(Clone, PartialEq, Eq)]
pub struct Response(Arc<Parts>);

#[derive(PartialEq, Eq)]
struct Parts {
    command: String,
    text: String,
    raw: String,
    prompt: String,
    elapsed: Duration,
}

impl Response {
    pub(crate) fn new(
        command: String,
        text: String,
        raw: String,
        prompt: String,
        elapsed: Duration,
    ) -> Response {
        Response(Arc::new(Parts {
            command,
            text,
            raw,
            prompt,
            elapsed,
        }))
    }

    /// The command that was sent (without the newline).
    pub fn command(&self) -> &str {
        &self.0.command
    }

    /// The output: echo and prompt removed, `\n` line endings.
    pub fn text(&self) -> &str {
        &self.0.text
    }

    /// The output's lines.
    pub fn lines(&self) -> std::str::Lines<'_> {
        self.0.text.lines()
    }

    /// Everything received before the prompt, echo included.
    pub fn raw(&self) -> &str {
        &self.0.raw
    }

    /// The prompt that ended the response, e.g. `router#`.
    pub fn prompt(&self) -> &str {
        &self.0.prompt
    }

    /// Time from sending the command to seeing the prompt.
    pub fn elapsed(&self) -> Duration {
        self.0.elapsed
    }

    /// [`extract::first_match`] on the text.
    ///
    /// ```
    /// # use oxscript_transport::Response;
    /// # fn demo(r: &Response) -> oxscript_transport::Result<()> {
    /// let [version] = r.first_match(r"Version (\S+),")?;
    /// # Ok(()) }
    /// ```
    pub fn first_match<const N: usize>(&self, pattern: &str) -> crate::Result<[Option<String>; N]> {
        extract::first_match(self.text(), pattern)
    }

    /// [`extract::any_match`] on the text.
    pub fn any_match<const N: usize>(&self, pattern: &str) -> crate::Result<Vec<[String; N]>> {
        extract::any_match(self.text(), pattern)
    }
}

impl std::fmt::Display for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("command", &self.0.command)
            .field("text", &self.0.text)
            .field("raw", &self.0.raw)
            .field("prompt", &self.0.prompt)
            .field("elapsed", &self.0.elapsed)
            .finish()
    }
}

/// Turns received bytes into text without copying when they are valid UTF-8
/// (the fast, common case); invalid sequences become U+FFFD.
pub(crate) fn into_text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// How many leading lines may hold the echo of a command (wrapped at the
/// terminal width): only these are looked at one by one.
const ECHO_LOOKAHEAD: usize = 64;

/// Builds the clean text of a response from what arrived before the prompt.
///
/// `pager_texts` are pager prompts that were answered during the response;
/// any left in the text (devices that do not erase them) are removed.
///
/// Linear and without a list of lines: the leading lines (where the echo
/// is) are looked at one by one; the rest is copied in runs between
/// carriage returns, a line being rewritten only when it holds a `\r`
/// other than the one ending it (or a pager prompt).
pub(crate) fn clean_text(raw: &str, command: Option<&str>, pager_texts: &[String]) -> String {
    let pagers: Vec<&str> = pager_texts
        .iter()
        .map(|p| p.trim_matches(|c| c == '\r' || c == '\n'))
        .filter(|p| !p.trim().is_empty())
        .collect();
    let shown = |line| shown_line(line, &pagers);
    // What is left of `raw` to split into lines (`None`: nothing, not
    // even an empty last line).
    let mut rest = Some(raw);
    let mut head: Vec<Cow<'_, str>> = Vec::new();
    while head.len() < ECHO_LOOKAHEAD
        && let Some(line) = next_line(&mut rest)
    {
        head.extend(shown(line));
    }
    let skip = command.map_or(0, |c| echo_lines(&head, c));
    let mut text = Text::with_capacity(raw.len());
    for line in head.iter().skip(skip) {
        text.push_line(line);
    }
    // Leading blank lines are dropped one by one; then, without pager
    // prompts to remove, the rest is copied in runs.
    while !text.started()
        && let Some(line) = next_line(&mut rest)
    {
        if let Some(line) = shown(line) {
            text.push_line(&line);
        }
    }
    if let Some(rest) = rest {
        if pagers.is_empty() {
            text.push_lines(rest);
        } else {
            for line in rest.split('\n').filter_map(shown) {
                text.push_line(&line);
            }
        }
    }
    text.finish()
}

/// A line as a terminal shows it (see [`apply_carriage_returns`]) without
/// the answered pager prompts it holds; `None` for a line that only held
/// pager prompts.
fn shown_line<'a>(line: &'a str, pagers: &[&str]) -> Option<Cow<'a, str>> {
    let mut line = apply_carriage_returns(line);
    if !pagers.is_empty() {
        let before = line.len();
        for pager in pagers {
            if line.contains(pager) {
                line = Cow::Owned(line.replace(pager, ""));
            }
        }
        // A line that only held a pager prompt is not output.
        if line.len() != before && line.trim().is_empty() {
            return None;
        }
    }
    Some(line)
}

/// The next line of `rest` (as `str::split('\n')` yields them), leaving
/// what follows it, or `None` after the last.
fn next_line<'a>(rest: &mut Option<&'a str>) -> Option<&'a str> {
    let text = rest.take()?;
    match text.split_once('\n') {
        Some((line, more)) => {
            *rest = Some(more);
            Some(line)
        }
        None => Some(text),
    }
}

/// The text of a response being built: lines joined with `\n`, leading
/// blank lines dropped, trailing ones cut at the end.
struct Text {
    out: String,
    started: bool,
}

impl Text {
    fn with_capacity(capacity: usize) -> Text {
        Text {
            out: String::with_capacity(capacity),
            started: false,
        }
    }

    /// Whether a non-blank line was pushed.
    fn started(&self) -> bool {
        self.started
    }

    fn push_line(&mut self, line: &str) {
        if !self.started {
            if line.trim().is_empty() {
                return;
            }
            self.started = true;
        } else {
            self.out.push('\n');
        }
        self.out.push_str(line);
    }

    /// Pushes every line of `lines` (separated by `\n`) after a started
    /// text, as [`apply_carriage_returns`] shows each: runs of lines whose
    /// only `\r` ends them are copied whole, without their `\r`.
    fn push_lines(&mut self, lines: &str) {
        debug_assert!(self.started);
        self.out.push('\n');
        let bytes = lines.as_bytes();
        // Everything before `copied` is in `out`; `copied` is at the
        // start of `lines` or at a line break.
        let mut copied = 0;
        let mut from = 0;
        while let Some(at) = memchr::memchr(b'\r', &bytes[from..]) {
            let cr = from + at;
            if bytes.get(cr + 1) == Some(&b'\n') {
                // The first `\r` of its line ends it: drop it.
                self.out.push_str(&lines[copied..cr]);
                copied = cr + 1;
                from = cr + 1;
                continue;
            }
            // A carriage return inside the line: rewrite the line.
            let start =
                memchr::memrchr(b'\n', &bytes[copied..cr]).map_or(copied, |nl| copied + nl + 1);
            let end = memchr::memchr(b'\n', &bytes[cr..]).map_or(bytes.len(), |nl| cr + nl);
            self.out.push_str(&lines[copied..start]);
            self.out
                .push_str(&apply_carriage_returns(&lines[start..end]));
            copied = end;
            from = end;
        }
        self.out.push_str(&lines[copied..]);
    }

    /// The text without its trailing blank lines.
    fn finish(mut self) -> String {
        let content = self.out.trim_end().len();
        let end = self.out[content..]
            .find('\n')
            .map_or(self.out.len(), |nl| content + nl);
        self.out.truncate(end);
        self.out
    }
}

/// Applies terminal carriage-return semantics to one line: text after a
/// `\r` overwrites the line from its start. A trailing `\r` (from `\r\n`)
/// is simply dropped.
fn apply_carriage_returns(line: &str) -> Cow<'_, str> {
    let line = line.trim_end_matches('\r');
    if !line.contains('\r') {
        return Cow::Borrowed(line);
    }
    let mut cells: Vec<char> = Vec::with_capacity(line.len());
    for segment in line.split('\r') {
        for (i, c) in segment.chars().enumerate() {
            if i < cells.len() {
                cells[i] = c;
            } else {
                cells.push(c);
            }
        }
    }
    let s: String = cells.into_iter().collect();
    Cow::Owned(s.trim_end().to_owned())
}

/// Whether a line, as shown, is the echo of a non-empty `command` as
/// typed: the common case, decided without building squashed copies.
fn typed_echo(shown: &str, command: &str) -> bool {
    let command = command.trim();
    !command.is_empty() && shown.trim() == command
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// How many leading lines are the echo of `command`.
///
/// Tolerant on purpose, because devices rewrite what they echo: the echo
/// may be wrapped over several lines at the terminal width, completed
/// (JunOS turns `show ver` into `show version`), preceded by the prompt,
/// or padded. No echo at all is fine too (0 lines). This never waits for
/// anything: it only looks at what arrived before the prompt.
fn echo_lines(lines: &[Cow<'_, str>], command: &str) -> usize {
    if lines
        .first()
        .is_some_and(|first| typed_echo(first, command))
    {
        return 1;
    }
    let want = squash(command);
    if want.is_empty() {
        // An empty command (a bare Enter) echoes an empty line.
        return usize::from(lines.first().is_some_and(|l| l.trim().is_empty()) && lines.len() > 1);
    }
    let Some(first) = lines.first() else {
        return 0;
    };
    // Echo preceded by a prompt or garbage on the same line.
    let first_squashed = squash(first);
    if first_squashed == want || (first_squashed.ends_with(&want) && !want.is_empty()) {
        return 1;
    }
    // Completed keywords: every typed word is a prefix of the echoed word.
    let typed: Vec<&str> = command.split_whitespace().collect();
    let echoed: Vec<&str> = first.split_whitespace().collect();
    if !typed.is_empty()
        && typed.len() == echoed.len()
        && typed.iter().zip(&echoed).all(|(t, e)| e.starts_with(t))
    {
        return 1;
    }
    // Wrapped over several lines.
    let mut acc = String::new();
    for (i, line) in lines.iter().enumerate().take(64) {
        acc.push_str(&squash(line));
        if acc == want {
            return i + 1;
        }
        if !want.starts_with(&acc) {
            break;
        }
    }
    0
}

/// Whether `first` and the lines after it spell `want` (squashed): an echo
/// wrapped at the terminal width.
fn wrapped<'a>(first: &str, want: &str, rest: impl Iterator<Item = &'a str>) -> bool {
    if first.is_empty() || !want.starts_with(first) {
        return false;
    }
    let mut acc = first.to_owned();
    for next in rest.take(63) {
        acc.push_str(&squash(&apply_carriage_returns(next)));
        if acc == want {
            return true;
        }
        if !want.starts_with(&acc) {
            return false;
        }
    }
    false
}

/// Where the echo of `command` starts in `raw` (what arrived before a
/// prompt, after the command was sent): the byte offset of the first line
/// that echoes it, or `None` when no line does.
///
/// The first line echoes the command when, once blanks are ignored, it is
/// the command, or a prompt followed by the command (`is_prompt` judges
/// the part before), or its words complete the command's words (JunOS
/// turns `show ver` into `show version`), or it starts the command and the
/// following lines complete it (an echo wrapped at the terminal width). A
/// later line only when it is a prompt followed by the command. Anything
/// before the echo is output of an earlier command, or a stray prompt:
/// data that is not part of this response.
pub(crate) fn find_echo(
    raw: &str,
    command: &str,
    is_prompt: impl Fn(&str) -> bool,
) -> Option<usize> {
    let first = raw.split('\n').next().unwrap_or_default();
    if typed_echo(&apply_carriage_returns(first), command) || command.trim().is_empty() {
        return Some(0);
    }
    let want = squash(command);
    let typed: Vec<&str> = command.split_whitespace().collect();
    let mut start = 0;
    let mut lines = raw.split('\n');
    while let Some(line) = lines.next() {
        let shown = apply_carriage_returns(line);
        let squashed = squash(&shown);
        let echoed: Vec<&str> = shown.split_whitespace().collect();
        let after_prompt = squashed.ends_with(&want)
            && shown
                .rfind(typed.first().copied().unwrap_or_default())
                .is_some_and(|at| is_prompt(&shown[..at]));
        // Further down (stale data came first), only a line holding a
        // prompt and the command is the echo: a stray prompt followed by
        // the echo on its line, as a terminal shows it.
        let is_echo = after_prompt
            || (start == 0
                && (squashed == want
                    || (typed.len() == echoed.len()
                        && typed.iter().zip(&echoed).all(|(t, e)| e.starts_with(t)))
                    || wrapped(&squashed, &want, lines.clone())));
        if is_echo {
            return Some(start);
        }
        start += line.len() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward form of [`clean_text`] (a list of every line),
    /// which the linear one must agree with.
    fn reference_clean_text(raw: &str, command: Option<&str>, pager_texts: &[String]) -> String {
        let pagers: Vec<&str> = pager_texts
            .iter()
            .map(|p| p.trim_matches(|c| c == '\r' || c == '\n'))
            .filter(|p| !p.trim().is_empty())
            .collect();
        let lines: Vec<Cow<'_, str>> = raw
            .split('\n')
            .filter_map(|line| shown_line(line, &pagers))
            .collect();
        let skip = command.map_or(0, |c| echo_lines(&lines, c));
        let mut body: &[Cow<'_, str>] = &lines[skip.min(lines.len())..];
        while body.first().is_some_and(|l| l.trim().is_empty()) {
            body = &body[1..];
        }
        while body.last().is_some_and(|l| l.trim().is_empty()) {
            body = &body[..body.len() - 1];
        }
        body.join("\n")
    }

    #[test]
    fn clean_text_agrees_with_the_line_by_line_reference() {
        // Inputs built from pieces that exercise every branch: CRLF, bare
        // CR, CR CR LF, blank lines, pager prompts, the echo, a non-ASCII
        // blank (U+3000), long runs past the echo look-ahead.
        const PIECES: &[&str] = &[
            "a",
            "show clock",
            " ",
            "\r\n",
            "\n",
            "\r",
            "\r\r\n",
            "--More--",
            " --More-- ",
            "x\u{3000}",
            "\u{3000}",
            "\t",
            "10:00",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for case in 0..20_000 {
            let len = next(if case % 10 == 0 { 400 } else { 40 });
            let raw: String = (0..len).map(|_| PIECES[next(PIECES.len())]).collect();
            let command = [None, Some("show clock"), Some("")][next(3)];
            let pagers: Vec<String> = if next(2) == 0 {
                vec![" --More-- ".to_owned()]
            } else {
                Vec::new()
            };
            assert_eq!(
                clean_text(&raw, command, &pagers),
                reference_clean_text(&raw, command, &pagers),
                "raw {raw:?}, command {command:?}, pagers {pagers:?}"
            );
        }
    }

    fn prompt_like(text: &str) -> bool {
        text.trim_end().ends_with('#') || text.trim_end().ends_with('>')
    }

    #[test]
    fn finds_the_echo_after_stale_output_and_prompts() {
        let cmd = "show clock";
        assert_eq!(
            find_echo("show clock\r\n10:00\r\n", cmd, prompt_like),
            Some(0)
        );
        let stale = "rest of show ip route\r\nrouter#show clock\r\n10:00\r\n";
        assert_eq!(find_echo(stale, cmd, prompt_like), Some(23));
        assert_eq!(find_echo("rest\r\n", cmd, prompt_like), None);
        assert_eq!(find_echo("\r\n", cmd, prompt_like), None);
        // Output that merely ends with the command is not its echo.
        assert_eq!(
            find_echo("please run: show clock\r\n", cmd, prompt_like),
            None
        );
        // Completed and wrapped echoes.
        assert_eq!(
            find_echo("show version\n", "show ver", prompt_like),
            Some(0)
        );
        let wrapped = "show running-config inter\r\nface Gi0/1\r\n";
        let command = "show running-config interface Gi0/1";
        assert_eq!(find_echo(wrapped, command, prompt_like), Some(0));
        // After stale data, only a prompt with the command on its line is the echo.
        assert_eq!(
            find_echo("x\nshow version\n", "show ver", prompt_like),
            None
        );
        assert_eq!(find_echo("x\nr1# show  clock\n", cmd, prompt_like), Some(2));
        // An empty command has no echo to find.
        assert_eq!(find_echo("anything", "", prompt_like), Some(0));
    }

    #[test]
    fn into_text_keeps_valid_utf8_and_replaces_invalid_bytes() {
        assert_eq!(into_text("héllo".as_bytes().to_vec()), "héllo");
        assert_eq!(into_text(b"a\xffb".to_vec()), "a\u{fffd}b");
    }

    #[test]
    fn removes_echo_and_normalises_line_endings() {
        let raw = "show clock\r\n*10:00:00.000 UTC Mon Nov 2 2026\r\n";
        assert_eq!(
            clean_text(raw, Some("show clock"), &[]),
            "*10:00:00.000 UTC Mon Nov 2 2026"
        );
    }

    #[test]
    fn keeps_output_when_there_is_no_echo() {
        let raw = "\r\nline one\r\nline two\r\n";
        assert_eq!(clean_text(raw, Some("show x"), &[]), "line one\nline two");
    }

    #[test]
    fn tolerates_wrapped_completed_and_prompted_echoes() {
        let wrapped = "show running-config inter\r\nface GigabitEthernet0/1\r\nout\r\n";
        assert_eq!(
            clean_text(
                wrapped,
                Some("show running-config interface GigabitEthernet0/1"),
                &[]
            ),
            "out"
        );
        let completed = "show version \r\nJunos: 23.4R1\r\n";
        assert_eq!(
            clean_text(completed, Some("show ver"), &[]),
            "Junos: 23.4R1"
        );
        let prompted = "router#show ip route\r\nGateway of last resort\r\n";
        assert_eq!(
            clean_text(prompted, Some("show ip route"), &[]),
            "Gateway of last resort"
        );
        let spaced = "show  ip   route\r\nx\r\n";
        assert_eq!(clean_text(spaced, Some("show ip route"), &[]), "x");
    }

    #[test]
    fn does_not_remove_output_that_merely_resembles_the_command() {
        let raw = "ls\r\nls.txt\r\nother\r\n";
        assert_eq!(clean_text(raw, Some("ls"), &[]), "ls.txt\nother");
        let raw = "hello world\r\n";
        assert_eq!(
            clean_text(raw, Some("echo hello world"), &[]),
            "hello world"
        );
    }

    #[test]
    fn carriage_return_overwrites_erase_pager_prompts() {
        let raw = "cmd\r\nline 1\r\n---(more)---\r                \rline 2\r\n";
        assert_eq!(clean_text(raw, Some("cmd"), &[]), "line 1\nline 2");
    }

    #[test]
    fn pager_text_left_by_the_device_is_removed() {
        let raw = "cmd\r\nline 1\r\n --More-- \r\nline 2\r\n";
        assert_eq!(
            clean_text(raw, Some("cmd"), &[" --More-- ".to_string()]),
            "line 1\nline 2"
        );
    }

    #[test]
    fn bare_enter_echo() {
        assert_eq!(clean_text("\r\n", Some(""), &[]), "");
        assert_eq!(clean_text("\r\nout\r\n", Some(""), &[]), "out");
    }
}
