//! `oxscript TEMPLATE HOST…`: template files, `-d` definitions,
//! `--csv-hosts` columns, `--no-strip` and `--check`, against emulated
//! routers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn oxscript() -> Command {
    Command::new(env!("CARGO_BIN_EXE_oxscript"))
}

/// A template of the repository's `tests/templates/cli`.
fn template(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/templates/cli")
        .join(name)
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_template_file_runs_on_every_host() {
    let out = oxscript()
        .args(["--emulate", "5", "-c", "5"])
        .arg(template("interfaces.exscript"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("5 hosts ok"), "{stderr}");
    for i in 1..=5 {
        for line in [
            format!("router{i}:GigabitEthernet0/1 has 10.0.12.1"),
            format!("router{i}:Loopback0 has 10.255.255.1"),
            format!(
                "router{i}:Success rate is 100 percent (5/5), round-trip min/avg/max = 1/1/2 ms"
            ),
        ] {
            assert!(
                stdout.lines().any(|l| l == line),
                "{line} missing in:\n{stdout}"
            );
        }
    }
}

#[test]
fn defines_are_variables_and_repeated_names_are_lists() {
    let out = oxscript()
        .args([
            "--emulate",
            "1",
            "--no-init",
            "-d",
            "site=lab",
            "-d",
            "targets=10.0.12.1",
        ])
        .args(["-d", "targets=10.255.255.1"])
        .arg(template("defines.exscript"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("router1:site lab\n"), "{stdout}");
    assert!(stdout.contains("router1:2 targets\n"), "{stdout}");
    assert_eq!(stdout.matches("router1:!!!!!").count(), 2, "{stdout}");
    // A template using a variable nobody defines does not compile.
    let out = oxscript()
        .args(["--emulate", "1", "-d", "site=lab"])
        .arg(template("defines.exscript"))
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("defines.exscript:2:7: syntax error: undefined variable `targets`"),
        "{stderr}"
    );
    let out = oxscript()
        .args(["-e", "x", "-d", "1x=2", "h"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("`1x` is not a variable name"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_columns_are_variables() {
    use oxscript::emulator::{TelnetServer, ios};
    let server = TelnetServer::bind(
        "127.0.0.1:0",
        ios::device("edge1").with_credentials("admin", "cisco"),
    )
    .await
    .unwrap();
    let csv = std::env::temp_dir().join(format!("oxscript-cli-csv-{}.tsv", std::process::id()));
    std::fs::write(
        &csv,
        format!(
            "address\tsite\ttargets\ntelnet://admin:cisco@127.0.0.1:{}\tdc2\t10.0.12.1\n",
            server.port()
        ),
    )
    .unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_oxscript"))
        .args(["-i", "--timeout", "10", "--csv-hosts"])
        .arg(&csv)
        .arg(template("defines.exscript"))
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_file(&csv);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("127.0.0.1:site dc2\n"), "{stdout}");
    assert!(stdout.contains("127.0.0.1:1 targets\n"), "{stdout}");
    server.shutdown().await;
}

#[test]
fn no_strip_keeps_the_echo_in_the_response() {
    let script = "show clock{x = list.get(__response__, 0)}{sys.message(\"first: $x\")}";
    let first = |strip: bool| {
        let mut cmd = oxscript();
        cmd.args(["--emulate", "1", "--no-init", "-e", script]);
        if !strip {
            cmd.arg("--no-strip");
        }
        let out = cmd.output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("router1:first: "))
            .unwrap()
            .to_owned()
    };
    assert_eq!(first(false), "show clock");
    assert_ne!(first(true), "show clock");
}

#[test]
fn check_reports_syntax_errors_without_connecting() {
    // A port nobody listens on any more: connecting would fail loudly.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!(
        "telnet://u:p@127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let broken = template("broken.exscript");
    let out = oxscript()
        .arg("--check")
        .arg(&broken)
        .arg(&url)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    let expected = format!(
        "oxscript: {}:2:43: syntax error: expected `as` or `into` but got name `intox`\n  \
         show ip interface brief {{extract /^(\\S+)/ intox interfaces}}\n  {}^\n",
        broken.display(),
        " ".repeat(42)
    );
    assert_eq!(stderr, expected);
    assert!(listener.accept().is_err(), "--check connected");
    // Valid templates pass, and -e can be checked too.
    let out = oxscript()
        .arg("--check")
        .arg(template("interfaces.exscript"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.ends_with("interfaces.exscript: ok\n"));
    let out = oxscript()
        .args(["--check", "-e", "show version; {x = }"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out)
            .1
            .starts_with("oxscript: -e:1:20: syntax error: expected a value"),
        "{:?}",
        text(&out)
    );
    assert!(listener.accept().is_err());
}

#[test]
fn errors_in_template_files_name_the_line() {
    let refused = template("refused.exscript");
    let out = oxscript()
        .args(["--emulate", "1"])
        .arg(&refused)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains(&format!(
            "router1: {}:2:1: command `show nonsense` failed: % Invalid input detected",
            refused.display()
        )),
        "{stderr}"
    );
    assert!(
        stdout.contains("router1:% Invalid input detected"),
        "{stdout}"
    );
    let out = oxscript()
        .arg("no-such-template.exscript")
        .arg("h")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out)
            .1
            .contains("cannot read template no-such-template.exscript")
    );
}
