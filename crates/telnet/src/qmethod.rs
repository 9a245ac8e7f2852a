//! The RFC 1143 "Q method" option table, free of I/O.
//!
//! Each option has a state on each side: ours ("us", what we `WILL`/`WONT`)
//! and the peer's ("him", what we ask with `DO`/`DONT`). The Q method adds
//! the "want" states and a one-deep queue of the opposite request, so a
//! party never answers a request that does not change the state and two
//! peers can never loop sending the same negotiation back and forth.

use crate::codec::{TelnetFrame, Verb};
use crate::consts::option_name;

/// Which side of the connection an option is enabled on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Our side ("us" in RFC 1143): we send `WILL`/`WONT`, the peer `DO`/`DONT`.
    Local,
    /// The peer's side ("him" in RFC 1143): the peer sends `WILL`/`WONT`,
    /// we send `DO`/`DONT`.
    Remote,
}

impl Side {
    /// The side a received verb speaks about (RFC 1143 section 7):
    /// `WILL`/`WONT` about the peer's, `DO`/`DONT` about ours.
    pub(crate) fn of(verb: Verb) -> Side {
        match verb {
            Verb::Will | Verb::Wont => Side::Remote,
            Verb::Do | Verb::Dont => Side::Local,
        }
    }

    fn index(self) -> usize {
        match self {
            Side::Local => 0,
            Side::Remote => 1,
        }
    }

    /// The verb asking for (or agreeing to) the option on this side.
    fn enable_verb(self) -> Verb {
        match self {
            Side::Local => Verb::Will,
            Side::Remote => Verb::Do,
        }
    }

    /// The verb refusing (or disabling) the option on this side.
    fn disable_verb(self) -> Verb {
        match self {
            Side::Local => Verb::Wont,
            Side::Remote => Verb::Dont,
        }
    }
}

/// The state of one option on one side (RFC 1143 section 7). The queue bit
/// is folded in: `WantNoOpposite` is "WANTNO, queue OPPOSITE".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QState {
    /// Disabled.
    No,
    /// Enabled.
    Yes,
    /// We asked to disable and wait for the answer.
    WantNo,
    /// We asked to disable, and want it enabled again once answered.
    WantNoOpposite,
    /// We asked to enable and wait for the answer.
    WantYes,
    /// We asked to enable, and want it disabled again once answered.
    WantYesOpposite,
}

/// The negotiation state of every option on both sides, plus the policy of
/// which options may be enabled on each side.
///
/// Every method returns the frame to send, if any; the table never does I/O.
/// Options start disabled and not allowed, so a fresh table refuses
/// everything (`DONT`/`WONT`).
///
/// ```
/// use oxscript_telnet::{OptionTable, QState, Side, TelnetFrame, Verb};
/// use oxscript_telnet::consts::{ECHO, LINEMODE};
///
/// let mut table = OptionTable::new();
/// table.allow(Side::Remote, ECHO, true);
///
/// // The server offers to echo: we agree, once.
/// assert_eq!(
///     table.receive(Verb::Will, ECHO),
///     Some(TelnetFrame::Negotiate { verb: Verb::Do, option: ECHO })
/// );
/// assert!(table.is_enabled(Side::Remote, ECHO));
/// assert_eq!(table.receive(Verb::Will, ECHO), None);
///
/// // Options we did not allow are refused.
/// assert_eq!(
///     table.receive(Verb::Do, LINEMODE),
///     Some(TelnetFrame::Negotiate { verb: Verb::Wont, option: LINEMODE })
/// );
/// assert_eq!(table.state(Side::Local, LINEMODE), QState::No);
/// ```
#[derive(Clone)]
pub struct OptionTable {
    states: [[QState; 256]; 2],
    allowed: [[bool; 256]; 2],
}

impl Default for OptionTable {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for OptionTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Only the interesting entries: 512 states would drown a log line.
        let mut map = f.debug_map();
        for side in [Side::Local, Side::Remote] {
            for option in 0..=u8::MAX {
                let state = self.state(side, option);
                let allowed = self.allowed[side.index()][usize::from(option)];
                if state != QState::No || allowed {
                    map.entry(
                        &format_args!("{side:?} {}({option})", option_name(option)),
                        &format_args!("{state:?}{}", if allowed { " allowed" } else { "" }),
                    );
                }
            }
        }
        map.finish()
    }
}

