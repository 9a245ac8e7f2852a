//! The operator's flags of `oxscript` against emulated devices served by
//! this test process (Telnet and SSH on 127.0.0.1:0): host keys, keys,
//! ssh_config, gateways, enable secrets, login modes, logs, JSON output
//! (checked against tests/host-report.schema.json), TextFSM records,
//! exit statuses, hosts sharing an address and port, verbosity.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;

use oxscript::emulator::{
    LoginType, SshServer, SshServerConfig, TelnetServer, VirtualDevice, ios, shell,
};
use russh::keys::{Algorithm, PrivateKey, ssh_key::LineEnding};
use serde_json::Value;

/// Runs the binary with `args` (async, so the servers keep serving).
async fn run(args: &[&str]) -> Output {
    run_with_home(args, None).await
}

/// Runs the binary with `args`, and `home` as its home directory (for
/// `~/.ssh/known_hosts`) when given.
async fn run_with_home(args: &[&str], home: Option<&Path>) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_oxscript"));
    if let Some(home) = home {
        command.env("HOME", home).env_remove("SSH_AUTH_SOCK");
    }
    command
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("NET_TEXTFSM")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The run failed (exit status 1) and its stderr says `needle`.
fn assert_failed_saying(out: &Output, needle: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(needle), "{stderr}");
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("oxscript-op-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An IOS router showing nothing but its prompt over SSH (no banner),
/// with an enable secret.
async fn ios_over_ssh(name: &str, config: SshServerConfig) -> SshServer {
    let device = ios::device(name)
        .with_credentials("admin", "pw")
        .with_enable_password("en-secret")
        .without_banner();
    SshServer::bind("127.0.0.1:0", device, config)
        .await
        .unwrap()
}

fn ssh_url(server: &SshServer, userinfo: &str) -> String {
    format!("ssh://{userinfo}127.0.0.1:{}", server.port())
}

// ----- the first command of a new user --------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_running_config_on_an_ios_ssh_server_without_banner_and_without_driver() {
    let scratch = Scratch::new("first");
    let server = ios_over_ssh("core1", SshServerConfig::default()).await;
    let known_hosts = scratch.arg("known_hosts");
    let url = ssh_url(&server, "admin:pw@");
    // Without a known host key, SSH refuses and says how to proceed.
    let out = run(&[
        "-i",
        "--known-hosts",
        &known_hosts,
        "-e",
        "show running-config",
        &url,
    ])
    .await;
    assert_failed_saying(&out, "--accept-new");

    // --accept-new records the key (one line) and runs; the device is
    // detected as IOS and `enable`d with the secret (show running-config
    // needs privilege 15).
    let out = run(&[
        "-i",
        "--accept-new",
        "--known-hosts",
        &known_hosts,
        "--enable-password",
        "en-secret",
        "-e",
        "show running-config",
        &url,
    ])
    .await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("127.0.0.1:hostname core1"), "{stdout}");
    assert!(
        stdout.contains("127.0.0.1:interface GigabitEthernet0/0"),
        "{stdout}"
    );
    let recorded = std::fs::read_to_string(&known_hosts).unwrap();
    assert_eq!(recorded.lines().count(), 1, "{recorded}");
    assert!(
        text(&out.stderr).contains("1 host ok in "),
        "{}",
        text(&out.stderr)
    );

    // Now known: the default strict checking accepts it.
    let out = run(&[
        "-i",
        "--known-hosts",
        &known_hosts,
        "--enable-password",
        "en-secret",
        "-e",
        "show privilege",
        &url,
    ])
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Current privilege level is 15"));
    server.shutdown().await;
}

