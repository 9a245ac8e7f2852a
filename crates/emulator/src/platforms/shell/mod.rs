//! A small bash-like Unix shell device.
//!
//! [`device`] returns a [`VirtualDevice`] that looks like a Debian host
//! behind a Telnet daemon: `<host> login: `, `Password: `,
//! `Login incorrect`, a message of the day starting with the
//! `Linux <host> 6.1.0-...` line, and the prompt `user@<host>:~$ `.
//!
//! Commands: `uname [-a|-s|-n|-r|-m]`, `whoami`, `id`, `hostname`,
//! `echo` (with `$?`, `$USER`, `$HOME`, `$HOSTNAME`, `$PWD`), `pwd`,
//! `cd` (the prompt shows the directory), `ls`, `cat` (`/etc/os-release`,
//! `/etc/hostname`, `/etc/issue`), `true`, `false`, `exit`/`logout`,
//! and `sudo -s`/`sudo -i`/`su -`/`sudo <command>`, which ask
//! `Password: ` and switch to the `root@<host>:~# ` prompt (`exit` goes
//! back). Anything else: `-bash: <cmd>: command not found`.
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
//! ```

use std::fmt::Write as _;

use crate::command::Reply;
use crate::context::DeviceContext;
use crate::device::VirtualDevice;

const KERNEL: &str = "6.1.0-18-amd64";
const KERNEL_VERSION: &str = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)";

const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"
NAME=\"Debian GNU/Linux\"
VERSION_ID=\"12\"
VERSION=\"12 (bookworm)\"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL=\"https://www.debian.org/\"
SUPPORT_URL=\"https://www.debian.org/support\"
BUG_REPORT_URL=\"https://bugs.debian.org/\"
";

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
            let user = ctx.username().unwrap_or("user").to_owned();
            let st = ShellState::new(&user);
            set_prompt(&st, ctx);
            ctx.insert_state(st);
            format!(
                "Linux {host} {KERNEL} {KERNEL_VERSION} x86_64\n\n\
                 The programs included with the Debian GNU/Linux system are free software;\n\
                 the exact distribution terms for each program are described in the\n\
                 individual files in /usr/share/doc/*/copyright.\n\n\
                 Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent\n\
                 permitted by applicable law.\n"
            )
        })
        .with_fallback(|ctx, line| Some(Reply::new(interpret(ctx, line))))
}

#[derive(Debug)]
struct ShellState {
    user: String,
    cwd: String,
    status: i32,
    /// The user's directory while a root shell runs.
    saved_cwd: Option<String>,
}

impl ShellState {
    fn new(user: &str) -> Self {
        ShellState {
            user: user.to_owned(),
            cwd: home_of(user),
            status: 0,
            saved_cwd: None,
        }
    }

    fn is_root(&self) -> bool {
        self.saved_cwd.is_some() || self.user == "root"
    }

    fn effective_user(&self) -> &str {
        if self.is_root() { "root" } else { &self.user }
    }

