//! execo's `Report`: counters over actions and sub-reports, as text and
//! JSON. (Not [`crate::report`], which summarises Exscript-style queue
//! logs.)

use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Action;
use crate::process::ProcessInfo;

/// The counters of a process, an action or a report (execo's `stats()`
/// dict), with the failures behind them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Whose counters these are.
    pub name: String,
    /// The earliest start, if any process started.
    pub start_date: Option<SystemTime>,
    /// The latest end, once every process has ended.
    pub end_date: Option<SystemTime>,
    /// How many processes.
    pub num_processes: usize,
    /// How many started.
    pub num_started: usize,
    /// How many ended.
    pub num_ended: usize,
    /// How many failed to start.
    pub num_errors: usize,
    /// How many reached their timeout.
    pub num_timeouts: usize,
    /// How many needed SIGKILL after SIGTERM.
    pub num_forced_kills: usize,
    /// How many ran and ended with a non-zero exit code (or a signal).
    pub num_non_zero_exit_codes: usize,
    /// How many are ok (not started and running ones count).
    pub num_ok: usize,
    /// How many started, ended and are ok.
    pub num_finished_ok: usize,
    /// How many had a failed expect.
    pub num_expect_fail: usize,
    /// How many had a failed write.
    pub num_write_error: usize,
    /// The processes that are not ok.
    pub failures: Vec<ProcessInfo>,
    /// The counters of the parts (sub-actions, actions of a report).
    pub parts: Vec<Stats>,
}

impl Stats {
    /// Counters at zero (execo `empty_stats`).
    pub fn empty(name: impl Into<String>) -> Stats {
        Stats {
            name: name.into(),
            ..Stats::default()
        }
    }

    fn count(&mut self, p: &ProcessInfo) {
        let s = &p.state;
        self.num_processes += 1;
        self.num_started += usize::from(s.started);
        self.num_ended += usize::from(s.ended);
        self.num_errors += usize::from(s.error);
        self.num_timeouts += usize::from(s.timed_out);
        self.num_forced_kills += usize::from(s.forced_kill);
        self.num_non_zero_exit_codes += usize::from(s.non_zero_exit());
        self.num_ok += usize::from(p.ok);
        self.num_finished_ok += usize::from(p.ok && s.started && s.ended);
        self.num_expect_fail += usize::from(s.expect_fail);
        self.num_write_error += usize::from(s.write_error);
        if !p.ok {
            self.failures.push(p.clone());
        }
        self.start_date = earliest(self.start_date, s.start_date);
    }

    fn end_dates<'a>(&mut self, infos: impl Iterator<Item = &'a ProcessInfo>) {
        let mut latest = None;
        for p in infos {
            match p.state.end_date {
                Some(d) if p.state.ended => latest = latest.max(Some(d)),
                _ => {
                    self.end_date = None;
                    return;
                }
            }
        }
        self.end_date = latest;
    }

    /// The counters of an action (and of its sub-actions, as parts,
    /// unless it hides them).
    pub fn of_action(action: &Action) -> Stats {
        let mut stats = Stats::empty(action.name());
        let infos: Vec<ProcessInfo> = action.processes().iter().map(|p| p.info()).collect();
        for p in &infos {
            stats.count(p);
        }
        stats.end_dates(infos.iter());
        if !action.subactions_hidden() {
            stats.parts = action.subactions().iter().map(Stats::of_action).collect();
        }
        stats
    }

    /// Adds `other`'s counters to these (execo's report sums), keeping it
    /// as a part.
    pub fn add(&mut self, other: Stats) {
        self.num_processes += other.num_processes;
        self.num_started += other.num_started;
        self.num_ended += other.num_ended;
        self.num_errors += other.num_errors;
        self.num_timeouts += other.num_timeouts;
        self.num_forced_kills += other.num_forced_kills;
        self.num_non_zero_exit_codes += other.num_non_zero_exit_codes;
        self.num_ok += other.num_ok;
        self.num_finished_ok += other.num_finished_ok;
        self.num_expect_fail += other.num_expect_fail;
        self.num_write_error += other.num_write_error;
        self.failures.extend(other.failures.iter().cloned());
        self.start_date = earliest(self.start_date, other.start_date);
        let all_ended = other.num_ended == other.num_processes;
        self.end_date = if self.parts.is_empty() {
            other.end_date.filter(|_| all_ended)
        } else {
            match (self.end_date, other.end_date) {
                (Some(a), Some(b)) if all_ended => Some(a.max(b)),
                _ => None,
            }
        };
        self.parts.push(other);
    }

    /// How long from the first start to the last end, once ended.
    pub fn duration(&self) -> Option<Duration> {
        self.end_date?.duration_since(self.start_date?).ok()
    }

    /// The counters as a JSON object (dates as Unix seconds, `null` when
    /// unknown; failures with host, command and how they ended; parts
    /// nested).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        let date = |d: Option<SystemTime>| {
            d.and_then(|d| d.duration_since(UNIX_EPOCH).ok())
                .map_or("null".to_owned(), |d| format!("{:.3}", d.as_secs_f64()))
        };
        let _ = write!(
            out,
            "{{\"name\":{},\"start_date\":{},\"end_date\":{}",
            json_string(&self.name),
            date(self.start_date),
            date(self.end_date)
        );
        for (key, value) in self.counters() {
            let _ = write!(out, ",\"{key}\":{value}");
        }
        out.push_str(",\"failures\":[");
        for (i, f) in self.failures.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "{{\"name\":{},\"host\":{},\"command\":{},\"status\":{}}}",
                json_string(&f.name),
                f.host.as_deref().map_or("null".to_owned(), json_string),
                json_string(&f.command),
                json_string(&f.state.summary())
            );
        }
        out.push_str("],\"parts\":[");
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            part.write_json(out);
        }
        out.push_str("]}");
    }

    /// The counters by execo's names, in its order.
    pub fn counters(&self) -> [(&'static str, usize); 11] {
        [
            ("num_processes", self.num_processes),
            ("num_started", self.num_started),
            ("num_ended", self.num_ended),
            ("num_errors", self.num_errors),
            ("num_timeouts", self.num_timeouts),
            ("num_forced_kills", self.num_forced_kills),
            ("num_non_zero_exit_codes", self.num_non_zero_exit_codes),
            ("num_expect_fail", self.num_expect_fail),
            ("num_write_error", self.num_write_error),
            ("num_ok", self.num_ok),
            ("num_finished_ok", self.num_finished_ok),
        ]
    }
}

