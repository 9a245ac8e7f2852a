//! The standard library (Exscript's `Exscript.stdlib`), under the names
//! templates call: `connection.*`, `crypt.otp`, `file.*`, `ipv4.*`,
//! `list.*`, `string.*` and `sys.*` (Exscript's `mysys` module).
//!
//! Every argument is a list (a template value); like Exscript's
//! functions, most take the first item of an argument, and those that say
//! "or a list" work on every item.

mod connection;
mod crypt;
mod file;
mod ipv4;
mod list;
mod string;
mod sys;

use crate::functions::{Call, FunctionError};
use crate::value::{Item, Value};

/// The standard library's functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    Authenticate,
    Authorize,
    AutoAuthorize,
    Autoinit,
    Close,
    Exec,
    Execline,
    GuessOs,
    Send,
    Sendline,
    SetError,
    SetPrompt,
    SetTimeout,
    WaitFor,
    Otp,
    Chmod,
    Clear,
    Exists,
    Mkdir,
    Read,
    Rm,
    Write,
    InNetwork,
    Mask,
    Mask2Pfxlen,
    Pfxlen2Mask,
    Pfxmask,
    Network,
    Broadcast,
    RemoteIp,
    New,
    Get,
    Length,
    Unique,
    Replace,
    Split,
    ToLower,
    ToUpper,
    Env,
    SysExec,
    Message,
    Wait,
}

/// A standard function's name and properties.
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) builtin: Builtin,
    pub(crate) min_args: usize,
    pub(crate) max_args: usize,
    /// Allowed in secure mode. Exscript marks every function safe except
    /// the `file.*` and `sys.*` ones that touch the local machine; oxscript
    /// refuses all of `file.*` and `sys.*` (`file.exists`, `sys.message`
    /// and `sys.wait` included).
    pub(crate) secure: bool,
    /// Waits for the device (refused when pasting).
    pub(crate) needs_prompt: bool,
}

const fn spec(
    name: &'static str,
    builtin: Builtin,
    args: (usize, usize),
    secure: bool,
    needs_prompt: bool,
) -> Spec {
    Spec {
        name,
        builtin,
        min_args: args.0,
        max_args: args.1,
        secure,
        needs_prompt,
    }
}

use Builtin as B;

/// The table of standard functions.
pub(crate) const BUILTINS: &[Spec] = &[
    spec(
        "connection.authenticate",
        B::Authenticate,
        (0, 0),
        true,
        true,
    ),
    spec("connection.authorize", B::Authorize, (0, 1), true, true),
    spec(
        "connection.auto_authorize",
        B::AutoAuthorize,
        (0, 1),
        true,
        true,
    ),
    spec("connection.autoinit", B::Autoinit, (0, 0), true, true),
    spec("connection.close", B::Close, (0, 0), true, false),
    spec("connection.exec", B::Exec, (1, 1), true, true),
    spec("connection.execline", B::Execline, (1, 1), true, true),
    spec("connection.guess_os", B::GuessOs, (0, 0), true, false),
    spec("connection.send", B::Send, (1, 1), true, false),
    spec("connection.sendline", B::Sendline, (1, 1), true, false),
    spec("connection.set_error", B::SetError, (0, 1), true, false),
    spec("connection.set_prompt", B::SetPrompt, (0, 1), true, false),
    spec("connection.set_timeout", B::SetTimeout, (1, 1), true, false),
    spec("connection.wait_for", B::WaitFor, (1, 1), true, true),
    spec("crypt.otp", B::Otp, (3, 3), true, false),
    spec("file.chmod", B::Chmod, (2, 2), false, false),
    spec("file.clear", B::Clear, (1, 1), false, false),
    spec("file.exists", B::Exists, (1, 1), false, false),
    spec("file.mkdir", B::Mkdir, (1, 2), false, false),
    spec("file.read", B::Read, (1, 1), false, false),
    spec("file.rm", B::Rm, (1, 1), false, false),
    spec("file.write", B::Write, (2, 3), false, false),
    spec("ipv4.in_network", B::InNetwork, (2, 3), true, false),
    spec("ipv4.mask", B::Mask, (2, 2), true, false),
    spec("ipv4.mask2pfxlen", B::Mask2Pfxlen, (1, 1), true, false),
    spec("ipv4.pfxlen2mask", B::Pfxlen2Mask, (1, 1), true, false),
    spec("ipv4.pfxmask", B::Pfxmask, (2, 2), true, false),
    spec("ipv4.network", B::Network, (1, 1), true, false),
    spec("ipv4.broadcast", B::Broadcast, (1, 1), true, false),
    spec("ipv4.remote_ip", B::RemoteIp, (1, 1), true, false),
    spec("list.new", B::New, (0, 0), true, false),
    spec("list.get", B::Get, (2, 2), true, false),
    spec("list.length", B::Length, (1, 1), true, false),
    spec("list.unique", B::Unique, (1, 1), true, false),
    spec("string.replace", B::Replace, (3, 3), true, false),
    spec("string.split", B::Split, (2, 2), true, false),
    spec("string.tolower", B::ToLower, (1, 1), true, false),
    spec("string.toupper", B::ToUpper, (1, 1), true, false),
    spec("sys.env", B::Env, (1, 1), false, false),
    spec("sys.exec", B::SysExec, (1, 1), false, false),
    spec("sys.message", B::Message, (1, 1), false, false),
    spec("sys.wait", B::Wait, (1, 1), false, false),
];

