//! The emulated `python3 -i`: a prompt (`>>> ` until `sys.ps1` is set),
//! the tiny Python of [`super::pyexpr`], tracebacks for exceptions, and
//! the remote runner protocol of oxscript's shells crate (version 1).
//!
//! The runner protocol, as emulated:
//!
//! - Bootstrap: `_oxb='<base64>'`, then `_oxb+='<base64>'` lines, then
//!   `exec(__import__('base64').b64decode(_oxb).decode('utf-8'))`. The
//!   emulator does not run the decoded source: it checks that it starts
//!   with the header line [`RUNNER_HEADER`] and defines `_oxr`.
//! - Requests: `_oxr.a('<base64>')` appends a piece of a request,
//!   `_oxr.r('<base64>')` appends the last piece and runs it. A request
//!   is a JSON object `{"id", "op", ...}` with `op` one of `ping`,
//!   `eval` (`code`: an expression), `exec` (`code`: statements),
//!   `assign` (`handle` = value of `code`), `call` (`handle`.`method`
//!   (`args`), stored in `assign` when given), `get` (`handle`), `drop`
//!   (`handles`). Names live in a namespace of the runner's own.
//! - Response: the line `<<OXR:<id>:<length>:<json>:<id>>>` where the
//!   JSON (ASCII only, `length` bytes) is `{"ok": true, "value", "json":
//!   true, "repr", "output"}` or `{"ok": false, "type", "message",
//!   "traceback", "output"}`; `output` is what `print` wrote meanwhile.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::pyexpr::{self, Effect, Env, Namespace, PyError, PyResult};
use super::words::split_commands;

/// The first line of the runner source the bootstrap must decode to.
pub(super) const RUNNER_HEADER: &str = "# oxscript python runner, protocol 1";

const BOOTSTRAP_PREFIX: &str = "exec(__import__('base64').b64decode(";

/// The banner `python3` shows without `-q`.
pub(super) const BANNER: &str = "Python 3.11.2 (main, Mar 13 2023, 12:18:29) [GCC 12.2.0] on linux\n\
Type \"help\", \"copyright\", \"credits\" or \"license\" for more information.\n";

/// One running interpreter.
#[derive(Debug)]
pub(super) struct Python {
    pub(super) ps1: String,
    pub(super) ps2: String,
    ns: Namespace,
    /// The runner's namespace, once bootstrapped.
    runner: Option<Namespace>,
    /// Request pieces received so far.
    pending: String,
}

/// What a line did to the interpreter.
pub(super) enum Outcome {
    /// Text to show; the interpreter goes on.
    Text(String),
    /// `exit()`: the interpreter ends.
    Exit,
}

impl Python {
    pub(super) fn new() -> Self {
        Python {
            ps1: ">>> ".into(),
            ps2: "... ".into(),
            ns: Namespace::new(),
            runner: None,
            pending: String::new(),
        }
    }

    /// Runs one input line.
    pub(super) fn line(&mut self, line: &str) -> Outcome {
        let mut out = String::new();
        for statement in split_commands(line) {
            let statement = statement.trim();
            if matches!(statement, "exit()" | "quit()") {
                return Outcome::Exit;
            }
            if let Err(e) = self.statement(statement, &mut out) {
                out.push_str(&e.traceback("<stdin>"));
                break;
            }
        }
        Outcome::Text(out)
    }

    fn statement(&mut self, statement: &str, out: &mut String) -> PyResult<()> {
        if let Some(rest) = statement.strip_prefix(BOOTSTRAP_PREFIX) {
            return self.bootstrap(rest);
        }
        if self.ns.contains_key("_oxr")
            && let Some((last, piece)) = runner_piece(statement)
        {
            self.pending.push_str(piece);
            if last {
                let request = std::mem::take(&mut self.pending);
                out.push_str(&self.request(&request));
            }
            return Ok(());
        }
        let effect = pyexpr::exec_statement(
            &mut Env {
                ns: &mut self.ns,
                out,
            },
            statement,
        )?;
        match effect {
            Effect::Value(Value::Null) | Effect::Nothing => {}
            Effect::Value(v) => {
                out.push_str(&pyexpr::repr(&v));
                out.push('\n');
            }
            Effect::Prompt(1, text) => self.ps1 = text,
            Effect::Prompt(_, text) => self.ps2 = text,
        }
        Ok(())
    }

    /// `exec(__import__('base64').b64decode(NAME).decode('utf-8'))`.
    fn bootstrap(&mut self, rest: &str) -> PyResult<()> {
        let name = rest
            .strip_suffix(").decode('utf-8'))")
            .ok_or_else(|| PyError::new("SyntaxError", "invalid syntax"))?;
        let encoded = match self.ns.get(name) {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(PyError::new("TypeError", "argument should be a str")),
            None => {
                return Err(PyError::new(
                    "NameError",
                    format!("name '{name}' is not defined"),
                ));
            }
        };
        let source = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_bytes())
            .map_err(|e| PyError::new("binascii.Error", e.to_string()))?;
        if !source.starts_with(RUNNER_HEADER.as_bytes()) {
            return Err(PyError::new(
                "NotImplementedError",
                "the emulated python3 only runs the oxscript runner bootstrap",
            ));
        }
        self.runner = Some(Namespace::new());
        self.ns
            .insert("_oxr".into(), Value::String("<oxscript runner>".into()));
        Ok(())
    }

    /// Runs a whole request (base64 of JSON); returns the response line.
    fn request(&mut self, encoded: &str) -> String {
        let request: Option<Map<String, Value>> = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_bytes())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let Some(request) = request else {
            return "Traceback (most recent call last):\n  File \"<stdin>\", line 1, in <module>\nValueError: malformed runner request\n".into();
        };
        let id = field(&request, "id").to_owned();
        let ns = self.runner.get_or_insert_with(Namespace::new);
        let mut output = String::new();
        let result = run_op(ns, &request, &mut output);
        let response = match result {
            Ok(value) => json!({
                "ok": true,
                "repr": pyexpr::repr(&value),
                "value": value,
                "json": true,
                "output": output,
            }),
            Err(e) => json!({
                "ok": false,
                "type": e.kind,
                "message": e.message,
                "traceback": e.traceback("<oxscript>"),
                "output": output,
            }),
        };
        let payload = ascii_json(&response);
        format!("<<OXR:{id}:{}:{payload}:{id}>>\n", payload.len())
    }
}

