//! Huawei: VRP (routers and switches) and the SmartAX access nodes
//! (Exscript's `vxworks`).

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{
    ConfigLevels, EnableLevels, answers, config_base, enable_base, enable_levels, init, pager_with,
    rules, strings,
};

/// A VRP system-view name that is not a software version such as
/// `V200R009C00SPC500` (which VRP prints in brackets in
/// `display current-configuration`).
macro_rules! vrp_name {
    () => {
        concat!(
            r"(?:[A-UW-Za-z0-9_][\w.\-/:@~]*",
            r"|V(?:[A-Za-z_.\-/:@~][\w.\-/:@~]*",
            r"|\d[A-Za-z_.\-/:@~][\w.\-/:@~]*",
            r"|\d\d[A-Za-z_.\-/:@~][\w.\-/:@~]*",
            r"|\d{3}(?:[A-QS-Za-z_.\-/:@~][\w.\-/:@~]*)?",
            r"|\d{3}R(?:[A-Za-z_.\-/:@~][\w.\-/:@~]*)?",
            r"|\d{4}[\w.\-/:@~]*",
            r"|\d{0,2}))"
        )
    };
}

/// `<HUAWEI>`: the user view.
const VRP_USER_VIEW: &str = concat!(
    line_start!(),
    r"(?:HRP_[AMS])?<[\w.\-/:@~+]+>",
    prompt_end!()
);
/// `[HUAWEI]`, `[~HUAWEI-GigabitEthernet0/0/1]`: the system view and its
/// sub-views.
const VRP_SYSTEM_VIEW: &str = concat!(
    line_start!(),
    r"(?:HRP_[AMS])?\[[~*]?",
    vrp_name!(),
    r"\]",
    prompt_end!()
);

/// Huawei VRP (5 and 8): `<HUAWEI>` and `[HUAWEI-GigabitEthernet0/0/1]`
/// prompts (not a bracketed software version), `Error: …` lines,
/// `  ---- More ----`, `screen-length 0 temporary`, declining the forced
/// password change; levels `user_view` -> `system_view` (`system-view` /
/// `return`). VRP8's two-stage commit is not done automatically.
pub(super) fn vrp() -> Driver {
    Driver {
        name: "vrp".to_owned(),
        aliases: strings(&["huawei", "huawei_vrp"]),
        description: "Huawei VRP (routers, switches, firewalls)".to_owned(),
        prompt: builtin_patterns(&[VRP_USER_VIEW, VRP_SYSTEM_VIEW]),
        username_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"user ?name:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!(line_start!(), r"[Pp]assword:[ \t]*$")]),
        login_error: builtin_patterns(&[
            concat!(
                r"(?im)^[^\r\n]*(?:bad secrets|denied|invalid|too short|incorrect",
                r"|connection timed out|failed|failure)[^\r\n]*"
            ),
            r"(?m)^[ \t]*Error:[^\r\n]*",
        ]),
        // `Error: Unrecognized command found at '^' position.`; a counter
        // line of `display interface` (`Error: 0`, `  Input Error: 12`)
        // holds a number after the colon.
        error: builtin_patterns(&[
            r"(?m)^[ \t]*Error:[ \t]*[^\d\s][^\r\n]*",
            concat!(
                r"(?m)^[ \t]*%?[ \t]*(?:Unrecognized command|Incomplete command|Ambiguous command",
                r"|Wrong parameter|Too many parameters) found at[^\r\n]*"
            ),
        ]),
        login_answers: answers(&[(r"(?i)change now\?[ \t]*\[y/n\]:?[ \t]*$", "N\r")]),
        init_commands: init(&[&["screen-length 0 temporary"]]),
        logout: strings(&["quit"]),
        os_guess: rules(&[
            (GuessStage::Head, r"Huawei Versatile Routing Platform", 95),
            (GuessStage::Head, r"(?i)\bhuawei\b", 80),
            (
                GuessStage::Head,
                r"Info: The max number of VTY users is",
                75,
            ),
            (GuessStage::Head, r"The current login time is", 70),
            (GuessStage::Head, VRP_USER_VIEW, 60),
            (
                GuessStage::Response,
                r"Huawei Versatile Routing Platform Software",
                95,
            ),
        ]),
        save_config: Some("save".to_owned()),
        save_answers: answers(&[(
            r"(?i)are you sure to continue\?[ \t]*\[y/n\]:?[ \t]*$",
            "y\r",
        )]),
        ..config_base(ConfigLevels {
            root: "user_view",
            config: "system_view",
            ..ConfigLevels::new(VRP_USER_VIEW, VRP_SYSTEM_VIEW, "system-view", "return")
        })
    }
}

