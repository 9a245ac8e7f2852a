//! The remote Python runner (crl `RunnerTerminal`, `AutoRunnerTerminal`,
//! remote proxies): Python code run in a [`PythonShell`](crate::PythonShell)
//! at the top of a stack, values coming back as JSON.
//!
//! # Protocol (version 1)
//!
//! A helper ([`HELPER`], a short Python source) is sent base64-encoded in
//! pieces (`_oxb='…'`, `_oxb+='…'`) and run with
//! `exec(__import__('base64').b64decode(_oxb).decode('utf-8'))`; it
//! defines `_oxr`, which keeps a namespace of its own. Each request is a
//! JSON object (`op`: `ping`, `eval`, `exec`, `assign`, `call`, `get`,
//! `drop`, with a fresh random `id`), sent base64-encoded as
//! `_oxr.a('…')` pieces and a final `_oxr.r('…')`. The helper runs it with
//! stdout and stderr captured, and answers with one line:
//!
//! ```text
//! <<OXR:<id>:<length>:<json>:<id>>>
//! ```
//!
//! The JSON is ASCII (`ensure_ascii`), `length` bytes long: `{"ok": true,
//! "value", "json", "repr", "output"}` or `{"ok": false, "type",
//! "message", "traceback", "output"}`. Neither the helper source nor the
//! requests ever appear in clear on the terminal (only base64 is typed,
//! and base64 has no `<` or `:`), the `id` is random per call, and the
//! length is checked, so no output of the user's code, no echo and no
//! prompt can be taken for a response.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as SyncMutex};

use base64::Engine as _;
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use tokio::sync::Mutex;
use tracing::Instrument as _;

use crate::stack::{ShellStack, nonce};
use crate::terminal::{AutoRecoveringTerminal, Hook};
use crate::{Error, Result};

/// The Python source of the runner helper (protocol 1).
pub const HELPER: &str = include_str!("helper.py");

/// Longest piece of base64 typed on one line (well under a canonical-mode
/// terminal's 4095-byte line limit).
pub(crate) const PIECE: usize = 1024;

/// Dropped handles are deleted remotely in batches of this size.
const GARBAGE_BATCH: usize = 8;

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// `text` in pieces of at most [`PIECE`] bytes (base64 is ASCII).
fn pieces(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return vec![""];
    }
    text.as_bytes()
        .chunks(PIECE)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect()
}

/// Assigns the base64 text `encoded` to the Python variable `name`, one
/// line of at most [`PIECE`] characters at a time (`name='…'`, then
/// `name+='…'`), each answered by the prompt: a canonical-mode terminal
/// cuts lines longer than 4095 bytes.
pub(crate) async fn assign_in_pieces(
    session: &mut oxscript_transport::Session,
    name: &str,
    encoded: &str,
) -> Result<()> {
    for (i, piece) in pieces(encoded).into_iter().enumerate() {
        let op = if i == 0 { "=" } else { "+=" };
        session.send_line(&format!("{name}{op}'{piece}'")).await?;
        session.expect_prompt().await?;
    }
    Ok(())
}

fn python_error(stack: &ShellStack) -> Option<Error> {
    (!stack.in_python()).then(|| {
        Error::Stack(format!(
            "the runner needs a Python shell at the top of the stack, found {}",
            stack
                .current()
                .map_or_else(|| "the Session's own shell".to_owned(), |s| s.describe())
        ))
    })
}

/// Sends the helper to the Python at the top of `stack` and checks it
/// answers.
pub(crate) async fn bootstrap(stack: &mut ShellStack) -> Result<()> {
    if let Some(e) = python_error(stack) {
        return Err(e);
    }
    let span = tracing::info_span!("runner.bootstrap");
    async {
        let encoded = b64(HELPER.as_bytes());
        let session = stack.session_mut();
        session.clear_buffer();
        assign_in_pieces(session, "_oxb", &encoded).await?;
        session
            .send_line("exec(__import__('base64').b64decode(_oxb).decode('utf-8'));del _oxb")
            .await?;
        let response = session.expect_prompt().await?;
        if response.text().contains("Traceback") {
            return Err(Error::Protocol {
                what: format!(
                    "the runner helper did not start: {}",
                    response.text().trim()
                ),
            });
        }
        let pong = exchange(stack, request("ping")).await?;
        match value_of(pong)? {
            Value::Number(n) if n.as_u64() == Some(1) => Ok(()),
            other => Err(Error::Protocol {
                what: format!("the runner answered ping with {other}"),
            }),
        }
    }
    .instrument(span)
    .await
}

