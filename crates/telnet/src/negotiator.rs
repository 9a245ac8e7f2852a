//! Option policy for a Telnet client or server on top of the Q method table,
//! with the terminal type (RFC 1091) and window size (RFC 1073)
//! subnegotiations. Free of I/O: events in, frames to send out.

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::{TelnetEvent, TelnetFrame, Verb};
use crate::consts::{BINARY, ECHO, NAWS, SGA, TTYPE, option_name};
use crate::qmethod::{OptionTable, Side};

/// TTYPE subnegotiation command: "here is my terminal type" (RFC 1091).
const TTYPE_IS: u8 = 0;
/// TTYPE subnegotiation command: "send me your terminal type" (RFC 1091).
const TTYPE_SEND: u8 = 1;

/// What a Telnet client tells the server about its terminal.
///
/// ```
/// use oxscript_telnet::ClientOptions;
///
/// let opts = ClientOptions { columns: 132, ..ClientOptions::default() };
/// assert_eq!(opts.terminal_type, "VT100");
/// assert_eq!((opts.columns, opts.rows), (132, 24));
/// ```
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Sent when the server asks for the terminal type (default `"VT100"`).
    pub terminal_type: String,
    /// Window width sent with NAWS (default 200, wide enough that devices do
    /// not wrap long command lines).
    pub columns: u16,
    /// Window height sent with NAWS (default 24).
    pub rows: u16,
    /// Accept 8-bit binary transmission (RFC 856) in both directions when
    /// the server proposes it (default `false`).
    pub binary: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            terminal_type: "VT100".to_owned(),
            columns: 200,
            rows: 24,
            binary: false,
        }
    }
}

/// What a Telnet server (such as an emulated device) negotiates when a
/// client connects.
///
/// ```
/// use oxscript_telnet::ServerOptions;
///
/// let opts = ServerOptions { echo: false, ..ServerOptions::default() };
/// assert!(opts.suppress_go_ahead && opts.request_window_size);
/// ```
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Offer `WILL ECHO`: the server echoes what the client types, as
    /// network devices do (default `true`).
    pub echo: bool,
    /// Offer `WILL SGA` (default `true`).
    pub suppress_go_ahead: bool,
    /// Ask for the client's window size with `DO NAWS` (default `true`).
    pub request_window_size: bool,
    /// Ask for the client's terminal type with `DO TTYPE` (default `true`).
    pub request_terminal_type: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            echo: true,
            suppress_go_ahead: true,
            request_window_size: true,
            request_terminal_type: true,
        }
    }
}

#[derive(Clone, Debug)]
enum Role {
    Client {
        terminal_type: String,
        columns: u16,
        rows: u16,
    },
    Server {
        opts: ServerOptions,
        window_size: Option<(u16, u16)>,
        terminal_type: Option<String>,
    },
}

/// Answers Telnet option negotiation for one connection, as a client or as
/// a server.
///
/// Feed every decoded [`TelnetEvent`] to [`handle`](Negotiator::handle) and
/// send the frames it returns; after each call copy
/// [`binary_receive`](Negotiator::binary_receive) and
/// [`binary_send`](Negotiator::binary_send) into the
/// [`TelnetCodec`](crate::TelnetCodec).
///
/// ```
/// use bytes::Bytes;
/// use oxscript_telnet::consts::{ECHO, TTYPE};
/// use oxscript_telnet::{ClientOptions, Negotiator, TelnetEvent, TelnetFrame, Verb};
///
/// let mut client = Negotiator::client(ClientOptions::default());
/// assert!(client.start().is_empty());
///
/// let replies = client.handle(&TelnetEvent::Negotiate { verb: Verb::Will, option: ECHO });
/// assert_eq!(replies, [TelnetFrame::Negotiate { verb: Verb::Do, option: ECHO }]);
/// assert!(client.remote_echo());
///
/// client.handle(&TelnetEvent::Negotiate { verb: Verb::Do, option: TTYPE });
/// let replies = client.handle(&TelnetEvent::Subnegotiation {
///     option: TTYPE,
///     payload: Bytes::from_static(&[1]),
/// });
/// assert_eq!(
///     replies,
///     [TelnetFrame::Subnegotiation { option: TTYPE, payload: Bytes::from_static(b"\0VT100") }]
/// );
/// ```
#[derive(Clone, Debug)]
pub struct Negotiator {
    role: Role,
    table: OptionTable,
}

