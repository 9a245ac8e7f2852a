//! [`Registry`]: drivers looked up by name or alias.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::guess::GuessRules;
use crate::{Driver, Error};

/// A set of drivers, found by name or alias, case-insensitively.
///
/// Drivers are kept in registration order (which is also the order the
/// [`OsGuesser`](crate::OsGuesser) tries their rules in); registering a
/// driver under a name already present replaces it in place. A name always
/// wins over another driver's alias; between two aliases the later
/// registration wins.
///
/// ```
/// use oxscript_drivers::{Driver, Registry};
///
/// let mut registry = Registry::builtin();
/// assert_eq!(registry.get("Cisco_IOS").unwrap().name, "ios");
///
/// registry.register(Driver { name: "acme".into(), aliases: vec!["acme-os".into()], ..Driver::generic() });
/// assert_eq!(registry.get("ACME-OS").unwrap().name, "acme");
/// assert!(registry.names().contains(&"acme".to_owned()));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Registry {
    drivers: Vec<Arc<Driver>>,
    /// Lower-cased names and aliases to indexes into `drivers`.
    index: HashMap<String, usize>,
    /// The OS-guessing rules of `drivers`, built on first use and
    /// dropped when a driver is registered.
    guess_rules: OnceLock<Arc<GuessRules>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// A new registry holding every built-in driver, `generic`, `shell`
    /// and `ios` first (so they win OS-guessing ties). Use [`builtin()`]
    /// for a shared one.
    pub fn builtin() -> Registry {
        let mut registry = Registry::new();
        for driver in crate::catalog::all() {
            registry.register(driver);
        }
        registry
    }

    /// Adds `driver`, replacing a driver of the same name (compared
    /// case-insensitively).
    pub fn register(&mut self, driver: Driver) {
        let key = driver.name.to_lowercase();
        let driver = Arc::new(driver);
        match self
            .drivers
            .iter()
            .position(|d| d.name.to_lowercase() == key)
        {
            Some(at) => {
                if let Some(slot) = self.drivers.get_mut(at) {
                    *slot = driver;
                }
            }
            None => self.drivers.push(driver),
        }
        self.guess_rules = OnceLock::new();
        self.reindex();
    }

    fn reindex(&mut self) {
        self.index.clear();
        for (at, driver) in self.drivers.iter().enumerate() {
            for alias in &driver.aliases {
                self.index.insert(alias.to_lowercase(), at);
            }
        }
        for (at, driver) in self.drivers.iter().enumerate() {
            self.index.insert(driver.name.to_lowercase(), at);
        }
    }

    /// The driver registered under `name` or with `name` as an alias,
    /// ignoring case. As in Exscript, `unknown` (what
    /// [`OsGuesser`](crate::OsGuesser)-based code reports without a guess)
    /// finds `generic` unless a driver claims that name itself.
    pub fn get(&self, name: &str) -> Option<Arc<Driver>> {
        // Names are looked up in lower case; most are asked for so.
        let key: std::borrow::Cow<'_, str> = if name
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
        {
            name.into()
        } else {
            name.to_lowercase().into()
        };
        let at = match self.index.get(key.as_ref()) {
            Some(&at) => Some(at),
            None if key == "unknown" => self.index.get("generic").copied(),
            None => None,
        };
        at.and_then(|at| self.drivers.get(at)).cloned()
    }

    /// Like [`get`](Registry::get), with an error naming what was asked.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownDriver`] when no driver has that name or alias.
    pub fn require(&self, name: &str) -> Result<Arc<Driver>, Error> {
        self.get(name).ok_or_else(|| Error::UnknownDriver {
            name: name.to_owned(),
        })
    }

    /// The names of the registered drivers (not their aliases), sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.drivers.iter().map(|d| d.name.clone()).collect();
        names.sort();
        names
    }

    /// The registered drivers in registration order.
    pub fn drivers(&self) -> impl Iterator<Item = &Arc<Driver>> {
        self.drivers.iter()
    }

    /// The OS-guessing rules of the registered drivers, shared by every
    /// [`OsGuesser`](crate::OsGuesser) made from this registry.
    pub(crate) fn guess_rules(&self) -> Arc<GuessRules> {
        Arc::clone(
            self.guess_rules
                .get_or_init(|| Arc::new(GuessRules::new(&self.drivers))),
        )
    }

    /// How many drivers are registered.
    pub fn len(&self) -> usize {
        self.drivers.len()
    }

    /// Whether no driver is registered.
    pub fn is_empty(&self) -> bool {
        self.drivers.is_empty()
    }
}