fn request(op: &str) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("op".into(), Value::String(op.into()));
    map
}

/// Sends one request and reads its answer.
async fn exchange(
    stack: &mut ShellStack,
    mut request: Map<String, Value>,
) -> Result<Map<String, Value>> {
    if let Some(e) = python_error(stack) {
        return Err(e);
    }
    let id = nonce();
    request.insert("id".into(), Value::String(id.clone()));
    let op = request
        .get("op")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let span = tracing::debug_span!("runner.call", op, id = %id);
    async {
        let encoded = b64(Value::Object(request).to_string().as_bytes());
        let session = stack.session_mut();
        session.clear_buffer();
        let parts = pieces(&encoded);
        let last = parts.len() - 1;
        for (i, piece) in parts.into_iter().enumerate() {
            if i < last {
                session.send_line(&format!("_oxr.a('{piece}')")).await?;
                session.expect_prompt().await?;
            } else {
                session.send_line(&format!("_oxr.r('{piece}')")).await?;
            }
        }
        let begin = session.expect(format!(r"<<OXR:{id}:(\d+):")).await?;
        let length: usize = begin
            .groups
            .first()
            .cloned()
            .flatten()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| Error::Protocol {
                what: format!("no length in {:?}", begin.text),
            })?;
        let end = session.expect(format!(r":{id}>>")).await?;
        session.expect_prompt().await?;
        let payload = end.before;
        if payload.len() != length {
            return Err(Error::Protocol {
                what: format!(
                    "the answer announced {length} bytes but {} arrived",
                    payload.len()
                ),
            });
        }
        match serde_json::from_str::<Value>(&payload) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(Error::Protocol {
                what: format!("the answer is not an object: {other}"),
            }),
            Err(e) => Err(Error::Protocol {
                what: format!("the answer is not JSON: {e}"),
            }),
        }
    }
    .instrument(span)
    .await
}

fn text_of(reply: &Map<String, Value>, key: &str) -> String {
    reply
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The remote error of a failed reply, or the reply.
fn checked(reply: Map<String, Value>) -> Result<Map<String, Value>> {
    if reply.get("ok") == Some(&Value::Bool(true)) {
        return Ok(reply);
    }
    let e = Error::Remote {
        kind: text_of(&reply, "type"),
        message: text_of(&reply, "message"),
        traceback: text_of(&reply, "traceback"),
        output: text_of(&reply, "output"),
    };
    if let Error::Remote { traceback, .. } = &e {
        tracing::info!(traceback = %traceback, "remote Python exception");
    }
    Err(e)
}

/// The JSON value of a reply ([`Error::NotJson`] when it has none).
fn value_of(reply: Map<String, Value>) -> Result<Value> {
    let mut reply = checked(reply)?;
    if reply.get("json") != Some(&Value::Bool(true)) {
        return Err(Error::NotJson {
            repr: text_of(&reply, "repr"),
        });
    }
    Ok(reply.remove("value").unwrap_or(Value::Null))
}

enum Backend {
    Stack(ShellStack),
    Recover(AutoRecoveringTerminal),
}

struct Core {
    backend: Backend,
    counter: u64,
}

/// What handles share with their runner without locking it.
#[derive(Default)]
struct Shared {
    /// Dropped handles: (remote name, generation).
    garbage: SyncMutex<Vec<(String, u64)>>,
    live: AtomicUsize,
    max_handles: AtomicUsize,
}

/// Python code run remotely, values back as JSON (crl `RunnerTerminal`
/// and, built with [`recovering`](Self::recovering), `AutoRunnerTerminal`).
/// Cheap to clone: clones share the terminal.
///
/// ```no_run
/// use serde_json::json;
/// use oxscript_shells::{PythonShell, RunnerTerminal, ShellStack};
///
/// # async fn demo(session: oxscript_transport::Session) -> oxscript_shells::Result<()> {
/// let mut stack = ShellStack::new(session);
/// stack.push(PythonShell::new()).await?;
/// let runner = RunnerTerminal::new(stack).await?;
/// assert_eq!(runner.run_python("1 + 1").await?, json!(2));
/// let items = runner.assign("[3, 1, 2]").await?;
/// items.call("sort", vec![]).await?;
/// assert_eq!(items.value().await?, json!([1, 2, 3]));
/// match runner.run_python("1 / 0").await {
///     Err(oxscript_shells::Error::Remote { kind, traceback, .. }) => {
///         assert_eq!(kind, "ZeroDivisionError");
///         println!("{traceback}");
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RunnerTerminal {
    core: Arc<Mutex<Core>>,
    shared: Arc<Shared>,
}

impl fmt::Debug for RunnerTerminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunnerTerminal")
            .field("live_handles", &self.live_handles())
            .finish_non_exhaustive()
    }
}

