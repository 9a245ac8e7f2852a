//! A pseudo-terminal pair made by `socat` (serial console tests, local
//! and over SSH).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::Duration;

use oxscript::emulator::{ios, serve_stream};
use oxscript::transport::serial::open_local;
use oxscript::{Account, Host, Session, SessionOptions};

/// The deadline of every wait of the serial tests.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Two linked pseudo-terminals (`socat pty,raw,echo=0 pty,raw,echo=0`),
/// reachable as `<dir>/device` and `<dir>/console` (mode 0666, so a
/// test user reached over SSH can open them); socat dies with it.
pub struct PtyPair {
    socat: tokio::process::Child,
    pub dir: PathBuf,
}

impl PtyPair {
    pub async fn new(tag: &str) -> Option<PtyPair> {
        let dir =
            std::env::temp_dir().join(format!("oxscript-serial-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let end =
            |name: &str| format!("pty,raw,echo=0,perm=0666,link={}", dir.join(name).display());
        let socat = match tokio::process::Command::new("socat")
            .args([end("device"), end("console")])
            .kill_on_drop(true)
            .spawn()
        {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::env::var("CI").is_err() => {
                eprintln!("skipping serial test: socat is not installed");
                return None;
            }
            Err(e) => panic!("cannot start socat: {e}"),
        };
        tokio::time::timeout(DEADLINE, async {
            while !(dir.join("device").exists() && dir.join("console").exists()) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("socat did not create its ptys");
        Some(PtyPair { socat, dir })
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for PtyPair {
    fn drop(&mut self) {
        let _ = self.socat.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Connects a Session to `host` (the pair's console, maybe behind a
/// gateway), then serves an emulated IOS router `name` on the pair's
/// device end, logs in as admin and checks a command.
pub async fn login_over_console(
    pair: PtyPair,
    mut host: Host,
    options: SessionOptions,
    name: &str,
) {
    host.set_account(Some(Account::new("admin", "secret")));
    let mut session = tokio::time::timeout(DEADLINE, Session::connect_with(&host, options))
        .await
        .unwrap()
        .unwrap();
    // The device end, served once the console is open.
    let device = open_local(&pair.path("device"), 115_200).unwrap();
    let served = tokio::spawn(serve_stream(
        device,
        ios::device(name)
            .with_credentials("admin", "secret")
            .session(),
    ));
    tokio::time::timeout(DEADLINE, session.login(None))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.prompt(), Some(format!("{name}#").as_str()));
    let version = session.execute("show version").await.unwrap();
    assert!(version.text().contains("Cisco IOS"), "{}", version.text());
    session.close().await.unwrap();
    drop(pair);
    let _ = tokio::time::timeout(DEADLINE, served).await;
}
