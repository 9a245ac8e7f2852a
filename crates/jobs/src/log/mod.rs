//! Job logs: what each job attempt saw and how it ended.
//!
//! A [`Logger`] keeps one [`Log`] per job attempt: the job's name and host,
//! the attempt number, when it started and ended, the conversation
//! transcript (every byte the device sent, never what was typed, so no
//! password), the messages the job logged, and the error with its cause
//! chain. Give it to a queue with [`QueueOptions::logger`](crate::queue::QueueOptions::logger)
//! and summarise it with the [`report`](crate::report) functions.
//!
//! A [`FileLogger`] also writes each log to `<dir>/<name>.log` (the
//! transcript) and failures to `<dir>/<name>.log.error` (the error and its
//! causes), like Exscript's `FileLogger`. Files are written by a task of
//! their own, so a slow disk never stalls a connection.
//!
//! ```
//! use oxscript_jobs::log::Logger;
//! use oxscript_jobs::{report, Error};
//!
//! let logger = Logger::new();
//! let ok = logger.start(1, "r1", Some("r1"), 1);
//! ok.write(b"r1>show clock\r\n12:00:00.000 UTC\r\nr1>");
//! ok.succeeded();
//! let bad = logger.start(2, "r2", Some("r2"), 1);
//! bad.failed(&Error::msg("login failed"));
//!
//! assert_eq!(report::status(&logger), "2 actions done (1 failed, 1 succeeded)");
//! let logs = logger.logs();
//! assert!(logs[0].transcript().contains("12:00:00"));
//! assert!(logs[1].has_error() && logs[1].has_ended());
//! ```

mod file;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use oxscript_core::sync::lock;

pub(crate) use file::file_stem;
pub use file::{FileLogOptions, FileLogger, LogMode};

use crate::error::{Error, Result};

/// Collects the logs of job attempts in memory (optionally also in files,
/// see [`FileLogger`]). Clones share the same logs.
#[derive(Clone)]
pub struct Logger(Arc<LoggerInner>);

struct LoggerInner {
    entries: Mutex<Vec<Arc<Entry>>>,
    keep_transcripts: bool,
    files: Option<file::FileSink>,
    observer: Option<Arc<dyn LogObserver>>,
}

/// Told about every log of a [`Logger`] as it is written: attempts that
/// start, transcript data, messages, and how each attempt ended. Give one
/// to [`Logger::with_observer`] to stream logs elsewhere (another process,
/// a message bus) while jobs run. The calls come from the jobs' tasks, in
/// the order things happened for each attempt: keep them short and never
/// block.
///
/// A log is named by its job id and attempt number (as given to
/// [`Logger::start`]); every method does nothing by default.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use oxscript_jobs::log::{LogObserver, Logger};
///
/// #[derive(Default)]
/// struct Bytes(Mutex<usize>);
/// impl LogObserver for Bytes {
///     fn data(&self, _job_id: u64, _attempt: u32, data: &[u8]) {
///         *self.0.lock().unwrap() += data.len();
///     }
/// }
///
/// let seen = Arc::new(Bytes::default());
/// let logger = Logger::with_observer(false, seen.clone());
/// logger.start(1, "r1", Some("r1"), 1).write(b"r1>");
/// assert_eq!(*seen.0.lock().unwrap(), 3);
/// ```
pub trait LogObserver: Send + Sync + 'static {
    /// An attempt of a job started ([`Logger::start`]).
    fn started(&self, job_id: u64, name: &str, host: Option<&str>, attempt: u32) {
        let _ = (job_id, name, host, attempt);
    }

    /// The device sent `data` ([`LogHandle::write`]).
    fn data(&self, job_id: u64, attempt: u32, data: &[u8]) {
        let _ = (job_id, attempt, data);
    }

    /// The job logged a message ([`LogHandle::message`]).
    fn message(&self, job_id: u64, attempt: u32, text: &str) {
        let _ = (job_id, attempt, text);
    }

    /// The attempt ended, with `error` when it failed.
    fn ended(&self, job_id: u64, attempt: u32, error: Option<&Error>) {
        let _ = (job_id, attempt, error);
    }
}

struct Entry {
    job_id: u64,
    name: String,
    host: Option<String>,
    attempt: u32,
    started: SystemTime,
    /// The key of this log in the file writer.
    key: u64,
    state: Mutex<EntryState>,
}

