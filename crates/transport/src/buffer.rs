//! The monitored buffer shared by a Session and its I/O task.
//!
//! The I/O task is the only writer: it appends cleaned device output
//! ([`Shared::append`]), feeds the OS guesser and the monitors, and wakes
//! whoever waits. The Session is the only reader: it searches the buffer
//! and consumes matched data from the front. Waiting is done on a
//! `watch` channel carrying a version number, so a waiter that subscribes
//! before checking can never miss an append (cancellation-safe: dropping a
//! wait loses nothing, the data stays in the buffer).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::{Buf, BytesMut};

use crate::clean::Move;
use oxscript_core::sync::lock;
use oxscript_drivers::{OsGuesser, Pattern};
use tokio::sync::{Notify, watch};

/// Callback receiving every byte received from the device (after cleaning).
pub(crate) type TranscriptSink = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// Callback invoked by a monitor, see [`crate::Session::add_monitor`].
pub(crate) type MonitorCallback = Arc<dyn Fn(&MonitorMatch) + Send + Sync>;

/// A match reported to a monitor callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonitorMatch {
    /// Index of the pattern (in the list given to `add_monitor`) that matched.
    pub index: usize,
    /// The matched text.
    pub text: String,
    /// The capture groups (group 1 onwards); `None` for groups that did not take part.
    pub groups: Vec<Option<String>>,
}

/// How many bytes the OS guesser looks at before authentication (banners,
/// login prompts) and again after it (first responses). Scanning every byte
/// of a 50 MB `show tech` with every driver's rules would cost far more than
/// it could tell.
const GUESS_BUDGET: usize = 64 * 1024;

/// The buffer's first allocation (and the least it starts again with);
/// it grows with the output.
const INITIAL_CAPACITY: usize = 2 * 1024;

/// A drained buffer bigger than this is freed rather than kept for reuse.
const RELEASE_CAPACITY: usize = 1024 * 1024;

/// Why the stream ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Closed {
    /// The device closed the connection.
    Eof,
    /// We closed it.
    Local,
    /// A read or decode error; the message is kept for the error report.
    Failed(String),
}

struct Monitor {
    patterns: Vec<Pattern>,
    callback: MonitorCallback,
    /// Bytes of already-searched data to search again with new data.
    limit: usize,
    /// Absolute offset up to which matches were reported.
    reported_to: u64,
}

/// Everything behind the lock.
pub(crate) struct State {
    /// Cleaned, not yet consumed data.
    pub(crate) buf: BytesMut,
    /// Absolute offset of `buf[0]`: bytes consumed so far.
    pub(crate) consumed: u64,
    pub(crate) closed: Option<Closed>,
    /// Maximum length of `buf`; the I/O task stops reading at this size.
    pub(crate) limit: usize,
    pub(crate) authenticated: bool,
    guesser: Option<OsGuesser>,
    /// Bytes the guesser may still see in the current phase.
    guess_budget: usize,
    monitors: Vec<Monitor>,
    transcript: Option<TranscriptSink>,
}

impl State {
    /// Absolute offset of the end of the buffer.
    pub(crate) fn end(&self) -> u64 {
        self.consumed + self.buf.len() as u64
    }