    fn home(&self) -> String {
        home_of(self.effective_user())
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
    let home = st.home();
    let dir = if st.cwd == home {
        "~".to_owned()
    } else if let Some(sub) = st.cwd.strip_prefix(&format!("{home}/")) {
        format!("~/{sub}")
    } else {
        st.cwd.clone()
    };
    let (user, sigil) = if st.is_root() {
        ("root", '#')
    } else {
        (st.user.as_str(), '$')
    };
    let prompt = format!("{user}@{}:{dir}{sigil} ", ctx.hostname());
    ctx.set_prompt(prompt);
}

/// The session's state: the user who logged in, in their home directory.
fn new_state(ctx: &DeviceContext) -> ShellState {
    ShellState::new(ctx.username().unwrap_or("user"))
}

fn interpret(ctx: &mut DeviceContext, line: &str) -> String {
    ctx.with_state(new_state, |st, ctx| {
        let text = run(st, ctx, line);
        set_prompt(st, ctx);
        text
    })
}

/// The directories that exist, and what `ls` shows in them.
fn listing(st: &ShellState, dir: &str) -> Option<Vec<String>> {
    let user_home = home_of(&st.user);
    let entries: &[&str] = match dir {
        "/" => &[
            "bin", "boot", "dev", "etc", "home", "lib", "media", "mnt", "opt", "proc", "root",
            "run", "sbin", "srv", "sys", "tmp", "usr", "var",
        ],
        "/home" => return Some(vec![st.user.clone()]),
        "/root" if st.is_root() => &[],
        "/etc" => &["hostname", "hosts", "issue", "os-release", "passwd", "ssh"],
        "/tmp" | "/var/tmp" | "/mnt" | "/media" | "/opt" | "/srv" => &[],
        "/var" => &["cache", "lib", "log", "tmp"],
        "/var/log" => &["apt", "auth.log", "dpkg.log", "syslog"],
        "/usr" => &["bin", "lib", "local", "sbin", "share"],
        "/etc/ssh" => &["ssh_config", "sshd_config"],
        d if d == user_home => &["backup.sh", "notes.txt"],
        _ => return None,
    };
    Some(entries.iter().map(|s| (*s).to_owned()).collect())
}

fn resolve(st: &ShellState, path: &str) -> String {
    let home = st.home();
    let full = if path == "~" {
        home
    } else if let Some(rest) = path.strip_prefix("~/") {
        format!("{home}/{rest}")
    } else if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{}/{path}", st.cwd)
    };
    crate::text::normalize_path(&full)
}

fn expand(st: &ShellState, ctx: &DeviceContext, word: &str) -> String {
    let quoted_single = word.len() >= 2 && word.starts_with('\'') && word.ends_with('\'');
    let inner = word.trim_matches(|c| c == '\'' || c == '"');
    if quoted_single {
        return inner.to_owned();
    }
    inner
        .replace("$?", &st.status.to_string())
        .replace("$USER", st.effective_user())
        .replace("$HOME", &st.home())
        .replace("$HOSTNAME", ctx.hostname())
        .replace("$PWD", &st.cwd)
}

fn run(st: &mut ShellState, ctx: &mut DeviceContext, line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&cmd, args)) = words.split_first() else {
        return String::new();
    };
    let mut status = 0;
    let text = match cmd {
        "uname" => match args.first().copied() {
            None | Some("-s") => "Linux\n".to_owned(),
            Some("-a") => format!(
                "Linux {} {KERNEL} {KERNEL_VERSION} x86_64 GNU/Linux\n",
                ctx.hostname()
            ),
            Some("-n") => format!("{}\n", ctx.hostname()),
            Some("-r") => format!("{KERNEL}\n"),
            Some("-m") => "x86_64\n".to_owned(),
            Some(other) => {
                status = 1;
                format!(
                    "uname: invalid option -- '{}'\nTry 'uname --help' for more information.\n",
                    other.trim_start_matches('-')
                )
            }
        },
        "whoami" => format!("{}\n", st.effective_user()),
        "id" => {
            if st.is_root() {
                "uid=0(root) gid=0(root) groups=0(root)\n".to_owned()
            } else {
                let u = &st.user;
                format!("uid=1000({u}) gid=1000({u}) groups=1000({u}),27(sudo)\n")
            }
        }
        "hostname" => format!("{}\n", ctx.hostname()),
        "echo" => {
            let parts: Vec<String> = args.iter().map(|w| expand(st, ctx, w)).collect();
            format!("{}\n", parts.join(" "))
        }
        "pwd" => format!("{}\n", st.cwd),
        "cd" => {
            let target = resolve(st, args.first().copied().unwrap_or("~"));
            if listing(st, &target).is_some() {
                st.cwd = target;
                String::new()
            } else {
                status = 1;
                format!(
                    "-bash: cd: {}: No such file or directory\n",
                    args.first().copied().unwrap_or("")
                )
            }
        }
        "ls" => {
            let show_all = args.iter().any(|a| a.starts_with('-') && a.contains('a'));
            let target = args
                .iter()
                .find(|a| !a.starts_with('-'))
                .map_or_else(|| st.cwd.clone(), |p| resolve(st, p));
            match listing(st, &target) {
                Some(entries) => {
                    let mut names = Vec::new();
                    if show_all {
                        names.extend([".".to_owned(), "..".to_owned()]);
                    }
                    names.extend(entries);
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!("{}\n", names.join("  "))
                    }
                }
                None => {
                    status = 2;
                    format!(
                        "ls: cannot access '{}': No such file or directory\n",
                        args.iter()
                            .find(|a| !a.starts_with('-'))
                            .copied()
                            .unwrap_or("")
                    )
                }
            }
        }
        "cat" => {
            let mut out = String::new();
            for path in args {
                match resolve(st, path).as_str() {
                    "/etc/os-release" => out.push_str(OS_RELEASE),
                    "/etc/hostname" => {
                        let _ = writeln!(out, "{}", ctx.hostname());
                    }
                    "/etc/issue" => out.push_str("Debian GNU/Linux 12 \\n \\l\n\n"),
                    _ => {
                        status = 1;
                        let _ = writeln!(out, "cat: {path}: No such file or directory");
                    }
                }
            }
            out
        }
        "true" | ":" => String::new(),
        "false" => {
            status = 1;
            String::new()
        }
        "exit" | "logout" => {
            if st.saved_cwd.is_some() {
                st.cwd = st.saved_cwd.take().unwrap_or_else(|| home_of(&st.user));
                return "exit\n".to_owned();
            }
            ctx.close();
            return "logout\n".to_owned();
        }
        "sudo" | "su" => return elevate(st, ctx, cmd, args),
        _ => {
            status = 127;
            format!("-bash: {cmd}: command not found\n")
        }
    };
    st.status = status;
    text
}

