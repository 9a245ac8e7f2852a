//! [`FileLogger`]: job logs written to files by a task of their own.

use std::path::{Path, PathBuf};

use super::Logger;
use crate::error::{Error, Result};
use crate::writer::{FileWriter, Op};

/// What happens to a log file that exists already.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogMode {
    /// Add to the end of it (Exscript's default `mode='a'`).
    #[default]
    Append,
    /// Replace it (and remove a stale `.log.error` file).
    Overwrite,
}

/// Settings of a [`FileLogger`].
#[derive(Clone, Copy, Debug, Default)]
pub struct FileLogOptions {
    /// Append to or overwrite existing files. Default: append.
    pub mode: LogMode,
    /// Remove the `.log` file of an attempt that succeeded, keeping only
    /// the logs of failures (Exscript `delete=True`). Default: false.
    pub delete_on_success: bool,
    /// Also keep transcripts in memory (Exscript `clearmem=False`). Names,
    /// times and errors are always kept, so reports work either way.
    /// Default: false.
    pub keep_transcripts_in_memory: bool,
}

/// A [`Logger`] that also writes every log to files in a directory.
///
/// For an attempt of a job named `r1` (host jobs are named after their
/// host), `<dir>/r1.log` receives the transcript exactly as the device sent
/// it plus the messages the job logged, and on failure `<dir>/r1.log.error`
/// receives the error and its causes, one per line. Attempts after the
/// first are written to `r1_retry1.log`, `r1_retry2.log`… Characters other
/// than letters, digits, `.`, `-` and `_` in names become `_`.
///
/// Writing happens on a task of its own (with `tokio::fs`), so connections
/// never wait for the disk; [`flush`](FileLogger::flush) waits until
/// everything logged so far is on disk. Queues flush their logger when
/// they [`join`](crate::queue::Queue::join).
///
/// ```no_run
/// use oxscript_jobs::log::{FileLogOptions, FileLogger, LogMode};
///
/// # async fn demo() -> oxscript_jobs::Result<()> {
/// let files = FileLogger::new("logs", FileLogOptions {
///     mode: LogMode::Overwrite,
///     delete_on_success: true,
///     ..FileLogOptions::default()
/// }).await?;
/// let logger = files.logger(); // give this to a Queue
/// # let _ = logger;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct FileLogger {
    logger: Logger,
    dir: PathBuf,
}

impl FileLogger {
    /// Creates `dir` (and its parents) if needed and starts the writer task.
    pub async fn new(dir: impl Into<PathBuf>, options: FileLogOptions) -> Result<FileLogger> {
        let dir = dir.into();
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| Error::io(format!("creating log directory {}", dir.display()), e))?;
        let sink = FileSink::spawn(dir.clone(), options);
        Ok(FileLogger {
            logger: Logger::build(options.keep_transcripts_in_memory, Some(sink)),
            dir,
        })
    }

    /// The logger to give to a queue (or to report on).
    pub fn logger(&self) -> Logger {
        self.logger.clone()
    }

    /// The directory the files are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Waits until everything logged so far is written; returns the first
    /// write error since the last flush.
    pub async fn flush(&self) -> Result<()> {
        self.logger.flush().await
    }
}

impl From<FileLogger> for Logger {
    fn from(f: FileLogger) -> Logger {
        f.logger
    }
}

impl AsRef<Logger> for FileLogger {
    fn as_ref(&self) -> &Logger {
        &self.logger
    }
}

/// A file name made of `name`: unsafe characters become `_`.
pub(crate) fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match stem.as_str() {
        "" | "." | ".." => format!("_{stem}"),
        _ => stem,
    }
}

/// The log files of a [`FileLogger`], written by a [`FileWriter`] task.
pub(super) struct FileSink {
    writer: FileWriter<u64>,
    dir: PathBuf,
    options: FileLogOptions,
}

impl FileSink {
    fn spawn(dir: PathBuf, options: FileLogOptions) -> FileSink {
        FileSink {
            writer: FileWriter::spawn(format!("writing logs to {}", dir.display()), None),
            dir,
            options,
        }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// `<dir>/<name>.log`, `<name>_retry1.log` for a second attempt…
    fn path(&self, name: &str, attempt: u32) -> PathBuf {
        let mut stem = file_stem(name);
        if attempt > 1 {
            stem.push_str(&format!("_retry{}", attempt - 1));
        }
        self.dir.join(format!("{stem}.log"))
    }

    fn append(&self) -> bool {
        self.options.mode == LogMode::Append
    }

    pub(super) fn open(&self, key: u64, name: &str, attempt: u32) {
        let path = self.path(name, attempt);
        if !self.append() {
            self.writer.send(Op::Remove(error_path(&path)));
        }
        self.writer.send(Op::Open {
            key,
            path,
            append: self.append(),
        });
    }

    pub(super) fn data(&self, key: u64, data: &[u8]) {
        self.writer.send(Op::Write {
            key,
            data: data.to_vec(),
        });
    }

    pub(super) fn message(&self, key: u64, text: &str) {
        let mut data = Vec::with_capacity(text.len() + 1);
        data.extend_from_slice(text.as_bytes());
        data.push(b'\n');
        self.writer.send(Op::Write { key, data });
    }

    /// Closes the log and writes the error and its causes beside it.
    pub(super) fn failed(&self, key: u64, name: &str, attempt: u32, chain: &[String]) {
        self.writer.send(Op::Close(key));
        let mut text = String::new();
        for (i, line) in chain.iter().enumerate() {
            if i > 0 {
                text.push_str("caused by: ");
            }
            text.push_str(line);
            text.push('\n');
        }
        self.writer.send(Op::Put {
            path: error_path(&self.path(name, attempt)),
            data: text.into_bytes(),
            append: self.append(),
        });
    }

    /// Closes the log (and removes it with `delete_on_success`).
    pub(super) fn succeeded(&self, key: u64, name: &str, attempt: u32) {
        self.writer.send(Op::Close(key));
        if self.options.delete_on_success {
            self.writer.send(Op::Remove(self.path(name, attempt)));
        }
    }

    pub(super) async fn flush(&self) -> Result<()> {
        self.writer.flush().await
    }
}

/// `<x>.log` -> `<x>.log.error`.
fn error_path(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".error");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_safe() {
        assert_eq!(file_stem("r1.example.net"), "r1.example.net");
        assert_eq!(file_stem("a/b c:d"), "a_b_c_d");
        assert_eq!(file_stem(""), "_");
        assert_eq!(file_stem(".."), "_..");
        assert_eq!(file_stem("::1"), "__1");
    }

    #[test]
    fn error_path_appends() {
        assert_eq!(
            error_path(Path::new("/x/r1.log")),
            PathBuf::from("/x/r1.log.error")
        );
    }
}
