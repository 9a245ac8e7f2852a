//! The `generic` driver: used when nothing more specific is known.

use crate::fragments::{bracket_prompt, line_start, login_line, prompt_end, word_prompt};
use crate::pattern::builtin_patterns;
use crate::{Driver, common_pager};

/// Prompts of the generic driver, tried in order.
pub(crate) const GENERIC_PROMPTS: &[&str] = &[
    // router#, sam@knip:~/Code/exscript$, FA/0/1/2/3(config)>, -bash-4.2$,
    // RP/0/RSP0/CPU0:router#, A:admin@sros#, user@host> (JunOS)
    word_prompt!(),
    // [sam123@home ~]$
    bracket_prompt!(),
    // <Huawei> (VRP/Comware user view)
    concat!(line_start!(), r"<\w[\w.+\-/:~@]*>", prompt_end!()),
    // [~HUAWEI], [*HUAWEI-GigabitEthernet0/0/1] (VRP8 system view). The
    // plain bracketed form `[Huawei]` is left to a vendor driver: here it
    // would also match IOS's `[OK]` and JunOS's `[edit]` lines.
    concat!(line_start!(), r"\[[~*]\w[\w.+\-/:~@]*\]", prompt_end!()),
];

/// Username prompts of the generic driver.
pub(crate) const GENERIC_USERNAME: &[&str] = &[concat!(
    "(?i)",
    login_line!(),
    r"(?:user ?name|login|user)[ \t]*:[ \t]*$"
)];

/// Password prompts of the generic driver.
pub(crate) const GENERIC_PASSWORD: &[&str] = &[concat!(
    "(?i)",
    login_line!(),
    r"password(?: for [^:\r\n]+)?:[ \t]*$"
)];

/// Error lines of the generic driver, shaped like the messages devices
/// print for a rejected command (Exscript's defaults, narrowed so that
/// output lines are not taken for errors):
/// - `% Invalid …`, `% Incomplete …`, `% Ambiguous …`, `% Unrecognized …`,
///   `% Unknown …`, `% Error …`, `% … not found` (Cisco-likes), and the
///   same words without
///   `%` when followed by `input` or `command` (`Invalid input`,
///   `Unknown command`);
/// - `error:` followed by a message, not a number (`Error: 0` is a
///   counter);
/// - a shell's `name: not found` / `name: command not found` at the end of
///   a line (a legend such as `N Not found` has no colon before it);
/// - `connection timed out`.
pub(crate) const GENERIC_ERRORS: &[&str] = &[
    r"(?im)^%[ \t]*(?:invalid|incomplete|ambiguous|unrecognized|unknown|error)\b[^\r\n]*",
    r"(?im)^%(?:[ \t]|[a-z]+[ \t])[^\r\n]*\bnot found\b[^\r\n]*",
    r"(?im)^(?:invalid|incomplete|ambiguous|unrecognized|unknown) (?:input|command)\b[^\r\n]*",
    r"(?im)^error:[ \t]*[^\d\s][^\r\n]*",
    r"(?im)^[^\r\n]*:[ \t]*(?:command )?not found[ \t]*(?:\r|\n|\z)",
    r"(?im)^%?[ \t]*connection timed out[^\r\n]*",
];

/// Login-error lines of the generic driver (Exscript's defaults).
pub(crate) const GENERIC_LOGIN_ERRORS: &[&str] = &[concat!(
    r"(?im)^[^\r\n]*(?:bad secrets|denied|invalid|too short|incorrect",
    r"|connection timed out|failed|failure)[^\r\n]*"
)];

