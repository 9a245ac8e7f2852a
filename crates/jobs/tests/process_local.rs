//! Local processes (execo `Process`): states and flags, expect, stdin,
//! signals to process groups, timeouts, drops, ptys, handlers, reset.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../../tests/common/procs.rs"]
mod procs;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{DEADLINE, within};
use oxscript_jobs::process::output::{chunks, lines, to_channel};
use oxscript_jobs::process::{
    ExpectMatch, ExpectOptions, ExpectOutcome, LifecycleHandler, OutputEvent, Process, ProcessInfo,
    ProcessOptions, Signal, Stream,
};
use procs::{alive, pids};

async fn until_dead(pids: &[u32]) {
    procs::until_dead(pids, DEADLINE).await
}

/// The match of `patterns` on stdout, failing the test without one.
async fn matched<const N: usize>(p: &Process, patterns: [&str; N]) -> ExpectMatch {
    within("expect", p.expect(patterns))
        .await
        .unwrap()
        .into_result()
        .unwrap()
}

#[tokio::test]
async fn a_process_that_exits_zero_is_finished_ok() {
    let p = Process::local("echo out; echo err >&2");
    let s = p.state();
    assert!(!s.started && !s.ended && p.ok() && !p.finished_ok());
    within("run", p.run()).await.unwrap();
    let s = p.state();
    assert!(s.started && s.ended && !s.running() && !s.error && !s.timed_out);
    assert_eq!((s.exit_code, s.exit_signal.as_deref()), (Some(0), None));
    assert!(s.start_date.unwrap() <= s.end_date.unwrap());
    assert!(s.pid.is_some());
    assert!(p.finished_ok());
    assert_eq!(
        (p.stdout_text().as_str(), p.stderr_text().as_str()),
        ("out\n", "err\n")
    );
    assert_eq!(p.info().state.summary(), "exit 0");
    let err = p.start().await.unwrap_err();
    assert!(err.to_string().contains("already started"), "{err}");
}

#[tokio::test]
async fn non_zero_exits_fail_unless_ignored() {
    let p = Process::local("exit 3");
    within("run", p.run()).await.unwrap();
    assert_eq!(p.state().exit_code, Some(3));
    assert!(!p.ok() && !p.finished_ok() && p.state().non_zero_exit());
    let q = Process::local("exit 3")
        .ignore_exit_code(true)
        .nolog_exit_code(true);
    within("run", q.run()).await.unwrap();
    assert!(q.finished_ok());
}

#[tokio::test]
async fn a_program_that_cannot_start_is_an_error_state() {
    let p = Process::argv("/nonexistent/program", ["x"]);
    within("run", p.run()).await.unwrap();
    let s = p.state();
    assert!(s.started && s.ended && s.error, "{s:?}");
    assert!(
        s.error_reason
            .as_deref()
            .unwrap()
            .contains("/nonexistent/program")
    );
    assert!(!p.ok());
    let q = Process::argv("/nonexistent/program", ["x"])
        .ignore_error(true)
        .nolog_error(true);
    within("run", q.run()).await.unwrap();
    assert!(q.finished_ok() && q.state().error);
    // Nothing to expect from a process that never ran.
    let outcome = within("expect", q.expect(["x"])).await.unwrap();
    assert!(matches!(outcome, ExpectOutcome::Eof { .. }), "{outcome:?}");
}

#[tokio::test]
async fn timeouts_send_sigterm_and_count_unless_ignored() {
    let p = Process::local("sleep 1000").timeout(Duration::from_millis(200));
    within("run", p.run()).await.unwrap();
    let s = p.state();
    assert!(s.timed_out && s.killed && !s.forced_kill, "{s:?}");
    assert_eq!(s.exit_signal.as_deref(), Some("TERM"));
    assert!(!p.ok());
    let q = Process::local("sleep 1000")
        .timeout(Duration::from_millis(200))
        .ignore_timeout(true)
        .nolog_timeout(true);
    within("run", q.run()).await.unwrap();
    assert!(q.state().timed_out && q.finished_ok());
}

#[tokio::test]
async fn a_process_ignoring_sigterm_is_killed_by_force() {
    let p = Process::local("trap '' TERM; echo ready; while :; do sleep 0.05; done").with_options(
        ProcessOptions {
            kill_timeout: Duration::from_millis(300),
            timeout: Some(DEADLINE),
            ..ProcessOptions::default()
        },
    );
    p.start().await.unwrap();
    matched(&p, ["ready"]).await;
    p.kill(Signal::Term);
    within("end", p.wait()).await;
    let s = p.state();
    assert!(s.killed && s.forced_kill && !s.timed_out, "{s:?}");
    assert_eq!(s.exit_signal.as_deref(), Some("KILL"));
    assert!(p.ok(), "a kill on request does not judge the exit: {s:?}");
}