/// A SmartAX host name.
macro_rules! smartax_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}"
    };
}

const SMARTAX_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    smartax_host!(),
    r"(?:\([\w.:/+\-]+\))?(?:[>#]|%%)",
    prompt_end!()
)];
const SMARTAX_LEVELS: EnableLevels = enable_levels!(smartax_host!(), r"\(config[\w.:/+\-]*\)#");

/// Huawei SmartAX access nodes (MA5600T, MA5800) running on VxWorks
/// (Exscript's `vxworks`): `MA5600T>`, `MA5600T(config-if-gpon-0/1)#`,
/// `% Unknown command, the error locates at '^'`, the `---- More ( Press
/// 'Q' to break ) ----` pager and the `{ <cr>|… }:` parameter questions
/// (answered with a newline), `undo smart` and `scroll`; levels `exec` ->
/// `privilege_exec` (`enable`, no password) -> `configuration` (`config` /
/// `return`).
pub(super) fn vxworks() -> Driver {
    Driver {
        name: "vxworks".to_owned(),
        aliases: strings(&["huawei_smartax", "huawei_olt"]),
        description: "Huawei SmartAX access nodes (VxWorks based, e.g. MA5600T)".to_owned(),
        prompt: builtin_patterns(SMARTAX_PROMPTS),
        username_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"user ?name:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:user )?password:[ \t]*$"
        )]),
        error: builtin_patterns(&[
            concat!(
                r"(?m)^[ \t]*%[ \t]*(?:Unknown command|Parameter error|Incomplete command",
                r"|Ambiguous command|Too many parameters)[^\r\n]*"
            ),
            r"(?m)^[ \t]*Failure:[^\r\n]*",
            // `Error` after `%` or before a message, not a counter
            // (`Error: 0`) or a heading (`Error Packets`).
            r"(?m)^[ \t]*%[ \t]*Error\b[^\r\n]*",
            r"(?m)^[ \t]*Error:[ \t]*[^\d\s][^\r\n]*",
        ]),
        pager: pager_with(&[
            (
                r"(?i)-{2,}[ \t]*More[ \t]*\([ \t]*Press[ \t]+'Q'[ \t]+to[ \t]+break[ \t]*\)[ \t]*-{2,}[ \t]*$",
                " ",
            ),
            (
                concat!(line_start!(), r"[^\r\n]*\{ ?<cr>[^\r\n]*\}:[ \t]*$"),
                "\r",
            ),
        ]),
        init_commands: init(&[&["undo smart"], &["scroll"]]),
        logout: strings(&["quit", "y"]),
        os_guess: rules(&[
            (GuessStage::Head, r"Huawei Integrated Access Software", 90),
            (GuessStage::Response, r"User last login information", 85),
        ]),
        ..enable_base(EnableLevels {
            enable_auth: false,
            configure: "config",
            leave_config: "return",
            ..SMARTAX_LEVELS
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn vrp_expectations() {
        check(
            &vrp(),
            &Expect {
                prompts: &[
                    "<HUAWEI>",
                    "<CE6850-1>",
                    "HRP_M<FW1>",
                    "[HUAWEI]",
                    "[~HUAWEI]",
                    "[*HUAWEI-GigabitEthernet0/0/1]",
                    "[HUAWEI-ui-vty0-4]",
                    "[Vlan-router]",
                    "[V1]",
                    "[V200]",
                    "[VRP-core]",
                    "[vpn1]",
                ],
                not_prompts: &[
                    "[V200R009C00SPC500]",
                    "[V800R012C10SPC300]",
                    "<HUAWEI>display",
                    "  ---- More ----",
                    "Username:",
                ],
                usernames: &["\r\nLogin authentication\r\n\r\n\r\nUsername:"],
                passwords: &["\r\nPassword:"],
                errors: &[
                    (
                        "              ^\r\nError: Unrecognized command found at '^' position.\r\n",
                        "Error: Unrecognized command found at '^' position.",
                    ),
                    (
                        "Error: The interface does not exist.\r\n",
                        "Error: The interface does not exist.",
                    ),
                    (
                        "% Incomplete command found at '^' position.\r\n",
                        "% Incomplete command found at '^' position.",
                    ),
                    (
                        "              ^\r\nError:Incomplete command found at '^' position.\r\n",
                        "Error:Incomplete command found at '^' position.",
                    ),
                    (
                        "    ^\r\nError:Ambiguous command found at '^' position.\r\n",
                        "Error:Ambiguous command found at '^' position.",
                    ),
                    (
                        "   ^\r\nError: Wrong parameter found at '^' position.\r\n",
                        "Error: Wrong parameter found at '^' position.",
                    ),
                ],
                not_errors: &[
                    "GigabitEthernet0/0/1  up  up  0%  0%  0  0\r\n",
                    // `display interface` counters (issue 16).
                    "Input: 0 packets, 0 bytes\r\n PhyErr: 0 , CRC: 0\r\n MIC: 0\r\n Error: 0\r\n",
                    "  Discard:                  0,  Total Error:                 0\r\n",
                    "  FCS error packets:0\r\n  Error:0\r\n",
                ],
                login_errors: &[(
                    "\r\nError: Local authentication is rejected.\r\n",
                    "Error: Local authentication is rejected.",
                )],
                pagers: &[("  ---- More ----", " ")],
                login_answers: &[(
                    "The password needs to be changed. Change now? [Y/N]: ",
                    "N\r",
                )],
                levels: &[
                    ("<HUAWEI>", "user_view"),
                    ("[HUAWEI]", "system_view"),
                    ("[~HUAWEI-GigabitEthernet0/0/1]", "system_view"),
                ],
                ..Expect::default()
            },
        );
    }

    #[test]
    fn vxworks_expectations() {
        check(
            &vxworks(),
            &Expect {
                prompts: &[
                    "MA5600T>",
                    "MA5600T#",
                    "MA5600T(config)#",
                    "MA5600T(config-if-gpon-0/1)#",
                    "MA5600T(diagnose)%%",
                ],
                not_prompts: &["MA5600T#display", ">>User name:"],
                usernames: &["\r\n>>User name:"],
                passwords: &["\r\n>>User password:"],
                errors: &[
                    (
                        "                ^\r\n  % Unknown command, the error locates at '^'\r\n",
                        "% Unknown command, the error locates at '^'",
                    ),
                    (
                        "  Failure: The board does not exist\r\n",
                        "Failure: The board does not exist",
                    ),
                    (
                        "  % Parameter error, the error locates at '^'\r\n",
                        "% Parameter error, the error locates at '^'",
                    ),
                ],
                not_errors: &[
                    "  0/ 1  H805GPFD  Normal\r\n",
                    "  Sent Error Packets              : 0\r\n  Failure Packets : 0\r\n",
                    "  Error: 0\r\n",
                ],
                login_errors: &[(
                    "\r\n  Username or password invalid.\r\n",
                    "Username or password invalid.",
                )],
                pagers: &[
                    ("---- More ( Press 'Q' to break ) ----", " "),
                    ("  ---- More ( Press 'Q' to break ) ----", " "),
                    ("MA5600T#display board 0\r\n{ <cr>|backplane<K> }:", "\r"),
                    ("{ <cr>|number<U><10,512> }:", "\r"),
                ],
                levels: &[
                    ("MA5600T>", "exec"),
                    ("MA5600T#", "privilege_exec"),
                    ("MA5600T(config)#", "configuration"),
                    ("MA5600T(config-if-gpon-0/1)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
