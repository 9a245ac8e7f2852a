//! F5 BIG-IP (TMOS).

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{init, pager_with, rules, strings};

/// The tmsh prompt: `admin@(bigip1)(cfg-sync Standalone)(Active)(/Common)(tmos)#`.
const TMSH_PROMPT: &str = concat!(
    line_start!(),
    r"[\w.\-]+@(?:\([^)\r\n]*\)){1,6}\(tmos(?:\.[\w.\-]+)*\)#",
    prompt_end!()
);
/// The bash prompt of a BIG-IP: `[root@bigip1:Active:Standalone] config #`.
const BIGIP_BASH_PROMPT: &str = concat!(
    line_start!(),
    r"\[[\w.\-]+@[\w.\-]+(?::[\w ]+)*\] [^\r\n#$\[\]]*[#$]",
    prompt_end!()
);

/// F5 BIG-IP: the tmsh prompt `admin@(bigip1)(cfg-sync
/// Standalone)(Active)(/Common)(tmos)#` and the bash prompt
/// `[root@bigip1:Active:Standalone] config #` (what users of netmiko's
/// `f5_linux` get), `Syntax Error:`, `Data Input Error:` and coded
/// `01020036:3:` error lines, the `---(less 42%)---` pager and its
/// `(END)`, `modify cli preference pager disabled display-threshold 0`.
/// tmsh and bash are login shells chosen per account, not privilege
/// levels, so the driver defines none.
pub(super) fn bigip() -> Driver {
    Driver {
        name: "bigip".to_owned(),
        aliases: strings(&["f5_tmsh", "f5_ltm", "f5_linux"]),
        description: "F5 BIG-IP (tmsh and bash)".to_owned(),
        prompt: builtin_patterns(&[TMSH_PROMPT, BIGIP_BASH_PROMPT]),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:login(?: as)?|user ?name):[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"password:[ \t]*$")]),
        error: builtin_patterns(&[
            r"(?m)^[ \t]*Syntax Error:[^\r\n]*",
            r"(?m)^[ \t]*Data Input Error:[^\r\n]*",
            r"(?m)^[ \t]*0[0-9a-f]{7}:\d+:[^\r\n]*",
            r"(?m)^-?bash: [^\r\n]*(?:not found|No such file or directory)[^\r\n]*",
        ]),
        pager: pager_with(&[
            (r"---\(less(?: \d{1,3}%)?\)---[ \t]*$", " "),
            (concat!(line_start!(), r"\(END\)[ \t]*$"), "q"),
        ]),
        init_commands: init(&[&["modify cli preference pager disabled display-threshold 0"]]),
        os_guess: rules(&[
            (GuessStage::Head, r"\(tmos(?:\.[\w.\-]+)*\)#", 90),
            (
                GuessStage::Head,
                r"\[[\w.\-]+@[\w.\-]+:(?:Active|Standby|ForcedOffline|Offline|INOPERATIVE):",
                85,
            ),
            (GuessStage::Response, r"Product\s+BIG-IP", 95),
        ]),
        ..Driver::generic()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn bigip_expectations() {
        check(
            &bigip(),
            &Expect {
                prompts: &[
                    "admin@(bigip1)(cfg-sync Standalone)(Active)(/Common)(tmos)# ",
                    "admin@(bigip1)(cfg-sync In Sync)(Active)(/Common)(tmos.ltm)# ",
                    "[root@bigip1:Active:Standalone] config # ",
                    "[admin@bigip1:Standby:In Sync] ~ $ ",
                ],
                not_prompts: &["admin@(bigip1)(tmos)# show", "---(less 42%)---", "(END)"],
                usernames: &["login as: ", "Username: "],
                passwords: &["Password: "],
                errors: &[
                    (
                        "Syntax Error: \"foo\" unknown property\r\n",
                        "Syntax Error: \"foo\" unknown property",
                    ),
                    (
                        "01020036:3: The requested pool (/Common/web) was not found.\r\n",
                        "01020036:3: The requested pool (/Common/web) was not found.",
                    ),
                    (
                        "Data Input Error: Invalid IP address\r\n",
                        "Data Input Error: Invalid IP address",
                    ),
                ],
                not_errors: &["Sys::Version\r\nMain Package\r\n  Product     BIG-IP\r\n"],
                pagers: &[
                    ("---(less 42%)---", " "),
                    ("---(less)---", " "),
                    ("line\r\n(END)", "q"),
                ],
                ..Expect::default()
            },
        );
    }
}
