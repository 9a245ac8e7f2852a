//! The `ios` driver: Cisco IOS and IOS XE.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Answer, Driver, GuessRule, GuessStage, InitCommand, Pattern};

use super::{EnableLevels, enable_base, enable_levels};

/// An IOS host name: up to 63 characters.
macro_rules! ios_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.:/+\-]{0,62}"
    };
}

/// IOS prompts: a host name of up to 63 characters (what IOS accepts),
/// an optional mode such as `(config-if)`, then `>` or `#`.
pub(crate) const IOS_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    ios_host!(),
    r"(?:\([A-Za-z0-9_.:/+\-]+\))?[>#]",
    prompt_end!()
)];

/// The levels: user EXEC (`router>`), privileged EXEC (`router#`), and
/// configuration mode and its sub-modes (`router(config)#`,
/// `router(config-if)#`, `router(config-router-af)#`).
const IOS_LEVELS: EnableLevels = enable_levels!(ios_host!(), r"\([A-Za-z0-9_.:/+\-]+\)#");

/// `Username:` from local or AAA login.
pub(crate) const IOS_USERNAME: &[&str] = &[concat!("(?i)", login_line!(), r"user ?name:[ \t]*$")];

/// `Password:` on a line of its own (login and `enable`), and the console's
/// `last resort password:`.
pub(crate) const IOS_PASSWORD: &[&str] = &[
    concat!(line_start!(), r"[Pp]assword:[ \t]*$"),
    concat!("(?i)", login_line!(), r"last resort password:[ \t]*$"),
];

/// IOS error messages; nearly all start with `%`.
pub(crate) const IOS_ERRORS: &[&str] = &[
    r"(?m)^%[ \t]*Invalid (?:input|command)[^\r\n]*",
    r"(?m)^%[ \t]*(?:Incomplete|Ambiguous|Unknown|Unrecognized) command[^\r\n]*",
    r"(?m)^%[ \t]*Unrecognized host[^\r\n]*",
    r"(?m)^%[ \t]*Error\b[^\r\n]*",
    r"(?m)^%[ \t]*Bad IP address[^\r\n]*",
    r"(?m)^%?[ \t]*Command authorization failed[^\r\n]*",
    r"(?im)^%[ \t]*connection timed out[^\r\n]*",
    // `% Crypto map foo not found`; without the `%` a line is output
    // (`RPKI validation codes: V valid, I invalid, N Not found`), and so
    // is a syslog line (`%TFTP-3-FILE_NOT_FOUND: File x not found`).
    r"(?im)^%(?:[ \t]|[a-z]+[ \t])[^\r\n]*\bnot found\b[^\r\n]*",
];

/// Failed login or `enable`.
pub(crate) const IOS_LOGIN_ERRORS: &[&str] = &[
    concat!(
        r"(?im)^%[ \t]*(?:login invalid|authentication failed|access denied",
        r"|bad passwords?|bad secrets?|password: +timeout expired)[^\r\n]*"
    ),
    // A vty without a password says so (without `%` on some releases) and
    // hangs up.
    r"(?im)^%?[ \t]*password required, but none set[^\r\n]*",
];

/// A console line (reached through a terminal server) asks for RETURN
/// before it shows the login prompt.
const IOS_PRESS_RETURN: &str = r"(?i)press return to get started!?\s*$";

