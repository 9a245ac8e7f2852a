//! Output formatters: where the lines commands print go (apssh formatters).
//!
//! A [`Formatter`] receives each output line of each command, tagged with
//! the host's name, as the commands of a [`SessionJob`](crate::session_job::SessionJob)
//! complete (the echo and the prompt are not part of the output). Give one
//! to a [`Node`](crate::node::Node) with [`NodeOptions::formatter`](crate::node::NodeOptions::formatter).
//!
//! - [`LineFormatter`]: one line per output line on stdout (or any writer),
//!   in the [`colon`](LineFormatter::colon) (`host:line`),
//!   [`time_colon`](LineFormatter::time_colon) (`HH:MM:SS host:line`),
//!   [`raw`](LineFormatter::raw) (`line`) or a custom format;
//! - [`DirFormatter`]: one file per host, `<dir>/<host>.out`;
//! - [`CaptureFormatter`]: kept in memory.
//!
//! ```
//! use oxscript_jobs::format::{CaptureFormatter, Formatter, LineFormatter};
//!
//! let capture = CaptureFormatter::new();
//! capture.line("r1", "Cisco IOS Software");
//! assert_eq!(capture.text(), "Cisco IOS Software\n");
//!
//! let colon = LineFormatter::colon_to(Vec::new());
//! colon.line("r1", "up");
//! assert_eq!(colon.take_output(), b"r1:up\n");
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use oxscript_core::sync::lock;
use oxscript_transport::ssh::OutputStream;

use crate::error::{Error, Result};
use crate::log::file_stem;
use crate::writer::{FileWriter, Op};

/// Receives the output lines of commands, per host.
pub trait Formatter: Send + Sync {
    /// One line of output (without its line ending) from `host`. Called on
    /// the job's task: keep it short and non-blocking.
    fn line(&self, host: &str, line: &str);

    /// One line a command wrote to stderr (remote commands of an
    /// [`SshJob`](crate::ssh::SshJob)). The default treats it like
    /// [`line`](Formatter::line).
    fn stderr_line(&self, host: &str, line: &str) {
        self.line(host, line);
    }

