//! [`DeviceSession`]: the per-connection state machine, free of I/O.

use std::sync::Arc;

use crate::command::{Reply, ReplyText};
use crate::context::DeviceContext;
use crate::device::{DeviceSpec, LoginType};
use crate::pager::{self, Pager, PagerStep};
use crate::text::{count_lines, incomplete_utf8_tail, piece_end, push_crlf, push_crlf_range};

/// The longest input line kept; longer input is dropped (not echoed).
const MAX_LINE: usize = 64 * 1024;

/// Unpaged replies longer than this are handed out piece by piece by
/// [`DeviceSession::feed_pieces`] (and at once by the other calls).
const STREAM_MIN: usize = 64 * 1024;

/// The least a piece of a long reply holds, whatever the room left.
const MIN_PIECE: usize = 4 * 1024;

/// What a session sends back after [`DeviceSession::start`] or
/// [`DeviceSession::feed`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// Text for the client (`\r\n` line endings).
    pub text: String,
    /// Whether the connection must be closed after sending `text`.
    pub close: bool,
}

impl Output {
    /// Whether there is nothing to send and nothing to do.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && !self.close
    }
}

/// A long reply being handed out (see [`DeviceSession::feed_pieces`]).
struct Stream {
    text: ReplyText,
    /// Bytes of `text` handed out so far.
    at: usize,
    /// Whether a line break follows the text (the prompt needs one).
    needs_break: bool,
    prompt: bool,
    close: bool,
}

impl Stream {
    /// Appends the next piece (at most about `room` bytes of the text,
    /// with `\r\n` line ends) to `out`; returns whether the text is out.
    fn write(&mut self, out: &mut String, room: usize) -> bool {
        let text = self.text.as_str();
        let end = piece_end(text, self.at, room);
        push_crlf_range(out, text, self.at..end);
        self.at = end;
        if end < text.len() {
            return false;
        }
        if self.needs_break {
            out.push_str("\r\n");
        }
        true
    }
}

#[derive(Debug)]
enum Stage {
    Username,
    Password { username: Option<String> },
    Command,
    Closed,
}

/// One connection's conversation with a [`VirtualDevice`], free of I/O.
///
/// Feed it the raw bytes the client sends; it assembles lines (ending at
/// `\r`, `\n`, `\r\n` or `\r\0`, also when split across calls), echoes
/// input when the device echoes (never password characters), runs the
/// login dialogue and the commands, pages long responses, and returns the
/// text to send back.
///
/// ```
/// use oxscript_emulator::{LoginType, VirtualDevice};
///
/// let device = VirtualDevice::new("sw1")
///     .with_credentials("admin", "secret")
///     .with_command("uptime", "up 3 days", true)?;
/// let mut session = device.session();
/// assert_eq!(session.start().text, "Welcome to sw1!\r\nUser: ");
/// assert_eq!(session.feed(b"admin\r").text, "admin\r\nPassword: ");
/// assert_eq!(session.feed(b"secret\r\n").text, "\r\nsw1> ");
/// assert_eq!(session.feed(b"uptime\r\n").text, "uptime\r\nup 3 days\r\nsw1> ");
/// # Ok::<(), oxscript_emulator::Error>(())
/// ```
///
/// [`VirtualDevice`]: crate::VirtualDevice
pub struct DeviceSession {
    spec: Arc<DeviceSpec>,
    ctx: DeviceContext,
    stage: Stage,
    started: bool,
    line: Vec<u8>,
    after_cr: bool,
    failures: usize,
    pager: Option<Pager>,
    /// Output not handed out yet.
    out: String,
    /// Echo not moved to `out` yet.
    echo: Vec<u8>,
    /// An echoed UTF-8 character whose last bytes have not arrived.
    carry: Vec<u8>,
    /// No echo, no prompt after commands (see [`DeviceSession::set_quiet`]).
    quiet: bool,
    /// A long reply not handed out yet.
    stream: Option<Stream>,
    /// Input that arrived during a long reply, processed after it.
    typeahead: Vec<u8>,
}

impl std::fmt::Debug for DeviceSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSession")
            .field("stage", &self.stage_name())
            .field("ctx", &self.ctx)
            .field("paging", &self.pager.is_some())
            .field("streaming", &self.stream.is_some())
            .finish_non_exhaustive()
    }
}

impl DeviceSession {
    pub(crate) fn new(spec: Arc<DeviceSpec>) -> Self {
        DeviceSession {
            ctx: DeviceContext::from_spec(Arc::clone(&spec)),
            spec,
            stage: Stage::Command,
            started: false,
            line: Vec::new(),
            after_cr: false,
            failures: 0,
            pager: None,
            out: String::new(),
            echo: Vec::new(),
            carry: Vec::new(),
            quiet: false,
            stream: None,
            typeahead: Vec::new(),
        }
    }