#[derive(Default)]
struct EntryState {
    transcript: Transcript,
    messages: Vec<String>,
    ended: Option<SystemTime>,
    error: Option<Error>,
}

impl EntryState {
    fn succeeded(&self) -> bool {
        self.ended.is_some() && self.error.is_none()
    }

    fn failed(&self) -> bool {
        self.ended.is_some() && self.error.is_some()
    }
}

/// A transcript as text, decoded as it arrives (a character cut between
/// two reads is joined), shared with the [`Log`] snapshots taken of it.
#[derive(Default)]
struct Transcript {
    text: Arc<String>,
    /// The start of a character whose end has not arrived yet.
    pending: Vec<u8>,
}

impl Transcript {
    fn push(&mut self, data: &[u8]) {
        let joined;
        let bytes = if self.pending.is_empty() {
            data
        } else {
            let mut all = std::mem::take(&mut self.pending);
            all.extend_from_slice(data);
            joined = all;
            &joined[..]
        };
        // Copies the text only if a snapshot still shares it.
        let text = Arc::make_mut(&mut self.text);
        let mut chunks = bytes.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            text.push_str(chunk.valid());
            let invalid = chunk.invalid();
            if invalid.is_empty() {
                continue;
            }
            if chunks.peek().is_none() && is_cut_character(invalid) {
                self.pending = invalid.to_vec();
            } else {
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }

    /// The text so far (a cut character at the end shows as U+FFFD).
    fn snapshot(&self) -> Arc<String> {
        if self.pending.is_empty() {
            Arc::clone(&self.text)
        } else {
            Arc::new(format!("{}{}", self.text, char::REPLACEMENT_CHARACTER))
        }
    }
}

/// Whether `bytes` (an invalid sequence ending the input) is the start of
/// a UTF-8 character whose remaining bytes may still come.
fn is_cut_character(bytes: &[u8]) -> bool {
    let width = match bytes.first() {
        Some(0xC2..=0xDF) => 2,
        Some(0xE0..=0xEF) => 3,
        Some(0xF0..=0xF4) => 4,
        _ => return false,
    };
    bytes.len() < width
}

impl Default for Logger {
    fn default() -> Self {
        Logger::new()
    }
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logger")
            .field("logs", &lock(&self.0.entries).len())
            .field("keep_transcripts", &self.0.keep_transcripts)
            .field("files", &self.0.files.as_ref().map(|s| s.dir().to_owned()))
            .field("observer", &self.0.observer.is_some())
            .finish()
    }
}

impl Logger {
    /// A logger that keeps everything in memory, transcripts included.
    pub fn new() -> Logger {
        Logger::build(true, None)
    }

    /// A logger that keeps names, times and errors but not transcripts (for
    /// long runs over many hosts where only the outcome matters).
    pub fn without_transcripts() -> Logger {
        Logger::build(false, None)
    }

    /// A logger that also tells `observer` everything logged, as it is
    /// logged; transcripts are kept in memory only with `keep_transcripts`.
    pub fn with_observer(keep_transcripts: bool, observer: Arc<dyn LogObserver>) -> Logger {
        Logger(Arc::new(LoggerInner {
            entries: Mutex::new(Vec::new()),
            keep_transcripts,
            files: None,
            observer: Some(observer),
        }))
    }

    fn build(keep_transcripts: bool, files: Option<file::FileSink>) -> Logger {
        Logger(Arc::new(LoggerInner {
            entries: Mutex::new(Vec::new()),
            keep_transcripts,
            files,
            observer: None,
        }))
    }

    /// Whether transcripts are kept in memory.
    pub fn keeps_transcripts(&self) -> bool {
        self.0.keep_transcripts
    }

    /// Starts the log of one attempt of a job (attempts count from 1) and
    /// returns the handle to write to it. Queues call this for every
    /// attempt; call it yourself to log work done outside a queue.
    pub fn start(&self, job_id: u64, name: &str, host: Option<&str>, attempt: u32) -> LogHandle {
        let mut entries = lock(&self.0.entries);
        let entry = Arc::new(Entry {
            job_id,
            name: name.to_owned(),
            host: host.map(str::to_owned),
            attempt,
            started: SystemTime::now(),
            key: entries.len() as u64,
            state: Mutex::new(EntryState::default()),
        });
        entries.push(Arc::clone(&entry));
        drop(entries);
        if let Some(files) = &self.0.files {
            files.open(entry.key, name, attempt);
        }
        if let Some(observer) = &self.0.observer {
            observer.started(job_id, name, host, attempt);
        }
        LogHandle {
            logger: self.clone(),
            entry,
        }
    }