/// The acceptance command, exactly: no flag but -i and -e, the
/// router's key in ~/.ssh/known_hosts, its enable secret the login
/// password (the default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_acceptance_command_needs_no_flag_beyond_i_and_e() {
    let scratch = Scratch::new("home");
    let device = ios::device("core2")
        .with_credentials("user", "pw")
        .with_enable_password("pw")
        .without_banner();
    let server = SshServer::bind("127.0.0.1:0", device, SshServerConfig::default())
        .await
        .unwrap();
    std::fs::create_dir_all(scratch.path(".ssh")).unwrap();
    std::fs::write(
        scratch.path(".ssh").join("known_hosts"),
        format!("{}\n", server.known_hosts_line()),
    )
    .unwrap();
    let url = ssh_url(&server, "user:pw@");
    let out = run_with_home(&["-i", "-e", "show running-config", &url], Some(&scratch.0)).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("127.0.0.1:hostname core2"), "{stdout}");
    assert!(text(&out.stderr).contains("1 host ok in "));
    server.shutdown().await;
}

// ----- host keys ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_auto_verify_accepts_a_changed_key_loudly() {
    let scratch = Scratch::new("autoverify");
    let server = ios_over_ssh("r1", SshServerConfig::default()).await;
    let known_hosts = scratch.path("known_hosts");
    // A wrong key recorded for the server.
    let other = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap();
    std::fs::write(
        &known_hosts,
        format!(
            "[127.0.0.1]:{} {}\n",
            server.port(),
            other.public_key().to_openssh().unwrap()
        ),
    )
    .unwrap();
    let kh = known_hosts.display().to_string();
    let url = ssh_url(&server, "admin:pw@");
    let out = run(&[
        "-i",
        "--known-hosts",
        &kh,
        "--no-authorize",
        "-e",
        "show clock",
        &url,
    ])
    .await;
    assert_failed_saying(&out, "HOST KEY MISMATCH");
    let out = run(&[
        "-i",
        "--known-hosts",
        &kh,
        "--ssh-auto-verify",
        "--no-authorize",
        "-e",
        "show clock",
        &url,
    ])
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("host keys are NOT checked"), "{stderr}");
    // No colour codes: stderr is not a terminal.
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_new_records_hosts_connected_at_once() {
    let scratch = Scratch::new("acceptnew");
    let kh = scratch.arg("known_hosts");
    let mut servers = Vec::new();
    for name in ["a1", "a2", "a3"] {
        servers.push(ios_over_ssh(name, SshServerConfig::default()).await);
    }
    let urls: Vec<String> = servers.iter().map(|s| ssh_url(s, "admin:pw@")).collect();
    let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
    let flags = ["-i", "-c", "3", "--known-hosts", &kh, "--no-authorize"];
    let out = run(&[&flags[..], &["--accept-new", "-e", "show clock"], &urls].concat()).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    // One whole line per host, whatever the order of the appends.
    let recorded = std::fs::read_to_string(&kh).unwrap();
    assert_eq!(recorded.lines().count(), 3, "{recorded}");
    for server in &servers {
        let entry = format!("[127.0.0.1]:{} ssh-", server.port());
        assert_eq!(
            recorded.lines().filter(|l| l.starts_with(&entry)).count(),
            1,
            "{recorded}"
        );
    }
    // Strict checking (the default) accepts all three now.
    let out = run(&[&flags[..], &["-e", "show clock"], &urls].concat()).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("3 hosts ok"));
    for server in servers {
        server.shutdown().await;
    }
}

// ----- keys, ssh_config, gateways ---------------------------------------------------------