/// Default limit of live handles.
const MAX_HANDLES: usize = 256;

impl RunnerTerminal {
    fn with_backend(backend: Backend) -> RunnerTerminal {
        let shared = Shared::default();
        shared.max_handles.store(MAX_HANDLES, Ordering::Relaxed);
        RunnerTerminal {
            core: Arc::new(Mutex::new(Core {
                backend,
                counter: 0,
            })),
            shared: Arc::new(shared),
        }
    }

    /// A runner on `stack`, whose top shell must be a
    /// [`PythonShell`](crate::PythonShell): sends the helper and checks
    /// it answers.
    pub async fn new(mut stack: ShellStack) -> Result<RunnerTerminal> {
        bootstrap(&mut stack).await?;
        Ok(RunnerTerminal::with_backend(Backend::Stack(stack)))
    }

    /// A runner on a recovering terminal whose last shell is a
    /// [`PythonShell`](crate::PythonShell) (crl `AutoRunnerTerminal`):
    /// after every (re)opening the helper is sent again, then the
    /// terminal's own `prepare` runs, then each of the `setup`
    /// statements (imports, helper definitions) runs in the runner's
    /// namespace. Calls recover like [`AutoRecoveringTerminal::run`];
    /// handles from before a recovery fail with [`Error::StaleHandle`].
    pub fn recovering(mut terminal: AutoRecoveringTerminal, setup: &[&str]) -> RunnerTerminal {
        let user = terminal.prepare.take();
        let setup: Arc<Vec<String>> = Arc::new(setup.iter().map(|s| (*s).to_owned()).collect());
        terminal.prepare = Some(hook(move |stack| {
            let user = user.clone();
            let setup = setup.clone();
            Box::pin(async move {
                bootstrap(stack).await?;
                if let Some(user) = user {
                    user(stack).await?;
                }
                for code in setup.iter() {
                    let mut req = request("exec");
                    req.insert("code".into(), Value::String(code.clone()));
                    checked(exchange(stack, req).await?)?;
                }
                Ok(())
            })
        }));
        RunnerTerminal::with_backend(Backend::Recover(terminal))
    }

    /// How many handles are alive (not dropped).
    pub fn live_handles(&self) -> usize {
        self.shared.live.load(Ordering::Relaxed)
    }

    /// Changes the limit of live handles (256 by default).
    pub fn set_max_handles(&self, limit: usize) {
        self.shared
            .max_handles
            .store(limit.max(1), Ordering::Relaxed);
    }

    /// Sends `request`; `handle` is the (name, generation) of the handle
    /// it uses, checked against the connection's generation.
    async fn call(
        &self,
        what: &str,
        request: Map<String, Value>,
        handle: Option<(&str, u64)>,
    ) -> Result<(Map<String, Value>, u64)> {
        let mut core = self.core.lock().await;
        let garbage = self.take_garbage();
        let handle = handle.map(|(name, generation)| (name.to_owned(), generation));
        let mut attempt = attempt(request, handle, garbage);
        match &mut core.backend {
            Backend::Stack(stack) => attempt(stack, 1).await,
            Backend::Recover(terminal) => terminal.with_stack(what, attempt).await,
        }
    }

    /// Dropped handles, when enough have piled up.
    fn take_garbage(&self) -> Vec<(String, u64)> {
        let mut garbage = self
            .shared
            .garbage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if garbage.len() >= GARBAGE_BATCH {
            std::mem::take(&mut *garbage)
        } else {
            Vec::new()
        }
    }

    /// Evaluates the Python expression `expr` remotely and returns its
    /// value (crl `run_python`). A remote exception is
    /// [`Error::Remote`] with the traceback; a value with no JSON form is
    /// [`Error::NotJson`].
    pub async fn run_python(&self, expr: &str) -> Result<Value> {
        let mut req = request("eval");
        req.insert("code".into(), Value::String(expr.into()));
        let (reply, _) = self.call("run_python", req, None).await?;
        value_of(reply)
    }

