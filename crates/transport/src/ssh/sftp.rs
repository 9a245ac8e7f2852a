//! SFTP file transfers over an SSH connection (apssh's Push/Pull, put_string_script).
//!
//! [`SshConnection::sftp`] opens the `sftp` subsystem on a session channel
//! of an authenticated connection (direct or through gateways) and returns
//! an [`Sftp`] client: single files, recursive directories, small strings,
//! and a few remote file system helpers. Transfers pipeline large requests
//! (several in flight) and report their progress to an optional callback.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use russh::ChannelMsg;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::client::{Config as SftpConfig, SftpSession};
use russh_sftp::protocol::{FileAttributes, FileType, OpenFlags, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::SshConnection;
use crate::{Error, Result};

/// Size of the local buffer: how much is read or written locally at once.
const CHUNK: usize = 256 * 1024;
/// Largest SFTP packet we send or accept (OpenSSH's own limit).
const MAX_PACKET: u32 = 256 * 1024;
/// Largest write request; the server's `limits@openssh.com` may lower it.
const MAX_WRITE: u32 = 256 * 1024;
/// Read requests in flight per file: about the 2 MiB channel window
/// (measured on loopback: more only queues behind the window).
const READS_IN_FLIGHT: usize = 8;
/// Write requests in flight per file: 1 MiB (measured on loopback: 4 x
/// 256 KiB beat 16 x 256 KiB by ~2x and 16 x 32 KiB by ~1.3x).
const WRITES_IN_FLIGHT: usize = 4;
/// Progress is reported at most once per this many bytes of a file (and at its end).
const PROGRESS_STEP: u64 = 256 * 1024;
/// How long the server may take to answer one request.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a transfer stands, given to the callback of [`Sftp::set_progress`].
///
/// ```no_run
/// # async fn demo(mut sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
/// use oxscript_transport::ssh::Progress;
///
/// sftp.set_progress(|p: &Progress| {
///     if p.total == Some(p.transferred) {
///         eprintln!("{} done ({} bytes)", p.path, p.transferred);
///     }
/// });
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The remote path of the file being transferred (in both directions).
    pub path: String,
    /// Bytes of this file transferred so far.
    pub transferred: u64,
    /// The file's size, when known before the transfer.
    pub total: Option<u64>,
}

/// What a transfer copied.
///
/// ```no_run
/// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
/// let t = sftp.put_dir("configs", "/etc/app").await?;
/// println!("{} files, {} directories, {} bytes", t.files, t.directories, t.bytes);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    /// Regular files copied.
    pub files: usize,
    /// Directories copied (created or merged into), the top one included.
    pub directories: usize,
    /// Bytes of file content copied.
    pub bytes: u64,
}

impl Transfer {
    /// One file of `bytes` bytes.
    fn file(bytes: u64) -> Transfer {
        Transfer {
            files: 1,
            directories: 0,
            bytes,
        }
    }
}

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// An SFTP client on one SSH connection (see [`SshConnection::sftp`]).
///
/// Remote paths are `/`-separated strings; relative ones start in the
/// login directory. Every request has a deadline (60 s by default,
/// [`Sftp::set_timeout`]): a server that stops answering makes the call
/// fail instead of hanging. Errors ([`Error::Sftp`]) name the local or
/// remote path and the reason.
///
/// ```no_run
/// # async fn demo(ssh: oxscript_transport::ssh::SshConnection) -> oxscript_transport::Result<()> {
/// let mut sftp = ssh.sftp().await?;
/// sftp.set_progress(|p| eprintln!("{}: {} of {:?} bytes", p.path, p.transferred, p.total));
/// sftp.mkdir_p("deploy/conf").await?;
/// let sent = sftp.put("./conf", "deploy").await?; // creates deploy/conf/...
/// println!("{} files, {} bytes", sent.files, sent.bytes);
/// sftp.put_string_script("#!/bin/sh\necho ready\n", "deploy/run.sh").await?;
/// let out = ssh.run("deploy/run.sh").await?;
/// assert_eq!(out.stdout_text(), "ready\n");
/// sftp.get("/var/log/syslog", "./logs").await?; // into ./logs/syslog
/// sftp.close().await?;
/// # Ok(()) }
/// ```
pub struct Sftp {
    session: SftpSession,
    host: String,
    timeout: Duration,
    progress: Option<ProgressFn>,
}

impl fmt::Debug for Sftp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sftp")
            .field("host", &self.host)
            .field("timeout", &self.timeout)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

