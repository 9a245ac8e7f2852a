//! Active platform detection after login (netmiko's autodetect).
//!
//! Passive OS guessing (banners, login prompts, the SSH server version)
//! often has nothing to go on: an SSH server that sends no banner shows
//! nothing but a prompt. When authentication ends and the driver is
//! still guessed and unsure, the Session sends a few harmless probe
//! commands (`show version`, `display version`, `uname -a`), each with a
//! short deadline, waits for the prompt it just learned (answering pager
//! prompts on the way), and lets the OS guesser look at the answers. If
//! nothing is recognised the login fails with
//! [`Error::UnknownPlatform`]: the generic driver is never used silently.

use std::time::{Duration, Instant};

use oxscript_drivers::{Answer, Pattern};

use super::Session;
use super::wait::{Consume, Role, WaitSet};
use crate::error::Tail;
use crate::{Error, Result};

/// A guess at least this sure is taken without probing: the rules that
/// reach it name a platform (a vendor banner, a platform's prompt, the
/// SSH server version of a vendor). Weaker ones (a `Username:` prompt, an
/// OpenSSH server) are confirmed by probing.
const SURE_ENOUGH: u8 = 60;

/// The probe commands, in the order tried on a device whose prompt does
/// not look like a Unix shell's. Each is harmless where it exists and an
/// error where it does not.
const NETWORK_FIRST: [&str; 3] = ["show version", "display version", "uname -a"];

/// The order for prompts that look like a Unix shell's (`$`, `%`, or
/// `user@host:path#`).
const SHELL_FIRST: [&str; 3] = ["uname -a", "show version", "display version"];

/// Whether a prompt looks like a Unix shell's.
fn shell_like(prompt: &str) -> bool {
    let prompt = prompt.trim_end();
    prompt.ends_with('$')
        || prompt.ends_with('%')
        || (prompt.ends_with('#') && prompt.contains('@') && prompt.contains(':'))
}

/// The probes to send for a device showing `prompt`.
fn probes(prompt: &str) -> [&'static str; 3] {
    if shell_like(prompt) {
        SHELL_FIRST
    } else {
        NETWORK_FIRST
    }
}

/// What ends a probe's answer: the prompt seen at login, alone on its
/// line at the end of the data.
fn prompt_pattern(prompt: &str) -> Result<Pattern> {
    Ok(Pattern::new(&format!(
        r"(?:\A|[\r\n]){}[ \t]*$",
        regex::escape(prompt)
    ))?)
}

impl Session {
    /// After authentication, makes sure the platform is known: nothing
    /// to do when a driver was chosen or the passive guess is sure
    /// enough; otherwise probes the device. Fails with
    /// [`Error::UnknownPlatform`] when no driver recognises it.
    pub(super) async fn ensure_platform(&mut self) -> Result<()> {
        if !self.is_auto_driver() {
            return Ok(());
        }
        let before = self.current_guess();
        if let Some(guess) = before.as_ref().filter(|g| g.confidence >= SURE_ENOUGH) {
            tracing::debug!(
                host = self.host.name(),
                driver = %guess.driver,
                confidence = guess.confidence,
                "platform guessed from what the device sent"
            );
            return Ok(());
        }
        let prompt = self.prompt.clone().unwrap_or_default();
        let mut tried = Vec::new();
        let mut tail = Tail::default();
        if !prompt.is_empty() {
            let set = self.probe_set(&prompt)?;
            for command in probes(&prompt) {
                match self.probe(command, &set).await {
                    Ok(answer) => {
                        tried.push(format!("`{command}`"));
                        tail = Tail::of(answer.as_bytes());
                    }
                    Err(Error::Timeout { tail: got, .. }) => {
                        // The device is in an unknown state now: probing
                        // further would type into whatever it shows.
                        tried.push(format!(
                            "`{command}` (no prompt within {:?})",
                            self.detect_timeout
                        ));
                        tail = got;
                        break;
                    }
                    Err(e) => return Err(e),
                }
                if let Some(guess) = self.current_guess().filter(|g| g.confidence >= SURE_ENOUGH) {
                    tracing::info!(
                        host = self.host.name(),
                        driver = %guess.driver,
                        confidence = guess.confidence,
                        probe = command,
                        "platform detected"
                    );
                    return Ok(());
                }
            }
        }
        match self.current_guess() {
            Some(guess) => {
                tracing::warn!(
                    host = self.host.name(),
                    driver = %guess.driver,
                    confidence = guess.confidence,
                    probes = %tried.join(", "),
                    "platform only weakly recognised; using its driver (set a driver to be sure)"
                );
                Ok(())
            }
            None => Err(Error::UnknownPlatform {
                host: self.host.name().to_owned(),
                prompt,
                tried: if tried.is_empty() {
                    "no probe (no prompt was seen)".to_owned()
                } else {
                    tried.join(", ")
                },
                tail,
            }),
        }
    }

