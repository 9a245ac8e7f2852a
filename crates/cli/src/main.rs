//! `oxscript`: run an Exscript template on many devices over Telnet or SSH.
//!
//! ```text
//! oxscript [-c N] [-d NAME=VALUE] [-i] [-l LOGDIR] TEMPLATE URL...
//! oxscript [-c N] -e "cmd; cmd" URL...
//! oxscript --emulate 5 -e "show version"
//! oxscript --check TEMPLATE
//! oxscript worker --nats nats://10.0.0.5:4222 --site paris --slots 50 --account-pool accounts.ini
//! oxscript cluster status
//! ```
//!
//! Hosts run through an `oxscript::jobs` queue (`-c` at a time, `--retry`,
//! `--retry-login`); with several hosts and stdout on a terminal a
//! progress bar shows on stderr, and a summary ends every run.

mod args;
#[cfg(feature = "cluster")]
mod cluster;
mod credentials;
mod emulate;
mod hosts;
mod progress;
mod report;
mod run;
mod ssh;
mod template;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Args::parse();
    init_tracing(args.verbose);
    #[cfg(feature = "cluster")]
    let threads = match &args.command {
        Some(command) => command.threads(),
        None => args.threads,
    };
    #[cfg(not(feature = "cluster"))]
    let threads = args.threads;
    let runtime = match threads.runtime() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("oxscript: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        #[cfg(feature = "cluster")]
        let args = match args.command {
            Some(command) => return exit(cluster::main(command).await),
            None => args,
        };
        exit(run::main(args).await)
    })
}

fn exit(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("oxscript: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `-v`: connections and logins (info); `-vv`: the conversation, each
/// command and its output (debug); `-vvv`: everything (trace). RUST_LOG
/// overrides.
fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour only for a terminal: logs redirected to a file stay plain.
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
