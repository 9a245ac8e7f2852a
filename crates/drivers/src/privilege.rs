//! Privilege levels (scrapli's "modes"): the CLI levels of a platform,
//! how to move between them, and the path from one to another.
//!
//! The levels of a driver form a forest: each level names the level it is
//! entered from (`previous`), with the command that enters it
//! (`escalate`) and the command that leaves it again (`deescalate`). A
//! path between two levels goes up from the start to the closest level
//! both share, then down to the target.

use std::collections::HashSet;

use crate::{Driver, Error, Pattern};

/// One CLI level of a platform, such as IOS's `exec` (`router>`),
/// `privilege_exec` (`router#`) and `configuration` (`router(config)#`).
///
/// ```
/// use oxscript_drivers::Driver;
///
/// let ios = Driver::ios();
/// let config = ios.privilege_level("configuration").unwrap();
/// assert_eq!(config.previous.as_deref(), Some("privilege_exec"));
/// assert_eq!(config.escalate.as_deref(), Some("configure terminal"));
/// assert!(config.prompt.is_match(b"router(config-if)#"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivilegeLevel {
    /// The level's name, e.g. `exec`, `privilege_exec`, `configuration`.
    pub name: String,
    /// Matches a prompt text at this level, e.g. `router(config)#`. It is
    /// end-anchored like a driver prompt and is used with
    /// [`Pattern::is_match`] on the prompt text alone.
    pub prompt: Pattern,
    /// The level this one is entered from; `None` for a root level.
    pub previous: Option<String>,
    /// The command sent at `previous` to enter this level (`enable`,
    /// `configure terminal`).
    pub escalate: Option<String>,
    /// Whether entering asks for the authorization password.
    pub escalate_auth: bool,
    /// The password prompt shown when entering; `None` means the driver's
    /// `password_prompt`.
    pub escalate_prompt: Option<Pattern>,
    /// The command sent at this level to return to `previous` (`disable`,
    /// `end`, `exit`).
    pub deescalate: Option<String>,
}

/// One move of a [`Driver::privilege_path`]. `level` is the level the
/// session is at once the step is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrivilegeStep {
    /// Send `command` to enter `level`; when `auth` is set the device asks
    /// for the authorization password, at `prompt` (or at the driver's
    /// password prompts when `None`).
    Escalate {
        /// The level entered.
        level: String,
        /// The command to send.
        command: String,
        /// Whether the authorization password is asked for.
        auth: bool,
        /// The password prompt, if the level names its own.
        prompt: Option<Pattern>,
    },
    /// Send `command` to leave a level and return to `level`.
    Deescalate {
        /// The level returned to.
        level: String,
        /// The command to send.
        command: String,
    },
}

impl Driver {
    /// The privilege level called `name`.
    pub fn privilege_level(&self, name: &str) -> Option<&PrivilegeLevel> {
        self.privilege_levels
            .iter()
            .find(|level| level.name == name)
    }

    /// The privilege level a prompt text belongs to: the deepest level
    /// (most ancestors) whose prompt pattern matches it; on a tie the
    /// first in list order.
    ///
    /// ```
    /// use oxscript_drivers::Driver;
    ///
    /// let ios = Driver::ios();
    /// let name = |prompt: &str| ios.current_privilege(prompt).map(|l| l.name.as_str());
    /// assert_eq!(name("router>"), Some("exec"));
    /// assert_eq!(name("router#"), Some("privilege_exec"));
    /// assert_eq!(name("router(config-if)#"), Some("configuration"));
    /// assert_eq!(name("[edit]"), None);
    /// ```
    pub fn current_privilege(&self, prompt: &str) -> Option<&PrivilegeLevel> {
        let mut best: Option<(&PrivilegeLevel, usize)> = None;
        for level in &self.privilege_levels {
            if !level.prompt.is_match(prompt.as_bytes()) {
                continue;
            }
            let depth = self.depth(level);
            if best.is_none_or(|(_, d)| depth > d) {
                best = Some((level, depth));
            }
        }
        best.map(|(level, _)| level)
    }

    /// The level `level` is entered from, if the driver has it.
    fn parent(&self, level: &PrivilegeLevel) -> Option<&PrivilegeLevel> {
        level
            .previous
            .as_deref()
            .and_then(|name| self.privilege_level(name))
    }

