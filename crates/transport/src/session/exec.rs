//! [`Session::execute_with`]: one command with per-call options — its own
//! expected patterns and deadline (netmiko `send_command(expect_string=…,
//! read_timeout=…)`), or a read that ends when the output goes quiet
//! (netmiko `send_command_timing`).

use std::time::{Duration, Instant};

use oxscript_drivers::{Driver, Pattern, Scanner, find_earliest};

use super::Session;
use super::wait::{Consume, Role, WaitSet};
use crate::error::{Expected, Tail};
use crate::patterns::IntoPatterns;
use crate::{Error, Response, Result, response};

/// Per-call settings of [`Session::execute_with`]. The default is what
/// [`Session::execute`] does: wait for the driver's prompt within the
/// Session timeout, and report error lines.
///
/// ```
/// use std::time::Duration;
/// use oxscript_transport::ExecOptions;
///
/// // `copy run start` asks for a file name instead of showing the prompt.
/// let copy = ExecOptions::new()
///     .expect(r"Destination filename \[\S+\]\?")?
///     .timeout(Duration::from_secs(60));
/// // A command whose end is only known by the output going quiet.
/// let timing = ExecOptions::new()
///     .until_idle(Duration::from_millis(500))
///     .timeout(Duration::from_secs(20));
/// # let _ = (copy, timing);
/// # Ok::<(), oxscript_transport::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ExecOptions {
    /// Patterns that end the response instead of the prompt (netmiko
    /// `expect_string`); the text they matched becomes
    /// [`Response::prompt`] (the Session's prompt is not changed).
    pub expect: Option<Vec<Pattern>>,
    /// The deadline of this call instead of the Session timeout (netmiko
    /// `read_timeout`); with [`idle`](Self::idle) the upper bound of the read.
    pub timeout: Option<Duration>,
    /// A timing-based read: the response ends once nothing arrived for
    /// this long (or at an [`expect`](Self::expect) pattern, whichever
    /// comes first). A prompt at the end is split off as
    /// [`Response::prompt`]. Output that never goes quiet within the
    /// timeout is [`Error::Timeout`].
    pub idle: Option<Duration>,
    /// Do not check the response for the driver's error lines.
    pub ignore_errors: bool,
}

impl ExecOptions {
    /// The default: like [`Session::execute`].
    pub fn new() -> ExecOptions {
        ExecOptions::default()
    }

    /// Ends the response at `patterns` instead of the prompt.
    ///
    /// # Errors
    ///
    /// [`Error::Pattern`] when a pattern does not compile.
    pub fn expect(mut self, patterns: impl IntoPatterns) -> Result<ExecOptions> {
        self.expect = Some(patterns.into_patterns()?);
        Ok(self)
    }

    /// Sets the deadline of this call.
    pub fn timeout(mut self, timeout: Duration) -> ExecOptions {
        self.timeout = Some(timeout);
        self
    }

    /// Ends the response when the output has been quiet for `idle`.
    pub fn until_idle(mut self, idle: Duration) -> ExecOptions {
        self.idle = Some(idle);
        self
    }

    /// Does not report error lines of the response as
    /// [`Error::InvalidCommand`].
    pub fn ignore_errors(mut self) -> ExecOptions {
        self.ignore_errors = true;
        self
    }
}

/// The start of the last line of `buf` (after its line break).
fn last_line_start(buf: &[u8]) -> usize {
    memchr::memrchr(b'\n', buf).map_or(0, |i| i + 1)
}

impl Session {
    /// Gets ready for a command: a command left in flight is finished
    /// first (its prompt may be in the buffer), then what arrived before
    /// the new command (a late prompt, a log line) is dropped: it is not
    /// part of the command's response.
    pub(super) async fn drop_stale_data(&mut self, driver: &Driver) -> Result<()> {
        self.finish_in_flight(driver).await?;
        let dropped = self.clear_buffer();
        if dropped > 0 {
            tracing::debug!(
                host = self.host.name(),
                bytes = dropped,
                "dropped stale data before a command"
            );
        }
        Ok(())
    }

