//! The API: compiled templates shared across runs, user functions,
//! variables in and out, and the Exscript-style entry points.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};

use oxscript_template::{
    BoxFuture, Call, CompileOptions, Error, Function, FunctionError, Functions, Item, RunOptions,
    Template, Value, Variables,
};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn compiled_templates_are_send_and_sync() {
    assert_send_sync::<Template>();
    assert_send_sync::<Functions>();
    assert_send_sync::<Error>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_template_runs_many_times_at_once() {
    let options = CompileOptions {
        variables: vec!["n".into()],
        ..CompileOptions::default()
    };
    let template = Arc::new(
        Template::compile(
            "{total = 0}\n{loop from 0 to n as i}{total = total + i}{end}\n",
            &options,
        )
        .unwrap(),
    );
    let mut tasks = Vec::new();
    for n in 0..200i64 {
        let template = Arc::clone(&template);
        tasks.push(tokio::spawn(async move {
            let mut vars = Variables::new();
            vars.set("n", n);
            let out = template
                .run_without_session(RunOptions::with_variables(vars))
                .await
                .unwrap();
            (n, out.get("total").cloned())
        }));
    }
    for task in tasks {
        let (n, total) = task.await.unwrap();
        assert_eq!(total, Some(Value::from(n * (n - 1) / 2)), "n = {n}");
    }
}

#[tokio::test]
async fn variables_in_and_out() {
    let mut vars = Variables::new();
    vars.set("name", "r1");
    vars.append("ifaces", "Gi0/1");
    vars.append("ifaces", "Gi0/2");
    vars.set("unused", 5);
    let options = CompileOptions {
        variables: vars.names().map(str::to_owned).collect(),
        ..CompileOptions::default()
    };
    let text = "{n = list.length(ifaces)}{label = name . \"/\" . n}\n\
                {if 0}{never = 1}{end}{extract /(x)/ as none from name}\n";
    let out = Template::compile(text, &options)
        .unwrap()
        .run_without_session(RunOptions::with_variables(vars))
        .await
        .unwrap();
    assert_eq!(out.first_str("label").as_deref(), Some("r1/2"));
    assert_eq!(out.get("n"), Some(&Value::from(2)));
    // Assigned later in the template but never run: None, as in Exscript.
    assert_eq!(out.get("never"), Some(&Value::single(Item::None)));
    assert_eq!(out.get("none"), Some(&Value::empty()));
    // Passed in and not used: kept.
    assert_eq!(out.get("unused"), Some(&Value::from(5)));
    assert_eq!(out.first_str("__hostname__").as_deref(), Some("undefined"));
    assert_eq!(out.first_str("__filename__").as_deref(), Some("<string>"));
    assert_eq!(out.get("__username__"), Some(&Value::single(Item::None)));
}

#[tokio::test]
async fn a_passed_in_variable_keeps_its_value_until_the_template_assigns_it() {
    // Exscript 2.6 replaces it by None from the start when the template
    // assigns it anywhere; oxscript keeps it until the assignment runs.
    let mut vars = Variables::new();
    vars.set("x", "passed");
    let options = CompileOptions {
        variables: vec!["x".into()],
        ..CompileOptions::default()
    };
    let out = Template::compile("{before = x}\n{x = \"set\"}\n", &options)
        .unwrap()
        .run_without_session(RunOptions::with_variables(vars))
        .await
        .unwrap();
    assert_eq!(out.first_str("before").as_deref(), Some("passed"));
    assert_eq!(out.first_str("x").as_deref(), Some("set"));
}

/// An async user function that reads and sets template variables.
struct Remember(Arc<Mutex<Vec<String>>>);

impl Function for Remember {
    fn call<'a>(
        &'a self,
        call: &'a mut Call<'_>,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value, FunctionError>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            let seen: Vec<String> = args.iter().flat_map(Value::strings).collect();
            self.0.lock().unwrap().extend(seen.iter().cloned());
            let host = call
                .get("__hostname__")
                .cloned()
                .unwrap_or_else(Value::empty);
            call.set("remembered", Value::from(seen));
            assert!(call.session().is_none());
            assert_eq!(call.name(), "mylib.remember");
            Ok(host)
        })
    }
}

#[tokio::test]
async fn user_functions() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut functions = Functions::standard();
    functions
        .add("mylib.double", |_, args| {
            let n = args
                .first()
                .and_then(Value::first)
                .and_then(Item::to_int)
                .ok_or("mylib.double wants a number")?;
            Ok(Value::from(n * 2))
        })
        .unwrap();
    functions
        .register("mylib.remember", Remember(Arc::clone(&log)), true)
        .unwrap();
    let options = CompileOptions {
        functions: Some(Arc::new(functions)),
        ..CompileOptions::default()
    };
    let text = "{x = mylib.double(\"21\")}\n{h = mylib.remember(\"a\", x)}\n";
    let template = Template::compile(text, &options).unwrap();
    let out = template
        .run_without_session(RunOptions::default())
        .await
        .unwrap();
    assert_eq!(out.get("x"), Some(&Value::from(42)));
    assert_eq!(out.get("remembered"), Some(&Value::list(["a", "42"])));
    assert_eq!(out.first_str("h").as_deref(), Some("undefined"));
    assert_eq!(*log.lock().unwrap(), ["a", "42"]);

    let e = Template::compile("{x = mylib.double(\"a\")}\n", &options)
        .unwrap()
        .run_without_session(RunOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "<string>:1:6: mylib.double: mylib.double wants a number"
    );
    // Only functions registered as secure pass test_secure.
    let secure = CompileOptions {
        secure: true,
        ..options.clone()
    };
    assert!(Template::compile("{x = mylib.remember(1)}\n", &secure).is_ok());
    assert!(matches!(
        Template::compile("{x = mylib.double(1)}\n", &secure),
        Err(Error::Permission { .. })
    ));
    // Without the table, the function is unknown.
    assert!(Template::compile(text, &CompileOptions::default()).is_err());
}

