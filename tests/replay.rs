//! Replays every built-in driver's transcript fixture
//! (`crates/drivers/fixtures/<driver>.toml`) through a real Session: the
//! device side plays the recording, and must receive exactly the bytes the
//! recording says a correct client sends (logins, commands, pager answers,
//! privilege changes, configuration). Each step must also stay within its
//! own part of the recording: by its end the Session has sent exactly the
//! step's client lines and consumed everything the device sent in it.
//! (`crates/drivers/tests/fixtures.rs` checks the fixtures' format.)
//!
//! The drivers' prompt search ([`Scanner`], the one a Session uses) is
//! also run over every fixture on its own, and must find each step's
//! prompt where the Session found it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use oxscript::drivers::{Pattern, Scanner};
use oxscript::transport::Error;
use oxscript::{Account, Driver, Host, LinkKind, Session, SessionOptions};
use oxscript_transport::testing::Script;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use toml::Value;

/// The client's end of the pipe, keeping a copy of what the Session sent.
struct Recording<S> {
    inner: S,
    sent: Arc<Mutex<Vec<u8>>>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Recording<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recording<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &poll {
            this.sent.lock().unwrap().extend_from_slice(&buf[..*n]);
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/drivers/fixtures")
}

fn string(table: &Value, key: &str) -> Option<String> {
    table.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn strings(table: &Value, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Where a step left the prompt: its text, and how many bytes of the
/// received data were left after it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PromptAt {
    /// The prompt, trimmed.
    prompt: String,
    /// Received bytes after the prompt, not consumed.
    after: usize,
    /// For commands: the bytes received before the prompt (echo, output).
    before: Option<usize>,
}

/// Replays one fixture; returns where each step left the prompt (`None`
/// for the final logout), or a description of the first problem.
async fn replay(text: &str) -> Result<Vec<Option<PromptAt>>, String> {
    let doc: Value = toml::from_str(text).map_err(|e| e.to_string())?;
    let driver = string(&doc, "driver").ok_or("no driver")?;
    let account_table = doc.get("account").ok_or("no account")?;
    let mut builder = Account::builder(string(account_table, "name").unwrap_or_default())
        .password(string(account_table, "password").unwrap_or_default());
    if let Some(auth) = string(account_table, "authorization_password") {
        builder = builder.authorization_password(auth);
    }
    let account = builder.build();
    let steps = doc
        .get("step")
        .and_then(Value::as_array)
        .ok_or("no steps")?;

    let mut script = Script::new();
    // What the client has sent once each step is done.
    let mut client_so_far = Vec::new();
    let mut sent_after_step = Vec::new();
    // Whether each step's script starts with the client's turn (then the
    // device sends nothing of it before the step starts).
    let mut client_starts = Vec::new();
    for step in steps {
        let items = step
            .get("script")
            .and_then(Value::as_array)
            .ok_or("step without script")?;
        client_starts.push(items.first().is_some_and(|i| i.get("client").is_some()));
        for item in items {
            if let Some(device) = item.get("device").and_then(Value::as_str) {
                script = script.send(device);
            } else if let Some(client) = item.get("client").and_then(Value::as_str) {
                script = script.expect(client);
                client_so_far.extend_from_slice(client.as_bytes());
            }
        }
        sent_after_step.push(client_so_far.clone());
    }
    // A device closes the connection once it was told to log out.
    if steps.last().and_then(|s| string(s, "action")).as_deref() == Some("logout") {
        script = script.close();
    }
    let (stream, device) = script.spawn();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let stream = Recording {
        inner: stream,
        sent: Arc::clone(&sent),
    };
    let host = Host::new("dummy://replay").unwrap();
    let options = SessionOptions {
        driver: Some(driver.clone()),
        timeout: std::time::Duration::from_secs(10),
        ..SessionOptions::default()
    };
    let mut session = Session::over_stream(&host, Box::new(stream), LinkKind::Raw, options)
        .await
        .map_err(|e| e.to_string())?;

    let mut logged_out = false;
    let mut seen = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        let action = string(step, "action").unwrap_or_default();
        let context = |what: String| format!("step {} ({action}): {what}", index + 1);
        match action.as_str() {
            "login" => session
                .login(Some(&account))
                .await
                .map_err(|e| context(e.to_string()))?,
            "authenticate" => session
                .authenticate(Some(&account))
                .await
                .map_err(|e| context(e.to_string()))?,
            "autoinit" => session
                .autoinit()
                .await
                .map_err(|e| context(e.to_string()))?,
            "acquire_priv" => {
                let level = string(step, "level").unwrap_or_default();
                session
                    .acquire_priv(&level)
                    .await
                    .map_err(|e| context(e.to_string()))?;
                if session.privilege().as_deref() != Some(level.as_str()) {
                    return Err(context(format!(
                        "privilege is {:?}, not {level}",
                        session.privilege()
                    )));
                }
            }
            "send_config" => {
                let lines = strings(step, "lines");
                let before = session.privilege();
                session
                    .send_config(&lines)
                    .await
                    .map_err(|e| context(e.to_string()))?;
                if session.privilege() != before {
                    return Err(context(format!(
                        "privilege is {:?} after the configuration, not {before:?}",
                        session.privilege()
                    )));
                }
            }
            "execute" => {
                let command = string(step, "command").unwrap_or_default();
                let result = session.execute(&command).await;
                match (string(step, "error"), result) {
                    (Some(expected), Err(Error::InvalidCommand { line, .. })) => {
                        if line != expected {
                            return Err(context(format!(
                                "error line {line:?}, expected {expected:?}"
                            )));
                        }
                    }
                    (Some(expected), other) => {
                        return Err(context(format!(
                            "expected the error {expected:?}, got {other:?}"
                        )));
                    }
                    (None, Err(e)) => return Err(context(e.to_string())),
                    (None, Ok(response)) => {
                        for needle in strings(step, "output_contains") {
                            if !response.text().contains(&needle) {
                                return Err(context(format!(
                                    "output lacks {needle:?}:\n{}",
                                    response.text()
                                )));
                            }
                        }
                        if let Some(exact) = string(step, "output")
                            && response.text() != exact
                        {
                            return Err(context(format!(
                                "output differs:\n--- expected\n{exact}\n--- got\n{}",
                                response.text()
                            )));
                        }
                        if response.text().contains("More") && response.text().contains("---") {
                            return Err(context(format!(
                                "pager residue in output:\n{}",
                                response.text()
                            )));
                        }
                    }
                }
            }
            "logout" => {
                logged_out = true;
                break;
            }
            other => return Err(context(format!("unknown action {other:?}"))),
        }
        if let Some(prompt) = string(step, "prompt")
            && session.prompt() != Some(prompt.as_str())
        {
            return Err(context(format!(
                "prompt is {:?}, expected {prompt:?}",
                session.prompt()
            )));
        }
        // The step sent its own client lines, no more and no fewer.
        let expected = sent_after_step.get(index).cloned().unwrap_or_default();
        let so_far = sent.lock().unwrap().clone();
        if so_far != expected {
            return Err(context(format!(
                "the client has sent {:?}, the recording up to here {:?}",
                String::from_utf8_lossy(&so_far),
                String::from_utf8_lossy(&expected)
            )));
        }
        // Everything the device sent in the step was consumed by it (when
        // the next step starts with the client, the device sent nothing
        // of it yet).
        if client_starts.get(index + 1).copied().unwrap_or(true) && !session.buffer().is_empty() {
            return Err(context(format!(
                "left unconsumed for the next step: {:?}",
                session.buffer()
            )));
        }
        seen.push(Some(PromptAt {
            prompt: session.prompt().unwrap_or_default().to_owned(),
            after: session.buffer().len(),
            before: (action == "execute")
                .then(|| session.response().map(|r| r.raw().len()))
                .flatten(),
        }));
    }
    if logged_out {
        session.logout().await.map_err(|e| format!("logout: {e}"))?;
    } else {
        session.close().await.map_err(|e| format!("close: {e}"))?;
    }
    let received = device
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("the device saw a different conversation: {e}"))?;
    let sent = sent.lock().unwrap().clone();
    if sent != client_so_far {
        return Err(format!(
            "the client sent {:?} in all, the recording has {:?}",
            String::from_utf8_lossy(&sent),
            String::from_utf8_lossy(&client_so_far)
        ));
    }
    if received != client_so_far {
        return Err(format!(
            "the device received {:?}, the recording has {:?}",
            String::from_utf8_lossy(&received),
            String::from_utf8_lossy(&client_so_far)
        ));
    }
    if logged_out {
        seen.push(None);
    }
    Ok(seen)
}