impl SshConnection {
    /// Opens an SFTP client on this (authenticated) connection.
    ///
    /// The connection stays usable for commands and other channels; the
    /// SFTP client runs on a channel of its own.
    ///
    /// ```no_run
    /// # async fn demo(ssh: oxscript_transport::ssh::SshConnection) -> oxscript_transport::Result<()> {
    /// let sftp = ssh.sftp().await?;
    /// let motd = sftp.read_to_vec("/etc/motd").await?;
    /// println!("{}", String::from_utf8_lossy(&motd));
    /// # Ok(()) }
    /// ```
    pub async fn sftp(&self) -> Result<Sftp> {
        let host = self.label().to_owned();
        let start = async {
            let mut channel = self.open_session_channel().await?;
            channel
                .request_subsystem(true, "sftp")
                .await
                .map_err(|e| self.ssh_error(e))?;
            loop {
                match channel.wait().await {
                    Some(ChannelMsg::Success) => break,
                    Some(ChannelMsg::Failure) => {
                        return Err(sftp_error(
                            &host,
                            "sftp",
                            "the server refused the sftp subsystem",
                        ));
                    }
                    Some(ChannelMsg::Close | ChannelMsg::Eof) | None => {
                        return Err(sftp_error(
                            &host,
                            "sftp",
                            "the channel closed before the sftp subsystem started",
                        ));
                    }
                    Some(_) => {}
                }
            }
            let config = SftpConfig {
                max_packet_len: MAX_PACKET,
                max_concurrent_reads: READS_IN_FLIGHT,
                max_concurrent_writes: WRITES_IN_FLIGHT,
                max_write_packet_len: MAX_WRITE,
                request_timeout_secs: DEFAULT_TIMEOUT.as_secs(),
            };
            SftpSession::new_with_config(channel.into_stream(), config)
                .await
                .map_err(|e| {
                    sftp_error(
                        &host,
                        "sftp",
                        &format!("protocol start failed: {}", describe(&e, DEFAULT_TIMEOUT)),
                    )
                })
        };
        let session = match tokio::time::timeout(DEFAULT_TIMEOUT, start).await {
            Ok(session) => session?,
            Err(_) => {
                return Err(sftp_error(
                    &host,
                    "sftp",
                    &format!("the sftp subsystem did not start within {DEFAULT_TIMEOUT:?}"),
                ));
            }
        };
        tracing::debug!(host = %host, "sftp session started");
        Ok(Sftp {
            session,
            host,
            timeout: DEFAULT_TIMEOUT,
            progress: None,
        })
    }
}

impl Sftp {
    /// Sets how long the server may take to answer each request (at least
    /// one second; default 60 s). A transfer makes many requests, so a
    /// large file is not limited by this, but a server that stops
    /// answering is noticed within it.
    ///
    /// ```no_run
    /// # async fn demo(ssh: oxscript_transport::ssh::SshConnection) -> oxscript_transport::Result<()> {
    /// let mut sftp = ssh.sftp().await?;
    /// sftp.set_timeout(std::time::Duration::from_secs(10));
    /// # Ok(()) }
    /// ```
    pub fn set_timeout(&mut self, timeout: Duration) {
        let secs = timeout.as_secs_f64().ceil().max(1.0) as u64;
        self.timeout = Duration::from_secs(secs);
        self.session.set_timeout(secs);
    }

    /// Calls `callback` as file content moves: at most once per 256 KiB
    /// of each file, and once when the file is complete (also for empty
    /// files). For one file, `transferred` only grows and ends at the
    /// number of bytes copied.
    ///
    /// ```no_run
    /// # async fn demo(ssh: oxscript_transport::ssh::SshConnection) -> oxscript_transport::Result<()> {
    /// let mut sftp = ssh.sftp().await?;
    /// sftp.set_progress(|p| {
    ///     if let Some(total) = p.total.filter(|&t| t > 0) {
    ///         eprintln!("{}: {}%", p.path, p.transferred * 100 / total);
    ///     }
    /// });
    /// # Ok(()) }
    /// ```
    pub fn set_progress(&mut self, callback: impl Fn(&Progress) + Send + Sync + 'static) {
        self.progress = Some(Arc::new(callback));
    }

    /// Copies the local file `local` to the remote path `remote` (created
    /// or truncated; its directory must exist, see [`Sftp::mkdir_p`]),
    /// with the local file's permission bits.
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// let sent = sftp.put_file("firmware.bin", "/tmp/firmware.bin").await?;
    /// assert_eq!(sent.files, 1);
    /// # Ok(()) }
    /// ```
    pub async fn put_file(&self, local: impl AsRef<Path>, remote: &str) -> Result<Transfer> {
        let local = local.as_ref();
        let meta = tokio::fs::metadata(local)
            .await
            .map_err(|e| self.local_error(local, "cannot read local file", &e))?;
        if meta.is_dir() {
            return Err(self.local_fail(local, "is a directory (use put_dir or put)"));
        }
        let bytes = self
            .upload_file(local, remote, &meta, &mut Vec::new())
            .await?;
        Ok(Transfer::file(bytes))
    }

    /// Copies the remote file `remote` to the local path `local` (created
    /// or truncated; its directory must exist), with the remote file's
    /// permission bits. A missing remote file leaves no local file behind.
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// let got = sftp.get_file("/etc/hostname", "hostname.txt").await?;
    /// println!("{} bytes", got.bytes);
    /// # Ok(()) }
    /// ```
    pub async fn get_file(&self, remote: &str, local: impl AsRef<Path>) -> Result<Transfer> {
        let bytes = self
            .download_file(remote, local.as_ref(), None, &mut Vec::new())
            .await?;
        Ok(Transfer::file(bytes))
    }

    /// Copies the local directory `local` recursively to `remote`: the
    /// contents of `local` end up in `remote`, which is created with its
    /// parents when missing (an existing one is merged into). Files and
    /// directories keep their permission bits (directories created here;
    /// existing ones are left as they are). Symbolic links to files are
    /// followed; links to directories and special files are skipped (with
    /// a log message), so a link cycle cannot make it loop.
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// let sent = sftp.put_dir("site", "/srv/www/site").await?;
    /// println!("{} files in {} directories", sent.files, sent.directories);
    /// # Ok(()) }
    /// ```
    pub async fn put_dir(&self, local: impl AsRef<Path>, remote: &str) -> Result<Transfer> {
        let local = local.as_ref();
        let meta = tokio::fs::metadata(local)
            .await
            .map_err(|e| self.local_error(local, "cannot read local directory", &e))?;
        if !meta.is_dir() {
            return Err(self.local_fail(local, "is not a directory (use put_file or put)"));
        }
        let existing = self.stat(remote).await?;
        self.upload_dir(local, remote, &meta, existing).await
    }

