//! The SSH server over real TCP on loopback, driven by oxscript's own SSH
//! client (`SshConnection`, `Session`) with strict host-key checking.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{DEADLINE, read_to_end, read_until, wait_for};
use oxscript_core::{Account, Host, PrivateKeyFile};
use oxscript_emulator::{
    DEFAULT_SERVER_ID, Handler, LoginType, SshServer, SshServerConfig, VirtualDevice, ios,
};
use oxscript_transport::ssh::{
    AlgorithmProfile, AuthMethod, HostKeyPolicy, SshConnection, SshOptions,
};
use oxscript_transport::{Error, Session, SessionOptions};
use russh::client;
use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, PrivateKey, PublicKey, PublicKeyOrCertificate};
use russh::{ChannelId, ChannelMsg, ChannelOpenFailure};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A scratch directory, removed when dropped.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "oxscript-ssh-server-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// A known_hosts file trusting `servers`.
    fn known_hosts(&self, servers: &[&SshServer]) -> PathBuf {
        let path = self.path("known_hosts");
        let text: String = servers
            .iter()
            .map(|s| format!("{}\n", s.known_hosts_line()))
            .collect();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Writes `key` in OpenSSH format; returns its path.
    fn key_file(&self, name: &str, key: &PrivateKey) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, key.to_openssh(LineEnding::LF).unwrap().as_bytes()).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Strict host-key checking against `known_hosts`; nothing from the
/// environment (agent, ~/.ssh keys).
fn ssh_options(known_hosts: &Path) -> SshOptions {
    SshOptions {
        host_key_policy: HostKeyPolicy::Strict,
        known_hosts: Some(known_hosts.to_owned()),
        use_agent: false,
        default_identities: false,
        ..SshOptions::default()
    }
}

fn session_options(known_hosts: &Path, driver: &str) -> SessionOptions {
    SessionOptions {
        driver: Some(driver.to_owned()),
        connect_timeout: DEADLINE,
        timeout: DEADLINE,
        ssh: ssh_options(known_hosts),
        ..SessionOptions::default()
    }
}

fn host(server: &SshServer, user: &str, password: &str) -> Host {
    Host::new(&format!(
        "ssh://{user}:{password}@127.0.0.1:{}",
        server.port()
    ))
    .unwrap()
}

async fn bind(device: VirtualDevice, config: SshServerConfig) -> SshServer {
    SshServer::bind("127.0.0.1:0", device, config)
        .await
        .unwrap()
}

/// A server for `device` on loopback, a scratch directory whose
/// known_hosts file trusts it, and strict SSH options using that file.
async fn trusted(
    device: VirtualDevice,
    config: SshServerConfig,
) -> (SshServer, Scratch, SshOptions) {
    let server = bind(device, config).await;
    let scratch = Scratch::new();
    let options = ssh_options(&scratch.known_hosts(&[&server]));
    (server, scratch, options)
}

async fn connect(host: &Host, options: &SshOptions) -> Result<SshConnection, Error> {
    SshConnection::connect_authenticated(host, options, DEADLINE).await
}

/// What `Session::execute(command)` returns for `device` when a local
/// session logged in as `user` (after `setup` lines) runs it: the output
/// without echo and prompt, `\n` line endings, no trailing blank space.
fn expected_text(device: &VirtualDevice, user: &str, setup: &[&str], command: &str) -> String {
    let mut s = device.session();
    s.start_authenticated(Some(user));
    for line in setup {
        s.feed(format!("{line}\r").as_bytes());
    }
    let out = s.feed(format!("{command}\r").as_bytes()).text;
    let body = out
        .strip_prefix(&format!("{command}\r\n"))
        .unwrap()
        .strip_suffix(s.context().prompt())
        .unwrap();
    body.replace("\r\n", "\n").trim_end().to_owned()
}

fn ed25519() -> PrivateKey {
    PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap()
}

/// A bare russh client: sees what oxscript's client does not surface
/// (channel request replies, the descriptions of channel refusals).
struct RawClient {
    handle: client::Handle<RawHandler>,
    failures: Arc<Mutex<Vec<String>>>,
}

struct RawHandler {
    host_key: PublicKey,
    failures: Arc<Mutex<Vec<String>>>,
}