/// Appends device data as a Session's buffer holds it: terminal control
/// sequences removed, and a backspace erasing the byte before it on the
/// same line (how devices erase their pager prompts).
fn append_received(buf: &mut Vec<u8>, data: &[u8]) {
    for byte in oxscript::transport::strip_ansi(data) {
        if byte == 0x08 {
            if buf.last().is_some_and(|&b| b != b'\n') {
                buf.pop();
            }
        } else {
            buf.push(byte);
        }
    }
}

/// Runs the drivers' scanner alone over a fixture's device data, chunk by
/// chunk as the device sends it, with the driver's patterns: prompts
/// (recorded and consumed through), pager prompts (skipped, as they are
/// answered) and login prompts and questions (consumed through). Returns
/// where each step left the prompt (`None` for the final logout).
fn scan(driver: &Driver, steps: &[Value]) -> Vec<Option<PromptAt>> {
    let prompts = driver.prompt.len();
    let pagers = prompts + driver.pager.len();
    let set: Vec<&Pattern> = driver
        .prompt
        .iter()
        .chain(driver.pager.iter().map(|a| &a.pattern))
        .chain(&driver.username_prompt)
        .chain(&driver.password_prompt)
        .chain(driver.login_answers.iter().map(|a| &a.pattern))
        .collect();
    let mut buf = Vec::new();
    let mut scanner = Scanner::default();
    // End of the pager prompt answered last, in `buf`.
    let mut answered_pager = None;
    let mut out = Vec::new();
    for step in steps {
        if string(step, "action").as_deref() == Some("logout") {
            out.push(None);
            break;
        }
        let mut last = None;
        let items = step.get("script").and_then(Value::as_array);
        for item in items.into_iter().flatten() {
            let Some(device) = item.get("device").and_then(Value::as_str) else {
                continue;
            };
            append_received(&mut buf, device.as_bytes());
            while let Some(found) = scanner.search(&buf, set.iter().copied()) {
                if found.index >= prompts && found.index < pagers {
                    // Answered once; the device is to send more.
                    scanner.skip_to(found.range.end);
                    if answered_pager == Some(found.range.end) {
                        break;
                    }
                    answered_pager = Some(found.range.end);
                    continue;
                }
                if found.index < prompts {
                    let text = String::from_utf8_lossy(&buf[found.range.clone()]);
                    last = Some((text.trim().to_owned(), found.range.start));
                }
                buf.drain(..found.range.end);
                scanner = Scanner::default();
                answered_pager = None;
            }
        }
        let action = string(step, "action").unwrap_or_default();
        out.push(last.map(|(prompt, start)| PromptAt {
            prompt,
            after: buf.len(),
            before: (action == "execute").then_some(start),
        }));
    }
    out
}

