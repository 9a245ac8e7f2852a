//! Process checks shared by the process tests (local, and remote on the
//! interop sshd, which runs on this machine): whether a pid lives, waiting
//! for pids to die, pids printed by a command.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::time::Duration;

/// Whether process `pid` runs (a zombie does not).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // The state follows the parenthesised command name.
            let state = stat.rsplit(") ").next().and_then(|r| r.chars().next());
            state != Some('Z') && state != Some('X')
        }
        Err(_) => false,
    }
}

/// Waits until none of `pids` runs, failing after `deadline`.
pub async fn until_dead(pids: &[u32], deadline: Duration) {
    tokio::time::timeout(deadline, async {
        while pids.iter().any(|&p| alive(p)) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("processes {pids:?} did not die"));
}

/// The numbers in `text` (pids a command printed).
pub fn pids(text: &str) -> Vec<u32> {
    text.split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}
