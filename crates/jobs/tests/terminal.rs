//! A queue job asks for a self-recovering terminal for its host.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxscript_core::Account;
use oxscript_emulator::{TelnetServer, shell};
use oxscript_jobs::queue::{Queue, QueueOptions};
use oxscript_shells::{BashShell, HostKeyPolicy, SshShell, SudoShell};
use oxscript_transport::SessionOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_job_runs_in_a_recovering_terminal() {
    let server = TelnetServer::bind(
        "127.0.0.1:0",
        shell::device("web1").with_credentials("alice", "alice-pw"),
    )
    .await
    .unwrap();
    let q = Queue::new(QueueOptions {
        session: SessionOptions {
            driver: Some("shell".into()),
            timeout: Duration::from_secs(20),
            ..SessionOptions::default()
        },
        ..QueueOptions::default()
    });
    q.add_account(Account::new("alice", "alice-pw"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    q.run(server.url(), move |ctx, _host, _session| {
        let record = record.clone();
        async move {
            let mut term = ctx
                .terminal()?
                .shell(BashShell::new())
                .shell(SudoShell::new(Some("alice-pw".into())));
            let out = term.run("whoami").await?;
            record
                .lock()
                .unwrap()
                .push((out.text, out.status, term.generation()));
            // A refused password is a shells error inside the jobs error.
            let err = term
                .stack()
                .unwrap()
                .push(
                    SshShell::new("gw", "alice")
                        .password("wrong")
                        .host_key_policy(HostKeyPolicy::AcceptUnknown),
                )
                .await
                .unwrap_err();
            let err: oxscript_jobs::Error = err.into();
            assert!(matches!(err, oxscript_jobs::Error::Shells(_)), "{err}");
            term.close().await;
            record
                .lock()
                .unwrap()
                .push(("done".into(), None, term.generation()));
            Ok(())
        }
    })
    .unwrap();
    tokio::time::timeout(Duration::from_secs(60), q.join())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [
            ("root".to_owned(), Some(0), 1),
            ("done".to_owned(), None, 1)
        ]
    );
    server.shutdown().await;
}
