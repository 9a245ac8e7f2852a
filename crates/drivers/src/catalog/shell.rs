//! The `shell` driver: Unix shells (bash, zsh, sh/dash, BusyBox ash, fish).

use crate::fragments::{
    bracket_body, bracket_prompt, line_start, login_line, prompt_end, prompt_word, word_prompt,
};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessRule, GuessStage, PrivilegeLevel};

/// Prompts of Unix shells, tried in order.
pub(crate) const SHELL_PROMPTS: &[&str] = &[
    // user@host:~$ (Debian), bash-5.1#, -bash-4.2$, host%
    word_prompt!(),
    // [user@host dir]$ (Red Hat)
    bracket_prompt!(),
    // user@host ~ % (zsh on macOS), user@host ~> (fish)
    concat!(
        line_start!(),
        r"[\w.+\-]+@[\w.+\-]+ [^\s]+ ?[$#%>]",
        prompt_end!()
    ),
    // (venv) sam@host:~/proj$ and (base) [sam@host ~]$: a Python
    // virtualenv or conda environment before the usual prompt
    concat!(
        line_start!(),
        r"\([\w.+\-]+\) (?:[\-*]?",
        prompt_word!(),
        r"[$#>%]|",
        bracket_body!(),
        r")",
        prompt_end!()
    ),
    // / # and ~ $ (BusyBox ash)
    concat!(line_start!(), r"[~/][^\s]* [$#]", prompt_end!()),
    // $ , # , % , > (plain sh, csh, the continuation prompt): a blank must
    // follow, so a lone `#` line of output is no prompt.
    concat!(line_start!(), r"[$#%>][ \t]+$"),
];

/// Username prompts of `login` and friends.
pub(crate) const SHELL_USERNAME: &[&str] = &[concat!(
    "(?i)",
    login_line!(),
    r"(?:login|user(?: ?name)?):[ \t]*$"
)];

/// Password prompts of `login`, `sudo`, `su` and `ssh`.
pub(crate) const SHELL_PASSWORD: &[&str] = &[concat!(
    "(?i)",
    login_line!(),
    r"password(?: for [^:\r\n]+)?:[ \t]*$"
)];

/// Errors reported by the shell itself (not by the programs it runs):
/// `-bash: sl: command not found`, `sh: 1: sl: not found`, `zsh: command
/// not found: sl`, and `[prog: ][line N: ]name: command not found` alone
/// on its line (`sudo: sl: command not found`), whose prefix has no blank
/// (a syslog line quoting the words has a date and host before them).
pub(crate) const SHELL_ERRORS: &[&str] = &[
    concat!(
        r"(?m)^-?(?:bash|sh|dash|ash|ksh|zsh)(?:: line \d+)?: [^\r\n]*",
        r"(?:not found|[Nn]o such file or directory|[Pp]ermission denied)[^\r\n]*"
    ),
    r"(?m)^(?:[\w.+/\-]+: )*(?:line \d+: )?[^\s:]+: command not found[ \t\r]*$",
];

/// Failed logins (`login`, `ssh`, `su`, `sudo`).
pub(crate) const SHELL_LOGIN_ERRORS: &[&str] = &[concat!(
    r"(?im)^[^\r\n]*(?:login incorrect|permission denied|authentication failure",
    r"|sorry, try again|incorrect password attempt)[^\r\n]*"
)];

/// A prompt of an unprivileged user: it ends in `$`, `%` or `>`.
pub(crate) const SHELL_USER_LEVEL: &str = concat!(line_start!(), r"[^\r\n]*[$%>]", prompt_end!());

/// A root prompt: it ends in `#`.
pub(crate) const SHELL_ROOT_LEVEL: &str = concat!(line_start!(), r"[^\r\n]*#", prompt_end!());

/// The `user` and `root` levels of a Unix shell, `root` entered with
/// `command` and the authorization password, left with `exit`.
pub(crate) fn shell_levels(command: &str) -> Vec<PrivilegeLevel> {
    vec![
        super::root_level("user", SHELL_USER_LEVEL),
        super::with_auth(super::child_level(
            "root",
            SHELL_ROOT_LEVEL,
            "user",
            command,
            "exit",
        )),
    ]
}