/// Runs a standard function.
pub(crate) async fn call(
    builtin: Builtin,
    call: &mut Call<'_>,
    args: Vec<Value>,
) -> Result<Value, FunctionError> {
    match builtin {
        B::Authenticate => connection::authenticate(call).await,
        B::Authorize => connection::authorize(call, &args, false).await,
        B::AutoAuthorize => connection::authorize(call, &args, true).await,
        B::Autoinit => connection::autoinit(call).await,
        B::Close => connection::close(call).await,
        B::Exec => connection::exec(call, &args, false).await,
        B::Execline => connection::exec(call, &args, true).await,
        B::GuessOs => connection::guess_os(call),
        B::Send => connection::send(call, &args, false).await,
        B::Sendline => connection::send(call, &args, true).await,
        B::SetError => connection::set_error(call, &args),
        B::SetPrompt => connection::set_prompt(call, &args),
        B::SetTimeout => connection::set_timeout(call, &args),
        B::WaitFor => connection::wait_for(call, &args).await,
        B::Otp => crypt::otp_function(&args),
        B::Chmod => file::chmod(&args).await,
        B::Clear => file::clear(&args).await,
        B::Exists => file::exists(&args).await,
        B::Mkdir => file::mkdir(&args).await,
        B::Read => file::read(call, &args).await,
        B::Rm => file::rm(&args).await,
        B::Write => file::write(&args).await,
        B::InNetwork => ipv4::in_network(&args),
        B::Mask => ipv4::mask(&args),
        B::Mask2Pfxlen => ipv4::mask2pfxlen(&args),
        B::Pfxlen2Mask => ipv4::pfxlen2mask(&args),
        B::Pfxmask => ipv4::pfxmask(&args),
        B::Network => ipv4::network(&args),
        B::Broadcast => ipv4::broadcast(&args),
        B::RemoteIp => ipv4::remote_ip(&args),
        B::New => Ok(Value::empty()),
        B::Get => list::get(&args),
        B::Length => list::length(&args),
        B::Unique => list::unique(&args),
        B::Replace => string::replace(&args),
        B::Split => string::split(&args),
        B::ToLower => string::map(&args, |s| s.to_lowercase()),
        B::ToUpper => string::map(&args, |s| s.to_uppercase()),
        B::Env => sys::env(&args),
        B::SysExec => sys::exec(call, &args).await,
        B::Message => sys::message(call, &args),
        B::Wait => sys::wait(&args).await,
    }
}

// ----- argument helpers --------------------------------------------------------

/// Argument `i` (the arity was checked when compiling).
fn arg(args: &[Value], i: usize) -> &[Item] {
    args.get(i).map_or(&[], Value::items)
}

/// The first item of argument `i` as a string.
fn first_str(args: &[Value], i: usize, what: &str) -> Result<String, FunctionError> {
    arg(args, i)
        .first()
        .map(Item::to_string)
        .ok_or_else(|| FunctionError::Message(format!("{what} is an empty list")))
}

/// The first item of argument `i` as an integer (Python `int()`).
fn first_int(args: &[Value], i: usize, what: &str) -> Result<i64, FunctionError> {
    let item = arg(args, i)
        .first()
        .ok_or_else(|| FunctionError::Message(format!("{what} is an empty list")))?;
    item.to_int()
        .ok_or_else(|| FunctionError::Message(format!("{what} `{item}` is not a number")))
}

/// Every item of argument `i` as a string.
fn strings(args: &[Value], i: usize) -> Vec<String> {
    arg(args, i).iter().map(Item::to_string).collect()
}

/// Splits a response the way a command's response is split into
/// `__response__` lines (`\r\n`, `\r` and `\n` all end a line).
pub(crate) fn response_lines(text: &str) -> Vec<Item> {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .split('\n')
        .map(Item::from)
        .collect()
}

fn done() -> Result<Value, FunctionError> {
    Ok(Value::single(true))
}
