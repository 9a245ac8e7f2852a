//! A pseudo-terminal pair made by `socat` (serial console tests, local
//! and over SSH).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::Duration;

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
