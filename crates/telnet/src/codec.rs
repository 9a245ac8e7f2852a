//! The Telnet wire format as a tokio-util [`Decoder`] and [`Encoder`].
//!
//! The decoder turns the byte stream into [`TelnetEvent`]s and hands data
//! over as soon as it arrives: a device prompt such as `Router#` carries no
//! newline, so waiting for one would stall prompt detection. The encoder
//! turns [`TelnetFrame`]s into bytes, escaping `IAC` and applying the NVT
//! newline rules.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::consts::{CR, DO, DONT, IAC, LF, NUL, SB, SE, WILL, WONT};

/// The default bound on a subnegotiation payload, in bytes.
const DEFAULT_MAX_SUBNEGOTIATION: usize = 4096;

/// A negotiation verb (RFC 854): the byte after `IAC` in `IAC <verb> <option>`.
///
/// `Will`/`Wont` speak about the sender's own side, `Do`/`Dont` about the
/// receiver's side.
///
/// ```
/// use oxscript_telnet::Verb;
///
/// assert_eq!(Verb::from_byte(253), Some(Verb::Do));
/// assert_eq!(Verb::Do.byte(), 253);
/// assert_eq!(Verb::from_byte(1), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `WILL` (251): the sender enables, or offers to enable, an option.
    Will,
    /// `WONT` (252): the sender refuses or disables an option.
    Wont,
    /// `DO` (253): the sender asks the receiver to enable an option.
    Do,
    /// `DONT` (254): the sender asks the receiver to disable an option.
    Dont,
}

impl Verb {
    /// The command byte of this verb.
    pub fn byte(self) -> u8 {
        match self {
            Verb::Will => WILL,
            Verb::Wont => WONT,
            Verb::Do => DO,
            Verb::Dont => DONT,
        }
    }

    /// The verb for a command byte, if it is one of `WILL`, `WONT`, `DO`, `DONT`.
    pub fn from_byte(byte: u8) -> Option<Verb> {
        match byte {
            WILL => Some(Verb::Will),
            WONT => Some(Verb::Wont),
            DO => Some(Verb::Do),
            DONT => Some(Verb::Dont),
            _ => None,
        }
    }

    /// The verb's name as written in the RFCs (`"WILL"`, `"DONT"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Verb::Will => "WILL",
            Verb::Wont => "WONT",
            Verb::Do => "DO",
            Verb::Dont => "DONT",
        }
    }
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the decoder found in the byte stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TelnetEvent {
    /// Plain data, un-escaped (`IAC IAC` became one 0xFF byte) and, unless
    /// binary receive is on, with the NUL of `CR NUL` removed. Never empty.
    Data(Bytes),
    /// `IAC <command>` for any byte that is neither a verb, `SB` nor `IAC`
    /// (GA, NOP, AYT, ..., and unknown bytes as they are).
    Command(u8),
    /// `IAC <verb> <option>`.
    Negotiate {
        /// The verb.
        verb: Verb,
        /// The option code.
        option: u8,
    },
    /// `IAC SB <option> <payload> IAC SE`, payload un-escaped.
    Subnegotiation {
        /// The option code.
        option: u8,
        /// The parameters between the option code and `IAC SE`.
        payload: Bytes,
    },
}

/// Something to send with the encoder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TelnetFrame {
    /// Plain data: 0xFF is escaped as `IAC IAC`, and unless binary send is
    /// on, newlines follow NVT rules (`\n` and `\r\n` become `\r\n`, a bare
    /// `\r` becomes `\r\0`).
    Data(Bytes),
    /// `IAC <verb> <option>`.
    Negotiate {
        /// The verb.
        verb: Verb,
        /// The option code.
        option: u8,
    },
    /// `IAC SB <option> <payload, IAC-escaped> IAC SE`.
    Subnegotiation {
        /// The option code.
        option: u8,
        /// The parameters; 0xFF bytes are escaped by the encoder.
        payload: Bytes,
    },
    /// `IAC <command>`, e.g. [`NOP`](crate::consts::NOP) or
    /// [`AYT`](crate::consts::AYT). Use `Negotiate`/`Subnegotiation` for
    /// verbs and `SB`; `Command(IAC)` would encode a 0xFF data byte.
    Command(u8),
}