    /// Runs Python statements remotely; returns what they printed.
    pub async fn exec_python(&self, code: &str) -> Result<String> {
        let mut req = request("exec");
        req.insert("code".into(), Value::String(code.into()));
        let (reply, _) = self.call("exec_python", req, None).await?;
        Ok(text_of(&checked(reply)?, "output"))
    }

    /// Imports modules remotely (crl `import_libraries`).
    pub async fn import_libraries(&self, modules: &[&str]) -> Result<()> {
        for module in modules {
            self.exec_python(&format!("import {module}")).await?;
        }
        Ok(())
    }

    /// Evaluates `expr` remotely and keeps its value in a new handle,
    /// whatever its type (an open file, a socket).
    pub async fn assign(&self, expr: &str) -> Result<RemoteHandle> {
        let (handle, _) = self.assign_named(None, expr).await?;
        Ok(handle)
    }

    /// Keeps the value of `expr` remotely under `name` and returns the
    /// handle and, when it has a JSON form, the value (crl
    /// `assign_and_run_python`).
    pub async fn assign_and_run_python(
        &self,
        name: &str,
        expr: &str,
    ) -> Result<(RemoteHandle, Option<Value>)> {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(Error::Stack(format!("invalid Python handle name {name:?}")));
        }
        self.assign_named(Some(name.to_owned()), expr).await
    }

    async fn assign_named(
        &self,
        name: Option<String>,
        expr: &str,
    ) -> Result<(RemoteHandle, Option<Value>)> {
        let name = match name {
            Some(name) => name,
            None => self.new_name().await,
        };
        self.reserve()?;
        let mut req = request("assign");
        req.insert("code".into(), Value::String(expr.into()));
        req.insert("handle".into(), Value::String(name.clone()));
        let result = self.call("assign", req, None).await;
        let (reply, generation) = match result {
            Ok(ok) => ok,
            Err(e) => {
                self.shared.live.fetch_sub(1, Ordering::Relaxed);
                return Err(e);
            }
        };
        let handle = RemoteHandle {
            name,
            generation,
            runner: self.clone(),
        };
        let mut reply = checked(reply)?;
        let value = (reply.get("json") == Some(&Value::Bool(true)))
            .then(|| reply.remove("value"))
            .flatten();
        Ok((handle, value))
    }

    async fn new_name(&self) -> String {
        let mut core = self.core.lock().await;
        core.counter += 1;
        format!("_oxh{}", core.counter)
    }

    /// Counts a new live handle, unless the limit is reached.
    fn reserve(&self) -> Result<()> {
        let limit = self.shared.max_handles.load(Ordering::Relaxed);
        let live = self.shared.live.fetch_add(1, Ordering::Relaxed);
        if live >= limit {
            self.shared.live.fetch_sub(1, Ordering::Relaxed);
            return Err(Error::TooManyHandles { limit });
        }
        Ok(())
    }

    /// Deletes every dropped handle's remote value now.
    pub async fn collect_garbage(&self) -> Result<()> {
        let garbage: Vec<(String, u64)> = std::mem::take(
            &mut *self
                .shared
                .garbage
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if garbage.is_empty() {
            return Ok(());
        }
        let names: Vec<Value> = garbage
            .iter()
            .map(|(n, _)| Value::String(n.clone()))
            .collect();
        let generation = garbage.first().map_or(0, |(_, g)| *g);
        let mut req = request("drop");
        req.insert("handles".into(), Value::Array(names));
        // Names of an older connection are gone already: a stale reply is fine.
        match self
            .call("collect_garbage", req, Some(("garbage", generation)))
            .await
        {
            Ok((reply, _)) => checked(reply).map(|_| ()),
            Err(Error::StaleHandle { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Leaves Python and closes the connection (calling a recovering
    /// terminal's `finalize` first).
    pub async fn close(&self) -> Result<()> {
        let mut core = self.core.lock().await;
        match &mut core.backend {
            Backend::Stack(stack) => {
                stack.pop().await?;
                stack.session_mut().close_in_place().await;
            }
            Backend::Recover(terminal) => terminal.close().await,
        }
        Ok(())
    }
}

type Reply = (Map<String, Value>, u64);

/// One try of a call: refuses a stale handle, deletes piled-up dropped
/// handles of the same connection, then sends the request.
fn attempt(
    request: Map<String, Value>,
    handle: Option<(String, u64)>,
    garbage: Vec<(String, u64)>,
) -> impl for<'a> FnMut(&'a mut ShellStack, u64) -> BoxFuture<'a, Result<Reply>> {
    let mut garbage = Some(garbage);
    move |stack, generation| {
        let request = request.clone();
        let handle = handle.clone();
        let garbage = garbage.take().unwrap_or_default();
        Box::pin(async move {
            if let Some((name, born)) = handle
                && born != generation
            {
                return Err(Error::StaleHandle { handle: name });
            }
            let names: Vec<Value> = garbage
                .into_iter()
                .filter(|(_, g)| *g == generation)
                .map(|(n, _)| Value::String(n))
                .collect();
            if !names.is_empty() {
                let mut drop = crate::runner::request("drop");
                drop.insert("handles".into(), Value::Array(names));
                checked(exchange(stack, drop).await?)?;
            }
            let reply = exchange(stack, request).await?;
            Ok((reply, generation))
        })
    }
}

/// Helps the closure of a [`Hook`] get its higher-ranked type.
fn hook<F>(f: F) -> Hook
where
    F: for<'a> Fn(&'a mut ShellStack) -> BoxFuture<'a, Result<()>> + Send + Sync + 'static,
{
    Arc::new(f)
}

/// A remote Python value kept by name in the runner's namespace (crl
/// remote proxy). Dropping it marks the remote value for deletion (done
/// in batches on later calls, or by [`RunnerTerminal::collect_garbage`]).
pub struct RemoteHandle {
    name: String,
    generation: u64,
    runner: RunnerTerminal,
}

impl fmt::Debug for RemoteHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteHandle")
            .field("name", &self.name)
            .field("generation", &self.generation)
            .finish()
    }
}

