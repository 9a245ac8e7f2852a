//! Privilege levels and configuration: `acquire_priv`, `send_config`.
//!
//! The driver describes its CLI levels as a graph (scrapli style: IOS
//! `exec` → `privilege_exec` → `configuration`, each with the command that
//! enters it and the one that leaves it). The Session finds the level of
//! the current prompt, asks the driver for the path to the wanted level
//! and walks it, answering password prompts on the way with the account's
//! authorization password.

use oxscript_drivers::{Answer, Pattern, PrivilegeStep};

use super::Session;
use crate::{Error, Response, Result};

/// Dialogs some platforms show when configuration mode is left with
/// changes that were not committed; answered so that nothing is committed.
fn discard_dialogs() -> Vec<Answer> {
    let answer = |pattern: &str, reply: &str| {
        Pattern::new(pattern).ok().map(|pattern| Answer {
            pattern,
            reply: reply.to_owned(),
        })
    };
    [
        // JunOS `exit configuration-mode` with uncommitted changes.
        answer(r"(?i)exit with uncommitted changes\? \[yes,no\] \(yes\)[ \t]*$", "yes\r"),
        // IOS-XR `end` with uncommitted changes.
        answer(
            r"(?i)uncommitted changes found, commit them before exiting\(yes/no/cancel\)\? \[cancel\]:[ \t]*$",
            "no\r",
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

impl Session {
    /// Sends an empty line and returns the prompt the device answers with
    /// (netmiko's `find_prompt`); the prompt is re-learned.
    pub async fn find_prompt(&mut self) -> Result<String> {
        self.execute("").await?;
        self.prompt.clone().ok_or_else(|| Error::Closed {
            host: self.host.name().to_owned(),
        })
    }

    /// The privilege level of the current prompt (driver level names such
    /// as `exec`, `privilege_exec`, `configuration`), if the driver has levels.
    pub fn privilege(&self) -> Option<String> {
        let driver = self.driver();
        let prompt = self.prompt.as_deref()?;
        driver
            .current_privilege(prompt)
            .map(|level| level.name.clone())
    }

    pub(super) async fn current_privilege_or_probe(&mut self) -> Result<String> {
        if let Some(level) = self.privilege() {
            return Ok(level);
        }
        let prompt = self.find_prompt().await?;
        self.privilege().ok_or_else(|| Error::Privilege {
            host: self.host.name().to_owned(),
            reason: format!("the prompt `{prompt}` matches none of the driver's privilege levels"),
        })
    }

    /// Moves to the privilege level `level` (scrapli `acquire_priv`):
    /// escalates (`enable`, `configure terminal`, answering the password
    /// prompt with the account's authorization password) or de-escalates
    /// (`end`, `disable`) along the driver's level graph. Does nothing when
    /// already there.
    ///
    /// ```no_run
    /// # async fn demo(session: &mut oxscript_transport::Session) -> oxscript_transport::Result<()> {
    /// session.acquire_priv("configuration").await?;
    /// session.execute("interface GigabitEthernet0/1").await?;
    /// session.acquire_priv("privilege_exec").await?;
    /// # Ok(()) }
    /// ```
    pub async fn acquire_priv(&mut self, level: &str) -> Result<()> {
        let driver = self.driver();
        let current = self.current_privilege_or_probe().await?;
        let steps = driver.privilege_path(&current, level)?;
        for step in steps {
            match step {
                PrivilegeStep::Escalate {
                    level,
                    command,
                    auth,
                    prompt,
                } => {
                    if auth {
                        let account = self.account_or_host(None)?;
                        self.clear_buffer();
                        self.send_line(&command).await?;
                        let said = self.authorize_dialog(&account, prompt).await?;
                        if self.check_level(&level, &command).is_err() {
                            let now = self.prompt.clone().unwrap_or_default();
                            return Err(self.authorization_refused(&said, &now));
                        }
                    } else {
                        self.execute(&command).await?;
                        self.check_level(&level, &command)?;
                    }
                }
                PrivilegeStep::Deescalate { level, command } => {
                    self.leave_level(&command).await?;
                    self.check_level(&level, &command)?;
                }
            }
        }
        Ok(())
    }

    fn check_level(&self, level: &str, command: &str) -> Result<()> {
        match self.privilege() {
            Some(now) if now == level => Ok(()),
            now => Err(Error::Privilege {
                host: self.host.name().to_owned(),
                reason: format!(
                    "after `{command}` the prompt is `{}` ({}), not level `{level}`",
                    self.prompt.as_deref().unwrap_or(""),
                    now.map_or_else(|| "no known level".to_owned(), |n| format!("level `{n}`")),
                ),
            }),
        }
    }

    /// Sends a de-escalation command and waits for the prompt, declining
    /// to commit anything if the platform asks.
    async fn leave_level(&mut self, command: &str) -> Result<Response> {
        self.clear_buffer();
        self.send_and_wait(command, &discard_dialogs()).await
    }

    /// Enters the driver's configuration level, sends each line, commits
    /// where the platform needs it (`commit` on JunOS, IOS-XR), and returns
    /// to the level the session was at. Returns the response of each line
    /// (and of the commit) and the whole transcript: everything the device
    /// sent, from entering configuration mode to leaving it, echoes and
    /// prompts included. Stops at the first line the device rejects: the
    /// result is [`Error::ConfigFailed`] naming the line and the device's
    /// message, configuration mode is left without committing, and the
    /// lines before it are reported as applied.
    ///
    /// ```no_run
    /// # async fn demo(session: &mut oxscript_transport::Session) -> oxscript_transport::Result<()> {
    /// let done = session
    ///     .send_config(&["interface GigabitEthernet0/1", "description uplink", "no shutdown"])
    ///     .await?;
    /// assert_eq!(done.responses.len(), 3);
    /// println!("{}", done.transcript);
    /// # Ok(()) }
    /// ```
    #[doc(alias("send_configs", "configure"))]
    pub async fn send_config<S: AsRef<str>>(&mut self, lines: &[S]) -> Result<ConfigOutput> {
        self.config_transcript = Some(String::new());
        let result = self.send_config_lines(lines).await;
        let transcript = self.config_transcript.take().unwrap_or_default();
        result.map(|responses| ConfigOutput {
            responses,
            transcript,
        })
    }

    async fn send_config_lines<S: AsRef<str>>(&mut self, lines: &[S]) -> Result<Vec<Response>> {
        let driver = self.driver();
        let start = self.level_to_return_to().await?;
        if let Some(config) = &driver.config_privilege {
            self.acquire_priv(config).await?;
        }
        let mut responses = Vec::with_capacity(lines.len());
        let mut failure = None;
        for (index, line) in lines.iter().enumerate() {
            let line = line.as_ref();
            match self.execute(line).await {
                Ok(response) => responses.push(response),
                Err(Error::InvalidCommand { line: message, .. }) => {
                    failure = Some((index + 1, line.to_owned(), message));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if failure.is_none()
            && let Some(commit) = &driver.config_commit
        {
            match self.execute(commit).await {
                Ok(response) => responses.push(response),
                Err(Error::InvalidCommand { line: message, .. }) => {
                    failure = Some((lines.len() + 1, commit.clone(), message));
                }
                Err(e) => return Err(e),
            }
        }
        self.return_to(start, failure.is_none()).await?;
        match failure {
            None => Ok(responses),
            Some((number, line, message)) => Err(Error::ConfigFailed {
                host: self.host.name().to_owned(),
                number,
                line,
                message,
                applied: responses.len().min(number - 1),
            }),
        }
    }
}

/// What [`Session::send_config`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigOutput {
    /// The response of each line, then of the commit where the platform
    /// commits.
    pub responses: Vec<Response>,
    /// Everything the device sent from entering configuration mode to
    /// leaving it: echoes, output and prompts, as on a terminal.
    pub transcript: String,
}