impl client::Handler for RawHandler {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(matches!(key, PublicKeyOrCertificate::PublicKey { key, .. } if *key == self.host_key))
    }

    async fn channel_open_failure(
        &mut self,
        _channel: ChannelId,
        _reason: ChannelOpenFailure,
        description: &str,
        _language: &str,
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        self.failures.lock().unwrap().push(description.to_owned());
        Ok(())
    }
}

impl RawClient {
    /// Connects and authenticates with a password.
    async fn connect(server: &SshServer, user: &str, password: &str) -> RawClient {
        let failures = Arc::new(Mutex::new(Vec::new()));
        let handler = RawHandler {
            host_key: server.host_key().clone(),
            failures: Arc::clone(&failures),
        };
        let config = Arc::new(client::Config::default());
        let mut handle = tokio::time::timeout(
            DEADLINE,
            client::connect(config, server.local_addr(), handler),
        )
        .await
        .unwrap()
        .unwrap();
        let auth = handle.authenticate_password(user, password).await.unwrap();
        assert!(auth.success());
        RawClient { handle, failures }
    }

    /// The description of the next channel refusal (russh reports the
    /// refusal to the caller before the handler sees its description).
    async fn failure(&self) -> String {
        wait_for("a channel refusal", || {
            !self.failures.lock().unwrap().is_empty()
        })
        .await;
        self.failures.lock().unwrap().remove(0)
    }

    async fn close(self) {
        let _ = self
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
    }
}

