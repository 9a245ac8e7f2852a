//! The commands of an emulated Unix shell.

use std::fmt::Write as _;

use super::words::{assignment, split_commands, split_words, unquote};
use super::{Frame, KERNEL, KERNEL_VERSION, Posix, ShellState, Via, home_of, nested, python};
use crate::context::DeviceContext;

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

/// Runs the `;`-separated commands of `line` in the innermost shell. A
/// command that asks a question or starts another shell ends the line:
/// what follows it is dropped.
pub(super) fn run_line(st: &mut ShellState, ctx: &mut DeviceContext, line: &str) -> String {
    let mut out = String::new();
    let depth = st.frames.len();
    for command in split_commands(line) {
        out.push_str(&run_command(st, ctx, command));
        if ctx.is_reading_line() || ctx.is_closing() || st.frames.len() != depth {
            break;
        }
    }
    out
}

/// The value of `$name` in shell `p`.
fn variable(p: &Posix, name: &str) -> Option<String> {
    Some(match name {
        "?" => p.status.to_string(),
        "$" => "4242".to_owned(),
        "USER" => p.user.clone(),
        "HOME" => p.home(),
        "HOSTNAME" => p.host.clone(),
        "PWD" => p.cwd.clone(),
        other => return p.vars.get(other).cloned(),
    })
}

fn run_command(st: &mut ShellState, ctx: &mut DeviceContext, command: &str) -> String {
    let mut discard = false;
    let all = split_words(command);
    let mut words: Vec<String> = Vec::new();
    for w in all {
        match w.as_str() {
            "2>/dev/null" | "2>&1" => {}
            ">/dev/null" | "1>/dev/null" => discard = true,
            _ => words.push(w),
        }
    }
    let text = run_words(st, ctx, &words);
    if discard { String::new() } else { text }
}