impl Driver {
    /// The fallback driver: prompts of most routers, switches and shells
    /// (the forms Exscript documents plus JunOS, IOS XR, SR OS and
    /// Huawei's `<name>` / `[~name]`), Exscript's default error and
    /// login-error lines, the common pager answers, logout with `exit`.
    /// No init commands, no authorization, no privilege levels, no OS
    /// guessing. A [`Registry`](crate::Registry) also finds it as
    /// `unknown` (as Exscript does).
    ///
    /// ```
    /// use oxscript_drivers::Driver;
    ///
    /// let generic = Driver::generic();
    /// assert!(generic.find_prompt(b"Last login: today\r\nsam@knip:~/Code$ ", 0).is_some());
    /// assert!(generic.find_prompt(b"Lo0 up up Description of my router>", 0).is_none());
    /// ```
    pub fn generic() -> Driver {
        Driver {
            name: "generic".to_owned(),
            aliases: Vec::new(),
            description: "Any device: common prompt shapes and Exscript's default error patterns"
                .to_owned(),
            prompt: builtin_patterns(GENERIC_PROMPTS),
            username_prompt: builtin_patterns(GENERIC_USERNAME),
            password_prompt: builtin_patterns(GENERIC_PASSWORD),
            login_error: builtin_patterns(GENERIC_LOGIN_ERRORS),
            error: builtin_patterns(GENERIC_ERRORS),
            error_lines: 5,
            login_answers: Vec::new(),
            pager: common_pager(),
            init_commands: Vec::new(),
            authorize: None,
            logout: vec!["exit".to_owned()],
            newline: "\r".to_owned(),
            os_guess: Vec::new(),
            privilege_levels: Vec::new(),
            default_privilege: None,
            config_privilege: None,
            config_commit: None,
            save_config: None,
            save_answers: Vec::new(),
            commit_confirmed: None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    /// The prefixes a prompt may follow in the buffer.
    pub(crate) const PREFIXES: &[&str] = &["", "\r\n", "\n", "show clock\r\n10:00:01\r\n"];

    /// Where a Session starts searching for a prompt: at the line break
    /// before the last line (its CR when it is a CRLF), or 0.
    pub(crate) fn last_line_break(bytes: &[u8]) -> usize {
        match bytes.iter().rposition(|&b| b == b'\n' || b == b'\r') {
            Some(i) if i > 0 && bytes[i] == b'\n' && bytes[i - 1] == b'\r' => i - 1,
            Some(i) => i,
            None => 0,
        }
    }

    /// Asserts that `driver` finds `prompt` at the end of the buffer with
    /// every prefix, both from the buffer start and from the line break
    /// before the last line, and that the match ends at the buffer end.
    pub(crate) fn assert_prompt(driver: &Driver, prompt: &str) {
        for prefix in PREFIXES {
            let buffer = format!("{prefix}{prompt}");
            let bytes = buffer.as_bytes();
            for start in [0, last_line_break(bytes)] {
                let found = driver.find_prompt(bytes, start);
                let range = found.unwrap_or_else(|| {
                    panic!("{}: no prompt in {buffer:?} from {start}", driver.name)
                });
                assert_eq!(range.end, bytes.len(), "{}: {buffer:?}", driver.name);
            }
        }
    }

    /// Asserts that `driver` finds no prompt at the end of `text`, with
    /// every prefix.
    pub(crate) fn assert_no_prompt(driver: &Driver, text: &str) {
        for prefix in PREFIXES {
            let buffer = format!("{prefix}{text}");
            for start in [0, last_line_break(buffer.as_bytes())] {
                assert_eq!(
                    driver.find_prompt(buffer.as_bytes(), start),
                    None,
                    "{}: false prompt in {buffer:?} from {start}",
                    driver.name
                );
            }
        }
    }

    /// The prompt forms of Exscript's documentation (§6.6.2).
    pub(crate) const DOCUMENTED: &[&str] = &[
        "[sam123@home ~]$",
        "sam@knip:~/Code/exscript$",
        "sam@MyHost-X123$",
        "MyHost-ABC-CDE123$",
        "MyHost-A1$",
        "MyHost-A1(config)$",
        "FA/0/1/2/3$",
        "FA/0/1/2/3(config)$",
        "admin@s-x-a6.a.bc.de.fg:/$",
    ];

    /// Prompts of other platforms the generic driver must know.
    pub(crate) const OTHERS: &[&str] = &[
        "router>",
        "router#",
        "router(config-if)#",
        "router(config-router-af)# ",
        "user@host> ",
        "user@host# ",
        "{master:0}\r\nuser@host> ",
        "[edit]\r\nuser@host# ",
        "[edit interfaces ge-0/0/0]\r\nuser@host# ",
        "RP/0/RSP0/CPU0:router#",
        "RP/0/RSP0/CPU0:router(config)#",
        "<Huawei>",
        "<HUAWEI-01>",
        "[~HUAWEI]",
        "[*HUAWEI-GigabitEthernet0/0/1]",
        "A:admin@sros# ",
        "*A:router# ",
        "bash-4.2$ ",
        "-bash-4.2$ ",
        "root@debian:~# ",
        "sam@host:~/Документы$ ",
        "7200-router#",
        "192.168.0.1>",
        "host%",
        "[admin@MikroTik] > ",
        "ssg5-> ",
        "switch(config-if-Et1)#",
    ];

    /// Text that ends a buffer but is no prompt.
    pub(crate) const NOT_PROMPTS: &[&str] = &[
        "Lo0 up up Description of my router>",
        "Interface Status Protocol Description\r\nLo0 up up Description of my router>",
        "Username: ",
        "Username:",
        "Password: ",
        "login: ",
        "#####",
        "##########################\r\n# Authorized access only #\r\n#####",
        "% Invalid input detected at '^' marker.",
        "router# show version",
        "router#show",
        "router>enable",
        "router#\r\n",
        "router#\r\n\r\nBuilding configuration...",
        "Building configuration...\r\n[OK]",
        "[edit]",
        "100%",
        "  45%",
        " router#",
        "\trouter#",
        "Are you sure? [confirm]",
        "Destination filename [startup-config]? ",
        "</rpc-reply>",
        "----->",
        ">>>",
        "",
        "\r\n",
    ];

    #[test]
    fn documented_forms_with_every_prompt_char() {
        let d = Driver::generic();
        for form in DOCUMENTED {
            let stem = form.trim_end_matches('$');
            for end in ["$", "#", ">", "%"] {
                assert_prompt(&d, &format!("{stem}{end}"));
                assert_prompt(&d, &format!("{stem}{end} "));
            }
        }
    }

    #[test]
    fn other_platforms() {
        let d = Driver::generic();
        for prompt in OTHERS {
            assert_prompt(&d, prompt);
        }
        assert_prompt(&d, &format!("{}#", "h".repeat(60)));
        assert_prompt(&d, &format!("{}-rtr01.example.net> ", "core".repeat(15)));
    }

    #[test]
    fn false_prompts() {
        let d = Driver::generic();
        for text in NOT_PROMPTS {
            assert_no_prompt(&d, text);
        }
    }

    #[test]
    fn the_false_prompt_of_the_manual() {
        // Exscript manual §6.6.3: a description that ends in `router>`.
        let d = Driver::generic();
        let mut buffer = b"router> show interface descriptions\r\n".to_vec();
        buffer.extend_from_slice(b"Interface Status Protocol Description\r\n");
        let line3 = buffer.len();
        buffer.extend_from_slice(b"Lo0 up up Description of my router>");
        assert_eq!(d.find_prompt(&buffer, line3), None);
        assert_eq!(d.find_prompt(&buffer, 0), None);
        buffer.extend_from_slice(b"\r\nPO0/0 admin down down\r\nrouter>");
        let range = d.find_prompt(&buffer, line3).unwrap();
        assert_eq!(&buffer[range], b"\nrouter>");
    }

    #[test]
    fn dialog_and_errors() {
        check(
            &Driver::generic(),
            &Expect {
                usernames: &[
                    "Username: ",
                    "username:",
                    "User Name:",
                    "login: ",
                    "debian login: ",
                    "User:",
                ],
                not_usernames: &["Username: sam\r\n", "Last login: Mon", "router#"],
                passwords: &[
                    "Password: ",
                    "password:",
                    "Enter password:",
                    "\r\nPASSWORD: ",
                    "admin@10.0.0.1's password: ",
                    "(admin@host) Password:",
                    "[sudo] password for admin: ",
                    "Password for admin@host:",
                ],
                not_passwords: &[
                    "Password: \r\n",
                    "Password: x",
                    "router#",
                    // Banner and message-of-the-day lines cut by a read.
                    "Enter password",
                    "\r\nPlease do not share your password",
                    "\r\nNote: the new password:",
                    "\r\nWarning: this system will expire your password:",
                    "Your password expires in 3 days, change it with the passwd password",
                ],
                errors: &[
                    (
                        "ls -l\r\n% Invalid input detected at '^' marker.\r\n",
                        "% Invalid input detected at '^' marker.",
                    ),
                    ("% Incomplete command.\r\n", "% Incomplete command."),
                    (
                        "Unrecognized command found at '^' position.",
                        "Unrecognized command found at '^' position.",
                    ),
                    ("\r\nunknown command.\r\n", "unknown command."),
                    ("out\r\n% File foo not found\r\n", "% File foo not found"),
                    (
                        "-bash: sl: command not found\r\n",
                        "-bash: sl: command not found",
                    ),
                    ("sh: 1: sl: not found\r\n", "sh: 1: sl: not found"),
                    (
                        "%Error opening tftp://x/y (Timed out)\r\n",
                        "%Error opening tftp://x/y (Timed out)",
                    ),
                    (
                        "error: configuration check-out failed\r\n",
                        "error: configuration check-out failed",
                    ),
                    (
                        "% Connection timed out; remote host not responding\r\n",
                        "% Connection timed out; remote host not responding",
                    ),
                ],
                not_errors: &[
                    "Gi0/1 up up\r\nGi0/2 down down\r\n",
                    "Interface is valid\r\n",
                    "  Errors: 0 input\r\n",
                    "not found\r\n",
                    "file foo not found\r\n",
                    "RPKI validation codes: V valid, I invalid, N Not found\r\n",
                    "Error: 0\r\n",
                    "Invalid packets: 0\r\n",
                    "Unknown unicast: 12\r\n",
                    // Past the first five non-blank lines: output.
                    "1\r\n2\r\n\r\n3\r\n4\r\n5\r\n% Invalid input detected at '^' marker.\r\n",
                    "",
                ],
                login_errors: &[
                    ("\r\n% Login invalid\r\n\r\nUsername: ", "% Login invalid"),
                    ("Access denied\r\n", "Access denied"),
                    ("\r\n% Bad secrets\r\n", "% Bad secrets"),
                    ("Login incorrect\r\nlogin: ", "Login incorrect"),
                    ("% Authentication failed.", "% Authentication failed."),
                    ("Password too short", "Password too short"),
                ],
                not_login_errors: &["Welcome!\r\nrouter>"],
                ..Expect::default()
            },
        );
    }

    #[test]
    fn plain_settings() {
        let d = Driver::generic();
        assert_eq!(d.name, "generic");
        assert_eq!(d.newline, "\r");
        assert_eq!(d.logout, ["exit"]);
        assert!(d.authorize.is_none() && d.init_commands.is_empty() && d.os_guess.is_empty());
        assert!(!d.pager.is_empty());
        assert!(d.find_pager(b"\r\n --More-- ", 0).is_some());
    }

    #[test]
    fn end_anchored_patterns_end_with_blanks_and_dollar() {
        let d = Driver::generic();
        for p in d
            .prompt
            .iter()
            .chain(&d.username_prompt)
            .chain(&d.password_prompt)
        {
            assert!(p.as_str().ends_with(r"[ \t]*$"), "{p}");
        }
    }
}