#[tokio::test]
async fn messages_go_to_the_sink() {
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&got);
    let options = RunOptions {
        on_message: Some(Arc::new(move |text: &str| {
            sink.lock().unwrap().push(text.to_owned())
        })),
        ..RunOptions::default()
    };
    let l = "{l = list.new()}{append \"a\" to l}{append 1 to l}";
    Template::compile(
        &format!("{l}\n{{sys.message(l)}}\n{{sys.message(\"done\")}}\n"),
        &CompileOptions::default(),
    )
    .unwrap()
    .run_without_session(options)
    .await
    .unwrap();
    assert_eq!(*got.lock().unwrap(), ["a1", "done"]);
}

#[tokio::test]
async fn files_and_the_local_system() {
    let dir = std::env::temp_dir().join(format!("oxscript-template-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.display();
    let text = format!(
        "{{file.mkdir(\"{d}/sub\", 0750)}}\n\
         {{file.write(\"{d}/sub/f\", \"one  \")}}\n\
         {{l = list.new()}}{{append \"two\" to l}}{{append \"three\" to l}}\n\
         {{file.write(\"{d}/sub/f\", l)}}\n\
         {{lines = file.read(\"{d}/sub/f\")}}\n\
         {{file.write(\"{d}/sub/g\", \"new\", \"w\")}}\n\
         {{file.chmod(\"{d}/sub/g\", 0600)}}\n\
         {{e = file.exists(\"{d}/sub/g\")}}\n\
         {{file.rm(\"{d}/sub/g\")}}\n\
         {{gone = file.exists(\"{d}/sub/g\")}}\n\
         {{file.clear(\"{d}/sub/f\")}}\n\
         {{empty = file.read(\"{d}/sub/f\")}}\n\
         {{sys.exec(\"echo out; echo err >&2; exit 3\")}}\n\
         {{output = __response__}}\n\
         {{path = sys.env(\"PATH\")}}\n\
         {{nothing = sys.env(\"OXSCRIPT_TEMPLATE_UNSET_VARIABLE\")}}\n\
         {{sys.wait(0)}}\n"
    );
    let out = Template::compile(&text, &CompileOptions::default())
        .unwrap()
        .run_without_session(RunOptions::default())
        .await
        .unwrap();
    assert_eq!(
        out.get("lines"),
        Some(&Value::list(["one\n", "two\n", "three\n"]))
    );
    assert_eq!(out.get("e"), Some(&Value::single(true)));
    assert_eq!(out.get("gone"), Some(&Value::single(false)));
    assert_eq!(out.get("empty"), Some(&Value::empty()));
    assert_eq!(out.get("output"), Some(&Value::list(["out", "err"])));
    assert!(!out.first_str("path").unwrap().is_empty());
    assert_eq!(out.first_str("nothing").as_deref(), Some(""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("sub"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o750 & !umask());
    }
    let again = format!("{{file.mkdir(\"{d}/sub\")}}\n");
    let e = Template::compile(&again, &CompileOptions::default())
        .unwrap()
        .run_without_session(RunOptions::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("it exists"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
fn umask() -> u32 {
    // The mode of a new directory asked for 0777 tells the umask.
    let probe = std::env::temp_dir().join(format!("oxscript-umask-{}", std::process::id()));
    let _ = std::fs::remove_dir(&probe);
    std::fs::create_dir(&probe).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
    std::fs::remove_dir(&probe).unwrap();
    0o777 & !mode
}

#[tokio::test]
async fn command_line_semicolons() {
    let options = CompileOptions {
        semicolons: true,
        ..CompileOptions::default()
    };
    // Without a connection each command fails; count them with try.
    let text = "{n = 0}\n{try}show clock{end}{n = n + 1};{try}show version{end}{n = n + 1}\n";
    let out = support::offline(text, &options).await.unwrap();
    assert_eq!(out.get("n"), Some(&Value::from(2)));
    // `\;` is a `;`: one command.
    let text = "{n = 0}{try}show a\\; show b{end}{n = n + 1}\n";
    let out = support::offline(text, &options).await.unwrap();
    assert_eq!(out.get("n"), Some(&Value::from(1)));
    assert!(oxscript_template::test("show clock; show version\n", &Variables::new()).is_ok());
}