fn fixture_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 38, "a fixture per built-in driver");
    paths
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_driver_fixture_replays_through_a_session() {
    let paths = fixture_paths();
    let mut failures = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        if let Err(e) = replay(&text).await {
            failures.push(format!(
                "{}: {e}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_answer_in_a_fixture_fails_the_replay() {
    let text = std::fs::read_to_string(fixtures_dir().join("ios.toml")).unwrap();
    replay(&text).await.unwrap();
    // The Session answers `--More--` with a blank, not with `q`.
    let from = r#"{ client = " " }"#;
    assert!(text.contains(from));
    let broken = text.replacen(from, r#"{ client = "q" }"#, 1);
    let error = replay(&broken).await.unwrap_err();
    assert!(error.contains("step 2"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_drivers_scanner_finds_the_prompts_the_session_finds() {
    let mut disagreements = Vec::new();
    let mut compared = 0;
    for path in fixture_paths() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value = toml::from_str(&text).unwrap();
        let driver = oxscript::drivers::builtin()
            .require(&string(&doc, "driver").unwrap())
            .unwrap();
        let steps = doc.get("step").and_then(Value::as_array).unwrap();
        let scanned = scan(&driver, steps);
        let session = replay(&text)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(scanned.len(), session.len(), "{name}: steps");
        for (index, (scanned, session)) in scanned.iter().zip(&session).enumerate() {
            compared += 1;
            if scanned != session {
                disagreements.push(format!(
                    "{name} step {}: the scanner found {scanned:?}, the Session {session:?}",
                    index + 1
                ));
            }
        }
    }
    assert!(compared > 38 * 3, "only {compared} steps compared");
    assert!(
        disagreements.is_empty(),
        "{} disagreement(s):\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
