//! Building blocks shared by the platform emulators ([`ios`], [`junos`],
//! [`nxos`], [`eos`], [`ios_xr`], [`vrp`], [`sros`]).
//!
//! The public part is [`Interface`], the interface definition every
//! platform builder takes. The rest is crate-private, a module each:
//! the builder scaffolding (common settings, setters, the wiring into a
//! [`VirtualDevice`](crate::VirtualDevice)), the keyword-prefix command
//! parser and [`Cli`], the command language of a platform (each typed
//! word is any unambiguous prefix of its keyword, as on every one of
//! these CLIs), output filters (`| include`, `| match` …), interfaces
//! (name resolution such as `eth1/1` → `Ethernet1/1`, addresses), the
//! modes of the Cisco-style CLIs, the switch ports and interface commands
//! EOS and NX-OS share, and a wall clock for timestamps. This file keeps
//! `enable` with a password, `logout` and small text helpers.
//!
//! [`ios`]: crate::ios
//! [`junos`]: crate::junos
//! [`nxos`]: crate::nxos
//! [`eos`]: crate::eos
//! [`ios_xr`]: crate::ios_xr
//! [`vrp`]: crate::vrp
//! [`sros`]: crate::sros

mod builder;
mod clock;
mod filter;
mod interface;
mod mode;
mod parser;
mod switch;

use std::any::Any;

pub(crate) use builder::{Common, emulate, interface_setters, paging_setters};
pub(crate) use clock::Clock;
pub(crate) use filter::{Filter, FilterKind, GREP_STYLE_FILTERS, restore_paging};
pub use interface::Interface;
pub(crate) use interface::{
    IfEdit, IfError, abbreviate, find_interface, len_mask, mask_len, mask_prefix_len,
    parse_address_mask, parse_prefix, resolve_type, upsert, upsert_interface,
};
pub(crate) use mode::{ANY_CONF, CONF, CONF_IF, EXEC, Mode, PRIV};
pub(crate) use parser::{
    Arg, Args, Cli, LineError, Parsed, Syntax, Tok, cmd, column, unquote, words,
};
pub(crate) use switch::{PortCmd, SwitchPort, port_syntax};

use crate::context::DeviceContext;

// ----- enable -----

/// Asks for the enable password (`Password: `); a good one runs `grant`
/// on the session's state `S` (created with `init` if there is none),
/// which moves it to the privileged mode, a bad one answers `denied`.
pub(crate) fn ask_enable_password<S: Any + Send>(
    ctx: &mut DeviceContext,
    init: impl FnOnce(&DeviceContext) -> S + Send + 'static,
    grant: fn(&mut S, &mut DeviceContext),
    denied: &'static str,
) -> String {
    ctx.read_line(true, move |ctx, password| {
        if !ctx.check_enable_password(password) {
            return denied.to_owned();
        }
        ctx.with_state(init, grant);
        String::new()
    });
    "Password: ".to_owned()
}

/// Ends the session (`exit`, `logout` or `quit` at the top level of most
/// CLIs): the device says nothing more and closes the connection.
pub(crate) fn logout(ctx: &mut DeviceContext) -> String {
    ctx.close();
    String::new()
}

// ----- text -----

/// The width of the last line of the prompt, where typed text starts.
pub(crate) fn prompt_width(ctx: &DeviceContext) -> usize {
    let prompt = ctx.prompt();
    let last = prompt.rsplit(['\n', '\r']).next().unwrap_or(prompt);
    last.chars().count()
}

/// What erases a pager prompt `more` by returning the cursor: a carriage
/// return, blanks over it and another carriage return (NX-OS, JunOS, SR
/// OS).
pub(crate) fn carriage_erase(more: &str) -> String {
    format!("\r{}\r", " ".repeat(more.len()))
}

/// A caret line with the `^` under column `column` of the typed line.
pub(crate) fn caret(ctx: &DeviceContext, column: usize) -> String {
    format!("{}^\n", " ".repeat(prompt_width(ctx) + column))
}

/// Pads `text` with blanks to `width` characters (at least one blank
/// follows when `text` is as long or longer, so columns stay apart).
pub(crate) fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n >= width {
        format!("{text} ")
    } else {
        format!("{text}{}", " ".repeat(width - n))
    }
}

/// Whether `name` is a valid host name for these platforms: a letter
/// first, then letters, digits, `-`, `_` or `.`, at most 63 characters.
pub(crate) fn valid_hostname(name: &str) -> bool {
    let bytes = name.as_bytes();
    name.len() <= 63
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_helpers() {
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("abcd", 4), "abcd ");
        assert!(valid_hostname("leaf-1.lab"));
        assert!(!valid_hostname("1leaf"));
        assert!(!valid_hostname("a b"));
    }
}
