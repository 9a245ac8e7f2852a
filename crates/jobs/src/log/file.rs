//! [`FileLogger`]: job logs written to files by a task of their own.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::sync::{mpsc, oneshot};

use super::{Logger, lock};
use crate::error::{Error, Result};

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

enum Command {
    Open { key: u64, stem: String },
    Data { key: u64, data: Vec<u8> },
    Message { key: u64, text: String },
    Failed { key: u64, chain: Vec<String> },
    Succeeded { key: u64 },
    Flush(oneshot::Sender<Option<Error>>),
}

/// The sending side of the writer task.
pub(super) struct FileSink {
    tx: mpsc::UnboundedSender<Command>,
    dir: PathBuf,
    /// The first error of the writer, when it stopped unexpectedly.
    gone: Arc<Mutex<Option<Error>>>,
}

impl FileSink {
    fn spawn(dir: PathBuf, options: FileLogOptions) -> FileSink {
        let (tx, rx) = mpsc::unbounded_channel();
        let writer = Writer {
            dir: dir.clone(),
            options,
            open: HashMap::new(),
            first_error: None,
        };
        tokio::spawn(writer.run(rx));
        FileSink {
            tx,
            dir,
            gone: Arc::new(Mutex::new(None)),
        }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    fn send(&self, command: Command) {
        if self.tx.send(command).is_err() {
            let mut gone = lock(&self.gone);
            if gone.is_none() {
                *gone = Some(Error::io(
                    format!("writing logs to {}", self.dir.display()),
                    std::io::Error::other("the log writer task stopped"),
                ));
            }
        }
    }

    pub(super) fn open(&self, key: u64, name: &str, attempt: u32) {
        let mut stem = file_stem(name);
        if attempt > 1 {
            stem.push_str(&format!("_retry{}", attempt - 1));
        }
        self.send(Command::Open { key, stem });
    }

    pub(super) fn data(&self, key: u64, data: &[u8]) {
        self.send(Command::Data {
            key,
            data: data.to_vec(),
        });
    }

    pub(super) fn message(&self, key: u64, text: &str) {
        self.send(Command::Message {
            key,
            text: text.to_owned(),
        });
    }

    pub(super) fn failed(&self, key: u64, chain: &[String]) {
        self.send(Command::Failed {
            key,
            chain: chain.to_vec(),
        });
    }

    pub(super) fn succeeded(&self, key: u64) {
        self.send(Command::Succeeded { key });
    }

    pub(super) async fn flush(&self) -> Result<()> {
        if let Some(e) = lock(&self.gone).take() {
            return Err(e);
        }
        let (done, result) = oneshot::channel();
        self.send(Command::Flush(done));
        match result.await {
            Ok(None) => Ok(()),
            Ok(Some(e)) => Err(e),
            Err(_) => Err(Error::io(
                format!("writing logs to {}", self.dir.display()),
                std::io::Error::other("the log writer task stopped"),
            )),
        }
    }
}

struct OpenLog {
    path: PathBuf,
    /// `None` once writing failed (the error was recorded).
    file: Option<BufWriter<tokio::fs::File>>,
}

struct Writer {
    dir: PathBuf,
    options: FileLogOptions,
    open: HashMap<u64, OpenLog>,
    first_error: Option<Error>,
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        while let Some(command) = rx.recv().await {
            match command {
                Command::Open { key, stem } => self.open(key, &stem).await,
                Command::Data { key, data } => self.write(key, &data).await,
                Command::Message { key, text } => {
                    let mut line = text.into_bytes();
                    line.push(b'\n');
                    self.write(key, &line).await;
                }
                Command::Failed { key, chain } => self.failed(key, &chain).await,
                Command::Succeeded { key } => self.succeeded(key).await,
                Command::Flush(done) => {
                    for log in self.open.values_mut() {
                        if let Some(file) = &mut log.file
                            && let Err(e) = file.flush().await
                        {
                            let context = format!("writing {}", log.path.display());
                            log.file = None;
                            if self.first_error.is_none() {
                                self.first_error = Some(Error::io(context, e));
                            }
                        }
                    }
                    let _ = done.send(self.first_error.take());
                }
            }
        }
        for (_, log) in self.open.drain() {
            if let Some(mut file) = log.file {
                let _ = file.flush().await;
            }
        }
    }

    fn record(&mut self, context: String, e: std::io::Error) {
        tracing::warn!(%context, error = %e, "log file error");
        if self.first_error.is_none() {
            self.first_error = Some(Error::io(context, e));
        }
    }

    fn log_path(&self, stem: &str) -> PathBuf {
        self.dir.join(format!("{stem}.log"))
    }

    async fn open(&mut self, key: u64, stem: &str) {
        let path = self.log_path(stem);
        let mut options = tokio::fs::OpenOptions::new();
        options.create(true);
        match self.options.mode {
            LogMode::Append => options.append(true),
            LogMode::Overwrite => options.write(true).truncate(true),
        };
        if self.options.mode == LogMode::Overwrite {
            let stale = error_path(&path);
            match tokio::fs::remove_file(&stale).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => self.record(format!("removing {}", stale.display()), e),
            }
        }
        let file = match options.open(&path).await {
            Ok(f) => Some(BufWriter::new(f)),
            Err(e) => {
                self.record(format!("opening {}", path.display()), e);
                None
            }
        };
        self.open.insert(key, OpenLog { path, file });
    }

    async fn write(&mut self, key: u64, data: &[u8]) {
        let Some(log) = self.open.get_mut(&key) else {
            return;
        };
        let Some(file) = &mut log.file else {
            return;
        };
        if let Err(e) = file.write_all(data).await {
            let context = format!("writing {}", log.path.display());
            log.file = None;
            self.record(context, e);
        }
    }

    /// Flushes and closes the log of `key`; returns its path.
    async fn close(&mut self, key: u64) -> Option<PathBuf> {
        let log = self.open.remove(&key)?;
        if let Some(mut file) = log.file
            && let Err(e) = file.flush().await
        {
            self.record(format!("writing {}", log.path.display()), e);
        }
        Some(log.path)
    }

    async fn failed(&mut self, key: u64, chain: &[String]) {
        let Some(path) = self.close(key).await else {
            return;
        };
        let error_file = error_path(&path);
        let mut text = String::new();
        for (i, line) in chain.iter().enumerate() {
            if i > 0 {
                text.push_str("caused by: ");
            }
            text.push_str(line);
            text.push('\n');
        }
        let mut options = tokio::fs::OpenOptions::new();
        options.create(true);
        match self.options.mode {
            LogMode::Append => options.append(true),
            LogMode::Overwrite => options.write(true).truncate(true),
        };
        let result = async {
            let mut file = options.open(&error_file).await?;
            file.write_all(text.as_bytes()).await?;
            file.flush().await
        }
        .await;
        if let Err(e) = result {
            self.record(format!("writing {}", error_file.display()), e);
        }
    }

    async fn succeeded(&mut self, key: u64) {
        let Some(path) = self.close(key).await else {
            return;
        };
        if self.options.delete_on_success
            && let Err(e) = tokio::fs::remove_file(&path).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            self.record(format!("removing {}", path.display()), e);
        }
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
