//! [`Prompts`]: the caller's overrides of the driver's patterns.

use oxscript_drivers::{Driver, Pattern};

use crate::Result;
use crate::patterns::IntoPatterns;

/// The patterns a Session waits for in place of its driver's: the command
/// prompt, the error lines, and the username, password and login-error
/// prompts of a login (Exscript's `set_prompt`, `set_error_prompt`, …).
///
/// Each field is either `None`, meaning the driver's patterns, or the
/// caller's list. Get the Session's value with
/// [`Session::prompts`](crate::Session::prompts), change it in place with
/// [`Session::prompts_mut`](crate::Session::prompts_mut), and restore a
/// saved copy by assigning it back. The patterns are searched as
/// described in [How patterns are searched](oxscript_drivers#how-patterns-are-searched).
///
/// ```no_run
/// # async fn demo(session: &mut oxscript_transport::Session) -> oxscript_transport::Result<()> {
/// // `write memory` asks for a confirmation instead of showing the prompt.
/// let saved = session.prompts().clone();
/// session.prompts_mut().set_prompt(r"\[confirm\]")?;
/// session.execute("write memory").await?;
/// *session.prompts_mut() = saved;
/// session.execute("").await?; // confirm with Enter, back at the prompt
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prompts {
    /// Command prompts; `None` is the driver's [`Driver::prompt`].
    pub prompt: Option<Vec<Pattern>>,
    /// Lines that mark a response as an error; `None` is the driver's
    /// [`Driver::error`] (looking at the first [`Driver::error_lines`]
    /// lines of a response); the caller's patterns look at the whole
    /// response; an empty list disables error detection.
    pub error: Option<Vec<Pattern>>,
    /// Username prompts of a login; `None` is the driver's.
    pub username: Option<Vec<Pattern>>,
    /// Password prompts of a login or authorization; `None` is the driver's.
    pub password: Option<Vec<Pattern>>,
    /// Lines that say a login or authorization failed; `None` is the driver's.
    pub login_error: Option<Vec<Pattern>>,
}

impl Prompts {
    /// Waits for `patterns` instead of the driver's command prompts
    /// (Exscript `set_prompt`).
    ///
    /// # Errors
    ///
    /// [`Error::Pattern`](crate::Error::Pattern) when a pattern does not compile.
    ///
    /// ```
    /// use oxscript_transport::Prompts;
    ///
    /// let mut prompts = Prompts::default();
    /// prompts.set_prompt([r"\[confirm\]", r"\[y/n\]"])?.disable_error_detection();
    /// assert_eq!(prompts.prompt.as_ref().map(Vec::len), Some(2));
    /// assert_eq!(prompts.error, Some(Vec::new()));
    /// prompts.reset();
    /// assert_eq!(prompts, Prompts::default());
    /// # Ok::<(), oxscript_transport::Error>(())
    /// ```
    pub fn set_prompt(&mut self, patterns: impl IntoPatterns) -> Result<&mut Prompts> {
        self.prompt = Some(patterns.into_patterns()?);
        Ok(self)
    }

    /// Marks responses matching `patterns` as errors instead of the
    /// driver's error lines (Exscript `set_error_prompt`).
    ///
    /// # Errors
    ///
    /// [`Error::Pattern`](crate::Error::Pattern) when a pattern does not compile.
    pub fn set_error_prompt(&mut self, patterns: impl IntoPatterns) -> Result<&mut Prompts> {
        self.error = Some(patterns.into_patterns()?);
        Ok(self)
    }

    /// Reports no response as an error (Exscript `set_error_prompt(None)`).
    pub fn disable_error_detection(&mut self) -> &mut Prompts {
        self.error = Some(Vec::new());
        self
    }

    /// Answers `patterns` with the username during a login (Exscript
    /// `set_username_prompt`).
    ///
    /// # Errors
    ///
    /// [`Error::Pattern`](crate::Error::Pattern) when a pattern does not compile.
    pub fn set_username_prompt(&mut self, patterns: impl IntoPatterns) -> Result<&mut Prompts> {
        self.username = Some(patterns.into_patterns()?);
        Ok(self)
    }

    /// Answers `patterns` with the password during a login or
    /// authorization (Exscript `set_password_prompt`).
    ///
    /// # Errors
    ///
    /// [`Error::Pattern`](crate::Error::Pattern) when a pattern does not compile.
    pub fn set_password_prompt(&mut self, patterns: impl IntoPatterns) -> Result<&mut Prompts> {
        self.password = Some(patterns.into_patterns()?);
        Ok(self)
    }

    /// Takes lines matching `patterns` for a failed login or
    /// authorization (Exscript `set_login_error_prompt`).
    ///
    /// # Errors
    ///
    /// [`Error::Pattern`](crate::Error::Pattern) when a pattern does not compile.
    pub fn set_login_error_prompt(&mut self, patterns: impl IntoPatterns) -> Result<&mut Prompts> {
        self.login_error = Some(patterns.into_patterns()?);
        Ok(self)
    }

    /// Returns every pattern to the driver's (Exscript `reset_prompt`,
    /// `reset_error_prompt`, `reset_login_prompts` at once; set a single
    /// field to `None` to reset only that one).
    pub fn reset(&mut self) -> &mut Prompts {
        *self = Prompts::default();
        self
    }

    /// The command prompts in use with `driver`: the override, or the driver's.
    pub fn prompt_for<'a>(&'a self, driver: &'a Driver) -> &'a [Pattern] {
        self.prompt.as_deref().unwrap_or(&driver.prompt)
    }

    /// The error patterns in use with `driver`: the override, or the driver's.
    pub fn error_for<'a>(&'a self, driver: &'a Driver) -> &'a [Pattern] {
        self.error.as_deref().unwrap_or(&driver.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_the_driver_patterns_until_reset() {
        let ios = Driver::ios();
        let mut prompts = Prompts::default();
        assert_eq!(prompts.prompt_for(&ios), &ios.prompt[..]);
        assert_eq!(prompts.error_for(&ios), &ios.error[..]);
        prompts
            .set_prompt("x#")
            .unwrap()
            .set_error_prompt(["^E1", "^E2"])
            .unwrap()
            .set_username_prompt("who:")
            .unwrap()
            .set_password_prompt("secret:")
            .unwrap()
            .set_login_error_prompt("denied")
            .unwrap();
        assert_eq!(prompts.prompt_for(&ios).len(), 1);
        assert_eq!(prompts.error_for(&ios).len(), 2);
        assert!(prompts.username.is_some() && prompts.password.is_some());
        assert!(prompts.login_error.is_some());
        prompts.disable_error_detection();
        assert!(prompts.error_for(&ios).is_empty());
        assert!(prompts.set_prompt("(").is_err());
        prompts.reset();
        assert_eq!(prompts, Prompts::default());
    }
}