    /// Copies the remote directory `remote` recursively to `local`: the
    /// contents of `remote` end up in `local`, which is created with its
    /// parents when missing. Permission bits are kept. Symbolic links to
    /// files are followed; links to directories and special files are
    /// skipped. Entry names that could escape `local` (`..`, names with
    /// `/`) are refused with an error.
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// let got = sftp.get_dir("/var/log/app", "logs/app").await?;
    /// println!("{} files", got.files);
    /// # Ok(()) }
    /// ```
    pub async fn get_dir(&self, remote: &str, local: impl AsRef<Path>) -> Result<Transfer> {
        let local = local.as_ref();
        let attrs = self.stat(remote).await?.ok_or_else(|| {
            self.remote_fail(
                remote,
                "cannot read remote directory: no such file or directory",
            )
        })?;
        if !attrs.is_dir() {
            return Err(self.remote_fail(remote, "is not a directory (use get_file or get)"));
        }
        self.download_dir(remote, local, &attrs).await
    }

    /// Copies a local file or directory like `scp -r` (apssh's Push): when
    /// `remote` is an existing directory, `local` is copied into it under
    /// its own name; otherwise it is copied to the path `remote`.
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// sftp.mkdir_p("/tmp/job").await?;
    /// sftp.put("script.sh", "/tmp/job").await?; // /tmp/job/script.sh
    /// sftp.put("data", "/tmp/job").await?;      // /tmp/job/data/...
    /// # Ok(()) }
    /// ```
    pub async fn put(&self, local: impl AsRef<Path>, remote: &str) -> Result<Transfer> {
        let local = local.as_ref();
        let meta = tokio::fs::metadata(local)
            .await
            .map_err(|e| self.local_error(local, "cannot read local path", &e))?;
        // The target path and what is there now, when already known.
        let (target, known) = match self.stat(remote).await? {
            Some(attrs) if attrs.is_dir() => {
                let name = local
                    .file_name()
                    .ok_or_else(|| self.local_fail(local, "has no file name to copy under"))?;
                let name = name
                    .to_str()
                    .ok_or_else(|| self.local_fail(local, "the file name is not valid UTF-8"))?;
                (join_remote(remote, name), None)
            }
            attrs => (remote.to_owned(), Some(attrs)),
        };
        if meta.is_dir() {
            let existing = match known {
                Some(attrs) => attrs,
                None => self.stat(&target).await?,
            };
            self.upload_dir(local, &target, &meta, existing).await
        } else {
            let bytes = self
                .upload_file(local, &target, &meta, &mut Vec::new())
                .await?;
            Ok(Transfer::file(bytes))
        }
    }

