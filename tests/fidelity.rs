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
//! [[output]]                      # a long table: `text`, then `rows` lines
//! command = "show mac address-table"
//! text = """…header…"""
//! rows = 600                      # `row` written for n = 0, 1, …, 599
//! row = "{n%4094+1:4}    5254.00{n/256:02x}.{n%256:02x}00    DYNAMIC     Gi1/0/{n%48+1}"
//! after = """…footer…"""          # optional, after the rows
//! [[rejection]]                   # refused: InvalidCommand naming `line`
//! command = "show ip bgpp"
//! text = """…"""
//! line = "% Invalid input detected at '^' marker."
//! ```
//!
//! In a `row`, `{expr}` or `{expr:spec}` is replaced: `expr` is `n` (the
//! row number) followed by integer operations applied left to right
//! (`%K`, `/K`, `+K`, `*K`); `spec` is an optional `-` (align left), an
//! optional `0` (pad with zeros), a width and an optional `x` (hex).
//!
//! Every built-in driver of the catalog has a case file named after it
//! (at least 4 outputs, one of them a table of several hundred lines, and
//! 2 rejections); the platforms
//! whose prompt spans two lines (JunOS's `{master:0}`, SR OS MD-CLI's
//! `[/]`, SR Linux's `--{ running }--`, PAN-OS's `[edit]`) are also
//! served in two writes split at every position, and must give the same
//! response each time.
//!
//! The outputs are written for this suite (shapes checked against public
//! captures of real devices), with the lines that trip naive error and
//! prompt detection: legends (`N Not found`), counters (`Error: 0`),
//! banners full of `#`, lines with `>`, `%`, `invalid`, long tables.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::VecDeque;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use common::{Link, serve};
use oxscript::emulator::{Handler, LoginType, VirtualDevice};
use oxscript::transport::Error;
use oxscript::{LinkKind, Session, SessionOptions};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
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
            .map(|t| (field(t, "command", &file), output_text(t, &file)))
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

/// An output's text: `text`, then `rows` lines written from `row`, then
/// `after`.
fn output_text(table: &Value, file: &str) -> String {
    let mut text = field(table, "text", file);
    let Some(rows) = table.get("rows") else {
        return text;
    };
    let rows = rows
        .as_integer()
        .unwrap_or_else(|| panic!("{file}: `rows` is not an integer"));
    let row = field(table, "row", file);
    for n in 0..rows {
        text.push('\n');
        text.push_str(&expand_row(&row, n, file));
    }
    if table.get("after").is_some() {
        text.push('\n');
        text.push_str(&field(table, "after", file));
    }
    text
}

