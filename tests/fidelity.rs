//! The fidelity suite: realistic outputs of every driver's platform, served
//! by an emulated device behind the platform's prompt, must come back from
//! `Session::execute` byte for byte and never be taken for an error; the
//! platform's real rejection messages must raise `InvalidCommand` naming
//! the line.
//!
//! Each `tests/fidelity/<name>.toml` holds one driver's cases:
//!
//! ```toml
//! driver = "ios"
//! prompt = "edge-rtr01#"          # what the device shows (may span two lines)
//! [[output]]                      # accepted: returned as is
//! command = "show ip bgp"
//! text = """…"""                  # the device sends it with CRLF line ends
//! [[rejection]]                   # refused: InvalidCommand naming `line`
//! command = "show ip bgpp"
//! text = """…"""
//! line = "% Invalid input detected at '^' marker."
//! ```
//!
//! The outputs are written for this suite (shapes checked against public
//! captures of real devices), with the lines that trip naive error and
//! prompt detection: legends (`N Not found`), counters (`Error: 0`),
//! banners full of `#`, lines with `>`, `%`, `invalid`, long tables.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{Link, serve};
use oxscript::emulator::{Handler, LoginType, VirtualDevice};
use oxscript::transport::Error;
use oxscript::{Session, SessionOptions};
use toml::Value;

/// One driver's cases.
struct Cases {
    file: String,
    driver: String,
    prompt: String,
    outputs: Vec<(String, String)>,
    rejections: Vec<(String, String, String)>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fidelity")
}

fn field(table: &Value, key: &str, file: &str) -> String {
    table
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{file}: `{key}` missing or not a string"))
        .to_owned()
}

fn load(path: &Path) -> Cases {
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let root: Value = toml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let list = |key: &str| -> Vec<Value> {
        root.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    Cases {
        driver: field(&root, "driver", &file),
        prompt: field(&root, "prompt", &file),
        outputs: list("output")
            .iter()
            .map(|t| (field(t, "command", &file), field(t, "text", &file)))
            .collect(),
        rejections: list("rejection")
            .iter()
            .map(|t| {
                (
                    field(t, "command", &file),
                    field(t, "text", &file),
                    field(t, "line", &file),
                )
            })
            .collect(),
        file,
    }
}

fn all_cases() -> Vec<Cases> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load(p)).collect()
}

fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// A device that shows `cases.prompt` and answers each case's command.
fn device(cases: &Cases) -> VirtualDevice {
    let mut device = VirtualDevice::new("fidelity")
        .with_login_type(LoginType::None)
        .with_prompt(crlf(&cases.prompt));
    let answers = cases
        .outputs
        .iter()
        .map(|(c, t)| (c, t))
        .chain(cases.rejections.iter().map(|(c, t, _)| (c, t)));
    for (command, text) in answers {
        let pattern = format!("{}[ \\t]*$", regex::escape(command));
        device
            .add_command(&pattern, Handler::from(crlf(text)), true)
            .unwrap();
    }
    device
}

async fn run(cases: &Cases, link: Link) -> Vec<String> {
    let mut failures = Vec::new();
    let served = serve(link, device(cases)).await;
    let options = SessionOptions {
        driver: Some(cases.driver.clone()),
        ..served.options()
    };
    let at = format!("{} over {link:?}", cases.file);
    let mut session = Session::connect_with(&served.host(None), options)
        .await
        .unwrap_or_else(|e| panic!("{at}: {e}"));
    session
        .expect_prompt()
        .await
        .unwrap_or_else(|e| panic!("{at}: no first prompt: {e}"));
    for (command, text) in &cases.outputs {
        // Byte for byte: what arrived before the prompt is the echo and the
        // output as the device sent it, then the CR of the line break
        // before the prompt (prompt matches start at its LF); `text()` is
        // the output with `\n` line ends.
        let raw = format!("{command}\r\n{}\r", crlf(text));
        let lf = crlf(text).replace("\r\n", "\n");
        match session.execute(command).await {
            Ok(response) if response.raw() == raw && response.text() == lf => {}
            Ok(response) => failures.push(format!(
                "{at}: `{command}` came back changed:\n--- sent\n{raw:?}\n--- received\n{:?}\n--- text\n{:?}",
                response.raw(),
                response.text()
            )),
            Err(e) => failures.push(format!("{at}: `{command}` failed: {e}")),
        }
    }
    for (command, _, line) in &cases.rejections {
        match session.execute(command).await {
            Err(Error::InvalidCommand { line: found, .. }) if &found == line => {}
            Err(Error::InvalidCommand { line: found, .. }) => failures.push(format!(
                "{at}: `{command}` refused on the wrong line: {found:?}, expected {line:?}"
            )),
            other => failures.push(format!(
                "{at}: `{command}` is a rejection, but gave {:?}",
                other.map(|r| r.text().to_owned())
            )),
        }
    }
    session.close().await.unwrap();
    served.stop().await;
    failures
}

async fn every_driver(link: Link) {
    let cases = all_cases();
    assert!(
        !cases.is_empty(),
        "no fidelity cases in {}",
        dir().display()
    );
    let mut failures = Vec::new();
    for c in &cases {
        failures.extend(run(c, link).await);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_output_comes_back_exact_and_every_rejection_is_flagged_over_telnet() {
    every_driver(Link::Telnet).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_output_comes_back_exact_and_every_rejection_is_flagged_in_memory() {
    every_driver(Link::Dummy).await;
}
