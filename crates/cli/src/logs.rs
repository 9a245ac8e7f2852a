//! Per-host log files: `<host>.log` gets everything the device sent,
//! `<host>.log.error` the error that stopped the host, if any.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A file name for a host label (no path separators).
pub(crate) fn file_stem(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The log of one host; writes happen on their own task so the
/// connection's I/O task never waits for the disk.
pub(crate) struct HostLog {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    writer: JoinHandle<std::io::Result<()>>,
    error_path: PathBuf,
}

impl HostLog {
    pub(crate) async fn create(dir: &Path, label: &str) -> Result<HostLog> {
        let stem = file_stem(label);
        let path = dir.join(format!("{stem}.log"));
        let error_path = dir.join(format!("{stem}.log.error"));
        let mut file = tokio::fs::File::create(&path)
            .await
            .with_context(|| format!("creating {}", path.display()))?;
        // A stale error file from an earlier run would be misleading.
        match tokio::fs::remove_file(&error_path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", error_path.display())),
        }
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let writer = tokio::spawn(async move {
            while let Some(chunk) = rx.recv().await {
                file.write_all(&chunk).await?;
            }
            file.flush().await
        });
        Ok(HostLog {
            tx,
            writer,
            error_path,
        })
    }

    /// A sink to give to `Session::set_transcript`.
    pub(crate) fn sink(&self) -> impl Fn(&[u8]) + Send + Sync + 'static {
        let tx = self.tx.clone();
        move |data: &[u8]| {
            // The writer only stops when the log is finished.
            let _ = tx.send(data.to_vec());
        }
    }

    /// Flushes the log and writes the error file when the host failed.
    pub(crate) async fn finish(self, error: Option<&str>) -> Result<()> {
        drop(self.tx);
        self.writer.await.context("log writer task")??;
        if let Some(error) = error {
            tokio::fs::write(&self.error_path, format!("{error}\n"))
                .await
                .with_context(|| format!("writing {}", self.error_path.display()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn file_stems_have_no_separators() {
        assert_eq!(file_stem("10.0.0.1:2301"), "10.0.0.1_2301");
        assert_eq!(file_stem("a/b"), "a_b");
    }
}