impl Negotiator {
    /// A passive client: it asks for nothing, accepts the server's `ECHO`
    /// and `SGA` (and `BINARY` if `opts.binary`), agrees to send `NAWS`,
    /// `TTYPE` and `SGA` (and `BINARY`), and refuses everything else.
    pub fn client(opts: ClientOptions) -> Self {
        let mut table = OptionTable::new();
        table.allow(Side::Remote, ECHO, true);
        table.allow(Side::Remote, SGA, true);
        table.allow(Side::Local, NAWS, true);
        table.allow(Side::Local, TTYPE, true);
        table.allow(Side::Local, SGA, true);
        if opts.binary {
            table.allow(Side::Remote, BINARY, true);
            table.allow(Side::Local, BINARY, true);
        }
        Negotiator {
            role: Role::Client {
                terminal_type: opts.terminal_type,
                columns: opts.columns,
                rows: opts.rows,
            },
            table,
        }
    }

    /// A server: it offers `ECHO` and `SGA` on its side and asks for the
    /// client's `NAWS` and `TTYPE`, each as `opts` says, accepts the
    /// client's `SGA`, and refuses everything else.
    pub fn server(opts: ServerOptions) -> Self {
        let mut table = OptionTable::new();
        table.allow(Side::Local, ECHO, opts.echo);
        table.allow(Side::Local, SGA, opts.suppress_go_ahead);
        table.allow(Side::Remote, NAWS, opts.request_window_size);
        table.allow(Side::Remote, TTYPE, opts.request_terminal_type);
        table.allow(Side::Remote, SGA, true);
        Negotiator {
            role: Role::Server {
                opts,
                window_size: None,
                terminal_type: None,
            },
            table,
        }
    }

    /// The frames to send when the connection opens. A client sends
    /// nothing (it waits for the server); a server sends `WILL ECHO`,
    /// `WILL SGA`, `DO NAWS` and `DO TTYPE` as its options say. Calling it
    /// again sends nothing new.
    pub fn start(&mut self) -> Vec<TelnetFrame> {
        let Role::Server { opts, .. } = &self.role else {
            return Vec::new();
        };
        let wanted = [
            (opts.echo, Side::Local, ECHO),
            (opts.suppress_go_ahead, Side::Local, SGA),
            (opts.request_window_size, Side::Remote, NAWS),
            (opts.request_terminal_type, Side::Remote, TTYPE),
        ];
        wanted
            .into_iter()
            .filter(|(on, _, _)| *on)
            .filter_map(|(_, side, option)| self.table.request_enable(side, option))
            .collect()
    }

    /// Handles one decoded event and returns the frames to send in reply
    /// (in order). `Data` and `Command` events need no reply.
    pub fn handle(&mut self, event: &TelnetEvent) -> Vec<TelnetFrame> {
        match event {
            TelnetEvent::Negotiate { verb, option } => self.negotiate(*verb, *option),
            TelnetEvent::Subnegotiation { option, payload } => {
                self.subnegotiation(*option, payload)
            }
            TelnetEvent::Data(_) | TelnetEvent::Command(_) => Vec::new(),
        }
    }

    /// Like [`handle`](Negotiator::handle), and keeps `codec`'s binary
    /// flags in step with what was negotiated. Use this whenever the events
    /// come from a [`TelnetCodec`](crate::TelnetCodec): a codec left in
    /// NVT mode after BINARY was agreed would corrupt CR bytes.
    pub fn handle_with(
        &mut self,
        event: &TelnetEvent,
        codec: &mut crate::TelnetCodec,
    ) -> Vec<TelnetFrame> {
        let replies = self.handle(event);
        codec.set_binary_receive(self.binary_receive());
        codec.set_binary_send(self.binary_send());
        replies
    }

