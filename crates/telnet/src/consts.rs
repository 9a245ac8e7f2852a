//! Telnet command bytes (RFC 854) and option codes (the IANA Telnet option
//! registry), with names for log messages.
//!
//! ```
//! use oxscript_telnet::consts::{self, NAWS};
//!
//! assert_eq!(consts::option_name(NAWS), "NAWS");
//! assert_eq!(consts::command_name(consts::GA), "GA");
//! ```

// ------------------------------------------------------- NVT control bytes

/// NUL: the NVT filler byte; `CR NUL` is a bare carriage return.
pub const NUL: u8 = 0;
/// Line feed.
pub const LF: u8 = b'\n';
/// Carriage return.
pub const CR: u8 = b'\r';

// ---------------------------------------------------------------- commands

/// End of record (RFC 885), sent as `IAC EOR` when the EOR option is on.
pub const EOR: u8 = 239;
/// End of subnegotiation parameters.
pub const SE: u8 = 240;
/// No operation.
pub const NOP: u8 = 241;
/// Data mark: the data stream portion of a Synch.
pub const DM: u8 = 242;
/// Break.
pub const BRK: u8 = 243;
/// Interrupt process.
pub const IP: u8 = 244;
/// Abort output.
pub const AO: u8 = 245;
/// Are you there.
pub const AYT: u8 = 246;
/// Erase character.
pub const EC: u8 = 247;
/// Erase line.
pub const EL: u8 = 248;
/// Go ahead.
pub const GA: u8 = 249;
/// Start of subnegotiation: `IAC SB <option> <payload> IAC SE`.
pub const SB: u8 = 250;
/// The sender wants to enable, or confirms it enabled, an option on its side.
pub const WILL: u8 = 251;
/// The sender refuses, or stops, an option on its side.
pub const WONT: u8 = 252;
/// The sender asks the receiver to enable an option on the receiver's side.
pub const DO: u8 = 253;
/// The sender asks the receiver to disable an option on the receiver's side.
pub const DONT: u8 = 254;
/// "Interpret as command": starts every command; doubled it is a 0xFF data byte.
pub const IAC: u8 = 255;

// ----------------------------------------------------------------- options

/// Binary transmission (RFC 856).
pub const BINARY: u8 = 0;
/// Echo (RFC 857).
pub const ECHO: u8 = 1;
/// Suppress go ahead (RFC 858).
pub const SGA: u8 = 3;
/// Status (RFC 859).
pub const STATUS: u8 = 5;
/// Timing mark (RFC 860).
pub const TIMING_MARK: u8 = 6;
/// Terminal type (RFC 1091).
pub const TTYPE: u8 = 24;
/// End of record option (RFC 885).
pub const EOR_OPT: u8 = 25;
/// Negotiate about window size (RFC 1073).
pub const NAWS: u8 = 31;
/// Terminal speed (RFC 1079).
pub const TSPEED: u8 = 32;
/// Remote flow control (RFC 1372).
pub const LFLOW: u8 = 33;
/// Linemode (RFC 1184).
pub const LINEMODE: u8 = 34;
/// X display location (RFC 1096).
pub const XDISPLOC: u8 = 35;
/// Old environment option (RFC 1408).
pub const ENVIRON: u8 = 36;
/// Authentication (RFC 2941).
pub const AUTHENTICATION: u8 = 37;
/// Encryption (RFC 2946).
pub const ENCRYPT: u8 = 38;
/// New environment option (RFC 1572).
pub const NEW_ENVIRON: u8 = 39;
/// Charset (RFC 2066).
pub const CHARSET: u8 = 42;

/// A short name for a Telnet option code, for log messages.
///
/// Options without a name here give `"UNKNOWN"`.
pub fn option_name(option: u8) -> &'static str {
    match option {
        BINARY => "BINARY",
        ECHO => "ECHO",
        2 => "RCP",
        SGA => "SGA",
        4 => "NAMS",
        STATUS => "STATUS",
        TIMING_MARK => "TIMING-MARK",
        7 => "RCTE",
        8 => "NAOL",
        9 => "NAOP",
        10 => "NAOCRD",
        11 => "NAOHTS",
        12 => "NAOHTD",
        13 => "NAOFFD",
        14 => "NAOVTS",
        15 => "NAOVTD",
        16 => "NAOLFD",
        17 => "EXTEND-ASCII",
        18 => "LOGOUT",
        19 => "BM",
        20 => "DET",
        21 => "SUPDUP",
        22 => "SUPDUP-OUTPUT",
        23 => "SEND-LOCATION",
        TTYPE => "TTYPE",
        EOR_OPT => "EOR",
        26 => "TUID",
        27 => "OUTMRK",
        28 => "TTYLOC",
        29 => "3270-REGIME",
        30 => "X.3-PAD",
        NAWS => "NAWS",
        TSPEED => "TSPEED",
        LFLOW => "LFLOW",
        LINEMODE => "LINEMODE",
        XDISPLOC => "XDISPLOC",
        ENVIRON => "ENVIRON",
        AUTHENTICATION => "AUTHENTICATION",
        ENCRYPT => "ENCRYPT",
        NEW_ENVIRON => "NEW-ENVIRON",
        40 => "TN3270E",
        41 => "XAUTH",
        CHARSET => "CHARSET",
        43 => "RSP",
        44 => "COM-PORT",
        45 => "SUPPRESS-LOCAL-ECHO",
        46 => "START-TLS",
        47 => "KERMIT",
        48 => "SEND-URL",
        49 => "FORWARD-X",
        255 => "EXOPL",
        _ => "UNKNOWN",
    }
}

/// A short name for a Telnet command byte (the byte after `IAC`), for log
/// messages.
///
/// Bytes that are not Telnet commands give `"UNKNOWN"`.
pub fn command_name(command: u8) -> &'static str {
    match command {
        EOR => "EOR",
        SE => "SE",
        NOP => "NOP",
        DM => "DM",
        BRK => "BRK",
        IP => "IP",
        AO => "AO",
        AYT => "AYT",
        EC => "EC",
        EL => "EL",
        GA => "GA",
        SB => "SB",
        WILL => "WILL",
        WONT => "WONT",
        DO => "DO",
        DONT => "DONT",
        IAC => "IAC",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_common_options_and_commands() {
        assert_eq!(option_name(BINARY), "BINARY");
        assert_eq!(option_name(ECHO), "ECHO");
        assert_eq!(option_name(SGA), "SGA");
        assert_eq!(option_name(TTYPE), "TTYPE");
        assert_eq!(option_name(NEW_ENVIRON), "NEW-ENVIRON");
        assert_eq!(option_name(200), "UNKNOWN");
        assert_eq!(command_name(IAC), "IAC");
        assert_eq!(command_name(SE), "SE");
        assert_eq!(command_name(0x10), "UNKNOWN");
    }

    #[test]
    fn command_bytes_match_rfc_854() {
        let expected = [
            (SE, 240),
            (NOP, 241),
            (DM, 242),
            (BRK, 243),
            (IP, 244),
            (AO, 245),
            (AYT, 246),
            (EC, 247),
            (EL, 248),
            (GA, 249),
            (SB, 250),
            (WILL, 251),
            (WONT, 252),
            (DO, 253),
            (DONT, 254),
            (IAC, 255),
        ];
        for (constant, value) in expected {
            assert_eq!(constant, value);
        }
    }
}
