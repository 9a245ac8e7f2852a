//! Logging in: protocol-level authentication, app-level authentication
//! (Exscript a1–a3) and app-level authorization (A1–A3, e.g. `enable`).
//!
//! One dialog loop serves both app-level steps. It waits for a username
//! prompt, a password prompt, a CLI prompt, a login error or a login-time
//! question, and reacts:
//! - username / password prompt: send the credential; the same prompt a
//!   second time after credentials were sent means they were rejected;
//! - CLI prompt: done (a prompt always wins over an error message seen
//!   before it, e.g. "There were 3 failed login attempts");
//! - login error after credentials were sent: remembered, and reported as
//!   [`Error::LoginFailure`] when the device asks again, closes, or goes
//!   quiet until the deadline — a wrong password is never a timeout;
//! - login-time question (driver `login_answers`, e.g. a `[Y/N]` dialog):
//!   answered.
//!
//! Login errors are only looked for after credentials were sent, so a
//! legal banner saying "unauthorized access is denied" is not a failure.
//!
//! No credential is sent unless its prompt is at the end of the data and
//! stable: nothing more arrives for
//! [`SessionOptions::prompt_settle`](crate::SessionOptions::prompt_settle)
//! (10 ms by default). Prompt-looking text
//! followed by more data (a banner line cut by a read) is skipped. A device
//! that closes after the user name (before any password) is
//! [`Error::ConnectionClosed`] showing the prompt that arrived, not a
//! login failure.

use oxscript_core::Account;
use std::sync::Arc;

use oxscript_drivers::{Answer, Driver, Pattern};

use super::Session;
use super::wait::{Consume, Role, WaitSet};
use crate::error::Tail;
use crate::{Error, Result};
use oxscript_core::time::deadline_after;

/// Which app-level step a dialog performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Authenticate,
    Authorize,
}

impl Session {
    pub(super) fn account_or_host(&self, account: Option<&Account>) -> Result<Account> {
        account
            .cloned()
            .or_else(|| self.host.account().cloned())
            .or_else(|| self.last_account.clone())
            .ok_or_else(|| Error::NoAccount {
                host: self.host.name().to_owned(),
            })
    }

    /// Logs in: authentication, then authorization where the driver has
    /// one and the prompt asks for it (e.g. `enable` on IOS when the
    /// prompt ends in `>`), as Exscript `login` does. `None` uses the
    /// Host's account (or the one used last on this Session).
    ///
    /// # Errors
    ///
    /// [`Error::NoAccount`] without an account; [`Error::LoginFailure`]
    /// or [`Error::AuthorizationFailure`] when the device rejects it
    /// (quoting what it said, e.g. `% Access denied`);
    /// [`Error::UnknownPlatform`] when no driver was chosen and the
    /// platform cannot be detected (see [`authenticate`](Session::authenticate));
    /// a timeout or a closed connection otherwise.
    ///
    /// ```no_run
    /// # async fn demo(session: &mut oxscript_transport::Session) -> oxscript_transport::Result<()> {
    /// use oxscript_core::Account;
    ///
    /// session.login(None).await?; // the account of the Host (its URL)
    /// # let mut other = session;
    /// other.login(Some(&Account::new("admin", "secret"))).await?;
    /// # Ok(()) }
    /// ```
    #[doc(alias("login_with"))]
    pub async fn login(&mut self, account: Option<&Account>) -> Result<()> {
        let account = self.account_or_host(account)?;
        self.authenticate(Some(&account)).await?;
        self.auto_authorize(Some(&account)).await
    }

    /// Protocol-level then app-level authentication, without
    /// authorization (Exscript `authenticate`). `None` uses the Host's
    /// account.
    ///
    /// When no driver was chosen and what the device sent so far does not
    /// name its platform (an SSH server without a banner shows only a
    /// prompt), the platform is detected actively: `show version`,
    /// `display version` and `uname -a` are sent, each with
    /// [`SessionOptions::detect_timeout`](crate::SessionOptions::detect_timeout),
    /// until a driver recognises the answer.
    ///
    /// # Errors
    ///
    /// Those of [`login`](Session::login) except the authorization ones;
    /// [`Error::UnknownPlatform`] when the platform stays unknown (choose
    /// a driver, or `generic` explicitly, to avoid it).
    #[doc(alias("authenticate_with"))]
    pub async fn authenticate(&mut self, account: Option<&Account>) -> Result<()> {
        let account = self.account_or_host(account)?;
        self.protocol_authenticate(Some(&account)).await?;
        self.app_authenticate(Some(&account)).await?;
        self.ensure_platform().await
    }

