//! Waiting for patterns: the one loop every read goes through.

use std::time::Duration;

use bytes::Bytes;
use oxscript_core::time::deadline_after;
use oxscript_drivers::{Answer, Driver, Pattern, Scanner};

use super::Session;
use crate::buffer::{Closed, State};
use crate::error::{Expected, Tail};
use crate::patterns::IntoPatterns;
use crate::{Error, Result};

/// What a pattern of a wait set stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A caller pattern, with its index in the caller's list.
    Caller(usize),
    /// A CLI prompt.
    Prompt,
    /// A pager prompt or another question answered automatically with the
    /// reply, then waited past.
    Pager(String),
    /// A login-time question answered automatically (consumed, then replied).
    Answer(String),
    /// A username prompt.
    Username,
    /// A password prompt.
    Password,
    /// A login error message.
    LoginError,
}

/// Patterns waited for together, each with its role.
#[derive(Clone, Debug, Default)]
pub(crate) struct WaitSet {
    patterns: Vec<Pattern>,
    roles: Vec<Role>,
}

impl WaitSet {
    pub(crate) fn new() -> Self {
        WaitSet::default()
    }

    pub(crate) fn add(
        &mut self,
        patterns: impl IntoIterator<Item = Pattern>,
        role: impl Fn(usize) -> Role,
    ) {
        for (i, p) in patterns.into_iter().enumerate() {
            self.patterns.push(p);
            self.roles.push(role(i));
        }
    }

    /// Adds `answers` as pager prompts: each is answered with its reply
    /// and waited past.
    pub(crate) fn add_pagers<'a>(&mut self, answers: impl IntoIterator<Item = &'a Answer>) {
        for answer in answers {
            self.patterns.push(answer.pattern.clone());
            self.roles.push(Role::Pager(answer.reply.clone()));
        }
    }

    fn expected(&self) -> Expected {
        Expected(
            self.patterns
                .iter()
                .zip(&self.roles)
                .filter(|(_, r)| !matches!(r, Role::Pager(_) | Role::Answer(_)))
                .map(|(p, _)| p.as_str().to_owned())
                .collect(),
        )
    }
}

/// What a wait found.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub(crate) role: Role,
    /// Data before the match.
    pub(crate) before: Vec<u8>,
    /// The matched text.
    pub(crate) text: String,
    /// Capture groups 1.. of the match.
    pub(crate) groups: Vec<Option<String>>,
}

/// The result of [`Session::expect`] and [`Session::waitfor`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectMatch {
    /// Index of the pattern that matched, in the list given.
    pub index: usize,
    /// The matched text.
    pub text: String,
    /// Capture groups 1.. (`None` for groups that did not take part).
    pub groups: Vec<Option<String>>,
    /// What arrived before the match (Exscript's `response` after an expect).
    pub before: String,
}

/// Whether a wait removes what it matched from the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Consume {
    /// Keep everything (Exscript `waitfor`).
    No,
    /// Remove everything up to the end of the match (Exscript `expect`).
    ThroughMatch,
}

enum Step {
    Hit(Hit),
    Pager {
        reply: String,
        end: u64,
        text: String,
    },
    Wait,
    Closed(Closed, Tail),
    Full(Tail),
}

/// What to do when nothing (new) matched: wait for more data, unless the
/// connection is closed or the buffer full.
fn no_match(st: &State) -> Step {
    match &st.closed {
        Some(closed) => Step::Closed(closed.clone(), Tail::of(&st.buf)),
        None if st.is_full() => Step::Full(Tail::of(&st.buf)),
        None => Step::Wait,
    }
}

impl Session {
    /// Waits until one of `set` matches; answers pager prompts on the way.
    pub(crate) async fn wait(
        &mut self,
        set: &WaitSet,
        during: &str,
        consume: Consume,
    ) -> Result<Hit> {
        let timeout = self.timeout;
        self.wait_with_timeout(set, during, consume, timeout).await
    }

