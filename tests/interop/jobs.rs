//! SSH jobs (apssh style) against OpenSSH sshd: scripts with includes,
//! script strings, file transfers, local nodes, a job graph through the
//! gateway sshd.

use std::path::Path;
use std::sync::Arc;

use oxscript::jobs::format::CaptureFormatter;
use oxscript::jobs::graph::{Scheduler, Sequence};
use oxscript::jobs::ssh::{
    LocalNode, Pull, Push, RunScript, RunString, SshJob, SshNode, SshNodeOptions,
    close_ssh_in_scheduler,
};
use oxscript::jobs::vars::Variables;
use oxscript::jobs::{Error, Value};
use oxscript::transport::ssh::{AuthMethod, SshPool};

use crate::{Interop, interop, temp_dir};

/// A remote directory (relative to the test user's home) unique to this test.
fn remote_dir(tag: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "oxscript-jobs-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn node(env: &Interop, formatter: Option<Arc<CaptureFormatter>>) -> SshNode {
    let host = env.ssh_host(env.ssh_port, env.key_account());
    SshNode::with_options(
        host,
        SshNodeOptions {
            ssh: env.options(&[AuthMethod::PublicKey]),
            formatter: formatter.map(|f| f as _),
            ..SshNodeOptions::default()
        },
    )
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn run_script_with_an_include_and_arguments_then_cleans_up() {
    let Some(env) = interop() else { return };
    let local = temp_dir("jobs-script");
    let script = local.join("main.sh");
    let lib = local.join("lib.sh");
    write(
        &script,
        "#!/bin/sh\n. \"$(dirname \"$0\")/lib.sh\"\ngreet \"$1\" \"$2\"\necho \"dir=$(dirname \"$0\")\"\necho \"name=$(basename \"$0\")\"\n",
    );
    write(&lib, "greet() { echo \"hello $1 and $2\"; }\n");
    // Not executable locally: the copy gets mode 755 anyway.
    let capture = Arc::new(CaptureFormatter::new());
    let node = node(&env, Some(capture.clone()));
    let vars = Variables::new();
    let job = SshJob::new(&node)
        .command(
            RunScript::new(&script)
                .args(["alice", "bob"])
                .includes([&lib])
                .capture("out"),
        )
        .with_variables(&vars);
    let value = job.execute().await.unwrap();
    let out = vars.get("out").unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "hello alice and bob", "{out}");
    let dir = lines[1].strip_prefix("dir=").unwrap();
    // A fresh directory with a random name; the script keeps its name.
    let token = dir.strip_prefix(".oxscript-remote/").unwrap();
    assert!(
        token.len() == 16 && token.chars().all(|c| c.is_ascii_hexdigit()),
        "{dir}"
    );
    assert_eq!(lines[2], "name=main.sh", "{out}");
    assert_eq!(value, Value::List(vec![Value::Text(format!("{out}\n"))]));
    assert_eq!(capture.lines_of(node.name())[0], "hello alice and bob");

    // The script's directory is gone.
    let check = SshJob::new(&node)
        .capture(
            format!("test -e {dir} && echo present || echo gone"),
            "left",
        )
        .with_variables(&vars);
    check.execute().await.unwrap();
    assert_eq!(vars.get("left").as_deref(), Some("gone"));

    // A failing script fails the job with its status and stderr; allowed, it passes.
    write(&script, "#!/bin/sh\necho \"broken: $1\" >&2\nexit 3\n");
    let err = SshJob::new(&node)
        .run_script(&script, ["x"])
        .execute()
        .await
        .unwrap_err();
    match &err {
        Error::CommandFailed {
            command,
            status,
            stderr,
            ..
        } => {
            assert!(command.ends_with("/main.sh x"), "{command}");
            assert_eq!(status, "status 3");
            assert_eq!(stderr.as_str(), "broken: x\\n");
        }
        other => panic!("{other:?}"),
    }
    SshJob::new(&node)
        .command(RunScript::new(&script).args(["y"]).allowed_exits([3]))
        .execute()
        .await
        .unwrap();
    node.close().await;
    let _ = std::fs::remove_dir_all(&local);
}

#[tokio::test]
async fn run_string_with_arguments_and_a_remote_name() {
    let Some(env) = interop() else { return };
    let node = node(&env, None);
    let vars = Variables::new();
    vars.set("second", "two");
    let job = SshJob::new(&node)
        .command(
            RunString::new("#!/bin/sh\nfor a in \"$@\"; do echo \"arg=$a\"; done\necho \"as $(basename \"$0\")\"\n")
                .args(["one", "{{second}}"])
                .remote_name("echo-args.sh")
                .deferred()
                .capture("args"),
        )
        .with_variables(&vars);
    job.execute().await.unwrap();
    assert_eq!(
        vars.get("args").as_deref(),
        Some("arg=one\narg=two\nas echo-args.sh")
    );
    node.close().await;
}