    fn negotiate(&mut self, verb: Verb, option: u8) -> Vec<TelnetFrame> {
        let side = Side::of(verb);
        let was_enabled = self.table.is_enabled(side, option);
        let mut out: Vec<TelnetFrame> = self.table.receive(verb, option).into_iter().collect();
        let enabled = self.table.is_enabled(side, option);
        tracing::debug!(
            %verb,
            option = option_name(option),
            reply = ?out.first(),
            enabled,
            "telnet: negotiation"
        );
        if enabled && !was_enabled {
            match (&self.role, side, option) {
                (Role::Client { columns, rows, .. }, Side::Local, NAWS) => {
                    out.push(naws_frame(*columns, *rows));
                }
                (Role::Server { .. }, Side::Remote, TTYPE) => {
                    out.push(TelnetFrame::Subnegotiation {
                        option: TTYPE,
                        payload: Bytes::from_static(&[TTYPE_SEND]),
                    });
                }
                _ => {}
            }
        }
        out
    }

    fn subnegotiation(&mut self, option: u8, payload: &Bytes) -> Vec<TelnetFrame> {
        let ttype_enabled = self.table.is_enabled(Side::Local, TTYPE);
        match (&mut self.role, option, payload.first()) {
            (Role::Client { terminal_type, .. }, TTYPE, Some(&TTYPE_SEND)) => {
                if !ttype_enabled {
                    tracing::trace!("telnet: TTYPE SEND while TTYPE is off, ignored");
                    return Vec::new();
                }
                let mut reply = BytesMut::with_capacity(terminal_type.len() + 1);
                reply.put_u8(TTYPE_IS);
                reply.extend_from_slice(terminal_type.as_bytes());
                vec![TelnetFrame::Subnegotiation {
                    option: TTYPE,
                    payload: reply.freeze(),
                }]
            }
            (Role::Server { terminal_type, .. }, TTYPE, Some(&TTYPE_IS)) => {
                let name = String::from_utf8_lossy(payload.get(1..).unwrap_or_default());
                tracing::debug!(terminal_type = %name, "telnet: client terminal type");
                *terminal_type = Some(name.into_owned());
                Vec::new()
            }
            (Role::Server { window_size, .. }, NAWS, _) => {
                if let &[w_hi, w_lo, h_hi, h_lo] = payload.as_ref() {
                    let size = (
                        u16::from_be_bytes([w_hi, w_lo]),
                        u16::from_be_bytes([h_hi, h_lo]),
                    );
                    tracing::debug!(
                        columns = size.0,
                        rows = size.1,
                        "telnet: client window size"
                    );
                    *window_size = Some(size);
                } else {
                    tracing::trace!(
                        len = payload.len(),
                        "telnet: malformed NAWS subnegotiation (not 4 bytes), ignored"
                    );
                }
                Vec::new()
            }
            _ => {
                tracing::trace!(
                    option = option_name(option),
                    len = payload.len(),
                    "telnet: subnegotiation ignored"
                );
                Vec::new()
            }
        }
    }

    /// Changes the window size. A client whose NAWS is enabled returns the
    /// NAWS subnegotiation to send; otherwise the size is kept for when the
    /// server asks. A server ignores the call (its window size is the one
    /// the client reports).
    pub fn set_window_size(&mut self, columns: u16, rows: u16) -> Vec<TelnetFrame> {
        let naws_enabled = self.table.is_enabled(Side::Local, NAWS);
        match &mut self.role {
            Role::Client {
                columns: c,
                rows: r,
                ..
            } => {
                *c = columns;
                *r = rows;
                if naws_enabled {
                    vec![naws_frame(columns, rows)]
                } else {
                    Vec::new()
                }
            }
            Role::Server { .. } => Vec::new(),
        }
    }

