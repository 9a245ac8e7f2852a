//! [`ShellStack`]: shells entered one inside the other on one Session.

use std::sync::Arc;

use oxscript_drivers::{Driver, Pattern};
use oxscript_transport::{Prompts, Session, Tail};
use tracing::Instrument as _;

use crate::shell::{Entry, Flavor, Reply, Shell, compile, fingerprint_in};
use crate::{Error, Result};

/// The output of [`ShellStack::run`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutput {
    /// What the command printed (echo and prompt removed, `\n` line ends).
    pub text: String,
    /// The exit status: `$?` in a POSIX shell; in Python 1 when a
    /// traceback was printed, else 0; `None` where the shell has none.
    pub status: Option<i32>,
}

impl RunOutput {
    /// Whether the status is 0 (or unknown).
    pub fn success(&self) -> bool {
        self.status.is_none_or(|s| s == 0)
    }
}

/// What the stack knows about one shell it entered.
#[derive(Debug)]
struct Level {
    shell: Arc<dyn Shell>,
    kind: Kind,
    exit: String,
    /// The Session's prompts while this shell is on top.
    prompts: Prompts,
}

/// The flavor of a level, with its unique prompt where it has one.
#[derive(Clone, Debug)]
enum Kind {
    Posix(Pattern),
    Python(Pattern),
    Other,
}

/// A stack of shells typed one inside the other in one terminal (crl
/// `ShellStack` / `InteractiveSession`): `push` enters a shell from the
/// current one, `pop` leaves it and checks the shell below is back,
/// `run` runs a command in the top shell.
///
/// Every POSIX and Python level gets a prompt unique to the stack and the
/// level (a random stack id and the depth, with the exit status in
/// POSIX prompts), so output can never be mistaken for a prompt of
/// another level, and the stack always knows where it is. Level 0 is the
/// Session's own shell with its driver's prompts.
///
/// ```no_run
/// use oxscript_shells::{BashShell, PythonShell, ShellStack, SshShell, SudoShell};
/// # async fn demo(session: oxscript_transport::Session) -> oxscript_shells::Result<()> {
/// let mut stack = ShellStack::new(session);
/// stack.push(BashShell::new()).await?;
/// stack.push(SshShell::new("10.0.0.2", "ops").password("pw")).await?;
/// stack.push(SudoShell::new(Some("pw".into()))).await?;
/// let out = stack.run("id -u").await?;
/// assert_eq!((out.text.trim(), out.status), ("0", Some(0)));
/// stack.pop().await?; // back to ops@10.0.0.2
/// # Ok(()) }
/// ```
pub struct ShellStack {
    session: Session,
    id: String,
    levels: Vec<Level>,
    base: Prompts,
    syncs: u64,
}

