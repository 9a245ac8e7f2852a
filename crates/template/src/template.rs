//! [`Template`]: a compiled template, run on as many Sessions as needed.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use oxscript_core::Account;
use oxscript_transport::Session;

use crate::ast::{Block, VarId, VarInfo};
use crate::conn::{NoConn, SessionConn};
use crate::error::{Error, Result};
use crate::functions::Functions;
use crate::parser::{self, Settings};
use crate::run::Machine;
use crate::source::Source;
use crate::vars::Variables;

/// How a template is compiled.
///
/// ```
/// use oxscript_template::CompileOptions;
///
/// let options = CompileOptions {
///     filename: Some("backup.exscript".into()),
///     variables: vec!["server".into()],
///     ..CompileOptions::default()
/// };
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// The name errors and `__filename__` show (default `<string>`;
    /// [`Template::compile_file`] uses the path).
    pub filename: Option<String>,
    /// The names of the variables that will be passed in when running
    /// (their values may differ from run to run). Using a variable that is
    /// neither passed in nor set by the template before is a syntax
    /// error, as in Exscript.
    pub variables: Vec<String>,
    /// The functions the template may call (default: the standard library).
    pub functions: Option<Arc<Functions>>,
    /// Remove the first line of each response (the echoed command) before
    /// storing it in `__response__`. Default true (Exscript's
    /// `strip_command`).
    pub strip_command: bool,
    /// Paste: send each command without waiting for a prompt (Exscript's
    /// `paste`); statements that read responses (`extract`) or wait
    /// (`connection.exec`, `connection.wait_for`, …) are refused.
    pub paste: bool,
    /// Secure mode: only functions marked secure may be called (no
    /// `file.*`, no `sys.*`); others are a [`Error::Permission`].
    pub secure: bool,
    /// `;` ends a command like a line break (the command line's `-e`, so
    /// that `-e "show clock; show version"` sends two commands); `\;` is a
    /// `;` then.
    pub semicolons: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            filename: None,
            variables: Vec::new(),
            functions: None,
            strip_command: true,
            paste: false,
            secure: false,
            semicolons: false,
        }
    }
}

/// A command's output, given to [`RunOptions::on_command`].
#[derive(Debug)]
#[non_exhaustive]
pub struct CommandOutput<'a> {
    /// The command sent.
    pub command: &'a str,
    /// Its output, without the echo and the prompt.
    pub text: &'a str,
}

/// A callback for each command's output.
pub type CommandSink = Arc<dyn Fn(&CommandOutput<'_>) + Send + Sync>;

/// A check run on the Session after each command, e.g. the CLI's
/// `--check-exit` (`echo $?` on a shell); an error stops the template as
/// the command's own error would.
pub type AfterCommand = Arc<
    dyn for<'s> Fn(
            &'s mut oxscript_transport::Session,
            &'s str,
        ) -> crate::BoxFuture<'s, Result<(), oxscript_transport::Error>>
        + Send
        + Sync,
>;

/// A callback for `sys.message` text.
pub type MessageSink = Arc<dyn Fn(&str) + Send + Sync>;

/// How a template runs.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// The variables the run starts with (in addition to `__hostname__`,
    /// `__username__`, `__filename__` and `__response__`).
    pub variables: Variables,
    /// The account `connection.authenticate()` and friends log in with,
    /// and `__username__` (default: the Session's host's account).
    pub account: Option<Account>,
    /// Receives each command's output (e.g. to print it).
    pub on_command: Option<CommandSink>,
    /// Receives `sys.message` text (default: standard output).
    pub on_message: Option<MessageSink>,
    /// Runs after each command on the Session (not without one).
    pub after_command: Option<AfterCommand>,
}

impl fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunOptions")
            .field("variables", &self.variables)
            .field("account", &self.account)
            .field("on_command", &self.on_command.is_some())
            .field("on_message", &self.on_message.is_some())
            .field("after_command", &self.after_command.is_some())
            .finish()
    }
}

impl RunOptions {
    /// Options with these variables.
    pub fn with_variables(variables: Variables) -> Self {
        RunOptions {
            variables,
            ..RunOptions::default()
        }
    }
}

