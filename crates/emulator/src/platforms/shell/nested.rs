//! Commands that start another shell after a dialogue: `sudo`, `su`,
//! `ssh` and `telnet`.

use super::posix::run_simple;
use super::{Frame, Posix, ShellState, Via, set_status, with_shell};
use crate::context::DeviceContext;

/// The made-up SHA-256 host-key fingerprint the emulated `ssh` shows for
/// `host` on `port`: stable for a given host and port, different between
/// hosts (not the hash of any real key).
///
/// ```
/// use oxscript_emulator::shell::host_key_fingerprint;
///
/// let fp = host_key_fingerprint("gw", 22);
/// assert!(fp.starts_with("SHA256:") && fp.len() == 7 + 43);
/// assert_eq!(fp, host_key_fingerprint("gw", 22));
/// assert_ne!(fp, host_key_fingerprint("gw", 2222));
/// ```
pub fn host_key_fingerprint(host: &str, port: u16) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // FNV-1a over the name, then a xorshift stream for the characters.
    let mut state: u64 = 0xcbf2_9ce4_8422_2325;
    for b in host.bytes().chain(port.to_be_bytes()) {
        state = (state ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::from("SHA256:");
    for _ in 0..43 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.push(char::from(ALPHABET[(state % 64) as usize]));
    }
    out
}

/// `sudo -s`, `sudo -i`, `sudo su`, `sudo -u user -s`, `su [-] [user]`
/// open a shell of another user; `sudo <command>` runs one command as
/// root.
pub(super) fn elevate(
    st: &mut ShellState,
    ctx: &mut DeviceContext,
    cmd: &str,
    args: &[&str],
) -> String {
    let Some(p) = st.posix() else {
        return String::new();
    };
    let (target, command) = if cmd == "su" {
        let user = args
            .iter()
            .find(|a| !a.starts_with('-'))
            .copied()
            .unwrap_or("root");
        (user.to_owned(), None)
    } else {
        if args.is_empty() {
            p.status = 1;
            return "usage: sudo -h | -K | -k | -V\nusage: sudo [-u user] [command]\n".to_owned();
        }
        let mut target = "root".to_owned();
        let mut rest = args;
        if let ["-u", user, more @ ..] = rest {
            target = (*user).to_owned();
            rest = more;
        }
        let shell = rest.is_empty() || matches!(rest.first().copied(), Some("-s" | "-i" | "su"));
        let command = (!shell).then(|| rest.join(" "));
        (target, command)
    };
    if p.is_root() {
        return become_user(st, &target, command.as_deref());
    }
    ask_password(ctx, cmd == "su", target, command, 1);
    "Password: ".to_owned()
}

fn ask_password(
    ctx: &mut DeviceContext,
    su: bool,
    target: String,
    command: Option<String>,
    attempt: u32,
) {
    ctx.read_line(true, move |ctx, password| {
        with_shell(ctx, |st, ctx| {
            let user = st.posix().map(|p| p.user.clone()).unwrap_or_default();
            let ok = match (su, target.as_str()) {
                (true, "root") => ctx.check_enable_password(password),
                (true, other) => ctx.check_credentials(other, password),
                (false, _) => ctx.check_credentials(&user, password),
            };
            if ok {
                become_user(st, &target, command.as_deref())
            } else if su {
                set_status(st, 1);
                "su: Authentication failure\n".to_owned()
            } else if attempt < 3 {
                ask_password(ctx, su, target, command, attempt + 1);
                "Sorry, try again.\nPassword: ".to_owned()
            } else {
                set_status(st, 1);
                "sudo: 3 incorrect password attempts\n".to_owned()
            }
        })
    });
}

