//! Conformance with Exscript 2.6: every case in the repository's
//! `tests/templates/` runs against the conformance device over Telnet and
//! over SSH, and what the device sent (the transcript) and the variables
//! at the end are compared, byte for byte, with the files Exscript itself
//! produced on the same device (`tests/templates/record.py`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};

use oxscript_template::{CompileOptions, Error, RunOptions, Template};
use support::{
    Link, SENTINEL, SENTINEL_OUTPUT, Served, cut_at_sentinel, parse_input_variables,
    render_variables,
};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/templates")
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Exscript's exception class for an error.
fn exscript_class(error: &Error) -> &'static str {
    match error {
        Error::Syntax { .. } => "CompileError",
        Error::Permission { .. } => "PermissionError",
        Error::Runtime { .. } => "ExecuteError",
        Error::Fail { .. } => "FailException",
        Error::Device { source, .. } => match **source {
            oxscript_transport::Error::InvalidCommand { .. } => "InvalidCommandException",
            oxscript_transport::Error::Timeout { .. } => "TimeoutException",
            _ => "ProtocolException",
        },
        _ => "Exception",
    }
}

async fn run_case(served: &Served, dir: &Path) -> Vec<String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let source = read(&dir.join("test.exscript")).unwrap();
    let options = read(&dir.join("options")).unwrap_or_default();
    let variables = parse_input_variables(&read(&dir.join("variables.in")).unwrap_or_default());
    let compile = CompileOptions {
        filename: Some(format!("{name}/test.exscript")),
        variables: variables.names().map(str::to_owned).collect(),
        strip_command: !options.contains("no-strip"),
        paste: options.contains("paste"),
        ..CompileOptions::default()
    };
    let template = Template::compile(&source, &compile).unwrap();
    let (mut session, recorder) = served.session().await;
    let result = template
        .run(&mut session, RunOptions::with_variables(variables))
        .await;
    // The device answers in order: once the sentinel's output is here,
    // everything before it is too.
    session.send_line(SENTINEL).await.unwrap();
    session.expect(SENTINEL_OUTPUT).await.unwrap();
    let transcript = cut_at_sentinel(&recorder.text());
    session.close().await.unwrap();

    let mut problems = Vec::new();
    let expected = read(&dir.join("expected.transcript")).unwrap();
    if transcript != expected {
        problems.push(format!(
            "{name}: transcript differs\n--- expected\n{expected}\n--- got\n{transcript}\n---"
        ));
    }
    match (result, read(&dir.join("expected.error"))) {
        (Ok(vars), None) => {
            let expected = read(&dir.join("expected.variables")).unwrap();
            let got = render_variables(&vars);
            if got != expected {
                problems.push(format!(
                    "{name}: variables differ\n--- expected\n{expected}--- got\n{got}---"
                ));
            }
        }
        (Ok(_), Some(class)) => {
            problems.push(format!("{name}: expected {} but it ran", class.trim()))
        }
        (Err(e), Some(class)) => {
            if exscript_class(&e) != class.trim() {
                problems.push(format!("{name}: expected {} but got {e}", class.trim()));
            }
        }
        (Err(e), None) => problems.push(format!("{name}: failed: {e}")),
    }
    problems
}

async fn conformance(link: Link) {
    let served = Served::start(link).await;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("test.exscript").exists())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 10,
        "cases missing in {}",
        cases_dir().display()
    );
    let mut problems = Vec::new();
    for dir in &dirs {
        problems.extend(run_case(&served, dir).await);
    }
    served.stop().await;
    assert!(problems.is_empty(), "{link:?}:\n{}", problems.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_over_telnet() {
    conformance(Link::Telnet).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_over_ssh() {
    conformance(Link::Ssh).await;
}

/// What a wait matched is in the transcript when the wait returns (the
/// comparisons above rely on it): the transcript starts right after the
/// login prompt and holds the whole first response.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_transcript_is_complete_when_a_wait_returns() {
    let served = Served::start(Link::Telnet).await;
    for _ in 0..30 {
        let (mut session, recorder) = served.session().await;
        session.execute("echo x").await.unwrap();
        assert_eq!(recorder.text(), "echo x\nx\ndummy> ");
        session.close().await.unwrap();
    }
    served.stop().await;
}
