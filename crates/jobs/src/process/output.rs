//! Process output: the bounded in-memory copy of each stream and the
//! handlers that see every byte (per chunk or per line; to a file, a
//! writer, a channel).

use std::io::Write;
use std::path::{Path, PathBuf};

use oxscript_transport::ssh::LineSplitter;
use tokio::sync::mpsc;

pub use oxscript_transport::ssh::OutputStream as Stream;

/// The last bytes of one output stream, at most `cap` of them, with
/// absolute offsets so expect positions survive dropped bytes.
#[derive(Debug, Default)]
pub(crate) struct Buffer {
    data: Vec<u8>,
    /// Absolute offset (bytes since the start of the stream) of `data[0]`.
    start: u64,
    pub(crate) eof: bool,
    cap: usize,
    keep: bool,
}

impl Buffer {
    pub(crate) fn new(cap: usize, keep: bool) -> Buffer {
        Buffer {
            cap: cap.max(1),
            keep,
            ..Buffer::default()
        }
    }

    /// Appends `chunk`, dropping the oldest bytes beyond the cap (in
    /// batches, so appending stays linear).
    pub(crate) fn append(&mut self, chunk: &[u8]) {
        if !self.keep {
            self.start += chunk.len() as u64;
            return;
        }
        self.data.extend_from_slice(chunk);
        if self.data.len() > self.cap.saturating_mul(2) {
            let drop = self.data.len() - self.cap;
            self.data.drain(..drop);
            self.start += drop as u64;
        }
    }

    /// Absolute offset of the end of the stream so far.
    pub(crate) fn end(&self) -> u64 {
        self.start + self.data.len() as u64
    }

    /// The bytes kept from absolute offset `from` on (from the oldest
    /// kept byte when `from` was dropped), and the offset they start at.
    pub(crate) fn since(&self, from: u64) -> (u64, &[u8]) {
        let from = from.max(self.start);
        let skip = usize::try_from(from - self.start).unwrap_or(usize::MAX);
        (from, self.data.get(skip..).unwrap_or_default())
    }

    /// The last `cap` bytes.
    pub(crate) fn text(&self) -> &[u8] {
        let skip = self.data.len().saturating_sub(self.cap);
        self.data.get(skip..).unwrap_or_default()
    }

    /// Bytes dropped so far (beyond the cap, or all when not kept).
    pub(crate) fn dropped(&self) -> u64 {
        self.end() - self.text().len() as u64
    }
}

/// What a [`Process`](super::Process) tells an output handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputEvent {
    /// A chunk as read (any size, lines not joined).
    Chunk(Stream, Vec<u8>),
    /// The stream ended.
    Eof(Stream),
}

/// Sees a process's output as it arrives (execo's `ProcessOutputHandler`).
/// Implement [`chunk`](Self::chunk) or use the constructors:
/// [`lines`], [`chunks`], [`to_file`], [`to_writer`], [`to_channel`].
pub trait OutputHandler: Send {
    /// A chunk of `stream`, as read.
    fn chunk(&mut self, stream: Stream, data: &[u8]);
    /// `stream` ended (also after a read error).
    fn eof(&mut self, _stream: Stream) {}
}

/// Calls `f` with each line (without `\n`/`\r\n`; a last line without
/// newline comes at EOF). Lines of stdout and stderr are joined apart.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use oxscript_jobs::process::output::{lines, OutputHandler, Stream};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let s = seen.clone();
/// let mut handler = lines(move |_stream, line| s.lock().unwrap().push(line.to_owned()));
/// handler.chunk(Stream::Stdout, b"a\nb");
/// handler.eof(Stream::Stdout);
/// assert_eq!(*seen.lock().unwrap(), ["a", "b"]);
/// ```
pub fn lines(f: impl FnMut(Stream, &str) + Send + 'static) -> impl OutputHandler {
    struct Lines<F> {
        f: F,
        out: LineSplitter,
        err: LineSplitter,
    }
    impl<F: FnMut(Stream, &str) + Send> OutputHandler for Lines<F> {
        fn chunk(&mut self, stream: Stream, data: &[u8]) {
            let f = &mut self.f;
            match stream {
                Stream::Stdout => self.out.feed(data, |l| f(stream, l)),
                Stream::Stderr => self.err.feed(data, |l| f(stream, l)),
            }
        }
        fn eof(&mut self, stream: Stream) {
            let f = &mut self.f;
            match stream {
                Stream::Stdout => self.out.finish(|l| f(stream, l)),
                Stream::Stderr => self.err.finish(|l| f(stream, l)),
            }
        }
    }
    Lines {
        f,
        out: LineSplitter::default(),
        err: LineSplitter::default(),
    }
}

/// Calls `f` with each chunk as read.
pub fn chunks(f: impl FnMut(Stream, &[u8]) + Send + 'static) -> impl OutputHandler {
    struct Chunks<F>(F);
    impl<F: FnMut(Stream, &[u8]) + Send> OutputHandler for Chunks<F> {
        fn chunk(&mut self, stream: Stream, data: &[u8]) {
            (self.0)(stream, data)
        }
    }
    Chunks(f)
}

/// Writes the output to `writer` (flushed at EOF). A failing writer is
/// reported once with `tracing::warn` and then left alone.
pub fn to_writer(writer: impl Write + Send + 'static) -> impl OutputHandler {
    WriterHandler {
        writer: Some(Box::new(writer)),
        label: "a writer".to_owned(),
    }
}

/// Writes the output to the file at `path`, created (or truncated) when
/// the first chunk or the end arrives. A file that cannot be written is
/// reported with `tracing::warn`, once.
pub fn to_file(path: impl AsRef<Path>) -> FileOutput {
    FileOutput {
        path: path.as_ref().to_path_buf(),
        writer: None,
        failed: false,
    }
}