/// A compiled program (shared by every run of a [`Template`]).
pub(crate) struct Program {
    pub(crate) source: Arc<Source>,
    pub(crate) filename: String,
    pub(crate) body: Block,
    pub(crate) vars: Vec<VarInfo>,
    pub(crate) names: Arc<[String]>,
    pub(crate) index: Arc<HashMap<String, VarId>>,
    pub(crate) functions: Arc<Functions>,
    pub(crate) strip_command: bool,
    pub(crate) paste: bool,
}

/// A compiled Exscript template: parse once, run on any number of
/// Sessions, one after the other or at the same time (it is `Send +
/// Sync`; clone it or share it in an `Arc`, cloning is cheap).
///
/// ```
/// use oxscript_template::{CompileOptions, Template};
///
/// let template = Template::compile(
///     "show ip interface brief{extract /^(\\S+)\\s+\\d/ as interfaces}\n\
///      {loop interfaces as interface}\n\
///      show interface $interface\n\
///      {end}\n",
///     &CompileOptions::default(),
/// )?;
/// assert_eq!(template.filename(), "<string>");
/// # Ok::<(), oxscript_template::Error>(())
/// ```
///
/// Running it on a logged-in Session:
///
/// ```no_run
/// # async fn demo(session: &mut oxscript_transport::Session, template: &oxscript_template::Template) -> oxscript_template::Result<()> {
/// let vars = template.run(session, Default::default()).await?;
/// println!("{:?}", vars.get("interfaces"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Template {
    program: Arc<Program>,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("filename", &self.program.filename)
            .field("statements", &self.program.body.len())
            .finish_non_exhaustive()
    }
}

impl Template {
    /// Compiles template text. A syntax error names the line and column
    /// and shows the line with a caret.
    pub fn compile(text: &str, options: &CompileOptions) -> Result<Template> {
        let filename = options
            .filename
            .clone()
            .unwrap_or_else(|| "<string>".to_owned());
        let source = Source::new(filename.clone(), text);
        let functions = options
            .functions
            .clone()
            .unwrap_or_else(|| Arc::new(Functions::standard()));
        let parsed = parser::parse(
            &source,
            &Settings {
                functions: &functions,
                declared: &options.variables,
                paste: options.paste,
                secure: options.secure,
                semicolons: options.semicolons,
            },
        )?;
        let names: Arc<[String]> = parsed.vars.iter().map(|v| v.name.clone()).collect();
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        Ok(Template {
            program: Arc::new(Program {
                source,
                filename,
                body: parsed.body,
                vars: parsed.vars,
                names,
                index: Arc::new(index),
                functions,
                strip_command: options.strip_command,
                paste: options.paste,
            }),
        })
    }

    /// Reads and compiles a template file (the file name is the one errors
    /// show, unless `options` names another).
    pub fn compile_file(path: impl AsRef<Path>, options: &CompileOptions) -> Result<Template> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        let options = CompileOptions {
            filename: Some(
                options
                    .filename
                    .clone()
                    .unwrap_or_else(|| path.display().to_string()),
            ),
            ..options.clone()
        };
        Template::compile(&text, &options)
    }

    /// The name errors show.
    pub fn filename(&self) -> &str {
        &self.program.filename
    }

    /// The names of the template's variables (those it sets and those it
    /// reads), the built-in ones included.
    pub fn variable_names(&self) -> impl Iterator<Item = &str> {
        self.program.names.iter().map(String::as_str)
    }

    /// Runs the template on a Session (logged in already, as Exscript's
    /// templates expect); returns the variables at the end.
    ///
    /// Each line is sent with [`Session::execute`] (the Session's driver,
    /// timeout, prompt and error patterns apply); an error stops the run
    /// unless a `{try}` block catches it. Dropping the future leaves the
    /// Session as [`Session::execute`] leaves it.
    pub async fn run(&self, session: &mut Session, options: RunOptions) -> Result<Variables> {
        let mut conn = SessionConn::new(session);
        Machine::new(&self.program, &mut conn, options).run().await
    }

    /// Runs the template without a connection: anything that would talk
    /// to a device fails (with an [`Error::Device`], which `{try}` catches).
    /// For checking a template's logic (variables, loops, functions) in
    /// tests.
    pub async fn run_without_session(&self, options: RunOptions) -> Result<Variables> {
        let mut conn = NoConn {
            timeout: Duration::from_secs(30),
        };
        Machine::new(&self.program, &mut conn, options).run().await
    }
}