/// `row` with each `{expr}` / `{expr:spec}` replaced for row number `n`
/// (see the module docs).
fn expand_row(row: &str, n: i64, file: &str) -> String {
    let mut out = String::new();
    let mut rest = row;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .unwrap_or_else(|| panic!("{file}: unclosed `{{` in {row:?}"))
            + open;
        let inner = &rest[open + 1..close];
        let (expr, spec) = inner.split_once(':').unwrap_or((inner, ""));
        let value = eval_row_expr(expr, n)
            .unwrap_or_else(|| panic!("{file}: bad expression {expr:?} in {row:?}"));
        out.push_str(&format_row_value(value, spec));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// `n` followed by `%K`, `/K`, `+K`, `*K`, applied left to right.
fn eval_row_expr(expr: &str, n: i64) -> Option<i64> {
    let mut rest = expr.trim().strip_prefix('n')?;
    let mut value = n;
    while let Some(op) = rest.chars().next() {
        let digits = rest[1..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(rest.len(), |i| i + 1);
        let k: i64 = rest[1..digits].parse().ok()?;
        value = match op {
            '%' => value.checked_rem(k)?,
            '/' => value.checked_div(k)?,
            '+' => value + k,
            '*' => value * k,
            _ => return None,
        };
        rest = &rest[digits..];
    }
    Some(value)
}

fn format_row_value(value: i64, spec: &str) -> String {
    let (left, spec) = spec.strip_prefix('-').map_or((false, spec), |s| (true, s));
    let (hex, spec) = spec.strip_suffix('x').map_or((false, spec), |s| (true, s));
    let zero = spec.starts_with('0');
    let width: usize = spec.parse().unwrap_or(0);
    let digits = if hex {
        format!("{value:x}")
    } else {
        value.to_string()
    };
    match (left, zero) {
        (true, _) => format!("{digits:<width$}"),
        (false, true) => format!("{digits:0>width$}"),
        (false, false) => format!("{digits:>width$}"),
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

/// What `Response::text` gives for an output: `\n` line ends, without
/// the blank lines that open or close it (JunOS starts many outputs with
/// one).
fn expected_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let blank = |l: &&str| l.trim().is_empty();
    let start = lines.iter().position(|l| !blank(l)).unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !blank(l))
        .map_or(start, |i| i + 1);
    lines[start..end].join("\n")
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
        // the output with `\n` line ends (see `expected_text`).
        let raw = format!("{command}\r\n{}\r", crlf(text));
        let lf = expected_text(text);
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

#[test]
fn every_case_file_has_outputs_a_long_table_and_rejections() {
    for c in all_cases() {
        assert!(c.outputs.len() >= 4, "{}: fewer than 4 outputs", c.file);
        assert!(
            c.rejections.len() >= 2,
            "{}: fewer than 2 rejections",
            c.file
        );
        for (command, text) in c
            .outputs
            .iter()
            .map(|(c, t)| (c, t))
            .chain(c.rejections.iter().map(|(c, t, _)| (c, t)))
        {
            assert!(
                !text.ends_with('\n'),
                "{}: `{command}`: the text ends with a line break (the device writes the one before its prompt)",
                c.file
            );
        }
        let longest = c.outputs.iter().map(|(_, t)| t.lines().count()).max();
        assert!(
            longest.is_some_and(|n| n >= 300),
            "{}: no output of 300 lines or more (longest: {longest:?})",
            c.file
        );
        let mut commands: Vec<&String> = c
            .outputs
            .iter()
            .map(|(command, _)| command)
            .chain(c.rejections.iter().map(|(command, _, _)| command))
            .collect();
        commands.sort();
        let count = commands.len();
        commands.dedup();
        assert_eq!(
            commands.len(),
            count,
            "{}: a command is listed twice",
            c.file
        );
    }
}

/// Every built-in driver of the catalog has its case file,
/// `tests/fidelity/<name>.toml`, for that driver, with outputs and
/// rejections (every platform of the catalog, `generic` and `shell`
/// included, has a way to refuse a command).
#[test]
fn every_catalog_driver_has_a_case_file_with_outputs_and_rejections() {
    let cases = all_cases();
    let mut missing = Vec::new();
    for name in oxscript::drivers::builtin().names() {
        let file = format!("{name}.toml");
        match cases.iter().find(|c| c.file == file) {
            None => missing.push(format!("{file}: missing")),
            Some(c) if c.driver != name => {
                missing.push(format!("{file}: serves driver {:?}", c.driver))
            }
            Some(c) if c.outputs.is_empty() || c.rejections.is_empty() => {
                missing.push(format!("{file}: no output or no rejection"))
            }
            Some(_) => {}
        }
    }
    assert!(
        missing.is_empty(),
        "catalog drivers without fidelity cases:\n{}",
        missing.join("\n")
    );
}

#[test]
fn row_templates_expand() {
    let row = "Gi1/0/{n%48+1:-3}|{n/256:02x}.{n%256:02x}|{n*2+1:4}|{n}";
    assert_eq!(expand_row(row, 0, "t"), "Gi1/0/1  |00.00|   1|0");
    assert_eq!(expand_row(row, 300, "t"), "Gi1/0/13 |01.2c| 601|300");
}

/// A device on an in-memory stream that answers each command line with
/// the echo, the output and the prompt in two writes, split at a given
/// byte. A read never crosses the split, and the first read after it
/// returns `Pending` once (waking itself), so that on a current-thread
/// runtime the Session's waiter searches the first part before the
/// second arrives.
struct SplitDevice {
    /// Chunks still to deliver; `true` marks the first part of a split.
    chunks: VecDeque<(Vec<u8>, bool)>,
    /// Set after the first part of a split was read.
    hold: bool,
    /// The answers, in the order the commands are sent: the bytes and
    /// where to split them.
    plan: VecDeque<(Vec<u8>, usize)>,
    /// Input not yet ended by a line end.
    line: Vec<u8>,
    /// The last byte written was CR (a following LF ends no line).
    after_cr: bool,
    reader: Option<Waker>,
}

impl SplitDevice {
    fn new(first_prompt: &[u8], plan: VecDeque<(Vec<u8>, usize)>) -> SplitDevice {
        SplitDevice {
            chunks: VecDeque::from([(first_prompt.to_vec(), false)]),
            hold: false,
            plan,
            line: Vec::new(),
            after_cr: false,
            reader: None,
        }
    }
}

impl AsyncRead for SplitDevice {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.hold {
            this.hold = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let Some((chunk, first)) = this.chunks.front_mut() else {
            this.reader = Some(cx.waker().clone());
            return Poll::Pending;
        };
        let n = chunk.len().min(buf.remaining());
        buf.put_slice(&chunk[..n]);
        chunk.drain(..n);
        if chunk.is_empty() {
            this.hold = *first;
            this.chunks.pop_front();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for SplitDevice {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        for &b in data {
            let ends = b == b'\r' || (b == b'\n' && !this.after_cr);
            this.after_cr = b == b'\r';
            if !ends {
                if b != b'\n' {
                    this.line.push(b);
                }
                continue;
            }
            this.line.clear();
            if let Some((answer, at)) = this.plan.pop_front() {
                let (first, second) = answer.split_at(at);
                this.chunks.push_back((first.to_vec(), true));
                this.chunks.push_back((second.to_vec(), false));
                if let Some(w) = this.reader.take() {
                    w.wake();
                }
            }
        }
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// What one command is expected to give, whatever the split.
enum Expected {
    Output { raw: String, text: String },
    Rejection { line: String },
}

/// The split positions tried for `answer`: all of them for the first
/// output and the rejections, and the last 512 bytes (where the output
/// ends and the prompt's lines are) for the others; never inside the
/// blanks that end the prompt. (A prompt is complete without them: when
/// they arrive in a later read they are not part of this response but
/// lead the next one's `raw()`, where tying the response to its echo
/// drops them.)
fn split_positions(answer: &[u8], all: bool) -> std::ops::Range<usize> {
    let end = answer.len() - answer.iter().rev().take_while(|&&b| b == b' ').count();
    let start = if all {
        1
    } else {
        end.saturating_sub(512).max(1)
    };
    start..end
}

#[tokio::test(flavor = "current_thread")]
async fn two_line_prompts_give_the_same_response_at_every_read_split() {
    // A spawned task, not the test's own future: on a current-thread
    // runtime tasks run in the order they were woken, so the Session's
    // waiter runs between the I/O task's two reads (the runtime polls
    // its `block_on` future only now and then).
    tokio::spawn(every_split()).await.unwrap();
}

async fn every_split() {
    let two_line: Vec<Cases> = all_cases()
        .into_iter()
        .filter(|c| c.prompt.trim_end().contains('\n'))
        .collect();
    let names: Vec<&str> = two_line.iter().map(|c| c.driver.as_str()).collect();
    for expected in ["junos", "nokia_srl", "paloalto_panos", "sros"] {
        assert!(
            names.contains(&expected),
            "{expected}: no two-line prompt in its case file"
        );
    }
    let mut failures = Vec::new();
    let mut responses = 0;
    for cases in &two_line {
        let prompt = crlf(&cases.prompt);
        // Each command once for every split position.
        let mut plan = VecDeque::new();
        let mut expect = Vec::new();
        let answers = cases
            .outputs
            .iter()
            .enumerate()
            .map(|(i, (command, text))| {
                let expected = Expected::Output {
                    raw: format!("{command}\r\n{}\r", crlf(text)),
                    text: expected_text(text),
                };
                (command, text, expected, i == 0)
            })
            .chain(cases.rejections.iter().map(|(command, text, line)| {
                (
                    command,
                    text,
                    Expected::Rejection { line: line.clone() },
                    true,
                )
            }));
        for (command, text, expected, all) in answers {
            let answer = format!("{command}\r\n{}\r\n{prompt}", crlf(text)).into_bytes();
            let expected = std::sync::Arc::new(expected);
            for at in split_positions(&answer, all) {
                plan.push_back((answer.clone(), at));
                expect.push((command.clone(), at, expected.clone()));
            }
        }
        let device = SplitDevice::new(prompt.as_bytes(), plan);
        let options = SessionOptions {
            driver: Some(cases.driver.clone()),
            ..SessionOptions::default()
        };
        let host = oxscript::Host::new("dummy://split").unwrap();
        let mut session = Session::over_stream(&host, Box::new(device), LinkKind::Raw, options)
            .await
            .unwrap();
        session.expect_prompt().await.unwrap();
        let first_prompt = session.prompt().map(str::to_owned);
        for (command, at, expected) in expect {
            let at_split = format!("{}: `{command}` split at byte {at}", cases.file);
            let result = session.execute(&command).await;
            responses += 1;
            match (&*expected, result) {
                (Expected::Output { raw, text }, Ok(r)) if r.raw() == raw && r.text() == text => {}
                (Expected::Output { .. }, Ok(r)) => {
                    failures.push(format!("{at_split}: response changed: {:?}", r.raw()))
                }
                (Expected::Rejection { line }, Err(Error::InvalidCommand { line: found, .. }))
                    if &found == line => {}
                (_, other) => failures.push(format!(
                    "{at_split}: gave {:?}",
                    other.map(|r| r.raw().to_owned())
                )),
            }
            if session.prompt().map(str::to_owned) != first_prompt {
                failures.push(format!(
                    "{at_split}: prompt {:?}, not {first_prompt:?}",
                    session.prompt()
                ));
            }
            if failures.len() > 20 {
                break;
            }
        }
        assert!(
            first_prompt
                .as_deref()
                .is_some_and(|p| p.trim_start().lines().count() == 2),
            "{}: the prompt match holds both lines: {first_prompt:?}",
            cases.file
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(responses > 1000, "only {responses} responses checked");
}