    /// Copies a remote file or directory like `scp -r` (apssh's Pull):
    /// when `local` is an existing directory, `remote` is copied into it
    /// under its own name; otherwise it is copied to the path `local`.
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// std::fs::create_dir_all("collected")?;
    /// sftp.get("/etc/os-release", "collected").await?; // collected/os-release
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, remote: &str, local: impl AsRef<Path>) -> Result<Transfer> {
        let local = local.as_ref();
        let attrs = self
            .stat(remote)
            .await?
            .ok_or_else(|| self.remote_fail(remote, "no such file or directory"))?;
        let target: PathBuf = if tokio::fs::metadata(local).await.is_ok_and(|m| m.is_dir()) {
            let name = remote_basename(remote)
                .ok_or_else(|| self.remote_fail(remote, "has no file name to copy under"))?;
            local.join(name)
        } else {
            local.to_owned()
        };
        if attrs.is_dir() {
            self.download_dir(remote, &target, &attrs).await
        } else {
            let bytes = self
                .download_file(remote, &target, Some(attrs), &mut Vec::new())
                .await?;
            Ok(Transfer::file(bytes))
        }
    }

    /// Creates the remote directory `remote` and its missing parents; an
    /// existing directory is fine, an existing non-directory is an error.
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// sftp.mkdir_p("/tmp/a/b/c").await?;
    /// assert!(sftp.exists("/tmp/a/b/c").await?);
    /// # Ok(()) }
    /// ```
    pub async fn mkdir_p(&self, remote: &str) -> Result<()> {
        let prefixes = remote_prefixes(remote);
        // Walk up to the deepest existing ancestor, then create downwards.
        let mut first_missing = 0;
        for (i, prefix) in prefixes.iter().enumerate().rev() {
            match self.stat(prefix).await? {
                Some(attrs) if attrs.is_dir() => {
                    first_missing = i + 1;
                    break;
                }
                Some(_) => return Err(self.remote_fail(prefix, "exists and is not a directory")),
                None => {}
            }
        }
        for prefix in prefixes.iter().skip(first_missing) {
            self.create_dir(prefix).await?;
        }
        Ok(())
    }

    /// Writes `content` to the remote file `remote` (created or
    /// truncated) and gives it the permission bits `mode` (e.g. `0o644`),
    /// whatever the server's umask.
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// sftp.put_string(b"interface eth0\n", "/tmp/eth0.conf", 0o600).await?;
    /// # Ok(()) }
    /// ```
    pub async fn put_string(&self, content: &[u8], remote: &str, mode: u32) -> Result<()> {
        let mode = mode & 0o7777;
        let mut file = self.create_remote(remote, mode).await?;
        let mut meter = Meter::new(self.progress.as_ref(), remote, Some(content.len() as u64));
        for chunk in content.chunks(CHUNK) {
            file.write_all(chunk)
                .await
                .map_err(|e| self.remote_io_error(remote, "cannot write remote file", &e))?;
            meter.advance(chunk.len());
        }
        self.finish_remote(file, remote, mode).await?;
        meter.finish();
        Ok(())
    }

    /// Writes a script to `remote` with mode `0o755`, ready to be run
    /// (apssh's `put_string_script`).
    ///
    /// ```no_run
    /// # async fn demo(ssh: oxscript_transport::ssh::SshConnection) -> oxscript_transport::Result<()> {
    /// let sftp = ssh.sftp().await?;
    /// sftp.put_string_script("#!/bin/sh\nuptime\n", "/tmp/up.sh").await?;
    /// println!("{}", ssh.run("/tmp/up.sh").await?.stdout_text());
    /// # Ok(()) }
    /// ```
    pub async fn put_string_script(&self, content: &str, remote: &str) -> Result<()> {
        self.put_string(content.as_bytes(), remote, 0o755).await
    }

    /// Reads the whole remote file `remote`.
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// let text = String::from_utf8_lossy(&sftp.read_to_vec("/proc/loadavg").await?).into_owned();
    /// # let _ = text; Ok(()) }
    /// ```
    pub async fn read_to_vec(&self, remote: &str) -> Result<Vec<u8>> {
        let mut file = self
            .session
            .open(remote)
            .await
            .map_err(|e| self.remote_error(remote, "cannot open remote file", &e))?;
        let mut data = Vec::new();
        file.read_to_end(&mut data)
            .await
            .map_err(|e| self.remote_io_error(remote, "cannot read remote file", &e))?;
        if let Err(e) = file.shutdown().await {
            tracing::debug!(host = %self.host, path = remote, error = %e, "closing a file read to the end");
        }
        Ok(data)
    }

    /// Whether `remote` exists (following symbolic links).
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// if !sftp.exists("/opt/tool").await? {
    ///     sftp.mkdir_p("/opt/tool").await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn exists(&self, remote: &str) -> Result<bool> {
        Ok(self.stat(remote).await?.is_some())
    }

    /// Removes the remote file `remote`.
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// sftp.remove_file("/tmp/up.sh").await?;
    /// # Ok(()) }
    /// ```
    pub async fn remove_file(&self, remote: &str) -> Result<()> {
        self.session
            .remove_file(remote)
            .await
            .map_err(|e| self.remote_error(remote, "cannot remove remote file", &e))
    }

    /// Ends the SFTP session (its channel closes; the SSH connection stays open).
    ///
    /// ```no_run
    /// # async fn demo(sftp: oxscript_transport::ssh::Sftp) -> oxscript_transport::Result<()> {
    /// sftp.close().await?;
    /// # Ok(()) }
    /// ```
    pub async fn close(self) -> Result<()> {
        self.session
            .close()
            .await
            .map_err(|e| self.remote_error("sftp", "closing the session failed", &e))
    }

    // ----- transfers -----------------------------------------------------

    /// Copies one local file; `buf` is the transfer's copy buffer.
    async fn upload_file(
        &self,
        local: &Path,
        remote: &str,
        meta: &std::fs::Metadata,
        buf: &mut Vec<u8>,
    ) -> Result<u64> {
        let mut src = tokio::fs::File::open(local)
            .await
            .map_err(|e| self.local_error(local, "cannot open local file", &e))?;
        let mode = local_mode(meta);
        let mut dst = self.create_remote(remote, mode).await?;
        let mut meter = Meter::new(self.progress.as_ref(), remote, Some(meta.len()));
        copy_with_progress(&mut src, &mut dst, buf, &mut meter)
            .await
            .map_err(|e| match e {
                Copy::Read(e) => self.local_error(local, "cannot read local file", &e),
                Copy::Write(e) => self.remote_io_error(remote, "cannot write remote file", &e),
            })?;
        self.finish_remote(dst, remote, mode).await?;
        Ok(meter.finish())
    }

    async fn create_remote(&self, remote: &str, mode: u32) -> Result<russh_sftp::client::fs::File> {
        let attrs = FileAttributes {
            permissions: Some(mode),
            ..FileAttributes::empty()
        };
        self.session
            .open_with_flags_and_attributes(
                remote,
                OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::WRITE,
                attrs,
            )
            .await
            .map_err(|e| self.remote_error(remote, "cannot create remote file", &e))
    }

    /// Sets the exact mode (the server's umask applies at creation, and a
    /// file that existed keeps its old mode), then closes, which waits for
    /// every write to be acknowledged.
    async fn finish_remote(
        &self,
        mut file: russh_sftp::client::fs::File,
        remote: &str,
        mode: u32,
    ) -> Result<()> {
        let attrs = FileAttributes {
            permissions: Some(mode),
            ..FileAttributes::empty()
        };
        let chmod = file.set_metadata(attrs).await;
        file.shutdown()
            .await
            .map_err(|e| self.remote_io_error(remote, "cannot write remote file", &e))?;
        chmod.map_err(|e| self.remote_error(remote, "cannot set the remote file's mode", &e))
    }

    /// Copies one remote file (`attrs`: its attributes when already
    /// known); `buf` is the transfer's copy buffer.
    async fn download_file(
        &self,
        remote: &str,
        local: &Path,
        attrs: Option<FileAttributes>,
        buf: &mut Vec<u8>,
    ) -> Result<u64> {
        let attrs = match attrs {
            Some(attrs) => attrs,
            None => self.stat(remote).await?.ok_or_else(|| {
                self.remote_fail(remote, "cannot open remote file: no such file or directory")
            })?,
        };
        if attrs.is_dir() {
            return Err(self.remote_fail(remote, "is a directory (use get_dir or get)"));
        }
        let mut src = self
            .session
            .open(remote)
            .await
            .map_err(|e| self.remote_error(remote, "cannot open remote file", &e))?;
        let mut dst = tokio::fs::File::create(local)
            .await
            .map_err(|e| self.local_error(local, "cannot create local file", &e))?;
        let mut meter = Meter::new(self.progress.as_ref(), remote, attrs.size);
        copy_with_progress(&mut src, &mut dst, buf, &mut meter)
            .await
            .map_err(|e| match e {
                Copy::Read(e) => self.remote_io_error(remote, "cannot read remote file", &e),
                Copy::Write(e) => self.local_error(local, "cannot write local file", &e),
            })?;
        dst.flush()
            .await
            .map_err(|e| self.local_error(local, "cannot write local file", &e))?;
        drop(dst);
        if let Err(e) = src.shutdown().await {
            tracing::debug!(host = %self.host, path = remote, error = %e, "closing a downloaded file");
        }
        if let Some(mode) = attrs.permissions {
            set_local_mode(local, mode & 0o777)
                .await
                .map_err(|e| self.local_error(local, "cannot set the local file's mode", &e))?;
        }
        Ok(meter.finish())
    }

    /// Copies a local directory; `existing` is what [`Sftp::stat`] said
    /// about `remote` (the callers have looked already).
    async fn upload_dir(
        &self,
        local: &Path,
        remote: &str,
        meta: &std::fs::Metadata,
        existing: Option<FileAttributes>,
    ) -> Result<Transfer> {
        let mut total = Transfer::default();
        let mut buf = Vec::new();
        // Directories created here, with their final modes, set once their
        // contents are in (a read-only directory could not be filled).
        let mut created: Vec<(String, u32)> = Vec::new();
        match existing {
            Some(attrs) if attrs.is_dir() => {}
            Some(_) => return Err(self.remote_fail(remote, "exists and is not a directory")),
            None => {
                if let Some(parent) = remote_parent(remote) {
                    self.mkdir_p(parent).await?;
                }
                self.create_dir(remote).await?;
                created.push((remote.to_owned(), local_mode(meta)));
            }
        }
        total.directories += 1;
        let mut stack: Vec<(PathBuf, String)> = vec![(local.to_owned(), remote.to_owned())];
        while let Some((local_dir, remote_dir)) = stack.pop() {
            let mut entries = Vec::new();
            let mut reader = tokio::fs::read_dir(&local_dir)
                .await
                .map_err(|e| self.local_error(&local_dir, "cannot list local directory", &e))?;
            while let Some(entry) = reader
                .next_entry()
                .await
                .map_err(|e| self.local_error(&local_dir, "cannot list local directory", &e))?
            {
                entries.push(entry.path());
            }
            entries.sort();
            for path in entries {
                let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned)
                else {
                    return Err(self.local_fail(&path, "the file name is not valid UTF-8"));
                };
                let link = tokio::fs::symlink_metadata(&path)
                    .await
                    .map_err(|e| self.local_error(&path, "cannot read local file", &e))?;
                let meta = if link.file_type().is_symlink() {
                    match tokio::fs::metadata(&path).await {
                        Ok(target) if target.is_file() => target,
                        Ok(_) => {
                            tracing::info!(path = %path.display(), "skipping a symbolic link to a directory or special file");
                            continue;
                        }
                        Err(e) => {
                            tracing::info!(path = %path.display(), error = %e, "skipping a dangling symbolic link");
                            continue;
                        }
                    }
                } else {
                    link
                };
                let target = join_remote(&remote_dir, &name);
                if meta.is_dir() {
                    if self.create_dir_or_existing(&target).await? {
                        created.push((target.clone(), local_mode(&meta)));
                    }
                    total.directories += 1;
                    stack.push((path, target));
                } else if meta.is_file() {
                    total.bytes += self.upload_file(&path, &target, &meta, &mut buf).await?;
                    total.files += 1;
                } else {
                    tracing::info!(path = %path.display(), "skipping a special file");
                }
            }
        }
        for (dir, mode) in created.iter().rev() {
            self.chmod_remote(dir, *mode).await?;
        }
        Ok(total)
    }

    async fn download_dir(
        &self,
        remote: &str,
        local: &Path,
        attrs: &FileAttributes,
    ) -> Result<Transfer> {
        let mut total = Transfer::default();
        let mut buf = Vec::new();
        let mut created: Vec<(PathBuf, u32)> = Vec::new();
        match tokio::fs::metadata(local).await {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(self.local_fail(local, "exists and is not a directory")),
            Err(_) => {
                tokio::fs::create_dir_all(local)
                    .await
                    .map_err(|e| self.local_error(local, "cannot create local directory", &e))?;
                if let Some(mode) = attrs.permissions {
                    created.push((local.to_owned(), mode & 0o777));
                }
            }
        }
        total.directories += 1;
        let mut stack: Vec<(String, PathBuf)> = vec![(remote.to_owned(), local.to_owned())];
        while let Some((remote_dir, local_dir)) = stack.pop() {
            let listing = self
                .session
                .read_dir(remote_dir.as_str())
                .await
                .map_err(|e| self.remote_error(&remote_dir, "cannot list remote directory", &e))?;
            let mut entries: Vec<(String, FileAttributes)> = listing
                .map(|entry| (entry.file_name(), entry.metadata()))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, mut attrs) in entries {
                let child = join_remote(&remote_dir, &name);
                if !is_safe_entry_name(&name) {
                    return Err(self.remote_fail(&child, "the server listed an entry name that is not a plain file name; refusing it"));
                }
                if attrs.file_type() == FileType::Symlink {
                    // A dangling link is `None`; other failures are errors.
                    match self.stat(&child).await? {
                        Some(target) if target.file_type() == FileType::File => attrs = target,
                        Some(_) => {
                            tracing::info!(host = %self.host, path = %child, "skipping a symbolic link to a directory or special file");
                            continue;
                        }
                        None => {
                            tracing::info!(host = %self.host, path = %child, "skipping a dangling symbolic link");
                            continue;
                        }
                    }
                }
                let target = local_dir.join(&name);
                match attrs.file_type() {
                    FileType::Dir => {
                        match tokio::fs::create_dir(&target).await {
                            Ok(()) => {
                                if let Some(mode) = attrs.permissions {
                                    created.push((target.clone(), mode & 0o777));
                                }
                            }
                            Err(e)
                                if e.kind() == io::ErrorKind::AlreadyExists && target.is_dir() => {}
                            Err(e) => {
                                return Err(self.local_error(
                                    &target,
                                    "cannot create local directory",
                                    &e,
                                ));
                            }
                        }
                        total.directories += 1;
                        stack.push((child, target));
                    }
                    FileType::File => {
                        total.bytes += self
                            .download_file(&child, &target, Some(attrs), &mut buf)
                            .await?;
                        total.files += 1;
                    }
                    FileType::Symlink | FileType::Other => {
                        tracing::info!(host = %self.host, path = %child, "skipping a special file");
                    }
                }
            }
        }
        for (dir, mode) in created.iter().rev() {
            set_local_mode(dir, *mode)
                .await
                .map_err(|e| self.local_error(dir, "cannot set the local directory's mode", &e))?;
        }
        Ok(total)
    }

    // ----- remote helpers ------------------------------------------------

    /// The attributes of `remote` (following links), `None` if it does not exist.
    async fn stat(&self, remote: &str) -> Result<Option<FileAttributes>> {
        match self.session.metadata(remote).await {
            Ok(attrs) => Ok(Some(attrs)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(self.remote_error(remote, "cannot read remote attributes", &e)),
        }
    }

    async fn create_dir(&self, remote: &str) -> Result<()> {
        if !self.create_dir_or_existing(remote).await? {
            tracing::debug!(host = %self.host, path = remote, "directory appeared meanwhile");
        }
        Ok(())
    }

    /// Creates `remote`; `Ok(false)` when it already is a directory.
    async fn create_dir_or_existing(&self, remote: &str) -> Result<bool> {
        match self.session.create_dir(remote).await {
            Ok(()) => Ok(true),
            Err(e) => match self.stat(remote).await {
                Ok(Some(attrs)) if attrs.is_dir() => Ok(false),
                _ => Err(self.remote_error(remote, "cannot create remote directory", &e)),
            },
        }
    }

    async fn chmod_remote(&self, remote: &str, mode: u32) -> Result<()> {
        let attrs = FileAttributes {
            permissions: Some(mode),
            ..FileAttributes::empty()
        };
        self.session
            .set_metadata(remote, attrs)
            .await
            .map_err(|e| self.remote_error(remote, "cannot set the remote mode", &e))
    }

    // ----- errors --------------------------------------------------------

    fn remote_error(&self, path: &str, what: &str, e: &SftpError) -> Error {
        sftp_error(
            &self.host,
            path,
            &format!("{what}: {}", describe(e, self.timeout)),
        )
    }

    fn remote_io_error(&self, path: &str, what: &str, e: &io::Error) -> Error {
        let reason = if e.kind() == io::ErrorKind::TimedOut {
            format!("no reply from the server within {:?}", self.timeout)
        } else {
            e.to_string()
        };
        sftp_error(&self.host, path, &format!("{what}: {reason}"))
    }

    fn remote_fail(&self, path: &str, reason: &str) -> Error {
        sftp_error(&self.host, path, reason)
    }

    fn local_error(&self, path: &Path, what: &str, e: &io::Error) -> Error {
        sftp_error(
            &self.host,
            &path.display().to_string(),
            &format!("{what}: {e}"),
        )
    }

    fn local_fail(&self, path: &Path, reason: &str) -> Error {
        sftp_error(&self.host, &path.display().to_string(), reason)
    }
}

