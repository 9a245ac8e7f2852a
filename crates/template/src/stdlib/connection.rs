//! `connection.*`: the conversation with the device.

use std::time::Duration;

use oxscript_core::Account;

use super::{arg, done, first_int, response_lines, strings};
use crate::functions::{Call, FunctionError};
use crate::pyre;
use crate::value::{Item, Value};

const RESPONSE: &str = "__response__";

/// The account to log in with: the one the run was given (or the host's).
fn account(call: &Call<'_>) -> Result<Account, FunctionError> {
    call.account().cloned().ok_or_else(|| {
        FunctionError::Message(
            "no login details: run the template with an account (RunOptions::account) \
             or on a host that has one"
                .into(),
        )
    })
}

/// The account for an authorization: `password` when given (Exscript
/// builds `Account('', password)`), else the run's account.
fn authorization_account(call: &Call<'_>, args: &[Value]) -> Result<Account, FunctionError> {
    match arg(args, 0).first() {
        Some(item) => Ok(Account::new("", item.to_string())),
        None => account(call),
    }
}

/// `connection.authenticate()`: answers username and password prompts
/// with the run's account until a command prompt appears.
pub(super) async fn authenticate(call: &mut Call<'_>) -> Result<Value, FunctionError> {
    let account = account(call)?;
    call.conn.authenticate(&account).await?;
    done()
}

/// `connection.authorize([password])` and
/// `connection.auto_authorize([password])` (which first sends the
/// driver's authorization command, e.g. `enable`).
pub(super) async fn authorize(
    call: &mut Call<'_>,
    args: &[Value],
    auto: bool,
) -> Result<Value, FunctionError> {
    let account = authorization_account(call, args)?;
    if auto {
        call.conn.auto_authorize(&account).await?;
    } else {
        call.conn.authorize(&account).await?;
    }
    done()
}

/// `connection.autoinit()`: the driver's init commands.
pub(super) async fn autoinit(call: &mut Call<'_>) -> Result<Value, FunctionError> {
    call.conn.autoinit().await?;
    done()
}

/// `connection.close()`: closes the connection; `__response__` keeps the
/// last response received.
pub(super) async fn close(call: &mut Call<'_>) -> Result<Value, FunctionError> {
    call.conn.close().await;
    let last = call.store.last_response().unwrap_or_default().to_owned();
    call.set(RESPONSE, Value::from(response_lines(&last)));
    done()
}

/// `connection.exec(data)` sends each item as it is and waits for a
/// prompt after each; `connection.execline(data)` sends each with a line
/// break. `__response__` gets the lines of the responses, the first line
/// (the echo) of each removed and the others as received (a line keeps a
/// `\r` the device sent before `\n`), as Exscript does.
pub(super) async fn exec(
    call: &mut Call<'_>,
    args: &[Value],
    line: bool,
) -> Result<Value, FunctionError> {
    let mut lines: Vec<Item> = Vec::new();
    for data in strings(args, 0) {
        let raw = if line {
            call.conn.execute(&data).await?.raw
        } else {
            call.conn.send(&data).await?;
            call.conn.expect_prompt().await?
        };
        lines.extend(raw.split('\n').skip(1).map(Item::from));
        call.store.set_last_response(raw);
    }
    call.set(RESPONSE, Value::from(lines));
    done()
}

/// `connection.guess_os()`: the operating system (driver name) guessed
/// from the conversation so far, `unknown` if none.
pub(super) fn guess_os(call: &mut Call<'_>) -> Result<Value, FunctionError> {
    Ok(Value::from(call.conn.guess_os()?))
}

/// `connection.send(data)` sends each item as it is;
/// `connection.sendline(data)` adds `\r` to each. Neither waits.
pub(super) async fn send(
    call: &mut Call<'_>,
    args: &[Value],
    line: bool,
) -> Result<Value, FunctionError> {
    for mut data in strings(args, 0) {
        if line {
            data.push('\r');
        }
        call.conn.send(&data).await?;
    }
    done()
}

/// The pattern of a `set_prompt` / `set_error` / `wait_for` argument: a
/// regex literal, or strings (each a Python pattern; several become
/// alternatives).
fn pattern(args: &[Value]) -> Result<Option<String>, FunctionError> {
    match args.first() {
        None => Ok(None),
        Some(Value::Regex(re)) => Ok(Some(re.translated().to_owned())),
        Some(Value::List(items)) => {
            if items.is_empty() {
                return Err("the pattern is an empty list".to_owned().into());
            }
            let mut sources = Vec::with_capacity(items.len());
            for item in items.iter() {
                let source = item.to_string();
                sources.push(
                    pyre::translate(&source, false)
                        .map_err(|e| format!("invalid pattern {source:?}: {e}"))?,
                );
            }
            Ok(Some(if sources.len() == 1 {
                sources.swap_remove(0)
            } else {
                sources
                    .iter()
                    .map(|s| format!("(?:{s})"))
                    .collect::<Vec<_>>()
                    .join("|")
            }))
        }
    }
}

/// `connection.set_error([regex])`: the error pattern searched in every
/// response; none returns to the driver's.
pub(super) fn set_error(call: &mut Call<'_>, args: &[Value]) -> Result<Value, FunctionError> {
    let pattern = pattern(args)?;
    call.conn.set_error(pattern.as_deref())?;
    done()
}

/// `connection.set_prompt([regex])`: the prompt pattern; none returns to
/// the driver's.
pub(super) fn set_prompt(call: &mut Call<'_>, args: &[Value]) -> Result<Value, FunctionError> {
    let pattern = pattern(args)?;
    call.conn.set_prompt(pattern.as_deref())?;
    done()
}

/// `connection.set_timeout(seconds)`: the deadline of every later wait.
pub(super) fn set_timeout(call: &mut Call<'_>, args: &[Value]) -> Result<Value, FunctionError> {
    let seconds = first_int(args, 0, "the timeout")?;
    let seconds = u64::try_from(seconds)
        .map_err(|_| format!("the timeout must not be negative (got {seconds})"))?;
    call.conn
        .set_timeout(Duration::from_secs(seconds).max(Duration::from_millis(1)))?;
    done()
}

/// `connection.wait_for(regex)`: waits until the device sends something
/// matching; `__response__` gets the lines received before the match.
pub(super) async fn wait_for(call: &mut Call<'_>, args: &[Value]) -> Result<Value, FunctionError> {
    let pattern = pattern(args)?.ok_or("connection.wait_for needs a pattern")?;
    let before = call.conn.expect(&pattern).await?;
    call.set(RESPONSE, Value::from(response_lines(&before)));
    call.store.set_last_response(before);
    done()
}
