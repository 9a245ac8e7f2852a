//! The connection a template talks to.
//!
//! Every call to the [`Session`] API in this crate is in this module: the
//! interpreter and the standard library use the small [`Conn`] trait, and
//! [`SessionConn`] implements it on a Session. [`NoConn`] stands for "no
//! connection" (compiling and testing templates, and running their pure
//! parts in unit tests).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oxscript_core::Account;
use oxscript_transport::{Error as SessionError, Session};

/// A boxed future, as stored or returned by the template's functions.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A command's response.
pub(crate) struct Reply {
    /// Everything received before the prompt, the echo included.
    pub(crate) raw: String,
    /// The output without echo and prompt (what the command line prints).
    pub(crate) text: String,
}

/// What the interpreter and the standard library need from a connection.
pub(crate) trait Conn: Send {
    /// The host name (`__hostname__`).
    fn hostname(&self) -> Option<String>;
    /// The host's own account.
    fn host_account(&self) -> Option<Account>;
    /// Sends `command` and a line break, waits for the prompt.
    fn execute<'a>(&'a mut self, command: &'a str) -> BoxFuture<'a, Result<Reply, SessionError>>;
    /// Sends `data` as it is.
    fn send<'a>(&'a mut self, data: &'a str) -> BoxFuture<'a, Result<(), SessionError>>;
    /// Sends `line` and the driver's line break.
    fn send_line<'a>(&'a mut self, line: &'a str) -> BoxFuture<'a, Result<(), SessionError>>;
    /// Waits for the prompt; returns what came before it.
    fn expect_prompt(&mut self) -> BoxFuture<'_, Result<String, SessionError>>;
    /// Waits for `pattern`; returns what came before the match.
    fn expect<'a>(&'a mut self, pattern: &'a str) -> BoxFuture<'a, Result<String, SessionError>>;
    /// Overrides the prompt patterns; `None` returns to the driver's.
    fn set_prompt(&mut self, pattern: Option<&str>) -> Result<(), SessionError>;
    /// Overrides the error patterns; `None` returns to the driver's.
    fn set_error(&mut self, pattern: Option<&str>) -> Result<(), SessionError>;
    /// Sets the deadline of every wait.
    fn set_timeout(&mut self, timeout: Duration) -> Result<(), SessionError>;
    /// The deadline of every wait.
    fn timeout(&self) -> Duration;
    /// The operating system guessed from the conversation so far.
    fn guess_os(&self) -> Result<String, SessionError>;
    /// The driver's init commands (`terminal length 0` …).
    fn autoinit(&mut self) -> BoxFuture<'_, Result<(), SessionError>>;
    /// App-level authentication with `account`.
    fn authenticate<'a>(
        &'a mut self,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<(), SessionError>>;
    /// Answers an authorization password prompt with `account`.
    fn authorize<'a>(&'a mut self, account: &'a Account)
    -> BoxFuture<'a, Result<(), SessionError>>;
    /// Starts the driver's authorization (`enable`) and answers it.
    fn auto_authorize<'a>(
        &'a mut self,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<(), SessionError>>;
    /// Closes the connection (no logout).
    fn close(&mut self) -> BoxFuture<'_, ()>;
    /// The Session, for user functions that need it.
    fn session(&mut self) -> Option<&mut Session>;
}

/// A template's connection to a [`Session`].
pub(crate) struct SessionConn<'s> {
    session: &'s mut Session,
}

impl<'s> SessionConn<'s> {
    pub(crate) fn new(session: &'s mut Session) -> Self {
        SessionConn { session }
    }

    /// A response as Exscript has it: everything before the prompt *line*.
    /// The drivers' prompt patterns start with the line break before the
    /// prompt, which is then not part of [`oxscript_transport::Response::raw`];
    /// it is put back (as `\n`: the `\r` of a `\r\n` stays in the text).
    fn with_line_break(&self, raw: &str) -> String {
        let mut out = String::with_capacity(raw.len() + 1);
        out.push_str(raw);
        let driver = self.session.driver();
        let line_anchored = self
            .session
            .prompts()
            .prompt_for(&driver)
            .iter()
            .all(|p| starts_at_line_break(p.as_str()));
        if !raw.is_empty() && line_anchored {
            out.push('\n');
        }
        out
    }
}

/// Whether a prompt pattern begins by matching the line break before the
/// prompt (`(?:\A|[\r\n])`, after optional inline flags).
fn starts_at_line_break(pattern: &str) -> bool {
    let rest = match pattern.strip_prefix("(?") {
        Some(flags)
            if flags.find(')').is_some_and(|i| {
                flags[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '-')
            }) =>
        {
            flags.find(')').map_or(pattern, |i| &flags[i + 1..])
        }
        _ => pattern,
    };
    rest.starts_with(r"(?:\A|[\r\n])")
}