    /// The levels above `level`, nearest first: its `previous`, that
    /// level's `previous`, and so on. It ends at a root level or at an
    /// unknown `previous`, and after as many steps as the driver has
    /// levels, so a cycle cannot loop.
    fn ancestors<'d>(
        &'d self,
        level: &'d PrivilegeLevel,
    ) -> impl Iterator<Item = &'d PrivilegeLevel> {
        std::iter::successors(self.parent(level), |up| self.parent(up))
            .take(self.privilege_levels.len())
    }

    /// How many ancestors a level has (at most the number of levels).
    fn depth(&self, level: &PrivilegeLevel) -> usize {
        self.ancestors(level).count()
    }

    /// Whether following `previous` from `level` comes back to it.
    fn in_cycle(&self, level: &PrivilegeLevel) -> bool {
        self.ancestors(level).any(|up| up.name == level.name)
    }

    /// The chain from `name` up to its root, `name` first.
    fn ancestry(&self, name: &str, from: &str, to: &str) -> Result<Vec<&PrivilegeLevel>, Error> {
        let start = self.require_level(name)?;
        let chain: Vec<&PrivilegeLevel> = std::iter::once(start)
            .chain(self.ancestors(start))
            .collect();
        let top = chain.last().copied().unwrap_or(start);
        match top.previous.as_deref() {
            None => Ok(chain),
            // The walk stopped below a root: at an unknown level, or
            // because it went round a cycle.
            Some(previous) => {
                self.require_level(previous)?;
                Err(self.no_path(from, to, "the levels form a cycle"))
            }
        }
    }

    fn require_level(&self, name: &str) -> Result<&PrivilegeLevel, Error> {
        self.privilege_level(name)
            .ok_or_else(|| Error::UnknownPrivilegeLevel {
                driver: self.name.clone(),
                level: name.to_owned(),
            })
    }

    fn no_path(&self, from: &str, to: &str, reason: &str) -> Error {
        Error::NoPrivilegePath {
            driver: self.name.clone(),
            from: from.to_owned(),
            to: to.to_owned(),
            reason: reason.to_owned(),
        }
    }

    /// The steps from level `from` to level `to`: leave levels up to the
    /// closest level both share, then enter levels down to `to`. Empty
    /// when `from == to`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownPrivilegeLevel`] when either name is not a level of
    /// this driver; [`Error::NoPrivilegePath`] when the levels have no
    /// common ancestor or a level on the way lacks the command to leave or
    /// enter it.
    ///
    /// ```
    /// use oxscript_drivers::{Driver, PrivilegeStep};
    ///
    /// let ios = Driver::ios();
    /// let steps = ios.privilege_path("exec", "configuration")?;
    /// assert!(matches!(&steps[0], PrivilegeStep::Escalate { command, auth: true, .. } if command == "enable"));
    /// assert!(matches!(&steps[1], PrivilegeStep::Escalate { command, .. } if command == "configure terminal"));
    /// let back = ios.privilege_path("configuration", "exec")?;
    /// assert_eq!(back.len(), 2);
    /// assert!(ios.privilege_path("exec", "root").is_err());
    /// # Ok::<(), oxscript_drivers::Error>(())
    /// ```
    pub fn privilege_path(&self, from: &str, to: &str) -> Result<Vec<PrivilegeStep>, Error> {
        let up = self.ancestry(from, from, to)?;
        let down = self.ancestry(to, from, to)?;
        if from == to {
            return Ok(Vec::new());
        }
        let shared: HashSet<&str> = down.iter().map(|level| level.name.as_str()).collect();
        let Some(meet) = up
            .iter()
            .position(|level| shared.contains(level.name.as_str()))
        else {
            return Err(self.no_path(from, to, "the levels have no common ancestor"));
        };
        let mut steps = Vec::new();
        for level in up.iter().take(meet) {
            let (Some(command), Some(previous)) = (&level.deescalate, &level.previous) else {
                return Err(self.no_path(
                    from,
                    to,
                    &format!("level `{}` has no command to leave it", level.name),
                ));
            };
            steps.push(PrivilegeStep::Deescalate {
                level: previous.clone(),
                command: command.clone(),
            });
        }
        let meet_name = up.get(meet).map_or("", |level| level.name.as_str());
        let below = down
            .iter()
            .position(|level| level.name == meet_name)
            .unwrap_or(down.len());
        for level in down.iter().take(below).rev() {
            let Some(command) = &level.escalate else {
                return Err(self.no_path(
                    from,
                    to,
                    &format!("level `{}` has no command to enter it", level.name),
                ));
            };
            steps.push(PrivilegeStep::Escalate {
                level: level.name.clone(),
                command: command.clone(),
                auth: level.escalate_auth,
                prompt: level.escalate_prompt.clone(),
            });
        }
        Ok(steps)
    }

    /// Problems of the privilege graph, each as a key path and a reason:
    /// duplicate names, unknown `previous` levels, cycles, levels with a
    /// `previous` but no `escalate`, and unknown `default_privilege` /
    /// `config_privilege`. Empty for a consistent driver.
    pub(crate) fn privilege_problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut seen = HashSet::new();
        for (i, level) in self.privilege_levels.iter().enumerate() {
            let key = |field: &str| format!("privilege_levels[{i}].{field}");
            if level.name.is_empty() {
                problems.push((key("name"), "must not be empty".to_owned()));
            }
            if !seen.insert(level.name.as_str()) {
                problems.push((key("name"), format!("duplicate level \"{}\"", level.name)));
            }
            match level.previous.as_deref() {
                Some(previous) if self.privilege_level(previous).is_none() => {
                    problems.push((key("previous"), format!("unknown level \"{previous}\"")));
                }
                Some(previous) if previous == level.name => {
                    problems.push((key("previous"), "a level cannot follow itself".to_owned()));
                }
                Some(_) => {
                    if level.escalate.is_none() {
                        problems.push((
                            key("escalate"),
                            "required when `previous` is set".to_owned(),
                        ));
                    }
                    if self.in_cycle(level) {
                        problems.push((key("previous"), "the levels form a cycle".to_owned()));
                    }
                }
                None => {
                    if level.escalate.is_some() || level.deescalate.is_some() {
                        problems.push((
                            key("previous"),
                            "required when `escalate` or `deescalate` is set".to_owned(),
                        ));
                    }
                }
            }
        }
        for (key, value) in [
            ("default_privilege", &self.default_privilege),
            ("config_privilege", &self.config_privilege),
        ] {
            if let Some(name) = value
                && self.privilege_level(name).is_none()
            {
                problems.push((key.to_owned(), format!("unknown level \"{name}\"")));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(
        name: &str,
        previous: Option<&str>,
        up: Option<&str>,
        down: Option<&str>,
    ) -> PrivilegeLevel {
        PrivilegeLevel {
            name: name.into(),
            prompt: Pattern::new(&format!("{name}$")).unwrap(),
            previous: previous.map(Into::into),
            escalate: up.map(Into::into),
            escalate_auth: false,
            escalate_prompt: None,
            deescalate: down.map(Into::into),
        }
    }

    fn tree() -> Driver {
        // a -> b -> c, a -> d, and a separate root e
        Driver {
            name: "t".into(),
            privilege_levels: vec![
                level("a", None, None, None),
                level("b", Some("a"), Some("to-b"), Some("b-up")),
                level("c", Some("b"), Some("to-c"), Some("c-up")),
                level("d", Some("a"), Some("to-d"), Some("d-up")),
                level("e", None, None, None),
            ],
            ..Driver::generic()
        }
    }

    fn commands(steps: &[PrivilegeStep]) -> Vec<String> {
        steps
            .iter()
            .map(|s| match s {
                PrivilegeStep::Escalate { level, command, .. } => format!("+{level}:{command}"),
                PrivilegeStep::Deescalate { level, command } => format!("-{level}:{command}"),
            })
            .collect()
    }

    #[test]
    fn paths_go_up_to_the_common_ancestor_then_down() {
        let d = tree();
        assert!(d.privilege_path("c", "c").unwrap().is_empty());
        assert_eq!(
            commands(&d.privilege_path("a", "c").unwrap()),
            ["+b:to-b", "+c:to-c"]
        );
        assert_eq!(
            commands(&d.privilege_path("c", "a").unwrap()),
            ["-b:c-up", "-a:b-up"]
        );
        assert_eq!(
            commands(&d.privilege_path("c", "d").unwrap()),
            ["-b:c-up", "-a:b-up", "+d:to-d"]
        );
        assert_eq!(commands(&d.privilege_path("b", "c").unwrap()), ["+c:to-c"]);
    }

    #[test]
    fn unknown_and_disconnected_levels_fail() {
        let d = tree();
        match d.privilege_path("a", "zz").unwrap_err() {
            Error::UnknownPrivilegeLevel { driver, level } => {
                assert_eq!((driver.as_str(), level.as_str()), ("t", "zz"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            d.privilege_path("zz", "zz"),
            Err(Error::UnknownPrivilegeLevel { .. })
        ));
        match d.privilege_path("c", "e").unwrap_err() {
            Error::NoPrivilegePath { from, to, .. } => {
                assert_eq!((from.as_str(), to.as_str()), ("c", "e"))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn missing_commands_block_the_path() {
        let mut d = tree();
        d.privilege_levels[2].deescalate = None;
        assert!(matches!(
            d.privilege_path("c", "a"),
            Err(Error::NoPrivilegePath { .. })
        ));
        assert!(d.privilege_path("a", "c").is_ok());
        d.privilege_levels[2].escalate = None;
        assert!(matches!(
            d.privilege_path("a", "c"),
            Err(Error::NoPrivilegePath { .. })
        ));
    }

    #[test]
    fn cycles_do_not_loop() {
        let mut d = tree();
        d.privilege_levels[0].previous = Some("c".into());
        assert!(d.privilege_path("a", "c").is_err());
        assert!(d.current_privilege("c").is_some());
        assert!(!d.privilege_problems().is_empty());
    }

    fn ancestor_names(d: &Driver, name: &str) -> Vec<String> {
        d.ancestors(d.privilege_level(name).unwrap())
            .map(|l| l.name.clone())
            .collect()
    }

    #[test]
    fn ancestors_depth_and_cycles_come_from_one_walk() {
        let d = tree();
        assert_eq!(ancestor_names(&d, "c"), ["b", "a"]);
        assert!(ancestor_names(&d, "a").is_empty());
        let level = |name: &str| d.privilege_level(name).unwrap();
        assert_eq!(d.depth(level("c")), 2);
        assert_eq!(d.depth(level("d")), 1);
        assert!(!d.in_cycle(level("c")));

        // a -> c closes a cycle a -> b -> c -> a: the walk stops after
        // as many steps as there are levels.
        let mut d = tree();
        d.privilege_levels[0].previous = Some("c".into());
        assert_eq!(ancestor_names(&d, "c"), ["b", "a", "c", "b", "a"]);
        let level = |name: &str| d.privilege_level(name).unwrap();
        assert_eq!(d.depth(level("c")), 5);
        assert!(d.in_cycle(level("c")));
        assert!(!d.in_cycle(level("e")));
        match d.privilege_path("c", "b").unwrap_err() {
            Error::NoPrivilegePath { reason, .. } => assert_eq!(reason, "the levels form a cycle"),
            other => panic!("unexpected {other:?}"),
        }

        // An unknown `previous` ends the walk; a path through it names it.
        let mut d = tree();
        d.privilege_levels[1].previous = Some("zz".into());
        assert_eq!(ancestor_names(&d, "c"), ["b"]);
        match d.privilege_path("c", "a").unwrap_err() {
            Error::UnknownPrivilegeLevel { level, .. } => assert_eq!(level, "zz"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn current_privilege_prefers_the_deepest() {
        let mut d = tree();
        // A pattern matching everything at the root, and one at depth 2.
        d.privilege_levels[0].prompt = Pattern::new("").unwrap();
        assert_eq!(d.current_privilege("c").map(|l| l.name.as_str()), Some("c"));
        assert_eq!(d.current_privilege("x").map(|l| l.name.as_str()), Some("a"));
        assert!(Driver::generic().current_privilege("router#").is_none());
    }

    #[test]
    fn problems_are_reported_with_key_paths() {
        let mut d = tree();
        assert!(d.privilege_problems().is_empty());
        d.privilege_levels[1].previous = Some("zz".into());
        d.privilege_levels[3].escalate = None;
        d.privilege_levels[4].deescalate = Some("x".into());
        d.privilege_levels.push(level("a", None, None, None));
        d.default_privilege = Some("nope".into());
        let problems = d.privilege_problems();
        let keys: Vec<&str> = problems.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "privilege_levels[1].previous",
                "privilege_levels[3].escalate",
                "privilege_levels[4].previous",
                "privilege_levels[5].name",
                "default_privilege"
            ],
            "{problems:?}"
        );
        assert_eq!(problems[0].1, "unknown level \"zz\"");
    }
}