impl RemoteHandle {
    /// The remote name (usable in code given to
    /// [`run_python`](RunnerTerminal::run_python)).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Calls `handle.method(*args)` remotely; returns the result's JSON
    /// value ([`Error::NotJson`] when it has none: use
    /// [`call_assign`](Self::call_assign)).
    pub async fn call(&self, method: &str, args: Vec<Value>) -> Result<Value> {
        let reply = self.call_inner(method, args, None).await?;
        value_of(reply)
    }

    /// Calls `handle.method(*args)` remotely and keeps the result in a
    /// new handle (crl `get_proxy_object_from_call`).
    pub async fn call_assign(&self, method: &str, args: Vec<Value>) -> Result<RemoteHandle> {
        let name = self.runner.new_name().await;
        self.runner.reserve()?;
        match self
            .call_inner(method, args, Some(&name))
            .await
            .and_then(checked)
        {
            Ok(_) => Ok(RemoteHandle {
                name,
                generation: self.generation,
                runner: self.runner.clone(),
            }),
            Err(e) => {
                self.runner.shared.live.fetch_sub(1, Ordering::Relaxed);
                Err(e)
            }
        }
    }

    async fn call_inner(
        &self,
        method: &str,
        args: Vec<Value>,
        assign: Option<&str>,
    ) -> Result<Map<String, Value>> {
        let mut req = request("call");
        req.insert("handle".into(), Value::String(self.name.clone()));
        req.insert("method".into(), Value::String(method.into()));
        req.insert("args".into(), Value::Array(args));
        if let Some(to) = assign {
            req.insert("assign".into(), Value::String(to.into()));
        }
        let what = format!("{}.{method}()", self.name);
        let (reply, _) = self
            .runner
            .call(&what, req, Some((&self.name, self.generation)))
            .await?;
        Ok(reply)
    }

    /// The handle's value as JSON (crl `as_local_value`).
    pub async fn value(&self) -> Result<Value> {
        let mut req = request("get");
        req.insert("handle".into(), Value::String(self.name.clone()));
        let (reply, _) = self
            .runner
            .call("get", req, Some((&self.name, self.generation)))
            .await?;
        value_of(reply)
    }
}

impl Drop for RemoteHandle {
    fn drop(&mut self) {
        self.runner.shared.live.fetch_sub(1, Ordering::Relaxed);
        self.runner
            .shared
            .garbage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((std::mem::take(&mut self.name), self.generation));
    }
}