    /// Whether `option` is enabled on `side`.
    pub fn is_enabled(&self, side: Side, option: u8) -> bool {
        self.table.is_enabled(side, option)
    }

    /// The option table, for inspection.
    pub fn table(&self) -> &OptionTable {
        &self.table
    }

    /// Whether the peer echoes what we send (its `ECHO` is enabled). For a
    /// client this means the server echoes typed characters, so a command's
    /// echo will show up in the received data.
    pub fn remote_echo(&self) -> bool {
        self.table.is_enabled(Side::Remote, ECHO)
    }

    /// Whether the peer sends in binary mode (its `BINARY` is enabled): set
    /// it with [`TelnetCodec::set_binary_receive`](crate::TelnetCodec::set_binary_receive).
    pub fn binary_receive(&self) -> bool {
        self.table.is_enabled(Side::Remote, BINARY)
    }

    /// Whether we send in binary mode (our `BINARY` is enabled): set it
    /// with [`TelnetCodec::set_binary_send`](crate::TelnetCodec::set_binary_send).
    pub fn binary_send(&self) -> bool {
        self.table.is_enabled(Side::Local, BINARY)
    }

    /// The window size `(columns, rows)`: for a server, the last one the
    /// client reported with NAWS (`None` before that); for a client, the
    /// one it reports.
    pub fn window_size(&self) -> Option<(u16, u16)> {
        match &self.role {
            Role::Client { columns, rows, .. } => Some((*columns, *rows)),
            Role::Server { window_size, .. } => *window_size,
        }
    }

    /// The terminal type: for a server, the one the client reported with
    /// `TTYPE IS` (`None` before that); for a client, the one it reports.
    pub fn terminal_type(&self) -> Option<&str> {
        match &self.role {
            Role::Client { terminal_type, .. } => Some(terminal_type),
            Role::Server { terminal_type, .. } => terminal_type.as_deref(),
        }
    }
}