impl OptionTable {
    /// A table with every option disabled and not allowed on both sides.
    pub fn new() -> Self {
        OptionTable {
            states: [[QState::No; 256]; 2],
            allowed: [[false; 256]; 2],
        }
    }

    /// Sets whether `option` may be enabled on `side`: when the peer asks
    /// for a disallowed option we refuse, and [`request_enable`] of a
    /// disallowed option does nothing. Changing the policy does not change
    /// the current state; use [`request_disable`] for that.
    ///
    /// [`request_enable`]: OptionTable::request_enable
    /// [`request_disable`]: OptionTable::request_disable
    pub fn allow(&mut self, side: Side, option: u8, allowed: bool) {
        self.allowed[side.index()][usize::from(option)] = allowed;
    }

    /// Whether `option` may be enabled on `side` (see [`allow`](OptionTable::allow)).
    pub fn is_allowed(&self, side: Side, option: u8) -> bool {
        self.allowed[side.index()][usize::from(option)]
    }

    /// The Q method state of `option` on `side`.
    pub fn state(&self, side: Side, option: u8) -> QState {
        self.states[side.index()][usize::from(option)]
    }

    /// Whether `option` is enabled on `side` (state [`QState::Yes`]; an
    /// option we are still negotiating counts as disabled).
    pub fn is_enabled(&self, side: Side, option: u8) -> bool {
        self.state(side, option) == QState::Yes
    }

    fn set(&mut self, side: Side, option: u8, state: QState) {
        self.states[side.index()][usize::from(option)] = state;
    }

    /// We want `option` enabled on `side` (RFC 1143 "we want him / us to
    /// enable"). Returns the `DO`/`WILL` to send, or `None` when nothing has
    /// to be sent: already enabled, already asked, the wish was queued behind
    /// a pending disable, or the option is not [allowed](OptionTable::allow).
    pub fn request_enable(&mut self, side: Side, option: u8) -> Option<TelnetFrame> {
        let (next, send) = match self.state(side, option) {
            QState::No if !self.is_allowed(side, option) => {
                tracing::debug!(
                    ?side,
                    option = option_name(option),
                    "telnet: not requesting an option the policy does not allow"
                );
                (QState::No, false)
            }
            QState::No => (QState::WantYes, true),
            QState::WantNo => (QState::WantNoOpposite, false),
            QState::WantYesOpposite => (QState::WantYes, false),
            state @ (QState::Yes | QState::WantNoOpposite | QState::WantYes) => (state, false),
        };
        self.set(side, option, next);
        send.then(|| negotiate(side.enable_verb(), option))
    }

    /// We want `option` disabled on `side` (RFC 1143 "we want him / us to
    /// disable"). Returns the `DONT`/`WONT` to send, or `None` when nothing
    /// has to be sent: already disabled, already asked, or the wish was
    /// queued behind a pending enable.
    pub fn request_disable(&mut self, side: Side, option: u8) -> Option<TelnetFrame> {
        let (next, send) = match self.state(side, option) {
            QState::Yes => (QState::WantNo, true),
            QState::WantNoOpposite => (QState::WantNo, false),
            QState::WantYes => (QState::WantYesOpposite, false),
            state @ (QState::No | QState::WantNo | QState::WantYesOpposite) => (state, false),
        };
        self.set(side, option, next);
        send.then(|| negotiate(side.disable_verb(), option))
    }