impl Driver {
    /// Unix shells: bash, zsh, sh/dash, BusyBox, fish prompts (`$`, `#`,
    /// `%`, `>`), `login:`/`Password:` prompts, shell errors such as
    /// `command not found`, logout with `exit`.
    ///
    /// No authorization at login (a `sudo -s` or `su -` step can be
    /// added by the user through [`Driver::authorize`]). Two privilege
    /// levels: `user` (a prompt ending in `$`, `%` or `>`) and `root` (a
    /// prompt ending in `#`), entered with `sudo -s` and the account's
    /// authorization password, left with `exit`.
    ///
    /// ```
    /// use oxscript_drivers::Driver;
    ///
    /// let shell = Driver::shell();
    /// assert!(shell.find_prompt(b"Last login: Mon\r\n[sam@web1 ~]$ ", 0).is_some());
    /// assert_eq!(
    ///     shell.find_error("-bash: sl: command not found\r\n"),
    ///     Some("-bash: sl: command not found")
    /// );
    /// ```
    pub fn shell() -> Driver {
        Driver {
            name: "shell".to_owned(),
            aliases: vec!["linux".to_owned(), "unix".to_owned(), "bash".to_owned()],
            description: "Unix shells (bash, zsh, sh, BusyBox) on Linux and other Unix systems"
                .to_owned(),
            prompt: builtin_patterns(SHELL_PROMPTS),
            username_prompt: builtin_patterns(SHELL_USERNAME),
            password_prompt: builtin_patterns(SHELL_PASSWORD),
            login_error: builtin_patterns(SHELL_LOGIN_ERRORS),
            error: builtin_patterns(SHELL_ERRORS),
            os_guess: vec![
                GuessRule::builtin(GuessStage::Protocol, r"OpenSSH", 40),
                GuessRule::builtin(GuessStage::Head, r"(?i)\blinux\b", 70),
                GuessRule::builtin(
                    GuessStage::Head,
                    r"(?i)\b(?:ubuntu|debian|centos|red hat|fedora)\b",
                    70,
                ),
                GuessRule::builtin(GuessStage::Head, r"(?i)login:[ \t]*$", 20),
                GuessRule::builtin(GuessStage::Response, r"(?i)GNU/Linux", 80),
            ],
            privilege_levels: shell_levels("sudo -s"),
            // No login answers, init commands or authorization; the
            // common pager answers, `exit` and `\r` as generic has them.
            ..Driver::generic()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::generic::tests::{DOCUMENTED, assert_no_prompt, assert_prompt};
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn shell_prompts() {
        let d = Driver::shell();
        for prompt in [
            "[user@host dir]$ ",
            "[root@web1 /etc/nginx]# ",
            "user@host:~$ ",
            "root@debian:~# ",
            "bash-5.1# ",
            "bash-4.2$ ",
            "-bash-4.2$ ",
            "sh-5.2$ ",
            "$ ",
            "# ",
            "% ",
            "> ",
            "host% ",
            "sam@MacBook-Pro ~ % ",
            "sam@laptop ~/src> ",
            "/ # ",
            "~ $ ",
            "/usr/local/bin # ",
            "(venv) sam@host:~/proj$ ",
            "(base) [sam@host ~]$ ",
            "Last login: Mon Jan  1 10:00:00 2024 from 10.0.0.1\r\nsam@web1:~$ ",
        ] {
            assert_prompt(&d, prompt);
        }
        for form in DOCUMENTED {
            assert_prompt(&d, form);
        }
    }

    #[test]
    fn shell_false_prompts() {
        let d = Driver::shell();
        for text in [
            "$",
            "#",
            "#####",
            "# comment line",
            "$ ls",
            "user@host:~$ ls -l",
            "user@host:~$ \r\n",
            "Password: ",
            "[sudo] password for sam: ",
            "debian login: ",
            "Lo0 up up Description of my router>",
            "total 0\r\ndrwxr-xr-x 2 sam sam 4096 Jan  1 10:00 dir>",
            "100%",
            "(venv) sam@host:~/proj$ ls",
            "(note) see below",
            "",
        ] {
            assert_no_prompt(&d, text);
        }
    }

    #[test]
    fn shell_dialog_and_errors() {
        check(
            &Driver::shell(),
            &Expect {
                usernames: &["debian login: ", "login:", "Username: ", "user:"],
                not_usernames: &["Last login: Mon Jan 1", "sam@host:~$ "],
                passwords: &[
                    "Password: ",
                    "password:",
                    "[sudo] password for sam: ",
                    "sam@web1's password: ",
                ],
                not_passwords: &["Password: \r\n"],
                errors: &[
                    (
                        "-bash: foo: command not found\r\n",
                        "-bash: foo: command not found",
                    ),
                    (
                        "bash: line 1: foo: command not found",
                        "bash: line 1: foo: command not found",
                    ),
                    (
                        "zsh: command not found: foo\r\n",
                        "zsh: command not found: foo",
                    ),
                    ("sh: 1: foo: not found\r\n", "sh: 1: foo: not found"),
                    (
                        "bash: cd: /nope: No such file or directory\r\n",
                        "bash: cd: /nope: No such file or directory",
                    ),
                    (
                        "zsh: no such file or directory: ./x\r\n",
                        "zsh: no such file or directory: ./x",
                    ),
                    (
                        "bash: ./run: Permission denied\r\n",
                        "bash: ./run: Permission denied",
                    ),
                    ("foo: command not found\r\n", "foo: command not found"),
                ],
                not_errors: &[
                    "total 0\r\n",
                    "Linux web1 6.1.0 x86_64 GNU/Linux\r\n",
                    "",
                    "Dec  7 09:15:11 web1 sudo:      sam : command not found ; TTY=pts/0\r\n",
                ],
                login_errors: &[
                    ("\r\nLogin incorrect\r\ndebian login: ", "Login incorrect"),
                    (
                        "Permission denied, please try again.\r\n",
                        "Permission denied, please try again.",
                    ),
                    (
                        "su: Authentication failure\r\n",
                        "su: Authentication failure",
                    ),
                    ("Sorry, try again.\r\n", "Sorry, try again."),
                ],
                not_login_errors: &["Welcome to Debian\r\n$ "],
                ..Expect::default()
            },
        );
    }

    #[test]
    fn shell_settings() {
        let d = Driver::shell();
        assert_eq!(d.aliases, ["linux", "unix", "bash"]);
        assert!(!d.supports_authorize());
        assert_eq!(d.logout, ["exit"]);
        assert_eq!(d.os_guess.len(), 5);
        assert!(d.find_pager(b"--More--(42%)", 0).is_some());
    }
}