fn sftp_error(host: &str, path: &str, reason: &str) -> Error {
    Error::Sftp {
        host: host.to_owned(),
        path: path.to_owned(),
        reason: reason.to_owned(),
    }
}

fn is_not_found(e: &SftpError) -> bool {
    matches!(e, SftpError::Status(status) if status.status_code == StatusCode::NoSuchFile)
}

/// A readable reason for an SFTP client error.
fn describe(e: &SftpError, timeout: Duration) -> String {
    match e {
        SftpError::Status(status) => {
            let code = status.status_code.to_string().to_lowercase();
            let message = status.error_message.trim();
            if message.is_empty() || message.eq_ignore_ascii_case(&code) {
                code
            } else {
                format!("{code} ({message})")
            }
        }
        SftpError::Timeout => format!("no reply from the server within {timeout:?}"),
        other => other.to_string(),
    }
}

// ----- copying -----------------------------------------------------------

/// Which side of a copy failed.
#[derive(Debug)]
enum Copy {
    Read(io::Error),
    Write(io::Error),
}

/// Copies `src` to its end into `dst` through `buf` (sized to [`CHUNK`]
/// on first use, so one transfer allocates it once), counting on `meter`.
async fn copy_with_progress<R, W>(
    src: &mut R,
    dst: &mut W,
    buf: &mut Vec<u8>,
    meter: &mut Meter<'_>,
) -> std::result::Result<(), Copy>
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    if buf.len() < CHUNK {
        buf.resize(CHUNK, 0);
    }
    loop {
        let n = src.read(buf.as_mut_slice()).await.map_err(Copy::Read)?;
        let Some(data) = buf.get(..n).filter(|d| !d.is_empty()) else {
            return Ok(());
        };
        dst.write_all(data).await.map_err(Copy::Write)?;
        meter.advance(n);
    }
}

