//! A small bash-like Unix shell device, with nested shells.
//!
//! [`device`] returns a [`VirtualDevice`] that looks like a Debian host
//! behind a Telnet daemon: `<host> login: `, `Password: `,
//! `Login incorrect`, a message of the day starting with the
//! `Linux <host> 6.1.0-...` line, and the prompt `user@<host>:~$ `.
//!
//! Commands: `uname [-a|-s|-n|-r|-m]`, `whoami`, `id`, `hostname`,
//! `echo` (with `$?`, `$$`, `$USER`, `$HOME`, `$HOSTNAME`, `$PWD` and
//! variables set with `NAME=value`), `pwd`, `cd` (the prompt shows the
//! directory), `ls`, `cat` (`/etc/os-release`, `/etc/hostname`,
//! `/etc/issue`), `true`, `false`, `sleep` (the emulator has no clock:
//! it waits for the next input line, or Ctrl-C), `exit`/`logout`, and
//! `export`, `unset`, `bind`, `stty`, `set`, `shopt` (accepted). Commands
//! separated by `;` run in turn; `2>/dev/null` is ignored and
//! `>/dev/null` drops the output. `PS1='...'` sets the prompt, rendered
//! like bash's (`\u \h \H \w \W \$ \\ \[ \]`, octal `\nnn`, and `$?`
//! evaluated at each prompt). Anything else: `-bash: <cmd>: command not
//! found`.
//!
//! Nested shells, each left with `exit` (`exit()` for Python), which
//! shows the shell below again:
//!
//! - `bash`, `sh`: a new shell of the same user (prompt `bash-5.2$ `
//!   until `PS1` is set).
//! - `sudo -s`, `sudo -i`, `sudo su`, `sudo -u <user> -s`: ask
//!   `Password: ` (the current user's login password; up to three tries,
//!   `Sorry, try again.`) unless the current user is root, then a root
//!   shell `root@<host>:~# `. `sudo <command>` runs one command as root.
//! - `su [-] [user]`: asks `Password: `: for root the enable password
//!   (any when none is set), for another user that user's login password;
//!   `su: Authentication failure` otherwise.
//! - `ssh [-p port] [-l user] [-i key] [-o Option=value] [user@]host`: a
//!   host-key question for hosts not seen yet in this session (`yes`, or
//!   the fingerprint, accepts; `no` fails with `Host key verification
//!   failed.`; `-o StrictHostKeyChecking=no` skips it,
//!   `-o UserKnownHostsFile=/dev/null` never remembers a host), then
//!   `user@host's password: ` (the device's credentials; three tries,
//!   `Permission denied, please try again.`; `-i` with any key file logs
//!   in without a password), then a shell on `host`. Hosts ending in
//!   `.invalid` do not resolve. The fingerprint is
//!   [`host_key_fingerprint`], a made-up but stable value.
//! - `telnet host [port]`: `<host> login: `, `Password: ` (the device's
//!   credentials; `Login incorrect` asks again, three times at most),
//!   then a shell on `host`.
//! - `python3`, `python` (`-q` hides the banner): the tiny Python
//!   described in [`python`](self#python): `>>> ` prompts, `sys.ps1` and
//!   `sys.ps2` assignments, expressions and simple statements over
//!   `None`, booleans, numbers, strings, lists and dicts, tracebacks for
//!   exceptions, `exit()`; and the remote runner protocol of oxscript's
//!   shells crate (its bootstrap is recognised by its header line, not
//!   run).
//!
//! Ctrl-C drops the line being typed and any question waiting for an
//! answer (a password prompt, a `sleep`), and shows the prompt again.
//!
//! `sudo` accepts the user's login password (any password when the device
//! has no credentials); `su` accepts the enable password (any when none is
//! set).
//!
//! ```
//! use oxscript_emulator::shell;
//!
//! let mut session = shell::device("web1").session();
//! assert!(session.start().text.ends_with("web1 login: "));
//! session.feed(b"alice\r");
//! assert!(session.feed(b"pw\r").text.ends_with("alice@web1:~$ "));
//! assert_eq!(session.feed(b"whoami\r").text, "whoami\r\nalice\r\nalice@web1:~$ ");
//! assert_eq!(
//!     session.feed(b"PS1='[\\u@\\h $?]\\$ '; false\r").text,
//!     "PS1='[\\u@\\h $?]\\$ '; false\r\n[alice@web1 1]$ "
//! );
//! ```
//!
//! # Python
//!
//! The emulated `python3` evaluates a very small subset of Python: literals
//! (`1`, `2.5`, `'s'`, `True`, `None`, `[..]`, `{'k': v}`), names,
//! arithmetic, comparisons, indexing, the builtins `len str int float
//! repr sorted sum min max abs range list print`, common methods of `str`,
//! `list` and `dict`, and the statements `name = expr`, `name += expr`,
//! `del`, `import` (does nothing) and `raise Name('message')`. Statements
//! may be separated by `;`; blocks (`if`, `def`, ...) are not supported.

mod nested;
mod posix;
mod pyexpr;
mod python;
mod words;

use std::collections::HashMap;

use crate::command::Reply;
use crate::context::DeviceContext;
use crate::device::VirtualDevice;

use python::{Outcome, Python};
use words::PromptInfo;

const KERNEL: &str = "6.1.0-18-amd64";
const KERNEL_VERSION: &str = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)";

pub use nested::host_key_fingerprint;