    /// Removes the first `n` bytes.
    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        self.buf.advance(n);
        self.consumed += n as u64;
        if self.buf.is_empty() && self.buf.capacity() > RELEASE_CAPACITY {
            // Give a big buffer's memory back once it is drained.
            self.buf = BytesMut::with_capacity(INITIAL_CAPACITY);
        }
    }

    /// Removes everything up to `matched.end` and returns what came before
    /// `matched.start`, without copying it: the buffer's allocation
    /// becomes the returned vector (a response is kept once, never as a
    /// copy of the buffer), and what follows the match moves to a new,
    /// small buffer.
    pub(crate) fn take_through(&mut self, matched: std::ops::Range<usize>) -> Vec<u8> {
        let end = matched.end.min(self.buf.len());
        let mut rest = BytesMut::with_capacity((self.buf.len() - end).max(INITIAL_CAPACITY));
        rest.extend_from_slice(&self.buf[end..]);
        let mut taken = Vec::from(std::mem::replace(&mut self.buf, rest));
        taken.truncate(matched.start.min(end));
        self.consumed += end as u64;
        taken
    }

    /// Whether the buffer reached its size limit.
    pub(crate) fn is_full(&self) -> bool {
        self.buf.len() >= self.limit
    }

    /// Appends `data`, applying backspaces and the cursor-back `moves` to
    /// not-yet-consumed data on the current line (which is how devices
    /// erase their pager prompts).
    fn push(&mut self, data: &[u8], moves: &[Move]) {
        let mut from = 0;
        for m in moves {
            self.push_text(data.get(from..m.at).unwrap_or_default());
            self.erase(m.count as usize);
            from = m.at;
        }
        self.push_text(data.get(from..).unwrap_or_default());
    }

    fn push_text(&mut self, data: &[u8]) {
        let mut rest = data;
        while let Some(pos) = memchr::memchr(0x08, rest) {
            self.buf.extend_from_slice(&rest[..pos]);
            self.erase(1);
            rest = &rest[pos + 1..];
        }
        self.buf.extend_from_slice(rest);
    }

    /// Removes up to `n` bytes from the end of the current line.
    fn erase(&mut self, n: usize) {
        let len = self.buf.len();
        let window = &self.buf[len - n.min(len)..];
        let keep = match memchr::memrchr(b'\n', window) {
            Some(newline) => len - window.len() + newline + 1,
            None => len - window.len(),
        };
        self.buf.truncate(keep);
    }

    fn feed_guesser(&mut self, data: &[u8]) {
        let budget = self.guess_budget;
        let Some(guesser) = self.guesser.as_mut() else {
            return;
        };
        if budget == 0 {
            return;
        }
        let take = data.len().min(budget);
        self.guess_budget -= take;
        guesser.data_received(&data[..take], self.authenticated);
    }

    /// Runs the monitors over the data appended since `prev_end` plus each
    /// monitor's look-behind; collects the callbacks to invoke.
    fn run_monitors(&mut self, prev_end: u64, calls: &mut Vec<(MonitorCallback, MonitorMatch)>) {
        let consumed = self.consumed;
        let end = self.end();
        let hay = &self.buf[..];
        for monitor in &mut self.monitors {
            let start_abs = prev_end
                .saturating_sub(monitor.limit as u64)
                .max(consumed)
                .min(end);
            let from = usize::try_from(start_abs - consumed).unwrap_or(0);
            let mut found: Vec<(usize, usize, usize)> = Vec::new();
            for (index, pattern) in monitor.patterns.iter().enumerate() {
                let mut at = from;
                while at <= hay.len() {
                    let Some(m) = pattern.regex().find_at(hay, at) else {
                        break;
                    };
                    if consumed + m.end() as u64 > monitor.reported_to {
                        found.push((m.start(), m.end(), index));
                    }
                    at = if m.end() > m.start() {
                        m.end()
                    } else {
                        m.end() + 1
                    };
                }
            }
            found.sort_unstable();
            for (start, stop, index) in found {
                let Some(caps) = monitor.patterns[index].regex().captures_at(hay, start) else {
                    continue;
                };
                let groups = caps
                    .iter()
                    .skip(1)
                    .map(|g| g.map(|g| String::from_utf8_lossy(g.as_bytes()).into_owned()))
                    .collect();
                calls.push((
                    monitor.callback.clone(),
                    MonitorMatch {
                        index,
                        text: String::from_utf8_lossy(&hay[start..stop]).into_owned(),
                        groups,
                    },
                ));
                monitor.reported_to = monitor.reported_to.max(consumed + stop as u64);
            }
        }
    }
}

/// State shared between a Session and its I/O task.
pub(crate) struct Shared {
    state: Mutex<State>,
    version: watch::Sender<u64>,
    /// Signalled when the Session frees buffer space.
    space: Notify,
    cancelled: AtomicBool,
}

