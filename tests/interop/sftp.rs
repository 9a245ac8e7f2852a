//! SFTP and local port forwarding against OpenSSH sshd.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use oxscript::Host;
use oxscript::transport::Error;
use oxscript::transport::ssh::{
    AuthMethod, HostKeyPolicy, Progress, SshConnection, SshOptions, Transfer,
};
use sha2::{Digest, Sha256};

use crate::{Interop, TIMEOUT, interop, temp_dir, unique};

/// A remote directory (relative to the test user's home) unique to this test.
fn remote_dir(tag: &str) -> String {
    unique(&format!("sftp-{tag}"))
}

/// A key-authenticated connection to the interop sshd.
async fn connect(env: &Interop) -> SshConnection {
    let host = env.ssh_host(env.ssh_port, env.key_account());
    env.connect(&host, &[AuthMethod::PublicKey]).await.unwrap()
}

/// Deterministic pseudo-random bytes (xorshift64*).
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn megabytes_per_second(bytes: usize, started: Instant) -> f64 {
    bytes as f64 / 1e6 / started.elapsed().as_secs_f64()
}

#[tokio::test]
async fn sftp_round_trip_of_50_mb_with_checksum_and_progress() {
    let Some(env) = interop() else { return };
    let ssh = connect(&env).await;
    let mut sftp = ssh.sftp().await.unwrap();
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let sink = seen.clone();
    sftp.set_progress(move |p| sink.lock().unwrap().push(p.clone()));

    const SIZE: usize = 50 * 1024 * 1024;
    let data = pseudo_random(SIZE, 0x5eed);
    let digest = sha256_hex(&data);
    let local = temp_dir("sftp-big");
    let source = local.join("big.bin");
    std::fs::write(&source, &data).unwrap();
    let dir = remote_dir("big");
    sftp.mkdir_p(&dir).await.unwrap();
    let remote = format!("{dir}/big.bin");

    let started = Instant::now();
    let sent = sftp.put_file(&source, &remote).await.unwrap();
    let put_rate = megabytes_per_second(SIZE, started);
    assert_eq!(
        sent,
        Transfer {
            files: 1,
            directories: 0,
            bytes: SIZE as u64
        }
    );

    // Progress: this file only, growing, at most every 256 KiB, ending at the size.
    {
        let seen = seen.lock().unwrap();
        assert!(
            seen.len() >= 100 && seen.len() <= SIZE / (256 * 1024) + 1,
            "{} reports",
            seen.len()
        );
        assert!(
            seen.iter()
                .all(|p| p.path == remote && p.total == Some(SIZE as u64))
        );
        assert!(
            seen.windows(2).all(|w| w[0].transferred < w[1].transferred),
            "monotonic"
        );
        assert!(
            seen.windows(2)
                .all(|w| w[1].transferred - w[0].transferred >= 256 * 1024
                    || w[1].transferred == SIZE as u64),
            "throttled"
        );
        assert_eq!(seen.last().unwrap().transferred, SIZE as u64);
    }
    seen.lock().unwrap().clear();

    // The server computes the same checksum.
    let out = ssh.run(&format!("sha256sum {remote}")).await.unwrap();
    assert_eq!(
        out.stdout_text().split_whitespace().next(),
        Some(digest.as_str())
    );

    let back = local.join("back.bin");
    let started = Instant::now();
    let got = sftp.get_file(&remote, &back).await.unwrap();
    let get_rate = megabytes_per_second(SIZE, started);
    assert_eq!(got.bytes, SIZE as u64);
    assert_eq!(sha256_hex(&std::fs::read(&back).unwrap()), digest);
    assert_eq!(
        seen.lock().unwrap().last().unwrap().transferred,
        SIZE as u64
    );

    eprintln!("SFTP 50 MiB: put {put_rate:.1} MB/s, get {get_rate:.1} MB/s");
    ssh.run(&format!("rm -rf {dir}")).await.unwrap();
    sftp.close().await.unwrap();
    ssh.close().await;
    std::fs::remove_dir_all(&local).unwrap();
}

