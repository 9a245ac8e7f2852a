//! The built-in drivers, one module per vendor family.
//!
//! Every driver is built from constant regex sources (compiled with
//! [`builtin_patterns`](crate::pattern::builtin_patterns) and checked by
//! the unit tests), starting from [`Driver::generic`] and replacing what
//! differs: as is, or with one of the usual privilege graphs,
//! [`enable_base`] (`exec` -> `privilege_exec` -> `configuration`, IOS
//! style) and [`config_base`] (a root level and a configuration level).
//! Each starts from the [`common_pager`](crate::common_pager) answers and
//! adds its own.

pub(crate) mod generic;
pub(crate) mod ios;
pub(crate) mod shell;

mod adtran;
mod arbor;
mod arista;
mod aruba;
mod brocade;
mod ciena;
mod cisco;
mod enterasys;
mod ericsson;
mod f5;
mod fortinet;
mod hp;
mod huawei;
mod icotera;
mod juniper;
mod mikrotik;
mod mrv;
mod nokia;
mod oneaccess;
mod paloalto;
mod riverbed;
mod silverpeak;
mod unix;
mod zte;
mod zyxel;

#[cfg(test)]
mod guess_samples;

use crate::{
    Answer, Authorize, Driver, GuessRule, GuessStage, InitCommand, Pattern, PrivilegeLevel,
};

/// Every built-in driver, in registration order (which is also the order
/// the OS guesser breaks ties in).
pub(crate) fn all() -> Vec<Driver> {
    vec![
        Driver::generic(),
        Driver::shell(),
        Driver::ios(),
        cisco::nxos(),
        cisco::ios_xr(),
        cisco::cisco_asa(),
        cisco::ace(),
        cisco::aironet(),
        arista::eos(),
        juniper::junos(),
        juniper::junos_erx(),
        huawei::vrp(),
        huawei::vxworks(),
        nokia::sros(),
        nokia::nokia_srl(),
        nokia::isam(),
        paloalto::paloalto_panos(),
        fortinet::fortios(),
        mikrotik::mikrotik_routeros(),
        hp::hp_pro_curve(),
        aruba::aruba(),
        brocade::brocade(),
        ciena::cienasaos(),
        f5::bigip(),
        enterasys::enterasys(),
        enterasys::enterasys_wc(),
        ericsson::ericsson_ban(),
        ericsson::smart_edge_os(),
        zte::zte(),
        zyxel::zyxel(),
        adtran::adtran(),
        oneaccess::one_os(),
        riverbed::rios(),
        silverpeak::sp_vxoa(),
        mrv::mrv(),
        unix::aix(),
        arbor::arbor_peakflow(),
        icotera::icotera(),
    ]
}

