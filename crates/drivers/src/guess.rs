//! [`OsGuesser`]: passive OS detection from banners and responses.

use std::sync::Arc;

use crate::{Driver, GuessStage, Pattern, Registry};

/// How much of the data received before authentication is kept (the most
/// recent part).
const HEAD_LIMIT: usize = 16 * 1024;

/// How far before newly received head data a search starts, so that a
/// rule still matches text split across chunks. A head rule's match must
/// fit in the new data plus this many bytes before it.
const LOOKBEHIND: usize = 1024;

/// After authentication, stop looking once a guess is this sure.
const SURE: u8 = 80;

/// The result of OS guessing: a driver name and how sure the guess is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guess {
    /// The name of the guessed driver.
    pub driver: String,
    /// How sure the guess is, 1–100.
    pub confidence: u8,
}

#[derive(Clone, Debug)]
struct Rule {
    driver: Arc<str>,
    pattern: Pattern,
    confidence: u8,
}

/// The OS-guessing rules of some drivers, by stage, in driver order (each
/// driver's rules in its order), without rules of confidence 0. A
/// [`Registry`] builds them once and shares them with its guessers.
#[derive(Debug, Default)]
pub(crate) struct GuessRules {
    protocol: Vec<Rule>,
    head: Vec<Rule>,
    response: Vec<Rule>,
}

impl GuessRules {
    /// The rules of `drivers`, tried in that order.
    pub(crate) fn new<'a>(drivers: impl IntoIterator<Item = &'a Arc<Driver>>) -> Self {
        let mut rules = GuessRules::default();
        for driver in drivers {
            let name: Arc<str> = Arc::from(driver.name.as_str());
            for rule in driver.os_guess.iter().filter(|rule| rule.confidence > 0) {
                let list = match rule.stage {
                    GuessStage::Protocol => &mut rules.protocol,
                    GuessStage::Head => &mut rules.head,
                    GuessStage::Response => &mut rules.response,
                };
                list.push(Rule {
                    driver: Arc::clone(&name),
                    pattern: rule.pattern.clone(),
                    confidence: rule.confidence,
                });
            }
        }
        rules
    }
}

/// Watches what a connection receives and guesses which driver fits, with
/// the semantics of Exscript's `OsGuesser`:
///
/// - [`protocol_info`](OsGuesser::protocol_info) runs the
///   [`GuessStage::Protocol`] rules (SSH server version and banner);
/// - before authentication, [`data_received`](OsGuesser::data_received)
///   collects a head (the last 16 KiB) and runs the
///   [`GuessStage::Head`] and [`GuessStage::Response`] rules over it;
/// - after authentication it runs the Response rules over each new chunk
///   alone, and stops once a guess has a confidence of 80 or more.
///
/// A guess is only replaced by a strictly more confident one, so on a tie
/// the first rule wins (rules are tried stage by stage, drivers in the
/// order given, each driver's rules in its order). Every matching rule
/// counts, not only a driver's first.
///
/// New head data is searched together with the 1 KiB before it, never the
/// whole head again, so the cost is linear in what is received and a rule
/// spanning chunks is still found (if its match is shorter than 1 KiB).
///
/// ```
/// use oxscript_drivers::{OsGuesser, builtin};
///
/// let mut guesser = OsGuesser::from_registry(builtin());
/// assert_eq!(guesser.best_driver(), "generic");
/// guesser.data_received(b"\r\n\r\nUser Access Verification\r\n\r\nUsername: ", false);
/// assert_eq!(guesser.best_driver(), "ios");
/// assert_eq!(guesser.guess().unwrap().confidence, 60);
/// ```
#[derive(Clone, Debug)]
pub struct OsGuesser {
    rules: Arc<GuessRules>,
    best: Option<Guess>,
    head_buffer: Vec<u8>,
}

