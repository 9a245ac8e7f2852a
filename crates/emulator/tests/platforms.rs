//! The platform emulators (JunOS, NX-OS, EOS, IOS XR, VRP, SR OS) driven
//! by the real client: an `oxscript_transport::Session` over Telnet, with
//! each platform's driver and with the driver guessed.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use oxscript_core::{Account, Host};
use oxscript_emulator::{TelnetServer, VirtualDevice, eos, ios_xr, junos, nxos, sros, vrp};
use oxscript_transport::{Error, Session, SessionOptions};

/// What the tests need to know about one platform.
struct Spec {
    /// The driver's name, which is also what `guess_os` must say.
    driver: &'static str,
    /// The device with `page_lines` lines per page, paging locked or not.
    build: fn(usize, bool) -> VirtualDevice,
    user: &'static str,
    password: &'static str,
    /// The enable password, where the platform has one.
    enable: Option<&'static str>,
    /// The username prompt (a regex), waited for before an automatic login.
    login_prompt: &'static str,
    /// Whether `Session::login` works with the driver guessed from the
    /// banner and the username prompt (see `login_dialog_with_guessed_driver`).
    guessed_login_works: bool,
    /// The prompt after login (and authorization).
    prompt: &'static str,
    /// A version command and a line of its output.
    version: (&'static str, &'static str),
    /// A bad command and the error line it gets.
    invalid: (&'static str, &'static str),
    /// The prompt in configuration mode.
    config_prompt: &'static str,
    /// Configuration lines, then a command showing the configuration and
    /// what it must contain.
    config: (&'static [&'static str], &'static str, &'static str),
    /// Configuration lines renaming the device, and the prompt after them.
    rename: (&'static [&'static str], &'static str),
    /// A command whose output is longer than a few lines.
    long: &'static str,
}

const JUNOS: Spec = Spec {
    driver: "junos",
    build: |lines, locked| {
        junos::JunosEmulator::new("mx1")
            .page_lines(lines)
            .paging_locked(locked)
            .build()
            .with_credentials("admin", "Juniper-1")
    },
    user: "admin",
    password: "Juniper-1",
    enable: None,
    login_prompt: r"login: $",
    guessed_login_works: true,
    prompt: "admin@mx1>",
    version: ("show version", "Junos: 22.4R3.25"),
    invalid: ("show versoin", "syntax error, expecting <command>."),
    config_prompt: "[edit]\r\nadmin@mx1#",
    config: (
        &[
            "set interfaces ge-0/0/1 description \"uplink to core\"",
            "set interfaces ge-0/0/1 unit 0 family inet address 192.0.2.1/31",
        ],
        "show configuration interfaces ge-0/0/1 | display set",
        "set interfaces ge-0/0/1 unit 0 family inet address 192.0.2.1/31",
    ),
    rename: (&["set system host-name core1"], "admin@core1>"),
    long: "show version",
};

const NXOS: Spec = Spec {
    driver: "nxos",
    build: |lines, locked| {
        nxos::NxosEmulator::new("n9k-leaf1")
            .page_lines(lines)
            .paging_locked(locked)
            .build()
            .with_credentials("admin", "Nexus123")
    },
    user: "admin",
    password: "Nexus123",
    enable: None,
    login_prompt: r"login: $",
    guessed_login_works: false,
    prompt: "n9k-leaf1#",
    version: ("show version", " NXOS: version 9.3(12)"),
    invalid: ("show interfaces brief", "% Invalid command at '^' marker."),
    config_prompt: "n9k-leaf1(config)#",
    config: (
        &[
            "interface Ethernet1/3",
            "description server-42",
            "no switchport",
            "ip address 10.9.9.1/24",
        ],
        "show running-config",
        "interface Ethernet1/3\n  description server-42\n  no switchport\n  ip address 10.9.9.1/24",
    ),
    rename: (&["hostname leaf9"], "leaf9#"),
    long: "show version",
};

const EOS: Spec = Spec {
    driver: "eos",
    build: |lines, locked| {
        eos::EosEmulator::new("leaf1")
            .page_lines(lines)
            .paging_locked(locked)
            .build()
            .with_credentials("admin", "Arista-1")
            .with_enable_password("Arista-en1")
    },
    user: "admin",
    password: "Arista-1",
    enable: Some("Arista-en1"),
    login_prompt: r"login: $",
    guessed_login_works: true,
    prompt: "leaf1#",
    version: ("show version", "Software image version: 4.31.2F"),
    invalid: ("show ip bgp sumary", "% Invalid input (at token 2: 'bgp')"),
    config_prompt: "leaf1(config)#",
    config: (
        &[
            "interface Ethernet3",
            "description to spine2",
            "no switchport",
            "ip address 10.3.3.1/31",
        ],
        "show running-config",
        "interface Ethernet3\n   description to spine2\n   no switchport\n   ip address 10.3.3.1/31",
    ),
    rename: (&["hostname leaf7"], "leaf7#"),
    long: "show running-config",
};

