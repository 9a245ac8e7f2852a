//! execo processes and actions against OpenSSH sshd: remote kills of a
//! process group, expect on stderr, stdin, timeouts, ptys, drops;
//! `Remote`, `Put` and `Get` with `{{{host}}}` and list substitutions,
//! one node behind the gateway sshd.

use std::time::Duration;

use oxscript::jobs::action::{Get, Put, Remote, Report, Substitutions};
use oxscript::jobs::process::{
    ExpectOptions, ExpectOutcome, Process, ProcessOptions, Signal, Stream,
};
use oxscript::jobs::ssh::{SshNode, SshNodeOptions};
use oxscript::transport::ssh::{AuthMethod, SshOptions, SshPool};

use crate::procs::{self, alive, pids};
use crate::{Interop, TIMEOUT, interop, temp_dir, unique};

fn options(env: &Interop) -> SshNodeOptions {
    SshNodeOptions {
        ssh: SshOptions {
            pool: Some(SshPool::new()),
            ..env.options(&[AuthMethod::PublicKey])
        },
        ..SshNodeOptions::default()
    }
}

fn node(env: &Interop, options: &SshNodeOptions) -> SshNode {
    SshNode::with_options(
        env.ssh_host(env.ssh_port, env.key_account()),
        options.clone(),
    )
}

async fn until_dead(pids: &[u32]) {
    procs::until_dead(pids, TIMEOUT).await
}

async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

#[tokio::test]
async fn a_remote_kill_reaches_the_process_group() {
    let Some(env) = interop() else { return };
    let node = node(&env, &options(&env));
    let p = Process::ssh(&node, "sleep 1000 & echo $!; sleep 1000 & echo $!; wait");
    within("start", p.start()).await.unwrap();
    within("pids", p.expect(["^\\d+\\n\\d+\\n"]))
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let children = pids(&p.stdout_text());
    assert!(children.iter().all(|&c| alive(c)), "{children:?}");
    p.kill(Signal::Term);
    within("end", p.wait()).await;
    let s = p.state();
    assert!(s.killed && s.ended, "{s:?}");
    assert_eq!(s.exit_signal.as_deref(), Some("TERM"), "{s:?}");
    assert!(p.ok(), "killed on request");
    until_dead(&children).await;
    node.close().await;
}

#[tokio::test]
async fn a_dropped_remote_process_is_killed() {
    let Some(env) = interop() else { return };
    let node = node(&env, &options(&env));
    let p = Process::ssh(&node, "sleep 1000 & echo $!; wait");
    within("start", p.start()).await.unwrap();
    within("pid", p.expect(["^\\d+\\n"]))
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let child = pids(&p.stdout_text())[0];
    drop(p);
    until_dead(&[child]).await;
    node.close().await;
}

#[tokio::test]
async fn remote_stdin_stderr_timeouts_and_ptys() {
    let Some(env) = interop() else { return };
    let node = node(&env, &options(&env));
    // stdin, then expect on stderr.
    let p = Process::ssh(
        &node,
        "while read l; do echo \"err:$l\" >&2; done; echo bye",
    );
    within("start", p.start()).await.unwrap();
    p.write("one\n").await.unwrap();
    let m = within(
        "stderr",
        p.expect_with(ExpectOptions::new(["err:(\\w+)"]).stream(Stream::Stderr)),
    )
    .await
    .unwrap()
    .into_result()
    .unwrap();
    assert_eq!(m.groups[0].as_deref(), Some("one"));
    let none = within(
        "no match",
        p.expect_with(ExpectOptions::new(["never"]).timeout(Duration::from_millis(100))),
    )
    .await
    .unwrap();
    assert!(matches!(none, ExpectOutcome::Timeout { .. }), "{none:?}");
    p.close_stdin().await.unwrap();
    within("end", p.wait()).await;
    assert_eq!(p.state().exit_code, Some(0));
    assert_eq!(p.stdout_text(), "bye\n");
    assert!(p.state().expect_fail && !p.ok());
    assert!(p.write("late").await.is_err() && p.state().write_error);

    // A timeout: SIGTERM over SSH.
    let slow = Process::ssh(&node, "sleep 1000").timeout(Duration::from_millis(300));
    within("run", slow.run()).await.unwrap();
    let s = slow.state();
    assert!(s.timed_out && !s.forced_kill, "{s:?}");
    assert_eq!(s.exit_signal.as_deref(), Some("TERM"));
    assert!(!slow.ok());

    // A pty: the command has a terminal.
    let tty = Process::ssh(&node, "tty; test -t 0 && echo interactive").pty(true);
    within("run", tty.run()).await.unwrap();
    let out = tty.stdout_text();
    assert!(
        out.contains("/dev/pts/") && out.contains("interactive"),
        "{out}"
    );
    assert!(tty.finished_ok());

    // A failing command and an ignored one.
    let bad = Process::ssh(&node, "exit 4");
    within("run", bad.run()).await.unwrap();
    assert_eq!(bad.state().exit_code, Some(4));
    assert!(!bad.ok());
    let ignored = Process::ssh(&node, "exit 4").with_options(ProcessOptions {
        ignore_exit_code: true,
        nolog_exit_code: true,
        ..ProcessOptions::default()
    });
    within("run", ignored.run()).await.unwrap();
    assert!(ignored.finished_ok());
    node.close().await;
}