/// The process-wide registry of built-in drivers, built on first use.
///
/// ```
/// let ios = oxscript_drivers::builtin().get("ios_xe").unwrap();
/// assert_eq!(ios.name, "ios");
/// ```
pub fn builtin() -> &'static Registry {
    static BUILTIN: OnceLock<Registry> = OnceLock::new();
    BUILTIN.get_or_init(Registry::builtin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_names_and_aliases() {
        let r = Registry::builtin();
        assert_eq!(r.len(), 38);
        // Every built-in name, sorted.
        assert_eq!(
            r.names(),
            [
                "ace",
                "adtran",
                "aironet",
                "aix",
                "arbor_peakflow",
                "aruba",
                "bigip",
                "brocade",
                "cienasaos",
                "cisco_asa",
                "enterasys",
                "enterasys_wc",
                "eos",
                "ericsson_ban",
                "fortios",
                "generic",
                "hp_pro_curve",
                "icotera",
                "ios",
                "ios_xr",
                "isam",
                "junos",
                "junos_erx",
                "mikrotik_routeros",
                "mrv",
                "nokia_srl",
                "nxos",
                "one_os",
                "paloalto_panos",
                "rios",
                "shell",
                "smart_edge_os",
                "sp_vxoa",
                "sros",
                "vrp",
                "vxworks",
                "zte",
                "zyxel",
            ]
        );
        for (name, expected) in [
            ("generic", "generic"),
            ("GENERIC", "generic"),
            ("unknown", "generic"),
            ("shell", "shell"),
            ("Linux", "shell"),
            ("unix", "shell"),
            ("BASH", "shell"),
            ("ios", "ios"),
            ("IOS", "ios"),
            ("cisco_ios", "ios"),
            ("Cisco_XE", "ios"),
            ("ios_xe", "ios"),
            ("cisco_iosxe", "ios"),
            ("cisco_nxos", "nxos"),
            ("cisco_iosxr", "ios_xr"),
            ("cisco_xr", "ios_xr"),
            ("juniper_junos", "junos"),
            ("juniper", "junos"),
            ("arista_eos", "eos"),
            ("huawei", "vrp"),
            ("huawei_vrp", "vrp"),
            ("nokia_sros", "sros"),
            ("alcatel_sros", "sros"),
            ("cisco_asa", "cisco_asa"),
            ("paloalto_panos", "paloalto_panos"),
            ("mikrotik_routeros", "mikrotik_routeros"),
            ("fortinet", "fortios"),
            ("hp_procurve", "hp_pro_curve"),
            ("brocade_fastiron", "brocade"),
            ("ciena_saos", "cienasaos"),
            ("f5_tmsh", "bigip"),
            ("f5_linux", "bigip"),
            ("aruba_os", "aruba"),
            ("zte_zxros", "zte"),
            ("zyxel_os", "zyxel"),
            ("nokia_srl", "nokia_srl"),
            ("cisco_wlc", "aironet"),
            ("enterasys", "enterasys"),
            ("huawei_smartax", "vxworks"),
            ("oneaccess_oneos", "one_os"),
            ("silverpeak_vxoa", "sp_vxoa"),
        ] {
            assert_eq!(
                r.get(name).map(|d| d.name.clone()).as_deref(),
                Some(expected),
                "{name}"
            );
        }
        assert!(r.get("acme").is_none());
        assert!(r.get("").is_none());
        match r.require("acme").unwrap_err() {
            Error::UnknownDriver { name } => assert_eq!(name, "acme"),
            other => panic!("unexpected {other:?}"),
        }
        let order: Vec<&str> = r.drivers().map(|d| d.name.as_str()).take(3).collect();
        assert_eq!(order, ["generic", "shell", "ios"]);
    }

    #[test]
    fn register_replaces_in_place_and_reindexes_aliases() {
        let mut r = Registry::builtin();
        r.register(Driver {
            name: "Shell".into(),
            aliases: vec!["posix".into()],
            description: "mine".into(),
            ..Driver::shell()
        });
        assert_eq!(r.len(), 38);
        assert_eq!(r.get("shell").unwrap().description, "mine");
        assert_eq!(r.get("posix").unwrap().description, "mine");
        assert!(r.get("linux").is_none(), "old aliases are dropped");
        let order: Vec<&str> = r.drivers().map(|d| d.name.as_str()).take(3).collect();
        assert_eq!(order, ["generic", "Shell", "ios"]);
    }

    #[test]
    fn names_win_over_aliases() {
        let mut r = Registry::new();
        assert!(r.is_empty());
        r.register(Driver {
            name: "a".into(),
            aliases: vec!["b".into()],
            ..Driver::generic()
        });
        assert_eq!(r.get("b").unwrap().name, "a");
        r.register(Driver {
            name: "b".into(),
            aliases: vec![],
            ..Driver::generic()
        });
        assert_eq!(r.get("b").unwrap().name, "b");
        assert_eq!(r.get("a").unwrap().name, "a");
    }

    #[test]
    fn unknown_is_generic_unless_claimed() {
        let mut r = Registry::builtin();
        assert_eq!(r.get("Unknown").unwrap().name, "generic");
        assert!(Registry::new().get("unknown").is_none());
        r.register(Driver {
            name: "mine".into(),
            aliases: vec!["unknown".into()],
            ..Driver::generic()
        });
        assert_eq!(r.get("unknown").unwrap().name, "mine");
    }

    #[test]
    fn shared_builtin_is_one_instance() {
        let a = builtin().get("ios").unwrap();
        let b = builtin().get("cisco_ios").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }
}