// ----- authentication ------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_auth_accepts_the_device_credentials_only() {
    let config = SshServerConfig {
        keyboard_interactive: false,
        ..SshServerConfig::default()
    };
    let (server, _scratch, options) =
        trusted(ios::device("R1").with_credentials("admin", "cisco"), config).await;

    let ssh = connect(&host(&server, "admin", "cisco"), &options)
        .await
        .unwrap();
    assert!(ssh.is_authenticated());
    assert_eq!(ssh.user().as_deref(), Some("admin"));
    assert_eq!(
        ssh.host_key_fingerprint(),
        Some(server.host_key_fingerprint())
    );
    ssh.close().await;

    let started = Instant::now();
    let err = connect(&host(&server, "admin", "wrong-pw"), &options)
        .await
        .unwrap_err();
    match &err {
        Error::SshAuthFailed {
            user,
            tried,
            offered,
            ..
        } => {
            assert_eq!(user, "admin");
            assert_eq!(tried, &["password"]);
            assert_eq!(offered, &["password"]);
        }
        other => panic!("expected SshAuthFailed, got {other:?}"),
    }
    assert!(!err.to_string().contains("wrong-pw"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "rejections are quick"
    );
    // A user the device does not know is refused too.
    assert!(matches!(
        connect(&host(&server, "nobody", "cisco"), &options).await,
        Err(Error::SshAuthFailed { .. })
    ));
    assert_eq!(server.connections_accepted(), 3);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_without_credentials_accepts_any_password() {
    let (server, _scratch, options) = trusted(ios::device("R1"), SshServerConfig::default()).await;
    let ssh = connect(&host(&server, "anyone", "anything"), &options)
        .await
        .unwrap();
    assert_eq!(ssh.user().as_deref(), Some("anyone"));
    ssh.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_interactive_asks_for_the_password() {
    let config = SshServerConfig {
        password_auth: false,
        ..SshServerConfig::default()
    };
    let (server, _scratch, options) =
        trusted(ios::device("R1").with_credentials("admin", "cisco"), config).await;

    let ssh = connect(&host(&server, "admin", "cisco"), &options)
        .await
        .unwrap();
    assert!(ssh.is_authenticated());
    ssh.close().await;

    match connect(&host(&server, "admin", "nope"), &options).await {
        Err(Error::SshAuthFailed { tried, offered, .. }) => {
            assert_eq!(tried, ["keyboard-interactive"]);
            assert_eq!(offered, ["keyboard-interactive"]);
        }
        other => panic!("expected SshAuthFailed, got {other:?}"),
    }
    // Password authentication is not offered: a client insisting on it fails.
    let password_only = SshOptions {
        auth_methods: Some(vec![AuthMethod::Password]),
        ..options.clone()
    };
    assert!(matches!(
        connect(&host(&server, "admin", "cisco"), &password_only).await,
        Err(Error::SshAuthFailed { .. })
    ));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_key_auth_with_an_openssh_key_file() {
    let key = ed25519();
    let config = SshServerConfig {
        authorized_keys: vec![key.public_key().clone()],
        password_auth: false,
        keyboard_interactive: false,
        ..SshServerConfig::default()
    };
    let (server, scratch, options) =
        trusted(ios::device("R1").with_credentials("admin", "cisco"), config).await;
    let key_path = scratch.key_file("id_ed25519", &key);
    let other_path = scratch.key_file("id_other", &ed25519());

    let with_key = |user: &str, path: &Path| {
        let mut host = Host::new(&format!("ssh://{user}@127.0.0.1:{}", server.port())).unwrap();
        host.set_account(Some(
            Account::builder(user)
                .key(PrivateKeyFile::new(path))
                .build(),
        ));
        host
    };

    let ssh = connect(&with_key("admin", &key_path), &options)
        .await
        .unwrap();
    assert!(ssh.is_authenticated());
    let out = ssh.run("show privilege").await.unwrap();
    assert_eq!(out.stdout_text(), "Current privilege level is 1\r\n");
    ssh.close().await;

    // A key that is not authorized, or a user the device does not know.
    match connect(&with_key("admin", &other_path), &options).await {
        Err(Error::SshAuthFailed { tried, offered, .. }) => {
            assert_eq!(tried, [format!("publickey ({})", other_path.display())]);
            assert_eq!(offered, ["publickey"]);
        }
        other => panic!("expected SshAuthFailed, got {other:?}"),
    }
    assert!(matches!(
        connect(&with_key("mallory", &key_path), &options).await,
        Err(Error::SshAuthFailed { .. })
    ));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_host_key_is_refused_by_a_strict_client() {
    let server = bind(ios::device("R1"), SshServerConfig::default()).await;
    let other = bind(ios::device("R2"), SshServerConfig::default()).await;
    let scratch = Scratch::new();
    // The file trusts the other server only.
    let options = ssh_options(&scratch.known_hosts(&[&other]));
    match connect(&host(&server, "a", "b"), &options).await {
        Err(Error::HostKeyUnknown { fingerprint, .. }) => {
            assert_eq!(fingerprint, server.host_key_fingerprint());
        }
        other => panic!("expected HostKeyUnknown, got {other:?}"),
    }
    server.shutdown().await;
    other.shutdown().await;
}

// ----- shells ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_logs_in_without_a_device_dialog_and_executes() {
    let device = ios::device("R1").with_credentials("admin", "cisco");
    let server = bind(device.clone(), SshServerConfig::default()).await;
    let scratch = Scratch::new();
    let options = session_options(&scratch.known_hosts(&[&server]), "ios");

    let mut session = Session::connect_with(&host(&server, "admin", "cisco"), options)
        .await
        .unwrap();
    assert_eq!(
        session
            .ssh()
            .and_then(|ssh| ssh.server_version())
            .as_deref(),
        Some(DEFAULT_SERVER_ID)
    );
    session.login(None).await.unwrap();
    assert!(session.auth().protocol);
    assert!(session.auth().app_authenticated);
    // No enable password: `enable` (sent by login) succeeds at once.
    assert_eq!(session.prompt(), Some("R1#"));

    let version = session.execute("show version").await.unwrap();
    assert_eq!(
        version.text(),
        expected_text(&device, "admin", &["enable"], "show version")
    );
    assert!(version.text().starts_with("Cisco IOS Software"));
    let brief = session.execute("sh ip int br").await.unwrap();
    assert_eq!(
        brief.text(),
        expected_text(&device, "admin", &["enable"], "sh ip int br")
    );
    match session.execute("show bogus").await {
        Err(Error::InvalidCommand { line, .. }) => {
            assert_eq!(line, "% Invalid input detected at '^' marker.");
        }
        other => panic!("expected InvalidCommand, got {other:?}"),
    }
    assert_eq!(server.active_connections(), 1);
    session.logout().await.unwrap();
    wait_for("the connection to end", || server.active_connections() == 0).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_login_runs_the_device_dialog_after_ssh_auth() {
    let device = ios::device("R1")
        .with_credentials("admin", "cisco")
        .with_enable_password("en");
    let config = SshServerConfig {
        app_login: true,
        ..SshServerConfig::default()
    };
    let server = bind(device, config).await;
    let scratch = Scratch::new();
    let mut h = host(&server, "admin", "cisco");
    h.set_account(Some(
        Account::builder("admin")
            .password("cisco")
            .authorization_password("en")
            .build(),
    ));
    let mut session =
        Session::connect_with(&h, session_options(&scratch.known_hosts(&[&server]), "ios"))
            .await
            .unwrap();
    session.login(None).await.unwrap();
    assert!(session.auth().app_authenticated);
    assert!(session.auth().app_authorized);
    assert_eq!(session.prompt(), Some("R1#"));
    let privilege = session.execute("show privilege").await.unwrap();
    assert_eq!(privilege.text(), "Current privilege level is 15");
    session.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_shells_are_independent_sessions_on_one_connection() {
    let device = ios::device("R1").with_credentials("admin", "cisco");
    let (server, _scratch, options) = trusted(device, SshServerConfig::default()).await;
    let ssh = connect(&host(&server, "admin", "cisco"), &options)
        .await
        .unwrap();

    let mut one = ssh.open_shell("vt100", 132, 40).await.unwrap();
    let mut two = ssh.open_shell("xterm", 80, 24).await.unwrap();
    let (mut b1, mut b2) = (String::new(), String::new());
    // Logged in already: the banner, then the prompt; no Username:.
    assert_eq!(
        read_until(&mut one, &mut b1, "R1>").await,
        "\r\n\r\nUser Access Verification\r\n\r\nR1>"
    );
    read_until(&mut two, &mut b2, "R1>").await;

    one.write_all(b"enable\r").await.unwrap();
    assert_eq!(read_until(&mut one, &mut b1, "R1#").await, "enable\r\nR1#");
    two.write_all(b"show privilege\r").await.unwrap();
    assert_eq!(
        read_until(&mut two, &mut b2, "R1>").await,
        "show privilege\r\nCurrent privilege level is 1\r\nR1>"
    );

    // `exit` ends the first shell's channel; the second one goes on.
    one.write_all(b"exit\r").await.unwrap();
    assert_eq!(read_to_end(&mut one).await, "exit\r\n");
    two.write_all(b"show privilege\r").await.unwrap();
    assert!(
        read_until(&mut two, &mut b2, "R1>")
            .await
            .contains("level is 1")
    );
    assert!(b1.is_empty() && b2.is_empty());
    assert_eq!(server.connections_accepted(), 1);
    ssh.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_is_visible_to_the_device() {
    let device = VirtualDevice::new("h")
        .with_login_type(LoginType::None)
        .with_command(
            "tty",
            Handler::func(|ctx, _| {
                format!(
                    "{} {}x{}",
                    ctx.var("TERM").unwrap_or("-"),
                    ctx.var("COLUMNS").unwrap_or("-"),
                    ctx.var("LINES").unwrap_or("-")
                )
            }),
            true,
        )
        .unwrap();
    let (server, _scratch, options) = trusted(device, SshServerConfig::default()).await;
    let ssh = connect(&host(&server, "u", "p"), &options).await.unwrap();
    let mut shell = ssh.open_shell("vt220", 200, 50).await.unwrap();
    let mut buf = String::new();
    read_until(&mut shell, &mut buf, "h> ").await;
    shell.write_all(b"tty\r").await.unwrap();
    assert_eq!(
        read_until(&mut shell, &mut buf, "h> ").await,
        "tty\r\nvt220 200x50\r\nh> "
    );
    ssh.close().await;
    server.shutdown().await;
}

// ----- exec ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_returns_output_and_exit_status() {
    let (server, _scratch, options) = trusted(
        ios::device("R1").with_credentials("admin", "cisco"),
        SshServerConfig::default(),
    )
    .await;
    let ssh = connect(&host(&server, "admin", "cisco"), &options)
        .await
        .unwrap();

    let clock = ssh.run("show clock").await.unwrap();
    assert_eq!(clock.exit_status, Some(0));
    let text = clock.stdout_text();
    assert!(text.starts_with('*') && text.contains(" UTC "), "{text:?}");
    assert!(
        text.ends_with("\r\n") && text.matches('\n').count() == 1,
        "{text:?}"
    );
    assert!(clock.stderr.is_empty());

    let ping = ssh.run("ping 10.0.12.2").await.unwrap();
    assert_eq!(
        ping.stdout_text(),
        "Type escape sequence to abort.\r\n\
         Sending 5, 100-byte ICMP Echos to 10.0.12.2, timeout is 2 seconds:\r\n\
         !!!!!\r\n\
         Success rate is 100 percent (5/5), round-trip min/avg/max = 1/1/2 ms\r\n"
    );
    assert!(ping.success());

    let bad = ssh.run("show bogus").await.unwrap();
    assert_eq!(bad.exit_status, Some(1));
    assert!(
        bad.stdout_text()
            .contains("% Invalid input detected at '^' marker."),
        "{:?}",
        bad.stdout_text()
    );
    // The exec channels left the connection usable.
    assert_eq!(
        ssh.run("show privilege").await.unwrap().exit_status,
        Some(0)
    );
    ssh.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_can_be_turned_off() {
    let config = SshServerConfig {
        exec: false,
        ..SshServerConfig::default()
    };
    let server = bind(ios::device("R1"), config).await;
    let raw = RawClient::connect(&server, "a", "b").await;
    let channel = raw.handle.channel_open_session().await.unwrap();
    channel.exec(true, "show clock").await.unwrap();
    let mut channel = channel;
    let reply = tokio::time::timeout(DEADLINE, channel.wait())
        .await
        .unwrap();
    assert!(
        matches!(reply, Some(ChannelMsg::Failure)),
        "expected a refusal, got {reply:?}"
    );
    // A shell still works on the same connection.
    let shell = raw.handle.channel_open_session().await.unwrap();
    shell.request_shell(true).await.unwrap();
    let mut stream = shell.into_stream();
    let mut buf = String::new();
    read_until(&mut stream, &mut buf, "R1>").await;
    drop(stream);
    raw.close().await;
    server.shutdown().await;
}

// ----- load ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_sessions_get_exact_output() {
    const CLIENTS: usize = 100;
    let device = ios::device("R1").with_credentials("admin", "cisco");
    let server = bind(device.clone(), SshServerConfig::default()).await;
    let scratch = Scratch::new();
    let known_hosts = scratch.known_hosts(&[&server]);
    let expected_brief = expected_text(&device, "admin", &["enable"], "sh ip int br");

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..CLIENTS {
        let h = host(&server, "admin", "cisco");
        let options = session_options(&known_hosts, "ios");
        let expected_brief = expected_brief.clone();
        tasks.spawn(async move {
            let mut session = Session::connect_with(&h, options).await.unwrap();
            session.login(None).await.unwrap();
            assert_eq!(session.prompt(), Some("R1#"));
            session.execute("configure terminal").await.unwrap();
            let name = format!("c{i}");
            session.execute(&format!("hostname {name}")).await.unwrap();
            assert_eq!(session.prompt(), Some(format!("{name}(config)#").as_str()));
            session.execute("end").await.unwrap();
            let brief = session.execute("sh ip int br").await.unwrap();
            assert_eq!(brief.text(), expected_brief);
            assert_eq!(brief.prompt(), format!("{name}#"));
            session.close().await.unwrap();
            i
        });
    }
    let mut done = 0;
    while let Some(res) = tokio::time::timeout(Duration::from_secs(120), tasks.join_next())
        .await
        .expect("sessions did not finish")
    {
        res.unwrap();
        done += 1;
    }
    assert_eq!(done, CLIENTS);
    assert_eq!(server.connections_accepted(), CLIENTS);
    wait_for("every connection to end", || {
        server.active_connections() == 0
    })
    .await;
    server.shutdown().await;
}

// ----- gateways --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_through_a_gateway_server() {
    let gateway_config = SshServerConfig {
        direct_tcpip: true,
        ..SshServerConfig::default()
    };
    let gateway = bind(
        VirtualDevice::new("jump").with_credentials("hop", "hop-pw"),
        gateway_config,
    )
    .await;
    let device = ios::device("R2").with_credentials("admin", "cisco");
    let target = bind(device.clone(), SshServerConfig::default()).await;
    let scratch = Scratch::new();
    let known_hosts = scratch.known_hosts(&[&gateway, &target]);

    let mut h = host(&target, "admin", "cisco");
    h.set_gateway(Some(host(&gateway, "hop", "hop-pw")));
    let mut session = Session::connect_with(&h, session_options(&known_hosts, "ios"))
        .await
        .unwrap();
    session.login(None).await.unwrap();
    let version = session.execute("show version").await.unwrap();
    assert_eq!(
        version.text(),
        expected_text(&device, "admin", &["enable"], "show version")
    );
    assert_eq!(session.ssh().unwrap().depth(), 1);
    assert_eq!(gateway.connections_accepted(), 1);
    assert_eq!(target.connections_accepted(), 1);
    // The tunnel's connection to the target comes from the gateway.
    assert_eq!(target.active_connections(), 1);
    session.close().await.unwrap();
    wait_for("both connections to end", || {
        gateway.active_connections() == 0 && target.active_connections() == 0
    })
    .await;
    gateway.shutdown().await;
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tunnels_are_refused_with_a_reason() {
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let gateway = bind(
        VirtualDevice::new("jump"),
        SshServerConfig {
            direct_tcpip: true,
            ..SshServerConfig::default()
        },
    )
    .await;
    let plain = bind(VirtualDevice::new("plain"), SshServerConfig::default()).await;

    // The refusals' codes and descriptions, as a russh client sees them.
    let raw = RawClient::connect(&gateway, "u", "p").await;
    let err = raw
        .handle
        .channel_open_direct_tcpip("127.0.0.1", u32::from(closed_port), "127.0.0.1", 0)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            russh::Error::ChannelOpenFailure(ChannelOpenFailure::ConnectFailed)
        ),
        "{err:?}"
    );
    let description = raw.failure().await;
    assert!(
        description.starts_with(&format!("cannot connect to 127.0.0.1:{closed_port}: ")),
        "{description}"
    );
    // The connection survives a refused tunnel.
    let ok = raw
        .handle
        .channel_open_direct_tcpip("127.0.0.1", u32::from(plain.port()), "127.0.0.1", 0)
        .await
        .unwrap();
    let mut tunnel = ok.into_stream();
    let mut buf = String::new();
    assert_eq!(
        read_until(&mut tunnel, &mut buf, "\r\n").await,
        format!("{DEFAULT_SERVER_ID}\r\n")
    );
    drop(tunnel);
    raw.close().await;

    let raw = RawClient::connect(&plain, "u", "p").await;
    let err = raw
        .handle
        .channel_open_direct_tcpip("127.0.0.1", u32::from(gateway.port()), "127.0.0.1", 0)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            russh::Error::ChannelOpenFailure(ChannelOpenFailure::AdministrativelyProhibited)
        ),
        "{err:?}"
    );
    let description = raw.failure().await;
    assert!(description.contains("direct_tcpip is off"), "{description}");
    raw.close().await;

    // oxscript's client reports the refusal as an SSH error naming the target.
    let scratch = Scratch::new();
    let options = ssh_options(&scratch.known_hosts(&[&gateway]));
    let ssh = connect(&host(&gateway, "u", "p"), &options).await.unwrap();
    match ssh.open_direct_tcpip("127.0.0.1", closed_port).await {
        Err(Error::Ssh { reason, .. }) => {
            assert!(
                reason.contains(&format!("cannot open a tunnel to 127.0.0.1:{closed_port}")),
                "{reason}"
            );
        }
        Err(other) => panic!("expected a refusal, got {other:?}"),
        Ok(_) => panic!("the tunnel was opened"),
    }
    ssh.close().await;
    gateway.shutdown().await;
    plain.shutdown().await;
}

// ----- algorithms and identification -------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_only_server_needs_the_legacy_profile() {
    let config = SshServerConfig {
        legacy_only: true,
        ..SshServerConfig::default()
    };
    let server = bind(ios::device("R1").with_credentials("admin", "cisco"), config).await;
    assert!(
        server
            .known_hosts_line()
            .starts_with(&format!("[127.0.0.1]:{} ssh-rsa AAAA", server.port())),
        "{}",
        server.known_hosts_line()
    );
    let scratch = Scratch::new();
    let secure = ssh_options(&scratch.known_hosts(&[&server]));
    match connect(&host(&server, "admin", "cisco"), &secure).await {
        Err(Error::NoCommonAlgorithm { theirs, .. }) => {
            assert!(theirs.contains("diffie-hellman-group14-sha1"), "{theirs}");
        }
        other => panic!("expected NoCommonAlgorithm, got {other:?}"),
    }
    let legacy = SshOptions {
        algorithms: AlgorithmProfile::Legacy,
        ..secure
    };
    let ssh = connect(&host(&server, "admin", "cisco"), &legacy)
        .await
        .unwrap();
    let out = ssh.run("show privilege").await.unwrap();
    assert_eq!(out.stdout_text(), "Current privilege level is 1\r\n");
    ssh.close().await;

    // A second legacy server shares the process's generated RSA key.
    let again = bind(
        ios::device("R9"),
        SshServerConfig {
            legacy_only: true,
            ..SshServerConfig::default()
        },
    )
    .await;
    assert_eq!(again.host_key_fingerprint(), server.host_key_fingerprint());
    again.shutdown().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_only_refuses_a_non_rsa_host_key() {
    let config = SshServerConfig {
        legacy_only: true,
        host_key: Some(ed25519()),
        ..SshServerConfig::default()
    };
    let err = SshServer::bind("127.0.0.1:0", ios::device("R1"), config)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("RSA"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_id_banner_and_fixed_host_key_are_seen_by_the_client() {
    let key = ed25519();
    let config = SshServerConfig {
        host_key: Some(key.clone()),
        server_id: Some("SSH-2.0-Cisco-1.25".into()),
        banner: Some("Authorized access only\r\n".into()),
        ..SshServerConfig::default()
    };
    let debug = format!("{config:?}");
    assert!(debug.contains("SHA256:"), "{debug}");
    let (server, scratch, options) = trusted(ios::device("R1"), config).await;
    assert_eq!(server.host_key(), key.public_key());
    let ssh = connect(&host(&server, "a", "b"), &options).await.unwrap();
    assert_eq!(ssh.server_version().as_deref(), Some("SSH-2.0-Cisco-1.25"));
    assert_eq!(ssh.banner().as_deref(), Some("Authorized access only\r\n"));
    ssh.close().await;
    server.shutdown().await;

    // Without the "SSH-2.0-" prefix, the server adds it.
    let short = bind(
        ios::device("R1"),
        SshServerConfig {
            server_id: Some("OpenSSH_9.2p1".into()),
            ..SshServerConfig::default()
        },
    )
    .await;
    let options = ssh_options(&scratch.known_hosts(&[&short]));
    let ssh = connect(&host(&short, "a", "b"), &options).await.unwrap();
    assert_eq!(
        ssh.server_version().as_deref(),
        Some("SSH-2.0-OpenSSH_9.2p1")
    );
    ssh.close().await;
    short.shutdown().await;

    let bad = SshServerConfig {
        server_id: Some("SSH-2.0-two\r\nlines".into()),
        ..SshServerConfig::default()
    };
    let err = SshServer::bind("127.0.0.1:0", ios::device("R1"), bad)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

// ----- shutdown --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_with_connected_clients_ends_cleanly() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let baseline = metrics.num_alive_tasks();
    let server = bind(
        ios::device("R1").with_credentials("admin", "cisco"),
        SshServerConfig::default(),
    )
    .await;
    let scratch = Scratch::new();
    let known_hosts = scratch.known_hosts(&[&server]);
    let mut sessions = Vec::new();
    for _ in 0..10 {
        let mut session = Session::connect_with(
            &host(&server, "admin", "cisco"),
            session_options(&known_hosts, "ios"),
        )
        .await
        .unwrap();
        session.login(None).await.unwrap();
        sessions.push(session);
    }
    // A client that connected and said nothing (not even its version).
    let mut silent = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let mut buf = String::new();
    let id = read_until(&mut silent, &mut buf, "\r\n").await;
    assert_eq!(id, format!("{DEFAULT_SERVER_ID}\r\n"));
    // A client that sent its version, then went mute: the key exchange
    // never ends, so the goodbye cannot be sent; the server cuts it.
    let mut mute = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    mute.write_all(b"SSH-2.0-mute\r\n").await.unwrap();
    let mut buf = String::new();
    read_until(&mut mute, &mut buf, "\r\n").await;
    // The server sends its key exchange offer once it read our version
    // (it may have arrived with the server's version already).
    if buf.is_empty() {
        let mut offer = [0u8; 1];
        tokio::time::timeout(DEADLINE, mute.read_exact(&mut offer))
            .await
            .unwrap()
            .unwrap();
    }
    wait_for("12 active connections", || {
        server.active_connections() == 12
    })
    .await;

    let started = Instant::now();
    tokio::time::timeout(DEADLINE, server.shutdown())
        .await
        .expect("shutdown did not finish");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(read_to_end(&mut silent).await, "");
    read_to_end(&mut mute).await; // its key exchange offer, then EOF
    for session in &mut sessions {
        assert!(session.execute("show clock").await.is_err());
    }
    drop((silent, mute));
    for session in sessions {
        let _ = session.close().await;
    }
    wait_for("every task to end", || {
        metrics.num_alive_tasks() == baseline
    })
    .await;
}