fn become_user(st: &mut ShellState, target: &str, command: Option<&str>) -> String {
    let Some(p) = st.posix() else {
        return String::new();
    };
    let mut shell = Posix::new(target, &p.host.clone(), Via::Elevated);
    match command {
        Some(command) => {
            shell.cwd = p.cwd.clone();
            let words: Vec<&str> = command.split_whitespace().collect();
            let Some((cmd, args)) = words.split_first() else {
                return String::new();
            };
            let text = run_simple(&mut shell, cmd, args);
            p.status = shell.status;
            text
        }
        None => {
            p.status = 0;
            st.frames.push(Frame::Posix(shell));
            String::new()
        }
    }
}

/// The options of an `ssh` command line that the emulator follows.
struct SshArgs {
    user: String,
    host: String,
    port: u16,
    key: bool,
    strict: String,
    remember: bool,
}

fn parse_ssh(user: &str, args: &[&str]) -> Result<SshArgs, String> {
    let mut parsed = SshArgs {
        user: user.to_owned(),
        host: String::new(),
        port: 22,
        key: false,
        strict: "ask".into(),
        remember: true,
    };
    let mut it = args.iter().copied();
    while let Some(arg) = it.next() {
        match arg {
            "-p" => {
                let port = it.next().unwrap_or_default();
                parsed.port = port.parse().map_err(|_| format!("Bad port '{port}'"))?;
            }
            "-l" => parsed.user = it.next().unwrap_or_default().to_owned(),
            "-i" => {
                it.next();
                parsed.key = true;
            }
            "-o" => {
                let option = it.next().unwrap_or_default();
                if let Some((name, value)) = option.split_once('=') {
                    match name.to_ascii_lowercase().as_str() {
                        "stricthostkeychecking" => parsed.strict = value.to_ascii_lowercase(),
                        "userknownhostsfile" => parsed.remember = value != "/dev/null",
                        "port" => parsed.port = value.parse().unwrap_or(22),
                        _ => {}
                    }
                }
            }
            flag if flag.starts_with('-') => {}
            target if parsed.host.is_empty() => match target.split_once('@') {
                Some((user, host)) => {
                    parsed.user = user.to_owned();
                    parsed.host = host.to_owned();
                }
                None => parsed.host = target.to_owned(),
            },
            _ => return Err("the emulator's ssh runs no remote command".into()),
        }
    }
    if parsed.host.is_empty() {
        return Err(
            "usage: ssh [-p port] [-l login] [-i identity_file] [-o option] destination".into(),
        );
    }
    Ok(parsed)
}

/// `ssh [options] [user@]host`.
pub(super) fn ssh(st: &mut ShellState, ctx: &mut DeviceContext, args: &[&str]) -> String {
    let user = st.posix().map(|p| p.user.clone()).unwrap_or_default();
    let ssh = match parse_ssh(&user, args) {
        Ok(ssh) => ssh,
        Err(message) => {
            set_status(st, 255);
            return format!("{message}\n");
        }
    };
    if ssh.host.ends_with(".invalid") {
        set_status(st, 255);
        return format!(
            "ssh: Could not resolve hostname {}: Name or service not known\n",
            ssh.host
        );
    }
    let id = if ssh.port == 22 {
        ssh.host.clone()
    } else {
        format!("[{}]:{}", ssh.host, ssh.port)
    };
    if st.known_hosts.contains(&id) || ssh.strict == "no" {
        return ssh_authenticate(ctx, ssh);
    }
    if ssh.strict == "yes" {
        set_status(st, 255);
        return format!(
            "No ED25519 host key is known for {id} and you have requested strict checking.\n\
             Host key verification failed.\n"
        );
    }
    let fingerprint = host_key_fingerprint(&ssh.host, ssh.port);
    let question = format!(
        "The authenticity of host '{id} (127.0.0.1)' can't be established.\n\
         ED25519 key fingerprint is {fingerprint}.\n\
         This key is not known by any other names.\n\
         Are you sure you want to continue connecting (yes/no/[fingerprint])? "
    );
    ask_host_key(ctx, ssh, id, fingerprint);
    question
}

