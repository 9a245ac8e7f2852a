//! [`FileWriter`]: a task that writes files, so nothing waits for the
//! disk. The output files of a [`DirFormatter`](crate::format::DirFormatter)
//! and the log files of a [`FileLogger`](crate::log::FileLogger) are
//! written by one each.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::path::PathBuf;
use std::sync::Mutex;

use oxscript_core::sync::lock;
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, Result};

/// What the writer task does, in the order sent.
pub(crate) enum Op<K> {
    /// Opens `path` as the file of `key` (created if missing), appending
    /// to it or replacing it.
    Open { key: K, path: PathBuf, append: bool },
    /// Appends `data` to the file of `key`. A key that is not open is
    /// opened first at the path the writer's `path_of` gives (replacing
    /// the file); without `path_of`, the data is dropped.
    Write { key: K, data: Vec<u8> },
    /// Flushes and closes the file of `key`.
    Close(K),
    /// Removes a file (a missing file is fine).
    Remove(PathBuf),
    /// Writes a whole file at once (created if missing), appending or replacing.
    Put {
        path: PathBuf,
        data: Vec<u8>,
        append: bool,
    },
    /// Flushes every open file, then answers with the first error since
    /// the last flush.
    Flush(oneshot::Sender<Option<Error>>),
}

/// Where a key's file is, for writers that open files on first write.
pub(crate) type PathOf<K> = Box<dyn Fn(&K) -> PathBuf + Send + Sync>;

/// The sending side of a file writer task; see the [module docs](self).
pub(crate) struct FileWriter<K> {
    tx: mpsc::UnboundedSender<Op<K>>,
    /// What the writer does, naming its directory (`writing logs to …`).
    what: String,
    /// Set when the task is found stopped; reported by the next flush.
    gone: Mutex<Option<Error>>,
}

impl<K> std::fmt::Debug for FileWriter<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileWriter")
            .field("what", &self.what)
            .finish_non_exhaustive()
    }
}

impl<K: Eq + Hash + Send + Sync + 'static> FileWriter<K> {
    /// Starts the task (on the current Tokio runtime). `what` describes
    /// the writer in errors.
    pub(crate) fn spawn(what: String, path_of: Option<PathOf<K>>) -> FileWriter<K> {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = Task {
            files: HashMap::new(),
            path_of,
            first_error: None,
        };
        tokio::spawn(task.run(rx));
        FileWriter {
            tx,
            what,
            gone: Mutex::new(None),
        }
    }

    fn stopped(&self) -> Error {
        Error::io(
            self.what.clone(),
            std::io::Error::other("the writer task stopped"),
        )
    }

    /// Queues `op`.
    pub(crate) fn send(&self, op: Op<K>) {
        if self.tx.send(op).is_err() {
            let mut gone = lock(&self.gone);
            if gone.is_none() {
                *gone = Some(self.stopped());
            }
        }
    }

    /// Waits until everything sent so far is written; returns the first
    /// error since the last flush.
    pub(crate) async fn flush(&self) -> Result<()> {
        if let Some(e) = lock(&self.gone).take() {
            return Err(e);
        }
        let (done, result) = oneshot::channel();
        if self.tx.send(Op::Flush(done)).is_err() {
            return Err(self.stopped());
        }
        match result.await {
            Ok(None) => Ok(()),
            Ok(Some(e)) => Err(e),
            Err(_) => Err(self.stopped()),
        }
    }
}

struct OpenFile {
    path: PathBuf,
    /// `None` once opening or writing failed (the error was recorded).
    file: Option<BufWriter<tokio::fs::File>>,
}

struct Task<K> {
    files: HashMap<K, OpenFile>,
    path_of: Option<PathOf<K>>,
    first_error: Option<Error>,
}

impl<K: Eq + Hash> Task<K> {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Op<K>>) {
        while let Some(op) = rx.recv().await {
            match op {
                Op::Open { key, path, append } => self.open(key, path, append).await,
                Op::Write { key, data } => self.write(key, &data).await,
                Op::Close(key) => self.close(&key).await,
                Op::Remove(path) => match tokio::fs::remove_file(&path).await {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => self.record(format!("removing {}", path.display()), e),
                },
                Op::Put { path, data, append } => {
                    let result = async {
                        let mut file = options(append).open(&path).await?;
                        file.write_all(&data).await?;
                        file.flush().await
                    }
                    .await;
                    if let Err(e) = result {
                        self.record(format!("writing {}", path.display()), e);
                    }
                }
                Op::Flush(done) => {
                    let mut failures = Vec::new();
                    for open in self.files.values_mut() {
                        if let Some(file) = &mut open.file
                            && let Err(e) = file.flush().await
                        {
                            open.file = None;
                            failures.push((format!("writing {}", open.path.display()), e));
                        }
                    }
                    for (context, e) in failures {
                        self.record(context, e);
                    }
                    let _ = done.send(self.first_error.take());
                }
            }
        }
        for open in self.files.values_mut() {
            if let Some(file) = &mut open.file {
                let _ = file.flush().await;
            }
        }
    }

    fn record(&mut self, context: String, e: std::io::Error) {
        record(&mut self.first_error, context, e);
    }

    async fn open(&mut self, key: K, path: PathBuf, append: bool) {
        let open = open_file(path, append, &mut self.first_error).await;
        self.files.insert(key, open);
    }

    async fn write(&mut self, key: K, data: &[u8]) {
        let open = match self.files.entry(key) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let Some(path_of) = &self.path_of else {
                    return;
                };
                let path = path_of(entry.key());
                entry.insert(open_file(path, false, &mut self.first_error).await)
            }
        };
        let Some(file) = &mut open.file else {
            return;
        };
        if let Err(e) = file.write_all(data).await {
            open.file = None;
            let context = format!("writing {}", open.path.display());
            record(&mut self.first_error, context, e);
        }
    }

    async fn close(&mut self, key: &K) {
        let Some(open) = self.files.remove(key) else {
            return;
        };
        if let Some(mut file) = open.file
            && let Err(e) = file.flush().await
        {
            self.record(format!("writing {}", open.path.display()), e);
        }
    }
}

/// Keeps the first error (each is also traced).
fn record(first_error: &mut Option<Error>, context: String, e: std::io::Error) {
    tracing::warn!(%context, error = %e, "file writer error");
    if first_error.is_none() {
        *first_error = Some(Error::io(context, e));
    }
}

/// Opens `path`; a failure is recorded and leaves the file closed.
async fn open_file(path: PathBuf, append: bool, first_error: &mut Option<Error>) -> OpenFile {
    let file = match options(append).open(&path).await {
        Ok(f) => Some(BufWriter::new(f)),
        Err(e) => {
            record(first_error, format!("opening {}", path.display()), e);
            None
        }
    };
    OpenFile { path, file }
}

fn options(append: bool) -> tokio::fs::OpenOptions {
    let mut options = tokio::fs::OpenOptions::new();
    options.create(true);
    if append {
        options.append(true);
    } else {
        options.write(true).truncate(true);
    }
    options
}
