//! Expect on live process output (execo's `ExpectOutputHandler`, the
//! pexpect idea): wait for one of several regexes on stdout or stderr.

use std::fmt;
use std::time::Duration;

use oxscript_transport::Tail;
use regex::bytes::{Regex, RegexBuilder};

use super::output::Stream;
use crate::error::{Error, Result};

/// How an [`expect`](super::Process::expect_with) searches.
///
/// ```
/// use std::time::Duration;
/// use oxscript_jobs::process::{ExpectOptions, Stream};
///
/// let options = ExpectOptions::new(["login: ", "Password: "])
///     .stream(Stream::Stderr)
///     .timeout(Duration::from_secs(5))
///     .backtrack(500);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct ExpectOptions {
    pub(crate) patterns: Vec<String>,
    pub(crate) stream: Stream,
    /// `None`: the process's default expect timeout; `Some(None)`: none.
    pub(crate) timeout: Option<Option<Duration>>,
    pub(crate) backtrack: usize,
    pub(crate) start_from_current: bool,
}

impl ExpectOptions {
    /// Searches stdout for any of `patterns` (regexes, multi-line mode:
    /// `^` and `$` match at line boundaries), within the process's
    /// default expect timeout, with a 2000-byte backtrack.
    pub fn new<I, S>(patterns: I) -> ExpectOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ExpectOptions {
            patterns: patterns.into_iter().map(Into::into).collect(),
            stream: Stream::Stdout,
            timeout: None,
            backtrack: 2000,
            start_from_current: false,
        }
    }

    /// The stream to search.
    pub fn stream(mut self, stream: Stream) -> ExpectOptions {
        self.stream = stream;
        self
    }

    /// How long to wait for a match.
    pub fn timeout(mut self, timeout: Duration) -> ExpectOptions {
        self.timeout = Some(Some(timeout));
        self
    }

    /// Wait for a match until the stream ends, whatever the process's
    /// default expect timeout (the process's own timeout still applies).
    pub fn no_timeout(mut self) -> ExpectOptions {
        self.timeout = Some(None);
        self
    }

    /// How many bytes already searched are searched again with new data,
    /// so a match across two reads is found (execo's `backtrack_size`).
    /// A match longer than this may be missed.
    pub fn backtrack(mut self, bytes: usize) -> ExpectOptions {
        self.backtrack = bytes;
        self
    }

    /// The first expect on a stream starts at its current end instead of
    /// its beginning (later expects always start after the last match).
    pub fn start_from_current(mut self) -> ExpectOptions {
        self.start_from_current = true;
        self
    }

    pub(crate) fn compile(&self) -> Result<Vec<Regex>> {
        if self.patterns.is_empty() {
            return Err(Error::msg("expect needs at least one pattern"));
        }
        self.patterns
            .iter()
            .map(|p| {
                RegexBuilder::new(p)
                    .multi_line(true)
                    .build()
                    .map_err(|e| Error::msg(format!("invalid expect pattern `{p}`: {e}")))
            })
            .collect()
    }
}

/// A match found by an expect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectMatch {
    /// Which pattern matched (its index in the list).
    pub index: usize,
    /// The matched text.
    pub text: String,
    /// The capture groups (`None` for a group that did not take part).
    pub groups: Vec<Option<String>>,
    /// Where the match starts in the stream (bytes since its beginning).
    pub start: u64,
    /// Where it ends; the next expect on the stream starts here.
    pub end: u64,
}

/// What an expect came to. A failure also sets the process's
/// [`expect_fail`](super::ProcessState::expect_fail) (execo returns
/// `(None, None)` then).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectOutcome {
    /// A pattern matched.
    Matched(ExpectMatch),
    /// No match within the timeout.
    Timeout {
        /// The patterns searched.
        patterns: Vec<String>,
        /// The stream searched.
        stream: Stream,
        /// The timeout.
        after: Duration,
        /// The end of what the stream held.
        tail: Tail,
    },
    /// The stream ended (or the process did not start) before a match.
    Eof {
        /// The patterns searched.
        patterns: Vec<String>,
        /// The stream searched.
        stream: Stream,
        /// The end of what the stream held.
        tail: Tail,
    },
}