impl Conn for SessionConn<'_> {
    fn hostname(&self) -> Option<String> {
        Some(self.session.host().address().to_owned())
    }

    fn host_account(&self) -> Option<Account> {
        self.session.host().account().cloned()
    }

    fn execute<'a>(&'a mut self, command: &'a str) -> BoxFuture<'a, Result<Reply, SessionError>> {
        Box::pin(async move {
            let response = self.session.execute(command).await?;
            Ok(Reply {
                raw: self.with_line_break(response.raw()),
                text: response.text().to_owned(),
            })
        })
    }

    fn send<'a>(&'a mut self, data: &'a str) -> BoxFuture<'a, Result<(), SessionError>> {
        Box::pin(self.session.send(data))
    }

    fn send_line<'a>(&'a mut self, line: &'a str) -> BoxFuture<'a, Result<(), SessionError>> {
        Box::pin(self.session.send_line(line))
    }

    fn expect_prompt(&mut self) -> BoxFuture<'_, Result<String, SessionError>> {
        Box::pin(async move {
            let response = self.session.expect_prompt().await?;
            Ok(self.with_line_break(response.raw()))
        })
    }

    fn expect<'a>(&'a mut self, pattern: &'a str) -> BoxFuture<'a, Result<String, SessionError>> {
        Box::pin(async move {
            let found = self.session.expect(pattern).await?;
            Ok(found.before)
        })
    }

    fn set_prompt(&mut self, pattern: Option<&str>) -> Result<(), SessionError> {
        match pattern {
            Some(p) => self.session.prompts_mut().set_prompt(p).map(|_| ()),
            None => {
                self.session.prompts_mut().prompt = None;
                Ok(())
            }
        }
    }

    fn set_error(&mut self, pattern: Option<&str>) -> Result<(), SessionError> {
        match pattern {
            Some(p) => self.session.prompts_mut().set_error_prompt(p).map(|_| ()),
            None => {
                self.session.prompts_mut().error = None;
                Ok(())
            }
        }
    }

    fn set_timeout(&mut self, timeout: Duration) -> Result<(), SessionError> {
        self.session.set_timeout(timeout);
        Ok(())
    }

    fn timeout(&self) -> Duration {
        self.session.timeout()
    }

    fn guess_os(&self) -> Result<String, SessionError> {
        Ok(self.session.guess_os())
    }

    fn autoinit(&mut self) -> BoxFuture<'_, Result<(), SessionError>> {
        Box::pin(self.session.autoinit())
    }

    fn authenticate<'a>(
        &'a mut self,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<(), SessionError>> {
        Box::pin(self.session.app_authenticate(Some(account)))
    }

    fn authorize<'a>(
        &'a mut self,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<(), SessionError>> {
        Box::pin(self.session.app_authorize(Some(account)))
    }

    fn auto_authorize<'a>(
        &'a mut self,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<(), SessionError>> {
        Box::pin(self.session.auto_authorize(Some(account)))
    }

    fn close(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(self.session.close_in_place())
    }

    fn session(&mut self) -> Option<&mut Session> {
        Some(self.session)
    }
}

/// No connection: everything that would talk to a device fails.
pub(crate) struct NoConn {
    pub(crate) timeout: Duration,
}

impl NoConn {
    fn closed(&self) -> SessionError {
        SessionError::from(std::io::Error::new(
            std::io::ErrorKind::NotConnected,
            "the template runs without a connection",
        ))
    }
}

impl Conn for NoConn {
    fn hostname(&self) -> Option<String> {
        None
    }

    fn host_account(&self) -> Option<Account> {
        None
    }

    fn execute<'a>(&'a mut self, _: &'a str) -> BoxFuture<'a, Result<Reply, SessionError>> {
        let e = self.closed();
        Box::pin(async move { Err(e) })
    }

    fn send<'a>(&'a mut self, _: &'a str) -> BoxFuture<'a, Result<(), SessionError>> {
        let e = self.closed();
        Box::pin(async move { Err(e) })
    }

    fn send_line<'a>(&'a mut self, _: &'a str) -> BoxFuture<'a, Result<(), SessionError>> {
        let e = self.closed();
        Box::pin(async move { Err(e) })
    }

    fn expect_prompt(&mut self) -> BoxFuture<'_, Result<String, SessionError>> {
        let e = self.closed();
        Box::pin(async move { Err(e) })
    }

    fn expect<'a>(&'a mut self, _: &'a str) -> BoxFuture<'a, Result<String, SessionError>> {
        let e = self.closed();
        Box::pin(async move { Err(e) })
    }

    fn set_prompt(&mut self, _: Option<&str>) -> Result<(), SessionError> {
        Err(self.closed())
    }

    fn set_error(&mut self, _: Option<&str>) -> Result<(), SessionError> {
        Err(self.closed())
    }

    fn set_timeout(&mut self, timeout: Duration) -> Result<(), SessionError> {
        self.timeout = timeout;
        Ok(())
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }

    fn guess_os(&self) -> Result<String, SessionError> {
        Err(self.closed())
    }

    fn autoinit(&mut self) -> BoxFuture<'_, Result<(), SessionError>> {
        let e = self.closed();
        Box::pin(async move { Err(e) })
    }

    fn authenticate<'a>(&'a mut self, _: &'a Account) -> BoxFuture<'a, Result<(), SessionError>> {
        let e = self.closed();
        Box::pin(async move { Err(e) })
    }

    fn authorize<'a>(&'a mut self, _: &'a Account) -> BoxFuture<'a, Result<(), SessionError>> {
        let e = self.closed();
        Box::pin(async move { Err(e) })
    }

    fn auto_authorize<'a>(&'a mut self, _: &'a Account) -> BoxFuture<'a, Result<(), SessionError>> {
        let e = self.closed();
        Box::pin(async move { Err(e) })
    }

    fn close(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }

    fn session(&mut self) -> Option<&mut Session> {
        None
    }
}