    fn stage_name(&self) -> &'static str {
        match self.stage {
            Stage::Username => "username",
            Stage::Password { .. } => "password",
            Stage::Command => "command",
            Stage::Closed => "closed",
        }
    }

    /// The session's context (hostname, prompt, mode, variables, ...).
    pub fn context(&self) -> &DeviceContext {
        &self.ctx
    }

    /// Mutable access to the session's context.
    pub fn context_mut(&mut self) -> &mut DeviceContext {
        &mut self.ctx
    }

    /// Whether the login dialogue is over.
    pub fn is_logged_in(&self) -> bool {
        matches!(self.stage, Stage::Command) && self.started
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        matches!(self.stage, Stage::Closed)
    }

    /// Whether the pager waits for a key.
    pub fn is_paging(&self) -> bool {
        self.pager.is_some()
    }

    /// Makes the session quiet, for running commands without a terminal
    /// (an SSH exec request): typed lines are not echoed and no prompt
    /// follows a command's response, so the output is what the commands
    /// print. Where the device echoes, a line typed at a secret question
    /// (`Password: `) still ends with a line break, as it does on a
    /// terminal.
    ///
    /// ```
    /// use oxscript_emulator::{LoginType, VirtualDevice};
    ///
    /// let device = VirtualDevice::new("h")
    ///     .with_login_type(LoginType::None)
    ///     .with_command("uptime", "up 3 days", true)?;
    /// let mut session = device.session();
    /// session.start();
    /// session.set_quiet();
    /// assert_eq!(session.feed(b"uptime\r").text, "up 3 days\r\n");
    /// # Ok::<(), oxscript_emulator::Error>(())
    /// ```
    pub fn set_quiet(&mut self) {
        self.quiet = true;
    }

    /// Whether input is echoed now: the device echoes, the session is not
    /// quiet, and the input is not secret.
    fn echoing(&self) -> bool {
        self.spec.echo && !self.quiet && !self.secret_input()
    }

    /// Opens the session: the banner and the first prompt. Later calls
    /// return nothing.
    pub fn start(&mut self) -> Output {
        self.open(None);
        self.take_output()
    }

    /// Opens the session of a client that authenticated already (an SSH
    /// server's user, say): the banner, then the prompt, no login dialogue.
    /// Returns nothing if the session was started already.
    pub fn start_authenticated(&mut self, username: Option<&str>) -> Output {
        self.open(Some(username.map(str::to_owned)));
        self.take_output()
    }

    /// Shows the banner and starts the login dialogue, or, for a client
    /// that authenticated already (`Some(username)`), logs it in.
    fn open(&mut self, authenticated: Option<Option<String>>) {
        if self.started {
            return;
        }
        self.started = true;
        let banner = self.spec.banner();
        push_crlf(&mut self.out, &banner);
        match (authenticated, self.spec.login_type) {
            (Some(username), _) => self.logged_in(username),
            (None, LoginType::Both | LoginType::UserOnly) => self.ask_username(),
            (None, LoginType::PasswordOnly) => self.ask_password(None),
            (None, LoginType::None) => self.logged_in(None),
        }
    }

    /// Processes bytes from the client and returns the response. Starts
    /// the session first if [`start`](Self::start) was not called.
    pub fn feed(&mut self, input: &[u8]) -> Output {
        let mut text = String::new();
        let close = self.feed_into(input, &mut text);
        Output { text, close }
    }

    /// Like [`feed`](Self::feed), but appends the response to `out` and
    /// returns whether the connection must be closed. A server that
    /// reuses `out` does not allocate for every chunk of input.
    ///
    /// ```
    /// use oxscript_emulator::{LoginType, VirtualDevice};
    ///
    /// let device = VirtualDevice::new("h")
    ///     .with_login_type(LoginType::None)
    ///     .with_command("ls", "a b", true)?;
    /// let mut session = device.session();
    /// let mut out = session.start().text;
    /// assert!(!session.feed_into(b"l", &mut out));
    /// assert!(!session.feed_into(b"s\r", &mut out));
    /// assert_eq!(out, "Welcome to h!\r\nh> ls\r\na b\r\nh> ");
    /// # Ok::<(), oxscript_emulator::Error>(())
    /// ```
    pub fn feed_into(&mut self, input: &[u8], out: &mut String) -> bool {
        self.feed_pieces(input, out, usize::MAX)
    }

    /// Like [`feed_into`](Self::feed_into), but a long reply (over
    /// 64 KiB) is handed out in pieces: about `piece` bytes of output now
    /// (more by the carriage returns added to its line ends), the rest by
    /// [`more_into`](Self::more_into) while [`has_more`](Self::has_more)
    /// says so. A server sends each piece as
    /// it is made, instead of building a whole 50 MB `show tech-support`
    /// before its first byte goes out. Input given meanwhile waits, as
    /// typed-ahead input waits on a device, and is processed once the
    /// reply is out.
    ///
    /// ```
    /// use oxscript_emulator::{LoginType, VirtualDevice};
    ///
    /// let big = "0123456789abcdef\n".repeat(8 * 1024); // 136 KiB
    /// let device = VirtualDevice::new("h")
    ///     .with_login_type(LoginType::None)
    ///     .with_command("big", big.as_str(), true)?
    ///     .with_command("ls", "a b", true)?;
    /// let mut session = device.session();
    /// session.start();
    /// let mut piece = String::new();
    /// session.feed_pieces(b"big\rls\r", &mut piece, 64 * 1024);
    /// let mut pieces = vec![piece];
    /// while session.has_more() {
    ///     let mut piece = String::new();
    ///     session.more_into(&mut piece, 64 * 1024);
    ///     pieces.push(piece);
    /// }
    /// assert_eq!(pieces.len(), 3);
    /// assert!(pieces.iter().all(|piece| piece.len() < 72 * 1024));
    /// assert_eq!(pieces.concat(), format!("big\r\n{}h> ls\r\na b\r\nh> ", big.replace('\n', "\r\n")));
    /// # Ok::<(), oxscript_emulator::Error>(())
    /// ```
    pub fn feed_pieces(&mut self, input: &[u8], out: &mut String, piece: usize) -> bool {
        self.open(None);
        // Input waits only behind a long reply (`pump` runs the rest).
        if self.stream.is_some() {
            self.typeahead.extend_from_slice(input);
        } else {
            let used = self.consume(input);
            self.typeahead
                .extend_from_slice(input.get(used..).unwrap_or_default());
        }
        self.pump(piece);
        self.drain_into(out)
    }

    /// Whether a long reply is still being handed out (see
    /// [`feed_pieces`](Self::feed_pieces)).
    pub fn has_more(&self) -> bool {
        self.stream.is_some()
    }

    /// Appends the next piece of a long reply (about `piece` bytes of
    /// output) to `out`, and once the reply is out, the output of the
    /// input that waited for it. Returns whether the connection must be
    /// closed. Does nothing when there is nothing more.
    pub fn more_into(&mut self, out: &mut String, piece: usize) -> bool {
        self.pump(piece);
        self.drain_into(out)
    }

    /// Hands out the long reply, up to `piece` bytes of output, then
    /// processes the input that waited for it (which may start another).
    fn pump(&mut self, piece: usize) {
        loop {
            if let Some(stream) = self.stream.as_mut() {
                if self.out.len() >= piece {
                    return;
                }
                let room = (piece - self.out.len()).max(MIN_PIECE);
                if !stream.write(&mut self.out, room) {
                    return;
                }
                if let Some(Stream { prompt, close, .. }) = self.stream.take() {
                    self.finish(prompt, close);
                }
            }
            if self.typeahead.is_empty() {
                return;
            }
            if self.is_closed() {
                self.typeahead.clear();
                return;
            }
            let mut input = std::mem::take(&mut self.typeahead);
            let used = self.consume(&input);
            input.drain(..used);
            self.typeahead = input;
        }
    }

    /// Processes input bytes until the input ends, the session closes or a
    /// long reply starts; returns how many bytes were used.
    fn consume(&mut self, input: &[u8]) -> usize {
        for (i, &b) in input.iter().enumerate() {
            if matches!(self.stage, Stage::Closed) {
                return input.len();
            }
            if std::mem::take(&mut self.after_cr) && (b == b'\n' || b == 0) {
                continue;
            }
            if self.pager.is_some() {
                if b == b'\r' {
                    self.after_cr = true;
                }
                self.pager_key(b);
                continue;
            }
            match b {
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    self.end_line();
                }
                0x08 | 0x7f => self.backspace(),
                0x03 => self.interrupt(),
                b'\t' => self.push_byte(b' '),
                0x00..=0x1f => {}
                _ => self.push_byte(b),
            }
            if self.stream.is_some() {
                return i + 1;
            }
        }
        input.len()
    }

    fn secret_input(&self) -> bool {
        matches!(self.stage, Stage::Password { .. }) || self.ctx.pending_is_secret()
    }

    fn push_byte(&mut self, b: u8) {
        if self.line.len() >= MAX_LINE {
            return;
        }
        self.line.push(b);
        if self.echoing() {
            self.echo.push(b);
        }
    }

    /// Ctrl-C: drops the line being typed and any question waiting for
    /// an answer ([`DeviceContext::read_line`]), then shows the prompt
    /// again, as a terminal's interrupt does. During the login dialogue
    /// it starts the dialogue over.
    fn interrupt(&mut self) {
        self.flush_echo(false);
        self.line.clear();
        if self.spec.echo && !self.quiet {
            self.out.push_str("^C\r\n");
        }
        match self.stage {
            Stage::Command => {
                drop(self.ctx.take_pending());
                self.finish(true, false);
            }
            Stage::Username | Stage::Password { .. } => match self.spec.login_type {
                LoginType::PasswordOnly => self.ask_password(None),
                _ => self.ask_username(),
            },
            Stage::Closed => {}
        }
    }

    fn backspace(&mut self) {
        if self.line.is_empty() {
            return;
        }
        while let Some(b) = self.line.pop() {
            if b & 0xC0 != 0x80 {
                break;
            }
        }
        if self.echoing() {
            self.echo.extend_from_slice(b"\x08 \x08");
        }
    }

    /// Moves pending echo bytes into the output; at the end of a call
    /// (`final_flush`) an incomplete UTF-8 character is kept for later.
    fn flush_echo(&mut self, final_flush: bool) {
        if self.echo.is_empty() && self.carry.is_empty() {
            return;
        }
        if !self.carry.is_empty() {
            // A character split across calls: its first bytes go first.
            self.carry.append(&mut self.echo);
            std::mem::swap(&mut self.carry, &mut self.echo);
        }
        let cut = if final_flush {
            incomplete_utf8_tail(&self.echo)
        } else {
            self.echo.len()
        };
        let (complete, tail) = self.echo.split_at(cut);
        match std::str::from_utf8(complete) {
            Ok(text) => self.out.push_str(text),
            Err(_) => self.out.push_str(&String::from_utf8_lossy(complete)),
        }
        self.carry.extend_from_slice(tail);
        self.echo.clear();
    }

    /// Hands the output out: appended to `out` (moved, when `out` is
    /// empty), keeping the buffers for the next call. Returns whether the
    /// connection must be closed.
    fn drain_into(&mut self, out: &mut String) -> bool {
        self.flush_echo(true);
        if out.is_empty() {
            std::mem::swap(out, &mut self.out);
        } else {
            out.push_str(&self.out);
        }
        self.out.clear();
        matches!(self.stage, Stage::Closed)
    }

    /// All the output at once, a long reply (a message of the day) whole.
    fn take_output(&mut self) -> Output {
        self.pump(usize::MAX);
        let mut text = String::new();
        let close = self.drain_into(&mut text);
        Output { text, close }
    }

    fn end_line(&mut self) {
        self.flush_echo(false);
        // A line break ends the line as typed; a quiet session sends one
        // only after secret input (the question asking for it ends).
        if self.spec.echo && (!self.quiet || self.secret_input()) {
            self.out.push_str("\r\n");
        }
        let bytes = std::mem::take(&mut self.line);
        let line = match String::from_utf8(bytes) {
            Ok(line) => line,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        match std::mem::replace(&mut self.stage, Stage::Command) {
            Stage::Username => self.on_username(&line),
            Stage::Password { username } => self.on_password(username, &line),
            Stage::Command => self.on_command(&line),
            Stage::Closed => self.stage = Stage::Closed,
        }
        // The line's buffer serves the next line.
        let mut bytes = line.into_bytes();
        bytes.clear();
        self.line = bytes;
    }

    fn ask_username(&mut self) {
        self.stage = Stage::Username;
        self.out.push_str(&self.spec.username_prompt);
    }

    fn ask_password(&mut self, username: Option<String>) {
        self.stage = Stage::Password { username };
        self.out.push_str(&self.spec.password_prompt);
    }

    fn on_username(&mut self, line: &str) {
        let username = line.trim();
        if username.is_empty() {
            return self.ask_username();
        }
        if self.spec.login_type == LoginType::UserOnly {
            if self.spec.knows_user(username) {
                self.logged_in(Some(username.to_owned()));
            } else {
                self.login_failed();
            }
        } else {
            self.ask_password(Some(username.to_owned()));
        }
    }

    fn on_password(&mut self, username: Option<String>, password: &str) {
        let ok = match &username {
            Some(user) => self.spec.check_credentials(user, password),
            None => self.spec.knows_password(password),
        };
        if ok {
            self.logged_in(username);
        } else {
            self.login_failed();
        }
    }

    fn login_failed(&mut self) {
        self.failures += 1;
        push_crlf(&mut self.out, &self.spec.login_failure_message);
        if !self.out.ends_with('\n') {
            self.out.push_str("\r\n");
        }
        let max = self.spec.max_login_attempts;
        if max > 0 && self.failures >= max {
            self.stage = Stage::Closed;
        } else if self.spec.login_type == LoginType::PasswordOnly {
            self.ask_password(None);
        } else {
            self.ask_username();
        }
    }

    fn logged_in(&mut self, username: Option<String>) {
        self.stage = Stage::Command;
        self.ctx.set_username(username);
        match self.spec.on_login.clone() {
            Some(hook) => {
                let mut text = hook(&mut self.ctx);
                if self.spec.no_banner && !self.ctx.is_reading_line() {
                    // No message of the day; a question is still asked.
                    text.clear();
                }
                // A message of the day is shown whole, never paged.
                self.respond_paged(ReplyText::Owned(text), true, false);
            }
            None => self.finish(true, false),
        }
    }

    fn on_command(&mut self, line: &str) {
        if let Some(pending) = self.ctx.take_pending() {
            self.ctx.set_line(line);
            let text = (pending.handler)(&mut self.ctx, line);
            return self.respond_paged(ReplyText::Owned(text), true, true);
        }
        if line.trim().is_empty() {
            return self.finish(true, false);
        }
        self.ctx.set_line(line);
        let spec = Arc::clone(&self.spec);
        let reply = spec
            .commands
            .answer(&mut self.ctx, line)
            .or_else(|| {
                let fallback = spec.fallback.as_ref()?;
                fallback(&mut self.ctx, line).map(Reply::into_parts)
            })
            .or_else(|| spec.commands.unknown_reply(line).map(Reply::into_parts));
        match reply {
            Some((text, prompt)) => self.respond_paged(text, prompt, true),
            None => self.finish(true, false),
        }
    }

    fn respond_paged(&mut self, reply: ReplyText, prompt: bool, paged: bool) {
        let close = self.ctx.is_closing();
        let prompt = prompt && !close && !self.ctx.is_reading_line();
        let reply_text = reply.as_str();
        // The line break the prompt needs after text that lacks one.
        let needs_break = prompt && !reply_text.is_empty() && !reply_text.ends_with('\n');
        let Some(lines) = self.ctx.page_lines().filter(|_| paged) else {
            if reply_text.len() > STREAM_MIN {
                // Handed out piece by piece (see `pump`), not copied whole.
                self.stream = Some(Stream {
                    text: reply,
                    at: 0,
                    needs_break,
                    prompt,
                    close,
                });
                return;
            }
            push_crlf(&mut self.out, reply_text);
            if needs_break {
                self.out.push_str("\r\n");
            }
            self.finish(prompt, close);
            return;
        };
        let mut text = String::with_capacity(reply_text.len() + 16);
        push_crlf(&mut text, reply_text);
        if needs_break {
            text.push_str("\r\n");
        }
        if count_lines(&text) > lines {
            let mut pager = Pager::new(text, prompt, close);
            let step = pager.show(&mut self.out, lines, &self.spec.more_prompt);
            match step {
                PagerStep::More => self.pager = Some(pager),
                PagerStep::Done => self.finish(prompt, close),
            }
            return;
        }
        self.out.push_str(&text);
        self.finish(prompt, close);
    }

    fn finish(&mut self, prompt: bool, close: bool) {
        if close {
            self.stage = Stage::Closed;
        } else if prompt && !self.quiet {
            self.out.push_str(self.ctx.prompt());
        }
    }

    fn pager_key(&mut self, key: u8) {
        let Some(mut pager) = self.pager.take() else {
            return;
        };
        let more = self.spec.more_prompt.as_str();
        match &self.spec.more_erase {
            Some(erase) => self.out.push_str(erase),
            None => pager::erase(&mut self.out, more),
        }
        let lines = match key {
            b' ' => self.ctx.page_lines().unwrap_or(1),
            b'\r' | b'\n' => 1,
            _ => 0,
        };
        let step = if lines == 0 {
            PagerStep::Done
        } else {
            pager.show(&mut self.out, lines, more)
        };
        match step {
            PagerStep::More => self.pager = Some(pager),
            PagerStep::Done => self.finish(pager.prompt, pager.close),
        }
    }
}

#[cfg(test)]
mod tests;
