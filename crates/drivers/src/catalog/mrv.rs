//! MRV (In-Reach LX console servers and MRV's Linux-based devices).

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{EnableLevels, authorize, enable_base, init, rules, strings};

const MRV_EXEC: &str = concat!(
    line_start!(),
    r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}:\d+ >",
    prompt_end!()
);
const MRV_PRIVILEGED: &str = concat!(
    line_start!(),
    r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}:\d+ >>",
    prompt_end!()
);
const MRV_CONFIG: &str = concat!(line_start!(), r"Config(?::[\w.\-]+)*:\d+ >>", prompt_end!());

/// MRV LX console servers (`InReach:0 >`, `InReach:0 >>` when
/// privileged, `Config:0 >>`) and MRV's Linux shells (a prompt ending in
/// `$`): `Authorized Login:`, `no pause` (or `terminal length 0`) to stop
/// paging; levels `exec` -> `privilege_exec` (`enable`) ->
/// `configuration` (`config` / `exit`).
pub(super) fn mrv() -> Driver {
    Driver {
        name: "mrv".to_owned(),
        aliases: strings(&["mrv_lx"]),
        description: "MRV LX console servers and MRV Linux".to_owned(),
        prompt: builtin_patterns(&[
            concat!(
                line_start!(),
                r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}(?::[\w.\-]+)*:\d+ >{1,2}",
                prompt_end!()
            ),
            concat!(
                line_start!(),
                r"[A-Za-z0-9_][A-Za-z0-9_.\-@:~/]{0,62} ?\$",
                prompt_end!()
            ),
        ]),
        username_prompt: builtin_patterns(&[concat!(
            line_start!(),
            r"(?:Authorized )?[Ll]ogin:[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"password:[ \t]*$")]),
        error: builtin_patterns(&[
            r"(?im)^[ \t]*(?:invalid|unknown|incomplete) (?:command|input|parameter)[^\r\n]*",
            r"(?m)^[ \t]*%[ \t]*Error\b[^\r\n]*",
            r"(?m)^[ \t]*Error:[ \t]*[^\d\s][^\r\n]*",
        ]),
        init_commands: init(&[&["no pause", "terminal length 0"]]),
        authorize: authorize("enable", r"(?:\A|[^>])>[ \t]*$"),
        os_guess: rules(&[
            (GuessStage::Head, r"\bMRV\b", 75),
            (GuessStage::Head, r"Authorized Login:", 40),
        ]),
        ..enable_base(EnableLevels {
            configure: "config",
            leave_config: "exit",
            ..EnableLevels::new(MRV_EXEC, MRV_PRIVILEGED, MRV_CONFIG)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn mrv_expectations() {
        let d = mrv();
        check(
            &d,
            &Expect {
                prompts: &[
                    "InReach:0 >",
                    "InReach:0 >>",
                    "Config:0 >>",
                    "Config:Port:0 >>",
                    "mrv-osm$ ",
                ],
                not_prompts: &["InReach:0 >> show", "Authorized Login: "],
                usernames: &["\r\nAuthorized Login: "],
                passwords: &["Password: "],
                errors: &[("Invalid command\r\n", "Invalid command")],
                not_errors: &["Port 1  Idle\r\n", "Error Count:   0\r\nError: 0\r\n"],
                levels: &[
                    ("InReach:0 >", "exec"),
                    ("InReach:0 >>", "privilege_exec"),
                    ("Config:0 >>", "configuration"),
                ],
                ..Expect::default()
            },
        );
        assert!(d.wants_authorize("InReach:0 >"));
        assert!(!d.wants_authorize("InReach:0 >>"));
    }
}