fn ask_host_key(ctx: &mut DeviceContext, ssh: SshArgs, id: String, fingerprint: String) {
    ctx.read_line(false, move |ctx, answer| {
        let answer = answer.trim();
        if answer == "yes" || answer == fingerprint {
            let remember = ssh.remember;
            let text = format!(
                "Warning: Permanently added '{id}' (ED25519) to the list of known hosts.\n{}",
                ssh_authenticate(ctx, ssh)
            );
            if remember {
                with_shell(ctx, |st, _| {
                    st.known_hosts.push(id);
                    String::new()
                });
            }
            text
        } else if answer == "no" {
            with_shell(ctx, |st, _| {
                set_status(st, 255);
                "Host key verification failed.\n".to_owned()
            })
        } else {
            ask_host_key(ctx, ssh, id, fingerprint);
            "Please type 'yes', 'no' or the fingerprint: ".to_owned()
        }
    });
}

fn ssh_authenticate(ctx: &mut DeviceContext, ssh: SshArgs) -> String {
    if ssh.key {
        return with_shell(ctx, |st, _| ssh_login(st, &ssh.user, &ssh.host));
    }
    let question = format!("{}@{}'s password: ", ssh.user, ssh.host);
    ask_ssh_password(ctx, ssh, 1);
    question
}

fn ask_ssh_password(ctx: &mut DeviceContext, ssh: SshArgs, attempt: u32) {
    ctx.read_line(true, move |ctx, password| {
        if ctx.check_credentials(&ssh.user, password) {
            return with_shell(ctx, |st, _| ssh_login(st, &ssh.user, &ssh.host));
        }
        if attempt < 3 {
            let text = format!(
                "Permission denied, please try again.\n{}@{}'s password: ",
                ssh.user, ssh.host
            );
            ask_ssh_password(ctx, ssh, attempt + 1);
            return text;
        }
        with_shell(ctx, |st, _| {
            set_status(st, 255);
            format!(
                "{}@{}: Permission denied (publickey,password).\n",
                ssh.user, ssh.host
            )
        })
    });
}

fn ssh_login(st: &mut ShellState, user: &str, host: &str) -> String {
    set_status(st, 0);
    st.frames
        .push(Frame::Posix(Posix::new(user, host, Via::Ssh)));
    format!(
        "Linux {host} {} x86_64\n\nLast login: Mon Feb 26 10:00:00 2024 from 127.0.0.1\n",
        super::KERNEL
    )
}

/// `telnet host [port]`.
pub(super) fn telnet(st: &mut ShellState, ctx: &mut DeviceContext, args: &[&str]) -> String {
    let Some(host) = args.first().map(|h| (*h).to_owned()) else {
        set_status(st, 1);
        return "usage: telnet [-l user] host [port]\n".to_owned();
    };
    if host.ends_with(".invalid") {
        set_status(st, 1);
        return format!("telnet: could not resolve {host}/telnet: Name or service not known\n");
    }
    ask_telnet_user(ctx, host.clone(), 1);
    format!(
        "Trying 127.0.0.1...\nConnected to {host}.\nEscape character is '^]'.\n\n\
         Debian GNU/Linux 12\n{host} login: "
    )
}

fn ask_telnet_user(ctx: &mut DeviceContext, host: String, attempt: u32) {
    ctx.read_line(false, move |ctx, user| {
        let user = user.trim().to_owned();
        ctx.read_line(true, move |ctx, password| {
            if ctx.check_credentials(&user, password) {
                return with_shell(ctx, |st, _| {
                    set_status(st, 0);
                    st.frames
                        .push(Frame::Posix(Posix::new(&user, &host, Via::Telnet)));
                    format!("Linux {host} {} x86_64\n", super::KERNEL)
                });
            }
            if attempt < 3 {
                ask_telnet_user(ctx, host.clone(), attempt + 1);
                return format!("\nLogin incorrect\n{host} login: ");
            }
            with_shell(ctx, |st, _| {
                set_status(st, 1);
                "\nLogin incorrect\nConnection closed by foreign host.\n".to_owned()
            })
        });
        "Password: ".to_owned()
    });
}