/// Sends every chunk and the end of each stream to `tx`; a closed
/// receiver is not an error (the events are dropped).
pub fn to_channel(tx: mpsc::UnboundedSender<OutputEvent>) -> impl OutputHandler {
    struct Channel(mpsc::UnboundedSender<OutputEvent>);
    impl OutputHandler for Channel {
        fn chunk(&mut self, stream: Stream, data: &[u8]) {
            let _ = self.0.send(OutputEvent::Chunk(stream, data.to_vec()));
        }
        fn eof(&mut self, stream: Stream) {
            let _ = self.0.send(OutputEvent::Eof(stream));
        }
    }
    Channel(tx)
}

struct WriterHandler {
    writer: Option<Box<dyn Write + Send>>,
    label: String,
}

impl WriterHandler {
    fn fail(&mut self, e: &std::io::Error) {
        tracing::warn!(target_writer = %self.label, error = %e, "process output handler: cannot write; further output to it is dropped");
        self.writer = None;
    }
}

impl OutputHandler for WriterHandler {
    fn chunk(&mut self, _stream: Stream, data: &[u8]) {
        if let Some(w) = self.writer.as_mut()
            && let Err(e) = w.write_all(data)
        {
            self.fail(&e);
        }
    }
    fn eof(&mut self, _stream: Stream) {
        if let Some(w) = self.writer.as_mut()
            && let Err(e) = w.flush()
        {
            self.fail(&e);
        }
    }
}

/// Output written to a file (see [`to_file`]).
pub struct FileOutput {
    path: PathBuf,
    writer: Option<WriterHandler>,
    failed: bool,
}

impl FileOutput {
    fn open(&mut self) -> Option<&mut WriterHandler> {
        if self.writer.is_none() && !self.failed {
            match std::fs::File::create(&self.path) {
                Ok(file) => {
                    self.writer = Some(WriterHandler {
                        writer: Some(Box::new(std::io::BufWriter::new(file))),
                        label: self.path.display().to_string(),
                    })
                }
                Err(e) => {
                    self.failed = true;
                    tracing::warn!(file = %self.path.display(), error = %e, "process output handler: cannot create the file; output dropped");
                }
            }
        }
        self.writer.as_mut()
    }
}

impl OutputHandler for FileOutput {
    fn chunk(&mut self, stream: Stream, data: &[u8]) {
        if let Some(w) = self.open() {
            w.chunk(stream, data);
        }
    }
    fn eof(&mut self, stream: Stream) {
        if let Some(w) = self.open() {
            w.eof(stream);
        }
    }
}

/// The handlers of one process, each for stdout, stderr or both.
#[derive(Default)]
pub(crate) struct Handlers {
    list: Vec<(Option<Stream>, Box<dyn OutputHandler>)>,
}

impl Handlers {
    pub(crate) fn add(&mut self, only: Option<Stream>, handler: Box<dyn OutputHandler>) {
        self.list.push((only, handler));
    }

    pub(crate) fn chunk(&mut self, stream: Stream, data: &[u8]) {
        for (only, h) in &mut self.list {
            if only.is_none_or(|s| s == stream) {
                h.chunk(stream, data);
            }
        }
    }

    pub(crate) fn eof(&mut self, stream: Stream) {
        for (only, h) in &mut self.list {
            if only.is_none_or(|s| s == stream) {
                h.eof(stream);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn buffers_keep_the_tail_with_absolute_offsets() {
        let mut b = Buffer::new(4, true);
        for chunk in [&b"abc"[..], b"def", b"ghi"] {
            b.append(chunk);
        }
        assert_eq!(b.end(), 9);
        assert_eq!(b.text(), b"fghi");
        assert_eq!(b.dropped(), 5);
        let (from, rest) = b.since(0);
        assert!(from >= 1 && rest.ends_with(b"ghi"));
        assert_eq!(b.since(7), (7, &b"hi"[..]));
        let mut off = Buffer::new(4, false);
        off.append(b"abcdef");
        assert_eq!((off.end(), off.text(), off.dropped()), (6, &b""[..], 6));
    }

    #[test]
    fn handlers_get_lines_chunks_files_and_channels() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let mut handlers = Handlers::default();
        handlers.add(
            None,
            Box::new(lines(move |st, l| {
                s.lock().unwrap().push(format!("{st:?}:{l}"))
            })),
        );
        let (tx, mut rx) = mpsc::unbounded_channel();
        handlers.add(Some(Stream::Stderr), Box::new(to_channel(tx)));
        let dir = std::env::temp_dir().join(format!("oxscript-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("out.txt");
        handlers.add(Some(Stream::Stdout), Box::new(to_file(&file)));
        let counted = Arc::new(Mutex::new(0usize));
        let c = counted.clone();
        handlers.add(
            None,
            Box::new(chunks(move |_, d| *c.lock().unwrap() += d.len())),
        );
        handlers.chunk(Stream::Stdout, b"one\ntw");
        handlers.chunk(Stream::Stderr, b"err\n");
        handlers.chunk(Stream::Stdout, b"o");
        handlers.eof(Stream::Stdout);
        handlers.eof(Stream::Stderr);
        assert_eq!(
            *seen.lock().unwrap(),
            ["Stdout:one", "Stderr:err", "Stdout:two"]
        );
        assert_eq!(*counted.lock().unwrap(), 11);
        assert_eq!(std::fs::read(&file).unwrap(), b"one\ntwo");
        assert_eq!(
            rx.try_recv().unwrap(),
            OutputEvent::Chunk(Stream::Stderr, b"err\n".to_vec())
        );
        assert_eq!(rx.try_recv().unwrap(), OutputEvent::Eof(Stream::Stderr));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