const IOS_XR: Spec = Spec {
    driver: "ios_xr",
    build: |lines, locked| {
        ios_xr::IosXrEmulator::new("pe1")
            .page_lines(lines)
            .paging_locked(locked)
            .build()
            .with_credentials("admin", "Xr-secret1")
    },
    user: "admin",
    password: "Xr-secret1",
    enable: None,
    login_prompt: r"Username: $",
    guessed_login_works: true,
    prompt: "RP/0/RSP0/CPU0:pe1#",
    version: ("show version", "Cisco IOS XR Software, Version 7.9.2"),
    invalid: (
        "show ip bgp summari",
        "% Invalid input detected at '^' marker.",
    ),
    config_prompt: "RP/0/RSP0/CPU0:pe1(config)#",
    config: (
        &[
            "interface GigabitEthernet0/0/0/2",
            "description to-customer-18",
            "ipv4 address 10.18.0.1 255.255.255.252",
        ],
        "show running-config",
        "interface GigabitEthernet0/0/0/2\n description to-customer-18\n ipv4 address 10.18.0.1 255.255.255.252",
    ),
    rename: (&["hostname pe9"], "RP/0/RSP0/CPU0:pe9#"),
    long: "show version",
};

const VRP: Spec = Spec {
    driver: "vrp",
    build: |lines, locked| {
        vrp::VrpEmulator::new("S5720-core")
            .page_lines(lines)
            .paging_locked(locked)
            .build()
            .with_credentials("admin", "Huawei@123")
    },
    user: "admin",
    password: "Huawei@123",
    enable: None,
    login_prompt: r"Username:$",
    guessed_login_works: false,
    prompt: "<S5720-core>",
    version: ("display version", "VRP (R) software, Version 5.170"),
    invalid: (
        "display interfce brief",
        "Error: Unrecognized command found at '^' position.",
    ),
    config_prompt: "[S5720-core]",
    config: (
        &[
            "interface GigabitEthernet0/0/3",
            "description uplink to core",
            "port link-type trunk",
        ],
        "display current-configuration",
        "interface GigabitEthernet0/0/3\n description uplink to core\n port link-type trunk",
    ),
    rename: (&["sysname core-sw"], "<core-sw>"),
    long: "display version",
};

const SROS: Spec = Spec {
    driver: "sros",
    build: |lines, locked| {
        sros::SrosEmulator::new("sr1")
            .page_lines(lines)
            .paging_locked(locked)
            .build()
            .with_credentials("admin", "Nokia-sr1")
    },
    user: "admin",
    password: "Nokia-sr1",
    enable: None,
    login_prompt: r"Login: $",
    guessed_login_works: true,
    prompt: "A:sr1#",
    version: ("show version", "TiMOS-B-21.10.R1 both/x86_64 Nokia 7750 SR"),
    invalid: ("show routr interface", "Error: Bad command."),
    config_prompt: "A:sr1>config#",
    config: (
        &[
            "router",
            "interface \"to-pe2\"",
            "address 10.0.0.1/31",
            "port 1/1/2",
        ],
        "show router interface",
        "to-pe2                           Up        Up/Down     Network 1/1/2\n   10.0.0.1/31",
    ),
    rename: (&["system", "name \"pe9\""], "*A:pe9#"),
    long: "show port",
};

fn account(spec: &Spec, password: &str) -> Account {
    let builder = Account::builder(spec.user).password(password);
    match spec.enable {
        Some(enable) => builder.authorization_password(enable).build(),
        None => builder.build(),
    }
}

fn options(driver: Option<&str>) -> SessionOptions {
    SessionOptions {
        driver: driver.map(str::to_owned),
        timeout: Duration::from_secs(20),
        ..SessionOptions::default()
    }
}

async fn connect(server: &TelnetServer, account: Account, driver: Option<&str>) -> Session {
    let mut host = Host::new(&server.url()).unwrap();
    host.set_account(Some(account));
    Session::connect_with(&host, options(driver)).await.unwrap()
}

/// Checks the version command, the error line of a bad command, and that
/// no pager prompt was left in the output.
async fn version_and_error(spec: &Spec, session: &mut Session) -> String {
    let version = session.execute(spec.version.0).await.unwrap();
    assert!(
        version.text().contains(spec.version.1),
        "{}: {:?}",
        spec.driver,
        version.text()
    );
    match session.execute(spec.invalid.0).await {
        Err(Error::InvalidCommand { line, response, .. }) => {
            assert_eq!(line, spec.invalid.1, "{}: {response:?}", spec.driver);
        }
        other => panic!("{}: expected InvalidCommand, got {other:?}", spec.driver),
    }
    version.text().to_owned()
}