// ----- progress ----------------------------------------------------------

/// Decides when a file's progress is reported: after each [`PROGRESS_STEP`]
/// bytes, and once at the end unless that value was just reported.
#[derive(Debug, Default)]
struct Throttle {
    transferred: u64,
    reported: Option<u64>,
}

impl Throttle {
    /// Counts `n` more bytes; returns the value to report, if it is time.
    fn advance(&mut self, n: u64) -> Option<u64> {
        self.transferred += n;
        let since = self.transferred - self.reported.unwrap_or(0);
        if since >= PROGRESS_STEP {
            self.reported = Some(self.transferred);
            Some(self.transferred)
        } else {
            None
        }
    }

    /// The final value to report, unless it was the last one reported.
    fn finish(&mut self) -> Option<u64> {
        if self.reported == Some(self.transferred) {
            None
        } else {
            self.reported = Some(self.transferred);
            Some(self.transferred)
        }
    }
}

/// A [`Throttle`] wired to the callback.
struct Meter<'a> {
    callback: Option<&'a ProgressFn>,
    path: &'a str,
    total: Option<u64>,
    throttle: Throttle,
}

impl<'a> Meter<'a> {
    fn new(callback: Option<&'a ProgressFn>, path: &'a str, total: Option<u64>) -> Self {
        Meter {
            callback,
            path,
            total,
            throttle: Throttle::default(),
        }
    }