fn key_file(scratch: &Scratch, name: &str) -> (PrivateKey, String) {
    let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap();
    let path = scratch.path(name);
    std::fs::write(&path, key.to_openssh(LineEnding::LF).unwrap().as_bytes()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    (key, path.display().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_keys_ssh_config_and_jump_hosts() {
    let scratch = Scratch::new("keys");
    let (unused, unused_path) = key_file(&scratch, "id_unused");
    drop(unused);
    let (key, key_path) = key_file(&scratch, "id_router");
    let key_only = SshServerConfig {
        authorized_keys: vec![key.public_key().clone()],
        password_auth: false,
        keyboard_interactive: false,
        ..SshServerConfig::default()
    };
    let router = ios_over_ssh("edge9", key_only.clone()).await;
    let gateway = SshServer::bind(
        "127.0.0.1:0",
        ios::device("gw").with_credentials("jump", "jump-pw"),
        SshServerConfig {
            direct_tcpip: true,
            ..SshServerConfig::default()
        },
    )
    .await
    .unwrap();
    let kh = scratch.arg("known_hosts");

    // --ssh-key, repeated: the second key is the one the router knows.
    let out = run(&[
        "-i",
        "--accept-new",
        "--known-hosts",
        &kh,
        "--ssh-key",
        &unused_path,
        "--ssh-key",
        &key_path,
        "--no-authorize",
        "-e",
        "show clock",
        &format!("ssh://admin@127.0.0.1:{}", router.port()),
    ])
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    // --jump: through the gateway (it relays to the router).
    let out = run(&[
        "-i",
        "--accept-new",
        "--known-hosts",
        &kh,
        "--ssh-key",
        &key_path,
        "--jump",
        &format!("ssh://jump:jump-pw@127.0.0.1:{}", gateway.port()),
        "--no-authorize",
        "-e",
        "show clock",
        &format!("ssh://admin@127.0.0.1:{}", router.port()),
    ])
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        gateway.connections_accepted(),
        1,
        "the job went through the gateway"
    );

    // --ssh-config: an alias with HostName, Port, User, IdentityFile and
    // ProxyJump through the gateway (its password in the jump URL of the
    // file would be refused by OpenSSH syntax: the gateway takes a key too).
    let (gw_key, gw_key_path) = key_file(&scratch, "id_gw");
    let gateway_by_key = SshServer::bind(
        "127.0.0.1:0",
        ios::device("gw2").with_credentials("jump", "jump-pw"),
        SshServerConfig {
            direct_tcpip: true,
            authorized_keys: vec![gw_key.public_key().clone()],
            ..SshServerConfig::default()
        },
    )
    .await
    .unwrap();
    let config = scratch.path("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host lab-edge\n  HostName 127.0.0.1\n  Port {}\n  User admin\n  IdentityFile {key_path}\n  ProxyJump bastion\n\
             Host bastion\n  HostName 127.0.0.1\n  Port {}\n  User jump\n  IdentityFile {gw_key_path}\n",
            router.port(),
            gateway_by_key.port()
        ),
    )
    .unwrap();
    let out = run(&[
        "-i",
        "--accept-new",
        "--known-hosts",
        &kh,
        "--ssh-config",
        &config.display().to_string(),
        "--no-authorize",
        "-e",
        "show clock",
        "ssh://admin:unused@lab-edge",
    ])
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .lines()
            .all(|l| l.starts_with("lab-edge:"))
    );
    assert_eq!(gateway_by_key.connections_accepted(), 1);
    for server in [router, gateway, gateway_by_key] {
        server.shutdown().await;
    }
}

// ----- enable secrets and login modes -----------------------------------------------------

async fn ios_over_telnet(name: &str) -> TelnetServer {
    let device = ios::device(name)
        .with_credentials("admin", "pw")
        .with_enable_password("en-secret");
    TelnetServer::bind("127.0.0.1:0", device).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enable_secrets_no_authorize_and_no_authentication() {
    let server = ios_over_telnet("r1").await;
    let url = format!("telnet://admin:pw@127.0.0.1:{}", server.port());
    let out = run(&[
        "-i",
        "--enable-password",
        "en-secret",
        "-e",
        "show privilege",
        &url,
    ])
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("level is 15"));

    // A wrong secret: the device's words, a failed host, exit status 1.
    let out = run(&[
        "-i",
        "--enable-password",
        "nope",
        "-e",
        "show privilege",
        &url,
    ])
    .await;
    assert_failed_saying(&out, "authorization failed");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("% Access denied"), "{stderr}");
    assert!(!stderr.contains("nope"), "the secret leaked: {stderr}");
    assert!(stderr.trim_end().ends_with(")"), "summary last: {stderr}");

    // --no-authorize: logged in, not enabled.
    let out = run(&["-i", "--no-authorize", "-e", "show privilege", &url]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("level is 1"), "{stdout}");
    assert!(!stdout.contains("level is 15"), "enabled anyway: {stdout}");

    // -A without a terminal to ask on: a clear error.
    let out = run(&["-A", "-e", "show privilege", &url]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no terminal"),
        "{}",
        text(&out.stderr)
    );
    server.shutdown().await;

    // -n: a device without login, no credentials at all.
    let open = VirtualDevice::new("open1")
        .with_login_type(LoginType::None)
        .with_command("status", "all good", true)
        .unwrap();
    let server = TelnetServer::bind("127.0.0.1:0", open).await.unwrap();
    let url = format!("telnet://127.0.0.1:{}", server.port());
    let out = run(&["-i", "-n", "--driver", "generic", "-e", "status", &url]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "127.0.0.1:all good\n");
    assert!(!text(&out.stderr).contains("WARN"), "{}", text(&out.stderr));
    // Without --driver nothing is detected (no login): said, not hidden.
    let out = run(&["-i", "-n", "-e", "status", &url]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "127.0.0.1:all good\n");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no platform detection") && stderr.contains("--driver"),
        "{stderr}"
    );
    server.shutdown().await;
}