    /// Applies a negotiation received from the peer (RFC 1143 section 7:
    /// `WILL`/`WONT` speak about his side, `DO`/`DONT` about ours) and
    /// returns the reply to send, if any.
    ///
    /// A request for an option not [allowed](OptionTable::allow) is refused;
    /// a request that does not change the state is not answered.
    pub fn receive(&mut self, verb: Verb, option: u8) -> Option<TelnetFrame> {
        let side = Side::of(verb);
        let wants_enabled = matches!(verb, Verb::Will | Verb::Do);
        let state = self.state(side, option);
        // `reply`: Some(true) sends the enabling verb, Some(false) the
        // disabling one.
        let (next, reply) = if wants_enabled {
            match state {
                QState::No if self.is_allowed(side, option) => (QState::Yes, Some(true)),
                QState::No => (QState::No, Some(false)),
                QState::Yes => (QState::Yes, None),
                QState::WantNo => {
                    answered_wrongly(verb, option);
                    (QState::No, None)
                }
                QState::WantNoOpposite => {
                    answered_wrongly(verb, option);
                    (QState::Yes, None)
                }
                QState::WantYes => (QState::Yes, None),
                QState::WantYesOpposite => (QState::WantNo, Some(false)),
            }
        } else {
            match state {
                QState::No => (QState::No, None),
                QState::Yes => (QState::No, Some(false)),
                QState::WantNo => (QState::No, None),
                QState::WantNoOpposite => (QState::WantYes, Some(true)),
                QState::WantYes => (QState::No, None),
                QState::WantYesOpposite => (QState::No, None),
            }
        };
        tracing::trace!(
            %verb,
            option = option_name(option),
            ?side,
            from = ?state,
            to = ?next,
            "telnet: negotiation received"
        );
        self.set(side, option, next);
        reply.map(|enable| {
            let verb = if enable {
                side.enable_verb()
            } else {
                side.disable_verb()
            };
            negotiate(verb, option)
        })
    }

    /// Sets a state directly, for tests of the transition table.
    #[cfg(test)]
    pub(crate) fn force_state(&mut self, side: Side, option: u8, state: QState) {
        self.set(side, option, state);
    }
}

fn negotiate(verb: Verb, option: u8) -> TelnetFrame {
    TelnetFrame::Negotiate { verb, option }
}