/// `SB NAWS <width: u16 BE> <height: u16 BE>`; the encoder escapes any 0xFF.
fn naws_frame(columns: u16, rows: u16) -> TelnetFrame {
    let mut payload = BytesMut::with_capacity(4);
    payload.put_u16(columns);
    payload.put_u16(rows);
    TelnetFrame::Subnegotiation {
        option: NAWS,
        payload: payload.freeze(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::TelnetCodec;
    use crate::consts::{ENVIRON, LFLOW, LINEMODE, NEW_ENVIRON, STATUS, TSPEED, XDISPLOC};
    use tokio_util::codec::{Decoder, Encoder};

    fn neg(verb: Verb, option: u8) -> TelnetEvent {
        TelnetEvent::Negotiate { verb, option }
    }

    fn reply(verb: Verb, option: u8) -> TelnetFrame {
        TelnetFrame::Negotiate { verb, option }
    }

    fn sb_event(option: u8, payload: &[u8]) -> TelnetEvent {
        TelnetEvent::Subnegotiation {
            option,
            payload: Bytes::copy_from_slice(payload),
        }
    }

    fn sb_frame(option: u8, payload: &[u8]) -> TelnetFrame {
        TelnetFrame::Subnegotiation {
            option,
            payload: Bytes::copy_from_slice(payload),
        }
    }

    fn feed(n: &mut Negotiator, events: &[TelnetEvent]) -> Vec<TelnetFrame> {
        events.iter().flat_map(|e| n.handle(e)).collect()
    }

    #[test]
    fn defaults() {
        let c = ClientOptions::default();
        assert_eq!(
            (c.terminal_type.as_str(), c.columns, c.rows, c.binary),
            ("VT100", 200, 24, false)
        );
        let s = ServerOptions::default();
        assert!(s.echo && s.suppress_go_ahead && s.request_window_size && s.request_terminal_type);
    }

    #[test]
    fn client_answers_a_cisco_ios_opening() {
        let mut client = Negotiator::client(ClientOptions::default());
        assert!(client.start().is_empty());
        let out = feed(
            &mut client,
            &[
                neg(Verb::Will, ECHO),
                neg(Verb::Will, SGA),
                neg(Verb::Do, NAWS),
                neg(Verb::Do, TTYPE),
                sb_event(TTYPE, &[1]),
            ],
        );
        assert_eq!(
            out,
            [
                reply(Verb::Do, ECHO),
                reply(Verb::Do, SGA),
                reply(Verb::Will, NAWS),
                sb_frame(NAWS, &[0, 200, 0, 24]),
                reply(Verb::Will, TTYPE),
                sb_frame(TTYPE, b"\0VT100"),
            ]
        );
        assert!(client.remote_echo());
        assert!(client.is_enabled(Side::Remote, SGA));
        assert!(client.is_enabled(Side::Local, NAWS));
        assert!(client.is_enabled(Side::Local, TTYPE));
        assert!(!client.binary_receive() && !client.binary_send());
        // IOS repeats itself sometimes: no reply, no second NAWS.
        let again = feed(&mut client, &[neg(Verb::Will, ECHO), neg(Verb::Do, NAWS)]);
        assert!(again.is_empty(), "{again:?}");
        // Every SEND gets an IS.
        assert_eq!(
            client.handle(&sb_event(TTYPE, &[1])),
            [sb_frame(TTYPE, b"\0VT100")]
        );
    }

    #[test]
    fn client_refuses_what_gnu_telnetd_asks_beyond_its_support() {
        let mut client = Negotiator::client(ClientOptions {
            terminal_type: "XTERM".into(),
            columns: 80,
            rows: 25,
            binary: false,
        });
        let out = feed(
            &mut client,
            &[
                neg(Verb::Do, TTYPE),
                neg(Verb::Do, TSPEED),
                neg(Verb::Do, XDISPLOC),
                neg(Verb::Do, NEW_ENVIRON),
                neg(Verb::Do, ENVIRON),
                sb_event(TTYPE, &[1]),
                neg(Verb::Will, SGA),
                neg(Verb::Do, ECHO),
                neg(Verb::Do, LINEMODE),
                neg(Verb::Do, NAWS),
                neg(Verb::Will, STATUS),
                neg(Verb::Do, LFLOW),
                neg(Verb::Will, ECHO),
                neg(Verb::Do, BINARY),
                neg(Verb::Will, BINARY),
            ],
        );
        assert_eq!(
            out,
            [
                reply(Verb::Will, TTYPE),
                reply(Verb::Wont, TSPEED),
                reply(Verb::Wont, XDISPLOC),
                reply(Verb::Wont, NEW_ENVIRON),
                reply(Verb::Wont, ENVIRON),
                sb_frame(TTYPE, b"\0XTERM"),
                reply(Verb::Do, SGA),
                reply(Verb::Wont, ECHO),
                reply(Verb::Wont, LINEMODE),
                reply(Verb::Will, NAWS),
                sb_frame(NAWS, &[0, 80, 0, 25]),
                reply(Verb::Dont, STATUS),
                reply(Verb::Wont, LFLOW),
                reply(Verb::Do, ECHO),
                reply(Verb::Wont, BINARY),
                reply(Verb::Dont, BINARY),
            ]
        );
        // A server that acknowledges our refusals gets no further answer.
        let acks = feed(
            &mut client,
            &[
                neg(Verb::Dont, TSPEED),
                neg(Verb::Dont, LINEMODE),
                neg(Verb::Wont, STATUS),
                neg(Verb::Dont, ECHO),
                neg(Verb::Wont, BINARY),
            ],
        );
        assert!(acks.is_empty(), "{acks:?}");
        assert!(client.remote_echo());
        assert!(!client.is_enabled(Side::Local, ECHO));
        // Subnegotiations for options we refused are ignored.
        assert!(client.handle(&sb_event(NEW_ENVIRON, &[1])).is_empty());
        assert!(client.handle(&sb_event(TSPEED, &[1])).is_empty());
    }

    #[test]
    fn client_ignores_ttype_send_until_ttype_is_enabled() {
        let mut client = Negotiator::client(ClientOptions::default());
        assert!(client.handle(&sb_event(TTYPE, &[1])).is_empty());
        // A malformed TTYPE subnegotiation is ignored too.
        client.handle(&neg(Verb::Do, TTYPE));
        assert!(client.handle(&sb_event(TTYPE, &[])).is_empty());
        assert!(client.handle(&sb_event(TTYPE, &[0, b'x'])).is_empty());
    }

    #[test]
    fn client_data_and_commands_need_no_reply() {
        let mut client = Negotiator::client(ClientOptions::default());
        assert!(
            client
                .handle(&TelnetEvent::Data("Router#".into()))
                .is_empty()
        );
        assert!(client.handle(&TelnetEvent::Command(249)).is_empty());
    }

    #[test]
    fn client_window_size_changes() {
        let mut client = Negotiator::client(ClientOptions::default());
        // Not enabled yet: remembered, nothing sent.
        assert!(client.set_window_size(255, 300).is_empty());
        assert_eq!(client.window_size(), Some((255, 300)));
        let out = client.handle(&neg(Verb::Do, NAWS));
        assert_eq!(
            out,
            [reply(Verb::Will, NAWS), sb_frame(NAWS, &[0, 255, 1, 44])]
        );
        assert_eq!(
            client.set_window_size(80, 24),
            [sb_frame(NAWS, &[0, 80, 0, 24])]
        );
        // Once the server turns NAWS off, resizes are not sent.
        assert_eq!(
            client.handle(&neg(Verb::Dont, NAWS)),
            [reply(Verb::Wont, NAWS)]
        );
        assert!(client.set_window_size(100, 50).is_empty());
    }

    #[test]
    fn client_binary_mode_when_allowed() {
        let mut client = Negotiator::client(ClientOptions {
            binary: true,
            ..ClientOptions::default()
        });
        let out = feed(
            &mut client,
            &[neg(Verb::Will, BINARY), neg(Verb::Do, BINARY)],
        );
        assert_eq!(out, [reply(Verb::Do, BINARY), reply(Verb::Will, BINARY)]);
        assert!(client.binary_receive());
        assert!(client.binary_send());
        let out = feed(&mut client, &[neg(Verb::Wont, BINARY)]);
        assert_eq!(out, [reply(Verb::Dont, BINARY)]);
        assert!(!client.binary_receive());
        assert!(client.binary_send());
    }

    #[test]
    fn server_opens_and_parses_ttype_and_naws() {
        let mut server = Negotiator::server(ServerOptions::default());
        assert_eq!(
            server.start(),
            [
                reply(Verb::Will, ECHO),
                reply(Verb::Will, SGA),
                reply(Verb::Do, NAWS),
                reply(Verb::Do, TTYPE),
            ]
        );
        assert!(server.start().is_empty(), "start twice sends nothing new");
        assert_eq!(server.window_size(), None);
        assert_eq!(server.terminal_type(), None);

        let out = feed(
            &mut server,
            &[
                neg(Verb::Do, ECHO),
                neg(Verb::Do, SGA),
                neg(Verb::Will, NAWS),
                sb_event(NAWS, &[0, 132, 0, 43]),
                neg(Verb::Will, TTYPE),
            ],
        );
        assert_eq!(out, [sb_frame(TTYPE, &[1])]);
        assert_eq!(server.window_size(), Some((132, 43)));
        assert!(server.is_enabled(Side::Local, ECHO));
        assert!(!server.remote_echo());

        assert!(server.handle(&sb_event(TTYPE, b"\0IBM-3278-2")).is_empty());
        assert_eq!(server.terminal_type(), Some("IBM-3278-2"));

        // Malformed NAWS payloads are ignored, the last good size stays.
        assert!(server.handle(&sb_event(NAWS, &[0, 80, 0])).is_empty());
        assert!(
            server
                .handle(&sb_event(NAWS, &[0, 80, 0, 24, 0]))
                .is_empty()
        );
        assert_eq!(server.window_size(), Some((132, 43)));
        assert!(server.handle(&sb_event(NAWS, &[1, 0, 0, 50])).is_empty());
        assert_eq!(server.window_size(), Some((256, 50)));
        // A TTYPE that is not IS is ignored.
        assert!(server.handle(&sb_event(TTYPE, b"\x01")).is_empty());
        assert_eq!(server.terminal_type(), Some("IBM-3278-2"));
        // set_window_size means nothing to a server.
        assert!(server.set_window_size(1, 1).is_empty());
        assert_eq!(server.window_size(), Some((256, 50)));
    }

    #[test]
    fn server_respects_its_options() {
        let mut server = Negotiator::server(ServerOptions {
            echo: false,
            suppress_go_ahead: true,
            request_window_size: false,
            request_terminal_type: false,
        });
        assert_eq!(server.start(), [reply(Verb::Will, SGA)]);
        let out = feed(
            &mut server,
            &[
                neg(Verb::Do, ECHO),
                neg(Verb::Will, NAWS),
                neg(Verb::Will, TTYPE),
                neg(Verb::Will, SGA),
            ],
        );
        assert_eq!(
            out,
            [
                reply(Verb::Wont, ECHO),
                reply(Verb::Dont, NAWS),
                reply(Verb::Dont, TTYPE),
                reply(Verb::Do, SGA),
            ]
        );
    }

    /// Encodes `frames` with one codec and decodes them with another, as
    /// the wire would.
    fn transmit(
        frames: Vec<TelnetFrame>,
        encoder: &mut TelnetCodec,
        decoder: &mut TelnetCodec,
    ) -> Vec<TelnetEvent> {
        let mut wire = BytesMut::new();
        for frame in frames {
            encoder.encode(frame, &mut wire).unwrap();
        }
        let mut events = Vec::new();
        while let Some(event) = decoder.decode(&mut wire).unwrap() {
            events.push(event);
        }
        assert!(wire.is_empty());
        events
    }

    #[test]
    fn client_and_server_negotiators_converge() {
        let mut client = Negotiator::client(ClientOptions {
            columns: 255,
            rows: 255,
            ..ClientOptions::default()
        });
        let mut server = Negotiator::server(ServerOptions::default());
        let (mut client_codec, mut server_codec) = (TelnetCodec::new(), TelnetCodec::new());
        let mut to_client = server.start();
        to_client.extend(client.start());
        let mut to_server = Vec::new();
        let mut rounds = 0;
        while !to_client.is_empty() || !to_server.is_empty() {
            rounds += 1;
            assert!(rounds < 20, "negotiation does not settle");
            let events = transmit(
                std::mem::take(&mut to_client),
                &mut server_codec,
                &mut client_codec,
            );
            for event in &events {
                to_server.extend(client.handle(event));
            }
            let events = transmit(
                std::mem::take(&mut to_server),
                &mut client_codec,
                &mut server_codec,
            );
            for event in &events {
                to_client.extend(server.handle(event));
            }
        }
        assert!(rounds <= 3, "{rounds} rounds");
        assert!(client.remote_echo());
        assert!(client.is_enabled(Side::Remote, SGA));
        assert!(client.is_enabled(Side::Local, NAWS));
        assert!(client.is_enabled(Side::Local, TTYPE));
        assert!(server.is_enabled(Side::Local, ECHO));
        assert!(server.is_enabled(Side::Local, SGA));
        assert!(server.is_enabled(Side::Remote, NAWS));
        assert!(server.is_enabled(Side::Remote, TTYPE));
        assert_eq!(server.window_size(), Some((255, 255)));
        assert_eq!(server.terminal_type(), Some("VT100"));
        for option in 0..=u8::MAX {
            assert_eq!(
                client.is_enabled(Side::Local, option),
                server.is_enabled(Side::Remote, option)
            );
            assert_eq!(
                client.is_enabled(Side::Remote, option),
                server.is_enabled(Side::Local, option)
            );
        }
    }
}