/// Where the decoder is between two calls.
#[derive(Debug)]
enum State {
    /// Outside a subnegotiation.
    Data,
    /// Inside `IAC SB <option>`, before `IAC SE`.
    Subnegotiation {
        option: u8,
        payload: BytesMut,
        /// The payload went over the limit: drop everything up to `IAC SE`.
        discarding: bool,
    },
}

/// A tokio-util codec for the Telnet protocol (RFC 854).
///
/// Decoding yields [`TelnetEvent`]s, encoding takes [`TelnetFrame`]s. The
/// codec knows nothing about option state: feed the events to a
/// [`Negotiator`](crate::Negotiator) and, after each event, copy its
/// [`binary_receive`](crate::Negotiator::binary_receive) and
/// [`binary_send`](crate::Negotiator::binary_send) into the codec. A flag
/// change takes effect from the next `decode`/`encode` call.
///
/// Decoding is linear in the bytes received: special bytes are found with
/// `memchr`, plain runs are handed over without copying, and a subnegotiation
/// never holds more than its limit in memory.
///
/// ```
/// use bytes::BytesMut;
/// use oxscript_telnet::{TelnetCodec, TelnetEvent, Verb};
/// use tokio_util::codec::Decoder;
///
/// let mut codec = TelnetCodec::new();
/// let mut buf = BytesMut::from(&b"\xff\xfb\x01Router#"[..]);
/// assert_eq!(
///     codec.decode(&mut buf)?,
///     Some(TelnetEvent::Negotiate { verb: Verb::Will, option: 1 })
/// );
/// assert_eq!(codec.decode(&mut buf)?, Some(TelnetEvent::Data("Router#".into())));
/// assert_eq!(codec.decode(&mut buf)?, None);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct TelnetCodec {
    max_subnegotiation: usize,
    binary_receive: bool,
    binary_send: bool,
    /// The last data byte handed over was a CR at the end of a read: a NUL
    /// starting the next read belongs to it and is dropped.
    cr_pending: bool,
    state: State,
}

impl Default for TelnetCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl TelnetCodec {
    /// A codec in NVT mode (binary off both ways) that accepts
    /// subnegotiations of up to 4096 payload bytes.
    pub fn new() -> Self {
        Self::with_max_subnegotiation(DEFAULT_MAX_SUBNEGOTIATION)
    }

    /// A codec whose subnegotiation payloads may hold up to `limit` bytes
    /// (after un-escaping). Longer ones are dropped whole with a warning and
    /// decoding resumes after their `IAC SE`.
    pub fn with_max_subnegotiation(limit: usize) -> Self {
        TelnetCodec {
            max_subnegotiation: limit,
            binary_receive: false,
            binary_send: false,
            cr_pending: false,
            state: State::Data,
        }
    }

    /// Turns binary receive (RFC 856, the peer's `BINARY` option) on or off.
    /// When on, received data bytes pass untouched except for `IAC IAC`.
    pub fn set_binary_receive(&mut self, on: bool) {
        self.binary_receive = on;
        if on {
            self.cr_pending = false;
        }
    }

    /// Turns binary send (RFC 856, our `BINARY` option) on or off. When on,
    /// sent data is only IAC-escaped, with no newline translation.
    pub fn set_binary_send(&mut self, on: bool) {
        self.binary_send = on;
    }

    /// Consumes subnegotiation bytes from `buf` (in subnegotiation state;
    /// in any other state it does nothing and says [`SubStep::Left`]).
    fn decode_subnegotiation(&mut self, buf: &mut BytesMut) -> SubStep {
        let limit = self.max_subnegotiation;
        let State::Subnegotiation {
            option,
            payload,
            discarding,
        } = &mut self.state
        else {
            return SubStep::Left;
        };
        loop {
            if buf.is_empty() {
                return SubStep::Inside;
            }
            let Some(pos) = memchr::memchr(IAC, buf) else {
                append_bounded(*option, payload, discarding, &buf[..], limit);
                buf.clear();
                return SubStep::Inside;
            };
            append_bounded(*option, payload, discarding, &buf[..pos], limit);
            let Some(&next) = buf.get(pos + 1) else {
                // Keep the lone IAC until the next byte arrives.
                buf.advance(pos);
                return SubStep::Inside;
            };
            match next {
                IAC => {
                    append_bounded(*option, payload, discarding, &[IAC], limit);
                    buf.advance(pos + 2);
                }
                SE => {
                    buf.advance(pos + 2);
                    let option = *option;
                    let payload = std::mem::take(payload).freeze();
                    let discarded = *discarding;
                    self.state = State::Data;
                    if discarded {
                        return SubStep::Left;
                    }
                    return SubStep::Finished(TelnetEvent::Subnegotiation { option, payload });
                }
                other => {
                    // A command inside SB breaks the subnegotiation. Drop it
                    // and let the data state handle `IAC <other>`.
                    tracing::warn!(
                        option = crate::consts::option_name(*option),
                        command = other,
                        "telnet: IAC {} inside subnegotiation, dropping the subnegotiation",
                        crate::consts::command_name(other),
                    );
                    buf.advance(pos);
                    self.state = State::Data;
                    return SubStep::Left;
                }
            }
        }
    }

