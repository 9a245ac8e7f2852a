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
    /// output (and `sys.message` text) as `label:line`.
    pub(crate) async fn run(
        &self,
        session: &mut Session,
        host: &Host,
        account: &Account,
        printer: &Printer,
    ) -> oxscript::jobs::Result<()> {
        let mut variables = self.defines.clone();
        variables.extend(&Variables::from_host(host));
        let label: Arc<str> = Arc::from(host.name());
        let (on_command, on_message) = {
            let (p1, l1) = (printer.clone(), Arc::clone(&label));
            let (p2, l2) = (printer.clone(), Arc::clone(&label));
            (
                Arc::new(move |out: &template::CommandOutput<'_>| p1.print(&l1, out.text)),
                Arc::new(move |text: &str| p2.print(&l2, text)),
            )
        };
        let options = RunOptions {
            variables,
            account: Some(account.clone()),
            on_command: Some(on_command),
            on_message: Some(on_message),
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

/// `--check`: compiles the template and reports the first error, without
/// connecting anywhere.
pub(crate) async fn check(args: &Args, hosts: &[Host]) -> Result<ExitCode> {
    let script = Script::load(args, hosts).await?;
    println!("{}: ok", script.template.filename());
    Ok(ExitCode::SUCCESS)
}