    /// Protocol-level authentication. Telnet and dummy links have none
    /// (this only records the account); over SSH this is the SSH login
    /// (keys, keyboard-interactive, password), after which the shell opens.
    /// A rejected SSH login is [`Error::LoginFailure`] (its message names
    /// the methods tried and offered); [`crate::ssh::SshConnection::authenticate`]
    /// returns the structured [`Error::SshAuthFailed`]. `None` uses the
    /// Host's account.
    pub async fn protocol_authenticate(&mut self, account: Option<&Account>) -> Result<()> {
        let account = &self.account_or_host(account)?;
        self.remember_account(account);
        if let Some(ssh) = self.ssh.clone()
            && !ssh.is_authenticated()
        {
            let _lock = account.lock_login().await;
            // A rejected login is a LoginFailure on every protocol; the
            // message keeps the methods tried and offered.
            // Boxed: the SSH login's state (~8 KiB) would otherwise be
            // part of every Session's login future, Telnet ones included.
            Box::pin(ssh.authenticate(account))
                .await
                .map_err(|e| match e {
                    Error::SshAuthFailed { .. } => Error::LoginFailure {
                        host: self.host.name().to_owned(),
                        reason: e.to_string(),
                        tail: Tail::default(),
                    },
                    other => other,
                })?;
        }
        self.open_ssh_shell().await?;
        self.auth.protocol = true;
        Ok(())
    }

    /// App-level authentication: answers the device's username and
    /// password prompts until a CLI prompt appears (Exscript
    /// `app_authenticate`). Returns at once when the device shows a prompt
    /// without asking (no app-level login). The prompt is consumed.
    /// `None` uses the Host's account.
    pub async fn app_authenticate(&mut self, account: Option<&Account>) -> Result<()> {
        let account = &self.account_or_host(account)?;
        self.remember_account(account);
        let _lock = account.lock_login().await;
        self.dialog(account, Step::Authenticate, None).await?;
        self.auth.app_authenticated = true;
        self.shared.set_authenticated(true);
        Ok(())
    }

    /// App-level authorization with the account's authorization password,
    /// after the caller sent the command that starts it (Exscript
    /// `app_authorize`). `None` uses the Host's account.
    pub async fn app_authorize(&mut self, account: Option<&Account>) -> Result<()> {
        let account = &self.account_or_host(account)?;
        self.remember_account(account);
        let _lock = account.lock_login().await;
        let said = self.dialog(account, Step::Authorize, None).await?;
        let driver = self.driver();
        if let Some(prompt) = self.prompt.clone()
            && driver.wants_authorize(&prompt)
        {
            return Err(self.authorization_refused(&said, &prompt));
        }
        self.auth.app_authorized = true;
        Ok(())
    }

    /// Starts the driver's authorization (e.g. sends `enable` on IOS) and
    /// answers it with the account's authorization password (Exscript
    /// `auto_app_authorize`). Does nothing when the driver has no
    /// authorization or the prompt shows the session is already
    /// privileged (the session then counts as authorized). `None` uses
    /// the Host's account.
    #[doc(alias("authorize", "auto_app_authorize", "auto_authorize_with"))]
    pub async fn auto_authorize(&mut self, account: Option<&Account>) -> Result<()> {
        let driver = self.driver();
        let Some(authorize) = driver.authorize.clone() else {
            // Nothing to authorize on this platform: the session has
            // every right it can get.
            self.auth.app_authorized = true;
            return Ok(());
        };
        let prompt = self.prompt.clone().unwrap_or_default();
        if !driver.wants_authorize(&prompt) {
            self.auth.app_authorized = true;
            return Ok(());
        }
        let account = self.account_or_host(account)?;
        self.clear_buffer();
        self.send_line(&authorize.command).await?;
        self.app_authorize(Some(&account)).await
    }

    /// Answers an escalation's password prompt (`password`, or the
    /// driver's password prompts) with the authorization password and
    /// waits for the prompt.
    pub(super) async fn authorize_dialog(
        &mut self,
        account: &Account,
        password: Option<Pattern>,
    ) -> Result<Said> {
        self.dialog(account, Step::Authorize, password).await
    }

    /// The error of an authorization after which the prompt is still
    /// unprivileged, quoting what the device said (`% Access denied`).
    pub(super) fn authorization_refused(&self, said: &Said, prompt: &str) -> Error {
        let reason = match said.message() {
            Some(line) => format!("the device said `{line}` (the prompt is still `{prompt}`)"),
            None => format!("still unprivileged after authorization (prompt `{prompt}`)"),
        };
        let mut seen = said.before.clone();
        seen.push_str(prompt);
        Error::AuthorizationFailure {
            host: self.host.name().to_owned(),
            reason,
            tail: Tail::of(seen.as_bytes()),
        }
    }

