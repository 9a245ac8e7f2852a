//! Logs and reports: the FileLogger's files in each mode, and the logs a
//! queue writes for real conversations.

// Helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TempDir, ios_server, within};
use oxscript_core::{Account, Host};
use oxscript_jobs::log::{FileLogOptions, FileLogger, LogMode, Logger};
use oxscript_jobs::queue::{Queue, QueueOptions, autologin};
use oxscript_jobs::{Error, report};

async fn file_logger(dir: &TempDir, options: FileLogOptions) -> FileLogger {
    FileLogger::new(dir.path(), options).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overwrite_mode_replaces_old_files() {
    let dir = TempDir::new("overwrite");
    dir.write("r1.log", "OLD\n");
    dir.write("r1.log.error", "stale error\n");
    let files = file_logger(
        &dir,
        FileLogOptions {
            mode: LogMode::Overwrite,
            ..FileLogOptions::default()
        },
    )
    .await;
    let log = files.logger().start(1, "r1", Some("r1"), 1);
    log.write(b"r1>show clock\r\n");
    log.message("checked the clock");
    log.succeeded();
    files.flush().await.unwrap();
    assert_eq!(
        dir.read("r1.log").as_deref(),
        Some("r1>show clock\r\nchecked the clock\n")
    );
    assert!(
        !dir.exists("r1.log.error"),
        "the stale error file is removed"
    );
    assert_eq!(files.dir(), dir.path());
    // Transcripts are not kept in memory by default; outcomes are.
    let logs = files.logger().logs();
    assert_eq!(logs[0].transcript(), "");
    assert_eq!(report::status(&files.logger()), "1 action done (succeeded)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_mode_keeps_old_files() {
    let dir = TempDir::new("append");
    dir.write("r1.log", "OLD\n");
    dir.write("r1.log.error", "old error\n");
    let files = file_logger(&dir, FileLogOptions::default()).await;
    let log = files.logger().start(1, "r1", Some("r1"), 1);
    log.write(b"new data\n");
    log.failed(&Error::CriticalJobFailed {
        job: "push".into(),
        source: Box::new(Error::msg("% Invalid input")),
    });
    files.flush().await.unwrap();
    assert_eq!(dir.read("r1.log").as_deref(), Some("OLD\nnew data\n"));
    assert_eq!(
        dir.read("r1.log.error").as_deref(),
        Some(
            "old error\ncritical job `push` failed: % Invalid input\ncaused by: % Invalid input\n"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_on_success_keeps_only_failures() {
    let dir = TempDir::new("delete");
    let files = file_logger(
        &dir,
        FileLogOptions {
            mode: LogMode::Overwrite,
            delete_on_success: true,
            keep_transcripts_in_memory: true,
        },
    )
    .await;
    let logger: Logger = files.clone().into();
    let ok = logger.start(1, "good", Some("good"), 1);
    ok.write(b"fine\n");
    ok.succeeded();
    let bad = logger.start(2, "bad", Some("bad"), 1);
    bad.write(b"Username: ");
    bad.failed(&Error::msg("login failed"));
    files.flush().await.unwrap();
    assert_eq!(dir.files(), ["bad.log", "bad.log.error"]);
    assert_eq!(dir.read("bad.log").as_deref(), Some("Username: "));
    assert_eq!(dir.read("bad.log.error").as_deref(), Some("login failed\n"));
    // With transcripts kept in memory, reports can show them too.
    assert_eq!(logger.logs()[0].transcript(), "fine\n");
    assert_eq!(report::summarize(&logger), "good: ok\nbad: login failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_get_files_of_their_own_and_names_are_made_safe() {
    let dir = TempDir::new("retry");
    let files = file_logger(&dir, FileLogOptions::default()).await;
    let logger = files.logger();
    let first = logger.start(1, "core/r1:23", None, 1);
    first.write(b"attempt one");
    first.failed(&Error::msg("timeout"));
    let second = logger.start(1, "core/r1:23", None, 2);
    second.write(b"attempt two");
    second.succeeded();
    files.flush().await.unwrap();
    assert_eq!(
        dir.files(),
        [
            "core_r1_23.log",
            "core_r1_23.log.error",
            "core_r1_23_retry1.log"
        ]
    );
    assert_eq!(
        dir.read("core_r1_23_retry1.log").as_deref(),
        Some("attempt two")
    );
    assert_eq!(report::status(&logger), "1 action done (succeeded)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_reports_write_errors() {
    let dir = TempDir::new("unwritable");
    let files = file_logger(&dir, FileLogOptions::default()).await;
    // A directory where the log file should be: opening it fails.
    std::fs::create_dir(dir.path().join("blocked.log")).unwrap();
    let log = files.logger().start(1, "blocked", None, 1);
    log.write(b"data");
    log.succeeded();
    let err = files.flush().await.unwrap_err();
    assert!(err.to_string().contains("blocked.log"), "{err}");
    // The error is reported once.
    files.flush().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_writes_host_logs_and_error_files() {
    let server = ios_server("R1", "admin", "sup3r-s3cret").await;
    let dir = TempDir::new("queue");
    let files = file_logger(
        &dir,
        FileLogOptions {
            mode: LogMode::Overwrite,
            ..FileLogOptions::default()
        },
    )
    .await;
    let q = Queue::new(QueueOptions {
        logger: Some(files.logger()),
        ..QueueOptions::default()
    });
    let mut good = Host::new(&server.url()).unwrap();
    good.set_name("good");
    good.set_account(Some(Account::new("admin", "sup3r-s3cret")));
    let mut bad = Host::new(&server.url()).unwrap();
    bad.set_name("bad");
    bad.set_account(Some(Account::new("admin", "wr0ng-s3cret")));
    q.run(
        vec![good, bad],
        autologin(|ctx, _host, mut session| async move {
            let r = session.execute("show version").await?;
            ctx.log(format!("{} lines of version", r.lines().count()));
            Ok(())
        }),
    )
    .unwrap();
    // join() also waits for the files to be written.
    within("the queue", q.join()).await.unwrap();
    assert_eq!(dir.files(), ["bad.log", "bad.log.error", "good.log"]);
    let good_log = dir.read("good.log").unwrap();
    assert!(good_log.contains("User Access Verification"), "{good_log}");
    assert!(good_log.contains("Cisco IOS Software"), "{good_log}");
    assert!(good_log.contains(" lines of version\n"), "{good_log}");
    let error = dir.read("bad.log.error").unwrap();
    assert!(
        error.starts_with("login failed on bad: % Login invalid"),
        "{error}"
    );
    for name in dir.files() {
        let text = dir.read(&name).unwrap();
        assert!(!text.contains("s3cret"), "secret in {name}: {text}");
    }
    let logger = files.logger();
    assert_eq!(
        report::status(&logger),
        "2 actions done (1 failed, 1 succeeded)"
    );
    let full = report::format(&logger);
    assert!(
        full.contains("Failed actions:\n---------------\nbad:\n  login failed on bad"),
        "{full}"
    );
    assert!(
        full.ends_with("Successful actions:\n-------------------\ngood"),
        "{full}"
    );
    assert!(!full.contains("s3cret"));
    server.shutdown().await;
}
