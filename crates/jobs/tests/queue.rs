//! The Queue against emulated devices: scheduling, accounts, retries,
//! cancellation, progress and events.

// Helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};

use common::{DEADLINE, closed_port, gate, ios_device, ios_server, wait_for, within};
use oxscript_core::{Account, AccountPool, Host};
use oxscript_emulator::{LoginType, VirtualDevice, register_dummy};
use oxscript_jobs::events::Event;
use oxscript_jobs::log::Logger;
use oxscript_jobs::queue::{
    JobStatus, OsMap, Queue, QueueOptions, autoauthenticate, autologin, os_function_mapper,
};
use oxscript_jobs::{Error, report};
use oxscript_transport::SessionOptions;
use tokio::sync::mpsc;

fn queue(max: usize) -> Queue {
    Queue::new(QueueOptions {
        max_connections: max,
        ..QueueOptions::default()
    })
}

/// A device reachable as `dummy://<name>` that needs no login.
fn dummy(name: &str) -> String {
    register_dummy(
        name,
        VirtualDevice::new(name).with_login_type(LoginType::None),
    );
    format!("dummy://{name}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autologin_runs_commands_on_telnet_devices() {
    let r1 = ios_server("R1", "admin", "cisco").await;
    let r2 = ios_server("R2", "admin", "cisco").await;
    let logger = Logger::new();
    let q = Queue::new(QueueOptions {
        logger: Some(logger.clone()),
        ..QueueOptions::default()
    });
    q.add_account(Account::new("admin", "cisco"));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let ids = q
        .run(
            vec![r1.url(), r2.url()],
            autologin(move |ctx, host, mut session| {
                let tx = tx.clone();
                async move {
                    assert!(session.auth().app_authenticated);
                    let who = session.execute("whoami").await?;
                    let prompt = session.prompt().unwrap_or_default().to_owned();
                    tx.send((
                        host.name().to_owned(),
                        who.text().to_owned(),
                        prompt,
                        ctx.attempt(),
                    ))
                    .unwrap();
                    Ok(())
                }
            }),
        )
        .unwrap();
    assert_eq!(ids.len(), 2);
    within("the queue", q.join()).await.unwrap();
    let mut seen = Vec::new();
    while let Ok(item) = rx.try_recv() {
        seen.push(item);
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            (
                "127.0.0.1".to_owned(),
                "admin".to_owned(),
                "R1#".to_owned(),
                1
            ),
            (
                "127.0.0.1".to_owned(),
                "admin".to_owned(),
                "R2#".to_owned(),
                1
            ),
        ]
    );
    for id in ids {
        assert!(matches!(
            q.status(id),
            Some(JobStatus::Succeeded { attempts: 1 })
        ));
    }
    assert_eq!(report::status(&logger), "2 actions done (all succeeded)");
    let transcript = logger.logs()[0].transcript().to_owned();
    assert!(
        transcript.contains("User Access Verification"),
        "{transcript}"
    );
    assert!(transcript.contains("whoami"), "{transcript}");
    assert!(
        !transcript.contains("cisco"),
        "password in transcript: {transcript}"
    );
    assert_eq!(q.progress(), 100.0);
    assert!(q.is_completed());
    r1.shutdown().await;
    r2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_run_gives_a_connected_session_that_is_not_logged_in() {
    let r1 = ios_server("R1", "admin", "cisco").await;
    let q = queue(2);
    let (tx, mut rx) = mpsc::unbounded_channel();
    q.run(r1.url(), move |_ctx, _host, mut session| {
        let tx = tx.clone();
        async move {
            tx.send(session.auth().app_authenticated).unwrap();
            session.login(Some(&Account::new("admin", "cisco"))).await?;
            tx.send(session.auth().app_authenticated).unwrap();
            Ok(())
        }
    })
    .unwrap();
    within("the queue", q.join()).await.unwrap();
    assert_eq!(rx.try_recv().ok(), Some(false));
    assert_eq!(rx.try_recv().ok(), Some(true));
    r1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_selection_host_account_then_matching_pool_then_default() {
    // Each device only accepts its own user: a wrong choice fails the login.
    let own = ios_server("OWN", "own-user", "pw-own").await;
    let core = ios_server("CORE", "core-user", "pw-core").await;
    let edge = ios_server("EDGE", "default-user", "pw-default").await;
    let q = queue(5);
    q.add_account(Account::new("default-user", "pw-default"));
    let core_pool = AccountPool::from_accounts([Account::new("core-user", "pw-core")]);
    let port = core.port();
    q.add_account_pool(
        core_pool.clone(),
        Some(Arc::new(move |h: &Host| h.port() == port)),
    );
    let mut own_host = Host::new(&own.url()).unwrap();
    own_host.set_account(Some(Account::new("own-user", "pw-own")));
    own_host.set_name("own");
    let mut core_host = Host::new(&core.url()).unwrap();
    core_host.set_name("core");
    let mut edge_host = Host::new(&edge.url()).unwrap();
    edge_host.set_name("edge");

    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let pool = core_pool.clone();
    q.run(
        vec![own_host, core_host, edge_host],
        autologin(move |_ctx, host, mut session| {
            let record = record.clone();
            let pool = pool.clone();
            async move {
                let who = session.execute("whoami").await?;
                // The pooled account is held for the whole job.
                if host.name() == "core" {
                    assert_eq!(pool.available(), 0);
                }
                record
                    .lock()
                    .unwrap()
                    .push(format!("{}={}", host.name(), who.text()));
                Ok(())
            }
        }),
    )
    .unwrap();
    within("the queue", q.join()).await.unwrap();
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(
        seen,
        ["core=core-user", "edge=default-user", "own=own-user"]
    );
    // ...and returned afterwards.
    assert_eq!(core_pool.available(), 1);
    assert_eq!(q.stats().succeeded, 3);
    for s in [own, core, edge] {
        s.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_context_acquires_accounts_from_the_queue_pools() {
    let q = queue(3);
    q.add_account(Account::new("fallback", "x"));
    let lab = AccountPool::named("lab");
    lab.add(Account::new("lab-user", "y"));
    q.add_account_pool(lab, Some(Arc::new(|h: &Host| h.name().starts_with("lab"))));
    let seen = Arc::new(Mutex::new(Vec::new()));
    for name in ["lab-a", "other"] {
        let url = dummy(&format!("acct-{name}"));
        let mut host = Host::new(&url).unwrap();
        host.set_name(name);
        let record = seen.clone();
        q.run(host, move |ctx, host, _session| {
            let record = record.clone();
            async move {
                let account = ctx.acquire_account().await?;
                record
                    .lock()
                    .unwrap()
                    .push(format!("{}={}", host.name(), account.name()));
                Ok(())
            }
        })
        .unwrap();
    }
    within("the queue", q.join()).await.unwrap();
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, ["lab-a=lab-user", "other=fallback"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_retries_are_counted_apart_from_login_retries() {
    let port = closed_port();
    let q = Queue::new(QueueOptions {
        connect_attempts: 3,
        login_attempts: 5,
        ..QueueOptions::default()
    });
    q.add_account(Account::new("admin", "cisco"));
    let ids = q
        .run(
            format!("telnet://127.0.0.1:{port}"),
            autologin(|_ctx, _host, _session| async { Ok(()) }),
        )
        .unwrap();
    within("the queue", q.join()).await.unwrap();
    let stats = q.stats();
    assert_eq!((stats.connect_attempts, stats.connect_failures), (3, 3));
    assert_eq!((stats.login_attempts, stats.login_failures), (0, 0));
    assert_eq!((stats.attempts, stats.failed), (1, 1));
    match q.status(ids[0]) {
        Some(JobStatus::Failed { attempts: 1, error }) => {
            assert!(error.is_connect_failure(), "{error}");
            assert!(error.to_string().contains(&port.to_string()), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_retries_use_a_new_connection_each_time() {
    let r1 = ios_server("R1", "admin", "cisco").await;
    let logger = Logger::new();
    let q = Queue::new(QueueOptions {
        connect_attempts: 4,
        login_attempts: 3,
        logger: Some(logger.clone()),
        ..QueueOptions::default()
    });
    q.add_account(Account::new("admin", "wrong-secret-123"));
    let ids = q
        .run(
            r1.url(),
            autologin(|_ctx, _host, _session| async { Ok(()) }),
        )
        .unwrap();
    within("the queue", q.join()).await.unwrap();
    let stats = q.stats();
    assert_eq!((stats.login_attempts, stats.login_failures), (3, 3));
    // One connection per login attempt; none of them failed.
    assert_eq!((stats.connect_attempts, stats.connect_failures), (3, 0));
    assert_eq!(r1.connections_accepted(), 3);
    match q.status(ids[0]) {
        Some(JobStatus::Failed { error, .. }) => assert!(error.is_login_failure(), "{error}"),
        other => panic!("{other:?}"),
    }
    // The log says what happened, and never shows the password.
    let log = &logger.logs()[0];
    assert_eq!(log.messages().len(), 2, "{:?}", log.messages());
    assert!(log.messages()[0].starts_with("login attempt 1 of 3 as admin failed"));
    let text = format!(
        "{} {:?} {}",
        report::format(&logger),
        log,
        log.messages().join(" ")
    );
    assert!(!text.contains("wrong-secret-123"), "{text}");
    r1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoauthenticate_does_not_enable() {
    let device = ios_device("R1", "admin", "cisco").with_enable_password("en-secret");
    let r1 = oxscript_emulator::TelnetServer::bind("127.0.0.1:0", device)
        .await
        .unwrap();
    let q = queue(2);
    q.add_account(Account::new("admin", "cisco"));
    let (tx, mut rx) = mpsc::unbounded_channel();
    q.run(
        r1.url(),
        autoauthenticate(move |_ctx, _host, session| {
            let tx = tx.clone();
            async move {
                tx.send((
                    session.auth().app_authenticated,
                    session.auth().app_authorized,
                    session.prompt().map(str::to_owned),
                ))
                .unwrap();
                Ok(())
            }
        }),
    )
    .unwrap();
    within("the queue", q.join()).await.unwrap();
    assert_eq!(
        rx.try_recv().ok(),
        Some((true, false, Some("R1>".to_owned())))
    );
    r1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempts_rerun_failed_jobs_and_error_callback_sees_each_failure() {
    let failures = Arc::new(Mutex::new(Vec::new()));
    let record = failures.clone();
    let q = Queue::new(QueueOptions {
        attempts: 3,
        error_callback: Some(Arc::new(move |name: &str, e: &Error| {
            record.lock().unwrap().push(format!("{name}: {e}"));
        })),
        ..QueueOptions::default()
    });
    let url = dummy("attempts-1");
    let ids = q
        .run(url.as_str(), |ctx, _host, _session| async move {
            if ctx.attempt() < 3 {
                Err(Error::msg(format!("flaky {}", ctx.attempt())))
            } else {
                Ok(())
            }
        })
        .unwrap();
    let always = q
        .enqueue(|_ctx| async { Err(Error::msg("never")) }, "broken", 2)
        .unwrap();
    within("the queue", q.join()).await.unwrap();
    assert!(matches!(
        q.status(ids[0]),
        Some(JobStatus::Succeeded { attempts: 3 })
    ));
    assert!(matches!(
        q.status(always),
        Some(JobStatus::Failed { attempts: 2, .. })
    ));
    let stats = q.stats();
    assert_eq!((stats.attempts, stats.retries), (5, 3));
    assert_eq!((stats.succeeded, stats.failed), (1, 1));
    let mut failures = failures.lock().unwrap().clone();
    failures.sort();
    assert_eq!(
        failures,
        [
            "attempts-1: flaky 1",
            "attempts-1: flaky 2",
            "broken: never",
            "broken: never"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limit_holds_and_grows_at_runtime() {
    let q = queue(2);
    let (g, mut control) = gate();
    for i in 0..6 {
        let g = g.clone();
        q.enqueue(
            move |ctx| {
                let g = g.clone();
                async move {
                    g.pass(ctx.name()).await;
                    Ok(())
                }
            },
            format!("j{i}"),
            1,
        )
        .unwrap();
    }
    let mut started = [control.next_started().await, control.next_started().await];
    started.sort();
    assert_eq!(started, ["j0", "j1"]);
    assert_eq!((q.running(), q.waiting()), (2, 4));
    assert!(!control.has_pending_start());

    // Growing the limit starts waiting jobs at once.
    q.set_max_connections(4);
    assert_eq!(q.max_connections(), 4);
    let mut started = [control.next_started().await, control.next_started().await];
    started.sort();
    assert_eq!(started, ["j2", "j3"]);
    assert_eq!((q.running(), q.waiting()), (4, 2));

    // Shrinking it only affects jobs not started yet.
    q.set_max_connections(1);
    control.release(3);
    wait_for("three jobs to finish", || q.running() == 1).await;
    assert_eq!(q.waiting(), 2);
    assert!(!control.has_pending_start());
    control.release(1);
    assert_eq!(control.next_started().await, "j4");
    assert_eq!((q.running(), q.waiting()), (1, 1));
    control.release(2);
    assert_eq!(control.next_started().await, "j5");
    within("the queue", q.join()).await.unwrap();
    assert_eq!(q.stats().succeeded, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_run_starts_past_the_limit() {
    let q = queue(1);
    let (g, mut control) = gate();
    let job = |g: &common::Gate| {
        let g = g.clone();
        move |ctx: oxscript_jobs::queue::JobContext,
              _host: Host,
              _s: oxscript_transport::Session| {
            let g = g.clone();
            async move {
                g.pass(ctx.name()).await;
                Ok(())
            }
        }
    };
    let a = dummy("force-a");
    let b = dummy("force-b");
    let c = dummy("force-c");
    q.run(a.as_str(), job(&g)).unwrap();
    assert_eq!(control.next_started().await, "force-a");
    q.run(b.as_str(), job(&g)).unwrap();
    q.force_run(c.as_str(), job(&g)).unwrap();
    assert_eq!(control.next_started().await, "force-c");
    assert_eq!((q.running(), q.waiting()), (2, 1));
    // With two running and a limit of one, b waits for both.
    control.release(1);
    wait_for("one job to finish", || q.running() == 1).await;
    assert!(!control.has_pending_start());
    assert_eq!(q.waiting(), 1);
    control.release(1);
    assert_eq!(control.next_started().await, "force-b");
    control.release(1);
    within("the queue", q.join()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priorities_and_duplicates() {
    let q = queue(1);
    let (g, mut control) = gate();
    let job = |g: &common::Gate| {
        let g = g.clone();
        move |_ctx: oxscript_jobs::queue::JobContext,
              host: Host,
              _s: oxscript_transport::Session| {
            let g = g.clone();
            async move {
                g.pass(host.name()).await;
                Ok(())
            }
        }
    };
    let names = [
        "prio-hold",
        "prio-a",
        "prio-b",
        "prio-c",
        "prio-d",
        "prio-p",
    ];
    let urls: Vec<String> = names.iter().map(|n| dummy(n)).collect();
    q.run(urls[0].as_str(), job(&g)).unwrap();
    assert_eq!(control.next_started().await, "prio-hold");

    let added = q
        .run(
            vec![urls[1].as_str(), urls[2].as_str(), urls[3].as_str()],
            job(&g),
        )
        .unwrap();
    assert_eq!(added.len(), 3);
    // run_or_ignore skips hosts that are waiting or running.
    let added = q
        .run_or_ignore(
            vec![urls[0].as_str(), urls[1].as_str(), urls[4].as_str()],
            job(&g),
        )
        .unwrap();
    assert_eq!(added.len(), 1, "only prio-d is new");
    // priority_run puts new jobs first.
    q.priority_run(urls[5].as_str(), job(&g)).unwrap();
    // priority_run_or_raise moves prio-c to the front instead of adding it.
    let added = q
        .priority_run_or_raise(vec![urls[3].as_str()], job(&g))
        .unwrap();
    assert!(added.is_empty());
    assert_eq!(q.waiting(), 5);

    let mut order = Vec::new();
    for _ in 0..5 {
        control.release(1);
        order.push(control.next_started().await);
    }
    assert_eq!(order, ["prio-c", "prio-p", "prio-a", "prio-b", "prio-d"]);
    control.release(1);
    within("the queue", q.join()).await.unwrap();
    assert_eq!(q.stats().queued, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_force_cancels_running_and_waiting_jobs() {
    let r1 = ios_server("R1", "admin", "cisco").await;
    let q = queue(2);
    // A pooled account serves one job at a time: two for two running jobs.
    q.add_account(Account::new("admin", "cisco"));
    q.add_account(Account::new("admin", "cisco"));
    let mut events = q.subscribe();
    let (g, mut control) = gate();
    let mut ids = Vec::new();
    for _ in 0..4 {
        let g = g.clone();
        ids.extend(
            q.run(
                r1.url(),
                autologin(move |ctx, _host, session| {
                    let g = g.clone();
                    async move {
                        let _keep_open = session;
                        g.pass(&ctx.id().to_string()).await;
                        Ok(())
                    }
                }),
            )
            .unwrap(),
        );
    }
    control.next_started().await;
    control.next_started().await;
    assert_eq!(r1.active_connections(), 2);
    within("a forced shutdown", q.shutdown(true)).await.unwrap();
    for id in &ids {
        assert!(matches!(q.status(*id), Some(JobStatus::Cancelled)), "{id}");
    }
    assert_eq!(q.stats().cancelled, 4);
    assert!(q.is_completed());
    assert_eq!(q.progress(), 100.0);
    // The sessions were dropped: the device sees its clients leave.
    wait_for("the connections to close", || r1.active_connections() == 0).await;
    let mut cancelled = 0;
    while let Ok(event) = events.try_recv() {
        if matches!(event, Event::Cancelled { .. }) {
            cancelled += 1;
        }
    }
    assert_eq!(cancelled, 4);

    // The queue still works afterwards.
    let id = q.enqueue(|_ctx| async { Ok(()) }, "after", 1).unwrap();
    within("the queue", q.join()).await.unwrap();
    assert!(matches!(q.status(id), Some(JobStatus::Succeeded { .. })));
    q.forget_finished();
    assert!(q.status(id).is_none());
    assert!(q.status(ids[0]).is_none());
    r1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_without_force_waits_and_destroy_closes_the_queue() {
    let q = queue(2);
    q.add_account(Account::new("a", "b"));
    let (g, mut control) = gate();
    let g2 = g.clone();
    q.enqueue(
        move |_ctx| {
            let g = g2.clone();
            async move {
                g.pass("slow").await;
                Ok(())
            }
        },
        "slow",
        1,
    )
    .unwrap();
    control.next_started().await;
    let waiter = {
        let q = q.clone();
        tokio::spawn(async move { q.shutdown(false).await })
    };
    tokio::task::yield_now().await;
    assert!(!waiter.is_finished());
    control.release(1);
    within("shutdown", waiter).await.unwrap().unwrap();
    assert_eq!(q.stats().succeeded, 1);

    within("destroy", q.destroy(false)).await.unwrap();
    assert!(q.accounts().default_pool().is_empty());
    assert_eq!(q.stats().succeeded, 0);
    assert_eq!(q.progress(), 0.0);
    match q.enqueue(|_ctx| async { Ok(()) }, "late", 1) {
        Err(Error::QueueDestroyed) => {}
        other => panic!("{other:?}"),
    }
    drop(g);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_counts_finished_jobs() {
    let q = queue(4);
    assert_eq!(q.progress(), 0.0);
    let (g, mut control) = gate();
    for i in 0..4 {
        let g = g.clone();
        q.enqueue(
            move |ctx| {
                let g = g.clone();
                async move {
                    g.pass(ctx.name()).await;
                    Ok(())
                }
            },
            format!("p{i}"),
            1,
        )
        .unwrap();
    }
    for _ in 0..4 {
        control.next_started().await;
    }
    assert_eq!(q.progress(), 0.0);
    for expected in [25.0, 50.0, 75.0, 100.0] {
        control.release(1);
        wait_for("a job to finish", || q.progress() == expected).await;
    }
    within("the queue", q.join()).await.unwrap();
    assert!(q.is_completed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_tell_the_story_of_a_retried_job() {
    let q = Queue::new(QueueOptions {
        attempts: 2,
        ..QueueOptions::default()
    });
    let mut events = q.subscribe();
    let id = q
        .enqueue(
            |ctx| async move {
                if ctx.attempt() == 1 {
                    Err(Error::msg("first try fails"))
                } else {
                    Ok(())
                }
            },
            "flaky",
            2,
        )
        .unwrap();
    within("the queue", q.join()).await.unwrap();
    let mut story = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let Some(job) = event.job() {
            assert_eq!(job.id, id.get());
            assert_eq!(job.name, "flaky");
        }
        story.push(event.to_string());
    }
    assert_eq!(
        story,
        [
            format!("{id} flaky queued"),
            format!("{id} flaky started (attempt 1)"),
            format!("{id} flaky failed (attempt 1, will retry): first try fails"),
            format!("{id} flaky retried (attempt 2)"),
            format!("{id} flaky started (attempt 2)"),
            format!("{id} flaky succeeded (attempt 2)"),
            "1/1 finished".to_owned(),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_domain_and_host_driver() {
    // The dummy device is registered under the name with the domain.
    register_dummy(
        "dd1.lab.example",
        VirtualDevice::new("dd1").with_login_type(LoginType::None),
    );
    let q = Queue::new(QueueOptions {
        default_domain: Some("lab.example".into()),
        host_driver: Some("ios".into()),
        ..QueueOptions::default()
    });
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut own_driver = Host::new("dummy://dd1").unwrap();
    own_driver.set_driver(Some("generic".into()));
    for host in [Host::new("dummy://dd1").unwrap(), own_driver] {
        let tx = tx.clone();
        q.run(host, move |ctx, host, session| {
            let tx = tx.clone();
            async move {
                tx.send((
                    ctx.name().to_owned(),
                    host.driver().map(str::to_owned),
                    session.driver().name.clone(),
                ))
                .unwrap();
                Ok(())
            }
        })
        .unwrap();
    }
    within("the queue", q.join()).await.unwrap();
    let mut seen = vec![rx.try_recv().unwrap(), rx.try_recv().unwrap()];
    seen.sort();
    assert_eq!(
        seen,
        [
            (
                "dd1.lab.example".into(),
                Some("generic".into()),
                "generic".into()
            ),
            ("dd1.lab.example".into(), Some("ios".into()), "ios".into()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn os_function_mapper_dispatches_on_the_guessed_os() {
    let r1 = ios_server("R1", "admin", "cisco").await;
    let q = Queue::new(QueueOptions {
        session: SessionOptions::default(),
        ..QueueOptions::default()
    });
    q.add_account(Account::new("admin", "cisco"));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (tx1, tx2) = (tx.clone(), tx.clone());
    let map = OsMap::new()
        .on("ios", move |_ctx, _host, session| {
            let tx = tx1.clone();
            async move {
                tx.send(format!("ios:{}", session.guess_os())).unwrap();
                Ok(())
            }
        })
        .default(move |_ctx, _host, _session| {
            let tx = tx2.clone();
            async move {
                tx.send("default".to_owned()).unwrap();
                Ok(())
            }
        });
    assert!(format!("{map:?}").contains("ios"));
    q.run(r1.url(), autologin(os_function_mapper(map.clone())))
        .unwrap();
    within("the queue", q.join()).await.unwrap();
    assert_eq!(rx.try_recv().ok().as_deref(), Some("ios:ios"));

    // A device no function is for: the default runs; without one, an error.
    let shell = dummy("osmap-shell");
    q.run(shell.as_str(), map.into_fn()).unwrap();
    within("the queue", q.join()).await.unwrap();
    assert_eq!(rx.try_recv().ok().as_deref(), Some("default"));
    let only_junos = OsMap::new().on("junos", |_c, _h, _s| async { Ok(()) });
    let ids = q.run(shell.as_str(), only_junos.into_fn()).unwrap();
    within("the queue", q.join()).await.unwrap();
    match q.status(ids[0]) {
        Some(JobStatus::Failed {
            error: Error::NoOsHandler { known, .. },
            ..
        }) => {
            assert_eq!(known, "junos");
        }
        other => panic!("{other:?}"),
    }
    r1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panicking_jobs_fail_without_stalling_the_queue() {
    let q = queue(1);
    let id = q
        .enqueue(
            |_ctx| async {
                if true {
                    panic!("bug in job");
                }
                Ok(())
            },
            "buggy",
            1,
        )
        .unwrap();
    let next = q.enqueue(|_ctx| async { Ok(()) }, "next", 1).unwrap();
    within("the queue", q.join()).await.unwrap();
    match q.status(id) {
        Some(JobStatus::Failed { error, .. }) => {
            assert_eq!(error.to_string(), "job panicked: bug in job")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(q.status(next), Some(JobStatus::Succeeded { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_urls_are_rejected_whole() {
    let q = queue(1);
    let err = q
        .run(vec!["telnet://ok", "ftp://bad"], |_c, _h, _s| async {
            Ok(())
        })
        .unwrap_err();
    assert!(err.to_string().contains("ftp"), "{err}");
    assert_eq!(q.stats().queued, 0);
    assert!(DEADLINE.as_secs() > 0);
}

/// A typed value per host, over Telnet: collected with its host, in the
/// order given, the failed host's error included, a retried job's value
/// from its successful attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_collect_returns_each_hosts_value_with_its_host() {
    let r1 = ios_server("R1", "admin", "cisco").await;
    let r2 = ios_server("R2", "admin", "cisco").await;
    let q = Queue::new(QueueOptions {
        attempts: 2,
        ..QueueOptions::default()
    });
    q.add_account(Account::new("admin", "cisco"));
    let refused_port = closed_port();
    let refused = format!("telnet://127.0.0.1:{refused_port}");
    let results = q
        .run_collect(
            vec![r1.url(), refused, r2.url()],
            autologin(|ctx, host, mut session| async move {
                let prompt = session.prompt().unwrap_or_default().to_owned();
                if prompt == "R2#" && ctx.attempt() == 1 {
                    return Err(oxscript_jobs::Error::msg("first attempt fails"));
                }
                let who = session.execute("whoami").await?;
                Ok((host.port(), prompt, who.text().to_owned(), ctx.attempt()))
            }),
        )
        .unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results.ids().len(), 3);
    let ports: Vec<u16> = results.hosts().map(Host::port).collect();
    let results = within("the results", results.join()).await;
    let hosts: Vec<u16> = results.iter().map(|(h, _)| h.port()).collect();
    assert_eq!(hosts, ports, "in the order given");
    assert_eq!(hosts, [r1.port(), refused_port, r2.port()]);
    let values: Vec<_> = results.iter().map(|(_, r)| r.as_ref().ok()).collect();
    assert_eq!(
        values[0],
        Some(&(r1.port(), "R1#".to_owned(), "admin".to_owned(), 1))
    );
    assert_eq!(
        values[2],
        Some(&(r2.port(), "R2#".to_owned(), "admin".to_owned(), 2)),
        "the value of the successful retry"
    );
    match &results[1].1 {
        Err(e) => assert!(e.is_connect_failure(), "{e}"),
        Ok(v) => panic!("a refused host returned {v:?}"),
    }
    // The plain form still works on the same queue.
    q.run(
        r1.url(),
        autologin(|_ctx, _host, _session| async { Ok(()) }),
    )
    .unwrap();
    within("the queue", q.join()).await.unwrap();
    assert_eq!(q.stats().succeeded, 3);
    r1.shutdown().await;
    r2.shutdown().await;
}

/// Jobs a forced shutdown drops or cancels report `Cancelled`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_collect_reports_cancelled_jobs() {
    let (gate, mut control) = gate();
    let q = queue(1);
    let hosts = vec![dummy("collect-a"), dummy("collect-b")];
    let results = q
        .run_collect(hosts, move |_ctx, host, _session| {
            let gate = gate.clone();
            async move {
                gate.pass(host.name()).await;
                Ok(host.name().to_owned())
            }
        })
        .unwrap();
    assert_eq!(control.next_started().await, "collect-a");
    within("a forced shutdown", q.shutdown(true)).await.unwrap();
    let results = within("the results", results.join()).await;
    assert_eq!(results.len(), 2);
    for (host, result) in results {
        assert!(
            matches!(result, Err(Error::Cancelled)),
            "{}: {result:?}",
            host.name()
        );
    }
}