impl Driver {
    /// Cisco IOS and IOS XE: `router>`/`router(config-if)#` prompts,
    /// `Username:`/`Password:`, `%`-prefixed error and login-error lines,
    /// `terminal length 0` (or `terminal pager 0` on an ASA) and
    /// `terminal width 0` (or `511`) after login, `enable` when the prompt
    /// ends in `>`, logout with `exit`. Privilege levels `exec` (`>`),
    /// `privilege_exec` (`#`, entered with `enable` and the authorization
    /// password, left with `disable`) and `configuration` (`(config…)#`,
    /// entered with `configure terminal`, left with `end`).
    ///
    /// OS guessing: an SSH version naming Cisco (80), `User Access
    /// Verification` (60) or `Username:` (30) before login, `Cisco IOS
    /// Software` or IOS XE in command output (90).
    ///
    /// ```
    /// use oxscript_drivers::Driver;
    ///
    /// let ios = Driver::ios();
    /// assert!(ios.find_prompt(b"\r\nrouter(config-if)#", 0).is_some());
    /// assert_eq!(ios.init_commands[0].alternatives, ["terminal length 0", "terminal pager 0"]);
    /// assert_eq!(ios.authorize.as_ref().map(|a| a.command.as_str()), Some("enable"));
    /// ```
    pub fn ios() -> Driver {
        Driver {
            name: "ios".to_owned(),
            aliases: vec![
                "cisco_ios".to_owned(),
                "cisco_xe".to_owned(),
                "ios_xe".to_owned(),
                "cisco_iosxe".to_owned(),
            ],
            description: "Cisco IOS and IOS XE".to_owned(),
            prompt: builtin_patterns(IOS_PROMPTS),
            username_prompt: builtin_patterns(IOS_USERNAME),
            password_prompt: builtin_patterns(IOS_PASSWORD),
            login_error: builtin_patterns(IOS_LOGIN_ERRORS),
            error: builtin_patterns(IOS_ERRORS),
            login_answers: vec![Answer {
                pattern: Pattern::builtin(IOS_PRESS_RETURN),
                reply: "\r".to_owned(),
            }],
            init_commands: vec![
                InitCommand::with_alternatives(["terminal length 0", "terminal pager 0"]),
                InitCommand::with_alternatives(["terminal width 0", "terminal width 511"]),
            ],
            os_guess: vec![
                GuessRule::builtin(GuessStage::Protocol, r"Cisco", 80),
                GuessRule::builtin(GuessStage::Head, r"User Access Verification", 60),
                GuessRule::builtin(GuessStage::Head, r"(?i)user ?name:[ \t]*$", 30),
                GuessRule::builtin(
                    GuessStage::Response,
                    r"Cisco IOS Software|Cisco Internetwork Operating System",
                    90,
                ),
                GuessRule::builtin(GuessStage::Response, r"IOS-XE|IOS XE", 90),
            ],
            save_config: Some("write memory".to_owned()),
            ..enable_base(IOS_LEVELS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::generic::tests::{assert_no_prompt, assert_prompt};
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn ios_prompts() {
        let d = Driver::ios();
        for prompt in [
            "router>",
            "router#",
            "router> ",
            "router# ",
            "router(config)#",
            "router(config-if)#",
            "router(config-if-range)# ",
            "router(config-router-af)#",
            "core-sw01.example.net#",
            "7200-router>",
            "Switch#",
            "R1+lab#",
            "RP/0/RSP0/CPU0:router#",
        ] {
            assert_prompt(&d, prompt);
        }
        assert_prompt(&d, &format!("{}#", "h".repeat(63)));
        assert_prompt(&d, &format!("{}(config)#", "h".repeat(63)));
    }

    #[test]
    fn ios_false_prompts() {
        let d = Driver::ios();
        for text in [
            "Lo0 up up Description of my router>",
            &format!("{}#", "h".repeat(64)),
            "Username: ",
            "Password: ",
            "#####",
            "----->",
            "% Invalid input detected at '^' marker.",
            "router# show version",
            "router#\r\n",
            "Building configuration...\r\n[OK]",
            "sam@knip:~$",
            "[sam@home ~]$",
            "router$",
            "router%",
            " router#",
            "",
        ] {
            assert_no_prompt(&d, text);
        }
    }

    #[test]
    fn ios_dialog_and_errors() {
        let d = Driver::ios();
        check(
            &d,
            &Expect {
                usernames: &[
                    "\r\n\r\nUser Access Verification\r\n\r\nUsername: ",
                    "User name:",
                ],
                not_usernames: &["Username: sam\r\n"],
                passwords: &[
                    "\r\nPassword: ",
                    "Password:",
                    "router>enable\r\nPassword: ",
                    "\r\nlast resort password:",
                ],
                not_passwords: &[
                    "Enter the password: ",
                    "Password: \r\n",
                    "% Bad passwords\r\n",
                ],
                login_answers: &[("\r\n\r\nPress RETURN to get started!\r\n\r\n\r\n", "\r")],
                errors: &[
                    (
                        "        ^\r\n% Invalid input detected at '^' marker.\r\n",
                        "% Invalid input detected at '^' marker.",
                    ),
                    (
                        "% Invalid command at '^' marker.",
                        "% Invalid command at '^' marker.",
                    ),
                    ("% Incomplete command.\r\n\r\n", "% Incomplete command."),
                    (
                        "% Ambiguous command:  \"sh i\"\r\n",
                        "% Ambiguous command:  \"sh i\"",
                    ),
                    (
                        "Translating \"foo\"\r\n% Unknown command or computer name, or unable to find computer address\r\n",
                        "% Unknown command or computer name, or unable to find computer address",
                    ),
                    (
                        "%Error opening tftp://10.0.0.1/x (Timed out)\r\n",
                        "%Error opening tftp://10.0.0.1/x (Timed out)",
                    ),
                    (
                        "% Bad IP address or host name\r\n",
                        "% Bad IP address or host name",
                    ),
                    (
                        "% Unrecognized host or address, or protocol not running.\r\n",
                        "% Unrecognized host or address, or protocol not running.",
                    ),
                    (
                        "% Connection timed out; remote host not responding\r\n",
                        "% Connection timed out; remote host not responding",
                    ),
                    ("%  Interface not found\r\n", "%  Interface not found"),
                ],
                not_errors: &[
                    "Interface  IP-Address  OK? Method Status  Protocol\r\nGi0/0 10.0.0.1 YES NVRAM up up\r\n",
                    "Internet  10.0.0.2  0  Incomplete  ARPA\r\n",
                    "Building configuration...\r\n[OK]\r\n",
                    "",
                    // `show ip bgp`'s legend (issue 16).
                    concat!(
                        "BGP table version is 14, local router ID is 10.0.0.1\r\n",
                        "Origin codes: i - IGP, e - EGP, ? - incomplete\r\n",
                        "RPKI validation codes: V valid, I invalid, N Not found\r\n"
                    ),
                    // Syslog lines of `show logging`.
                    "%TFTP-3-FILE_NOT_FOUND: File config.cfg not found on server 10.0.0.5\r\n",
                    "%AAA-3-BADCOMM: Error: Invalid packet from server 10.0.0.5\r\n",
                    // A lookup that found nothing (`show ip route 10.9.9.9`).
                    "% Network not in table\r\n",
                    "%IPv4 CEF not running\r\n",
                ],
                login_errors: &[
                    ("\r\n% Login invalid\r\n\r\nUsername: ", "% Login invalid"),
                    ("% Authentication failed\r\n", "% Authentication failed"),
                    ("% Access denied\r\n", "% Access denied"),
                    ("\r\n% Bad passwords\r\n", "% Bad passwords"),
                    ("% Bad secrets\r\n\r\nrouter>", "% Bad secrets"),
                    (
                        "\r\nPassword required, but none set\r\n",
                        "Password required, but none set",
                    ),
                    (
                        "% Password required, but none set\r\n",
                        "% Password required, but none set",
                    ),
                    (
                        "% Password:  timeout expired!\r\n",
                        "% Password:  timeout expired!",
                    ),
                ],
                // IOS prefixes them with %.
                not_login_errors: &["\r\nrouter>", "Login invalid"],
                ..Expect::default()
            },
        );
    }

    #[test]
    fn ios_settings() {
        let d = Driver::ios();
        assert_eq!(
            d.aliases,
            ["cisco_ios", "cisco_xe", "ios_xe", "cisco_iosxe"]
        );
        assert_eq!(d.init_commands.len(), 2);
        assert_eq!(d.init_commands[1].alternatives[0], "terminal width 0");
        assert!(d.supports_authorize());
        assert!(d.wants_authorize("\r\nrouter>"));
        assert!(d.wants_authorize("router> "));
        assert!(!d.wants_authorize("\r\nrouter#"));
        assert!(!d.wants_authorize("router(config)#"));
        assert_eq!(d.logout, ["exit"]);
        assert_eq!(d.newline, "\r");
        assert!(d.find_pager(b"Gi0/1 up\r\n --More-- ", 0).is_some());
        assert!(d.find_pager(b"<--- More --->", 0).is_some());
    }
}