impl Shared {
    pub(crate) fn new(limit: usize, guesser: Option<OsGuesser>) -> Arc<Self> {
        let (version, _) = watch::channel(0);
        Arc::new(Shared {
            state: Mutex::new(State {
                buf: BytesMut::with_capacity(INITIAL_CAPACITY),
                consumed: 0,
                closed: None,
                limit: limit.max(1),
                authenticated: false,
                guesser,
                guess_budget: GUESS_BUDGET,
                monitors: Vec::new(),
                transcript: None,
            }),
            version,
            space: Notify::new(),
            cancelled: AtomicBool::new(false),
        })
    }

    /// Locks the state. A poisoned lock (a panicking monitor callback
    /// cannot poison it: callbacks run outside the lock) is recovered.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// A receiver to wait for changes on; subscribe before checking.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    fn bump(&self) {
        self.version.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Appends cleaned device output and the cursor-back `moves` within
    /// it, and wakes the waiters (I/O task only).
    pub(crate) fn append(&self, data: &[u8], moves: &[Move]) {
        if data.is_empty() && moves.is_empty() {
            return;
        }
        // The transcript gets the data before any waiter can see it in the
        // buffer: when a wait returns, what it matched is in the transcript.
        // It gets the text as received (control sequences removed), never
        // expanded cursor moves.
        let transcript = self.lock().transcript.clone();
        if let Some(sink) = transcript.filter(|_| !data.is_empty()) {
            sink(data);
        }
        let mut calls = Vec::new();
        {
            let mut st = self.lock();
            let prev_end = st.end();
            st.push(data, moves);
            st.feed_guesser(data);
            if !st.monitors.is_empty() {
                st.run_monitors(prev_end, &mut calls);
            }
        }
        self.bump();
        for (callback, m) in calls {
            callback(&m);
        }
    }

    /// Records that the stream ended and wakes the waiters.
    pub(crate) fn close(&self, why: Closed) {
        {
            let mut st = self.lock();
            if st.closed.is_none() {
                st.closed = Some(why);
            }
        }
        self.bump();
        self.space.notify_waiters();
    }