/// A shell device named `hostname`.
pub fn device(hostname: &str) -> VirtualDevice {
    let host = hostname.to_owned();
    VirtualDevice::new(hostname)
        .with_banner("Debian GNU/Linux 12\n")
        .with_username_prompt(format!("{hostname} login: "))
        .with_password_prompt("Password: ")
        .with_login_failure_message("\nLogin incorrect")
        .with_prompt(format!("user@{hostname}:~$ "))
        .with_strict(false)
        .with_login_hook(move |ctx| {
            let st = new_state(ctx);
            set_prompt(&st, ctx);
            ctx.insert_state(st);
            motd(&host)
        })
        .with_fallback(|ctx, line| Some(Reply::new(interpret(ctx, line))))
}

fn motd(host: &str) -> String {
    format!(
        "Linux {host} {KERNEL} {KERNEL_VERSION} x86_64\n\n\
         The programs included with the Debian GNU/Linux system are free software;\n\
         the exact distribution terms for each program are described in the\n\
         individual files in /usr/share/doc/*/copyright.\n\n\
         Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent\n\
         permitted by applicable law.\n"
    )
}

/// How a shell was entered (what `exit` says and does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    /// The login shell: `exit` ends the connection.
    Login,
    /// `bash` or `sh` typed in a shell.
    Bash,
    /// `sudo -s`, `su`.
    Elevated,
    /// `ssh` typed in a shell.
    Ssh,
    /// `telnet` typed in a shell.
    Telnet,
}

/// One Unix shell of the stack.
#[derive(Debug)]
struct Posix {
    user: String,
    host: String,
    cwd: String,
    status: i32,
    vars: HashMap<String, String>,
    via: Via,
}

impl Posix {
    fn new(user: &str, host: &str, via: Via) -> Self {
        Posix {
            user: user.to_owned(),
            host: host.to_owned(),
            cwd: home_of(user),
            status: 0,
            vars: HashMap::new(),
            via,
        }
    }

    fn is_root(&self) -> bool {
        self.user == "root"
    }

    fn home(&self) -> String {
        home_of(&self.user)
    }

    /// The directory as a prompt shows it.
    fn short_dir(&self) -> String {
        let home = self.home();
        if self.cwd == home {
            "~".to_owned()
        } else if let Some(sub) = self.cwd.strip_prefix(&format!("{home}/")) {
            format!("~/{sub}")
        } else {
            self.cwd.clone()
        }
    }

    fn prompt(&self) -> String {
        let dir = self.short_dir();
        let info = PromptInfo {
            user: &self.user,
            host: &self.host,
            dir: &dir,
            root: self.is_root(),
            status: self.status,
        };
        match self.vars.get("PS1") {
            Some(ps1) => words::render_ps1(ps1, &info),
            None if self.via == Via::Bash => words::render_ps1(r"bash-5.2\$ ", &info),
            None => words::render_ps1(r"\u@\h:\w\$ ", &info),
        }
    }
}

/// One shell of the stack: a Unix shell or a Python interpreter.
#[derive(Debug)]
enum Frame {
    Posix(Posix),
    Python(Python),
}

/// The stack of shells of one session, the login shell first.
#[derive(Debug)]
struct ShellState {
    frames: Vec<Frame>,
    /// Hosts whose key `ssh` accepted in this session.
    known_hosts: Vec<String>,
}

impl ShellState {
    /// The innermost Unix shell (the login shell at least).
    fn posix(&mut self) -> Option<&mut Posix> {
        self.frames.iter_mut().rev().find_map(|f| match f {
            Frame::Posix(p) => Some(p),
            Frame::Python(_) => None,
        })
    }
}

fn home_of(user: &str) -> String {
    if user == "root" {
        "/root".to_owned()
    } else {
        format!("/home/{user}")
    }
}

fn set_prompt(st: &ShellState, ctx: &mut DeviceContext) {
    let prompt = match st.frames.last() {
        Some(Frame::Posix(p)) => p.prompt(),
        Some(Frame::Python(py)) => py.ps1.clone(),
        None => String::new(),
    };
    ctx.set_prompt(prompt);
}

/// The session's state: the user who logged in, in their home directory.
fn new_state(ctx: &DeviceContext) -> ShellState {
    let user = ctx.username().unwrap_or("user");
    ShellState {
        frames: vec![Frame::Posix(Posix::new(user, ctx.hostname(), Via::Login))],
        known_hosts: Vec::new(),
    }
}

fn interpret(ctx: &mut DeviceContext, line: &str) -> String {
    ctx.with_state(new_state, |st, ctx| {
        let text = match st.frames.last_mut() {
            Some(Frame::Python(py)) => match py.line(line) {
                Outcome::Text(text) => text,
                Outcome::Exit => {
                    st.frames.pop();
                    String::new()
                }
            },
            _ => posix::run_line(st, ctx, line),
        };
        set_prompt(st, ctx);
        text
    })
}

/// Runs `f` on the shell state from a `read_line` handler, then sets the
/// prompt.
fn with_shell(
    ctx: &mut DeviceContext,
    f: impl FnOnce(&mut ShellState, &mut DeviceContext) -> String,
) -> String {
    ctx.with_state(new_state, |st, ctx| {
        let text = f(st, ctx);
        set_prompt(st, ctx);
        text
    })
}

/// Sets the exit status of the current Unix shell.
fn set_status(st: &mut ShellState, status: i32) {
    if let Some(p) = st.posix() {
        p.status = status;
    }
}

#[cfg(test)]
mod tests;