#[tokio::test]
async fn push_and_pull_files_and_a_directory() {
    let Some(env) = interop() else { return };
    let local = temp_dir("jobs-push");
    write(&local.join("single.txt"), "single file\n");
    write(&local.join("tree/a.txt"), "a\n");
    write(&local.join("tree/sub/b.txt"), "b in sub\n");
    let remote = format!("{}/target", remote_dir("push"));
    let node = node(&env, None);
    let vars = Variables::new();
    let back = local.join("back");
    let job = SshJob::new(&node)
        .command(Push::new(
            [local.join("single.txt"), local.join("tree")],
            remote.clone(),
        ))
        .capture(
            format!("cat {remote}/single.txt {remote}/tree/a.txt {remote}/tree/sub/b.txt"),
            "remote",
        )
        .command(Pull::new(
            [format!("{remote}/single.txt"), format!("{remote}/tree")],
            &back,
        ))
        .run(format!(
            "rm -rf {}",
            remote.split('/').next().unwrap_or_default()
        ))
        .with_variables(&vars);
    let value = job.execute().await.unwrap();
    let items = value.as_list().unwrap();
    assert_eq!(items[0], Value::Int(3), "three files pushed");
    assert_eq!(items[2], Value::Int(3), "three files pulled");
    assert_eq!(
        vars.get("remote").as_deref(),
        Some("single file\na\nb in sub")
    );
    assert_eq!(
        std::fs::read_to_string(back.join("single.txt")).unwrap(),
        "single file\n"
    );
    assert_eq!(
        std::fs::read_to_string(back.join("tree/sub/b.txt")).unwrap(),
        "b in sub\n"
    );
    assert_eq!(
        std::fs::read_to_string(back.join("tree/a.txt")).unwrap(),
        "a\n"
    );
    // A missing remote file is an error naming it.
    let err = SshJob::new(&node)
        .pull([format!("{remote}/nothing-here")], &back)
        .execute()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nothing-here"), "{err}");
    node.close().await;
    let _ = std::fs::remove_dir_all(&local);
}

#[tokio::test]
async fn local_and_remote_jobs_exchange_variables() {
    let Some(env) = interop() else { return };
    let remote = node(&env, None);
    let capture = Arc::new(CaptureFormatter::new());
    let local = LocalNode::new().with_formatter(capture.clone());
    let vars = Variables::new();
    let s = Scheduler::new();
    let seq = Sequence::new([
        SshJob::new(&remote)
            .capture("id -un", "user")
            .with_variables(&vars)
            .into_job(),
        SshJob::new(&local)
            .run_deferred("echo remote user is {{user}}")
            .capture("printf 'x\\ny\\n' | wc -l", "lines")
            .run_allowing("exit 2", [2])
            .with_variables(&vars)
            .into_job(),
    ]);
    s.add_sequence(&seq);
    s.run().await.unwrap();
    assert_eq!(vars.get("user").as_deref(), Some(env.user.as_str()));
    assert_eq!(vars.get("lines").as_deref().map(str::trim), Some("2"));
    assert_eq!(
        capture.lines_of("localhost")[0],
        format!("remote user is {}", env.user)
    );
    assert!(!remote.is_connected(), "closed at the end of the run");
}

#[tokio::test]
async fn a_job_graph_through_the_gateway_sshd() {
    let Some(env) = interop() else { return };
    let pool = SshPool::new();
    let options = SshNodeOptions {
        ssh: oxscript::transport::ssh::SshOptions {
            pool: Some(pool.clone()),
            ..env.options(&[AuthMethod::PublicKey])
        },
        ..SshNodeOptions::default()
    };
    let gateway = env.ssh_host(env.gateway_port, env.key_account());
    // Two nodes behind the same gateway (the target sshd under two names).
    let behind = |name: &str| {
        let mut host = env.ssh_host(env.ssh_port, env.key_account());
        host.set_name(name);
        host.set_gateway(Some(gateway.clone()));
        SshNode::with_options(host, options.clone())
    };
    let (n1, n2) = (behind("target-a"), behind("target-b"));
    let vars = Variables::new();
    let s = Scheduler::new();
    let first = s.add(
        SshJob::new(&n1)
            .capture("echo $SSH_CONNECTION | cut -d' ' -f1", "from")
            .keep_connection(true)
            .with_variables(&vars)
            .into_job(),
    );
    let second = s.add(
        SshJob::new(&n2)
            .run_deferred("test {{from}} = 127.0.0.1")
            .capture("hostname", "name")
            .with_variables(&vars)
            .into_job()
            .requires(&first),
    );
    s.add(
        SshJob::new(&n2)
            .run("true")
            .into_job()
            .critical(false)
            .requires(&second),
    );
    s.run().await.unwrap();
    assert_eq!(vars.get("from").as_deref(), Some("127.0.0.1"));
    assert!(vars.get("name").is_some_and(|n| !n.is_empty()));
    assert_eq!(pool.len(), 1, "one shared connection to the gateway");
    assert!(n1.is_connected() && !n2.is_connected());
    let closed = close_ssh_in_scheduler(&s).await;
    let order: Vec<(usize, Option<&str>)> = closed
        .iter()
        .map(|c| (c.depth, c.node.as_deref()))
        .collect();
    assert_eq!(order, [(1, Some("target-a")), (0, None)]);
    assert_eq!(
        closed[1].label,
        format!("{}:{}", env.host, env.gateway_port)
    );
    assert!(pool.is_empty() && !n1.is_connected());
}
