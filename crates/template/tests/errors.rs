//! Errors: syntax errors name the file, line and column and show the line
//! with a caret; runtime errors name the statement; `fail` gives its
//! message; `try` catches device errors only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use oxscript_template::{
    CompileOptions, Error, MAX_DEPTH, RunOptions, Template, Variables, test, test_secure,
};

fn compile_error(text: &str) -> Error {
    let options = CompileOptions {
        filename: Some("t.exscript".into()),
        ..CompileOptions::default()
    };
    Template::compile(text, &options).unwrap_err()
}

/// The error's first line, and its caret line.
fn syntax(text: &str) -> (String, String) {
    let e = compile_error(text);
    assert!(matches!(e, Error::Syntax { .. }), "{e:?}");
    let shown = e.to_string();
    let mut lines = shown.lines();
    let first = lines.next().unwrap().to_owned();
    let _line = lines.next().unwrap();
    let caret = lines.next().unwrap().to_owned();
    (first, caret)
}

#[test]
fn syntax_errors_name_file_line_and_column_with_a_caret() {
    let e = compile_error("show version\n  {x=1}\n");
    assert_eq!(
        e.to_string(),
        "t.exscript:2:5: syntax error: expected a blank after the variable name \
         (write `name = value`) but got `=`\n    {x=1}\n      ^"
    );
    let location = e.location().unwrap();
    assert_eq!((location.line, location.column), (2, 5));
    assert_eq!(location.text, "  {x=1}");
}

#[test]
fn syntax_error_messages() {
    let cases: &[(&str, &str)] = &[
        (
            "ls $nope\n",
            "t.exscript:1:4: syntax error: undefined variable `nope`",
        ),
        (
            "{x = nope}\n",
            "t.exscript:1:6: syntax error: undefined variable `nope`",
        ),
        (
            "{x = 1}\necho $x $1y\n",
            "t.exscript:2:9: syntax error: `1y` is not a variable name",
        ),
        (
            "{x = nope.fn(1)}\n",
            "t.exscript:1:6: syntax error: undefined function nope.fn",
        ),
        (
            "{list.get(1)}\n",
            "t.exscript:1:2: syntax error: list.get takes 2 argument(s), not 1",
        ),
        (
            "{extract /(a)(b)/ as x}\n",
            "t.exscript:1:10: syntax error: 1 variable(s), but the regular expression has 2 group(s)",
        ),
        (
            "{extract /(a)/ as x, x}\n",
            "t.exscript:1:22: syntax error: duplicate variable name x",
        ),
        (
            "{extract /(a)/ with x}\n",
            "t.exscript:1:16: syntax error: expected `as` or `into` but got name `with`",
        ),
        (
            "{x = /a(/}\n",
            "t.exscript:1:6: syntax error: invalid regular expression /a(/: ",
        ),
        (
            "{x = /(?=a)/}\n",
            "t.exscript:1:6: syntax error: invalid regular expression /(?=a)/: look-around assertions are not supported",
        ),
        (
            "{end}\n",
            "t.exscript:1:2: syntax error: `end` without a block to end",
        ),
        (
            "{else}\n",
            "t.exscript:1:2: syntax error: `else` without `if`",
        ),
        (
            "echo }\n",
            "t.exscript:1:6: syntax error: unexpected `}` in a command",
        ),
        (
            "echo \\\nls\n",
            "t.exscript:1:6: syntax error: a backslash at the end of a line",
        ),
        (
            "{if 1}\necho\n",
            "t.exscript:3:1: syntax error: the end of the template: the `if` at 1:2 is never closed by {end}",
        ),
        (
            "{x = 1\n",
            "t.exscript:2:1: syntax error: the end of the template: the `{` at 1:1 is never closed by `}`",
        ),
        (
            "{loop a as b}{end}\n",
            "t.exscript:1:7: syntax error: undefined variable `a`",
        ),
        (
            "{x = 0x1}\n",
            "t.exscript:1:6: syntax error: 0x1 is not a hexadecimal number",
        ),
        (
            "{x = 08}\n",
            "t.exscript:1:6: syntax error: 08 is not an octal number",
        ),
        (
            "{x = 99999999999999999999}\n",
            "t.exscript:1:6: syntax error: number 99999999999999999999 is too large",
        ),
        (
            "{__hostname__ = 1}\n",
            "t.exscript:1:2: syntax error: assignment to the built-in variable __hostname__",
        ),
        (
            "{x = \"abc}\n",
            "t.exscript:1:6: syntax error: unterminated string",
        ),
        (
            "{x = (1 + 2)}\n",
            "t.exscript:1:6: syntax error: expected a value",
        ),
        (
            "{x = 1 not 2}\n",
            "t.exscript:1:8: syntax error: `not` between two values",
        ),
        (
            "{l = list.new()}{loop l as a, b}{end}\n",
            "t.exscript:1:18: syntax error: 1 list(s), but 2 loop variable(s)",
        ),
        (
            "{l = list.new()}{loop l as a}{else}{end}\n",
            "t.exscript:1:31: syntax error: `else` inside a `loop` block",
        ),
        (
            "{if 1}{else}{else}{end}\n",
            "t.exscript:1:14: syntax error: a second `else` for the same `if`",
        ),
        (
            "{x = 1 +}\n",
            "t.exscript:1:9: syntax error: expected a value",
        ),
        (
            "{fail}\n",
            "t.exscript:1:6: syntax error: expected a blank after `fail` but got `}`",
        ),
    ];
    for (text, expected) in cases {
        let (first, _) = syntax(text);
        assert!(
            first.starts_with(expected),
            "{text:?}\n  got:      {first}\n  expected: {expected}"
        );
    }
}