    fn advance(&mut self, n: usize) {
        if let Some(value) = self.throttle.advance(n as u64) {
            self.report(value);
        }
    }

    /// Reports the end; returns the bytes transferred.
    fn finish(&mut self) -> u64 {
        if let Some(value) = self.throttle.finish() {
            self.report(value);
        }
        self.throttle.transferred
    }

    fn report(&self, transferred: u64) {
        if let Some(callback) = self.callback {
            callback(&Progress {
                path: self.path.to_owned(),
                transferred,
                total: self.total,
            });
        }
    }
}

// ----- paths and modes ---------------------------------------------------

/// `dir/name` with exactly one `/` between them.
fn join_remote(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The last component of a remote path (`None` for `/`, `.`, `..`, empty).
fn remote_basename(path: &str) -> Option<&str> {
    let trimmed = path.trim_end_matches('/');
    let name = trimmed.rsplit('/').next()?;
    is_safe_entry_name(name).then_some(name)
}

/// The parent of a remote path (`None` when it has none to create).
fn remote_parent(path: &str) -> Option<&str> {
    let trimmed = path.trim_end_matches('/');
    let (parent, _) = trimmed.rsplit_once('/')?;
    let parent = parent.trim_end_matches('/');
    (!parent.is_empty()).then_some(parent)
}

/// The directories to create for `mkdir -p path`, shortest first:
/// `/a//b/` gives `/a`, `/a/b`. Empty and `.` components are dropped;
/// `..` components are kept (the server resolves them).
fn remote_prefixes(path: &str) -> Vec<String> {
    let absolute = path.starts_with('/');
    let mut current = String::new();
    let mut out = Vec::new();
    for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if absolute || !current.is_empty() {
            current.push('/');
        }
        current.push_str(part);
        out.push(current.clone());
    }
    out
}

/// Whether a directory entry name from the server is a plain name that
/// stays inside the directory it is listed in.
fn is_safe_entry_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\0'])
        && !(cfg!(windows) && name.contains('\\'))
}

#[cfg(unix)]
fn local_mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o777
}

#[cfg(not(unix))]
fn local_mode(meta: &std::fs::Metadata) -> u32 {
    match (meta.is_dir(), meta.permissions().readonly()) {
        (true, _) => 0o755,
        (false, true) => 0o444,
        (false, false) => 0o644,
    }
}

#[cfg(unix)]
async fn set_local_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    tokio::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).await
}