    /// The drivers whose login patterns apply: the chosen one, or while the
    /// driver is still being guessed, the current guess together with the
    /// generic driver (an early guess such as `ios` from "User Access
    /// Verification" must not hide an NX-OS `login:` prompt).
    fn login_drivers(&self) -> Vec<Arc<Driver>> {
        let current = self.driver();
        if !self.is_auto_driver() || current.name == "generic" {
            return vec![current];
        }
        let generic = self
            .registry
            .get("generic")
            .unwrap_or_else(|| Arc::new(Driver::generic()));
        vec![current, generic]
    }

    /// The wait sets of one round of a login dialog (built again each round:
    /// the guessed driver may change as the device talks).
    fn login_sets(&self, extra_password: Option<&Pattern>) -> (WaitSet, WaitSet) {
        let drivers = self.login_drivers();
        let pick = |own: &Option<Vec<Pattern>>, of: fn(&Driver) -> &Vec<Pattern>| -> Vec<Pattern> {
            match own {
                Some(patterns) => patterns.clone(),
                None => union(drivers.iter().map(|d| of(d))),
            }
        };
        let mut password = pick(&self.prompts.password, |d| &d.password_prompt);
        if let Some(extra) = extra_password {
            password.insert(0, extra.clone());
        }
        let prompts = match &self.prompts.prompt {
            Some(patterns) => patterns.clone(),
            None => union(drivers.iter().map(|d| &d.prompt)),
        };
        let answers: Vec<Answer> = drivers
            .iter()
            .flat_map(|d| d.login_answers.iter().cloned())
            .collect();

        let mut base = WaitSet::new();
        base.add(prompts, |_| Role::Prompt);
        base.add(pick(&self.prompts.username, |d| &d.username_prompt), |_| {
            Role::Username
        });
        base.add(password, |_| Role::Password);
        base.add(answers.iter().map(|a| a.pattern.clone()), |i| {
            Role::Answer(answers.get(i).map(|a| a.reply.clone()).unwrap_or_default())
        });
        let mut with_errors = base.clone();
        with_errors.add(pick(&self.prompts.login_error, |d| &d.login_error), |_| {
            Role::LoginError
        });
        (base, with_errors)
    }

    async fn dialog(
        &mut self,
        account: &Account,
        step: Step,
        extra_password: Option<Pattern>,
    ) -> Result<Said> {
        let secret = match step {
            Step::Authenticate => account.password().clone(),
            Step::Authorize => account.authorization_password().clone(),
        };
        let (during, failure) = match step {
            Step::Authenticate => ("during login", "login"),
            Step::Authorize => ("during authorization", "authorization"),
        };

        let mut sent_username = false;
        let mut sent_password = false;
        let mut error_line: Option<String> = None;
        // The last username or password prompt answered, shown when the
        // device closes before the login ends.
        let mut asked: Vec<u8> = Vec::new();
        let reject = |session: &Session, reason: String, tail: Tail| match step {
            Step::Authenticate => Error::LoginFailure {
                host: session.host.name().to_owned(),
                reason,
                tail,
            },
            Step::Authorize => Error::AuthorizationFailure {
                host: session.host.name().to_owned(),
                reason,
                tail,
            },
        };
        // Each step of the dialog (until the next thing is sent) has the
        // Session timeout; prompts skipped as unstable do not renew it.
        let timeout = self.timeout;
        let mut step_deadline = deadline_after(timeout);

        loop {
            let credentials_sent = sent_username || sent_password;
            let (base, with_errors) = self.login_sets(extra_password.as_ref());
            let set = if credentials_sent && error_line.is_none() {
                &with_errors
            } else {
                &base
            };
            let remaining = step_deadline.saturating_duration_since(tokio::time::Instant::now());
            let hit = match self
                .wait_with_timeout(set, during, Consume::No, remaining)
                .await
            {
                Ok(hit) => hit,
                Err(Error::ConnectionClosed { tail, reason, .. })
                    if sent_password || error_line.is_some() =>
                {
                    let why = error_line.unwrap_or_else(|| {
                        format!("the device closed the connection after the credentials were sent{reason}")
                    });
                    return Err(reject(self, why, tail));
                }
                Err(Error::ConnectionClosed { reason, .. }) if sent_username => {
                    // Closed after the user name: not a rejected password.
                    asked.extend_from_slice(&self.shared.lock().buf);
                    return Err(Error::ConnectionClosed {
                        during: format!("{during}, after the user name was sent"),
                        reason,
                        tail: Tail::of(&asked),
                    });
                }
                Err(Error::Timeout { tail, .. }) if error_line.is_some() => {
                    return Err(reject(self, error_line.unwrap_or_default(), tail));
                }
                Err(Error::Timeout {
                    during,
                    expected,
                    tail,
                    ..
                }) => {
                    return Err(Error::Timeout {
                        during,
                        expected,
                        timeout,
                        tail,
                    });
                }
                Err(e) => return Err(e),
            };
            if matches!(hit.role, Role::Username | Role::Password)
                && !self
                    .prompt_is_stable(hit.before.len() + hit.text.len())
                    .await
            {
                // More data followed the prompt-looking text (a banner line
                // cut by a read, or a prompt still arriving byte by byte):
                // nothing is sent. The text stays in the buffer: the next
                // search sees it again with what followed (`Username:`
                // then ` ` is the prompt `Username: `).
                tracing::debug!(host = self.host.name(), text = %hit.text.trim(), "not a login prompt yet: more data followed");
                self.consume(hit.before.len());
                continue;
            }
            let consumed = hit.before.len() + hit.text.len();
            match hit.role {
                Role::Prompt => {
                    self.consume(consumed);
                    let prompt = hit.text.trim().to_owned();
                    self.note_prompt(&prompt);
                    return Ok(Said {
                        error_line,
                        before: crate::response::into_text(hit.before),
                    });
                }
                Role::LoginError => {
                    let line = hit.text.trim().to_owned();
                    tracing::debug!(host = self.host.name(), %line, "{failure} error message");
                    error_line = Some(line);
                    // Keep the message in the buffer for the report, but do
                    // not match it again: the next wait excludes errors.
                }
                Role::Username => {
                    let tail = Tail::of(hit.text.as_bytes());
                    asked = hit.text.clone().into_bytes();
                    step_deadline = deadline_after(timeout);
                    self.consume(consumed);
                    if sent_password || sent_username {
                        let why = error_line.unwrap_or_else(|| {
                            format!("the device asked for the username again: {failure} rejected")
                        });
                        return Err(reject(self, why, tail));
                    }
                    sent_username = true;
                    self.send_line(account.name()).await?;
                }
                Role::Password => {
                    let tail = Tail::of(hit.text.as_bytes());
                    asked = hit.text.clone().into_bytes();
                    step_deadline = deadline_after(timeout);
                    self.consume(consumed);
                    if sent_password {
                        let why = error_line.unwrap_or_else(|| {
                            format!("the device asked for the password again: {failure} rejected")
                        });
                        return Err(reject(self, why, tail));
                    }
                    sent_password = true;
                    self.send_line(secret.expose()).await?;
                }
                Role::Answer(reply) => {
                    step_deadline = deadline_after(timeout);
                    self.consume(consumed);
                    self.send(reply.as_bytes()).await?;
                }
                Role::Caller(_) | Role::Pager(_) => {
                    self.consume(consumed);
                }
            }
        }
    }

