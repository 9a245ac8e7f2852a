//! The examples of `docs/templates.md` run against an emulated Cisco IOS
//! router: every `exscript` block, and the Rust functions of the page
//! (copied here, with `oxscript_template` for the facade's
//! `oxscript::template`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use oxscript_core::{Account, Host};
use oxscript_emulator::{TelnetServer, ios};
use oxscript_template::{
    self as template, CompileOptions, Error, Functions, RunOptions, Template, Value, Variables,
};
use oxscript_transport::Session;

/// The `exscript` blocks of the page, with their line numbers.
fn examples() -> Vec<(usize, String)> {
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/templates.md");
    let text = std::fs::read_to_string(page).unwrap();
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_end() == "```exscript" => current = Some((i + 2, String::new())),
            Some(_) if line.trim_end() == "```" => out.extend(current.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    out
}

async fn router() -> (TelnetServer, Host) {
    let device = ios::device("router1")
        .with_credentials("admin", "cisco")
        .with_enable_password("enable");
    let server = TelnetServer::bind("127.0.0.1:0", device).await.unwrap();
    let mut host = Host::new(&server.url()).unwrap();
    host.set_account(Some(
        Account::builder("admin")
            .password("cisco")
            .authorization_password("enable")
            .build(),
    ));
    (server, host)
}

/// Logged in and privileged, terminal set up: as the command line runs
/// templates.
async fn session(host: &Host) -> Session {
    let mut session = Session::connect(host).await.unwrap();
    session.login(None).await.unwrap();
    session.autoinit().await.unwrap();
    session
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_of_the_guide_runs() {
    let examples = examples();
    assert!(examples.len() >= 8, "examples missing: {}", examples.len());
    let (server, host) = router().await;
    for (line, text) in examples {
        let options = CompileOptions {
            filename: Some(format!("docs/templates.md:{line}")),
            ..CompileOptions::default()
        };
        let template = Template::compile(&text, &options)
            .unwrap_or_else(|e| panic!("example at line {line} does not compile: {e}"));
        let mut session = session(&host).await;
        if let Err(e) = template.run(&mut session, RunOptions::default()).await {
            panic!("example at line {line} failed: {e}\n{text}");
        }
        session.close().await.unwrap();
    }
    server.shutdown().await;
}

// ----- the Rust functions of the page ---------------------------------------

async fn success_rate(session: &mut Session) -> Result<Option<String>, template::Error> {
    let mut vars = Variables::new();
    vars.set("target", "10.0.12.1");
    let text = "ping $target{extract /rate is (\\d+) percent/ as rate}\n";
    let result = template::eval(session, text, vars).await?;
    Ok(result.first_str("rate"))
}

async fn ping_from_all(sessions: Vec<Session>) -> Result<(), Error> {
    let options = CompileOptions {
        variables: vec!["target".into()],
        ..CompileOptions::default()
    };
    let template = Arc::new(Template::compile("ping $target\n", &options)?);
    let mut runs = Vec::new();
    for mut session in sessions {
        let template = Arc::clone(&template);
        runs.push(tokio::spawn(async move {
            let mut vars = Variables::new();
            vars.set("target", "10.0.12.1");
            template
                .run(&mut session, RunOptions::with_variables(vars))
                .await
        }));
    }
    for run in runs {
        run.await.expect("the run did not panic")?;
    }
    Ok(())
}

fn with_site_function() -> Result<Template, Error> {
    let mut functions = Functions::standard();
    functions.add("inventory.site", |call, _args| {
        let host = call
            .get("__hostname__")
            .and_then(Value::first)
            .map(ToString::to_string);
        Ok(Value::from(format!("site-of-{}", host.unwrap_or_default())))
    })?;
    let options = CompileOptions {
        functions: Some(Arc::new(functions)),
        ..CompileOptions::default()
    };
    Template::compile("{site = inventory.site()}\nshow version\n", &options)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_examples_of_the_guide_run() {
    let (server, host) = router().await;
    let mut one = session(&host).await;
    assert_eq!(
        success_rate(&mut one).await.unwrap().as_deref(),
        Some("100")
    );
    let vars = with_site_function()
        .unwrap()
        .run(&mut one, RunOptions::default())
        .await
        .unwrap();
    assert_eq!(vars.first_str("site").as_deref(), Some("site-of-127.0.0.1"));
    one.close().await.unwrap();
    let mut sessions = Vec::new();
    for _ in 0..3 {
        sessions.push(session(&host).await);
    }
    ping_from_all(sessions).await.unwrap();
    server.shutdown().await;
}