/// `(relative path, mode, content)` of every entry under `root`, sorted.
#[cfg(unix)]
fn local_tree(root: &Path) -> Vec<(String, u32, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let meta = std::fs::metadata(&path).unwrap();
            if meta.is_dir() {
                out.push((rel, mode_of(&path), None));
                stack.push(path);
            } else {
                out.push((rel, mode_of(&path), Some(std::fs::read(&path).unwrap())));
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
#[tokio::test]
async fn sftp_directories_recursively_with_modes() {
    let Some(env) = interop() else { return };
    let ssh = connect(&env).await;
    let sftp = ssh.sftp().await.unwrap();
    let local = temp_dir("sftp-tree");
    let tree = local.join("tree");
    std::fs::create_dir_all(tree.join("sub/nested")).unwrap();
    std::fs::create_dir_all(tree.join("empty")).unwrap();
    std::fs::write(tree.join("readme.txt"), b"hello\n").unwrap();
    std::fs::write(tree.join("run.sh"), b"#!/bin/sh\necho run\n").unwrap();
    std::fs::write(tree.join("sub/data.bin"), pseudo_random(300_000, 7)).unwrap();
    std::fs::write(tree.join("sub/nested/secret"), b"s3cr3t").unwrap();
    std::fs::write(tree.join("sub/nested/empty-file"), b"").unwrap();
    set_mode(&tree.join("readme.txt"), 0o644);
    set_mode(&tree.join("run.sh"), 0o755);
    set_mode(&tree.join("sub/nested/secret"), 0o600);
    set_mode(&tree.join("sub/nested"), 0o700);
    set_mode(&tree.join("empty"), 0o750);
    set_mode(&tree.join("sub/nested/empty-file"), 0o640);
    // A link to a file is followed; a link to a directory is skipped.
    std::os::unix::fs::symlink("readme.txt", tree.join("link.txt")).unwrap();
    std::os::unix::fs::symlink("sub", tree.join("loop")).unwrap();
    let expected: Vec<_> = local_tree(&tree)
        .into_iter()
        .filter(|(p, _, _)| p != "loop" && !p.starts_with("loop/"))
        .collect();
    let content_bytes: u64 = expected
        .iter()
        .filter_map(|(_, _, c)| c.as_ref())
        .map(|c| c.len() as u64)
        .sum();

    // put_dir: the contents go to the target, created with its parents.
    let dir = remote_dir("tree");
    let target = format!("{dir}/a/b/tree");
    let sent = sftp.put_dir(&tree, &target).await.unwrap();
    assert_eq!(sent.files, 6, "{sent:?}");
    assert_eq!(
        sent.directories, 4,
        "tree, empty, sub, sub/nested: {sent:?}"
    );
    assert_eq!(sent.bytes, content_bytes);
    let listing = ssh
        .run(&format!(
            "cd {target} && find . -mindepth 1 -printf '%P %m %y\\n'"
        ))
        .await
        .unwrap()
        .stdout_text();
    let mut listing: Vec<&str> = listing.lines().collect();
    listing.sort();
    assert_eq!(
        listing,
        [
            "empty 750 d",
            "link.txt 644 f",
            "readme.txt 644 f",
            "run.sh 755 f",
            "sub 755 d",
            "sub/data.bin 644 f",
            "sub/nested 700 d",
            "sub/nested/empty-file 640 f",
            "sub/nested/secret 600 f",
        ]
    );
    let sizes = ssh
        .run(&format!(
            "cd {target} && stat -c %s sub/data.bin sub/nested/empty-file run.sh"
        ))
        .await
        .unwrap()
        .stdout_text();
    assert_eq!(sizes, "300000\n0\n19\n");
    assert_eq!(
        ssh.run(&format!("{target}/run.sh"))
            .await
            .unwrap()
            .stdout_text(),
        "run\n"
    );

    // get_dir brings the same tree back, modes included.
    let back = local.join("back");
    let got = sftp.get_dir(&target, &back).await.unwrap();
    assert_eq!((got.files, got.directories, got.bytes), (6, 4, sent.bytes));
    assert_eq!(local_tree(&back), expected);

    // put/get into existing directories use the source's name (apssh Push/Pull).
    let pushed = sftp.put(&tree, &dir).await.unwrap();
    assert_eq!(pushed.files, 6);
    assert!(
        sftp.exists(&format!("{dir}/tree/sub/nested/secret"))
            .await
            .unwrap()
    );
    let single = sftp.put(tree.join("readme.txt"), &dir).await.unwrap();
    assert_eq!(single.bytes, 6);
    assert_eq!(
        sftp.read_to_vec(&format!("{dir}/readme.txt"))
            .await
            .unwrap(),
        b"hello\n"
    );
    let pulled_dir = local.join("pulled");
    std::fs::create_dir(&pulled_dir).unwrap();
    sftp.get(&format!("{dir}/tree"), &pulled_dir).await.unwrap();
    assert_eq!(local_tree(&pulled_dir.join("tree")), expected);
    sftp.get(&format!("{dir}/readme.txt"), &pulled_dir)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(pulled_dir.join("readme.txt")).unwrap(),
        b"hello\n"
    );
    // A missing target name is the new name.
    sftp.get(&format!("{dir}/readme.txt"), pulled_dir.join("renamed.txt"))
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(pulled_dir.join("renamed.txt")).unwrap(),
        b"hello\n"
    );

    ssh.run(&format!("rm -rf {dir}")).await.unwrap();
    std::fs::remove_dir_all(&local).unwrap();
}