    /// Takes the maximal run of data at the start of `buf`, which must not
    /// start with an `IAC <command>` sequence. Un-escapes `IAC IAC` and (in
    /// NVT mode) drops the NUL of `CR NUL` by compacting in place, so the run
    /// is a single event and costs one pass.
    fn decode_data(&mut self, buf: &mut BytesMut) -> Option<Bytes> {
        let binary = self.binary_receive;
        let len = buf.len();
        let bytes: &mut [u8] = &mut buf[..];
        let mut read = 0;
        let mut write = 0;
        let mut cr_at_end = false;
        loop {
            let rest = bytes.get(read..).unwrap_or_default();
            let found = if binary {
                memchr::memchr(IAC, rest)
            } else {
                memchr::memchr2(IAC, CR, rest)
            };
            let Some(offset) = found else {
                shift(bytes, read, len, &mut write);
                read = len;
                break;
            };
            let pos = read + offset;
            shift(bytes, read, pos, &mut write);
            read = pos;
            let special = bytes.get(pos).copied();
            let next = bytes.get(pos + 1).copied();
            if special == Some(IAC) {
                if next != Some(IAC) {
                    // A command (or a lone IAC): the run ends here.
                    break;
                }
                put(bytes, &mut write, IAC);
                read = pos + 2;
                continue;
            }
            // A CR in NVT mode.
            put(bytes, &mut write, CR);
            match next {
                Some(NUL) => read = pos + 2,
                Some(_) => read = pos + 1,
                None => {
                    read = pos + 1;
                    cr_at_end = true;
                    break;
                }
            }
        }
        if read == 0 {
            return None;
        }
        self.cr_pending = cr_at_end;
        let mut run = buf.split_to(read);
        run.truncate(write);
        if run.is_empty() {
            None
        } else {
            Some(run.freeze())
        }
    }
}

/// Moves `bytes[from..to]` down to `*write` (a no-op while nothing was
/// removed) and advances `*write`.
fn shift(bytes: &mut [u8], from: usize, to: usize, write: &mut usize) {
    if *write != from {
        bytes.copy_within(from..to, *write);
    }
    *write += to - from;
}

/// Where [`TelnetCodec::decode_subnegotiation`] left the decoder.
#[derive(Debug)]
enum SubStep {
    /// Still inside the subnegotiation: more input is needed.
    Inside,
    /// The subnegotiation ended with this event; back in data state.
    Finished(TelnetEvent),
    /// In data state with nothing to report: not in a subnegotiation,
    /// or one ended discarded (too long) or broken by a command.
    Left,
}

/// Writes one byte at `*write` (always at or before the read position).
fn put(bytes: &mut [u8], write: &mut usize, byte: u8) {
    if let Some(slot) = bytes.get_mut(*write) {
        *slot = byte;
    }
    *write += 1;
}

/// Appends to a subnegotiation payload unless that would exceed `limit`, in
/// which case the payload is freed and the rest of it discarded.
fn append_bounded(
    option: u8,
    payload: &mut BytesMut,
    discarding: &mut bool,
    bytes: &[u8],
    limit: usize,
) {
    if *discarding || bytes.is_empty() {
        return;
    }
    if payload.len() + bytes.len() > limit {
        tracing::warn!(
            option = crate::consts::option_name(option),
            limit,
            "telnet: subnegotiation longer than the limit, discarding it"
        );
        *discarding = true;
        *payload = BytesMut::new();
        return;
    }
    payload.extend_from_slice(bytes);
}