/// RFC 1143: a `DONT` (`WONT`) must be answered by `WONT` (`DONT`); a peer
/// that answers with `WILL` (`DO`) is in error. We follow the RFC's recovery.
fn answered_wrongly(verb: Verb, option: u8) {
    tracing::debug!(
        %verb,
        option = option_name(option),
        "telnet: peer answered our disable request by enabling"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::{ECHO, NAWS, SGA, TTYPE};
    use QState::*;

    const OPT: u8 = ECHO;

    #[test]
    fn verbs_speak_about_the_side_rfc_1143_says() {
        assert_eq!(Side::of(Verb::Will), Side::Remote);
        assert_eq!(Side::of(Verb::Wont), Side::Remote);
        assert_eq!(Side::of(Verb::Do), Side::Local);
        assert_eq!(Side::of(Verb::Dont), Side::Local);
        // The peer's answer to what we send about a side speaks about
        // that same side.
        for side in [Side::Local, Side::Remote] {
            let answer = |v: Verb| match v {
                Verb::Will => Verb::Do,
                Verb::Do => Verb::Will,
                Verb::Wont => Verb::Dont,
                Verb::Dont => Verb::Wont,
            };
            assert_eq!(Side::of(answer(side.enable_verb())), side);
            assert_eq!(Side::of(answer(side.disable_verb())), side);
        }
    }

    fn frame(verb: Verb) -> Option<TelnetFrame> {
        Some(TelnetFrame::Negotiate { verb, option: OPT })
    }

    /// RFC 1143 section 7, receive rules, for the peer's side ("him").
    /// (state before, verb received, allowed, state after, reply)
    fn remote_receive_table() -> Vec<(QState, Verb, bool, QState, Option<Verb>)> {
        use Verb::*;
        vec![
            (No, Will, true, Yes, Some(Do)),
            (No, Will, false, No, Some(Dont)),
            (Yes, Will, true, Yes, None),
            (Yes, Will, false, Yes, None),
            (WantNo, Will, true, No, None),
            (WantNoOpposite, Will, true, Yes, None),
            (WantYes, Will, true, Yes, None),
            (WantYes, Will, false, Yes, None),
            (WantYesOpposite, Will, true, WantNo, Some(Dont)),
            (No, Wont, true, No, None),
            (Yes, Wont, true, No, Some(Dont)),
            (WantNo, Wont, true, No, None),
            (WantNoOpposite, Wont, true, WantYes, Some(Do)),
            (WantYes, Wont, true, No, None),
            (WantYesOpposite, Wont, true, No, None),
        ]
    }

    /// The same rules mirrored for our side ("us"): DO/DONT received,
    /// WILL/WONT sent.
    fn mirror(verb: Verb) -> Verb {
        match verb {
            Verb::Will => Verb::Do,
            Verb::Wont => Verb::Dont,
            Verb::Do => Verb::Will,
            Verb::Dont => Verb::Wont,
        }
    }

    #[test]
    fn receive_rules_for_both_sides() {
        for (before, verb, allowed, after, reply) in remote_receive_table() {
            // Remote side: as written.
            let mut table = OptionTable::new();
            table.allow(Side::Remote, OPT, allowed);
            table.force_state(Side::Remote, OPT, before);
            let got = table.receive(verb, OPT);
            assert_eq!(got, reply.and_then(frame), "remote {before:?} + {verb}");
            assert_eq!(
                table.state(Side::Remote, OPT),
                after,
                "remote {before:?} + {verb}"
            );
            assert_eq!(table.state(Side::Local, OPT), No, "other side untouched");

            // Local side: verbs mirrored.
            let mut table = OptionTable::new();
            table.allow(Side::Local, OPT, allowed);
            table.force_state(Side::Local, OPT, before);
            let got = table.receive(mirror(verb), OPT);
            assert_eq!(
                got,
                reply.map(mirror).and_then(frame),
                "local {before:?} + {}",
                mirror(verb)
            );
            assert_eq!(table.state(Side::Local, OPT), after, "local {before:?}");
            assert_eq!(table.state(Side::Remote, OPT), No, "other side untouched");
        }
    }

    #[test]
    fn request_rules_for_both_sides() {
        // (state before, enable?, state after, sends?)
        let table_rows = [
            (No, true, WantYes, true),
            (Yes, true, Yes, false),
            (WantNo, true, WantNoOpposite, false),
            (WantNoOpposite, true, WantNoOpposite, false),
            (WantYes, true, WantYes, false),
            (WantYesOpposite, true, WantYes, false),
            (No, false, No, false),
            (Yes, false, WantNo, true),
            (WantNo, false, WantNo, false),
            (WantNoOpposite, false, WantNo, false),
            (WantYes, false, WantYesOpposite, false),
            (WantYesOpposite, false, WantYesOpposite, false),
        ];
        for side in [Side::Local, Side::Remote] {
            for (before, enable, after, sends) in table_rows {
                let mut table = OptionTable::new();
                table.allow(side, OPT, true);
                table.force_state(side, OPT, before);
                let got = if enable {
                    table.request_enable(side, OPT)
                } else {
                    table.request_disable(side, OPT)
                };
                let verb = match (side, enable) {
                    (Side::Local, true) => Verb::Will,
                    (Side::Local, false) => Verb::Wont,
                    (Side::Remote, true) => Verb::Do,
                    (Side::Remote, false) => Verb::Dont,
                };
                let expected = if sends { frame(verb) } else { None };
                assert_eq!(got, expected, "{side:?} {before:?} enable={enable}");
                assert_eq!(
                    table.state(side, OPT),
                    after,
                    "{side:?} {before:?} enable={enable}"
                );
            }
        }
    }

    #[test]
    fn disallowed_options_are_refused_and_not_requested() {
        let mut table = OptionTable::new();
        assert_eq!(
            table.receive(Verb::Will, 200),
            Some(TelnetFrame::Negotiate {
                verb: Verb::Dont,
                option: 200
            })
        );
        assert_eq!(
            table.receive(Verb::Do, 200),
            Some(TelnetFrame::Negotiate {
                verb: Verb::Wont,
                option: 200
            })
        );
        assert_eq!(table.state(Side::Remote, 200), No);
        assert_eq!(table.state(Side::Local, 200), No);
        // The peer's answer to our refusal (WONT/DONT) is not answered again.
        assert_eq!(table.receive(Verb::Wont, 200), None);
        assert_eq!(table.receive(Verb::Dont, 200), None);
        // We do not ask for what we would refuse.
        assert_eq!(table.request_enable(Side::Local, 200), None);
        assert_eq!(table.request_enable(Side::Remote, 200), None);
        assert_eq!(table.state(Side::Local, 200), No);
    }

    #[test]
    fn redundant_requests_get_no_reply() {
        let mut table = OptionTable::new();
        table.allow(Side::Remote, SGA, true);
        table.allow(Side::Local, NAWS, true);
        assert!(table.receive(Verb::Will, SGA).is_some());
        assert!(table.receive(Verb::Do, NAWS).is_some());
        for _ in 0..3 {
            assert_eq!(table.receive(Verb::Will, SGA), None);
            assert_eq!(table.receive(Verb::Do, NAWS), None);
            assert_eq!(table.receive(Verb::Wont, TTYPE), None);
            assert_eq!(table.receive(Verb::Dont, TTYPE), None);
        }
        assert!(table.is_enabled(Side::Remote, SGA));
        assert!(table.is_enabled(Side::Local, NAWS));
        // Disabling is always accepted, once.
        assert_eq!(
            table.receive(Verb::Dont, NAWS),
            Some(TelnetFrame::Negotiate {
                verb: Verb::Wont,
                option: NAWS
            })
        );
        assert_eq!(table.receive(Verb::Dont, NAWS), None);
        assert!(!table.is_enabled(Side::Local, NAWS));
    }

    #[test]
    fn policy_change_keeps_the_current_state() {
        let mut table = OptionTable::new();
        table.allow(Side::Remote, ECHO, true);
        table.receive(Verb::Will, ECHO);
        table.allow(Side::Remote, ECHO, false);
        assert!(table.is_enabled(Side::Remote, ECHO));
        assert!(!table.is_allowed(Side::Remote, ECHO));
    }

    #[test]
    fn debug_lists_only_interesting_entries() {
        let mut table = OptionTable::new();
        table.allow(Side::Remote, ECHO, true);
        table.receive(Verb::Will, ECHO);
        let text = format!("{table:?}");
        assert!(text.contains("Remote ECHO(1)"), "{text}");
        assert!(text.contains("Yes allowed"), "{text}");
        assert!(!text.contains("NAWS"), "{text}");
    }

    /// Two tables exchanging frames until nothing is in flight.
    struct Pair {
        a: OptionTable,
        b: OptionTable,
        to_a: std::collections::VecDeque<TelnetFrame>,
        to_b: std::collections::VecDeque<TelnetFrame>,
        delivered: usize,
    }

    impl Pair {
        fn new(a: OptionTable, b: OptionTable) -> Self {
            Pair {
                a,
                b,
                to_a: Default::default(),
                to_b: Default::default(),
                delivered: 0,
            }
        }

        /// Delivers one frame, alternating direction by `prefer_a`.
        fn step(&mut self, prefer_a: bool) -> bool {
            let (queue, table, back) =
                if (prefer_a && !self.to_a.is_empty()) || self.to_b.is_empty() {
                    (&mut self.to_a, &mut self.a, &mut self.to_b)
                } else {
                    (&mut self.to_b, &mut self.b, &mut self.to_a)
                };
            let Some(TelnetFrame::Negotiate { verb, option }) = queue.pop_front() else {
                return false;
            };
            self.delivered += 1;
            if let Some(reply) = table.receive(verb, option) {
                back.push_back(reply);
            }
            true
        }

        fn run_until_quiet(&mut self, mut prefer_a: impl FnMut() -> bool) {
            while self.step(prefer_a()) {
                assert!(self.delivered < 1000, "negotiation loop");
            }
        }

        /// Every option ends settled and both peers agree on it.
        fn assert_settled(&self) {
            for option in 0..=u8::MAX {
                for (ours, theirs) in [
                    (
                        self.a.state(Side::Local, option),
                        self.b.state(Side::Remote, option),
                    ),
                    (
                        self.a.state(Side::Remote, option),
                        self.b.state(Side::Local, option),
                    ),
                ] {
                    assert!(matches!(ours, Yes | No), "option {option}: {ours:?}");
                    assert_eq!(ours, theirs, "option {option} disagrees");
                }
            }
        }
    }

    #[test]
    fn client_and_server_tables_converge() {
        let mut client = OptionTable::new();
        for option in [ECHO, SGA] {
            client.allow(Side::Remote, option, true);
        }
        for option in [NAWS, TTYPE, SGA] {
            client.allow(Side::Local, option, true);
        }
        let mut server = OptionTable::new();
        server.allow(Side::Local, ECHO, true);
        server.allow(Side::Local, SGA, true);
        server.allow(Side::Local, 5, true);
        for option in [NAWS, TTYPE, SGA, 33, 34] {
            server.allow(Side::Remote, option, true);
        }
        let mut pair = Pair::new(client, server);
        // The server opens: everything it wants, in one burst.
        for (side, option) in [
            (Side::Local, ECHO),
            (Side::Local, SGA),
            (Side::Local, 5),
            (Side::Remote, NAWS),
            (Side::Remote, TTYPE),
            (Side::Remote, SGA),
            (Side::Remote, 33),
            (Side::Remote, 34),
        ] {
            let frame = pair.b.request_enable(side, option).unwrap();
            pair.to_a.push_back(frame);
        }
        // Meanwhile the client asks for SGA on the server's side too.
        let frame = pair.a.request_enable(Side::Remote, SGA).unwrap();
        pair.to_b.push_back(frame);
        pair.run_until_quiet(|| true);
        pair.assert_settled();
        assert!(pair.a.is_enabled(Side::Remote, ECHO));
        assert!(pair.a.is_enabled(Side::Remote, SGA));
        assert!(!pair.a.is_enabled(Side::Remote, 5));
        assert!(pair.a.is_enabled(Side::Local, NAWS));
        assert!(pair.a.is_enabled(Side::Local, TTYPE));
        assert!(pair.a.is_enabled(Side::Local, SGA));
        assert!(!pair.a.is_enabled(Side::Local, 33));
        assert!(!pair.a.is_enabled(Side::Local, 34));
        // 9 requests and 7 answers: the two crossing requests for the
        // server's SGA answer each other, so neither is answered again.
        assert_eq!(pair.delivered, 16);
    }

    #[test]
    fn queued_opposite_request_is_carried_out() {
        let mut a = OptionTable::new();
        let mut b = OptionTable::new();
        a.allow(Side::Remote, ECHO, true);
        b.allow(Side::Local, ECHO, true);
        let mut pair = Pair::new(a, b);
        // Ask for ECHO, then change our mind before the answer.
        let frame = pair.a.request_enable(Side::Remote, ECHO).unwrap();
        pair.to_b.push_back(frame);
        assert_eq!(pair.a.request_disable(Side::Remote, ECHO), None);
        assert_eq!(pair.a.state(Side::Remote, ECHO), WantYesOpposite);
        pair.run_until_quiet(|| false);
        pair.assert_settled();
        assert_eq!(pair.a.state(Side::Remote, ECHO), No);

        // And the other way: disable, then re-enable before the answer.
        let frame = pair.a.request_enable(Side::Remote, ECHO).unwrap();
        pair.to_b.push_back(frame);
        pair.run_until_quiet(|| false);
        assert!(pair.a.is_enabled(Side::Remote, ECHO));
        let frame = pair.a.request_disable(Side::Remote, ECHO).unwrap();
        pair.to_b.push_back(frame);
        assert_eq!(pair.a.request_enable(Side::Remote, ECHO), None);
        assert_eq!(pair.a.state(Side::Remote, ECHO), WantNoOpposite);
        pair.run_until_quiet(|| false);
        pair.assert_settled();
        assert!(pair.a.is_enabled(Side::Remote, ECHO));
        assert!(pair.b.is_enabled(Side::Local, ECHO));
    }

    /// A small deterministic generator (xorshift) for the random exchange.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn random_request_storms_always_settle_and_agree() {
        let options = [0u8, 1, 3, 24, 31];
        for seed in 1..200u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut a = OptionTable::new();
            let mut b = OptionTable::new();
            for &option in &options {
                for side in [Side::Local, Side::Remote] {
                    a.allow(side, option, rng.below(4) != 0);
                    b.allow(side, option, rng.below(4) != 0);
                }
            }
            let mut pair = Pair::new(a, b);
            for _ in 0..40 {
                let option = options[rng.below(options.len() as u64) as usize];
                let side = if rng.below(2) == 0 {
                    Side::Local
                } else {
                    Side::Remote
                };
                let on_a = rng.below(2) == 0;
                let enable = rng.below(2) == 0;
                let (table, out) = if on_a {
                    (&mut pair.a, &mut pair.to_b)
                } else {
                    (&mut pair.b, &mut pair.to_a)
                };
                let frame = if enable {
                    table.request_enable(side, option)
                } else {
                    table.request_disable(side, option)
                };
                out.extend(frame);
                // Deliver a few frames in between, in a random order of
                // directions, so requests cross on the wire.
                for _ in 0..rng.below(3) {
                    let prefer_a = rng.below(2) == 0;
                    pair.step(prefer_a);
                }
            }
            pair.run_until_quiet(|| rng.below(2) == 0);
            pair.assert_settled();
        }
    }
}