/// `sudo -s`, `sudo -i`, `sudo su`, `su`, `su -` open a root shell;
/// `sudo <command>` runs one command as root.
fn elevate(st: &mut ShellState, ctx: &mut DeviceContext, cmd: &str, args: &[&str]) -> String {
    let shell =
        cmd == "su" || args.is_empty() || matches!(args.first().copied(), Some("-s" | "-i" | "su"));
    if cmd == "sudo" && args.is_empty() {
        st.status = 1;
        return "usage: sudo -h | -K | -k | -V\nusage: sudo [-u user] [command]\n".to_owned();
    }
    let command = if shell { None } else { Some(args.join(" ")) };
    if st.is_root() {
        return become_root(st, ctx, command.as_deref());
    }
    ask_password(ctx, cmd == "su", command, 1);
    "Password: ".to_owned()
}

fn ask_password(ctx: &mut DeviceContext, su: bool, command: Option<String>, attempt: u32) {
    ctx.read_line(true, move |ctx, password| {
        ctx.with_state(new_state, |st, ctx| {
            let ok = if su {
                ctx.check_enable_password(password)
            } else {
                ctx.check_credentials(&st.user, password)
            };
            let text = if ok {
                become_root(st, ctx, command.as_deref())
            } else if su {
                st.status = 1;
                "su: Authentication failure\n".to_owned()
            } else if attempt < 3 {
                ask_password(ctx, su, command, attempt + 1);
                "Sorry, try again.\nPassword: ".to_owned()
            } else {
                st.status = 1;
                "sudo: 3 incorrect password attempts\n".to_owned()
            };
            set_prompt(st, ctx);
            text
        })
    });
}

fn become_root(st: &mut ShellState, ctx: &mut DeviceContext, command: Option<&str>) -> String {
    match command {
        Some(command) => {
            let was_root = st.saved_cwd.is_some();
            if !was_root {
                st.saved_cwd = Some(st.cwd.clone());
            }
            let text = run(st, ctx, command);
            if !was_root && let Some(cwd) = st.saved_cwd.take() {
                st.cwd = cwd;
            }
            text
        }
        None => {
            if st.saved_cwd.is_none() {
                st.saved_cwd = Some(st.cwd.clone());
            }
            st.cwd = "/root".to_owned();
            st.status = 0;
            String::new()
        }
    }
}

#[cfg(test)]
mod tests;