    /// Waits until everything received so far is written out (for
    /// formatters that write files). The default does nothing.
    fn flush(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// Sends a line of `stream` to the formatter's [`line`](Formatter::line)
/// or [`stderr_line`](Formatter::stderr_line).
pub(crate) fn send_line(formatter: &dyn Formatter, host: &str, stream: OutputStream, line: &str) {
    match stream {
        OutputStream::Stdout => formatter.line(host, line),
        OutputStream::Stderr => formatter.stderr_line(host, line),
    }
}

/// `HH:MM:SS` of `t`, in UTC.
fn hms(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Renders a line format: `@host@`, `@line@` and `@time@` (`HH:MM:SS`,
/// UTC) are replaced, everything else is kept.
fn render(format: &str, host: &str, line: &str, now: SystemTime) -> String {
    let mut out = String::with_capacity(format.len() + host.len() + line.len());
    let mut rest = format;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("@host@") {
            out.push_str(host);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("@line@") {
            out.push_str(line);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("@time@") {
            out.push_str(&hms(now));
            rest = after;
        } else {
            out.push('@');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Writes one formatted line per output line to stdout or a writer.
///
/// The format may contain `@host@`, `@line@` and `@time@` (the time the
/// line was received, `HH:MM:SS` in UTC). Writes to stdout are as small as
/// a `println!`.
pub struct LineFormatter<W: Write + Send = std::io::Stdout> {
    format: String,
    out: Mutex<W>,
}

impl<W: Write + Send> std::fmt::Debug for LineFormatter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineFormatter")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// The `host:line` format.
pub const COLON: &str = "@host@:@line@";
/// The `HH:MM:SS host:line` format.
pub const TIME_COLON: &str = "@time@ @host@:@line@";
/// The bare line.
pub const RAW: &str = "@line@";

impl LineFormatter<std::io::Stdout> {
    /// `host:line` on stdout.
    pub fn colon() -> Self {
        LineFormatter::with_format(COLON, std::io::stdout())
    }

    /// `HH:MM:SS host:line` on stdout (UTC time of reception).
    pub fn time_colon() -> Self {
        LineFormatter::with_format(TIME_COLON, std::io::stdout())
    }

    /// The lines as they are on stdout.
    pub fn raw() -> Self {
        LineFormatter::with_format(RAW, std::io::stdout())
    }
}

impl<W: Write + Send> LineFormatter<W> {
    /// A custom format (see the type's docs) written to `out`.
    pub fn with_format(format: impl Into<String>, out: W) -> Self {
        LineFormatter {
            format: format.into(),
            out: Mutex::new(out),
        }
    }

    /// `host:line` written to `out`.
    pub fn colon_to(out: W) -> Self {
        LineFormatter::with_format(COLON, out)
    }

    /// `HH:MM:SS host:line` written to `out`.
    pub fn time_colon_to(out: W) -> Self {
        LineFormatter::with_format(TIME_COLON, out)
    }

    /// The lines as they are, written to `out`.
    pub fn raw_to(out: W) -> Self {
        LineFormatter::with_format(RAW, out)
    }

    /// The format.
    pub fn format(&self) -> &str {
        &self.format
    }
}

impl LineFormatter<Vec<u8>> {
    /// Takes what was written so far (for formatters writing to a `Vec<u8>`).
    pub fn take_output(&self) -> Vec<u8> {
        std::mem::take(&mut *lock(&self.out))
    }
}

impl<W: Write + Send> Formatter for LineFormatter<W> {
    fn line(&self, host: &str, line: &str) {
        let mut text = render(&self.format, host, line, SystemTime::now());
        text.push('\n');
        let mut out = lock(&self.out);
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            tracing::warn!(error = %e, "formatter output failed");
        }
    }
}

/// Keeps output lines in memory (apssh `CaptureFormatter`).
///
/// [`text`](CaptureFormatter::text) returns the lines received since the
/// last [`start_capture`](CaptureFormatter::start_capture) (of every host,
/// in arrival order); [`lines_of`](CaptureFormatter::lines_of) those of one
/// host.
#[derive(Debug, Default)]
pub struct CaptureFormatter {
    lines: Mutex<Vec<(String, String)>>,
}

impl CaptureFormatter {
    /// An empty capture.
    pub fn new() -> Self {
        CaptureFormatter::default()
    }

    /// Forgets what was captured so far.
    pub fn start_capture(&self) {
        lock(&self.lines).clear();
    }

    /// The captured lines of every host, each followed by `\n`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (_, line) in lock(&self.lines).iter() {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// The captured `(host, line)` pairs, in arrival order.
    pub fn lines(&self) -> Vec<(String, String)> {
        lock(&self.lines).clone()
    }

    /// The captured lines of `host`.
    pub fn lines_of(&self, host: &str) -> Vec<String> {
        lock(&self.lines)
            .iter()
            .filter(|(h, _)| h == host)
            .map(|(_, l)| l.clone())
            .collect()
    }
}

impl Formatter for CaptureFormatter {
    fn line(&self, host: &str, line: &str) {
        lock(&self.lines).push((host.to_owned(), line.to_owned()));
    }
}

/// Writes the output of each host to `<dir>/<host>.out` (apssh
/// `SubdirFormatter`), on a task of its own so nothing waits for the disk.
///
/// A host's file is replaced the first time this formatter writes to it,
/// then appended to. Characters other than letters, digits, `.`, `-` and
/// `_` in host names become `_`.
#[derive(Debug)]
pub struct DirFormatter {
    dir: PathBuf,
    writer: FileWriter<String>,
}

impl DirFormatter {
    /// Creates `dir` if needed and starts the writer task.
    pub async fn new(dir: impl Into<PathBuf>) -> Result<DirFormatter> {
        let dir = dir.into();
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| Error::io(format!("creating output directory {}", dir.display()), e))?;
        let files = dir.clone();
        let writer = FileWriter::spawn(
            format!("writing output to {}", dir.display()),
            Some(Box::new(move |host: &String| out_path(&files, host))),
        );
        Ok(DirFormatter { dir, writer })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that receives `host`'s output.
    pub fn path_of(&self, host: &str) -> PathBuf {
        out_path(&self.dir, host)
    }
}

fn out_path(dir: &Path, host: &str) -> PathBuf {
    dir.join(format!("{}.out", file_stem(host)))
}

impl Formatter for DirFormatter {
    fn line(&self, host: &str, line: &str) {
        let mut data = Vec::with_capacity(line.len() + 1);
        data.extend_from_slice(line.as_bytes());
        data.push(b'\n');
        self.writer.send(Op::Write {
            key: host.to_owned(),
            data,
        });
    }

    fn flush(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.writer.flush())
    }
}

/// A formatter shared between nodes.
pub type SharedFormatter = Arc<dyn Formatter>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn render_formats() {
        let t = UNIX_EPOCH + Duration::from_secs(86_400 * 3 + 13 * 3600 + 5 * 60 + 9);
        assert_eq!(render(COLON, "r1", "up", t), "r1:up");
        assert_eq!(render(TIME_COLON, "r1", "up", t), "13:05:09 r1:up");
        assert_eq!(render(RAW, "r1", "a@b", t), "a@b");
        assert_eq!(render("[@host@] @x@ @line", "r1", "l", t), "[r1] @x@ @line");
        assert_eq!(render("@@host@@", "h", "l", t), "@h@");
    }

    #[test]
    fn line_formatters_write_lines() {
        let f = LineFormatter::colon_to(Vec::new());
        f.line("r1", "one");
        f.line("r2", "two");
        assert_eq!(
            String::from_utf8(f.take_output()).unwrap(),
            "r1:one\nr2:two\n"
        );
        let raw = LineFormatter::raw_to(Vec::new());
        raw.line("r1", "x");
        assert_eq!(raw.take_output(), b"x\n");
        let timed = LineFormatter::time_colon_to(Vec::new());
        timed.line("r1", "y");
        let text = String::from_utf8(timed.take_output()).unwrap();
        let (time, rest) = text.split_once(' ').unwrap();
        assert_eq!(rest, "r1:y\n");
        assert_eq!(time.len(), 8);
        assert_eq!(time.chars().filter(|c| *c == ':').count(), 2, "{time}");
        assert_eq!(timed.format(), TIME_COLON);
        assert!(format!("{timed:?}").contains("@time@"));
    }

    #[test]
    fn capture_formatter() {
        let c = CaptureFormatter::new();
        c.line("r1", "a");
        c.line("r2", "b");
        c.line("r1", "c");
        assert_eq!(c.text(), "a\nb\nc\n");
        assert_eq!(c.lines_of("r1"), ["a", "c"]);
        assert_eq!(c.lines().len(), 3);
        c.start_capture();
        assert_eq!(c.text(), "");
    }
}