impl OsGuesser {
    /// A guesser over the rules of `drivers`, tried in that order.
    pub fn new(drivers: Vec<Arc<Driver>>) -> Self {
        OsGuesser::with_rules(Arc::new(GuessRules::new(&drivers)))
    }

    /// A guesser over every driver of `registry`, in registration order.
    /// The registry builds its rule lists once; each guesser shares them.
    pub fn from_registry(registry: &Registry) -> Self {
        OsGuesser::with_rules(registry.guess_rules())
    }

    fn with_rules(rules: Arc<GuessRules>) -> Self {
        OsGuesser {
            rules,
            best: None,
            head_buffer: Vec::new(),
        }
    }

    /// Feeds protocol-level information: the SSH server version string
    /// (e.g. `SSH-2.0-Cisco-1.25`) or the SSH banner.
    pub fn protocol_info(&mut self, text: &str) {
        apply(&mut self.best, &self.rules.protocol, text.as_bytes(), 0);
    }

    /// Feeds data received from the device, as received (invalid UTF-8
    /// included); `authenticated` tells whether app-level authentication
    /// has completed.
    pub fn data_received(&mut self, data: &[u8], authenticated: bool) {
        if authenticated {
            if self.best.as_ref().is_some_and(|g| g.confidence >= SURE) {
                return;
            }
            apply(&mut self.best, &self.rules.response, data, 0);
            return;
        }
        if data.is_empty() {
            return;
        }
        let start = self.head_buffer.len().saturating_sub(LOOKBEHIND);
        self.head_buffer.extend_from_slice(data);
        apply(&mut self.best, &self.rules.head, &self.head_buffer, start);
        apply(
            &mut self.best,
            &self.rules.response,
            &self.head_buffer,
            start,
        );
        let excess = self.head_buffer.len().saturating_sub(HEAD_LIMIT);
        if excess > 0 {
            self.head_buffer.drain(..excess);
            // A huge chunk must not leave a huge allocation behind.
            if self.head_buffer.capacity() > 4 * HEAD_LIMIT {
                self.head_buffer.shrink_to(2 * HEAD_LIMIT);
            }
        }
    }

    /// The current guess, or `None` while no rule has matched.
    pub fn guess(&self) -> Option<Guess> {
        self.best.clone()
    }

    /// The name of the guessed driver, or `"generic"` without a guess.
    pub fn best_driver(&self) -> &str {
        self.best.as_ref().map_or("generic", |g| g.driver.as_str())
    }

    /// Forgets the guess and the collected head (the rules stay).
    pub fn reset(&mut self) {
        self.best = None;
        self.head_buffer.clear();
    }
}