    pub(crate) async fn wait_with_timeout(
        &mut self,
        set: &WaitSet,
        during: &str,
        consume: Consume,
        timeout: Duration,
    ) -> Result<Hit> {
        let deadline = deadline_after(timeout);
        let shared = self.shared.clone();
        let mut rx = shared.subscribe();
        let mut scanner = Scanner::new(self.lookbehind);
        let mut answered_pager_end: Option<u64> = None;
        loop {
            rx.borrow_and_update();
            if shared.take_cancel() {
                return Err(Error::ExpectCancelled {
                    during: during.to_owned(),
                });
            }
            let step = {
                let mut st = shared.lock();
                match scanner.search(&st.buf, &set.patterns) {
                    Some(found) => {
                        let end_abs = st.consumed + found.range.end as u64;
                        let role = set.roles[found.index].clone();
                        match role {
                            Role::Pager(reply) => {
                                scanner.skip_to(found.range.end);
                                if answered_pager_end == Some(end_abs) {
                                    // Answered already: wait for more,
                                    // unless no more can come.
                                    no_match(&st)
                                } else {
                                    Step::Pager {
                                        reply,
                                        end: end_abs,
                                        text: String::from_utf8_lossy(&st.buf[found.range.clone()])
                                            .into_owned(),
                                    }
                                }
                            }
                            role => {
                                let groups = set.patterns[found.index]
                                    .regex()
                                    .captures_at(&st.buf, found.range.start)
                                    .map(|caps| {
                                        caps.iter()
                                            .skip(1)
                                            .map(|g| {
                                                g.map(|g| {
                                                    String::from_utf8_lossy(g.as_bytes())
                                                        .into_owned()
                                                })
                                            })
                                            .collect()
                                    })
                                    .unwrap_or_default();
                                let text = String::from_utf8_lossy(&st.buf[found.range.clone()])
                                    .into_owned();
                                let before = if consume == Consume::ThroughMatch {
                                    st.take_through(found.range.clone())
                                } else {
                                    st.buf[..found.range.start].to_vec()
                                };
                                Step::Hit(Hit {
                                    role,
                                    before,
                                    text,
                                    groups,
                                })
                            }
                        }
                    }
                    None => no_match(&st),
                }
            };
            match step {
                Step::Hit(hit) => {
                    if consume == Consume::ThroughMatch {
                        shared.space_freed();
                    }
                    return Ok(hit);
                }
                Step::Pager { reply, end, text } => {
                    tracing::trace!(host = self.host.name(), pager = %text.trim(), "answering pager");
                    answered_pager_end = Some(end);
                    if !self.pager_texts.contains(&text) {
                        self.pager_texts.push(text);
                    }
                    self.write(Bytes::from(reply.into_bytes())).await?;
                    continue;
                }
                Step::Closed(closed, tail) => {
                    let reason = match closed {
                        Closed::Eof => String::new(),
                        Closed::Local => ": closed locally".to_owned(),
                        Closed::Failed(why) => format!(": {why}"),
                    };
                    return Err(Error::ConnectionClosed {
                        during: during.to_owned(),
                        reason,
                        tail,
                    });
                }
                Step::Full(tail) => {
                    return Err(Error::BufferFull {
                        limit: shared.lock().limit,
                        during: during.to_owned(),
                        expected: set.expected(),
                        tail,
                    });
                }
                Step::Wait => {}
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return Err(Error::Timeout {
                    during: during.to_owned(),
                    expected: set.expected(),
                    timeout,
                    tail: Tail::of(&shared.lock().buf),
                });
            }
        }
    }

    /// Waits for the prompt and consumes through it, answering the
    /// driver's pager prompts and `answers` (dialogs such as "exit with
    /// uncommitted changes?") on the way.
    pub(crate) async fn wait_prompt(
        &mut self,
        driver: &Driver,
        answers: &[Answer],
        during: &str,
        timeout: Duration,
    ) -> Result<Hit> {
        let mut set = WaitSet::new();
        set.add(self.prompts.prompt_for(driver).iter().cloned(), |_| {
            Role::Prompt
        });
        set.add_pagers(driver.pager.iter().chain(answers));
        self.wait_with_timeout(&set, during, Consume::ThroughMatch, timeout)
            .await
    }

    async fn expect_inner(
        &mut self,
        patterns: impl IntoPatterns,
        consume: Consume,
    ) -> Result<ExpectMatch> {
        let patterns = patterns.into_patterns()?;
        let mut set = WaitSet::new();
        set.add(patterns, Role::Caller);
        let during = if consume == Consume::No {
            "in waitfor"
        } else {
            "in expect"
        };
        let hit = self.wait(&set, during, consume).await?;
        let index = match hit.role {
            Role::Caller(i) => i,
            _ => 0,
        };
        Ok(ExpectMatch {
            index,
            text: hit.text,
            groups: hit.groups,
            before: crate::response::into_text(hit.before),
        })
    }

    /// Waits until one of `patterns` matches the incoming data and removes
    /// everything up to the end of the match from the buffer (Exscript
    /// `expect`). Patterns are searched anywhere in new data (plus the
    /// current line before it); the earliest match wins, as described in
    /// [How patterns are searched](oxscript_drivers#how-patterns-are-searched).
    ///
    /// ```no_run
    /// # async fn demo(session: &mut oxscript_transport::Session) -> oxscript_transport::Result<()> {
    /// session.send_line("copy running-config startup-config").await?;
    /// let m = session.expect([r"Destination filename \[(\S+)\]\?", r"\[confirm\]"]).await?;
    /// if m.index == 0 {
    ///     session.send_line("").await?;
    /// }
    /// session.expect_prompt().await?;
    /// # Ok(()) }
    /// ```
    pub async fn expect(&mut self, patterns: impl IntoPatterns) -> Result<ExpectMatch> {
        self.expect_inner(patterns, Consume::ThroughMatch).await
    }

    /// Like [`expect`](Session::expect) but leaves the buffer untouched, so
    /// waiting again for the same pattern succeeds at once (Exscript `waitfor`).
    pub async fn waitfor(&mut self, patterns: impl IntoPatterns) -> Result<ExpectMatch> {
        self.expect_inner(patterns, Consume::No).await
    }
}