impl ExpectOutcome {
    /// The match, if there was one.
    pub fn matched(&self) -> Option<&ExpectMatch> {
        match self {
            ExpectOutcome::Matched(m) => Some(m),
            _ => None,
        }
    }

    /// Which pattern matched, if one did.
    pub fn index(&self) -> Option<usize> {
        self.matched().map(|m| m.index)
    }

    /// The match, or an error saying what was expected and what arrived.
    pub fn into_result(self) -> Result<ExpectMatch> {
        match self {
            ExpectOutcome::Matched(m) => Ok(m),
            other => Err(Error::msg(other.to_string())),
        }
    }
}

impl fmt::Display for ExpectOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectOutcome::Matched(m) => write!(f, "pattern {} matched `{}`", m.index, m.text),
            ExpectOutcome::Timeout {
                patterns,
                stream,
                after,
                tail,
            } => write!(
                f,
                "no match for {patterns:?} on {} within {after:?}; the stream ended with: {tail}",
                stream_name(*stream)
            ),
            ExpectOutcome::Eof {
                patterns,
                stream,
                tail,
            } => write!(
                f,
                "{} ended before a match for {patterns:?}; it ended with: {tail}",
                stream_name(*stream)
            ),
        }
    }
}

pub(crate) fn stream_name(stream: Stream) -> &'static str {
    match stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
    }
}

/// The earliest match of any of `regexes` in `hay` (the lowest index
/// wins a tie), with `base` the stream offset of `hay[0]`.
pub(crate) fn search(regexes: &[Regex], hay: &[u8], base: u64) -> Option<ExpectMatch> {
    let mut best: Option<(usize, regex::bytes::Captures<'_>)> = None;
    for (index, re) in regexes.iter().enumerate() {
        if let Some(caps) = re.captures(hay) {
            let start = caps.get(0).map_or(usize::MAX, |m| m.start());
            let better = best
                .as_ref()
                .is_none_or(|(_, b)| start < b.get(0).map_or(usize::MAX, |m| m.start()));
            if better {
                best = Some((index, caps));
            }
        }
    }
    let (index, caps) = best?;
    let whole = caps.get(0)?;
    let text = |m: regex::bytes::Match<'_>| String::from_utf8_lossy(m.as_bytes()).into_owned();
    Some(ExpectMatch {
        index,
        text: text(whole),
        groups: caps.iter().skip(1).map(|g| g.map(text)).collect(),
        start: base + whole.start() as u64,
        end: base + whole.end() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_match_wins_and_offsets_are_absolute() {
        let opts = ExpectOptions::new(["b+", "a(x)?"]);
        let res = opts.compile().unwrap();
        let m = search(&res, b"..abbb", 100).unwrap();
        assert_eq!(
            (m.index, m.text.as_str(), m.start, m.end),
            (1, "a", 102, 103)
        );
        assert_eq!(m.groups, [None]);
        assert!(search(&res, b"zzz", 0).is_none());
        let line = ExpectOptions::new(["^\\$ $"]).compile().unwrap();
        assert!(search(&line, b"out\n$ ", 0).is_some(), "multi-line anchors");
        let err = ExpectOptions::new(["("]).compile().unwrap_err();
        assert!(
            err.to_string().contains("invalid expect pattern `(`"),
            "{err}"
        );
        assert!(ExpectOptions::new(Vec::<String>::new()).compile().is_err());
    }

    #[test]
    fn failures_say_what_was_expected_and_what_arrived() {
        let timeout = ExpectOutcome::Timeout {
            patterns: vec!["ready".into()],
            stream: Stream::Stderr,
            after: Duration::from_millis(50),
            tail: Tail::of(b"booting"),
        };
        let text = timeout.to_string();
        assert!(
            text.contains("\"ready\"") && text.contains("stderr") && text.contains("booting"),
            "{text}"
        );
        assert!(timeout.matched().is_none() && timeout.index().is_none());
        assert!(timeout.into_result().is_err());
    }
}