impl std::fmt::Debug for ShellStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShellStack")
            .field("id", &self.id)
            .field(
                "shells",
                &self
                    .levels
                    .iter()
                    .map(|l| l.shell.describe())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// A random hexadecimal tag (unique per stack and per runner call).
pub(crate) fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

impl ShellStack {
    /// A stack on `session`, which must be logged in (level 0 is its
    /// shell, with the Session's current prompts).
    pub fn new(session: Session) -> ShellStack {
        let base = session.prompts().clone();
        ShellStack {
            session,
            id: nonce(),
            levels: Vec::new(),
            base,
            syncs: 0,
        }
    }

    /// How many shells were pushed (0: only the Session's shell).
    pub fn depth(&self) -> usize {
        self.levels.len()
    }

    /// The top shell, `None` at depth 0.
    pub fn current(&self) -> Option<&dyn Shell> {
        self.levels.last().map(|l| l.shell.as_ref())
    }

    /// Whether the top shell is a Python interpreter.
    pub fn in_python(&self) -> bool {
        matches!(self.levels.last().map(|l| &l.kind), Some(Kind::Python(_)))
    }

    /// The Session (e.g. for [`Session::set_timeout`]).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The Session, mutably. Sending through it directly bypasses the
    /// stack's bookkeeping: leave the top shell as you found it.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// Gives the Session back (the shells stay entered).
    pub fn into_session(self) -> Session {
        self.session
    }

    /// The prompt text of POSIX level `n`, split so that its echo never
    /// matches.
    fn posix_setup(&self, n: usize) -> Result<(String, Pattern)> {
        let id = &self.id;
        let line = format!(
            "unset PROMPT_COMMAND; PS1='OXS{id}L''{n}:$?> '; PS2=''; \
             bind 'set enable-bracketed-paste off' 2>/dev/null"
        );
        Ok((line, compile(&format!(r"OXS{id}L{n}:(\d+)> $"))?))
    }

    fn python_setup(&self, n: usize) -> Result<(String, Pattern)> {
        let id = &self.id;
        let line = format!("import sys; sys.ps1='OXP{id}L'+'{n}> '; sys.ps2='OXQ{id}L'+'{n}> '");
        Ok((line, compile(&format!(r"OXP{id}L{n}> $"))?))
    }

    /// Enters `shell` from the top shell: types its command, answers its
    /// questions, sets its unique prompt. On failure (a refused password,
    /// a host key the policy rejects, a failure pattern) it backs out to
    /// the shell below and returns [`Error::Entry`] or
    /// [`Error::HostKeyRejected`]; the stack is unchanged.
    pub async fn push(&mut self, shell: impl Shell + 'static) -> Result<()> {
        self.push_arc(Arc::new(shell)).await
    }

    /// [`push`](Self::push) for a shared shell (as a recovering terminal keeps them).
    pub async fn push_arc(&mut self, shell: Arc<dyn Shell>) -> Result<()> {
        let describe = shell.describe();
        let depth = self.levels.len() + 1;
        let span = tracing::info_span!("shell.push", shell = %describe, depth);
        async {
            let entry = shell.entry()?;
            self.session.clear_buffer();
            self.session.send_line(&entry.command).await?;
            if let Err(e) = self.dialog(&entry, &describe).await {
                tracing::warn!(error = %e, "entering the shell failed; backing out");
                if !matches!(&e, Error::Transport(t) if t.is_connection_lost()) {
                    self.back_out(&entry).await;
                }
                return Err(e);
            }
            let kind = match &entry.flavor {
                Flavor::Posix => {
                    let (line, pattern) = self.posix_setup(depth)?;
                    self.set_up(&line, &pattern).await?;
                    Kind::Posix(pattern)
                }
                Flavor::Python => {
                    let (line, pattern) = self.python_setup(depth)?;
                    self.set_up(&line, &pattern).await?;
                    Kind::Python(pattern)
                }
                Flavor::Prompt(_) => Kind::Other,
            };
            let mut prompts = self.base.clone();
            prompts.prompt = Some(match (&kind, &entry.flavor) {
                (Kind::Posix(p) | Kind::Python(p), _) => vec![p.clone()],
                (Kind::Other, Flavor::Prompt(patterns)) => {
                    patterns.iter().chain(&entry.ready).cloned().collect()
                }
                (Kind::Other, _) => entry.ready.clone(),
            });
            prompts.disable_error_detection();
            *self.session.prompts_mut() = prompts.clone();
            self.levels.push(Level {
                shell,
                kind,
                exit: entry.exit.clone(),
                prompts,
            });
            tracing::info!("shell entered");
            Ok(())
        }
        .instrument(span)
        .await
    }

    /// Sends a prompt-setting line and waits for the new prompt.
    async fn set_up(&mut self, line: &str, pattern: &Pattern) -> Result<()> {
        self.session.send_line(line).await?;
        self.session.expect(pattern).await?;
        Ok(())
    }

    /// The patterns of the new shell's first prompt.
    fn ready_patterns(&self, entry: &Entry) -> Result<Vec<Pattern>> {
        let id = &self.id;
        let mut ready = match &entry.flavor {
            Flavor::Posix => {
                let mut p = Driver::shell().prompt;
                p.push(compile(&format!(r"OXS{id}L\d+:\d+> $"))?);
                p
            }
            Flavor::Python => vec![
                compile(r"(?m)^>>> $")?,
                compile(&format!(r"OXP{id}L\d+> $"))?,
            ],
            Flavor::Prompt(patterns) => patterns.clone(),
        };
        ready.extend(entry.ready.iter().cloned());
        Ok(ready)
    }

    /// Answers the entry's questions until the new shell's prompt shows.
    async fn dialog(&mut self, entry: &Entry, describe: &str) -> Result<()> {
        let ready = self.ready_patterns(entry)?;
        let steps = ready.len();
        let failures = steps + entry.steps.len();
        let patterns: Vec<Pattern> = ready
            .into_iter()
            .chain(entry.steps.iter().map(|s| s.pattern.clone()))
            .chain(entry.failures.iter().cloned())
            .collect();
        let mut answered = vec![false; entry.steps.len()];
        loop {
            let m = self.session.expect(patterns.clone()).await?;
            let seen = format!("{}{}", m.before, m.text);
            let fail = |reason: String| Error::Entry {
                shell: describe.to_owned(),
                reason,
                tail: Tail::of(seen.as_bytes()),
            };
            if m.index < steps {
                return Ok(());
            }
            if m.index >= failures {
                return Err(fail(m.text.trim().to_owned()));
            }
            let i = m.index - steps;
            let Some(step) = entry.steps.get(i) else {
                return Err(fail("internal: no such step".into()));
            };
            if answered[i]
                && let Some(again) = &step.again
            {
                return Err(fail(again.clone()));
            }
            answered[i] = true;
            match &step.reply {
                Reply::Line(line) => self.session.send_line(line).await?,
                Reply::Secret(secret) => self.session.send_line(secret.expose()).await?,
                Reply::Fail(reason) => return Err(fail(reason.clone())),
                Reply::HostKey(policy) => {
                    let fingerprint = fingerprint_in(&seen);
                    if policy.accepts(fingerprint.as_deref()) {
                        if matches!(policy, crate::HostKeyPolicy::AcceptUnknown) {
                            tracing::warn!(shell = describe, fingerprint = ?fingerprint, "accepting an unknown host key (AcceptUnknown)");
                        } else {
                            tracing::info!(shell = describe, fingerprint = ?fingerprint, "host key accepted by fingerprint");
                        }
                        self.session.send_line("yes").await?;
                    } else {
                        self.session.send_line("no").await?;
                        return Err(Error::HostKeyRejected {
                            shell: describe.to_owned(),
                            fingerprint: fingerprint.unwrap_or_default(),
                            policy: policy.name().to_owned(),
                        });
                    }
                }
            }
        }
    }

    /// After a failed entry: interrupts whatever asks until the top
    /// shell's prompt is back (a program may show its question once more
    /// before the interrupt reaches it; an interrupt also flushes what
    /// was typed ahead, so nothing else is sent before the prompt), then
    /// syncs.
    async fn back_out(&mut self, entry: &Entry) {
        let driver = self.session.driver();
        let mut patterns = self.session.prompts().prompt_for(&driver).to_vec();
        let prompts = patterns.len();
        patterns.extend(entry.steps.iter().map(|s| s.pattern.clone()));
        for _ in 0..3 {
            if let Err(e) = self.session.send(entry.abort.as_bytes()).await {
                tracing::warn!(error = %e, "could not send the abort sequence");
                return;
            }
            match self.session.expect(patterns.clone()).await {
                Ok(m) if m.index < prompts => break,
                Ok(m) => {
                    tracing::debug!(question = %m.text.trim(), "asked again while backing out")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the shell below did not come back after the abort");
                    return;
                }
            }
        }
        if let Err(e) = self.sync().await {
            tracing::warn!(error = %e, "the shell below did not answer after backing out");
        }
    }

    /// Makes sure the next thing read is fresh: has the top shell print a
    /// marker it can only print now, and waits for it and the prompt.
    /// A level without a known flavor is only waited for its prompt.
    pub async fn sync(&mut self) -> Result<()> {
        self.syncs += 1;
        let token = format!("OXY{}N{}", self.id, self.syncs);
        let (head, tail) = token.split_at(3);
        let line = match self.levels.last().map(|l| &l.kind) {
            Some(Kind::Posix(_)) => format!("echo '{head}''{tail}'"),
            Some(Kind::Python(_)) => format!("print('{head}'+'{tail}')"),
            _ => {
                self.session.send_line("").await?;
                self.session.expect_prompt().await?;
                self.session.clear_buffer();
                return Ok(());
            }
        };
        self.session.send_line(&line).await?;
        self.session.expect(format!(r"{token}[\r\n]")).await?;
        self.session.expect_prompt().await?;
        Ok(())
    }

    /// Leaves the top shell with its exit command and checks the prompt
    /// of the shell below comes back ([`Error::Exit`] otherwise).
    pub async fn pop(&mut self) -> Result<()> {
        let Some(level) = self.levels.pop() else {
            return Err(Error::Stack(
                "no shell to pop: the stack is at depth 0".into(),
            ));
        };
        let describe = level.shell.describe();
        let span =
            tracing::info_span!("shell.pop", shell = %describe, depth = self.levels.len() + 1);
        async {
            *self.session.prompts_mut() = self
                .levels
                .last()
                .map_or_else(|| self.base.clone(), |l| l.prompts.clone());
            self.session.clear_buffer();
            let back = async {
                self.session.send_line(&level.exit).await?;
                self.session.expect_prompt().await?;
                Ok::<(), Error>(())
            }
            .await;
            back.map_err(|e| Error::Exit {
                shell: describe.clone(),
                source: Box::new(e),
            })?;
            tracing::info!("shell left");
            Ok(())
        }
        .instrument(span)
        .await
    }

    /// Leaves every shell, top first.
    pub async fn pop_all(&mut self) -> Result<()> {
        while !self.levels.is_empty() {
            self.pop().await?;
        }
        Ok(())
    }

    /// Runs `command` in the top shell and returns its output and, where
    /// the shell has one, its exit status (see [`RunOutput::status`]).
    /// Multi-line code in Python runs as one `exec`.
    pub async fn run(&mut self, command: &str) -> Result<RunOutput> {
        let kind = self.levels.last().map(|l| l.kind.clone());
        let span = tracing::debug_span!("shell.run", depth = self.levels.len());
        async {
            let sent = match (&kind, command.contains('\n')) {
                (Some(Kind::Python(_)), true) => {
                    use base64::Engine as _;
                    let code = base64::engine::general_purpose::STANDARD.encode(command);
                    if code.len() <= crate::runner::PIECE {
                        format!("exec(__import__('base64').b64decode('{code}').decode('utf-8'))")
                    } else {
                        // Longer code goes over in pieces: one line of it
                        // would pass a terminal's line limit (4095 bytes).
                        crate::runner::assign_in_pieces(&mut self.session, "_oxc", &code).await?;
                        "exec(__import__('base64').b64decode(_oxc).decode('utf-8'));del _oxc"
                            .to_owned()
                    }
                }
                _ => command.to_owned(),
            };
            let response = self.session.execute(&sent).await?;
            let text = response.text().to_owned();
            let status = match &kind {
                Some(Kind::Posix(_)) => status_in(response.prompt()),
                Some(Kind::Python(_)) => Some(i32::from(
                    text.contains("Traceback (most recent call last):"),
                )),
                _ => None,
            };
            Ok(RunOutput { text, status })
        }
        .instrument(span)
        .await
    }
}

/// The exit status a POSIX level's prompt shows (`OXS<id>L<n>:<status>> `).
fn status_in(prompt: &str) -> Option<i32> {
    let end = prompt.rfind('>')?;
    let start = prompt[..end].rfind(':')? + 1;
    prompt[start..end].parse().ok()
}
