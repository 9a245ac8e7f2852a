//! A Session reading a response from an in-memory stream: the whole read
//! path (ANSI cleaning, the monitored buffer, the incremental prompt
//! search, the text of the response) without a network or a device.

use std::time::{Duration, Instant};

use oxscript::{Host, LinkKind, Session, SessionOptions};

/// The best time of three for an IOS Session to read `payload` (a response
/// ending in an IOS prompt) written by a task into an in-memory stream,
/// and the length of what it read before the prompt.
pub async fn best_read(payload: &[u8]) -> (Duration, usize) {
    let host = Host::new("dummy://bench").expect("host");
    let options = SessionOptions {
        driver: Some("ios".into()),
        ..SessionOptions::default()
    };
    let mut best = (Duration::MAX, 0);
    for _ in 0..3 {
        let (client, mut device) = tokio::io::duplex(256 * 1024);
        let mut session =
            Session::over_stream(&host, Box::new(client), LinkKind::Raw, options.clone())
                .await
                .expect("session");
        let data = payload.to_vec();
        let t0 = Instant::now();
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            device.write_all(&data).await.expect("write");
            device
        });
        let response = session.expect_prompt().await.expect("prompt");
        let elapsed = t0.elapsed();
        if elapsed < best.0 {
            best = (elapsed, response.raw().len());
        }
        drop(writer.await);
    }
    best
}