fn run_words(st: &mut ShellState, ctx: &mut DeviceContext, words: &[String]) -> String {
    let Some(p) = st.posix() else {
        return String::new();
    };
    // Only assignments: `PS1='...' PS2=''`.
    if words.iter().all(|w| assignment(w).is_some()) {
        for w in words {
            if let Some((name, value)) = assignment(w) {
                let value = unquote(value, &|n| variable(p, n));
                p.vars.insert(name.to_owned(), value);
            }
        }
        p.status = 0;
        return String::new();
    }
    let plain: Vec<String> = words
        .iter()
        .map(|w| unquote(w, &|n| variable(p, n)))
        .collect();
    let Some((cmd, args)) = plain.split_first() else {
        return String::new();
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match cmd.as_str() {
        "exit" | "logout" => exit(st, ctx),
        "sudo" | "su" => nested::elevate(st, ctx, cmd, &args),
        "ssh" => nested::ssh(st, ctx, &args),
        "telnet" => nested::telnet(st, ctx, &args),
        "bash" | "sh" => {
            p.status = 0;
            let mut shell = Posix::new(&p.user, &p.host, Via::Bash);
            shell.cwd = p.cwd.clone();
            // Exported variables are inherited.
            shell.vars = p
                .vars
                .iter()
                .filter(|(k, _)| p.vars.contains_key(&format!("export:{k}")))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            st.frames.push(Frame::Posix(shell));
            String::new()
        }
        "python3" | "python" => {
            p.status = 0;
            st.frames.push(Frame::Python(python::Python::new()));
            if args.contains(&"-q") {
                String::new()
            } else {
                python::BANNER.to_owned()
            }
        }
        "sleep" => {
            // No clock: the next line (or Ctrl-C) ends it.
            p.status = 0;
            ctx.read_line(false, |_, _| String::new());
            String::new()
        }
        _ => run_simple(p, cmd, &args),
    }
}

/// `exit`: leaves the innermost shell (ending the connection from the
/// login shell).
fn exit(st: &mut ShellState, ctx: &mut DeviceContext) -> String {
    let Some(Frame::Posix(p)) = st.frames.last() else {
        return String::new();
    };
    let text = match p.via {
        Via::Login => {
            ctx.close();
            return "logout\n".to_owned();
        }
        Via::Bash | Via::Elevated => "exit\n".to_owned(),
        Via::Ssh => format!("logout\nConnection to {} closed.\n", p.host),
        Via::Telnet => "logout\nConnection closed by foreign host.\n".to_owned(),
    };
    st.frames.pop();
    text
}

/// A command that does not change the stack of shells, run in `p`.
pub(super) fn run_simple(p: &mut Posix, cmd: &str, args: &[&str]) -> String {
    let mut status = 0;
    let text = match cmd {
        "uname" => match args.first().copied() {
            None | Some("-s") => "Linux\n".to_owned(),
            Some("-a") => format!(
                "Linux {} {KERNEL} {KERNEL_VERSION} x86_64 GNU/Linux\n",
                p.host
            ),
            Some("-n") => format!("{}\n", p.host),
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
        "whoami" => format!("{}\n", p.user),
        "id" => {
            if p.is_root() {
                "uid=0(root) gid=0(root) groups=0(root)\n".to_owned()
            } else {
                let u = &p.user;
                format!("uid=1000({u}) gid=1000({u}) groups=1000({u}),27(sudo)\n")
            }
        }
        "hostname" => format!("{}\n", p.host),
        "echo" => format!("{}\n", args.join(" ")),
        "pwd" => format!("{}\n", p.cwd),
        "cd" => {
            let target = resolve(p, args.first().copied().unwrap_or("~"));
            if listing(p, &target).is_some() {
                p.cwd = target;
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
            let named = args.iter().find(|a| !a.starts_with('-')).copied();
            let target = named.map_or_else(|| p.cwd.clone(), |path| resolve(p, path));
            match listing(p, &target) {
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
                        named.unwrap_or("")
                    )
                }
            }
        }
        "cat" => {
            let mut out = String::new();
            for path in args {
                match resolve(p, path).as_str() {
                    "/etc/os-release" => out.push_str(OS_RELEASE),
                    "/etc/hostname" => {
                        let _ = writeln!(out, "{}", p.host);
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
        "export" => {
            for arg in args {
                let name = match arg.split_once('=') {
                    Some((name, value)) => {
                        p.vars.insert(name.to_owned(), value.to_owned());
                        name
                    }
                    None => arg,
                };
                p.vars.insert(format!("export:{name}"), String::new());
            }
            String::new()
        }
        "unset" => {
            for arg in args {
                p.vars.remove(*arg);
            }
            String::new()
        }
        "true" | ":" | "bind" | "stty" | "set" | "shopt" | "trap" => String::new(),
        "false" => {
            status = 1;
            String::new()
        }
        _ => {
            status = 127;
            format!("-bash: {cmd}: command not found\n")
        }
    };
    p.status = status;
    text
}

/// The directories that exist, and what `ls` shows in them.
fn listing(p: &Posix, dir: &str) -> Option<Vec<String>> {
    let user_home = home_of(&p.user);
    let entries: &[&str] = match dir {
        "/" => &[
            "bin", "boot", "dev", "etc", "home", "lib", "media", "mnt", "opt", "proc", "root",
            "run", "sbin", "srv", "sys", "tmp", "usr", "var",
        ],
        "/home" => {
            return Some(if p.is_root() {
                Vec::new()
            } else {
                vec![p.user.clone()]
            });
        }
        "/root" if p.is_root() => &[],
        "/etc" => &["hostname", "hosts", "issue", "os-release", "passwd", "ssh"],
        "/tmp" | "/var/tmp" | "/mnt" | "/media" | "/opt" | "/srv" => &[],
        "/var" => &["cache", "lib", "log", "tmp"],
        "/var/log" => &["apt", "auth.log", "dpkg.log", "syslog"],
        "/usr" => &["bin", "lib", "local", "sbin", "share"],
        "/etc/ssh" => &["ssh_config", "sshd_config"],
        d if d == user_home && !p.is_root() => &["backup.sh", "notes.txt"],
        _ => return None,
    };
    Some(entries.iter().map(|s| (*s).to_owned()).collect())
}

fn resolve(p: &Posix, path: &str) -> String {
    let home = p.home();
    let full = if path == "~" {
        home
    } else if let Some(rest) = path.strip_prefix("~/") {
        format!("{home}/{rest}")
    } else if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{}/{path}", p.cwd)
    };
    crate::text::normalize_path(&full)
}
