//! Active platform detection: every platform emulator in "no banner" mode
//! (nothing but prompts, as many SSH servers of network devices show) is
//! detected and authorized without a driver, over SSH and Telnet; a
//! device no driver recognises is `UnknownPlatform`, unless `generic` was
//! chosen explicitly; a probe left without a prompt ends the probing; a
//! weak guess no probe confirms is used.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{Link, serve};
use oxscript::emulator::{
    LoginType, VirtualDevice, eos, ios, ios_xr, junos, nxos, shell, sros, vrp,
};
use oxscript::transport::Error;
use oxscript::{Account, Session, SessionOptions};

/// One platform: its device (no banner), the driver that must be
/// detected, and the prompt after login and authorization.
struct Platform {
    driver: &'static str,
    device: fn() -> VirtualDevice,
    enable: Option<&'static str>,
    prompt: &'static str,
}

const PLATFORMS: &[Platform] = &[
    Platform {
        driver: "ios",
        device: || ios::device("R1").with_credentials("admin", "pw"),
        enable: Some("en-secret"),
        prompt: "R1#",
    },
    Platform {
        driver: "nxos",
        device: || nxos::device("n9k").with_credentials("admin", "pw"),
        enable: None,
        prompt: "n9k#",
    },
    Platform {
        driver: "eos",
        device: || eos::device("leaf1").with_credentials("admin", "pw"),
        enable: Some("en-secret"),
        prompt: "leaf1#",
    },
    Platform {
        driver: "junos",
        device: || junos::device("mx1").with_credentials("admin", "pw"),
        enable: None,
        prompt: "admin@mx1>",
    },
    Platform {
        driver: "ios_xr",
        device: || ios_xr::device("pe1").with_credentials("admin", "pw"),
        enable: None,
        prompt: "RP/0/RSP0/CPU0:pe1#",
    },
    Platform {
        driver: "vrp",
        device: || vrp::device("S5720").with_credentials("admin", "pw"),
        enable: None,
        prompt: "<S5720>",
    },
    Platform {
        driver: "sros",
        device: || sros::device("sr1").with_credentials("admin", "pw"),
        enable: None,
        prompt: "A:sr1#",
    },
    Platform {
        driver: "shell",
        device: || shell::device("web1").with_credentials("admin", "pw"),
        enable: None,
        prompt: "admin@web1:~$",
    },
];

fn account(platform: &Platform) -> Account {
    let builder = Account::builder("admin").password("pw");
    match platform.enable {
        Some(enable) => builder.authorization_password(enable).build(),
        None => builder.build(),
    }
}

/// Serves `device` without a banner over `link` (SSH: logged in by SSH
/// authentication, the shell shows only the prompt).
async fn session_to(
    link: Link,
    device: VirtualDevice,
    account: Account,
) -> (Session, common::Served) {
    let served = match link {
        Link::Ssh => common::serve_ssh_shell(device.without_banner()).await,
        other => serve(other, device.without_banner()).await,
    };
    let host = served.host(Some(account));
    let options = SessionOptions {
        timeout: Duration::from_secs(20),
        ..served.options()
    };
    (Session::connect_with(&host, options).await.unwrap(), served)
}

async fn detected_and_authorized(link: Link) {
    for platform in PLATFORMS {
        let mut device = (platform.device)();
        if let Some(enable) = platform.enable {
            device = device.with_enable_password(enable);
        }
        let (mut session, served) = session_to(link, device, account(platform)).await;
        session
            .login(None)
            .await
            .unwrap_or_else(|e| panic!("{} over {link:?}: {e}", platform.driver));
        assert_eq!(
            session.driver().name,
            platform.driver,
            "{link:?}: guessed {}",
            session.guess_os()
        );
        assert_eq!(
            session.prompt(),
            Some(platform.prompt),
            "{}",
            platform.driver
        );
        assert!(session.auth().app_authorized, "{}", platform.driver);
        session.close().await.unwrap();
        served.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_platform_without_banner_over_ssh() {
    detected_and_authorized(Link::Ssh).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_platform_without_banner_over_telnet() {
    detected_and_authorized(Link::Telnet).await;
}

/// A device that answers every probe with an error: no driver knows it.
fn mystery() -> VirtualDevice {
    VirtualDevice::new("box7")
        .with_login_type(LoginType::None)
        .with_prompt("box7> ")
        .with_command("status", "all good", true)
        .unwrap()
        .without_banner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undetectable_device_is_unknown_platform() {
    let served = common::serve_ssh_shell(mystery()).await;
    let host = served.host(Some(Account::new("admin", "pw")));
    let mut session = Session::connect_with(&host, served.options())
        .await
        .unwrap();
    let err = session.login(None).await.unwrap_err();
    let Error::UnknownPlatform { prompt, tried, .. } = &err else {
        panic!("expected UnknownPlatform, got {err:?}");
    };
    assert_eq!(prompt, "box7>");
    assert_eq!(tried, "`show version`, `display version`, `uname -a`");
    let message = err.to_string();
    assert!(message.contains("choose a driver"), "{message}");
    assert!(message.contains("`generic`"), "{message}");
    session.close().await.unwrap();

    // Chosen explicitly, the generic driver is used without probing.
    let options = SessionOptions {
        driver: Some("generic".into()),
        ..served.options()
    };
    let mut session = Session::connect_with(&host, options).await.unwrap();
    session.login(None).await.unwrap();
    let status = session.execute("status").await.unwrap();
    assert_eq!(status.text(), "all good");
    session.close().await.unwrap();
    served.stop().await;
}

/// A probe that gets no prompt back ends the probing: nothing more is
/// typed into a device in an unknown state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_without_a_prompt_ends_the_probing() {
    let device = VirtualDevice::new("hang1")
        .with_login_type(LoginType::None)
        .with_prompt("hang1> ")
        .with_command("show version", "collecting...", false)
        .unwrap()
        .without_banner();
    let served = serve(Link::Telnet, device).await;
    let host = served.host(Some(Account::new("admin", "pw")));
    let options = SessionOptions {
        detect_timeout: Duration::from_millis(500),
        ..served.options()
    };
    let mut session = Session::connect_with(&host, options).await.unwrap();
    let err = session.login(None).await.unwrap_err();
    let Error::UnknownPlatform { tried, .. } = &err else {
        panic!("expected UnknownPlatform, got {err:?}");
    };
    assert_eq!(tried, "`show version` (no prompt within 500ms)");
    assert!(err.to_string().contains("collecting..."), "{err}");
    session.close().await.unwrap();
    served.stop().await;
}

/// Weak evidence (a `Username:` prompt, which IOS and many others show)
/// that no probe confirms is used, not replaced by the generic driver:
/// the session says which driver it took (and warns in the log).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weak_guess_no_probe_confirms_is_used() {
    let device = VirtualDevice::new("box8")
        .with_username_prompt("Username: ")
        .with_credentials("admin", "pw")
        .with_prompt("box8> ")
        .with_strict(true)
        .without_banner();
    let served = serve(Link::Telnet, device).await;
    let host = served.host(Some(Account::new("admin", "pw")));
    let mut session = Session::connect_with(&host, served.options())
        .await
        .unwrap();
    session.authenticate(None).await.unwrap();
    assert_eq!(session.guess_os(), "ios");
    assert_eq!(session.driver().name, "ios");
    // Its authorization then fails with what the device said, not silently.
    let err = session.auto_authorize(None).await.unwrap_err();
    assert!(err.to_string().contains("Unknown command"), "{err}");
    session.close().await.unwrap();
    served.stop().await;
}