#[tokio::test]
async fn sftp_mkdir_p_strings_scripts_and_errors() {
    let Some(env) = interop() else { return };
    let ssh = connect(&env).await;
    let sftp = ssh.sftp().await.unwrap();
    let dir = remote_dir("misc");
    let deep = format!("{dir}/a/b/c");
    sftp.mkdir_p(&deep).await.unwrap();
    sftp.mkdir_p(&deep).await.unwrap();
    sftp.mkdir_p(&format!("{deep}/")).await.unwrap();
    assert!(sftp.exists(&deep).await.unwrap());

    let script = format!("{deep}/run.sh");
    sftp.put_string_script("#!/bin/sh\necho \"from script: $1\"\n", &script)
        .await
        .unwrap();
    let out = ssh
        .run(&format!("{script} arg1; stat -c %a {script}"))
        .await
        .unwrap();
    assert_eq!(out.stdout_text(), "from script: arg1\n755\n");

    // put_string sets the exact mode, also over an existing file.
    let secret = format!("{dir}/secret.txt");
    sftp.put_string(b"first", &secret, 0o644).await.unwrap();
    sftp.put_string(b"second", &secret, 0o600).await.unwrap();
    assert_eq!(sftp.read_to_vec(&secret).await.unwrap(), b"second");
    assert_eq!(
        ssh.run(&format!("stat -c %a {secret}"))
            .await
            .unwrap()
            .stdout_text(),
        "600\n"
    );

    // A path under a file cannot be a directory.
    let err = sftp.mkdir_p(&format!("{secret}/x")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Sftp { path, .. } if path == &secret),
        "{err}"
    );
    assert!(
        err.to_string().contains("exists and is not a directory"),
        "{err}"
    );

    sftp.remove_file(&secret).await.unwrap();
    assert!(!sftp.exists(&secret).await.unwrap());

    // A missing remote file is an error naming it.
    let missing = format!("{dir}/no-such-file.txt");
    let local = temp_dir("sftp-missing");
    let err = sftp.get_file(&missing, local.join("x")).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&missing) && text.contains("no such file"),
        "{text}"
    );
    assert!(!local.join("x").exists(), "no local file is left behind");
    let err = sftp.read_to_vec(&missing).await.unwrap_err();
    assert!(
        err.to_string().contains(&missing) && err.to_string().contains("no such file"),
        "{err}"
    );
    let err = sftp.remove_file(&missing).await.unwrap_err();
    assert!(err.to_string().contains(&missing), "{err}");
    // A missing local file too.
    let err = sftp
        .put_file(local.join("absent.bin"), &format!("{dir}/x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("absent.bin"), "{err}");

    ssh.run(&format!("rm -rf {dir}")).await.unwrap();
    sftp.close().await.unwrap();
    // The connection outlives the SFTP session.
    assert_eq!(
        ssh.run("echo still").await.unwrap().stdout_text(),
        "still\n"
    );
    std::fs::remove_dir_all(&local).unwrap();
}

#[tokio::test]
async fn sftp_through_a_gateway() {
    let Some(env) = interop() else { return };
    let gateway = env.ssh_host(env.gateway_port, env.key_account());
    let mut target = env.ssh_host(env.ssh_port, env.key_account());
    target.set_gateway(Some(gateway));
    let ssh = env
        .connect(&target, &[AuthMethod::PublicKey])
        .await
        .unwrap();
    assert_eq!(ssh.depth(), 1);
    let sftp = ssh.sftp().await.unwrap();
    let dir = remote_dir("gw");
    sftp.mkdir_p(&dir).await.unwrap();
    let data = pseudo_random(3 * 1024 * 1024 + 17, 99);
    let local = temp_dir("sftp-gw");
    std::fs::write(local.join("f.bin"), &data).unwrap();
    sftp.put_file(local.join("f.bin"), &format!("{dir}/f.bin"))
        .await
        .unwrap();
    assert_eq!(
        sftp.read_to_vec(&format!("{dir}/f.bin")).await.unwrap(),
        data
    );
    ssh.run(&format!("rm -rf {dir}")).await.unwrap();
    sftp.close().await.unwrap();
    ssh.close().await;
    std::fs::remove_dir_all(&local).unwrap();
}

#[tokio::test]
async fn local_port_forward_to_sshd_carries_ssh_connections() {
    let Some(env) = interop() else { return };
    let ssh = connect(&env).await;
    // sshd's own port, as seen from the server.
    let forward = ssh
        .forward_local("127.0.0.1:0", "127.0.0.1", env.ssh_port)
        .await
        .unwrap();
    assert_ne!(forward.port(), 0);
    assert_eq!(forward.local_addr().ip().to_string(), "127.0.0.1");
    assert_eq!(forward.connections(), 0);

    // known_hosts is keyed by host:port: a fresh file that learns the forwarded port.
    let dir = temp_dir("forward");
    let options = SshOptions {
        host_key_policy: HostKeyPolicy::AcceptNew,
        known_hosts: Some(dir.join("known_hosts")),
        ..env.options(&[AuthMethod::PublicKey])
    };
    let mut through = Vec::new();
    for i in 0..3 {
        let mut host = Host::new(&format!("ssh://127.0.0.1:{}", forward.port())).unwrap();
        host.set_account(Some(env.key_account()));
        let conn = SshConnection::connect_authenticated(&host, &options, TIMEOUT)
            .await
            .unwrap();
        let out = conn
            .run(&format!("echo through-forward-{i}"))
            .await
            .unwrap();
        assert_eq!(out.stdout_text(), format!("through-forward-{i}\n"));
        // The same server, reached through the tunnel.
        assert_eq!(conn.host_key_fingerprint(), ssh.host_key_fingerprint());
        through.push(conn);
    }
    assert_eq!(forward.connections(), 3);
    // All three work at once.
    let outs = futures::future::join_all(through.iter().map(|c| c.run("echo again"))).await;
    assert!(
        outs.iter()
            .all(|o| o.as_ref().unwrap().stdout_text() == "again\n")
    );

    // Closing stops the listener and the forwarded connections.
    let port = forward.port();
    forward.close().await;
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err(),
        "listener closed"
    );
    for conn in &through {
        let result = tokio::time::timeout(TIMEOUT, conn.run("echo gone")).await;
        assert!(
            matches!(result, Ok(Err(_))),
            "forwarded connection ended: {result:?}"
        );
    }
    // The SSH connection that carried the forward is unaffected.
    assert_eq!(ssh.run("echo ok").await.unwrap().stdout_text(), "ok\n");

    // Dropping a forward stops it too.
    let dropped = ssh
        .forward_local("127.0.0.1:0", "127.0.0.1", env.ssh_port)
        .await
        .unwrap();
    let port = dropped.port();
    drop(dropped);
    // The listener goes when its task sees the cancellation: wait for
    // that (bounded in time, not in attempts).
    let refused = tokio::time::timeout(TIMEOUT, async {
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(refused.is_ok(), "a dropped forward stops listening");

    // A port already in use is an error naming the address.
    let busy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = busy.local_addr().unwrap().to_string();
    let err = ssh
        .forward_local(&address, "127.0.0.1", env.ssh_port)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Bind { .. }) && err.to_string().contains(&address),
        "{err}"
    );
    ssh.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_stuck_sftp_server_is_a_timeout_not_a_hang() {
    let Some(env) = interop() else { return };
    let ssh = connect(&env).await;
    let mut sftp = ssh.sftp().await.unwrap();
    sftp.set_timeout(std::time::Duration::from_secs(1));
    // Our SFTP server (internal-sftp or sftp-server) is a child of this
    // connection's sshd process, like the shell of an exec command: the
    // child that is not this shell.
    let pid = ssh
        .run("for p in $(pgrep -P $PPID); do [ $p != $$ ] && echo $p; done")
        .await
        .unwrap()
        .stdout_text();
    let pid = pid.trim();
    assert!(
        !pid.is_empty() && !pid.contains('\n'),
        "one SFTP server process: {pid:?}"
    );
    ssh.run(&format!("kill -STOP {pid}")).await.unwrap();
    let result = tokio::time::timeout(TIMEOUT, sftp.exists(".")).await;
    ssh.run(&format!("kill -CONT {pid}")).await.unwrap();
    let err = result.expect("the request deadline fires").unwrap_err();
    assert!(
        err.to_string()
            .contains("no reply from the server within 1s"),
        "{err}"
    );
    // The late reply is ignored and the session goes on.
    assert!(sftp.exists(".").await.unwrap());
    sftp.close().await.unwrap();
}