impl Decoder for TelnetCodec {
    type Item = TelnetEvent;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<TelnetEvent>, std::io::Error> {
        loop {
            match self.decode_subnegotiation(buf) {
                SubStep::Inside => return Ok(None),
                SubStep::Finished(event) => return Ok(Some(event)),
                SubStep::Left => {}
            }
            let Some(&first) = buf.first() else {
                return Ok(None);
            };
            if self.cr_pending {
                self.cr_pending = false;
                if first == NUL && !self.binary_receive {
                    buf.advance(1);
                    continue;
                }
            }
            if first == IAC {
                let Some(&command) = buf.get(1) else {
                    return Ok(None);
                };
                if let Some(verb) = Verb::from_byte(command) {
                    let Some(&option) = buf.get(2) else {
                        return Ok(None);
                    };
                    buf.advance(3);
                    return Ok(Some(TelnetEvent::Negotiate { verb, option }));
                }
                if command == SB {
                    let Some(&option) = buf.get(2) else {
                        return Ok(None);
                    };
                    buf.advance(3);
                    self.state = State::Subnegotiation {
                        option,
                        payload: BytesMut::new(),
                        discarding: false,
                    };
                    continue;
                }
                if command != IAC {
                    buf.advance(2);
                    return Ok(Some(TelnetEvent::Command(command)));
                }
                // IAC IAC: a data byte, handled by the data run below.
            }
            return Ok(self.decode_data(buf).map(TelnetEvent::Data));
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<TelnetEvent>, std::io::Error> {
        if let Some(event) = self.decode(buf)? {
            return Ok(Some(event));
        }
        if !buf.is_empty() || matches!(self.state, State::Subnegotiation { .. }) {
            tracing::debug!(
                bytes = buf.len(),
                "telnet: connection closed inside a command sequence, dropping it"
            );
            buf.clear();
            self.state = State::Data;
        }
        Ok(None)
    }
}

impl Encoder<TelnetFrame> for TelnetCodec {
    type Error = std::io::Error;

    fn encode(&mut self, frame: TelnetFrame, dst: &mut BytesMut) -> Result<(), std::io::Error> {
        match frame {
            TelnetFrame::Data(data) => {
                if self.binary_send {
                    escape_iac(&data, dst);
                } else {
                    encode_nvt(&data, dst);
                }
            }
            TelnetFrame::Negotiate { verb, option } => {
                dst.extend_from_slice(&[IAC, verb.byte(), option]);
            }
            TelnetFrame::Subnegotiation { option, payload } => {
                dst.reserve(payload.len() + 5);
                dst.extend_from_slice(&[IAC, SB, option]);
                escape_iac(&payload, dst);
                dst.extend_from_slice(&[IAC, SE]);
            }
            TelnetFrame::Command(command) => {
                dst.extend_from_slice(&[IAC, command]);
            }
        }
        Ok(())
    }
}

/// Appends `data` with every 0xFF doubled.
fn escape_iac(data: &[u8], dst: &mut BytesMut) {
    dst.reserve(data.len());
    let mut rest = data;
    while let Some(pos) = memchr::memchr(IAC, rest) {
        let (head, tail) = rest.split_at(pos + 1);
        dst.extend_from_slice(head);
        dst.put_u8(IAC);
        rest = tail;
    }
    dst.extend_from_slice(rest);
}

/// Appends `data` with 0xFF doubled and NVT newlines: `\n` and `\r\n` become
/// `\r\n`, a bare `\r` becomes `\r\0`.
fn encode_nvt(data: &[u8], dst: &mut BytesMut) {
    dst.reserve(data.len());
    let mut rest = data;
    while let Some(pos) = memchr::memchr3(IAC, CR, LF, rest) {
        let (head, tail) = rest.split_at(pos);
        dst.extend_from_slice(head);
        match tail {
            [IAC, more @ ..] => {
                dst.extend_from_slice(&[IAC, IAC]);
                rest = more;
            }
            [CR, LF, more @ ..] => {
                dst.extend_from_slice(&[CR, LF]);
                rest = more;
            }
            [CR, more @ ..] => {
                dst.extend_from_slice(&[CR, NUL]);
                rest = more;
            }
            [_, more @ ..] => {
                // LF without a CR before it.
                dst.extend_from_slice(&[CR, LF]);
                rest = more;
            }
            [] => {
                rest = tail;
            }
        }
    }
    dst.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::{AYT, BINARY, ECHO, GA, NAWS, NOP, TTYPE};

    fn data(bytes: &[u8]) -> TelnetEvent {
        TelnetEvent::Data(Bytes::copy_from_slice(bytes))
    }

    fn negotiate(verb: Verb, option: u8) -> TelnetEvent {
        TelnetEvent::Negotiate { verb, option }
    }

    fn subneg(option: u8, payload: &[u8]) -> TelnetEvent {
        TelnetEvent::Subnegotiation {
            option,
            payload: Bytes::copy_from_slice(payload),
        }
    }

    /// Feeds `chunks` one after the other, decoding everything available
    /// after each, then signals EOF. Adjacent Data events are concatenated.
    fn run(codec: &mut TelnetCodec, chunks: &[&[u8]]) -> Vec<TelnetEvent> {
        let mut buf = BytesMut::new();
        let mut events = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(event) = codec.decode(&mut buf).unwrap() {
                events.push(event);
            }
        }
        while let Some(event) = codec.decode_eof(&mut buf).unwrap() {
            events.push(event);
        }
        assert!(buf.is_empty(), "decode_eof left {buf:?}");
        normalise(events)
    }

    fn normalise(events: Vec<TelnetEvent>) -> Vec<TelnetEvent> {
        let mut out: Vec<TelnetEvent> = Vec::new();
        for event in events {
            if let TelnetEvent::Data(d) = &event {
                assert!(!d.is_empty(), "empty Data event");
                if let Some(TelnetEvent::Data(prev)) = out.last_mut() {
                    let mut joined = BytesMut::from(&prev[..]);
                    joined.extend_from_slice(d);
                    *prev = joined.freeze();
                    continue;
                }
            }
            out.push(event);
        }
        out
    }

    /// Decodes `input` whole, split in two at every position, and one byte
    /// at a time, each with a fresh codec from `make`, and compares with
    /// `expected`.
    fn check_with(make: impl Fn() -> TelnetCodec, input: &[u8], expected: &[TelnetEvent]) {
        assert_eq!(run(&mut make(), &[input]), expected, "whole input");
        for split in 0..=input.len() {
            let (a, b) = input.split_at(split);
            assert_eq!(run(&mut make(), &[a, b]), expected, "split at {split}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(run(&mut make(), &bytes), expected, "byte by byte");
    }

    fn check(input: &[u8], expected: &[TelnetEvent]) {
        check_with(TelnetCodec::new, input, expected);
    }

    #[test]
    fn plain_data() {
        check(b"Router#", &[data(b"Router#")]);
        check(b"Username: ", &[data(b"Username: ")]);
    }

    #[test]
    fn plain_data_is_one_event_per_read() {
        let mut codec = TelnetCodec::new();
        let mut buf = BytesMut::from(&b"Password: "[..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(data(b"Password: ")));
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        assert!(buf.is_empty());
    }

    #[test]
    fn empty_buffer_gives_none() {
        let mut codec = TelnetCodec::new();
        let mut buf = BytesMut::new();
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
    }

    #[test]
    fn iac_iac_is_one_data_byte_inside_one_event() {
        check(b"ab\xff\xffcd", &[data(b"ab\xffcd")]);
        check(b"\xff\xff", &[data(b"\xff")]);
        check(b"\xff\xff\xff\xff\xff\xff", &[data(b"\xff\xff\xff")]);
        let mut codec = TelnetCodec::new();
        let mut buf = BytesMut::from(&b"ab\xff\xffcd\xff\xffe"[..]);
        assert_eq!(
            codec.decode(&mut buf).unwrap(),
            Some(data(b"ab\xffcd\xffe"))
        );
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
    }

    #[test]
    fn each_negotiation_verb() {
        for (byte, verb) in [
            (WILL, Verb::Will),
            (WONT, Verb::Wont),
            (DO, Verb::Do),
            (DONT, Verb::Dont),
        ] {
            check(
                &[b'a', IAC, byte, ECHO, b'b'],
                &[data(b"a"), negotiate(verb, ECHO), data(b"b")],
            );
            check(&[IAC, byte, IAC], &[negotiate(verb, IAC)]);
        }
        check(
            b"\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f\xff\xfd\x18",
            &[
                negotiate(Verb::Will, ECHO),
                negotiate(Verb::Will, 3),
                negotiate(Verb::Do, NAWS),
                negotiate(Verb::Do, TTYPE),
            ],
        );
    }

    #[test]
    fn commands() {
        check(
            b"x\xff\xf9y\xff\xf1\xff\xf6",
            &[
                data(b"x"),
                TelnetEvent::Command(GA),
                data(b"y"),
                TelnetEvent::Command(NOP),
                TelnetEvent::Command(AYT),
            ],
        );
        // A stray SE outside a subnegotiation is just a command.
        check(b"\xff\xf0z", &[TelnetEvent::Command(SE), data(b"z")]);
    }

    #[test]
    fn unknown_command_byte() {
        check(
            b"a\xff\x10b",
            &[data(b"a"), TelnetEvent::Command(0x10), data(b"b")],
        );
    }

    #[test]
    fn subnegotiation_with_escaped_iac() {
        check(b"\xff\xfa\x18\x01\xff\xf0", &[subneg(TTYPE, &[1])]);
        check(
            b"a\xff\xfa\x1f\x00\xff\xff\x00\x18\xff\xf0b",
            &[data(b"a"), subneg(NAWS, &[0, 255, 0, 24]), data(b"b")],
        );
        check(b"\xff\xfa\x18\xff\xf0", &[subneg(TTYPE, &[])]);
        // CR NUL inside a subnegotiation is payload, not NVT data.
        check(
            b"\xff\xfa\x18\x00\r\x00\xff\xf0",
            &[subneg(TTYPE, b"\0\r\0")],
        );
    }

    #[test]
    fn oversized_subnegotiation_is_discarded_then_data_resumes() {
        let make = || TelnetCodec::with_max_subnegotiation(4);
        let mut input = b"a\xff\xfa\x18".to_vec();
        input.extend_from_slice(b"0123456789\xff\xff\xff\xffxyz");
        input.extend_from_slice(b"\xff\xf0b\xff\xfa\x18\x01\x02\xff\xff\x04\xff\xf0c");
        // The discarded SB emits nothing, so "a" and "b" become adjacent.
        check_with(
            make,
            &input,
            &[data(b"ab"), subneg(TTYPE, &[1, 2, 255, 4]), data(b"c")],
        );
        // Exactly at the limit is fine, one over is not.
        check_with(make, b"\xff\xfa\x05abcd\xff\xf0", &[subneg(5, b"abcd")]);
        check_with(make, b"\xff\xfa\x05abcde\xff\xf0!", &[data(b"!")]);
        // The limit counts un-escaped bytes: IAC IAC is one.
        check_with(
            make,
            b"\xff\xfa\x05abc\xff\xff\xff\xf0!",
            &[subneg(5, b"abc\xff"), data(b"!")],
        );
        check_with(make, b"\xff\xfa\x05abcd\xff\xff\xff\xf0!", &[data(b"!")]);
    }

    #[test]
    fn oversized_subnegotiation_does_not_grow_memory() {
        let mut codec = TelnetCodec::with_max_subnegotiation(16);
        let mut buf = BytesMut::from(&b"\xff\xfa\x18"[..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        for _ in 0..1000 {
            buf.extend_from_slice(&[b'x'; 1000]);
            assert_eq!(codec.decode(&mut buf).unwrap(), None);
            assert!(buf.is_empty());
            match &codec.state {
                State::Subnegotiation {
                    payload,
                    discarding,
                    ..
                } => {
                    assert!(*discarding);
                    assert!(payload.capacity() <= 16);
                }
                State::Data => panic!("left the subnegotiation early"),
            }
        }
        buf.extend_from_slice(b"\xff\xf0ok");
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(data(b"ok")));
    }

    #[test]
    fn command_inside_subnegotiation_drops_it_and_resynchronises() {
        check(
            b"\xff\xfa\x18\x01\xff\xfb\x01ok",
            &[negotiate(Verb::Will, ECHO), data(b"ok")],
        );
    }

    #[test]
    fn cr_nul_becomes_cr() {
        check(b"a\r\0b", &[data(b"a\rb")]);
        check(b"\r\0\r\0", &[data(b"\r\r")]);
        check(b"a\r\0", &[data(b"a\r")]);
    }

    #[test]
    fn cr_lf_passes_through() {
        check(b"line\r\nnext", &[data(b"line\r\nnext")]);
        check(b"\r\n\r\n", &[data(b"\r\n\r\n")]);
        // A CR followed by something else (a protocol slip) is kept.
        check(b"a\rb", &[data(b"a\rb")]);
        // A bare LF is kept.
        check(b"a\nb", &[data(b"a\nb")]);
    }

    #[test]
    fn cr_at_end_of_read_is_delivered_at_once_and_next_nul_dropped() {
        let mut codec = TelnetCodec::new();
        let mut buf = BytesMut::from(&b"Password:\r"[..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(data(b"Password:\r")));
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        // An empty read in between keeps the flag.
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        buf.extend_from_slice(b"\0x");
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(data(b"x")));
        // Only the NUL right after the CR is dropped.
        buf.extend_from_slice(b"\0y");
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(data(b"\0y")));
        // A NUL alone in the next read.
        buf.extend_from_slice(b"z\r");
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(data(b"z\r")));
        buf.extend_from_slice(b"\0");
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        assert!(buf.is_empty());
    }

    #[test]
    fn cr_at_end_then_command_clears_the_flag() {
        check(
            b"a\r\xff\xf1\0",
            &[data(b"a\r"), TelnetEvent::Command(NOP), data(b"\0")],
        );
    }

    #[test]
    fn binary_receive_passes_bytes_untouched() {
        let make = || {
            let mut codec = TelnetCodec::new();
            codec.set_binary_receive(true);
            codec
        };
        check_with(
            make,
            b"a\r\0b\r\n\0\xff\xffc",
            &[data(b"a\r\0b\r\n\0\xffc")],
        );
        check_with(
            make,
            b"\r\xff\xfd\x00\0",
            &[data(b"\r"), negotiate(Verb::Do, BINARY), data(b"\0")],
        );
    }

    #[test]
    fn decode_eof_drops_a_partial_iac_sequence() {
        check(b"abc\xff", &[data(b"abc")]);
        check(b"abc\xff\xfb", &[data(b"abc")]);
        check(b"abc\xff\xfa", &[data(b"abc")]);
        check(b"abc\xff\xfa\x18\x01\x02", &[data(b"abc")]);
        check(b"abc\xff\xfa\x18\x01\xff", &[data(b"abc")]);
        let mut codec = TelnetCodec::new();
        let mut buf = BytesMut::from(&b"\xff\xfb"[..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        assert_eq!(buf.len(), 2);
        assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
        assert!(buf.is_empty());
    }

    #[test]
    fn a_mixed_session_opening() {
        let mut input = Vec::new();
        input.extend_from_slice(b"\xff\xfb\x01\xff\xfb\x03\xff\xfd\x18\xff\xfd\x1f");
        input.extend_from_slice(b"\r\n\r\nUser Access Verification\r\n\r\nUsername: ");
        input.extend_from_slice(b"\xff\xfa\x18\x01\xff\xf0");
        input.extend_from_slice(b"\xff\xff\r\0\xff\xf9");
        check(
            &input,
            &[
                negotiate(Verb::Will, ECHO),
                negotiate(Verb::Will, 3),
                negotiate(Verb::Do, TTYPE),
                negotiate(Verb::Do, NAWS),
                data(b"\r\n\r\nUser Access Verification\r\n\r\nUsername: "),
                subneg(TTYPE, &[1]),
                data(b"\xff\r"),
                TelnetEvent::Command(GA),
            ],
        );
    }

    #[test]
    fn eight_megabytes_of_plain_data_decode_into_few_events() {
        let line = b"interface GigabitEthernet0/1 is up, line protocol is up\r\n";
        let mut input = Vec::with_capacity(8 << 20);
        while input.len() + line.len() <= 8 << 20 {
            input.extend_from_slice(line);
        }
        // All at once: one event, same bytes.
        let mut codec = TelnetCodec::new();
        let mut buf = BytesMut::from(&input[..]);
        let event = codec.decode(&mut buf).unwrap();
        assert_eq!(event, Some(TelnetEvent::Data(Bytes::from(input.clone()))));
        assert_eq!(codec.decode(&mut buf).unwrap(), None);

        // In 64 KiB reads: one event per read.
        let mut codec = TelnetCodec::new();
        let mut buf = BytesMut::new();
        let mut events = 0;
        let mut total = 0;
        for chunk in input.chunks(64 << 10) {
            buf.extend_from_slice(chunk);
            while let Some(TelnetEvent::Data(d)) = codec.decode(&mut buf).unwrap() {
                events += 1;
                total += d.len();
            }
        }
        assert_eq!(total, input.len());
        assert_eq!(events, input.len().div_ceil(64 << 10));
    }

    fn encode(codec: &mut TelnetCodec, frame: TelnetFrame) -> Vec<u8> {
        let mut dst = BytesMut::new();
        codec.encode(frame, &mut dst).unwrap();
        dst.to_vec()
    }

    fn data_frame(bytes: &[u8]) -> TelnetFrame {
        TelnetFrame::Data(Bytes::copy_from_slice(bytes))
    }

    #[test]
    fn encoder_escapes_iac_in_data() {
        let mut codec = TelnetCodec::new();
        assert_eq!(encode(&mut codec, data_frame(b"a\xffb")), b"a\xff\xffb");
        assert_eq!(
            encode(&mut codec, data_frame(b"\xff\xff")),
            b"\xff\xff\xff\xff"
        );
        assert_eq!(encode(&mut codec, data_frame(b"")), b"");
    }

    #[test]
    fn encoder_nvt_newlines() {
        let mut codec = TelnetCodec::new();
        assert_eq!(
            encode(&mut codec, data_frame(b"show ver\n")),
            b"show ver\r\n"
        );
        assert_eq!(
            encode(&mut codec, data_frame(b"show ver\r\n")),
            b"show ver\r\n"
        );
        assert_eq!(encode(&mut codec, data_frame(b"enable\r")), b"enable\r\0");
        assert_eq!(encode(&mut codec, data_frame(b"\r\r\n\n")), b"\r\0\r\n\r\n");
        assert_eq!(encode(&mut codec, data_frame(b"a\rb")), b"a\r\0b");
        assert_eq!(encode(&mut codec, data_frame(b"\n\n")), b"\r\n\r\n");
        assert_eq!(encode(&mut codec, data_frame(b"\xff\r\n")), b"\xff\xff\r\n");
    }

    #[test]
    fn encoder_binary_only_escapes_iac() {
        let mut codec = TelnetCodec::new();
        codec.set_binary_send(true);
        assert_eq!(
            encode(&mut codec, data_frame(b"a\r\n\r\n\xff\0")),
            b"a\r\n\r\n\xff\xff\0"
        );
        codec.set_binary_send(false);
        assert_eq!(encode(&mut codec, data_frame(b"\n")), b"\r\n");
    }

    #[test]
    fn encoder_negotiation_commands_and_subnegotiation() {
        let mut codec = TelnetCodec::new();
        assert_eq!(
            encode(
                &mut codec,
                TelnetFrame::Negotiate {
                    verb: Verb::Dont,
                    option: ECHO
                }
            ),
            [IAC, DONT, ECHO]
        );
        assert_eq!(encode(&mut codec, TelnetFrame::Command(NOP)), [IAC, NOP]);
        assert_eq!(
            encode(
                &mut codec,
                TelnetFrame::Subnegotiation {
                    option: NAWS,
                    payload: Bytes::from_static(&[0, 255, 0, 24])
                }
            ),
            [IAC, SB, NAWS, 0, 255, 255, 0, 24, IAC, SE]
        );
        // SB payloads are never newline-translated.
        assert_eq!(
            encode(
                &mut codec,
                TelnetFrame::Subnegotiation {
                    option: TTYPE,
                    payload: Bytes::from_static(b"\0\r\n")
                }
            ),
            [IAC, SB, TTYPE, 0, CR, LF, IAC, SE]
        );
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let frames = [
            data_frame(b"hello\xff world"),
            TelnetFrame::Negotiate {
                verb: Verb::Will,
                option: NAWS,
            },
            TelnetFrame::Subnegotiation {
                option: NAWS,
                payload: Bytes::from_static(&[255, 255, 255, 255]),
            },
            TelnetFrame::Command(GA),
            data_frame(b"line\r\n"),
        ];
        let mut codec = TelnetCodec::new();
        let mut wire = BytesMut::new();
        for frame in frames {
            codec.encode(frame, &mut wire).unwrap();
        }
        let events = run(&mut TelnetCodec::new(), &[&wire]);
        assert_eq!(
            events,
            [
                data(b"hello\xff world"),
                negotiate(Verb::Will, NAWS),
                subneg(NAWS, &[255, 255, 255, 255]),
                TelnetEvent::Command(GA),
                data(b"line\r\n"),
            ]
        );
    }
}