/// -A on a terminal: the secret is asked once, without echo, and used.
/// The terminal is a pseudo-terminal made by script(1) (bsdutils, part of
/// every Debian and Ubuntu system).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_enable_password_on_a_terminal() {
    use tokio::io::AsyncWriteExt;
    let server = ios_over_telnet("r1").await;
    let url = format!("telnet://admin:pw@127.0.0.1:{}", server.port());
    let command = format!(
        "{} -A -e 'show privilege' {url}",
        env!("CARGO_BIN_EXE_oxscript")
    );
    let mut child = tokio::process::Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script(1) from bsdutils runs the CLI on a terminal");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"en-secret\n").await.unwrap();
    let out = child.wait_with_output().await.unwrap();
    drop(stdin);
    let shown = text(&out.stdout);
    assert!(out.status.success(), "{shown}{}", text(&out.stderr));
    assert!(shown.contains("Enable password"), "asked: {shown}");
    assert!(shown.contains("level is 15"), "{shown}");
    server.shutdown().await;
}

// ----- hosts sharing an address and port, logs --------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_on_one_address_and_port_keep_their_own_logs_and_prefixes() {
    let scratch = Scratch::new("logs");
    let server = ios_over_telnet("r1").await;
    let port = server.port();
    let logdir = scratch.arg("logs");
    let named = |name: &str| format!("telnet://admin:pw@127.0.0.1:{port}?name={name}");
    let out = run(&[
        "-i",
        "--no-authorize",
        "-l",
        &logdir,
        "-e",
        "show clock",
        &named("east"),
        &named("west"),
        &format!("telnet://admin:pw@127.0.0.1:{port}"),
        &format!("telnet://admin:pw@127.0.0.1:{port}"),
    ])
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let labels = [
        "east",
        "west",
        &format!("127.0.0.1:{port}#1"),
        &format!("127.0.0.1:{port}#2"),
    ];
    for label in labels {
        assert!(
            stdout.lines().any(|l| l.starts_with(&format!("{label}:"))),
            "{label}: {stdout}"
        );
        // Log file names keep letters, digits, `.`, `-`, `_`.
        let stem = label.replace([':', '#'], "_");
        let log =
            std::fs::read_to_string(scratch.path("logs").join(format!("{stem}.log"))).unwrap();
        assert_eq!(log.matches("show clock").count(), 1, "{label}: {log}");
    }
    assert!(text(&out.stderr).contains("4 hosts ok"));

    // Logs are appended to; --overwrite-logs starts them again.
    let again = ["-i", "--no-authorize", "-l", &logdir, "-e", "show clock"];
    let out = run(&[&again[..], &[named("east").as_str()]].concat()).await;
    assert!(out.status.success());
    let east = scratch.path("logs").join("east.log");
    assert_eq!(
        std::fs::read_to_string(&east)
            .unwrap()
            .matches("show clock")
            .count(),
        2
    );
    let out = run(&[&again[..], &["--overwrite-logs", named("east").as_str()]].concat()).await;
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(&east)
            .unwrap()
            .matches("show clock")
            .count(),
        1
    );

    // --delete-logs keeps only the logs of failures.
    let out = run(&[
        "-i",
        "--no-authorize",
        "-l",
        &logdir,
        "--delete-logs",
        "--overwrite-logs",
        "-e",
        "show clock; show nonsense",
        &named("east"),
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(east.exists(), "the failed host's log is kept");
    let out = run(&[
        "-i",
        "--no-authorize",
        "-l",
        &logdir,
        "--delete-logs",
        "-e",
        "show clock",
        &named("west"),
    ])
    .await;
    assert!(out.status.success());
    assert!(
        !scratch.path("logs").join("west.log").exists(),
        "a success's log is removed"
    );
    server.shutdown().await;
}

// ----- JSON reports, TextFSM, drivers from files ------------------------------------------

/// Checks `value` against `schema`, for the keywords the report schema
/// uses: type (one or a list), required, properties,
/// additionalProperties (false), items, minimum.
fn check_schema(value: &Value, schema: &Value, at: &str) -> Result<(), String> {
    if let Some(kind) = schema.get("type") {
        let kinds: Vec<&str> = match kind {
            Value::String(k) => vec![k.as_str()],
            Value::Array(ks) => ks.iter().filter_map(Value::as_str).collect(),
            _ => return Err(format!("{at}: bad schema type")),
        };
        let fits = kinds.iter().any(|k| match *k {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_u64() || value.is_i64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        });
        if !fits {
            return Err(format!("{at}: {value} is not of type {kinds:?}"));
        }
    }
    if let (Some(min), Some(n)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) && n < min
    {
        return Err(format!("{at}: {n} < {min}"));
    }
    if let Some(object) = value.as_object() {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = name.as_str().unwrap();
            if !object.contains_key(name) {
                return Err(format!("{at}: `{name}` is missing"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, field) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(sub) => check_schema(field, sub, &format!("{at}.{name}"))?,
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    return Err(format!("{at}: unexpected `{name}`"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, item) in list.iter().enumerate() {
            check_schema(item, items, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/host-report.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn textfsm_dir() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/textfsm")
        .display()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_reports_follow_the_schema_with_textfsm_records() {
    let scratch = Scratch::new("json");
    let good = ios_over_telnet("r1").await;
    let bad = ios_over_telnet("r2").await;
    // Drivers from a CSV hosts file: r1 as ios, r2 with a driver name
    // that does not exist (the error kind and message say so).
    let csv = scratch.path("hosts.csv");
    std::fs::write(
        &csv,
        format!(
            "address\tdriver\ntelnet://admin:pw@127.0.0.1:{}?name=r1\tios\ntelnet://admin:pw@127.0.0.1:{}?name=r2\tbogus\n",
            good.port(),
            bad.port()
        ),
    )
    .unwrap();
    let out = run(&[
        "-i",
        "--timeout",
        "5",
        "--enable-password",
        "en-secret",
        "--csv-hosts",
        &csv.display().to_string(),
        "--json",
        "--parse",
        &textfsm_dir(),
        "-e",
        "show ip interface brief; show clock",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let reports: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 2, "one object per host: {stdout}");
    let schema = schema();
    for report in &reports {
        check_schema(report, &schema, "$").unwrap_or_else(|e| panic!("{e}\n{report:#}"));
    }
    let r1 = &reports[0];
    assert_eq!(
        (r1["name"].as_str(), r1["ok"].as_bool()),
        (Some("r1"), Some(true))
    );
    assert_eq!(r1["driver"], "ios");
    assert!(r1["error"].is_null());
    let brief = &r1["commands"][0];
    assert_eq!(brief["command"], "show ip interface brief");
    assert_eq!(brief["records"][1]["interface"], "GigabitEthernet0/1");
    assert_eq!(brief["records"][4]["ip_address"], "10.255.255.1");
    // No template for show clock: said, not hidden.
    assert!(r1["commands"][1]["records"].is_null());
    assert!(
        r1["commands"][1]["parse_error"]
            .as_str()
            .unwrap()
            .contains("no TextFSM template")
    );
    let r2 = &reports[1];
    assert_eq!(r2["ok"], false);
    assert_eq!(r2["error"]["kind"], "UnknownDriver", "{r2:#}");
    assert!(r2["error"]["message"].as_str().unwrap().contains("bogus"));
    assert!(text(&out.stderr).contains("1 of 2 hosts failed"));
    good.shutdown().await;
    bad.shutdown().await;
}

// ----- exit statuses, verbosity, --sleep ---------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_exit_fails_a_shell_host_on_a_non_zero_status() {
    let server = TelnetServer::bind(
        "127.0.0.1:0",
        shell::device("web1").with_credentials("alice", "pw"),
    )
    .await
    .unwrap();
    let url = format!("telnet://alice:pw@127.0.0.1:{}", server.port());
    let script = "echo one; false; echo two";
    let out = run(&["-i", "-e", script, &url]).await;
    assert!(
        out.status.success(),
        "without --check-exit statuses are not looked at"
    );
    assert!(text(&out.stdout).contains(":two"));
    let out = run(&["-i", "--check-exit", "-e", script, &url]).await;
    assert_failed_saying(
        &out,
        "command `false` on 127.0.0.1 failed with exit status 1",
    );
    assert!(
        !text(&out.stdout).contains(":two"),
        "the host stopped at `false`"
    );
    assert!(text(&out.stdout).contains(":one"));
    // Not a shell: refused, not ignored.
    server.shutdown().await;
    let router = ios_over_telnet("r1").await;
    let url = format!("telnet://admin:pw@127.0.0.1:{}", router.port());
    let out = run(&[
        "-i",
        "--no-authorize",
        "--check-exit",
        "-e",
        "show clock",
        &url,
    ])
    .await;
    assert_failed_saying(&out, "--check-exit needs the shell driver");
    router.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbosity_levels_and_sleep() {
    let server = ios_over_telnet("r1").await;
    let url = format!("telnet://admin:pw@127.0.0.1:{}", server.port());
    let out = run(&["-i", "--no-authorize", "-e", "show clock", &url]).await;
    let quiet = text(&out.stderr);
    assert!(!quiet.contains("logged in"), "{quiet}");
    let out = run(&[
        "-i",
        "-v",
        "--sleep",
        "0.1s",
        "--no-authorize",
        "-e",
        "show clock",
        &url,
    ])
    .await;
    assert!(out.status.success());
    let info = text(&out.stderr);
    assert!(
        info.contains("connected") && info.contains("logged in"),
        "{info}"
    );
    assert!(info.contains("--sleep"), "{info}");
    assert!(
        !info.contains("command="),
        "-v does not show the conversation: {info}"
    );
    let out = run(&["-i", "-vv", "--no-authorize", "-e", "show clock", &url]).await;
    let debug = text(&out.stderr);
    assert!(debug.contains("command=\"show clock\""), "{debug}");
    assert!(!debug.contains('\u{1b}'), "no colour without a terminal");
    server.shutdown().await;

    // -vvv: everything, pager answers included (a device paging after 5
    // lines, terminal setup skipped so the pager stays on).
    let paging = ios::device("r2")
        .with_credentials("admin", "pw")
        .with_paging(5);
    let server = TelnetServer::bind("127.0.0.1:0", paging).await.unwrap();
    let url = format!("telnet://admin:pw@127.0.0.1:{}", server.port());
    let args = ["-i", "--no-init", "--no-authorize", "-e", "show version"];
    let out = run(&[&["-vv"][..], &args, &[url.as_str()]].concat()).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("answering pager"));
    let out = run(&[&["-vvv"][..], &args, &[url.as_str()]].concat()).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let trace = text(&out.stderr);
    assert!(
        trace.contains("TRACE") && trace.contains("answering pager"),
        "{trace}"
    );
    server.shutdown().await;
}