    /// Snapshots of all logs, in the order they were started.
    pub fn logs(&self) -> Vec<Log> {
        self.entries().iter().map(|e| Log::of(e)).collect()
    }

    /// The logs of finished attempts that succeeded.
    pub fn succeeded_logs(&self) -> Vec<Log> {
        self.logs_where(EntryState::succeeded)
    }

    /// The logs of finished attempts that failed.
    pub fn failed_logs(&self) -> Vec<Log> {
        self.logs_where(EntryState::failed)
    }

    fn logs_where(&self, keep: fn(&EntryState) -> bool) -> Vec<Log> {
        self.entries()
            .iter()
            .filter(|e| keep(&lock(&e.state)))
            .map(|e| Log::of(e))
            .collect()
    }

    /// The last log of every job (its final attempt so far), in the order
    /// the jobs were first started. Reports are built from these.
    pub fn final_logs(&self) -> Vec<Log> {
        self.final_entries().iter().map(|e| Log::of(e)).collect()
    }

    /// The entries of [`final_logs`](Logger::final_logs), without snapshots.
    fn final_entries(&self) -> Vec<Arc<Entry>> {
        let entries = self.entries();
        let mut order: Vec<u64> = Vec::new();
        let mut last: HashMap<u64, usize> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if last.insert(e.job_id, i).is_none() {
                order.push(e.job_id);
            }
        }
        order
            .iter()
            .filter_map(|id| last.get(id))
            .filter_map(|&i| entries.get(i).cloned())
            .collect()
    }

    /// Calls `f` with the outcome of every job's last attempt, in the order
    /// of [`final_logs`](Logger::final_logs), copying nothing.
    pub(crate) fn for_each_outcome(&self, mut f: impl FnMut(Outcome<'_>)) {
        for entry in self.final_entries() {
            let state = lock(&entry.state);
            f(Outcome {
                name: &entry.name,
                attempt: entry.attempt,
                ended: state.ended.is_some(),
                error: state.error.as_ref(),
            });
        }
    }

    /// How many jobs ended successfully and how many failed (judged by
    /// their last attempt; jobs still running count in neither).
    pub(crate) fn final_counts(&self) -> (usize, usize) {
        let (mut succeeded, mut failed) = (0, 0);
        self.for_each_outcome(|o| match (o.ended, o.error) {
            (true, None) => succeeded += 1,
            (true, Some(_)) => failed += 1,
            (false, _) => {}
        });
        (succeeded, failed)
    }

    /// How many jobs ended successfully (judged by their last attempt).
    pub fn succeeded_count(&self) -> usize {
        self.final_counts().0
    }

    /// How many jobs failed (judged by their last attempt).
    pub fn failed_count(&self) -> usize {
        self.final_counts().1
    }

    /// How many attempts were logged.
    pub fn len(&self) -> usize {
        lock(&self.0.entries).len()
    }

    /// Whether nothing was logged.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every log from memory (files are kept).
    pub fn clear(&self) {
        lock(&self.0.entries).clear();
    }

    /// Waits until everything logged so far is written to the log files
    /// (no-op for a memory-only logger); returns the first write error
    /// since the last flush.
    pub async fn flush(&self) -> Result<()> {
        match &self.0.files {
            Some(files) => files.flush().await,
            None => Ok(()),
        }
    }

    fn entries(&self) -> Vec<Arc<Entry>> {
        lock(&self.0.entries).clone()
    }
}

/// Writes to the log of one job attempt; see [`Logger::start`]. Cloning
/// is cheap; clones write to the same log.
#[derive(Clone)]
pub struct LogHandle {
    logger: Logger,
    entry: Arc<Entry>,
}

impl std::fmt::Debug for LogHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogHandle")
            .field("job_id", &self.entry.job_id)
            .field("name", &self.entry.name)
            .field("attempt", &self.entry.attempt)
            .finish()
    }
}

impl LogHandle {
    /// Appends data the device sent to the transcript.
    pub fn write(&self, data: &[u8]) {
        if self.logger.0.keep_transcripts {
            lock(&self.entry.state).transcript.push(data);
        }
        if let Some(files) = &self.logger.0.files {
            files.data(self.entry.key, data);
        }
        if let Some(observer) = &self.logger.0.observer {
            observer.data(self.entry.job_id, self.entry.attempt, data);
        }
    }