#[tokio::test]
async fn remote_put_and_get_with_substitutions_through_a_gateway() {
    let Some(env) = interop() else { return };
    let opts = options(&env);
    let direct = node(&env, &opts);
    let mut behind = env.ssh_host(env.ssh_port, env.key_account());
    behind.set_name("behind-gateway");
    behind.set_gateway(Some(env.ssh_host(env.gateway_port, env.key_account())));
    let nodes = vec![direct, SshNode::with_options(behind, opts.clone())];

    let local = temp_dir("put");
    for (name, text) in [("a.txt", "alpha\n"), ("b.txt", "bravo\n")] {
        std::fs::write(local.join(name), text).unwrap();
    }
    let remote_root = unique("process-put");
    let slots = Substitutions::new().list("slot", ["first", "second"]);
    let put = Put::new(
        &nodes,
        [
            local.join("a.txt").display().to_string(),
            local.join("b.txt").display().to_string(),
        ],
        format!("{remote_root}/{{{{slot}}}}-{{{{{{host}}}}}}"),
    )
    .substitutions(slots.clone())
    .build()
    .unwrap();
    within("put", put.run()).await.unwrap();
    assert!(put.finished_ok(), "{}", Report::new("put").action(&put));
    assert_eq!(put.processes()[0].stdout_text(), "2 files, 12 bytes\n");

    let check = Remote::new(
        format!("cat {remote_root}/{{{{slot}}}}-{{{{{{host}}}}}}/a.txt; echo on {{{{{{host}}}}}}"),
        &nodes,
    )
    .substitutions(slots.clone())
    .build()
    .unwrap();
    within("remote", check.run()).await.unwrap();
    assert!(check.finished_ok());
    for p in check.processes() {
        assert_eq!(p.stdout_text(), format!("alpha\non {}\n", env.host));
    }

    let back = temp_dir("get");
    let get = Get::new(
        &nodes,
        [format!("{remote_root}/{{{{slot}}}}-{{{{{{host}}}}}}/b.txt")],
        format!("{}/{{{{slot}}}}", back.display()),
    )
    .substitutions(slots)
    .build()
    .unwrap();
    within("get", get.run()).await.unwrap();
    assert!(get.finished_ok(), "{}", Report::new("get").action(&get));
    for slot in ["first", "second"] {
        assert_eq!(
            std::fs::read_to_string(back.join(slot).join("b.txt")).unwrap(),
            "bravo\n"
        );
    }
    // A missing file fails that node's copy only.
    let missing = Get::new(
        &nodes[..1],
        ["/nonexistent/oxscript/file"],
        back.display().to_string(),
    )
    .options(ProcessOptions {
        nolog_exit_code: true,
        ..ProcessOptions::default()
    })
    .build()
    .unwrap();
    within("get missing", missing.run()).await.unwrap();
    let stats = missing.stats();
    assert_eq!(
        (stats.num_ended, stats.num_non_zero_exit_codes, stats.num_ok),
        (1, 1, 0)
    );
    assert!(
        missing.processes()[0]
            .stderr_text()
            .contains("/nonexistent/oxscript/file")
    );

    let cleanup = Remote::new(format!("rm -rf {remote_root}"), &nodes[..1])
        .build()
        .unwrap();
    within("cleanup", cleanup.run()).await.unwrap();
    for n in &nodes {
        n.close().await;
    }
    let _ = std::fs::remove_dir_all(&local);
    let _ = std::fs::remove_dir_all(&back);
}