    fn current_guess(&self) -> Option<oxscript_drivers::Guess> {
        self.shared.with_guesser(|g| g.guess()).flatten()
    }

    /// What a probe waits for: the login prompt, and every driver's pager
    /// prompt (answered).
    fn probe_set(&self, prompt: &str) -> Result<WaitSet> {
        let mut pagers: Vec<Answer> = oxscript_drivers::common_pager();
        for driver in self.registry.drivers() {
            for answer in &driver.pager {
                if !pagers
                    .iter()
                    .any(|a| a.pattern.as_str() == answer.pattern.as_str())
                {
                    pagers.push(answer.clone());
                }
            }
        }
        let mut set = WaitSet::new();
        set.add([prompt_pattern(prompt)?], |_| Role::Prompt);
        set.add_pagers(&pagers);
        Ok(set)
    }

    /// Sends one probe and returns its answer (up to the prompt), which
    /// the OS guesser has seen whole.
    async fn probe(&mut self, command: &str, set: &WaitSet) -> Result<String> {
        self.clear_buffer();
        let started = Instant::now();
        let driver = self.driver();
        self.send_line_with(&driver, command).await?;
        let during = format!("probing the platform with `{command}`");
        let timeout: Duration = self.detect_timeout;
        let hit = self
            .wait_with_timeout(set, &during, Consume::ThroughMatch, timeout)
            .await?;
        // The I/O task shows the guesser each chunk alone; a rule split
        // across chunks is found in the whole answer.
        self.shared
            .with_guesser(|g| g.data_received(&hit.before, true));
        let answer = crate::response::into_text(hit.before);
        tracing::debug!(
            host = self.host.name(),
            probe = command,
            elapsed = ?started.elapsed(),
            "platform probe answered"
        );
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_prompts_are_probed_with_uname_first() {
        assert_eq!(probes("user@host:~$")[0], "uname -a");
        assert_eq!(probes("root@host:/tmp#")[0], "uname -a");
        assert_eq!(probes("host%")[0], "uname -a");
        assert_eq!(probes("R1>")[0], "show version");
        assert_eq!(probes("admin@mx1>")[0], "show version");
        assert_eq!(probes("<HUAWEI>")[0], "show version");
        assert_eq!(probes("RP/0/RSP0/CPU0:pe1#")[0], "show version");
    }

    #[test]
    fn the_probe_prompt_is_the_login_prompt_at_the_end() {
        let p = prompt_pattern("R1>").unwrap();
        assert!(p.is_match(b"show version\r\nCisco IOS\r\nR1>"));
        assert!(p.is_match(b"\r\nR1> "));
        assert!(!p.is_match(b"R1>show version\r\n"));
        assert!(!p.is_match(b"\r\nxR1>"));
        let star = prompt_pattern("*A:sr1#").unwrap();
        assert!(star.is_match(b"\r\n*A:sr1# "));
    }
}
