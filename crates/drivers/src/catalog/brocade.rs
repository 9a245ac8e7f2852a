//! Brocade (now Extreme / Ruckus) NetIron and FastIron.

use crate::fragments::{line_start, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{EnableLevels, enable_base, enable_levels, init, pager_with, rules, strings};

/// `telnet@MLX-1`, `SSH@ICX7250-48 Router`, `ICX7150-C12 Switch`,
/// possibly right after the config-mode warning.
macro_rules! brocade_host {
    () => {
        concat!(
            r"(?:Warning: \d+ user\(s\) already in config mode\.)?",
            r"(?:(?:telnet|SSH)@)?[A-Za-z0-9_][A-Za-z0-9_.:+\-]{0,62}(?: (?:Router|Switch))?"
        )
    };
}

const BROCADE_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    brocade_host!(),
    r"(?:\([\w.:/+\-]+\))?[>#]",
    prompt_end!()
)];
const BROCADE_LEVELS: EnableLevels = enable_levels!(brocade_host!(), r"\([\w.:/+\-]+\)#");

/// Brocade NetIron (XMR/MLX/CER) and FastIron (ICX, FCX) switches and
/// routers: `telnet@MLX-1#`, `SSH@ICX7250-48 Router(config)#`, `Please
/// Enter Login Name:`, `Invalid input ->` and `Error -` lines, the
/// `--More--, next page: Space, next line: Return key, quit: Control-c`
/// pager, `terminal length 0` (or `skip-page-display`); levels `exec` ->
/// `privilege_exec` (`enable`) -> `configuration` (`configure terminal` /
/// `end`).
pub(super) fn brocade() -> Driver {
    Driver {
        name: "brocade".to_owned(),
        aliases: strings(&[
            "brocade_fastiron",
            "brocade_netiron",
            "ruckus_fastiron",
            "extreme_netiron",
        ]),
        description: "Brocade NetIron and FastIron (Ruckus ICX)".to_owned(),
        prompt: builtin_patterns(BROCADE_PROMPTS),
        username_prompt: builtin_patterns(&[concat!(
            line_start!(),
            r"(?:Please Enter Login Name|User Name|Username|[Ll]ogin):[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!(
            line_start!(),
            r"(?:Please Enter Password|[Pp]assword):[ \t]*$"
        )]),
        error: builtin_patterns(&[
            r"(?im)^[ \t]*(?:Invalid input|Ambiguous input|Unrecognized command|Incomplete command)[^\r\n]*",
            r"(?m)^[ \t]*Error[ \t]*-[^\r\n]*",
            r"(?m)^[ \t]*%[ \t]*Error[^\r\n]*",
        ]),
        pager: pager_with(&[(
            r"(?i)--More--,[ \t]*next page:[ \t]*Space,[ \t]*next line:[ \t]*Return key,[ \t]*quit:[ \t]*Control-c[ \t]*$",
            " ",
        )]),
        init_commands: init(&[&["terminal length 0", "skip-page-display"]]),
        os_guess: rules(&[
            (
                GuessStage::Head,
                r"User Access Verification\r?\n\r?\nPlease Enter Login Name",
                95,
            ),
            (GuessStage::Head, r"Please Enter Login Name:", 90),
            (
                GuessStage::Head,
                concat!(
                    line_start!(),
                    r"(?:telnet|SSH)@[\w.:+\-]+(?: (?:Router|Switch))?(?:\([\w.:/+\-]+\))?[>#]"
                ),
                90,
            ),
            (
                GuessStage::Response,
                r"IronWare|NetIron|FastIron|Foundry Networks",
                90,
            ),
        ]),
        ..enable_base(BROCADE_LEVELS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn brocade_expectations() {
        check(
            &brocade(),
            &Expect {
                prompts: &[
                    "telnet@MLX-1>",
                    "telnet@MLX-1#",
                    "SSH@MLX-1(config)#",
                    "SSH@MLX-1(config-if-e10000-1/1)#",
                    "SSH@ICX7250-48 Router#",
                    "ICX7150-C12 Switch>",
                    "Warning: 1 user(s) already in config mode.telnet@MLX-1(config)#",
                ],
                not_prompts: &[
                    "telnet@MLX-1# show",
                    "Please Enter Login Name: ",
                    "my uplink to core>",
                ],
                usernames: &[
                    "\r\n\r\nUser Access Verification\r\n\r\nPlease Enter Login Name: ",
                    "\r\nUser Name:",
                ],
                passwords: &["\r\nPlease Enter Password: ", "\r\nPassword:"],
                errors: &[
                    (
                        "Invalid input -> foo\r\nType ? for a list\r\n",
                        "Invalid input -> foo",
                    ),
                    (
                        "Error - invalid or unsupported command\r\n",
                        "Error - invalid or unsupported command",
                    ),
                    ("Incomplete command.\r\n", "Incomplete command."),
                ],
                not_errors: &["  IronWare : Version 05.8.00eT163\r\n"],
                login_errors: &[(
                    "\r\nError - Incorrect username or password.\r\n",
                    "Error - Incorrect username or password.",
                )],
                pagers: &[
                    (
                        "--More--, next page: Space, next line: Return key, quit: Control-c",
                        " ",
                    ),
                    ("--More--", " "),
                ],
                levels: &[
                    ("telnet@MLX-1>", "exec"),
                    ("telnet@MLX-1#", "privilege_exec"),
                    ("SSH@ICX7250-48 Router(config-vlan-10)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