/// Owned strings from constants.
pub(crate) fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Answers from constant pattern sources and their replies.
pub(crate) fn answers(list: &[(&'static str, &str)]) -> Vec<Answer> {
    list.iter()
        .map(|(pattern, reply)| Answer {
            pattern: Pattern::builtin(pattern),
            reply: (*reply).to_owned(),
        })
        .collect()
}

/// The common pager answers followed by the platform's own.
pub(crate) fn pager_with(own: &[(&'static str, &str)]) -> Vec<Answer> {
    let mut pager = crate::common_pager();
    pager.extend(answers(own));
    pager
}

/// Init commands: each inner list holds the alternatives of one step.
pub(crate) fn init(list: &[&[&str]]) -> Vec<InitCommand> {
    list.iter()
        .map(|alternatives| InitCommand::with_alternatives(alternatives.iter().copied()))
        .collect()
}

/// OS-guessing rules from constants.
pub(crate) fn rules(list: &[(GuessStage, &'static str, u8)]) -> Vec<GuessRule> {
    list.iter()
        .map(|&(stage, source, confidence)| GuessRule::builtin(stage, source, confidence))
        .collect()
}

/// Authorization started with `command` when the prompt matches
/// `when_prompt`.
pub(crate) fn authorize(command: &str, when_prompt: &'static str) -> Option<Authorize> {
    Some(Authorize {
        command: command.to_owned(),
        when_prompt: Some(Pattern::builtin(when_prompt)),
    })
}

/// A level entered from nowhere (where a session starts).
pub(crate) fn root_level(name: &str, prompt: &'static str) -> PrivilegeLevel {
    PrivilegeLevel {
        name: name.to_owned(),
        prompt: Pattern::builtin(prompt),
        previous: None,
        escalate: None,
        escalate_auth: false,
        escalate_prompt: None,
        deescalate: None,
    }
}

/// A level entered from `previous` with `escalate`, left with
/// `deescalate`.
pub(crate) fn child_level(
    name: &str,
    prompt: &'static str,
    previous: &str,
    escalate: &str,
    deescalate: &str,
) -> PrivilegeLevel {
    PrivilegeLevel {
        previous: Some(previous.to_owned()),
        escalate: Some(escalate.to_owned()),
        deescalate: Some(deescalate.to_owned()),
        ..root_level(name, prompt)
    }
}

/// The level with `escalate_auth` set: entering it asks for the
/// authorization password.
pub(crate) fn with_auth(level: PrivilegeLevel) -> PrivilegeLevel {
    PrivilegeLevel {
        escalate_auth: true,
        ..level
    }
}

/// The usual Cisco-style level graph: `exec` -> `privilege_exec`
/// (entered with `enable`, left with `disable`) -> `configuration` (left
/// with `leave_config`), with the prompt pattern of each level. Build it
/// with [`enable_levels!`] and change what differs with struct-update
/// syntax.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EnableLevels {
    pub(crate) exec: &'static str,
    pub(crate) privileged: &'static str,
    pub(crate) config: &'static str,
    /// The command entering `privilege_exec` (default `enable`).
    pub(crate) enable: &'static str,
    /// Whether entering `privilege_exec` asks for the authorization
    /// password (default true).
    pub(crate) enable_auth: bool,
    /// The command entering `configuration` (default `configure
    /// terminal`).
    pub(crate) configure: &'static str,
    /// The command leaving `configuration` (default `end`).
    pub(crate) leave_config: &'static str,
}

impl EnableLevels {
    /// The graph with these prompts and the default commands.
    pub(crate) const fn new(
        exec: &'static str,
        privileged: &'static str,
        config: &'static str,
    ) -> Self {
        EnableLevels {
            exec,
            privileged,
            config,
            enable: "enable",
            enable_auth: true,
            configure: "configure terminal",
            leave_config: "end",
        }
    }

    /// The three levels.
    pub(crate) fn levels(&self) -> Vec<PrivilegeLevel> {
        let privileged = child_level(
            "privilege_exec",
            self.privileged,
            "exec",
            self.enable,
            "disable",
        );
        vec![
            root_level("exec", self.exec),
            PrivilegeLevel {
                escalate_auth: self.enable_auth,
                ..privileged
            },
            child_level(
                "configuration",
                self.config,
                "privilege_exec",
                self.configure,
                self.leave_config,
            ),
        ]
    }
}

/// [`EnableLevels`] for a host-name pattern: `host>` (exec), `host#`
/// (privileged), and `host` followed by `config` (configuration, `config`
/// ending in the prompt character). The four-argument form also gives
/// what follows the host name in exec and privileged prompts.
macro_rules! enable_levels {
    ($host:expr, $config:expr) => {
        $crate::catalog::enable_levels!($host, ">", "#", $config)
    };
    ($host:expr, $exec:expr, $privileged:expr, $config:expr) => {
        $crate::catalog::EnableLevels::new(
            concat!(
                $crate::fragments::line_start!(),
                $host,
                $exec,
                $crate::fragments::prompt_end!()
            ),
            concat!(
                $crate::fragments::line_start!(),
                $host,
                $privileged,
                $crate::fragments::prompt_end!()
            ),
            concat!(
                $crate::fragments::line_start!(),
                $host,
                $config,
                $crate::fragments::prompt_end!()
            ),
        )
    };
}

pub(crate) use enable_levels;

/// A driver with the [`EnableLevels`] graph `levels`, starting from
/// [`Driver::generic`]: authorization with `levels.enable` when the prompt ends in
/// `>`, sessions working at `privilege_exec`, configuration at
/// `configuration`.
pub(crate) fn enable_base(levels: EnableLevels) -> Driver {
    Driver {
        authorize: authorize(levels.enable, r">[ \t]*$"),
        privilege_levels: levels.levels(),
        default_privilege: Some("privilege_exec".to_owned()),
        config_privilege: Some("configuration".to_owned()),
        ..Driver::generic()
    }
}

/// A two-level graph: sessions work at the root level, and the
/// configuration level is entered from it with `configure` and left with
/// `leave_config`. Build it with [`ConfigLevels::new`] and rename the
/// levels with struct-update syntax where the platform names them
/// otherwise.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConfigLevels {
    /// The root level's name (default `exec`).
    pub(crate) root: &'static str,
    pub(crate) root_prompt: &'static str,
    /// The configuration level's name (default `configuration`).
    pub(crate) config: &'static str,
    pub(crate) config_prompt: &'static str,
    pub(crate) configure: &'static str,
    pub(crate) leave_config: &'static str,
}

impl ConfigLevels {
    /// `exec` (at `root_prompt`) -> `configuration` (at `config_prompt`).
    pub(crate) const fn new(
        root_prompt: &'static str,
        config_prompt: &'static str,
        configure: &'static str,
        leave_config: &'static str,
    ) -> Self {
        ConfigLevels {
            root: "exec",
            root_prompt,
            config: "configuration",
            config_prompt,
            configure,
            leave_config,
        }
    }
}

/// A driver with the [`ConfigLevels`] graph `levels`, starting from
/// [`Driver::generic`]: sessions working at the root level, configuration at the
/// configuration level.
pub(crate) fn config_base(levels: ConfigLevels) -> Driver {
    Driver {
        privilege_levels: vec![
            root_level(levels.root, levels.root_prompt),
            child_level(
                levels.config,
                levels.config_prompt,
                levels.root,
                levels.configure,
                levels.leave_config,
            ),
        ],
        default_privilege: Some(levels.root.to_owned()),
        config_privilege: Some(levels.config.to_owned()),
        ..Driver::generic()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::catalog::generic::tests::{assert_no_prompt, assert_prompt};
    use crate::{PrivilegeStep, Registry, common_pager, matching_line};

    /// What a driver's unit test expects of it.
    #[derive(Default)]
    pub(crate) struct Expect<'a> {
        /// Prompts found at the end of a buffer.
        pub(crate) prompts: &'a [&'a str],
        /// Text that is no prompt.
        pub(crate) not_prompts: &'a [&'a str],
        /// Username prompts.
        pub(crate) usernames: &'a [&'a str],
        /// Text that is no username prompt.
        pub(crate) not_usernames: &'a [&'a str],
        /// Password prompts.
        pub(crate) passwords: &'a [&'a str],
        /// Text that is no password prompt.
        pub(crate) not_passwords: &'a [&'a str],
        /// Responses and the error line found in them.
        pub(crate) errors: &'a [(&'a str, &'a str)],
        /// Responses without an error.
        pub(crate) not_errors: &'a [&'a str],
        /// Login dialogs and the login-error line found in them.
        pub(crate) login_errors: &'a [(&'a str, &'a str)],
        /// Text without a login error.
        pub(crate) not_login_errors: &'a [&'a str],
        /// Pager prompts and the reply they get.
        pub(crate) pagers: &'a [(&'a str, &'a str)],
        /// Login-time questions and the reply they get.
        pub(crate) login_answers: &'a [(&'a str, &'a str)],
        /// Prompt texts and the privilege level they belong to.
        pub(crate) levels: &'a [(&'a str, &'a str)],
    }

    /// Checks `driver` against everything in `e`.
    pub(crate) fn check(driver: &Driver, e: &Expect<'_>) {
        let name = &driver.name;
        for prompt in e.prompts {
            assert_prompt(driver, prompt);
            // Followed by more text on its line, it is no prompt.
            for suffix in ["x", " show version", "\r\n", "\r\nmore output", "é", "\x08"] {
                assert_no_prompt(driver, &format!("{prompt}{suffix}"));
            }
        }
        for text in e.not_prompts {
            assert_no_prompt(driver, text);
        }
        for text in e.usernames {
            assert!(
                driver.find_username_prompt(text.as_bytes(), 0).is_some(),
                "{name}: username prompt {text:?}"
            );
            assert!(
                driver.find_prompt(text.as_bytes(), 0).is_none(),
                "{name}: username prompt taken for a prompt: {text:?}"
            );
        }
        for text in e.not_usernames {
            assert!(
                driver.find_username_prompt(text.as_bytes(), 0).is_none(),
                "{name}: no username prompt {text:?}"
            );
        }
        for text in e.passwords {
            assert!(
                driver.find_password_prompt(text.as_bytes(), 0).is_some(),
                "{name}: password prompt {text:?}"
            );
            assert!(
                driver.find_prompt(text.as_bytes(), 0).is_none(),
                "{name}: password prompt taken for a prompt: {text:?}"
            );
        }
        for text in e.not_passwords {
            assert!(
                driver.find_password_prompt(text.as_bytes(), 0).is_none(),
                "{name}: no password prompt {text:?}"
            );
        }
        for (response, line) in e.errors {
            assert_eq!(
                driver.find_error(response),
                Some(*line),
                "{name}: {response:?}"
            );
            // A Session reports `matching_line` of the error patterns: the
            // line of the earliest match, wherever it is in the response.
            let later = format!("Interface 1/1 is up\r\n{response}");
            assert_eq!(
                matching_line(&driver.error, &later),
                Some(*line),
                "{name}: the Session's error line for {later:?}"
            );
        }
        for response in e.not_errors {
            assert_eq!(driver.find_error(response), None, "{name}: {response:?}");
        }
        for (text, line) in e.login_errors {
            assert_eq!(
                driver.find_login_error(text),
                Some(*line),
                "{name}: {text:?}"
            );
        }
        for text in e.not_login_errors {
            assert_eq!(driver.find_login_error(text), None, "{name}: {text:?}");
        }
        for (text, reply) in e.pagers {
            let found = driver.find_pager(text.as_bytes(), 0);
            assert_eq!(
                found.map(|(a, _)| a.reply.as_str()),
                Some(*reply),
                "{name}: pager {text:?}"
            );
            assert!(
                driver.find_prompt(text.as_bytes(), 0).is_none(),
                "{name}: pager taken for a prompt: {text:?}"
            );
        }
        for (text, reply) in e.login_answers {
            let found = driver.find_login_answer(text.as_bytes(), 0);
            assert_eq!(
                found.map(|(a, _)| a.reply.as_str()),
                Some(*reply),
                "{name}: login answer {text:?}"
            );
        }
        for (prompt, level) in e.levels {
            assert!(
                driver.find_prompt(prompt.as_bytes(), 0).is_some(),
                "{name}: level prompt {prompt:?} is no prompt"
            );
            assert_eq!(
                driver.current_privilege(prompt).map(|l| l.name.as_str()),
                Some(*level),
                "{name}: level of {prompt:?}"
            );
        }
    }

    #[test]
    fn every_builtin_pattern_compiles() {
        // Built-in patterns compile on first use; this compiles all of
        // them, so a typo fails here and never in a user's program.
        let drivers = all();
        assert_eq!(drivers.len(), 38);
        let _ = crate::OsGuesser::from_registry(&Registry::builtin());
        let bad = crate::pattern::uncompilable_builtins();
        assert!(bad.is_empty(), "{bad:#?}");
    }

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen: HashMap<String, String> = HashMap::new();
        for driver in all() {
            for key in std::iter::once(&driver.name).chain(&driver.aliases) {
                let previous = seen.insert(key.to_lowercase(), driver.name.clone());
                assert!(
                    previous.is_none(),
                    "{key} used by {previous:?} and {}",
                    driver.name
                );
            }
        }
        assert_eq!(all().len(), 38);
    }

    #[test]
    fn every_name_and_alias_resolves() {
        let registry = Registry::builtin();
        for driver in all() {
            for key in std::iter::once(&driver.name).chain(&driver.aliases) {
                assert_eq!(
                    registry.get(key).map(|d| d.name.clone()).as_deref(),
                    Some(driver.name.as_str()),
                    "{key}"
                );
                assert_eq!(
                    registry
                        .get(&key.to_uppercase())
                        .map(|d| d.name.clone())
                        .as_deref(),
                    Some(driver.name.as_str())
                );
            }
        }
    }

    #[test]
    fn every_driver_reports_common_login_failures() {
        for driver in all() {
            let name = &driver.name;
            assert_eq!(
                driver.find_login_error("Welcome!\r\nrouter>"),
                None,
                "{name}"
            );
            if name == "ios" {
                // IOS writes its failures with `%` (tested in its module).
                continue;
            }
            assert_eq!(
                driver.find_login_error("\r\nLogin incorrect\r\nlogin: "),
                Some("Login incorrect"),
                "{name}"
            );
            assert!(
                driver.find_login_error("Permission denied\r\n").is_some(),
                "{name}"
            );
        }
    }

    #[test]
    fn every_driver_keeps_the_common_pager() {
        let common = common_pager();
        for driver in all() {
            for answer in &common {
                assert!(driver.pager.contains(answer), "{}: {answer:?}", driver.name);
            }
        }
    }

    #[test]
    fn end_anchored_patterns_end_at_the_buffer_end() {
        for driver in all() {
            let answers = driver.pager.iter().chain(&driver.login_answers);
            let levels = driver.privilege_levels.iter().map(|l| &l.prompt);
            let escalate = driver
                .privilege_levels
                .iter()
                .filter_map(|l| l.escalate_prompt.as_ref());
            for p in driver
                .prompt
                .iter()
                .chain(&driver.username_prompt)
                .chain(&driver.password_prompt)
                .chain(answers.map(|a| &a.pattern))
                .chain(levels)
                .chain(escalate)
            {
                let source = p.as_str();
                assert!(
                    source.ends_with(r"[ \t]*$")
                        || source.ends_with(r"[ \t]+$")
                        || source.ends_with(r"\s*$"),
                    "{}: {p}",
                    driver.name
                );
            }
            for p in driver.error.iter().chain(&driver.login_error) {
                assert!(
                    p.as_str().contains("(?m") || p.as_str().contains("(?im"),
                    "{}: {p}",
                    driver.name
                );
            }
            for rule in &driver.os_guess {
                assert!(
                    (1..=100).contains(&rule.confidence),
                    "{}: {:?}",
                    driver.name,
                    rule
                );
            }
        }
    }

    #[test]
    fn every_privilege_graph_is_consistent() {
        for driver in all() {
            let name = &driver.name;
            assert_eq!(
                driver.privilege_problems(),
                Vec::<(String, String)>::new(),
                "{name}"
            );
            for level in &driver.privilege_levels {
                if level.previous.is_some() {
                    assert!(level.escalate.is_some(), "{name}: {}", level.name);
                    assert!(level.deescalate.is_some(), "{name}: {}", level.name);
                }
            }
            if driver.privilege_levels.is_empty() {
                assert!(driver.default_privilege.is_none() && driver.config_privilege.is_none());
                assert!(driver.config_commit.is_none(), "{name}");
                continue;
            }
            for key in [&driver.default_privilege, &driver.config_privilege]
                .into_iter()
                .flatten()
            {
                assert!(driver.privilege_level(key).is_some(), "{name}: {key}");
            }
            if driver.config_commit.is_some() {
                assert!(driver.config_privilege.is_some(), "{name}");
            }
            // Paths between all pairs of levels of the same tree.
            for from in &driver.privilege_levels {
                for to in &driver.privilege_levels {
                    let path = driver.privilege_path(&from.name, &to.name);
                    let root = |l: &PrivilegeLevel| {
                        let mut l = l.clone();
                        while let Some(p) = l.previous.clone() {
                            l = driver.privilege_level(&p).unwrap().clone();
                        }
                        l.name
                    };
                    if root(from) != root(to) {
                        assert!(path.is_err(), "{name}: {} -> {}", from.name, to.name);
                        continue;
                    }
                    let path = path.unwrap_or_else(|e| panic!("{name}: {e}"));
                    let last = path.last().map(|step| match step {
                        PrivilegeStep::Escalate { level, .. } => level.clone(),
                        PrivilegeStep::Deescalate { level, .. } => level.clone(),
                    });
                    assert_eq!(last.unwrap_or(from.name.clone()), to.name, "{name}");
                }
            }
        }
    }

    #[test]
    fn authorize_and_levels_agree() {
        // A driver that authorizes at login goes from its root level to a
        // deeper one; the prompt it authorizes at is a root-level prompt.
        for driver in all() {
            let Some(auth) = &driver.authorize else {
                continue;
            };
            if driver.privilege_levels.is_empty() {
                continue;
            }
            let escalated = driver
                .privilege_levels
                .iter()
                .find(|l| l.escalate.as_deref() == Some(auth.command.as_str()));
            assert!(
                escalated.is_some(),
                "{}: `{}` enters no level",
                driver.name,
                auth.command
            );
        }
    }
}