fn no_pager_text(spec: &Spec, text: &str) {
    for pager in ["More", "more)", "Press any key"] {
        assert!(
            !text.contains(pager),
            "{}: pager left in {text:?}",
            spec.driver
        );
    }
}

/// The whole workflow with the platform's driver.
async fn with_driver(spec: &Spec) {
    let server = TelnetServer::bind("127.0.0.1:0", (spec.build)(24, false))
        .await
        .unwrap();
    let mut session = connect(&server, account(spec, spec.password), Some(spec.driver)).await;
    session.login(None).await.unwrap();
    assert_eq!(session.prompt(), Some(spec.prompt));
    session.autoinit().await.unwrap();
    let version = version_and_error(spec, &mut session).await;
    no_pager_text(spec, &version);
    // Guessed from the banner or the prompt, or (EOS) from `show version`.
    assert_eq!(session.guess_os(), spec.driver);

    // Into configuration mode and back along the driver's level graph.
    let driver = session.driver();
    let config_level = driver.config_privilege.clone().unwrap();
    let default_level = driver.default_privilege.clone().unwrap();
    session.acquire_priv(&config_level).await.unwrap();
    assert_eq!(
        session.prompt(),
        Some(spec.config_prompt),
        "{}",
        spec.driver
    );
    session.acquire_priv(&default_level).await.unwrap();
    assert_eq!(session.prompt(), Some(spec.prompt), "{}", spec.driver);

    // A configuration change shows in the configuration display.
    let (lines, show, expected) = spec.config;
    session.send_config(lines).await.unwrap();
    let shown = session.execute(show).await.unwrap();
    assert!(
        shown.text().contains(expected),
        "{}: {expected:?} not in {:?}",
        spec.driver,
        shown.text()
    );

    // A new host name changes the prompt, and the session follows it.
    let (lines, prompt) = spec.rename;
    session.send_config(lines).await.unwrap();
    assert_eq!(session.prompt(), Some(prompt), "{}", spec.driver);
    let again = session.execute(spec.version.0).await.unwrap();
    assert!(again.text().contains(spec.version.1));

    session.logout().await.unwrap();
    server.shutdown().await;
}

/// Login and set-up with the driver guessed from what the device sends.
async fn with_guessed_driver(spec: &Spec) {
    let server = TelnetServer::bind("127.0.0.1:0", (spec.build)(24, false))
        .await
        .unwrap();
    let mut session = connect(&server, account(spec, spec.password), None).await;
    // Let the banner and the login prompt arrive first, so the driver the
    // login starts with is the same on every run.
    session.waitfor(spec.login_prompt).await.unwrap();
    if spec.guessed_login_works {
        session.login(None).await.unwrap();
    } else {
        // Answer the login prompts as a script would; the prompt that
        // follows is recognised with the driver guessed by then.
        session.expect(spec.login_prompt).await.unwrap();
        session.send_line(spec.user).await.unwrap();
        session.expect(r"(?i)password: ?$").await.unwrap();
        session.send_line(spec.password).await.unwrap();
        session
            .waitfor(regex::escape(spec.prompt).as_str())
            .await
            .unwrap();
        session.login(None).await.unwrap();
    }
    if session.guess_os() != spec.driver {
        // EOS says nothing about itself before `show version`.
        session.execute(spec.version.0).await.unwrap();
        session.auto_authorize(None).await.unwrap();
    }
    assert_eq!(session.guess_os(), spec.driver);
    assert_eq!(session.driver().name, spec.driver);
    assert_eq!(session.prompt(), Some(spec.prompt));
    session.autoinit().await.unwrap();
    version_and_error(spec, &mut session).await;
    session.logout().await.unwrap();
    server.shutdown().await;
}

/// `Session::login` with the driver guessed from the banner and the
/// username prompt. Fails for NX-OS and VRP with the drivers as they are:
/// their banners make the guesser pick `ios` before login, and the login
/// dialog keeps the driver it started with (the IOS username pattern does
/// not accept NX-OS's `login:`, the IOS prompt pattern not VRP's
/// `<host>`), so the login times out.
async fn login_dialog_with_guessed_driver(spec: &Spec) {
    let server = TelnetServer::bind("127.0.0.1:0", (spec.build)(24, false))
        .await
        .unwrap();
    let mut session = connect(&server, account(spec, spec.password), None).await;
    session.waitfor(spec.login_prompt).await.unwrap();
    session.login(None).await.unwrap();
    assert!(session.auth().app_authenticated);
    // EOS is not guessed before `show version`: no `enable` yet.
    let unprivileged = spec.prompt.replace('#', ">");
    assert!(
        session.prompt() == Some(spec.prompt) || session.prompt() == Some(&unprivileged),
        "{}: {:?}",
        spec.driver,
        session.prompt()
    );
    server.shutdown().await;
}