#[tokio::test]
async fn kill_reaches_the_whole_process_group() {
    let p = Process::local("sleep 1000 & echo $!; sleep 1000 & echo $!; wait");
    p.start().await.unwrap();
    matched(&p, ["^\\d+\\n\\d+\\n"]).await;
    let children = pids(&p.stdout_text());
    assert_eq!(children.len(), 2);
    assert!(children.iter().all(|&c| alive(c)));
    // Not SIGINT: a non-interactive shell's background jobs ignore it.
    p.kill(Signal::Hup);
    within("end", p.wait()).await;
    assert_eq!(p.state().exit_signal.as_deref(), Some("HUP"));
    until_dead(&children).await;
}

#[tokio::test]
async fn without_kill_subprocesses_only_the_program_gets_the_signal() {
    let p = Process::argv("sh", ["-c", "sleep 1000 & echo $!; wait"]);
    p.start().await.unwrap();
    matched(&p, ["^\\d+\\n"]).await;
    let child = pids(&p.stdout_text())[0];
    p.kill_with(Signal::Term, None);
    // The shell is gone but its child holds stdout: the process has not
    // ended (stdout is still open), and the child lives.
    within("shell death", async {
        while alive(p.state().pid.unwrap()) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(alive(child));
    assert!(!p.state().ended);
    nix_kill(child);
    within("end", p.wait()).await;
    assert_eq!(p.state().exit_signal.as_deref(), Some("TERM"));
}

fn nix_kill(pid: u32) {
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
}

#[tokio::test]
async fn a_process_dropped_while_running_is_killed_with_its_children() {
    let p = Process::local("sleep 1000 & echo $!; wait");
    p.start().await.unwrap();
    matched(&p, ["^\\d+\\n"]).await;
    let shell = p.state().pid.unwrap();
    let child = pids(&p.stdout_text())[0];
    let clone = p.clone();
    drop(p);
    assert!(alive(shell), "a clone still holds it");
    drop(clone);
    until_dead(&[shell, child]).await;
}

#[tokio::test]
async fn write_and_close_stdin() {
    let p = Process::local("while read line; do echo got $line; done; echo bye");
    p.start().await.unwrap();
    p.write("one\n").await.unwrap();
    matched(&p, ["got one\\n"]).await;
    p.write(b"two\n").await.unwrap();
    let m = matched(&p, ["got (\\w+)"]).await;
    assert_eq!(m.groups, [Some("two".to_owned())]);
    p.close_stdin().await.unwrap();
    within("end", p.wait()).await;
    assert!(p.finished_ok());
    assert_eq!(p.stdout_text(), "got one\ngot two\nbye\n");
    // Writing after the close fails and marks the process.
    let err = p.write("late\n").await.unwrap_err();
    assert!(err.to_string().contains("stdin is closed"), "{err}");
    assert!(p.state().write_error && !p.ok());
}

#[tokio::test]
async fn write_errors_can_be_ignored() {
    let p = Process::local("exit 0")
        .ignore_write_error(true)
        .nolog_write_error(true);
    assert!(p.write("x").await.is_err(), "not started");
    within("run", p.run()).await.unwrap();
    assert!(p.state().write_error && p.finished_ok());
}

#[tokio::test]
async fn expect_on_stdout_and_stderr_with_positions() {
    let p = Process::local("echo a1 >&2; echo b2; echo a3 >&2; read x; echo after >&2");
    p.start().await.unwrap();
    let first = within(
        "a1",
        p.expect_with(ExpectOptions::new(["a(\\d)"]).stream(Stream::Stderr)),
    )
    .await
    .unwrap()
    .into_result()
    .unwrap();
    assert_eq!(first.groups[0].as_deref(), Some("1"));
    // The next expect on stderr starts after the previous match.
    let second = within(
        "a3",
        p.expect_with(ExpectOptions::new(["a(\\d)"]).stream(Stream::Stderr)),
    )
    .await
    .unwrap()
    .into_result()
    .unwrap();
    assert_eq!(second.groups[0].as_deref(), Some("3"));
    assert!(second.start > first.end);
    // stdout has its own position; the second pattern wins here.
    let out = within("b", p.expect(["zzz", "b(\\d)"])).await.unwrap();
    assert_eq!(out.index(), Some(1));
    p.write("go\n").await.unwrap();
    within("end", p.wait()).await;
    assert!(p.finished_ok(), "{:?}", p.state());
}

#[tokio::test]
async fn expect_timeout_and_eof_fail_the_process_unless_ignored() {
    let p = Process::local("echo booting; read x; echo done");
    p.start().await.unwrap();
    let outcome = within(
        "timeout",
        p.expect_with(ExpectOptions::new(["ready"]).timeout(Duration::from_millis(100))),
    )
    .await
    .unwrap();
    match &outcome {
        ExpectOutcome::Timeout { tail, after, .. } => {
            assert_eq!(*after, Duration::from_millis(100));
            assert!(tail.to_string().contains("booting"), "{tail}");
        }
        other => panic!("{other:?}"),
    }
    assert!(p.state().expect_fail);
    p.write("x\n").await.unwrap();
    let eof = within("eof", p.expect(["never"])).await.unwrap();
    assert!(matches!(eof, ExpectOutcome::Eof { .. }), "{eof:?}");
    assert!(eof.to_string().contains("ended before a match"), "{eof}");
    within("end", p.wait()).await;
    assert_eq!(p.state().exit_code, Some(0));
    assert!(!p.ok(), "a failed expect fails the process");

    let lenient = Process::local("echo x")
        .ignore_expect_fail(true)
        .nolog_expect_fail(true)
        .default_expect_timeout(Duration::from_millis(50));
    within("run", lenient.run()).await.unwrap();
    let outcome = within("eof", lenient.expect(["y"])).await.unwrap();
    assert!(outcome.matched().is_none());
    assert!(lenient.state().expect_fail && lenient.finished_ok());
}

#[tokio::test]
async fn expect_finds_matches_split_across_reads_and_starts_from_current() {
    let p = Process::local("printf hel; read x; printf 'lo world'; read y; echo tail");
    p.start().await.unwrap();
    matched(&p, ["hel"]).await;
    p.write("\n").await.unwrap();
    // "hello" spans the two writes; the backtrack finds it.
    let mut again = ExpectOptions::new(["lo w"]);
    again = again.backtrack(16);
    within("lo w", p.expect_with(again))
        .await
        .unwrap()
        .into_result()
        .unwrap();
    // stderr untouched so far: start from its current end.
    p.write("\n").await.unwrap();
    matched(&p, ["tail"]).await;
    within("end", p.wait()).await;
    let from_now = ExpectOptions::new(["tail"])
        .stream(Stream::Stderr)
        .start_from_current();
    assert!(
        within("eof", p.expect_with(from_now))
            .await
            .unwrap()
            .matched()
            .is_none()
    );
}

#[tokio::test]
async fn a_pty_process_has_a_terminal() {
    let p = Process::local("test -t 0 && test -t 1 && echo tty; read x; echo got $x").pty(true);
    p.start().await.unwrap();
    matched(&p, ["tty"]).await;
    p.write("hi\n").await.unwrap();
    matched(&p, ["got hi"]).await;
    within("end", p.wait()).await;
    assert!(p.finished_ok(), "{:?}", p.state());
    // The terminal echoes what was written.
    assert!(p.stdout_text().contains("hi\r\n"), "{:?}", p.stdout_text());
}

#[tokio::test]
async fn a_pty_process_ends_on_eof_and_dies_with_its_session() {
    let p = Process::local("cat").pty(true);
    p.start().await.unwrap();
    p.write("abc\n").await.unwrap();
    within("echo", p.expect(["abc\\r\\n.*abc"])).await.unwrap();
    p.close_stdin().await.unwrap();
    within("end", p.wait()).await;
    assert_eq!(p.state().exit_code, Some(0));
    let q = Process::local("sleep 1000 & echo $!; wait").pty(true);
    q.start().await.unwrap();
    within("pid", q.expect(["\\d+\\r\\n"])).await.unwrap();
    let child = pids(&q.stdout_text())[0];
    q.kill(Signal::Term);
    within("end", q.wait()).await;
    until_dead(&[child]).await;
}

struct Recorder(Mutex<Vec<String>>);

impl LifecycleHandler for Recorder {
    fn start(&self, p: &ProcessInfo) {
        self.0.lock().unwrap().push(format!("start {}", p.name));
    }
    fn end(&self, p: &ProcessInfo) {
        self.0
            .lock()
            .unwrap()
            .push(format!("end {} {}", p.name, p.ok));
    }
    fn reset(&self, p: &ProcessInfo) {
        self.0.lock().unwrap().push(format!("reset {}", p.name));
    }
}

#[tokio::test]
async fn handlers_see_lines_chunks_channels_and_lifecycle() {
    let recorder = Arc::new(Recorder(Mutex::new(Vec::new())));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let bytes = Arc::new(Mutex::new(0usize));
    let b = bytes.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let p = Process::local("echo one; echo two >&2; printf three")
        .named("demo")
        .on_output(lines(move |stream, line| {
            s.lock().unwrap().push(format!("{stream:?} {line}"))
        }))
        .on_stdout(chunks(move |_, data| *b.lock().unwrap() += data.len()))
        .on_stderr(to_channel(tx))
        .on_lifecycle(recorder.clone());
    assert_eq!(p.name(), "demo");
    within("run", p.run()).await.unwrap();
    let mut lines = seen.lock().unwrap().clone();
    lines.sort();
    assert_eq!(lines, ["Stderr two", "Stdout one", "Stdout three"]);
    assert_eq!(*bytes.lock().unwrap(), "one\nthree".len());
    assert_eq!(
        rx.recv().await,
        Some(OutputEvent::Chunk(Stream::Stderr, b"two\n".to_vec()))
    );
    assert_eq!(rx.recv().await, Some(OutputEvent::Eof(Stream::Stderr)));
    p.reset().await;
    assert_eq!(
        *recorder.0.lock().unwrap(),
        ["start demo", "end demo true", "reset demo"]
    );
    // After a reset it runs again, from scratch.
    assert!(!p.state().started && p.stdout().is_empty());
    within("run again", p.run()).await.unwrap();
    assert!(p.finished_ok());
}

#[tokio::test]
async fn reset_kills_a_running_process() {
    let p = Process::local("sleep 1000");
    p.start().await.unwrap();
    let pid = p.state().pid.unwrap();
    within("reset", p.reset()).await;
    until_dead(&[pid]).await;
    assert!(!p.state().started);
}

#[tokio::test]
async fn output_is_capped_in_memory_but_handlers_see_everything() {
    let total = Arc::new(Mutex::new(0usize));
    let t = total.clone();
    let p = Process::local("head -c 100000 /dev/zero")
        .with_options(ProcessOptions {
            output_cap: 1000,
            ..ProcessOptions::default()
        })
        .on_stdout(chunks(move |_, d| *t.lock().unwrap() += d.len()));
    within("run", p.run()).await.unwrap();
    assert_eq!(p.stdout().len(), 1000);
    assert_eq!(p.dropped_bytes(Stream::Stdout), 99_000);
    assert_eq!(*total.lock().unwrap(), 100_000);
    let quiet = Process::local("echo hidden").with_options(ProcessOptions {
        keep_stdout: false,
        ..ProcessOptions::default()
    });
    within("run", quiet.run()).await.unwrap();
    assert!(quiet.stdout().is_empty());
}

#[tokio::test]
async fn env_and_working_directory() {
    let dir = std::env::temp_dir();
    let p = Process::local("echo $GREETING; pwd")
        .env("GREETING", "hi")
        .current_dir(&dir);
    within("run", p.run()).await.unwrap();
    let out = p.stdout_text();
    assert!(out.starts_with("hi\n"), "{out}");
    let canonical = std::fs::canonicalize(&dir).unwrap();
    assert!(
        out.contains(canonical.to_str().unwrap()) || out.contains(dir.to_str().unwrap()),
        "{out}"
    );
    assert!(!p.wait_for(Duration::ZERO).await || p.state().ended);
}

/// The warnings logged while `f` runs (on this thread: the tests' runtime
/// is single-threaded, so the process drivers log here too).
async fn warnings<F: std::future::Future<Output = ()>>(f: F) -> String {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    f.await;
    drop(guard);
    String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned()
}

/// Runs the failures every flag is about, with `options`.
async fn failures(options: ProcessOptions) {
    let exit = Process::local("exit 3").with_options(options.clone());
    within("exit", exit.run()).await.unwrap();
    let slow = Process::local("sleep 1000").with_options(ProcessOptions {
        timeout: Some(Duration::from_millis(100)),
        ..options.clone()
    });
    within("timeout", slow.run()).await.unwrap();
    let missing = Process::argv("/nonexistent/oxscript", ["x"]).with_options(options.clone());
    within("error", missing.run()).await.unwrap();
    let quiet = Process::local("true").with_options(options.clone());
    within("run", quiet.run()).await.unwrap();
    within("expect", quiet.expect(["never"])).await.unwrap();
    let _ = quiet.write("late").await;
}

#[tokio::test]
async fn each_failure_logs_a_warning_unless_its_nolog_flag_is_set() {
    let loud = warnings(failures(ProcessOptions::default())).await;
    for what in [
        "`exit 3` ended with exit 3",
        "`sleep 1000` reached its timeout",
        "could not start",
        "expect on `true` failed",
        "writing to the stdin of `true` failed",
    ] {
        assert!(loud.contains(what), "{what} not in:\n{loud}");
    }
    let silent = warnings(failures(ProcessOptions {
        nolog_exit_code: true,
        nolog_timeout: true,
        nolog_error: true,
        nolog_expect_fail: true,
        nolog_write_error: true,
        ..ProcessOptions::default()
    }))
    .await;
    assert!(silent.is_empty(), "{silent}");
}
