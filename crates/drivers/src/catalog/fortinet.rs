//! Fortinet FortiOS (FortiGate).

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{answers, init, rules, strings};

const FORTI_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,35} (?:\([\w.:/\-]+\) )?[#$]",
    prompt_end!()
)];

/// Fortinet FortiOS: `FGT60E # ` and `FGT60E (interface) # ` prompts
/// (`$` for read-only administrators), `Command fail.`, `Unknown action`
/// and `parse error` lines, the pre-login disclaimer accepted with `a`,
/// paging turned off with `config system console` / `set output
/// standard` / `end`.
///
/// FortiOS has no privilege levels: configuration happens inside
/// `config …` / `edit …` / `next` / `end` blocks that configuration lines
/// carry themselves, so the driver defines none.
pub(super) fn fortios() -> Driver {
    Driver {
        name: "fortios".to_owned(),
        aliases: strings(&["fortinet", "fortinet_fortios", "fortigate"]),
        description: "Fortinet FortiOS (FortiGate firewalls)".to_owned(),
        prompt: builtin_patterns(FORTI_PROMPTS),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:login|user ?name):[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"password:[ \t]*$")]),
        // The specific message comes before the `Command fail.` summary
        // line: list it first, so it is the one reported. Each starts its
        // line (a log entry quoting one is output).
        error: builtin_patterns(&[
            r"(?m)^[ \t]*(?:command|value) parse error before[^\r\n]*",
            r"(?m)^[ \t]*Unknown action \d+[^\r\n]*",
            r"(?m)^[ \t]*object check operator error[^\r\n]*",
            r"(?m)^[ \t]*entry not found in datasource[^\r\n]*",
            r"(?m)^[ \t]*Command fail\.[^\r\n]*",
        ]),
        login_answers: answers(&[(r"(?i)\(press 'a' to accept\):?[ \t]*$", "a")]),
        init_commands: init(&[
            &["config system console"],
            &["set output standard"],
            &["end"],
        ]),
        os_guess: rules(&[
            (
                GuessStage::Head,
                r"\A(?:\r?\n)*[A-Za-z0-9_][A-Za-z0-9_.\-]{0,35} (?:\([\w.\-]+\) )?[#$] $",
                50,
            ),
            (GuessStage::Head, r"\bForti(?:Gate|OS)\b", 85),
            (
                GuessStage::Response,
                r"Version: Forti(?:Gate|Wifi|Manager|Analyzer)-",
                95,
            ),
        ]),
        ..Driver::generic()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn fortios_expectations() {
        let d = fortios();
        check(
            &d,
            &Expect {
                prompts: &[
                    "FGT60E # ",
                    "FGT60E $ ",
                    "FGT60E (global) # ",
                    "FGT60E (interface) # ",
                    "FGT60E (port1) # ",
                    "FW-01.lab (root) # ",
                ],
                not_prompts: &[
                    "FGT60E #show",
                    "FGT60E# x",
                    "set output standard",
                    "--More-- ",
                ],
                usernames: &["FGT60E login: "],
                passwords: &["Password: "],
                errors: &[
                    (
                        "Unknown action 0\r\nCommand fail. Return code -1\r\n",
                        "Unknown action 0",
                    ),
                    (
                        "command parse error before 'foo'\r\nCommand fail. Return code -61\r\n",
                        "command parse error before 'foo'",
                    ),
                    (
                        "object check operator error, -3, discard the setting\r\n",
                        "object check operator error, -3, discard the setting",
                    ),
                    (
                        "entry not found in datasource\r\n",
                        "entry not found in datasource",
                    ),
                ],
                not_errors: &[
                    "Version: FortiGate-60E v7.2.5,build1517,230606 (GA.F)\r\n",
                    // `execute log display`: a log entry quoting messages.
                    concat!(
                        "1 logs found.\r\n1: date=2026-12-07 level=\"error\" ",
                        "logdesc=\"Command fail. Return code -61\" ",
                        "msg=\"command parse error before 'x'\"\r\n"
                    ),
                ],
                login_errors: &[("\r\nLogin incorrect\r\n", "Login incorrect")],
                pagers: &[("--More-- ", " ")],
                login_answers: &[("(Press 'a' to accept):", "a")],
                ..Expect::default()
            },
        );
        assert!(d.privilege_levels.is_empty());
    }
}