fn earliest(a: Option<SystemTime>, b: Option<SystemTime>) -> Option<SystemTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

enum Entry {
    Action(Action),
    Report(Report),
}

/// A summary of actions and, recursively, of other reports (execo
/// `Report`): counters ([`stats`](Report::stats)), a text table
/// ([`to_text`](Report::to_text), also `Display`) with the failed
/// processes listed per host, and JSON ([`to_json`](Report::to_json)).
///
/// ```
/// use oxscript_jobs::action::{Local, Report};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> oxscript_jobs::Result<()> {
/// let good = Local::new("true").build();
/// let bad = Local::new("exit 2").build();
/// good.run().await?;
/// bad.run().await?;
/// let report = Report::new("demo").action(&good).action(&bad);
/// let stats = report.stats();
/// assert_eq!((stats.num_processes, stats.num_ok, stats.num_non_zero_exit_codes), (2, 1, 1));
/// assert!(report.to_text(false).contains("exit 2"));
/// # Ok(()) }
/// ```
pub struct Report {
    name: String,
    entries: Vec<Entry>,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("name", &self.name)
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl Report {
    /// An empty report.
    pub fn new(name: impl Into<String>) -> Report {
        Report {
            name: name.into(),
            entries: Vec::new(),
        }
    }

    /// Adds an action (its state is read when the report is).
    pub fn action(mut self, action: &Action) -> Report {
        self.entries.push(Entry::Action(action.clone()));
        self
    }

    /// Adds a sub-report.
    pub fn report(mut self, report: Report) -> Report {
        self.entries.push(Entry::Report(report));
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The totals, with each action and sub-report as a part.
    pub fn stats(&self) -> Stats {
        let mut total = Stats::empty(self.name.clone());
        for entry in &self.entries {
            total.add(match entry {
                Entry::Action(a) => a.stats(),
                Entry::Report(r) => r.stats(),
            });
        }
        total
    }

    /// The report as JSON (see [`Stats::to_json`]).
    pub fn to_json(&self) -> String {
        self.stats().to_json()
    }

    /// The report as text: a line per action and sub-report (unless
    /// `brief`), the total, then each process that is not ok, by host,
    /// with how it ended and the end of its stderr.
    pub fn to_text(&self, brief: bool) -> String {
        let stats = self.stats();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<32} {:>9} {:>5} {:>5} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>5} {:>5}",
            "name",
            "duration",
            "procs",
            "start",
            "ended",
            "errors",
            "tmouts",
            "fkills",
            "badret",
            "expect",
            "write",
            "ok"
        );
        if !brief {
            for part in &stats.parts {
                row(&mut out, part, 0, true);
            }
        }
        let total = format!("total ({})", stats.name);
        row(
            &mut out,
            &Stats {
                name: total,
                ..Stats::default()
            }
            .with_counts_of(&stats),
            0,
            false,
        );
        if !stats.failures.is_empty() {
            let _ = writeln!(out, "failures:");
            for f in &stats.failures {
                let _ = writeln!(
                    out,
                    "  {}: `{}`: {}",
                    f.host.as_deref().unwrap_or("localhost"),
                    f.command,
                    f.state.summary()
                );
            }
        }
        out
    }
}

impl Stats {
    /// These counters and dates, under another name and without parts.
    fn with_counts_of(self, other: &Stats) -> Stats {
        Stats {
            name: self.name,
            failures: Vec::new(),
            parts: Vec::new(),
            ..other.clone()
        }
    }
}

fn row(out: &mut String, s: &Stats, depth: usize, nested: bool) {
    let duration = s
        .duration()
        .map_or("-".to_owned(), |d| format!("{:.2}s", d.as_secs_f64()));
    let name: String = format!("{}{}", "  ".repeat(depth), s.name)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(32)
        .collect();
    let _ = writeln!(
        out,
        "{:<32} {:>9} {:>5} {:>5} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>5} {:>5}",
        name,
        duration,
        s.num_processes,
        s.num_started,
        s.num_ended,
        s.num_errors,
        s.num_timeouts,
        s.num_forced_kills,
        s.num_non_zero_exit_codes,
        s.num_expect_fail,
        s.num_write_error,
        s.num_ok
    );
    if nested && depth < 4 {
        for part in &s.parts {
            row(out, part, depth + 1, true);
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"");
        let s = Stats::empty("x");
        let json = s.to_json();
        assert!(
            json.starts_with(
                "{\"name\":\"x\",\"start_date\":null,\"end_date\":null,\"num_processes\":0"
            ),
            "{json}"
        );
        assert!(json.ends_with(",\"failures\":[],\"parts\":[]}"), "{json}");
    }
}
