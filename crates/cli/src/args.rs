//! Command line arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use oxscript::jobs::queue::QueueOptions;
use oxscript::{Protocol, SessionOptions};

/// Run an Exscript template (or commands) on many devices over Telnet or SSH.
///
/// The template is a file of commands, one per line, with `{…}`
/// instructions (see docs/templates.md); `-e` gives it on the command line
/// instead, `;` separating commands. Each host is a URL (`host`,
/// `host:port`, `ssh://user:password@host:22`); login details missing from
/// the URLs are asked for once. Output lines are printed as `host:line`.
#[derive(Debug, Parser)]
#[command(
    name = "oxscript",
    version,
    about,
    long_about = None,
    override_usage = "oxscript [OPTIONS] TEMPLATE [HOST]...\n       oxscript [OPTIONS] -e TEMPLATE [HOST]...",
    args_conflicts_with_subcommands = true
)]
pub(crate) struct Args {
    /// Cluster mode: `oxscript worker …`, `oxscript cluster …`.
    #[cfg(feature = "cluster")]
    #[command(subcommand)]
    pub(crate) command: Option<crate::cluster::Command>,

    /// The template file (unless -e is given), then the hosts, as URLs.
    #[arg(value_name = "TEMPLATE | HOST")]
    pub(crate) urls: Vec<String>,

    /// The template as a string instead of a file; `;` separates commands
    /// as line breaks do (`\;` sends a `;`).
    #[arg(short = 'e', long = "execute", value_name = "TEMPLATE")]
    pub(crate) execute: Option<String>,

    /// Defines a template variable (repeat for more; a name given several
    /// times is a list).
    #[arg(short = 'd', long = "define", value_name = "NAME=VALUE")]
    pub(crate) defines: Vec<String>,

    /// Keep the first line of each response (the echoed command) in `__response__`.
    #[arg(long = "no-strip")]
    pub(crate) no_strip: bool,

    /// Send the commands without waiting for prompts (templates that read
    /// responses are refused).
    #[arg(long = "no-prompt")]
    pub(crate) no_prompt: bool,

    /// Check the template's syntax and exit, without connecting.
    #[arg(long = "check")]
    pub(crate) check: bool,

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
    pub(crate) protocol: Protocol,

    /// Domain appended to host names that have none.
    #[arg(long = "default-domain", value_name = "DOMAIN")]
    pub(crate) default_domain: Option<String>,

    /// Driver to use (default: guessed per host).
    #[arg(long = "driver", value_name = "NAME")]
    pub(crate) driver: Option<String>,

    /// Seconds to wait for each prompt.
    #[arg(
        long = "timeout",
        value_name = "SECONDS",
        default_value = "30",
        value_parser = parse_seconds
    )]
    pub(crate) timeout: Duration,

    /// Seconds to wait for each connection.
    #[arg(
        long = "connect-timeout",
        value_name = "SECONDS",
        default_value = "15",
        value_parser = parse_seconds
    )]
    pub(crate) connect_timeout: Duration,

    /// Do not run the driver's terminal setup (`terminal length 0`, …).
    #[arg(long = "no-init")]
    pub(crate) no_init: bool,

    /// Do not escalate privileges after login (e.g. `enable`).
    #[arg(long = "no-authorize")]
    pub(crate) no_authorize: bool,

    /// Do not log in at all (no username or password prompt is answered,
    /// no platform detection, no `enable`); over SSH only the SSH login.
    #[arg(short = 'n', long = "no-authentication")]
    pub(crate) no_authentication: bool,

    /// The enable (authorization) password, for every host (default: the
    /// login password).
    #[arg(
        long = "enable-password",
        value_name = "SECRET",
        conflicts_with = "ask_enable"
    )]
    pub(crate) enable_password: Option<String>,

    /// Ask for the enable (authorization) password once, without echo.
    #[arg(short = 'A', long = "ask-enable-password")]
    pub(crate) ask_enable: bool,

    /// SSH: the known_hosts file host keys are checked against (default
    /// ~/.ssh/known_hosts).
    #[arg(long = "known-hosts", value_name = "FILE")]
    pub(crate) known_hosts: Option<PathBuf>,

    /// SSH: trust the key of a host never seen before and record it in
    /// known_hosts (OpenSSH's accept-new); a changed key is still refused.
    #[arg(long = "accept-new", conflicts_with = "ssh_auto_verify")]
    pub(crate) accept_new: bool,

    /// SSH: accept any host key, changed ones included (Exscript's
    /// option). INSECURE: anyone in the path can read the session.
    #[arg(long = "ssh-auto-verify")]
    pub(crate) ssh_auto_verify: bool,

    /// SSH: a private key to log in with (repeat for more, tried in order).
    #[arg(long = "ssh-key", value_name = "FILE")]
    pub(crate) ssh_keys: Vec<PathBuf>,

    /// SSH: read an OpenSSH client configuration (Host, HostName, User,
    /// Port, IdentityFile, ProxyJump, StrictHostKeyChecking,
    /// UserKnownHostsFile); FILE defaults to ~/.ssh/config.
    #[arg(long = "ssh-config", value_name = "FILE", num_args = 0..=1)]
    pub(crate) ssh_config: Option<Option<PathBuf>>,

    /// SSH: reach the hosts through this gateway (an ssh:// URL); repeat
    /// for a chain, nearest first.
    #[arg(long = "jump", value_name = "URL")]
    pub(crate) jump: Vec<String>,

    /// Wait this long before starting (`10`, `1.5s`, `2m`, `1h`).
    #[arg(long = "sleep", value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) sleep: Option<Duration>,

    /// With -l: remove the log of each host that succeeded, keeping the
    /// logs of failures.
    #[arg(long = "delete-logs", requires = "logdir")]
    pub(crate) delete_logs: bool,

    /// With -l: overwrite existing logs instead of appending to them.
    #[arg(long = "overwrite-logs", requires = "logdir")]
    pub(crate) overwrite_logs: bool,

    /// Print one JSON object per host on stdout (name, address, ok, error
    /// kind and message, each command's output, timings) instead of
    /// `host:line` output.
    #[arg(long = "json")]
    pub(crate) json: bool,

    /// With --json: parse each command's output with TextFSM templates of
    /// this directory's ntc-templates `index` (default: $NET_TEXTFSM).
    #[arg(long = "parse", value_name = "DIR", num_args = 0..=1, requires = "json")]
    pub(crate) parse: Option<Option<PathBuf>>,

    /// Shell hosts: a command that exits with a non-zero status fails the
    /// host (checked with `echo $?` after each command).
    #[arg(long = "check-exit")]
    pub(crate) check_exit: bool,

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

    #[command(flatten)]
    pub(crate) threads: Threads,

    /// More log output on stderr (repeat for more).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// `--threads`: how many threads run the connections.
