//! Job graphs: requirements, critical, forever, timeout, window, nesting,
//! sequences, cycles, descriptions and events.

// Helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{gate, within};
use oxscript_jobs::events::Event;
use oxscript_jobs::graph::{Job, JobState, Scheduler, Sequence};
use oxscript_jobs::{Error, Value};

/// A job that appends its label to `log` and returns it.
fn recording(label: &str, log: &Arc<Mutex<Vec<String>>>) -> Job {
    let log = log.clone();
    let name = label.to_owned();
    Job::new(label, move || {
        let log = log.clone();
        let name = name.clone();
        async move {
            log.lock().unwrap().push(name.clone());
            Ok(Value::Text(name))
        }
    })
}

fn failing(label: &str, message: &str) -> Job {
    let message = message.to_owned();
    Job::new(label, move || {
        let message = message.clone();
        async move { Err(Error::msg(message)) }
    })
}

fn never_ending(label: &str) -> Job {
    Job::new(label, || async {
        std::future::pending::<()>().await;
        Ok(Value::None)
    })
}

fn position(log: &[String], label: &str) -> usize {
    log.iter().position(|l| l == label).unwrap_or(usize::MAX)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requirements_order_the_jobs() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let s = Scheduler::new();
    let a = s.add(recording("a", &log));
    let b = s.add(recording("b", &log).requires(&a));
    let c = s.add(recording("c", &log).requires(&a));
    let d = s.add(recording("d", &log).requires_all([&b, &c]));
    let free = s.add(recording("free", &log));
    within("the run", s.run()).await.unwrap();
    let log = log.lock().unwrap().clone();
    assert_eq!(log.len(), 5);
    assert!(position(&log, "a") < position(&log, "b"));
    assert!(position(&log, "a") < position(&log, "c"));
    assert!(position(&log, "b") < position(&log, "d"));
    assert!(position(&log, "c") < position(&log, "d"));
    for job in [&a, &b, &c, &d, &free] {
        assert_eq!(job.state(), JobState::Done);
        assert_eq!(job.value(), Some(Value::Text(job.label().to_owned())));
    }
    assert_eq!(s.why(), "ok");
    let order: Vec<String> = s
        .topological_order()
        .unwrap()
        .iter()
        .map(|j| j.label().to_owned())
        .collect();
    assert_eq!(order, ["a", "free", "b", "c", "d"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_critical_job_aborts_the_run() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let s = Scheduler::new();
    let hang = s.add(never_ending("hang"));
    let boom = s.add(failing("boom", "config rejected"));
    let after = s.add(recording("after", &log).requires(&boom));
    let err = within("the run", s.run()).await.unwrap_err();
    match &err {
        Error::CriticalJobFailed { job, source } => {
            assert_eq!(job, "boom");
            assert_eq!(source.to_string(), "config rejected");
        }
        other => panic!("{other:?}"),
    }
    assert!(s.failed_critical());
    assert!(!s.failed_timeout());
    assert_eq!(s.why(), "critical job `boom` failed: config rejected");
    assert_eq!(hang.state(), JobState::Cancelled);
    assert!(matches!(hang.result(), Some(Err(Error::Cancelled))));
    assert_eq!(boom.state(), JobState::Done);
    assert!(boom.has_failed());
    assert_eq!(after.state(), JobState::Idle);
    assert!(log.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_non_critical_job_lets_the_run_go_on() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let s = Scheduler::new();
    let soft = s.add(failing("soft", "optional step failed").critical(false));
    let next = s.add(recording("next", &log).requires(&soft));
    within("the run", s.run()).await.unwrap();
    assert_eq!(
        soft.error().map(|e| e.to_string()).as_deref(),
        Some("optional step failed")
    );
    assert_eq!(next.state(), JobState::Done);
    let debrief = s.debrief();
    assert!(
        debrief.contains(
            "===== 1 job(s) failed, 0 critical\nnon-critical 1 soft: optional step failed\n"
        ),
        "{debrief}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forever_jobs_are_cancelled_once_the_others_are_done() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let s = Scheduler::new();
    let monitor = s.add(never_ending("monitor").forever(true));
    let work = s.add(recording("work", &log));
    let more = s.add(recording("more", &log).requires(&work));
    within("the run", s.run()).await.unwrap();
    assert_eq!(monitor.state(), JobState::Cancelled);
    assert_eq!(work.state(), JobState::Done);
    assert_eq!(more.state(), JobState::Done);
    assert!(monitor.is_forever());

    // Only forever jobs: nothing to wait for.
    let idle = Scheduler::new();
    let bg = idle.add(never_ending("bg").forever(true));
    within("the run", idle.run()).await.unwrap();
    assert_eq!(bg.state(), JobState::Idle);
}

#[tokio::test(start_paused = true)]
async fn the_timeout_stops_the_run_and_names_pending_jobs() {
    let s = Scheduler::new().with_timeout(Duration::from_secs(5));
    let quick = s.add(Job::new("quick", || async { Ok(Value::None) }));
    let slow = s.add(never_ending("slow"));
    let blocked = s.add(Job::new("blocked", || async { Ok(Value::None) }).requires(&slow));
    let bg = s.add(never_ending("bg").forever(true));
    let started = tokio::time::Instant::now();
    let err = s.run().await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    match &err {
        Error::SchedulerTimeout { after, pending } => {
            assert_eq!(*after, Duration::from_secs(5));
            assert_eq!(pending, &["slow", "blocked"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(s.failed_timeout());
    assert_eq!(s.why(), "timed out after 5s; pending: slow, blocked");
    assert_eq!(quick.state(), JobState::Done);
    assert_eq!(slow.state(), JobState::Cancelled);
    assert_eq!(bg.state(), JobState::Cancelled);
    assert_eq!(blocked.state(), JobState::Idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_limits_concurrent_jobs() {
    let s = Scheduler::new().with_window(2);
    let (g, mut control) = gate();
    for i in 0..5 {
        let g = g.clone();
        let label = format!("w{i}");
        s.add(Job::new(label.clone(), move || {
            let g = g.clone();
            let label = label.clone();
            async move {
                g.pass(&label).await;
                Ok(Value::None)
            }
        }));
    }
    let runner = {
        let s = s.clone();
        tokio::spawn(async move { s.run().await })
    };
    let mut first = [control.next_started().await, control.next_started().await];
    first.sort();
    assert_eq!(first, ["w0", "w1"]);
    let running = || {
        s.jobs()
            .iter()
            .filter(|j| j.state() == JobState::Running)
            .count()
    };
    assert_eq!(running(), 2);
    assert!(!control.has_pending_start());
    control.release(1);
    assert_eq!(control.next_started().await, "w2");
    assert_eq!(running(), 2);
    control.release(4);
    within("the run", runner).await.unwrap().unwrap();
    assert!(s.jobs().iter().all(|j| j.state() == JobState::Done));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedulers_nest() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let inner = Scheduler::labelled("inner");
    let i1 = inner.add(recording("i1", &log));
    inner.add(recording("i2", &log).requires(&i1));
    let outer = Scheduler::labelled("outer");
    let first = outer.add(recording("first", &log));
    let nested = outer.add(inner.clone().into_job("nested").requires(&first));
    outer.add(recording("last", &log).requires(&nested));
    within("the run", outer.run()).await.unwrap();
    assert_eq!(*log.lock().unwrap(), ["first", "i1", "i2", "last"]);
    assert_eq!(nested.state(), JobState::Done);
    assert_eq!(nested.value(), Some(Value::None));
    assert!(nested.nested().is_some());

    // A critical failure inside fails the nesting job, and so the outer run.
    let inner = Scheduler::labelled("inner");
    inner.add(failing("deep", "bad input"));
    let outer = Scheduler::new();
    outer.add(inner.into_job("nested"));
    let err = within("the run", outer.run()).await.unwrap_err();
    assert_eq!(
        err.chain(),
        [
            "critical job `nested` failed: critical job `deep` failed: bad input",
            "critical job `deep` failed: bad input",
            "bad input"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_an_outer_run_cancels_nested_jobs() {
    let inner = Scheduler::labelled("inner");
    let deep = inner.add(never_ending("deep"));
    let outer = Scheduler::new();
    outer.add(inner.into_job("nested"));
    outer.add(
        failing("trigger", "stop")
            .requires(&deep.clone())
            .critical(true),
    );
    // `trigger` requires a job of another scheduler: refused before running.
    let err = within("the run", outer.run()).await.unwrap_err();
    assert!(matches!(err, Error::ForeignRequirement { .. }), "{err:?}");

    // `trigger` fails once `deep` runs; `deep` is then cancelled.
    let started = Arc::new(tokio::sync::Notify::new());
    let inner = Scheduler::labelled("inner");
    let signal = started.clone();
    let deep = inner.add(Job::new("deep", move || {
        let signal = signal.clone();
        async move {
            signal.notify_one();
            std::future::pending::<()>().await;
            Ok(Value::None)
        }
    }));
    let outer = Scheduler::new();
    outer.add(inner.into_job("nested"));
    outer.add(Job::new("trigger", move || {
        let started = started.clone();
        async move {
            started.notified().await;
            Err(Error::msg("stop"))
        }
    }));
    let err = within("the run", outer.run()).await.unwrap_err();
    assert!(err.to_string().contains("trigger"), "{err}");
    assert_eq!(deep.state(), JobState::Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequences_run_in_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let s = Scheduler::new();
    let before = s.add(recording("before", &log));
    let seq = Sequence::new(["s1", "s2", "s3"].map(|l| recording(l, &log))).requires(&before);
    s.add_sequence(&seq);
    s.add(recording("after", &log).requires(seq.last().unwrap()));
    within("the run", s.run()).await.unwrap();
    assert_eq!(*log.lock().unwrap(), ["before", "s1", "s2", "s3", "after"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cycles_are_reported_before_anything_runs() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let s = Scheduler::new();
    s.add(recording("free", &log));
    let a = s.add(recording("a", &log));
    let b = s.add(recording("b", &log).requires(&a));
    let c = s.add(recording("c", &log).requires(&b));
    a.add_requirement(&c);
    let err = s.check().unwrap_err();
    assert_eq!(
        err.to_string(),
        "dependency cycle between jobs: a -> c -> b -> a"
    );
    let err = within("the run", s.run()).await.unwrap_err();
    assert!(matches!(&err, Error::Cycle { cycle } if cycle == &["a", "c", "b", "a"]));
    assert!(log.lock().unwrap().is_empty(), "nothing may run");
    assert_eq!(s.why(), "dependency cycle between jobs: a -> c -> b -> a");
    // Listing still works (in the order added).
    assert_eq!(s.list().lines().count(), 4);

    // Nested cycles are found by check().
    let inner = Scheduler::new();
    let x = inner.add(recording("x", &log));
    let y = inner.add(recording("y", &log).requires(&x));
    x.add_requirement(&y);
    let outer = Scheduler::new();
    outer.add(inner.into_job("nested"));
    assert!(matches!(outer.check(), Err(Error::Cycle { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_debrief_and_dot_describe_the_graph() {
    let s = Scheduler::labelled("demo");
    let fetch = s.add(Job::new("fetch", || async { Ok(Value::from("15.1(4)M")) }));
    let check = s.add(
        failing("check", "mismatch\nsecond line")
            .requires(&fetch)
            .critical(false),
    );
    let inner = Scheduler::labelled("inner");
    inner.add(Job::new("in \"quoted\"", || async { Ok(Value::None) }));
    let nested = s.add(inner.into_job("nested").requires(&check));
    s.add(never_ending("watch").forever(true).critical(false));
    assert_eq!(s.why(), "not run yet");
    within("the run", s.run()).await.unwrap();
    assert_eq!(
        s.list(),
        "1 done      !  fetch -> 15.1(4)M\n\
         2 cancelled  ~ watch\n\
         3 failed       check => mismatch… requires={1}\n\
         4 done      !  nested requires={3}\n\
         4.1 done      !    in \"quoted\"\n"
    );
    let debrief = s.debrief();
    assert!(
        debrief.starts_with(
            "----- ok\n4 job(s): 2 done, 1 failed, 1 cancelled, 0 running, 0 scheduled, 0 idle\n1 done"
        ),
        "{debrief}"
    );
    assert!(
        debrief.ends_with(
            "===== 1 job(s) failed, 0 critical\nnon-critical 3 check: mismatch\nsecond line\n"
        ),
        "{debrief}"
    );

    let dot = s.to_dot();
    let expected_lines = [
        "digraph \"demo\" {".to_owned(),
        "  compound=true;".to_owned(),
        format!("  \"j{}\" [label=\"fetch\", penwidth=2];", fetch.id()),
        format!("  \"j{}\" [label=\"check\", color=red];", check.id()),
        format!("  subgraph \"cluster_{}\" {{", nested.id()),
        "    label=\"nested\";".to_owned(),
        format!(
            "    \"j{}\" [shape=point, style=invis, label=\"\"];",
            nested.id()
        ),
        format!("  \"j{}\" -> \"j{}\";", fetch.id(), check.id()),
        format!(
            "  \"j{}\" -> \"j{}\" [lhead=\"cluster_{}\"];",
            check.id(),
            nested.id(),
            nested.id()
        ),
    ];
    for line in expected_lines {
        assert!(dot.lines().any(|l| l == line), "missing {line:?} in\n{dot}");
    }
    assert!(
        dot.contains("[label=\"in \\\"quoted\\\"\", penwidth=2];"),
        "{dot}"
    );
    assert!(
        dot.contains("[label=\"watch\", style=\"rounded,dashed\", color=gray];"),
        "{dot}"
    );
    assert!(dot.trim_end().ends_with('}'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_events() {
    let s = Scheduler::new();
    let mut events = s.subscribe();
    let a = s.add(Job::new("a", || async { Ok(Value::None) }));
    s.add(failing("b", "nope").requires(&a).critical(false));
    within("the run", s.run()).await.unwrap();
    let mut story = Vec::new();
    while let Ok(event) = events.try_recv() {
        story.push(match &event {
            Event::Progress { finished, total } => format!("progress {finished}/{total}"),
            other => format!("{} {}", other.kind(), other.job().unwrap().name),
        });
    }
    assert_eq!(
        story,
        [
            "started a",
            "succeeded a",
            "progress 1/2",
            "started b",
            "failed b",
            "progress 2/2"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panicking_graph_jobs_fail_like_any_other() {
    let s = Scheduler::new();
    let bad = s.add(
        Job::new("bad", || async {
            if true {
                panic!("graph bug");
            }
            Ok(Value::None)
        })
        .critical(false),
    );
    within("the run", s.run()).await.unwrap();
    assert_eq!(
        bad.error().map(|e| e.to_string()).as_deref(),
        Some("job panicked: graph bug")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_can_be_repeated() {
    let count = Arc::new(Mutex::new(0));
    let s = Scheduler::new();
    let c = count.clone();
    let job = s.add(Job::new("count", move || {
        let c = c.clone();
        async move {
            *c.lock().unwrap() += 1;
            Ok(Value::from(*c.lock().unwrap() as i64))
        }
    }));
    s.run().await.unwrap();
    s.run().await.unwrap();
    assert_eq!(*count.lock().unwrap(), 2);
    assert_eq!(job.value(), Some(Value::Int(2)));
    assert_eq!(s.len(), 1);
    assert!(!s.is_empty());
    assert!(format!("{s:?} {job:?}").contains("count"));
}
