//! `sys.*` (Exscript's `mysys` module): the machine running the template
//! (refused in secure mode).

use std::time::Duration;

use super::{arg, done, first_int, first_str, response_lines};
use crate::functions::{Call, FunctionError};
use crate::value::{Item, Value};

/// `sys.env(name)`: the environment variable, empty when unset.
pub(super) fn env(args: &[Value]) -> Result<Value, FunctionError> {
    let name = first_str(args, 0, "the variable name")?;
    Ok(Value::from(std::env::var(&name).unwrap_or_default()))
}

/// `sys.exec(command)`: runs a shell command here (`sh -c`); its output
/// (standard output and error together) goes to `__response__`, one line
/// per item. The command gets the connection's timeout; when it runs
/// longer it is killed and the call fails.
pub(super) async fn exec(call: &mut Call<'_>, args: &[Value]) -> Result<Value, FunctionError> {
    let command = first_str(args, 0, "the command")?;
    let timeout = call.conn.timeout();
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1\n{command}"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start sh: {e}"))?;
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| format!("`{command}` did not finish within {timeout:?}"))?
        .map_err(|e| format!("`{command}`: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = response_lines(&text);
    if text.ends_with('\n') {
        lines.pop();
    }
    call.set("__response__", Value::from(lines));
    if !output.status.success() {
        tracing::debug!(%command, status = %output.status, "sys.exec: the command failed");
    }
    done()
}

/// `sys.message(strings)`: writes the items, joined, and a line break to
/// the run's message sink (standard output by default).
pub(super) fn message(call: &mut Call<'_>, args: &[Value]) -> Result<Value, FunctionError> {
    let text: String = arg(args, 0).iter().map(Item::to_string).collect();
    call.context.message(&text);
    done()
}

/// `sys.wait(seconds)`.
pub(super) async fn wait(args: &[Value]) -> Result<Value, FunctionError> {
    let seconds = first_int(args, 0, "the number of seconds")?;
    let seconds =
        u64::try_from(seconds).map_err(|_| format!("{seconds} is not a number of seconds"))?;
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    done()
}
