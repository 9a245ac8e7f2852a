//! Saving and committing configuration: [`Session::save_config`] and
//! [`Session::commit`] (netmiko's `save_config()` and `commit()`).

use std::time::Duration;

use super::Session;
use crate::{Error, Response, Result};

/// `template` with `{minutes}` / `{seconds}` replaced by `time` (minutes
/// rounded up, at least 1; seconds at least 1).
fn with_time(template: &str, time: Duration) -> String {
    let seconds = time.as_secs().max(1);
    let minutes = seconds.div_ceil(60);
    template
        .replace("{minutes}", &minutes.to_string())
        .replace("{seconds}", &seconds.to_string())
}

impl Session {
    fn unsupported(&self, operation: &str, why: &str) -> Error {
        Error::Unsupported {
            host: self.host.name().to_owned(),
            driver: self.driver().name.clone(),
            operation: operation.to_owned(),
            why: why.to_owned(),
        }
    }

    /// Saves the configuration so that it survives a reload, the way the
    /// driver says: `write memory` on IOS, `copy running-config
    /// startup-config` on NX-OS and EOS, `save` on VRP (its confirmation
    /// answered), `admin save` on SR OS; on commit-based platforms (JunOS,
    /// IOS XR) saving is committing, as [`commit`](Session::commit)
    /// does. The command is sent at the driver's default privilege level
    /// and the session returns to the level it was at.
    ///
    /// ```no_run
    /// # async fn demo(session: &mut oxscript_transport::Session) -> oxscript_transport::Result<()> {
    /// session.send_config(&["interface Gi0/1", "description uplink"]).await?;
    /// let saved = session.save_config().await?;
    /// println!("{}", saved.text()); // Building configuration... [OK]
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] when the driver has no save command and no
    /// commit; [`Error::InvalidCommand`] when the device refuses it.
    #[doc(alias("write_memory", "copy_run_start"))]
    pub async fn save_config(&mut self) -> Result<Response> {
        let driver = self.driver();
        let Some(command) = driver.save_config.clone() else {
            if driver.config_commit.is_some() {
                return self.commit(None).await;
            }
            return Err(self.unsupported(
                "saving the configuration",
                "has no save command (save_config) and no commit (config_commit)",
            ));
        };
        let start = self.level_to_return_to().await?;
        if let Some(level) = &driver.default_privilege {
            self.acquire_priv(level).await?;
        }
        self.drop_stale_data(&driver).await?;
        let saved = self.send_and_wait(&command, &driver.save_answers).await;
        self.return_to(start, saved.is_ok()).await?;
        saved
    }

    /// Commits the candidate configuration on commit-based platforms
    /// (JunOS, IOS XR: `commit`). With `confirm`, the commit is rolled
    /// back by the device unless confirmed (by another commit) within
    /// that time: JunOS `commit confirmed <minutes>` (rounded up), IOS XR
    /// `commit confirmed <seconds>`. The command is sent at the
    /// configuration level and the session returns to the level it was
    /// at.
    ///
    /// ```no_run
    /// # async fn demo(session: &mut oxscript_transport::Session) -> oxscript_transport::Result<()> {
    /// use std::time::Duration;
    ///
    /// session.acquire_priv("configuration").await?;
    /// session.execute("set system host-name core9").await?;
    /// session.commit(Some(Duration::from_secs(300))).await?; // commit confirmed 5
    /// // ... check the device is still reachable, then confirm:
    /// session.commit(None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] on platforms without commit (or without a
    /// confirmed commit, when `confirm` is given); [`Error::InvalidCommand`]
    /// when the device refuses the commit.
    #[doc(alias("commit_confirmed"))]
    pub async fn commit(&mut self, confirm: Option<Duration>) -> Result<Response> {
        let driver = self.driver();
        let Some(plain) = driver.config_commit.clone() else {
            return Err(self.unsupported(
                "commit",
                "commits nothing: changes apply at once (config_commit is unset)",
            ));
        };
        let command = match confirm {
            None => plain,
            Some(time) => match &driver.commit_confirmed {
                Some(template) => with_time(template, time),
                None => {
                    return Err(self.unsupported(
                        "a commit with a confirm timer",
                        "has no commit_confirmed command",
                    ));
                }
            },
        };
        let start = self.level_to_return_to().await?;
        if let Some(config) = &driver.config_privilege {
            self.acquire_priv(config).await?;
        }
        let committed = self.execute(&command).await;
        self.return_to(start, committed.is_ok()).await?;
        committed
    }

    /// The current privilege level, where the driver has levels.
    pub(super) async fn level_to_return_to(&mut self) -> Result<Option<String>> {
        if self.driver().privilege_levels.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.current_privilege_or_probe().await?))
    }

    /// Returns to `start` after an operation; a failure to do so is the
    /// error when the operation succeeded, and a warning otherwise (the
    /// operation's error is the one to report).
    pub(super) async fn return_to(&mut self, start: Option<String>, ok: bool) -> Result<()> {
        let Some(start) = start else {
            return Ok(());
        };
        match self.acquire_priv(&start).await {
            Ok(()) => Ok(()),
            Err(e) if ok => Err(e),
            Err(e) => {
                tracing::warn!(host = self.host.name(), error = %e, level = %start, "could not return to the privilege level after a failure");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirm_times_fill_the_template() {
        let five = Duration::from_secs(300);
        assert_eq!(
            with_time("commit confirmed {minutes}", five),
            "commit confirmed 5"
        );
        assert_eq!(
            with_time("commit confirmed {seconds}", five),
            "commit confirmed 300"
        );
        assert_eq!(
            with_time("commit confirmed {minutes}", Duration::from_secs(61)),
            "commit confirmed 2"
        );
        assert_eq!(
            with_time("commit confirmed {minutes}", Duration::ZERO),
            "commit confirmed 1"
        );
    }
}