/// Paging that cannot be turned off: the pager is answered and the
/// output is the same as without paging.
async fn paging_locked(spec: &Spec) {
    let mut texts = Vec::new();
    for (lines, locked) in [(6, true), (0, false)] {
        let server = TelnetServer::bind("127.0.0.1:0", (spec.build)(lines, locked))
            .await
            .unwrap();
        let mut session = connect(&server, account(spec, spec.password), Some(spec.driver)).await;
        session.login(None).await.unwrap();
        session.autoinit().await.unwrap();
        let text = session.execute(spec.long).await.unwrap().text().to_owned();
        no_pager_text(spec, &text);
        assert!(text.lines().count() > 6, "{}: {text:?}", spec.driver);
        // VRP erases its pager with `ESC[42D`, blanks, `ESC[42D`: the
        // Session applies the cursor movement, so nothing is left over.
        texts.push(text);
        session.close().await.unwrap();
        server.shutdown().await;
    }
    assert_eq!(texts[0], texts[1], "{}", spec.driver);
}

async fn wrong_password(spec: &Spec) {
    let server = TelnetServer::bind("127.0.0.1:0", (spec.build)(24, false))
        .await
        .unwrap();
    let mut session = connect(&server, account(spec, "wrong"), Some(spec.driver)).await;
    match session.login(None).await {
        Err(Error::LoginFailure { .. }) => {}
        other => panic!("{}: expected LoginFailure, got {other:?}", spec.driver),
    }
    server.shutdown().await;
}

macro_rules! platform_tests {
    ($name:ident, $spec:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn workflow_with_driver() {
                with_driver(&$spec).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn workflow_with_guessed_driver() {
                with_guessed_driver(&$spec).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn paging_that_cannot_be_disabled() {
                paging_locked(&$spec).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn wrong_password_is_a_login_failure() {
                wrong_password(&$spec).await;
            }
        }
    };
}

platform_tests!(junos_platform, JUNOS);
platform_tests!(nxos_platform, NXOS);
platform_tests!(eos_platform, EOS);
platform_tests!(ios_xr_platform, IOS_XR);
platform_tests!(vrp_platform, VRP);
platform_tests!(sros_platform, SROS);

// `Session::login` itself with the driver guessed before login.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessed_login_dialogs() {
    for spec in [&JUNOS, &EOS, &IOS_XR, &SROS] {
        assert!(spec.guessed_login_works);
        login_dialog_with_guessed_driver(spec).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessed_login_dialog_nxos() {
    login_dialog_with_guessed_driver(&NXOS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessed_login_dialog_vrp() {
    login_dialog_with_guessed_driver(&VRP).await;
}

// Platform dialogs the drivers and the Session answer.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vrp_password_change_question_is_declined() {
    let device = vrp::VrpEmulator::new("S5720-core")
        .password_change_prompt(true)
        .build()
        .with_credentials("admin", "Huawei@123");
    let server = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
    let mut session = connect(&server, account(&VRP, VRP.password), Some("vrp")).await;
    session.login(None).await.unwrap();
    assert_eq!(session.prompt(), Some("<S5720-core>"));
    let version = session.execute("display version").await.unwrap();
    assert!(
        version
            .text()
            .starts_with("Huawei Versatile Routing Platform Software\n")
    );
    session.logout().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_configuration_with_uncommitted_changes() {
    // JunOS asks `Exit with uncommitted changes? [yes,no] (yes)`, IOS XR
    // `Uncommitted changes found, commit them before exiting(yes/no/cancel)?
    // [cancel]:`; the Session answers so that nothing is committed.
    for (spec, change, show, gone) in [
        (
            &JUNOS,
            "set system host-name scratch1",
            "show configuration system",
            "scratch1",
        ),
        (
            &IOS_XR,
            "hostname scratch1",
            "show running-config",
            "scratch1",
        ),
    ] {
        let server = TelnetServer::bind("127.0.0.1:0", (spec.build)(0, false))
            .await
            .unwrap();
        let mut session = connect(&server, account(spec, spec.password), Some(spec.driver)).await;
        session.login(None).await.unwrap();
        session.autoinit().await.unwrap();
        session.acquire_priv("configuration").await.unwrap();
        session.execute(change).await.unwrap();
        let default_level = session.driver().default_privilege.clone().unwrap();
        session.acquire_priv(&default_level).await.unwrap();
        assert_eq!(session.prompt(), Some(spec.prompt), "{}", spec.driver);
        let shown = session.execute(show).await.unwrap();
        assert!(
            !shown.text().contains(gone),
            "{}: {:?}",
            spec.driver,
            shown.text()
        );
        session.logout().await.unwrap();
        server.shutdown().await;
    }
}