    /// Whether a username or password prompt ending `end` bytes into the
    /// buffer is really one: it is at the end of the data, and stays there
    /// for [`SessionOptions::prompt_settle`](crate::SessionOptions::prompt_settle)
    /// (no more data comes). A credential is only ever sent to a stable
    /// prompt.
    async fn prompt_is_stable(&self, end: usize) -> bool {
        let mut rx = self.shared.subscribe();
        rx.borrow_and_update();
        let at_end = |shared: &crate::buffer::Shared| shared.lock().buf.len() <= end;
        if !at_end(&self.shared) {
            return false;
        }
        let settle = tokio::time::sleep(self.prompt_settle);
        tokio::pin!(settle);
        loop {
            tokio::select! {
                () = &mut settle => return at_end(&self.shared),
                changed = rx.changed() => {
                    if changed.is_err() || !at_end(&self.shared) {
                        return at_end(&self.shared);
                    }
                    if self.shared.lock().closed.is_some() {
                        return true;
                    }
                }
            }
        }
    }

    /// Removes `n` bytes from the front of the buffer.
    pub(crate) fn consume(&mut self, n: usize) {
        self.shared.lock().consume(n);
        self.shared.space_freed();
    }
}

/// What the device said in a login dialog before the prompt that ended it.
#[derive(Clone, Debug, Default)]
pub(super) struct Said {
    /// A line that matched a login error pattern, if one did.
    error_line: Option<String>,
    /// The text received between the last answer and the prompt.
    before: String,
}

impl Said {
    /// The device's message: the error line, else the last line of text
    /// before the prompt (`% Access denied`), if there is one.
    pub(super) fn message(&self) -> Option<String> {
        self.error_line.clone().or_else(|| {
            self.before
                .lines()
                .map(str::trim)
                .rfind(|line| !line.is_empty())
                .map(str::to_owned)
        })
    }
}

/// The patterns of several drivers, each source once, in order.
fn union<'a>(lists: impl Iterator<Item = &'a Vec<Pattern>>) -> Vec<Pattern> {
    let mut out: Vec<Pattern> = Vec::new();
    for pattern in lists.flatten() {
        if !out.iter().any(|p| p.as_str() == pattern.as_str()) {
            out.push(pattern.clone());
        }
    }
    out
}
