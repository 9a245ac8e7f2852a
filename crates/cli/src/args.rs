//! Command line arguments.

use std::path::PathBuf;

use clap::Parser;

/// Run commands on many devices over Telnet or SSH.
///
/// Each host is a URL (`host`, `host:port`, `ssh://user:password@host:22`);
/// login details missing from the URLs are asked for once. Output lines are
/// printed as `host:line`.
#[derive(Debug, Parser)]
#[command(name = "oxscript", version, about, long_about = None)]
pub(crate) struct Args {
    /// Hosts to connect to, as URLs.
    #[arg(value_name = "URL")]
    pub(crate) urls: Vec<String>,

    /// Commands to run, separated by `;`.
    #[arg(short = 'e', long = "execute", value_name = "COMMANDS")]
    pub(crate) execute: Option<String>,

    /// Maximum number of hosts connected at the same time.
    #[arg(
        short = 'c',
        long = "connections",
        value_name = "N",
        default_value_t = 10
    )]
    pub(crate) connections: usize,

    /// Never ask for a username or password.
    #[arg(short = 'i', long = "non-interactive")]
    pub(crate) non_interactive: bool,

    /// Write one log per host into this directory (`<host>.log`, errors in `<host>.log.error`).
    #[arg(short = 'l', long = "logdir", value_name = "DIR")]
    pub(crate) logdir: Option<PathBuf>,

    /// Read more hosts from a file (one URL per line, `#` comments).
    #[arg(long = "hosts", value_name = "FILE")]
    pub(crate) hosts: Vec<PathBuf>,

    /// Read more hosts (and their variables) from a tab-separated file.
    #[arg(long = "csv-hosts", value_name = "FILE")]
    pub(crate) csv_hosts: Vec<PathBuf>,

    /// Read accounts from a file (`[account-pool]`, `user = base64(password)`); used round robin.
    #[arg(long = "account-pool", value_name = "FILE")]
    pub(crate) account_pool: Option<PathBuf>,

    /// Protocol for URLs that name none.
    #[arg(
        short = 'p',
        long = "protocol",
        value_name = "PROTOCOL",
        default_value = "telnet"
    )]
    pub(crate) protocol: String,

    /// Domain appended to host names that have none.
    #[arg(long = "default-domain", value_name = "DOMAIN")]
    pub(crate) default_domain: Option<String>,

    /// Driver to use (default: guessed per host).
    #[arg(long = "driver", value_name = "NAME")]
    pub(crate) driver: Option<String>,

    /// Seconds to wait for each prompt.
    #[arg(long = "timeout", value_name = "SECONDS", default_value_t = 30.0)]
    pub(crate) timeout: f64,

    /// Seconds to wait for each connection.
    #[arg(
        long = "connect-timeout",
        value_name = "SECONDS",
        default_value_t = 15.0
    )]
    pub(crate) connect_timeout: f64,

    /// Do not run the driver's terminal setup (`terminal length 0`, …).
    #[arg(long = "no-init")]
    pub(crate) no_init: bool,

    /// Do not escalate privileges after login (e.g. `enable`).
    #[arg(long = "no-authorize")]
    pub(crate) no_authorize: bool,

    /// Close without sending the driver's logout command.
    #[arg(long = "no-auto-logout")]
    pub(crate) no_auto_logout: bool,

    /// Run a host's whole job up to N more times when it fails (any error).
    #[arg(long = "retry", value_name = "N", default_value_t = 0)]
    pub(crate) retry: u32,

    /// Try logging in up to N more times (on a new connection each time)
    /// when the device rejects the credentials.
    #[arg(long = "retry-login", value_name = "N", default_value_t = 0)]
    pub(crate) retry_login: u32,

    /// Start N emulated Cisco IOS routers in this process and run against them
    /// (in addition to any URLs given).
    #[arg(long = "emulate", value_name = "N")]
    pub(crate) emulate: Option<usize>,

    /// More log output on stderr (repeat for more).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

impl Args {
    /// The commands to run, trimmed, empty ones removed.
    pub(crate) fn commands(&self) -> Vec<String> {
        self.execute
            .as_deref()
            .unwrap_or_default()
            .split(';')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    }
}