#[cfg(not(unix))]
async fn set_local_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use russh_sftp::protocol::Status;
    use std::sync::Mutex;

    #[test]
    fn throttle_reports_every_step_and_once_at_the_end() {
        let mut t = Throttle::default();
        let mut reports = Vec::new();
        for _ in 0..10 {
            reports.extend(t.advance(100 * 1024));
        }
        reports.extend(t.finish());
        assert_eq!(
            reports,
            vec![300 * 1024, 600 * 1024, 900 * 1024, 1000 * 1024]
        );
        assert_eq!(t.finish(), None, "the end is reported once");
    }

    #[test]
    fn throttle_does_not_repeat_the_final_value() {
        let mut t = Throttle::default();
        assert_eq!(t.advance(PROGRESS_STEP), Some(PROGRESS_STEP));
        assert_eq!(t.finish(), None, "already reported");
        let mut empty = Throttle::default();
        assert_eq!(empty.finish(), Some(0), "an empty file is reported once");
    }

    #[test]
    fn meter_calls_back_with_monotonic_values() {
        let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
        let sink = seen.clone();
        let callback: ProgressFn =
            Arc::new(move |p: &Progress| sink.lock().unwrap().push(p.clone()));
        let mut meter = Meter::new(Some(&callback), "/tmp/x", Some(700 * 1024));
        for _ in 0..7 {
            meter.advance(100 * 1024);
        }
        assert_eq!(meter.finish(), 700 * 1024);
        let seen = seen.lock().unwrap();
        let values: Vec<u64> = seen.iter().map(|p| p.transferred).collect();
        assert_eq!(values, vec![300 * 1024, 600 * 1024, 700 * 1024]);
        assert!(
            seen.iter()
                .all(|p| p.path == "/tmp/x" && p.total == Some(700 * 1024))
        );
    }

    #[tokio::test]
    async fn copies_report_progress_and_reuse_one_buffer() {
        let seen: Arc<Mutex<Vec<u64>>> = Arc::default();
        let sink = seen.clone();
        let callback: ProgressFn =
            Arc::new(move |p: &Progress| sink.lock().unwrap().push(p.transferred));
        let content: Vec<u8> = (0..600 * 1024u32).map(|i| (i % 251) as u8).collect();
        let mut buf = Vec::new();

        let mut out = Vec::new();
        let mut meter = Meter::new(Some(&callback), "/f1", Some(content.len() as u64));
        copy_with_progress(&mut content.as_slice(), &mut out, &mut buf, &mut meter)
            .await
            .unwrap();
        assert_eq!(meter.finish(), content.len() as u64);
        assert_eq!(out, content);
        assert_eq!(buf.len(), CHUNK);
        let first = buf.as_ptr();

        // A second file of the same transfer reuses the buffer.
        let mut out = Vec::new();
        let mut meter = Meter::new(Some(&callback), "/f2", Some(3));
        copy_with_progress(&mut &b"abc"[..], &mut out, &mut buf, &mut meter)
            .await
            .unwrap();
        assert_eq!(meter.finish(), 3);
        assert_eq!(out, b"abc");
        assert_eq!(buf.as_ptr(), first, "no new allocation");
        assert_eq!(
            *seen.lock().unwrap(),
            vec![256 * 1024, 512 * 1024, 600 * 1024, 3]
        );
    }

    #[tokio::test]
    async fn copy_errors_say_which_side_failed() {
        struct Failing;
        impl tokio::io::AsyncWrite for Failing {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
                _: &[u8],
            ) -> std::task::Poll<io::Result<usize>> {
                std::task::Poll::Ready(Err(io::Error::other("disk full")))
            }
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
        }
        let mut meter = Meter::new(None, "/f", None);
        let err = copy_with_progress(&mut &b"data"[..], &mut Failing, &mut Vec::new(), &mut meter)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Copy::Write(e) if e.to_string() == "disk full"),
            "{err:?}"
        );

        let (reader, writer) = tokio::io::duplex(16);
        drop(writer);
        let mut reader = reader;
        let mut out = Vec::new();
        // A closed duplex reads as end of file: nothing copied, no error.
        copy_with_progress(&mut reader, &mut out, &mut Vec::new(), &mut meter)
            .await
            .unwrap();
        assert!(out.is_empty());
        assert_eq!(meter.finish(), 0);
    }

    #[test]
    fn one_file_transfers() {
        assert_eq!(
            Transfer::file(42),
            Transfer {
                files: 1,
                directories: 0,
                bytes: 42
            }
        );
    }

    #[test]
    fn remote_path_helpers() {
        assert_eq!(join_remote("/a", "b"), "/a/b");
        assert_eq!(join_remote("/a/", "b"), "/a/b");
        assert_eq!(join_remote("", "b"), "b");
        assert_eq!(join_remote("/", "b"), "/b");

        assert_eq!(remote_basename("/var/log/syslog"), Some("syslog"));
        assert_eq!(remote_basename("dir/sub/"), Some("sub"));
        assert_eq!(remote_basename("file"), Some("file"));
        assert_eq!(remote_basename("/"), None);
        assert_eq!(remote_basename("a/.."), None);
        assert_eq!(remote_basename(""), None);

        assert_eq!(remote_parent("/a/b/c"), Some("/a/b"));
        assert_eq!(remote_parent("a/b/"), Some("a"));
        assert_eq!(remote_parent("/a"), None);
        assert_eq!(remote_parent("a"), None);

        assert_eq!(remote_prefixes("/a//b/c/"), vec!["/a", "/a/b", "/a/b/c"]);
        assert_eq!(remote_prefixes("a/./b"), vec!["a", "a/b"]);
        assert_eq!(remote_prefixes("../x"), vec!["..", "../x"]);
        assert!(remote_prefixes("/").is_empty());
        assert!(remote_prefixes("").is_empty());
    }

    #[test]
    fn entry_names_that_escape_are_refused() {
        assert!(is_safe_entry_name("file.txt"));
        assert!(is_safe_entry_name(".hidden"));
        assert!(is_safe_entry_name("..."));
        for bad in ["", ".", "..", "../etc", "a/b", "/abs", "nul\0"] {
            assert!(!is_safe_entry_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn server_statuses_are_described() {
        let status = |code, msg: &str| {
            SftpError::Status(Status {
                id: 1,
                status_code: code,
                error_message: msg.into(),
                language_tag: "en".into(),
            })
        };
        let t = Duration::from_secs(5);
        assert_eq!(
            describe(&status(StatusCode::NoSuchFile, "No such file"), t),
            "no such file"
        );
        assert_eq!(
            describe(
                &status(StatusCode::PermissionDenied, "Permission denied: /root"),
                t
            ),
            "permission denied (Permission denied: /root)"
        );
        assert_eq!(
            describe(&SftpError::Timeout, t),
            "no reply from the server within 5s"
        );
        assert!(is_not_found(&status(StatusCode::NoSuchFile, "")));
        assert!(!is_not_found(&status(StatusCode::Failure, "")));
    }

    /// Transfers can run in spawned tasks.
    #[allow(dead_code)]
    fn futures_are_send(ssh: &SshConnection, sftp: &Sftp) {
        fn send<T: Send>(_: T) {}
        send(ssh.sftp());
        send(sftp.put("a", "b"));
        send(sftp.get("a", "b"));
        send(sftp.put_string(b"x", "b", 0o644));
        send(sftp.read_to_vec("a"));
        send(sftp.mkdir_p("a/b"));
    }

    #[test]
    fn errors_name_host_and_path() {
        let e = sftp_error(
            "10.0.0.1:22",
            "/etc/shadow",
            "cannot open remote file: permission denied",
        );
        assert_eq!(
            e.to_string(),
            "SFTP with 10.0.0.1:22: /etc/shadow: cannot open remote file: permission denied"
        );
    }
}