/// Runs `rules` over `haystack` from `start`, raising `best` when a rule
/// more confident than the current guess matches.
fn apply(best: &mut Option<Guess>, rules: &[Rule], haystack: &[u8], start: usize) {
    for rule in rules {
        let current = best.as_ref().map_or(0, |g| g.confidence);
        // A rule that cannot raise the confidence need not be searched.
        if rule.confidence <= current {
            continue;
        }
        if rule.pattern.find_at(haystack, start).is_some() {
            *best = Some(Guess {
                driver: rule.driver.to_string(),
                confidence: rule.confidence,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GuessRule, builtin};

    fn guesser() -> OsGuesser {
        OsGuesser::from_registry(builtin())
    }

    fn guess(driver: &str, confidence: u8) -> Option<Guess> {
        Some(Guess {
            driver: driver.into(),
            confidence,
        })
    }

    fn custom(name: &str, rules: &[(GuessStage, &str, u8)]) -> Arc<Driver> {
        Arc::new(Driver {
            name: name.into(),
            os_guess: rules
                .iter()
                .map(|&(stage, source, confidence)| GuessRule {
                    stage,
                    pattern: Pattern::new(source).unwrap(),
                    confidence,
                })
                .collect(),
            ..Driver::generic()
        })
    }

    #[test]
    fn nothing_known_is_generic() {
        let g = guesser();
        assert_eq!(g.guess(), None);
        assert_eq!(g.best_driver(), "generic");
    }

    #[test]
    fn ios_head() {
        let mut g = guesser();
        g.data_received(b"\r\n\r\nUser Access Verification\r\n\r\n", false);
        assert_eq!(g.guess(), guess("ios", 60));
        g.data_received(b"Username: ", false);
        assert_eq!(g.guess(), guess("ios", 60), "30 does not lower 60");
    }

    #[test]
    fn ios_username_alone_is_30() {
        let mut g = guesser();
        g.data_received(b"\r\nUsername: ", false);
        assert_eq!(g.guess(), guess("ios", 30));
    }

    #[test]
    fn ios_ssh_version() {
        let mut g = guesser();
        g.protocol_info("SSH-2.0-Cisco-1.25");
        assert_eq!(g.guess(), guess("ios", 80));
        assert_eq!(g.best_driver(), "ios");
    }

    #[test]
    fn openssh_then_linux_banner_is_shell() {
        let mut g = guesser();
        g.protocol_info("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
        assert_eq!(g.guess(), guess("shell", 40));
        g.data_received(b"Linux web1 6.1.0-18-amd64 #1 SMP x86_64\r\n", false);
        assert_eq!(g.guess(), guess("shell", 70));
    }

    #[test]
    fn telnet_linux_login() {
        let mut g = guesser();
        g.data_received(b"Ubuntu 22.04.4 LTS\r\n", false);
        g.data_received(b"web1 login: ", false);
        assert_eq!(g.guess(), guess("shell", 70));
        let mut g = guesser();
        g.data_received(b"\r\nweb1 login: ", false);
        assert_eq!(g.guess(), guess("shell", 20));
    }

    #[test]
    fn response_rules_see_the_head_before_authentication() {
        let mut g = guesser();
        g.data_received(b"Cisco IOS XE Software, Version 17.09.04a\r\n", false);
        assert_eq!(g.guess(), guess("ios", 90));
    }

    #[test]
    fn a_match_split_across_chunks_is_found() {
        let mut g = guesser();
        g.data_received(b"\r\nUser Access Ver", false);
        assert_eq!(g.guess(), None);
        g.data_received(b"ification\r\n", false);
        assert_eq!(g.guess(), guess("ios", 60));
    }

    #[test]
    fn after_authentication_only_new_data_and_until_sure() {
        let mut g = guesser();
        g.data_received(b"Cisco IOS Soft", true);
        g.data_received(b"ware", true);
        assert_eq!(g.guess(), None, "response chunks are not joined");
        g.data_received(b"Linux web1 5.10.0 x86_64 GNU/Linux\r\n", true);
        assert_eq!(g.guess(), guess("shell", 80));
        // Sure enough: stop looking, even at a more confident match.
        g.data_received(b"Cisco IOS Software, C2960 Software\r\n", true);
        assert_eq!(g.guess(), guess("shell", 80));
        // Head rules do not run after authentication.
        let mut g = guesser();
        g.data_received(b"User Access Verification", true);
        assert_eq!(g.guess(), None);
    }

    #[test]
    fn below_80_keeps_looking_after_authentication() {
        let mut g = guesser();
        g.protocol_info("SSH-2.0-OpenSSH_8.0");
        g.data_received(b"Cisco IOS Software, Version 15.2(4)E10\r\n", true);
        assert_eq!(g.guess(), guess("ios", 90));
    }

    #[test]
    fn ties_keep_the_first_and_higher_replaces() {
        let a = custom("a", &[(GuessStage::Head, "banner", 50)]);
        let b = custom(
            "b",
            &[
                (GuessStage::Head, "banner", 50),
                (GuessStage::Head, "special", 60),
            ],
        );
        let mut g = OsGuesser::new(vec![a.clone(), b.clone()]);
        g.data_received(b"banner\r\n", false);
        assert_eq!(g.guess(), guess("a", 50));
        g.data_received(b"special\r\n", false);
        assert_eq!(g.guess(), guess("b", 60));

        // Across chunks too: the earlier match stays on a tie.
        let mut g = OsGuesser::new(vec![b, a]);
        g.data_received(b"banner\r\n", false);
        assert_eq!(g.guess(), guess("b", 50));
    }

    #[test]
    fn guessers_of_a_registry_share_its_rules_until_it_changes() {
        let mut r = Registry::builtin();
        let a = OsGuesser::from_registry(&r);
        let b = OsGuesser::from_registry(&r);
        assert!(Arc::ptr_eq(&a.rules, &b.rules), "built once per registry");
        r.register((*custom("acme", &[(GuessStage::Head, "ACME EdgeOS", 95)])).clone());
        let mut c = OsGuesser::from_registry(&r);
        assert!(!Arc::ptr_eq(&a.rules, &c.rules), "register rebuilds them");
        c.data_received(b"ACME EdgeOS 4.2\r\n", false);
        assert_eq!(c.guess(), guess("acme", 95));
        // A guesser made before keeps the rules it was made with.
        let mut a = a;
        a.data_received(b"ACME EdgeOS 4.2\r\n", false);
        assert_eq!(a.guess(), None);
        // A clone of the registry shares nothing that register changes.
        let copy = r.clone();
        r.register(Driver::generic());
        assert!(Arc::ptr_eq(
            &OsGuesser::from_registry(&copy).rules,
            &c.rules
        ));
    }

    #[test]
    fn bytes_that_are_no_utf8_are_searched_as_received() {
        let mut g = guesser();
        g.data_received(b"\xff\r\nUser Access Verification\r\n\xc3", false);
        assert_eq!(g.guess(), guess("ios", 60));
    }

    #[test]
    fn zero_confidence_never_guesses() {
        let z = custom(
            "z",
            &[(GuessStage::Protocol, "x", 0), (GuessStage::Head, "x", 0)],
        );
        let mut g = OsGuesser::new(vec![z]);
        g.protocol_info("x");
        g.data_received(b"x", false);
        assert_eq!(g.guess(), None);
    }

    #[test]
    fn reset_forgets() {
        let mut g = guesser();
        g.data_received(b"\r\nUser Access Ver", false);
        g.protocol_info("SSH-2.0-Cisco-1.25");
        assert!(g.guess().is_some());
        g.reset();
        assert_eq!(g.guess(), None);
        assert!(g.head_buffer.is_empty());
        g.data_received(b"ification", false);
        assert_eq!(g.guess(), None, "the head was forgotten");
    }

    #[test]
    fn head_stays_bounded_over_a_megabyte() {
        let mut g = guesser();
        let chunk = format!("{}\r\n", "x".repeat(1022));
        for _ in 0..1024 {
            g.data_received(chunk.as_bytes(), false);
            assert!(g.head_buffer.len() <= HEAD_LIMIT);
        }
        assert_eq!(g.head_buffer.len(), HEAD_LIMIT);
        assert!(
            g.head_buffer.capacity() <= 4 * HEAD_LIMIT,
            "{}",
            g.head_buffer.capacity()
        );
        assert_eq!(g.guess(), None);
        // The end of a long head is still searched.
        g.data_received(b"User Access Verification\r\n", false);
        assert_eq!(g.guess(), guess("ios", 60));
    }

    #[test]
    fn one_huge_chunk_is_searched_whole_then_trimmed() {
        let mut g = guesser();
        let mut data = "User Access Verification\r\n".to_string();
        data.push_str(&"y".repeat(100_000));
        g.data_received(data.as_bytes(), false);
        assert_eq!(g.guess(), guess("ios", 60));
        assert_eq!(g.head_buffer.len(), HEAD_LIMIT);
        assert!(g.head_buffer.capacity() <= 4 * HEAD_LIMIT);
    }
}