    /// Waits until the buffer is below its limit or the stream is closed
    /// (I/O task only: this is the backpressure that keeps memory bounded).
    pub(crate) async fn wait_for_space(&self) {
        loop {
            let notified = self.space.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let st = self.lock();
                if !st.is_full() || st.closed.is_some() {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Tells the I/O task that the Session freed buffer space.
    pub(crate) fn space_freed(&self) {
        self.space.notify_one();
    }

    pub(crate) fn set_transcript(&self, sink: Option<TranscriptSink>) {
        self.lock().transcript = sink;
    }

    pub(crate) fn add_monitor(
        &self,
        patterns: Vec<Pattern>,
        callback: MonitorCallback,
        limit: usize,
    ) {
        let mut st = self.lock();
        let end = st.end();
        st.monitors.push(Monitor {
            patterns,
            callback,
            limit: limit.max(1),
            reported_to: end,
        });
    }

    pub(crate) fn clear_monitors(&self) {
        self.lock().monitors.clear();
    }

    /// Marks the end of authentication; the guesser gets a fresh budget
    /// for the first responses.
    pub(crate) fn set_authenticated(&self, yes: bool) {
        let mut st = self.lock();
        if yes && !st.authenticated {
            st.guess_budget = GUESS_BUDGET;
        }
        st.authenticated = yes;
    }

    pub(crate) fn with_guesser<R>(&self, f: impl FnOnce(&mut OsGuesser) -> R) -> Option<R> {
        self.lock().guesser.as_mut().map(f)
    }

    /// Asks the current (or next) wait to stop with `ExpectCancelled`.
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.bump();
    }

    /// Takes the cancellation flag.
    pub(crate) fn take_cancel(&self) -> bool {
        self.cancelled.swap(false, Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;

    impl Shared {
        /// Appends text without cursor moves.
        fn append_text(&self, data: &[u8]) {
            self.append(data, &[]);
        }
    }

    #[test]
    fn cursor_back_erases_within_the_line_only() {
        let shared = Shared::new(1024, None);
        shared.append(
            b"line\nabc --More--def",
            &[Move { at: 17, count: 9 }, Move { at: 17, count: 1 }],
        );
        assert_eq!(&shared.lock().buf[..], b"line\nabdef");
        shared.append(
            &[],
            &[Move {
                at: 0,
                count: 100_000,
            }],
        );
        assert_eq!(&shared.lock().buf[..], b"line\n");
    }

    #[test]
    fn backspace_erases_within_the_line_only() {
        let shared = Shared::new(1024, None);
        shared.append_text(b"line\nabc --More--");
        shared.append_text(&[0x08; 9]);
        shared.append_text(b"         ");
        shared.append_text(&[0x08; 9]);
        shared.append_text(b"def");
        assert_eq!(&shared.lock().buf[..], b"line\nabcdef");
        shared.append_text(&[0x08; 10]);
        assert_eq!(&shared.lock().buf[..], b"line\n");
    }

    #[test]
    fn take_through_returns_what_came_before_and_keeps_what_follows() {
        let shared = Shared::new(1024, None);
        shared.append_text(b"xxoutput\r\nrouter#more");
        let mut st = shared.lock();
        st.consume(2);
        let before = st.take_through(8..15);
        assert_eq!(before, b"output\r\n");
        assert_eq!(&st.buf[..], b"more");
        assert_eq!(st.consumed, 17);
        assert_eq!(st.end(), 21);
    }

    #[test]
    fn consume_tracks_absolute_offsets() {
        let shared = Shared::new(1024, None);
        shared.append_text(b"hello world");
        let mut st = shared.lock();
        st.consume(6);
        assert_eq!(&st.buf[..], b"world");
        assert_eq!(st.consumed, 6);
        assert_eq!(st.end(), 11);
        st.consume(100);
        assert!(st.buf.is_empty());
        assert_eq!(st.consumed, 11);
    }

    #[test]
    fn monitors_report_each_match_once_across_chunks() {
        let shared = Shared::new(1 << 20, None);
        let seen = Arc::new(StdMutex::new(Vec::new()));
        let sink = seen.clone();
        shared.add_monitor(
            vec![Pattern::new(r"%LINK-(\d)-UPDOWN").unwrap()],
            Arc::new(move |m: &MonitorMatch| sink.lock().unwrap().push(m.clone())),
            80,
        );
        shared.append_text(b"foo %LINK-3-UP");
        shared.append_text(b"DOWN bar %LINK-5-UPDOWN\n");
        shared.append_text(b"more text\n");
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].text, "%LINK-3-UPDOWN");
        assert_eq!(seen[0].groups, vec![Some("3".to_string())]);
        assert_eq!(seen[1].groups, vec![Some("5".to_string())]);
    }

    #[tokio::test]
    async fn waiters_wake_on_append_and_close() {
        let shared = Shared::new(1024, None);
        let mut rx = shared.subscribe();
        rx.borrow_and_update();
        let writer = shared.clone();
        tokio::spawn(async move { writer.append_text(b"x") });
        rx.changed().await.unwrap();
        assert_eq!(&shared.lock().buf[..], b"x");
        shared.close(Closed::Eof);
        rx.changed().await.unwrap();
        assert_eq!(shared.lock().closed, Some(Closed::Eof));
    }

    #[tokio::test]
    async fn wait_for_space_returns_when_space_is_freed() {
        let shared = Shared::new(4, None);
        shared.append_text(b"12345");
        let reader = shared.clone();
        let waiter = tokio::spawn(async move { reader.wait_for_space().await });
        tokio::task::yield_now().await;
        shared.lock().consume(3);
        shared.space_freed();
        tokio::time::timeout(std::time::Duration::from_secs(10), waiter)
            .await
            .unwrap()
            .unwrap();
    }
}
