//! The template every host runs: a file (`oxscript TEMPLATE HOST…`) or
//! `-e STRING`, compiled once before anything connects, with the `-d`
//! definitions and each host's variables passed in.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use oxscript::template::{self, CompileOptions, RunOptions, Template, Variables};
use oxscript::{Account, Host, Session};

use crate::args::Args;
use crate::progress::Printer;
use crate::report;

/// The compiled template and what every run gets.
pub(crate) struct Script {
    template: Template,
    defines: Variables,
    /// From `-e`: device errors are reported as before templates
    /// (`command … failed: …`), without a template position.
    inline: bool,
}

/// The `-d NAME=VALUE` definitions; a name given several times is a list.
fn defines(args: &Args) -> Result<Variables> {
    let mut vars = Variables::new();
    for pair in &args.defines {
        let Some((name, value)) = pair.split_once('=') else {
            bail!("-d {pair}: expected NAME=VALUE");
        };
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !valid {
            bail!(
                "-d {pair}: `{name}` is not a variable name (letters, digits and _, starting with a letter)"
            );
        }
        vars.append(name, value);
    }
    Ok(vars)
}

impl Script {
    /// Reads and compiles the template; `hosts` tell which variables the
    /// runs will have (their CSV columns and URL variables).
    pub(crate) async fn load(args: &Args, hosts: &[Host]) -> Result<Script> {
        let defines = defines(args)?;
        let mut declared: Vec<String> = defines.names().map(str::to_owned).collect();
        for host in hosts {
            for name in host.vars().keys() {
                if !declared.contains(name) {
                    declared.push(name.clone());
                }
            }
        }
        let (text, filename, inline) = match (&args.execute, args.template_file()) {
            (Some(text), _) => (text.clone(), "-e".to_owned(), true),
            (None, Some(file)) => {
                let text = tokio::fs::read_to_string(file)
                    .await
                    .with_context(|| format!("cannot read template {file}"))?;
                (text, file.to_owned(), false)
            }
            (None, None) => {
                bail!("no template: give a template file (oxscript TEMPLATE HOST…) or -e STRING")
            }
        };
        let options = CompileOptions {
            filename: Some(filename),
            variables: declared,
            strip_command: !args.no_strip,
            paste: args.no_prompt,
            semicolons: inline,
            ..CompileOptions::default()
        };
        let template = Template::compile(&text, &options)?;
        Ok(Script {
            template,
            defines,
            inline,
        })
    }

    /// Runs the template on a logged-in Session, printing each command's
    /// output (and `sys.message` text) as `label:line` and recording it
    /// for the host's report; with `check_exit`, a command's non-zero exit
    /// status (`echo $?` after it) fails the host.
    pub(crate) async fn run(
        &self,
        session: &mut Session,
        host: &Host,
        account: &Account,
        printer: &Printer,
        record: &report::Shared,
        check_exit: bool,
    ) -> oxscript::jobs::Result<()> {
        let mut variables = self.defines.clone();
        variables.extend(&Variables::from_host(host));
        let label: Arc<str> = Arc::from(host.name());
        let (on_command, on_message) = {
            let (p1, l1, r1) = (printer.clone(), Arc::clone(&label), Arc::clone(record));
            let (p2, l2) = (printer.clone(), Arc::clone(&label));
            (
                Arc::new(move |out: &template::CommandOutput<'_>| {
                    tracing::debug!(
                        host = &*l1,
                        command = out.command,
                        output = out.text,
                        "command"
                    );
                    report::lock(&r1).command(out.command, out.text);
                    p1.print(&l1, out.text);
                }),
                Arc::new(move |text: &str| p2.print(&l2, text)),
            )
        };
        let options = RunOptions {
            variables,
            account: Some(account.clone()),
            on_command: Some(on_command),
            on_message: Some(on_message),
            after_command: check_exit.then(exit_status_check),
        };
        match self.template.run(session, options).await {
            Ok(_) => Ok(()),
            Err(template::Error::Device { location, source }) => {
                // The output of a refused command is printed too.
                if let oxscript::transport::Error::InvalidCommand { response, .. } = source.as_ref()
                {
                    printer.print(&label, response);
                }
                if self.inline {
                    Err((*source).into())
                } else {
                    Err(oxscript::jobs::Error::other(template::Error::Device {
                        location,
                        source,
                    }))
                }
            }
            Err(e) => Err(oxscript::jobs::Error::other(e)),
        }
    }
}

/// `--check-exit`: after each command, `echo $?`; a non-zero status is
/// the command's failure.
fn exit_status_check() -> template::AfterCommand {
    Arc::new(|session: &mut Session, command: &str| {
        let command = command.to_owned();
        Box::pin(async move {
            let status = session.execute("echo $?").await?;
            let code = status.text().trim();
            if code == "0" {
                return Ok(());
            }
            Err(oxscript::transport::Error::CommandFailed {
                host: session.host().name().to_owned(),
                command,
                status: format!("exit status {code}"),
                stderr: oxscript::Tail::default(),
            })
        })
    })
}

/// `--check`: compiles the template and reports the first error, without
/// connecting anywhere.
pub(crate) async fn check(args: &Args, hosts: &[Host]) -> Result<ExitCode> {
    let script = Script::load(args, hosts).await?;
    println!("{}: ok", script.template.filename());
    Ok(ExitCode::SUCCESS)
}
