//! Unix systems with their own driver: IBM AIX.

use crate::fragments::{line_start, login_line};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::generic::GENERIC_LOGIN_ERRORS;
use super::shell::{SHELL_ERRORS, SHELL_LOGIN_ERRORS, SHELL_PROMPTS, shell_levels};
use super::{rules, strings};

/// IBM AIX: the shell prompts of the `shell` driver, `login:` and
/// `root's Password:`, ksh errors (`ksh: foo:  not found.`); levels
/// `user` -> `root` with `su -` and the authorization password.
pub(super) fn aix() -> Driver {
    let mut error = builtin_patterns(SHELL_ERRORS);
    error.extend(builtin_patterns(&[
        // `ksh: sl:  not found.`, `ksh: f: 0403-016 Cannot find or open
        // the file.`, `ksh: f: 0403-006 Execute permission denied.`
        r"(?m)^[ \t]*-?(?:ksh|sh|ksh93): [^\r\n]*(?:not found|[Cc]annot|[Pp]ermission denied|\b0403-\d{3})[^\r\n]*",
    ]));
    Driver {
        name: "aix".to_owned(),
        aliases: strings(&["ibm_aix"]),
        description: "IBM AIX".to_owned(),
        prompt: builtin_patterns(SHELL_PROMPTS),
        username_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"login:[ \t]*$")]),
        password_prompt: builtin_patterns(&[
            concat!(line_start!(), r"[\w.\-]+'s [Pp]assword:[ \t]*$"),
            concat!("(?i)", login_line!(), r"password:[ \t]*$"),
        ]),
        login_error: {
            let mut login_error = builtin_patterns(SHELL_LOGIN_ERRORS);
            login_error.extend(builtin_patterns(GENERIC_LOGIN_ERRORS));
            login_error
        },
        error,
        os_guess: rules(&[
            (GuessStage::Head, r"\bAIX\b", 75),
            (
                GuessStage::Head,
                concat!(line_start!(), r"[\w.\-]+'s Password:"),
                70,
            ),
        ]),
        privilege_levels: shell_levels("su -"),
        ..Driver::generic()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn aix_expectations() {
        check(
            &aix(),
            &Expect {
                prompts: &["$ ", "# ", "aix01:/home/sam$ ", "root@aix01:/# "],
                not_prompts: &["root's Password: ", "$ ls"],
                usernames: &["\r\nlogin: "],
                passwords: &["\r\nroot's Password: ", "\r\nsam's Password:"],
                errors: &[
                    ("ksh: foo:  not found.\r\n", "ksh: foo:  not found."),
                    (
                        "ksh: /etc/shadow: cannot open\r\n",
                        "ksh: /etc/shadow: cannot open",
                    ),
                    (
                        "ksh: /etc/nosuch: 0403-016 Cannot find or open the file.\r\n",
                        "ksh: /etc/nosuch: 0403-016 Cannot find or open the file.",
                    ),
                ],
                not_errors: &["AIX aix01 2 7 00F8A1B24C00\r\n"],
                login_errors: &[(
                    "\r\n3004-007 You entered an invalid login name or password.\r\n",
                    "3004-007 You entered an invalid login name or password.",
                )],
                levels: &[("aix01:/home/sam$", "user"), ("aix01:/#", "root")],
                ..Expect::default()
            },
        );
    }
}