#[test]
fn the_caret_points_at_the_column() {
    let (first, caret) = syntax("ls -l\nshow ip int brief {extract /(x)/ intox y}\n");
    assert!(first.starts_with("t.exscript:2:34:"), "{first}");
    assert_eq!(caret, format!("  {}^", " ".repeat(33)));
}

#[test]
fn nesting_is_limited() {
    let deep = |n: usize| "{if 1}".repeat(n) + &"{end}".repeat(n) + "\n";
    assert!(test(&deep(MAX_DEPTH), &Variables::new()).is_ok());
    let (first, _) = syntax(&deep(MAX_DEPTH + 1));
    assert!(
        first.contains(&format!("nest more than {MAX_DEPTH} deep")),
        "{first}"
    );
    let calls = |n: usize| {
        format!(
            "{{x = {}\"a\"{}}}\n",
            "string.tolower(".repeat(n),
            ")".repeat(n)
        )
    };
    assert!(test(&calls(MAX_DEPTH), &Variables::new()).is_ok());
    assert!(syntax(&calls(MAX_DEPTH + 1)).0.contains("nest more than"));
    // Long expressions and else-if chains are read without recursion.
    let long = format!("{{x = 1{}}}\n", " + 1".repeat(100_000));
    assert!(test(&long, &Variables::new()).is_ok());
    let chain = format!("{{if 0}}{}{{end}}\n", "{else if 0}".repeat(10_000));
    assert!(test(&chain, &Variables::new()).is_ok());
}

#[test]
fn variables_passed_in_are_declared() {
    let text = "ls -l $file\n";
    assert!(test(text, &Variables::new()).is_err());
    let mut vars = Variables::new();
    vars.set("file", ".profile");
    assert!(test(text, &vars).is_ok());
}

#[test]
fn secure_mode_refuses_file_and_sys() {
    for call in [
        "sys.exec(\"ls\")",
        "sys.env(\"HOME\")",
        "sys.message(\"hi\")",
        "sys.wait(1)",
        "file.exists(\"/etc\")",
        "file.read(\"/etc/passwd\")",
        "file.rm(\"x\")",
    ] {
        let text = format!("echo\n{{x = {call}}}\n");
        let e = test_secure(&text, &Variables::new()).unwrap_err();
        let Error::Permission { function, location } = &e else {
            panic!("{call}: {e:?}");
        };
        assert!(call.starts_with(function.as_str()), "{call}: {function}");
        assert_eq!((location.line, location.column), (2, 6));
        assert!(e.to_string().contains("insecure function"), "{e}");
        assert!(test(&text, &Variables::new()).is_ok(), "{call}");
    }
    let safe = "{x = string.toupper(\"a\")}{y = ipv4.network(\"10.0.0.1/8\")}\n\
                {z = crypt.otp(\"password\", \"abc\", 1)}{connection.set_prompt()}\n";
    test_secure(safe, &Variables::new()).unwrap();
}