    /// Sends `command` and reads its response with per-call options:
    /// patterns ending it instead of the prompt, a deadline of its own,
    /// or a read that ends when the output goes quiet (see
    /// [`ExecOptions`]). The echo is removed and pager prompts are
    /// answered as [`execute`](Session::execute) does.
    ///
    /// ```no_run
    /// # async fn demo(session: &mut oxscript_transport::Session) -> oxscript_transport::Result<()> {
    /// use std::time::Duration;
    /// use oxscript_transport::ExecOptions;
    ///
    /// let asked = session
    ///     .execute_with("copy running-config startup-config", ExecOptions::new().expect(r"\]\?")?)
    ///     .await?;
    /// println!("the device asks {:?}", asked.prompt());
    /// session.execute("").await?; // accept the default name
    /// let slow = session
    ///     .execute_with("show tech-support", ExecOptions::new().timeout(Duration::from_secs(300)))
    ///     .await?;
    /// # let _ = slow;
    /// # Ok(()) }
    /// ```
    ///
    /// Responses stay in step as with [`execute`](Session::execute): a
    /// command left in flight by an earlier call is finished first, and a
    /// call that times out or is cancelled leaves its own command in
    /// flight. A response ended by an `expect` pattern is complete (the
    /// device now waits for an answer). A read until quiet does not wait
    /// for an earlier command's prompt; it drops that command's late
    /// output instead.
    ///
    /// # Errors
    ///
    /// Those of [`execute`](Session::execute); a timeout names the
    /// patterns waited for (or the quiet time) and shows what arrived.
    #[doc(alias("send_command", "send_command_timing", "send_command_expect"))]
    pub async fn execute_with(&mut self, command: &str, options: ExecOptions) -> Result<Response> {
        let driver = self.driver();
        if options.idle.is_some()
            && let Some(previous) = self.in_step.in_flight.take()
        {
            // A timing read relies on no prompt, so it does not wait for
            // the prompt of a command left in flight either (it may never
            // come): what that command left is dropped below.
            tracing::debug!(
                host = self.host.name(),
                %previous,
                %command,
                "a read until quiet does not wait for the prompt of a command left in flight"
            );
        }
        self.drop_stale_data(&driver).await?;
        let timeout = options.timeout.unwrap_or(self.timeout);
        let started = Instant::now();
        self.pager_texts.clear();
        // In flight until its response is read, as after `execute`.
        self.send_in_flight(&driver, command).await?;
        let response = match (options.idle, options.expect) {
            (Some(idle), expect) => {
                let expect = expect.unwrap_or_default();
                self.read_until_idle(&driver, command, &expect, idle, timeout, started)
                    .await?
            }
            // The prompt: what `execute` does, with this call's deadline.
            (None, None) => {
                let during = format!("waiting for the prompt after `{command}`");
                self.wait_response(&driver, &[], Some(command), &during, started, timeout)
                    .await?
            }
            (None, Some(expect)) => {
                let mut set = WaitSet::new();
                set.add(expect, Role::Caller);
                set.add_pagers(&driver.pager);
                let during = format!("waiting for the response to `{command}`");
                let hit = self
                    .wait_with_timeout(&set, &during, Consume::ThroughMatch, timeout)
                    .await?;
                self.make_response(
                    response::into_text(hit.before),
                    &hit.text,
                    Some(command),
                    started,
                    false,
                )
            }
        };
        // Read to its end (a prompt, the caller's pattern, or quiet
        // output the caller accepted).
        self.in_step.in_flight = None;
        if !options.ignore_errors {
            self.check_errors(&driver, &response)?;
        }
        Ok(response)
    }

    /// Reads until nothing arrived for `idle` (or an `expect` pattern
    /// matched), answering pager prompts found at the end, within
    /// `timeout`.
    async fn read_until_idle(
        &mut self,
        driver: &Driver,
        command: &str,
        expect: &[Pattern],
        idle: Duration,
        timeout: Duration,
        started: Instant,
    ) -> Result<Response> {
        let deadline = oxscript_core::time::deadline_after(timeout);
        let shared = self.shared.clone();
        let mut rx = shared.subscribe();
        let mut scanner = Scanner::new(self.lookbehind);
        let mut answered_at: Option<u64> = None;
        loop {
            rx.borrow_and_update();
            let quiet = tokio::time::Instant::now() + idle;
            if !expect.is_empty() {
                let found = {
                    let st = shared.lock();
                    scanner.search(&st.buf, expect).map(|m| m.range)
                };
                if let Some(range) = found {
                    let (before, end) = {
                        let mut st = shared.lock();
                        let before = st.buf[..range.start].to_vec();
                        let end = String::from_utf8_lossy(&st.buf[range.clone()]).into_owned();
                        st.consume(range.end);
                        (before, end)
                    };
                    shared.space_freed();
                    return Ok(self.make_response(
                        response::into_text(before),
                        &end,
                        Some(command),
                        started,
                        false,
                    ));
                }
            }
            if shared.lock().closed.is_some() {
                // Nothing more can come: what arrived is the response.
                break;
            }
            let wake = quiet.min(deadline);
            if tokio::time::timeout_at(wake, rx.changed()).await.is_ok() {
                continue;
            }
            if wake < quiet {
                return Err(Error::Timeout {
                    during: format!("reading the response to `{command}` until it is quiet"),
                    expected: Expected(vec![format!("{idle:?} without output")]),
                    timeout,
                    tail: Tail::of(&shared.lock().buf),
                });
            }
            // Quiet: a pager prompt at the end is answered, then read on.
            let pager = {
                let st = shared.lock();
                let start = last_line_start(&st.buf);
                find_earliest(driver.pager.iter().map(|a| &a.pattern), &st.buf, start).map(|m| {
                    (
                        m.index,
                        st.consumed + m.range.end as u64,
                        st.buf[m.range].to_vec(),
                    )
                })
            };
            match pager {
                Some((index, end, text)) if answered_at != Some(end) => {
                    answered_at = Some(end);
                    let text = String::from_utf8_lossy(&text).into_owned();
                    if !self.pager_texts.contains(&text) {
                        self.pager_texts.push(text);
                    }
                    let reply = driver.pager.get(index).map(|a| a.reply.clone());
                    self.write(bytes::Bytes::from(reply.unwrap_or_default().into_bytes()))
                        .await?;
                }
                _ => break,
            }
        }
        let (before, end) = {
            let mut st = shared.lock();
            let start = last_line_start(&st.buf);
            let cut = find_earliest(
                self.prompts.prompt_for(driver),
                &st.buf,
                start.saturating_sub(1),
            )
            .map_or(st.buf.len(), |m| m.range.start);
            let before = st.buf[..cut].to_vec();
            let end = String::from_utf8_lossy(&st.buf[cut..]).into_owned();
            let all = st.buf.len();
            st.consume(all);
            (before, end)
        };
        shared.space_freed();
        let prompt = !end.trim().is_empty();
        Ok(self.make_response(
            response::into_text(before),
            &end,
            Some(command),
            started,
            prompt,
        ))
    }
}