/// `_oxr.a('…')` (a piece) or `_oxr.r('…')` (the last piece).
fn runner_piece(statement: &str) -> Option<(bool, &str)> {
    let (last, rest) = if let Some(rest) = statement.strip_prefix("_oxr.r('") {
        (true, rest)
    } else {
        (false, statement.strip_prefix("_oxr.a('")?)
    };
    let piece = rest.strip_suffix("')")?;
    piece
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        .then_some((last, piece))
}

/// A text field of a runner request (empty when absent or not text).
fn field<'a>(request: &'a Map<String, Value>, key: &str) -> &'a str {
    request.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn run_op(ns: &mut Namespace, request: &Map<String, Value>, out: &mut String) -> PyResult<Value> {
    let text = |key: &str| field(request, key).to_owned();
    let lookup = |ns: &Namespace, name: &str| {
        ns.get(name)
            .cloned()
            .ok_or_else(|| PyError::new("NameError", format!("name '{name}' is not defined")))
    };
    match text("op").as_str() {
        "ping" => Ok(Value::from(1)),
        "eval" => pyexpr::eval(&mut Env { ns, out }, &text("code")),
        "exec" => {
            for statement in split_commands(&text("code").replace('\n', ";")) {
                pyexpr::exec_statement(&mut Env { ns, out }, statement.trim())?;
            }
            Ok(Value::Null)
        }
        "assign" => {
            let value = pyexpr::eval(&mut Env { ns, out }, &text("code"))?;
            ns.insert(text("handle"), value.clone());
            Ok(value)
        }
        "call" => {
            let handle = text("handle");
            let mut target = lookup(ns, &handle)?;
            let args = match request.get("args") {
                Some(Value::Array(args)) => args.clone(),
                _ => Vec::new(),
            };
            let value = pyexpr::call_method(&mut target, &text("method"), &args)?;
            ns.insert(handle, target);
            let to = text("assign");
            if !to.is_empty() {
                ns.insert(to, value.clone());
            }
            Ok(value)
        }
        "get" => lookup(ns, &text("handle")),
        "drop" => {
            if let Some(Value::Array(names)) = request.get("handles") {
                for name in names.iter().filter_map(Value::as_str) {
                    ns.remove(name);
                }
            }
            Ok(Value::Null)
        }
        other => Err(PyError::new(
            "ValueError",
            format!("unknown runner operation {other:?}"),
        )),
    }
}

/// JSON with every non-ASCII character escaped (`ensure_ascii=True`).
fn ascii_json(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    fn text(outcome: Outcome) -> String {
        match outcome {
            Outcome::Text(t) => t,
            Outcome::Exit => panic!("exited"),
        }
    }

    #[test]
    fn repl_and_runner() {
        let mut py = Python::new();
        assert_eq!(text(py.line("1 + 1")), "2\n");
        assert!(
            text(py.line("_oxr.r('e30=')")).ends_with("NameError: name '_oxr' is not defined\n")
        );
        let source = format!("{RUNNER_HEADER}\nclass Runner: ...\n");
        let encoded = b64(&source);
        let (a, b) = encoded.split_at(10);
        assert_eq!(text(py.line(&format!("_oxb='{a}'"))), "");
        assert_eq!(text(py.line(&format!("_oxb+='{b}'"))), "");
        let boot = "exec(__import__('base64').b64decode(_oxb).decode('utf-8'));del _oxb";
        assert_eq!(text(py.line(boot)), "");
        let request = b64(r#"{"id":"n1","op":"eval","code":"{'é': [1, 2.5]}"}"#);
        let (a, b) = request.split_at(8);
        assert_eq!(text(py.line(&format!("_oxr.a('{a}')"))), "");
        let frame = text(py.line(&format!("_oxr.r('{b}')")));
        let payload = r#"{"json":true,"ok":true,"output":"","repr":"{'\u00e9': [1, 2.5]}","value":{"\u00e9":[1,2.5]}}"#;
        assert_eq!(
            frame,
            format!("<<OXR:n1:{}:{payload}:n1>>\n", payload.len())
        );
        let request = b64(r#"{"id":"n2","op":"exec","code":"print('hi')\nraise KeyError('k')"}"#);
        let frame = text(py.line(&format!("_oxr.r('{request}')")));
        assert!(
            frame.contains(r#""ok":false"#) && frame.contains(r#""output":"hi\n""#),
            "{frame}"
        );
        assert!(frame.contains(r#""type":"KeyError""#), "{frame}");
        assert!(matches!(py.line("exit()"), Outcome::Exit));
    }
}