#[test]
fn paste_refuses_what_waits_for_the_device() {
    let paste = CompileOptions {
        paste: true,
        ..CompileOptions::default()
    };
    for text in [
        "ls{extract /(x)/ as y}\n",
        "{connection.exec(\"ls\")}\n",
        "{connection.execline(\"ls\")}\n",
        "{connection.wait_for(/x/)}\n",
        "{connection.autoinit()}\n",
    ] {
        let e = Template::compile(text, &paste).unwrap_err();
        assert!(matches!(e, Error::Syntax { .. }), "{text}: {e}");
        assert!(
            Template::compile(text, &CompileOptions::default()).is_ok(),
            "{text}"
        );
    }
    Template::compile("ls\n{connection.sendline(\"x\")}\n{x = 1}\n", &paste).unwrap();
}

async fn run(text: &str) -> Result<Variables, Error> {
    let options = CompileOptions {
        filename: Some("t.exscript".into()),
        ..CompileOptions::default()
    };
    Template::compile(text, &options)?
        .run_without_session(RunOptions::default())
        .await
}

#[tokio::test]
async fn runtime_errors_name_the_statement() {
    let cases: &[(&str, &str)] = &[
        (
            "{x = \"abc\" + 1}\n",
            "t.exscript:1:12: operand for + is not a number: `abc`",
        ),
        ("{x = 1 / 0}\n", "t.exscript:1:8: division by zero in `/`"),
        (
            "{x = \"a\" gt 1}\n",
            "t.exscript:1:10: operand for gt is not a number: `a`",
        ),
        (
            "{a = list.new()}{append 1 to a}\n{b = list.new()}\n{loop a, b as x, y}{end}\n",
            "t.exscript:3:2: all list variables must have the same length (they have 1, 0)",
        ),
        (
            "{l = list.new()}\n{x = list.get(l, 3)}\n",
            "t.exscript:2:6: list.get: no item 3 in a list of 0",
        ),
        (
            "{x = \"a\" matches \"b\"}\n",
            "t.exscript:1:10: the right operand of `matches` is not a regular expression",
        ),
        (
            "{loop from \"a\" to 3}{end}\n",
            "t.exscript:1:12: the start of `loop from` is not a number: `a`",
        ),
        (
            "{x = crypt.otp(\"abc\", \"seed\", 1)}\n",
            "t.exscript:1:6: crypt.otp: the password must have 4 to 63 characters, not 3",
        ),
        (
            "{v = \"(\"}{x = \"a\" matches /$v/}\n",
            "t.exscript:1:15: invalid regular expression /(/",
        ),
    ];
    for (text, expected) in cases {
        let e = run(text).await.unwrap_err();
        assert!(matches!(e, Error::Runtime { .. }), "{text}: {e:?}");
        assert!(
            e.to_string().starts_with(expected),
            "{text}\n  got:      {e}\n  expected: {expected}"
        );
    }
}

#[tokio::test]
async fn fail_gives_its_message_and_try_does_not_catch_it() {
    let e = run("{x = 2}\n{try}\n{fail \"x is $x\" if x gt 1}\n{end}\n")
        .await
        .unwrap_err();
    let Error::Fail { message, location } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(message, "x is 2");
    assert_eq!((location.line, location.column), (3, 2));
    assert_eq!(e.to_string(), "t.exscript:3:2: fail: x is 2");
    assert!(run("{fail \"no\" if 0}\n").await.is_ok());
}

#[tokio::test]
async fn try_catches_device_errors() {
    // Without a connection every command is a device error.
    let vars = run("{x = 1}\n{try}\nshow version\n{x = 2}\n{end}\n{y = x + 1}\n")
        .await
        .unwrap();
    assert_eq!(vars.first_str("y").as_deref(), Some("2"));
    let e = run("show version\n").await.unwrap_err();
    assert!(e.is_device_error(), "{e:?}");
    assert!(e.to_string().starts_with("t.exscript:1:1: "), "{e}");
}
