//! Keeping responses in step with commands.
//!
//! A prompt-looking line at the end of a read, or output that arrives
//! after a command timed out, must never end up in another command's
//! response. Two rules keep them apart:
//!
//! - **The echo starts a response.** Once the device has been seen to echo
//!   commands, a response is what follows the echo of its own command, up
//!   to the first prompt after it. A prompt that arrives before the echo
//!   (the rest of an earlier command's output, a stray prompt) ends no
//!   response: what came before it is dropped, and the wait goes on (with
//!   the same deadline). See [`crate::response::find_echo`] for what counts
//!   as the echo.
//! - **A command in flight is finished first.** A command whose response
//!   was not read to its prompt (its wait timed out, or was cancelled) is
//!   in flight. Before the next command is sent, the Session waits (up to
//!   its timeout, sending nothing: a stray Enter could confirm a pending
//!   dialog) for that command's prompt and drops what came before it. When
//!   it does not come, the new command is not sent and the call fails with
//!   [`Error::OutOfStep`]; the next call tries again.
//!
//! A device that does not echo (echo never seen) is kept in step by
//! prompts only; the Session says so once (a warning).

use oxscript_core::time::deadline_after;
use oxscript_drivers::{Answer, Driver};

use super::Session;
use super::wait::Hit;
use crate::response;
use crate::{Error, Result};

/// What the Session knows of the device's command echo.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Echo {
    /// No response read yet.
    #[default]
    Unknown,
    /// The device echoes commands: responses start at their echo.
    Seen,
    /// A response came without the echo (warned once).
    Absent,
}

/// The step state of a Session.
#[derive(Clone, Debug, Default)]
pub(crate) struct InStep {
    /// The command whose response was not read to its prompt.
    pub(crate) in_flight: Option<String>,
    pub(crate) echo: Echo,
}

impl Session {
    /// Waits for the prompt of a command left in flight, so the next
    /// command starts in step (see the module docs).
    pub(super) async fn finish_in_flight(&mut self, driver: &Driver) -> Result<()> {
        let Some(previous) = self.in_step.in_flight.clone() else {
            return Ok(());
        };
        let during = format!("waiting for the prompt of `{previous}` (left in flight)");
        let timeout = self.timeout;
        match self.wait_prompt(driver, &[], &during, timeout).await {
            Ok(hit) => {
                tracing::debug!(
                    host = self.host.name(),
                    command = %previous,
                    bytes = hit.before.len(),
                    "back in step: dropped the late output of a command left in flight"
                );
                self.in_step.in_flight = None;
                Ok(())
            }
            Err(Error::Timeout { tail, .. }) => Err(Error::OutOfStep {
                host: self.host.name().to_owned(),
                previous,
                timeout,
                tail,
            }),
            Err(e) => Err(e),
        }
    }

    /// Marks `command` in flight, then sends it: it stays in flight until
    /// its response is read, so a timeout or a cancelled call leaves it so
    /// and the next command waits for its prompt first.
    pub(super) async fn send_in_flight(&mut self, driver: &Driver, command: &str) -> Result<()> {
        self.in_step.in_flight = Some(command.to_owned());
        self.send_line_with(driver, command).await
    }

    /// Waits for the prompt ending the response of `command` (`None`: the
    /// next prompt, whatever came before): prompts before the command's
    /// echo end nothing (see the module docs), within `timeout` in all.
    /// Returns the prompt hit and the received text from the echo on.
    pub(super) async fn wait_in_step(
        &mut self,
        driver: &Driver,
        answers: &[Answer],
        command: Option<&str>,
        during: &str,
        timeout: std::time::Duration,
    ) -> Result<(Hit, String)> {
        let deadline = deadline_after(timeout);
        let mut skipped = 0usize;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let mut hit = match self.wait_prompt(driver, answers, during, remaining).await {
                Ok(hit) => hit,
                Err(Error::Timeout {
                    during,
                    expected,
                    tail,
                    ..
                }) => {
                    let during = if skipped > 0 {
                        // Perhaps the device stopped echoing: do not insist.
                        self.in_step.echo = Echo::Unknown;
                        format!(
                            "{during} ({skipped} prompt(s) came without the echo of the command: \
                             earlier output, or the device stopped echoing)"
                        )
                    } else {
                        during
                    };
                    return Err(Error::Timeout {
                        during,
                        expected,
                        timeout,
                        tail,
                    });
                }
                Err(e) => return Err(e),
            };
            let mut raw = response::into_text(std::mem::take(&mut hit.before));
            let Some(command) = command else {
                self.in_step.in_flight = None;
                return Ok((hit, raw));
            };
            let prompts = self.prompts.prompt_for(driver);
            let is_prompt = |text: &str| prompts.iter().any(|p| p.is_match(text.as_bytes()));
            match response::find_echo(&raw, command, is_prompt) {
                Some(at) => {
                    if at > 0 {
                        tracing::debug!(host = self.host.name(), bytes = at, %command, "dropped earlier output before the echo");
                        raw.drain(..at);
                    }
                    if !command.trim().is_empty() {
                        self.in_step.echo = Echo::Seen;
                    }
                }
                None if self.in_step.echo == Echo::Seen => {
                    skipped += 1;
                    tracing::debug!(
                        host = self.host.name(),
                        %command,
                        prompt = %hit.text.trim(),
                        bytes = raw.len(),
                        "a prompt before the command's echo: earlier output, dropped"
                    );
                    continue;
                }
                None => {
                    if self.in_step.echo == Echo::Unknown {
                        tracing::warn!(
                            host = self.host.name(),
                            %command,
                            "the device did not echo the command: responses are kept in step by prompts only"
                        );
                        self.in_step.echo = Echo::Absent;
                    }
                }
            }
            self.in_step.in_flight = None;
            return Ok((hit, raw));
        }
    }
}
