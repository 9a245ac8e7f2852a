//! oxscript templates: the Exscript template language, on a [`Session`].
//!
//! A template is text sent to a device line by line; each line's
//! response is awaited. Instructions in `{…}` extract data from responses,
//! branch, loop and call functions:
//!
//! ```text
//! {fail "not a Cisco router" if connection.guess_os() is not "ios"}
//! show ip interface brief{extract /^(\S+)\s+\d/ as interfaces}
//! configure terminal
//! {loop interfaces as interface}
//!   interface $interface
//!   description managed by oxscript
//!   exit
//! {end}
//! end
//! ```
//!
//! The language is Exscript 2.6's (the user guide's `docs/templates.md`
//! lists the few places where oxscript differs, each where Exscript drops
//! a command or fails on a valid template): every variable is a list,
//! `$name` inserts one, `{x = expression}`, `{append x to list}`,
//! `{extract /regex/ as|into names [from value]}`, `{if}…{else if}…{else}…{end}`,
//! `{loop lists as names [while|until condition]}`, `{loop from N to M [as i]}`,
//! `{loop while|until condition}`, `{fail "message" [if condition]}`,
//! `{try}…{end}`, `{enter}`, `#` comments, and the functions of the
//! standard library ([`Functions::standard`]): `connection.*`,
//! `crypt.otp` (S/KEY), `file.*`, `ipv4.*`, `list.*`, `string.*`, `sys.*`.
//!
//! The API follows `Exscript.util.template`:
//! - [`eval`], [`eval_file`]: compile and run on a Session;
//! - [`paste`], [`paste_file`]: send every line without waiting for
//!   prompts;
//! - [`test()`], [`test_file`], [`test_secure`]: compile only (secure mode
//!   refuses `file.*` and `sys.*`);
//! - [`Template`]: compile once, run on many Sessions (it is `Send +
//!   Sync`); [`Functions`]: add your own functions.
//!
//! ```no_run
//! use oxscript_template::{Variables, eval};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let mut session = oxscript_transport::Session::connect(
//!     &oxscript_core::Host::new("telnet://admin:secret@192.0.2.1")?,
//! ).await?;
//! session.login(None).await?;
//! let mut vars = Variables::new();
//! vars.set("filename", ".profile");
//! let result = eval(&mut session, "ls -l $filename{extract /^(\\S+)/ as mode}\n", vars).await?;
//! println!("mode: {:?}", result.first_str("mode"));
//! # Ok(()) }
//! ```
//!
//! Errors name the template's file, line and column ([`Error::location`]);
//! a syntax error shows the line with a caret under the column.

mod ast;
mod conn;
mod error;
mod functions;
mod lexer;
mod parser;
mod pyre;
mod run;
mod source;
mod stdlib;
mod template;
mod value;
mod vars;

use std::path::Path;

use oxscript_transport::Session;

pub use conn::BoxFuture;
pub use error::{Error, Result};
pub use functions::{Call, Function, FunctionError, Functions};
pub use parser::MAX_DEPTH;
pub use pyre::TemplateRegex;
pub use source::Location;
pub use template::{
    AfterCommand, CommandOutput, CommandSink, CompileOptions, MessageSink, RunOptions, Template,
};
pub use value::{Item, Value};
pub use vars::Variables;

fn options_for(variables: &Variables) -> CompileOptions {
    CompileOptions {
        variables: variables.names().map(str::to_owned).collect(),
        ..CompileOptions::default()
    }
}

async fn read(path: &Path) -> Result<String> {
    tokio::fs::read_to_string(path)
        .await
        .map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })
}

/// Compiles `text` and runs it on `session` (logged in) with `variables`;
/// returns the variables at the end (Exscript's
/// `Exscript.util.template.eval`). The first line of each response, the
/// echoed command, is left out of `__response__`; compile a [`Template`]
/// with [`CompileOptions::strip_command`] false to keep it.
pub async fn eval(session: &mut Session, text: &str, variables: Variables) -> Result<Variables> {
    let template = Template::compile(text, &options_for(&variables))?;
    template
        .run(session, RunOptions::with_variables(variables))
        .await
}

/// [`eval`] with the template read from a file.
pub async fn eval_file(
    session: &mut Session,
    path: impl AsRef<Path>,
    variables: Variables,
) -> Result<Variables> {
    let path = path.as_ref();
    let text = read(path).await?;
    let options = CompileOptions {
        filename: Some(path.display().to_string()),
        ..options_for(&variables)
    };
    Template::compile(&text, &options)?
        .run(session, RunOptions::with_variables(variables))
        .await
}

/// Compiles `text` and sends it to `session` without waiting for a
/// prompt after each line (Exscript's `paste`); a template that reads
/// responses (`extract`) or waits (`connection.exec`, `wait_for`, …) is
/// refused when compiled.
pub async fn paste(session: &mut Session, text: &str, variables: Variables) -> Result<Variables> {
    let options = CompileOptions {
        paste: true,
        ..options_for(&variables)
    };
    Template::compile(text, &options)?
        .run(session, RunOptions::with_variables(variables))
        .await
}

/// [`paste`] with the template read from a file.
pub async fn paste_file(
    session: &mut Session,
    path: impl AsRef<Path>,
    variables: Variables,
) -> Result<Variables> {
    let path = path.as_ref();
    let text = read(path).await?;
    let options = CompileOptions {
        filename: Some(path.display().to_string()),
        paste: true,
        ..options_for(&variables)
    };
    Template::compile(&text, &options)?
        .run(session, RunOptions::with_variables(variables))
        .await
}

/// Compiles `text` and reports the first error, without running it
/// (Exscript's `test`); `variables` are those that would be passed in.
///
/// ```
/// use oxscript_template::{test, Variables};
///
/// assert!(test("show version\n{x = 1 + 2}\n", &Variables::new()).is_ok());
/// let err = test("{loop x as y}\n", &Variables::new()).unwrap_err();
/// assert!(err.to_string().starts_with("<string>:1:7: syntax error: undefined variable `x`"));
/// ```
pub fn test(text: &str, variables: &Variables) -> Result<()> {
    Template::compile(text, &options_for(variables)).map(|_| ())
}

/// [`test()`] for a file.
pub fn test_file(path: impl AsRef<Path>, variables: &Variables) -> Result<()> {
    Template::compile_file(path, &options_for(variables)).map(|_| ())
}

/// Like [`test()`], and refuses functions not marked secure: all of
/// `file.*` and `sys.*` ([`Error::Permission`]), so that templates from
/// untrusted users cannot touch the machine running them.
///
/// ```
/// use oxscript_template::{test_secure, Error, Variables};
///
/// assert!(test_secure("{x = string.toupper(\"a\")}", &Variables::new()).is_ok());
/// let err = test_secure("{sys.exec(\"rm -rf /\")}", &Variables::new()).unwrap_err();
/// assert!(matches!(err, Error::Permission { ref function, .. } if function == "sys.exec"));
/// ```
pub fn test_secure(text: &str, variables: &Variables) -> Result<()> {
    let options = CompileOptions {
        secure: true,
        ..options_for(variables)
    };
    Template::compile(text, &options).map(|_| ())
}