#[derive(Debug, Clone, Copy, clap::Args)]
pub(crate) struct Threads {
    /// Threads running the connections. 1 (the default) keeps them all on
    /// one thread: the least CPU when the run waits on the network (two
    /// threads took 1.2-1.8 times the CPU for the same 100 hosts, see
    /// docs/performance.md). 0 starts one per CPU core, for runs bound by
    /// this machine's CPU, such as thousands of SSH key exchanges at once.
    #[arg(long = "threads", value_name = "N", default_value_t = 1)]
    pub(crate) threads: usize,
}

impl Threads {
    /// The Tokio runtime `--threads` asks for (logged at `-v`).
    pub(crate) fn runtime(self) -> std::io::Result<tokio::runtime::Runtime> {
        let workers = match self.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let mut builder = if self.threads == 1 {
            tokio::runtime::Builder::new_current_thread()
        } else {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(workers);
            builder
        };
        let runtime = builder.enable_all().build()?;
        if self.threads == 1 {
            tracing::info!("connections run on one thread (--threads 1)");
        } else {
            tracing::info!(
                "connections run on {workers} worker threads (--threads {})",
                self.threads
            );
        }
        Ok(runtime)
    }
}

/// The local queue's settings from `--timeout`, `--connect-timeout`,
/// `--retry` and `--retry-login` (taken by the URL mode and by `oxscript
/// worker`); the other settings at their defaults.
pub(crate) fn queue_options(
    timeout: Duration,
    connect_timeout: Duration,
    retry: u32,
    retry_login: u32,
) -> QueueOptions {
    QueueOptions {
        session: SessionOptions {
            timeout,
            connect_timeout,
            ..SessionOptions::default()
        },
        attempts: retry.saturating_add(1),
        login_attempts: retry_login.saturating_add(1),
        ..QueueOptions::default()
    }
}

/// Parses a duration: seconds (`10`, `0.5`, `1.5s`), minutes (`2m`),
/// hours (`1h`) or days (`1d`), like sleep(1).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t, 's'),
    };
    let factor = match unit {
        's' => 1.0,
        'm' => 60.0,
        'h' => 3600.0,
        'd' => 86400.0,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (use s, m, h or d)"
            ));
        }
    };
    let seconds = parse_seconds(number).map_err(|e| format!("`{text}`: {e}"))?;
    let total = seconds.as_secs_f64() * factor;
    if total > MAX_SECONDS {
        return Err(format!("`{text}` is too long"));
    }
    Ok(Duration::from_secs_f64(total))
}

/// The longest timeout accepted, in seconds (about 31 years): deadlines
/// are computed as "now + timeout", which must not overflow.
const MAX_SECONDS: f64 = 1e9;