    /// Records a message of the job (also written to the log file, on a
    /// line of its own).
    pub fn message(&self, text: &str) {
        lock(&self.entry.state).messages.push(text.to_owned());
        if let Some(files) = &self.logger.0.files {
            files.message(self.entry.key, text);
        }
        if let Some(observer) = &self.logger.0.observer {
            observer.message(self.entry.job_id, self.entry.attempt, text);
        }
    }

    /// Ends the log with an error.
    pub fn failed(&self, error: &Error) {
        {
            let mut st = lock(&self.entry.state);
            st.ended = Some(SystemTime::now());
            st.error = Some(error.clone());
        }
        if let Some(files) = &self.logger.0.files {
            let entry = &self.entry;
            files.failed(entry.key, &entry.name, entry.attempt, &error.chain());
        }
        if let Some(observer) = &self.logger.0.observer {
            observer.ended(self.entry.job_id, self.entry.attempt, Some(error));
        }
    }

    /// Ends the log successfully.
    pub fn succeeded(&self) {
        lock(&self.entry.state).ended = Some(SystemTime::now());
        if let Some(files) = &self.logger.0.files {
            let entry = &self.entry;
            files.succeeded(entry.key, &entry.name, entry.attempt);
        }
        if let Some(observer) = &self.logger.0.observer {
            observer.ended(self.entry.job_id, self.entry.attempt, None);
        }
    }
}

/// The outcome of a job's last attempt, borrowed from its log.
pub(crate) struct Outcome<'a> {
    pub(crate) name: &'a str,
    pub(crate) attempt: u32,
    pub(crate) ended: bool,
    pub(crate) error: Option<&'a Error>,
}

/// A snapshot of the log of one job attempt. Its transcript is shared
/// with the logger, not copied.
#[derive(Clone, Debug)]
pub struct Log {
    job_id: u64,
    name: String,
    host: Option<String>,
    attempt: u32,
    started: SystemTime,
    ended: Option<SystemTime>,
    transcript: Arc<String>,
    messages: Vec<String>,
    error: Option<Error>,
}

impl Log {
    fn of(entry: &Entry) -> Log {
        let st = lock(&entry.state);
        Log {
            job_id: entry.job_id,
            name: entry.name.clone(),
            host: entry.host.clone(),
            attempt: entry.attempt,
            started: entry.started,
            ended: st.ended,
            transcript: st.transcript.snapshot(),
            messages: st.messages.clone(),
            error: st.error.clone(),
        }
    }

    /// The job's id.
    pub fn job_id(&self) -> u64 {
        self.job_id
    }

    /// The job's name (the host's name for host jobs).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The host's name, for host jobs.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The attempt number (from 1).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// When the attempt started.
    pub fn started_at(&self) -> SystemTime {
        self.started
    }

    /// When the attempt ended, if it did.
    pub fn ended_at(&self) -> Option<SystemTime> {
        self.ended
    }

    /// Everything the device sent (terminal control sequences removed),
    /// empty when the logger does not keep transcripts.
    pub fn transcript(&self) -> &str {
        &self.transcript
    }

    /// The messages the job logged.
    pub fn messages(&self) -> &[String] {
        &self.messages
    }

    /// The error that ended the attempt, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// The error and its causes, one message per entry (empty without error).
    pub fn error_chain(&self) -> Vec<String> {
        self.error.as_ref().map(Error::chain).unwrap_or_default()
    }

    /// Whether the attempt ended with an error.
    pub fn has_error(&self) -> bool {
        self.error.is_some()
    }

