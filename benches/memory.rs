//! Peak memory of one big response: how many bytes of RSS a Session needs
//! per byte of a response it returns.
//!
//! ```text
//! cargo bench --bench memory            # a 50 MB response
//! cargo bench --bench memory -- 200     # a 200 MB response
//! ```
//!
//! An in-memory device sends `show tech` output of the given size (in
//! 64 KiB writes, so the device itself holds little) and the prompt; the
//! client executes the command, keeps the response and reads it. The
//! program prints the peak resident set size (`VmHWM`) before and after,
//! and the peak per response byte.

use std::time::Instant;

use oxscript::{Host, LinkKind, Session, SessionOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `VmHWM` (peak resident set) and `VmRSS` of this process, in bytes.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let size_mb: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    let size = size_mb * 1_000_000;
    let (client, mut device) = tokio::io::duplex(256 * 1024);
    let serving = tokio::spawn(async move {
        device.write_all(b"router#").await?;
        let mut command = [0u8; 64];
        let mut got = 0;
        while !command[..got].contains(&b'\r') {
            got += device.read(&mut command[got..]).await?;
        }
        device.write_all(b"show tech\r\n").await?;
        let line = b"GigabitEthernet0/1 is up, line protocol is up (connected) 0123456789\r\n";
        let chunk: Vec<u8> = line.iter().copied().cycle().take(64 * 1024).collect();
        let mut sent = 0;
        while sent < size {
            let n = chunk.len().min(size - sent);
            device.write_all(&chunk[..n]).await?;
            sent += n;
        }
        device.write_all(b"\r\nrouter#").await?;
        let mut rest = Vec::new();
        device.read_to_end(&mut rest).await?;
        Ok::<_, std::io::Error>(())
    });
    let host = Host::new("dummy://big")?;
    let options = SessionOptions {
        driver: Some("ios".into()),
        ..SessionOptions::default()
    };
    let mut session = Session::over_stream(&host, Box::new(client), LinkKind::Raw, options).await?;
    session.expect_prompt().await?;
    let (peak_before, rss_before) = memory();
    let started = Instant::now();
    let response = session.execute("show tech").await?;
    let took = started.elapsed();
    let kept = response.text().len() as u64;
    let (peak_after, rss_after) = memory();
    println!(
        "response           {:>8.1} MB text ({:.1} MB raw) in {took:.2?}",
        mb(kept),
        mb(response.raw().len() as u64)
    );
    println!(
        "RSS before         {:>8.1} MB (peak {:.1} MB)",
        mb(rss_before),
        mb(peak_before)
    );
    println!(
        "RSS after          {:>8.1} MB (peak {:.1} MB)",
        mb(rss_after),
        mb(peak_after)
    );
    println!(
        "peak growth        {:>8.1} MB = {:.2} bytes per response byte",
        mb(peak_after - peak_before),
        (peak_after - peak_before) as f64 / kept.max(1) as f64
    );
    drop(response);
    session.close().await?;
    serving.await??;
    Ok(())
}