/// The shortest timeout used; shorter ones (such as 0) are raised to it.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// Parses a timeout in seconds (fractions allowed, such as `0.5`).
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let limits = || format!("expected a number of seconds from 0 to {MAX_SECONDS:e}");
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number ({})", limits()))?;
    if seconds > MAX_SECONDS {
        return Err(format!("`{text}` is too long ({})", limits()));
    }
    Duration::try_from_secs_f64(seconds)
        .map(|timeout| timeout.max(MIN_TIMEOUT))
        .map_err(|_| format!("`{text}` is not a usable timeout ({})", limits()))
}

impl Args {
    /// The template file: the first argument, unless `-e` gives the template.
    pub(crate) fn template_file(&self) -> Option<&str> {
        match self.execute {
            Some(_) => None,
            None => self.urls.first().map(String::as_str),
        }
    }

    /// The hosts' URLs: the arguments after the template file.
    pub(crate) fn host_urls(&self) -> &[String] {
        match self.execute {
            Some(_) => &self.urls,
            None => self.urls.get(1..).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_seconds_within_limits() {
        assert_eq!(parse_seconds("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_seconds(" 0.25 "), Ok(Duration::from_millis(250)));
        assert_eq!(parse_seconds("1e9"), Ok(Duration::from_secs(1_000_000_000)));
        // Zero (and anything shorter than a millisecond) waits a millisecond.
        assert_eq!(parse_seconds("0"), Ok(MIN_TIMEOUT));
        assert_eq!(parse_seconds("0.0000001"), Ok(MIN_TIMEOUT));
        for bad in [
            "inf",
            "infinity",
            "1e30",
            "1000000001",
            "NaN",
            "-1",
            "-inf",
            "",
            "10s",
        ] {
            let err = parse_seconds(bad).unwrap_err();
            assert!(err.starts_with(&format!("`{bad}` is ")), "{bad}: {err}");
            assert!(
                err.contains("number of seconds from 0 to 1e9"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn the_first_argument_is_the_template_unless_e_gives_it() {
        let args = Args::try_parse_from(["oxscript", "t.exscript", "r1", "r2"]).unwrap();
        assert_eq!(args.template_file(), Some("t.exscript"));
        assert_eq!(args.host_urls(), ["r1", "r2"]);
        let args = Args::try_parse_from(["oxscript", "-e", "show clock", "r1"]).unwrap();
        assert_eq!(args.template_file(), None);
        assert_eq!(args.host_urls(), ["r1"]);
        let args = Args::try_parse_from(["oxscript", "-d", "a=1", "-d", "a=2", "--check"]).unwrap();
        assert_eq!(args.defines, ["a=1", "a=2"]);
        assert!(args.check && args.host_urls().is_empty() && args.template_file().is_none());
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(
            parse_duration("3w")
                .unwrap_err()
                .contains("unknown unit `w`")
        );
        assert!(parse_duration("xs").is_err());
    }

    #[test]
    fn operator_flags_parse() {
        let args = Args::try_parse_from([
            "oxscript",
            "--ssh-key",
            "a",
            "--ssh-key",
            "b",
            "--jump",
            "ssh://g1",
            "--jump",
            "ssh://g2",
            "--ssh-config",
            "--accept-new",
            "-n",
            "--json",
            "--parse",
            "-e",
            "x",
            "h",
        ])
        .unwrap();
        assert_eq!(args.ssh_keys.len(), 2);
        assert_eq!(args.jump, ["ssh://g1", "ssh://g2"]);
        assert_eq!(args.ssh_config, Some(None));
        assert_eq!(args.parse, Some(None));
        assert!(args.accept_new && args.no_authentication && args.json);
        assert!(Args::try_parse_from(["oxscript", "--parse", "d", "-e", "x", "h"]).is_err());
        assert!(
            Args::try_parse_from(["oxscript", "--accept-new", "--ssh-auto-verify", "h"]).is_err()
        );
        assert!(Args::try_parse_from(["oxscript", "--delete-logs", "h"]).is_err());
    }

    #[test]
    fn protocol_and_timeouts_are_parsed_by_clap() {
        let args =
            Args::try_parse_from(["oxscript", "-p", "SSH2", "--timeout", "2.5", "h"]).unwrap();
        assert_eq!(args.protocol, Protocol::Ssh);
        assert_eq!(args.timeout, Duration::from_millis(2500));
        assert_eq!(args.connect_timeout, Duration::from_secs(15));
        let args = Args::try_parse_from(["oxscript", "h"]).unwrap();
        assert_eq!(args.protocol, Protocol::Telnet);
        assert_eq!(args.timeout, Duration::from_secs(30));
        let err = Args::try_parse_from(["oxscript", "-p", "ftp", "h"]).unwrap_err();
        assert!(err.to_string().contains("unknown protocol `ftp`"), "{err}");
        let err = Args::try_parse_from(["oxscript", "--connect-timeout", "1e30", "h"]).unwrap_err();
        assert!(err.to_string().contains("`1e30` is too long"), "{err}");
    }
}