    /// Whether the attempt ended.
    pub fn has_ended(&self) -> bool {
        self.ended.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_attempts_and_outcomes() {
        let logger = Logger::new();
        assert!(logger.is_empty());
        let a1 = logger.start(1, "r1", Some("r1"), 1);
        a1.write(b"Username: ");
        a1.message("connected");
        a1.failed(&Error::msg("login failed"));
        let a2 = logger.start(1, "r1", Some("r1"), 2);
        a2.write(b"r1>");
        let b = logger.start(2, "job", None, 1);
        b.succeeded();

        assert_eq!(logger.len(), 3);
        let logs = logger.logs();
        assert_eq!(logs[0].transcript(), "Username: ");
        assert_eq!(logs[0].messages(), ["connected"]);
        assert_eq!(logs[0].error_chain(), ["login failed"]);
        assert!(logs[0].has_ended() && logs[0].ended_at().is_some());
        assert!(!logs[1].has_ended());
        assert_eq!(logs[1].attempt(), 2);
        assert_eq!(logs[2].host(), None);
        assert!(logs[2].started_at() <= SystemTime::now());

        // Per job, the last attempt counts: r1 has not ended yet.
        let finals = logger.final_logs();
        assert_eq!(finals.len(), 2);
        assert_eq!((finals[0].job_id(), finals[0].attempt()), (1, 2));
        assert_eq!(logger.succeeded_count(), 1);
        assert_eq!(logger.failed_count(), 0);
        assert_eq!(logger.failed_logs().len(), 1);
        assert_eq!(logger.succeeded_logs().len(), 1);
        a2.succeeded();
        assert_eq!(logger.succeeded_count(), 2);

        logger.clear();
        assert!(logger.is_empty());
    }

    #[test]
    fn transcripts_join_characters_cut_between_reads_and_are_shared() {
        let logger = Logger::new();
        let h = logger.start(1, "r1", None, 1);
        let euro = "€".as_bytes(); // three bytes
        h.write(b"price: ");
        h.write(&euro[..1]);
        assert_eq!(
            logger.logs()[0].transcript(),
            "price: \u{FFFD}",
            "cut, so far"
        );
        h.write(&euro[1..]);
        h.write(b" \xFF!");
        h.write(&[0xE2]);
        h.write(b"x");
        assert_eq!(
            logger.logs()[0].transcript(),
            String::from_utf8_lossy(b"price: \xE2\x82\xAC \xFF!\xE2x")
        );
        h.succeeded();
        // Snapshots of an ended log share its text.
        let (a, b) = (logger.logs(), logger.logs());
        assert!(std::ptr::eq(a[0].transcript(), b[0].transcript()));
        assert!(is_cut_character(&[0xF0, 0x9F]) && !is_cut_character(&[0x80]));
        assert!(!is_cut_character(&[0xC3, 0xA9]), "complete");
    }

    #[test]
    fn observers_see_everything_in_order() {
        #[derive(Default)]
        struct Seen(Mutex<Vec<String>>);
        impl LogObserver for Seen {
            fn started(&self, job_id: u64, name: &str, host: Option<&str>, attempt: u32) {
                lock(&self.0).push(format!("start {job_id} {name} {host:?} {attempt}"));
            }
            fn data(&self, job_id: u64, attempt: u32, data: &[u8]) {
                lock(&self.0).push(format!(
                    "data {job_id}/{attempt} {}",
                    String::from_utf8_lossy(data)
                ));
            }
            fn message(&self, job_id: u64, attempt: u32, text: &str) {
                lock(&self.0).push(format!("message {job_id}/{attempt} {text}"));
            }
            fn ended(&self, job_id: u64, attempt: u32, error: Option<&Error>) {
                lock(&self.0).push(format!("ended {job_id}/{attempt} {error:?}"));
            }
        }
        let seen = Arc::new(Seen::default());
        let logger = Logger::with_observer(true, seen.clone());
        let a = logger.start(4, "r1", Some("r1"), 1);
        a.write(b"r1>");
        a.message("hi");
        a.failed(&Error::msg("boom"));
        let b = logger.start(4, "r1", Some("r1"), 2);
        b.succeeded();
        assert_eq!(
            *lock(&seen.0),
            [
                "start 4 r1 Some(\"r1\") 1",
                "data 4/1 r1>",
                "message 4/1 hi",
                "ended 4/1 Some(Failed { message: \"boom\" })",
                "start 4 r1 Some(\"r1\") 2",
                "ended 4/2 None",
            ]
        );
        assert_eq!(logger.logs()[0].transcript(), "r1>");
        assert!(format!("{logger:?}").contains("observer: true"));
    }

    #[test]
    fn without_transcripts_keeps_outcomes_only() {
        let logger = Logger::without_transcripts();
        assert!(!logger.keeps_transcripts());
        let h = logger.start(1, "r1", Some("r1"), 1);
        h.write(b"lots of output");
        h.failed(&Error::msg("boom"));
        let log = &logger.logs()[0];
        assert_eq!(log.transcript(), "");
        assert_eq!(
            log.error().map(ToString::to_string).as_deref(),
            Some("boom")
        );
        assert!(format!("{logger:?} {h:?}").contains("r1"));
    }
}
