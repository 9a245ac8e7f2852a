//! Building blocks shared by the platform emulators ([`junos`],
//! [`nxos`], [`eos`], [`ios_xr`], [`vrp`], [`sros`]).
//!
//! The public part is [`Interface`], the interface definition every
//! platform builder takes (the [`ios`] emulator's too). The rest is
//! crate-private: the builder scaffolding (common settings, setters, the
//! wiring into a [`VirtualDevice`](crate::VirtualDevice)), a
//! keyword-prefix command parser (each typed word is any unambiguous
//! prefix of its keyword, as on every one of these CLIs), output filters
//! (`| include`, `| match` …), interface-name resolution (`eth1/1` →
//! `Ethernet1/1`), `enable` with a password, a wall clock for timestamps
//! and small text helpers.
//!
//! [`ios`]: crate::ios
//! [`junos`]: crate::junos
//! [`nxos`]: crate::nxos
//! [`eos`]: crate::eos
//! [`ios_xr`]: crate::ios_xr
//! [`vrp`]: crate::vrp
//! [`sros`]: crate::sros

use std::any::Any;
use std::net::Ipv4Addr;
use std::time::{SystemTime, UNIX_EPOCH};

use regex::Regex;

use crate::context::DeviceContext;

mod builder;

pub(crate) use builder::{Common, emulate, interface_setters, paging_setters};

/// An interface of an emulated device: its name as the platform spells
/// it (`ge-0/0/1`, `Ethernet1/1`, `GigabitEthernet0/0/0/0`,
/// `GigabitEthernet0/0/1`, `1/1/1`), a description, an IPv4 address with
/// its prefix length, and whether it is administratively down.
///
/// ```
/// use oxscript_emulator::Interface;
/// use std::net::Ipv4Addr;
///
/// let uplink = Interface::new("Ethernet1/1")
///     .with_description("uplink to spine1")
///     .with_address(Ipv4Addr::new(10, 0, 0, 1), 31);
/// assert_eq!(uplink.address, Some((Ipv4Addr::new(10, 0, 0, 1), 31)));
/// assert!(!uplink.shutdown);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// The name, as the platform spells it.
    pub name: String,
    /// The description, if any.
    pub description: Option<String>,
    /// IPv4 address and prefix length, if any.
    pub address: Option<(Ipv4Addr, u8)>,
    /// Whether the interface is administratively down.
    pub shutdown: bool,
}

impl Interface {
    /// An interface that is up, without address or description.
    pub fn new(name: impl Into<String>) -> Self {
        Interface {
            name: name.into(),
            description: None,
            address: None,
            shutdown: false,
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the address and prefix length (0 to 32; longer is cut to 32).
    pub fn with_address(mut self, address: Ipv4Addr, prefix_len: u8) -> Self {
        self.address = Some((address, prefix_len.min(32)));
        self
    }

    /// Sets the address with a dotted mask, as IOS writes it
    /// (`255.255.255.0` is a prefix length of 24). A mask that is not
    /// contiguous counts its leading ones.
    ///
    /// ```
    /// use oxscript_emulator::Interface;
    /// use std::net::Ipv4Addr;
    ///
    /// let lan = Interface::new("GigabitEthernet0/1")
    ///     .with_mask(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(255, 255, 255, 252));
    /// assert_eq!(lan.address, Some((Ipv4Addr::new(10, 0, 0, 1), 30)));
    /// ```
    pub fn with_mask(self, address: Ipv4Addr, mask: Ipv4Addr) -> Self {
        let ones = u32::from(mask).leading_ones();
        self.with_address(address, u8::try_from(ones).unwrap_or(32))
    }

    /// Sets whether the interface is administratively down.
    pub fn with_shutdown(mut self, shutdown: bool) -> Self {
        self.shutdown = shutdown;
        self
    }
}

/// A change to an interface made in configuration mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IfEdit {
    /// Sets (`Some`) or removes (`None`) the description.
    Description(Option<String>),
    /// Shuts the interface down (`true`) or brings it up.
    Shutdown(bool),
    /// Sets (`Some`) or removes (`None`) the IPv4 address.
    Address(Option<(Ipv4Addr, u8)>),
}

impl Interface {
    /// Applies a configuration change.
    pub(crate) fn apply(&mut self, edit: IfEdit) {
        match edit {
            IfEdit::Description(description) => self.description = description,
            IfEdit::Shutdown(shutdown) => self.shutdown = shutdown,
            IfEdit::Address(address) => self.address = address,
        }
    }
}

/// Adds `interface` to `list`, replacing one of the same name.
pub(crate) fn upsert_interface(list: &mut Vec<Interface>, interface: Interface) {
    upsert(list, interface, |i| &i.name);
}

/// Adds `item` to `list`, replacing the one of the same `name`.
pub(crate) fn upsert<T>(list: &mut Vec<T>, item: T, name: impl Fn(&T) -> &str) {
    match list.iter_mut().find(|i| name(i) == name(&item)) {
        Some(existing) => *existing = item,
        None => list.push(item),
    }
}

/// An interface and whether it is a layer-2 (switched) port, as NX-OS
/// and EOS keep them.
#[derive(Clone, Debug)]
pub(crate) struct SwitchPort {
    pub(crate) iface: Interface,
    pub(crate) switchport: bool,
}

impl SwitchPort {
    /// The ports of the defined interfaces: an Ethernet port without an
    /// address is switched.
    pub(crate) fn from_definitions(interfaces: Vec<Interface>) -> Vec<Self> {
        interfaces
            .into_iter()
            .map(|iface| SwitchPort {
                switchport: iface.address.is_none() && iface.name.starts_with("Ethernet"),
                iface,
            })
            .collect()
    }

    /// A routed interface created in configuration mode.
    pub(crate) fn routed(name: String) -> Self {
        SwitchPort {
            iface: Interface::new(name),
            switchport: false,
        }
    }
}

// ----- the keyword-prefix parser -------------------------------------------------

/// One position of a command's syntax.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Tok {
    /// A keyword, typed as any unambiguous prefix.
    Kw(&'static str),
    /// Any single word.
    Word,
    /// The rest of the line (at least one word).
    Rest,
    /// A decimal number in an inclusive range.
    Num(u32, u32),
}

/// A command's syntax, the modes it exists in (a bit mask), and what it
/// does.
#[derive(Debug)]
pub(crate) struct Syntax<A: 'static> {
    pub(crate) modes: u32,
    pub(crate) toks: &'static [Tok],
    pub(crate) act: A,
}

/// Shorthand for a [`Syntax`] entry in a static table.
pub(crate) const fn cmd<A>(modes: u32, toks: &'static [Tok], act: A) -> Syntax<A> {
    Syntax { modes, toks, act }
}

/// An argument of a parsed command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Arg<'a> {
    pub(crate) text: &'a str,
    /// Column (in characters, from the start of the line).
    pub(crate) column: usize,
}

/// The arguments of a parsed command, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Args<'a>(pub(crate) Vec<Arg<'a>>);

impl<'a> Args<'a> {
    /// Argument `i`.
    pub(crate) fn get(&self, i: usize) -> Option<Arg<'a>> {
        self.0.get(i).copied()
    }

    /// The text of argument `i`; empty when there is none.
    pub(crate) fn text(&self, i: usize) -> &'a str {
        self.get(i).map_or("", |a| a.text)
    }

    /// The column of argument `i`; 0 when there is none.
    pub(crate) fn column(&self, i: usize) -> usize {
        self.get(i).map_or(0, |a| a.column)
    }
}

/// Where a parse failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Spot {
    /// The index of the word (0-based).
    pub(crate) word: usize,
    /// The column of the word's first character.
    pub(crate) word_column: usize,
    /// The column of the first character no command accepts (IOS style).
    pub(crate) column: usize,
}

/// The outcome of parsing one line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed<'a, A> {
    /// Nothing but blanks.
    Empty,
    /// A complete command.
    Command { act: A, args: Args<'a> },
    /// Bad input at `Spot`.
    Invalid(Spot),
    /// A valid start of a command, but not a complete one; `column` is
    /// just past the last word.
    Incomplete { column: usize },
    /// A word is a prefix of several keywords.
    Ambiguous(Spot),
}

/// The words of `line` with their byte offsets.
pub(crate) fn words(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, line.get(s..i).unwrap_or_default()));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, line.get(s..).unwrap_or_default()));
    }
    out
}

fn is_prefix_ci(word: &str, keyword: &str) -> bool {
    keyword
        .as_bytes()
        .get(..word.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(word.as_bytes()))
}

/// How many leading characters of `word` a token accepts, for the caret.
fn accepted_chars(tok: Tok, word: &str) -> usize {
    match tok {
        Tok::Kw(k) => word
            .chars()
            .zip(k.chars())
            .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
            .count(),
        Tok::Num(..) => {
            let digits = word.chars().take_while(char::is_ascii_digit).count();
            if digits == word.chars().count() {
                0
            } else {
                digits
            }
        }
        Tok::Word | Tok::Rest => 0,
    }
}

/// The character column of byte offset `byte_offset` in `line`.
pub(crate) fn column(line: &str, byte_offset: usize) -> usize {
    line.get(..byte_offset).map_or(0, |s| s.chars().count())
}

/// Parses `line` against the commands of `table` available in `mode`
/// (a bit matched against [`Syntax::modes`]).
pub(crate) fn parse<'a, A: Copy>(
    table: &'static [Syntax<A>],
    mode: u32,
    line: &'a str,
) -> Parsed<'a, A> {
    let words = words(line);
    if words.is_empty() {
        return Parsed::Empty;
    }
    let mut cands: Vec<&'static Syntax<A>> = table.iter().filter(|s| s.modes & mode != 0).collect();
    for (i, &(offset, word)) in words.iter().enumerate() {
        let mut keywords = Vec::new();
        let mut exact = false;
        let mut args = Vec::new();
        let mut accepted = 0;
        for &s in &cands {
            let Some(&tok) = s.toks.get(i) else { continue };
            let ok = match tok {
                Tok::Kw(k) if is_prefix_ci(word, k) => {
                    exact |= word.len() == k.len();
                    keywords.push(s);
                    continue;
                }
                Tok::Kw(_) => false,
                Tok::Word | Tok::Rest => true,
                Tok::Num(lo, hi) => word.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n)),
            };
            if ok {
                args.push(s);
            } else {
                accepted = accepted.max(accepted_chars(tok, word));
            }
        }
        let keyword_at = |s: &Syntax<A>| match s.toks.get(i) {
            Some(Tok::Kw(k)) => Some(*k),
            _ => None,
        };
        let word_column = column(line, offset);
        let spot = Spot {
            word: i,
            word_column,
            column: word_column + accepted,
        };
        if !keywords.is_empty() {
            if exact {
                keywords.retain(|s| keyword_at(s).is_some_and(|k| k.len() == word.len()));
            } else {
                let first = keywords.first().and_then(|s| keyword_at(s));
                if keywords.iter().any(|s| keyword_at(s) != first) {
                    return Parsed::Ambiguous(Spot {
                        column: word_column,
                        ..spot
                    });
                }
            }
            cands = keywords;
        } else if !args.is_empty() {
            cands = args;
        } else {
            return Parsed::Invalid(spot);
        }
        let rest = cands
            .iter()
            .find(|s| matches!(s.toks.get(i), Some(Tok::Rest)));
        if let Some(&s) = rest {
            return Parsed::Command {
                act: s.act,
                args: collect_args(s, line, words.get(..=i).unwrap_or_default()),
            };
        }
    }
    let n = words.len();
    match cands.iter().find(|s| s.toks.len() == n) {
        Some(&s) => Parsed::Command {
            act: s.act,
            args: collect_args(s, line, &words),
        },
        None => Parsed::Incomplete {
            column: line.trim_end().chars().count(),
        },
    }
}

fn collect_args<'a, A>(s: &Syntax<A>, line: &'a str, words: &[(usize, &'a str)]) -> Args<'a> {
    let mut args = Vec::new();
    for (tok, &(offset, word)) in s.toks.iter().zip(words) {
        let text = match tok {
            Tok::Kw(_) => continue,
            Tok::Rest => line.get(offset..).unwrap_or_default().trim_end(),
            Tok::Word | Tok::Num(..) => word,
        };
        args.push(Arg {
            text,
            column: column(line, offset),
        });
    }
    Args(args)
}

/// Removes one pair of surrounding double quotes.
pub(crate) fn unquote(text: &str) -> &str {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
}

// ----- output filters ---------------------------------------------------------------

/// What an output filter does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FilterKind {
    /// Keep the lines matching the pattern.
    Include,
    /// Drop the lines matching the pattern.
    Exclude,
    /// Start at the first line matching the pattern.
    Begin,
    /// Replace the output with its line count.
    Count,
    /// Show the output without paging.
    NoMore,
    /// JunOS `| display <format>` (the format is the filter's text).
    Display,
    /// JunOS `| compare` (against the active configuration).
    Compare,
}

/// The `| include`/`| grep` family of output filters of EOS and NX-OS.
pub(crate) const GREP_STYLE_FILTERS: &[(&str, FilterKind)] = &[
    ("include", FilterKind::Include),
    ("grep", FilterKind::Include),
    ("exclude", FilterKind::Exclude),
    ("begin", FilterKind::Begin),
    ("count", FilterKind::Count),
    ("no-more", FilterKind::NoMore),
];

impl FilterKind {
    fn takes_argument(self) -> bool {
        matches!(
            self,
            FilterKind::Include | FilterKind::Exclude | FilterKind::Begin | FilterKind::Display
        )
    }

    fn is_regex(self) -> bool {
        matches!(
            self,
            FilterKind::Include | FilterKind::Exclude | FilterKind::Begin
        )
    }
}

/// One `| filter` of a command line.
#[derive(Debug)]
pub(crate) struct Filter {
    pub(crate) kind: FilterKind,
    pattern: Option<Regex>,
    /// The argument as typed (without quotes).
    pub(crate) text: String,
}

/// Why the filters of a line were refused: the column of the bad word.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BadFilter {
    pub(crate) column: usize,
}

/// Splits `line` at its first `|` outside double quotes: the command and
/// the filter part (without the bar).
pub(crate) fn split_pipe(line: &str) -> (&str, Option<(usize, &str)>) {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '|' if !quoted => {
                let rest = line.get(i + 1..).unwrap_or_default();
                return (line.get(..i).unwrap_or_default(), Some((i + 1, rest)));
            }
            _ => {}
        }
    }
    (line, None)
}

/// Parses the filter part of `line` (what follows the first `|`, at byte
/// `offset`) with the platform's filter keywords.
pub(crate) fn parse_filters(
    line: &str,
    offset: usize,
    keywords: &[(&str, FilterKind)],
) -> Result<Vec<Filter>, BadFilter> {
    let mut filters = Vec::new();
    let mut base = offset;
    let mut rest = line.get(offset..).unwrap_or_default();
    loop {
        let (part, next) = split_pipe(rest);
        let ws = words(part);
        let Some(&(word_offset, word)) = ws.first() else {
            return Err(BadFilter {
                column: column(line, base + part.len()),
            });
        };
        let word_column = column(line, base + word_offset);
        let matches: Vec<_> = keywords
            .iter()
            .filter(|(k, _)| is_prefix_ci(word, k))
            .collect();
        let exact = matches.iter().find(|(k, _)| k.len() == word.len());
        let kind = match (exact, matches.as_slice()) {
            (Some((_, kind)), _) | (None, [(_, kind)]) => *kind,
            _ => {
                return Err(BadFilter {
                    column: word_column,
                });
            }
        };
        let pattern_text = ws
            .get(1)
            .and_then(|&(o, _)| part.get(o..))
            .map(|p| unquote(p.trim_end()));
        let arg_column = ws
            .get(1)
            .map_or(word_column, |&(o, _)| column(line, base + o));
        let pattern = match pattern_text {
            Some(_) if !kind.takes_argument() => {
                return Err(BadFilter { column: arg_column });
            }
            None if kind.takes_argument() => {
                return Err(BadFilter {
                    column: column(line, base + part.trim_end().len()),
                });
            }
            Some(p) if kind.is_regex() => match Regex::new(p) {
                Ok(re) => Some(re),
                Err(_) => return Err(BadFilter { column: arg_column }),
            },
            _ => None,
        };
        filters.push(Filter {
            kind,
            pattern,
            text: pattern_text.unwrap_or_default().to_owned(),
        });
        match next {
            Some((o, r)) => {
                base += o;
                rest = r;
            }
            None => return Ok(filters),
        }
    }
}

/// Splits `line` into its command and its `| filters`, parsed with the
/// platform's filter keywords.
pub(crate) fn split_filters<'a>(
    line: &'a str,
    keywords: &[(&str, FilterKind)],
) -> Result<(&'a str, Vec<Filter>), BadFilter> {
    let (command, pipe) = split_pipe(line);
    let filters = match pipe {
        Some((offset, _)) => parse_filters(line, offset, keywords)?,
        None => Vec::new(),
    };
    Ok((command, filters))
}

/// A command's output through its filters; a `| no-more` shows it
/// without paging.
pub(crate) fn filter_output(ctx: &mut DeviceContext, text: String, filters: &[Filter]) -> String {
    // `| display` and `| compare` are done by the command itself.
    if filters
        .iter()
        .all(|f| matches!(f.kind, FilterKind::Display | FilterKind::Compare))
    {
        return text;
    }
    if wants_no_more(filters) {
        suspend_paging(ctx);
    }
    apply_filters(&text, filters)
}

/// Whether the filters ask for the output without paging.
pub(crate) fn wants_no_more(filters: &[Filter]) -> bool {
    filters.iter().any(|f| f.kind == FilterKind::NoMore)
}

/// Applies `filters` to `text`, line by line.
pub(crate) fn apply_filters(text: &str, filters: &[Filter]) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let mut counted = None;
    for filter in filters {
        let matches = |l: &&str| filter.pattern.as_ref().is_some_and(|re| re.is_match(l));
        match filter.kind {
            FilterKind::Include => lines.retain(matches),
            FilterKind::Exclude => lines.retain(|l| !matches(l)),
            FilterKind::Begin => {
                let first = lines.iter().position(matches).unwrap_or(lines.len());
                lines.drain(..first);
            }
            FilterKind::Count => counted = Some(lines.len()),
            FilterKind::NoMore | FilterKind::Display | FilterKind::Compare => {}
        }
    }
    if let Some(n) = counted {
        return format!("Count: {n} lines\n");
    }
    let mut out = lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// The paging to restore before the next command, after a `| no-more`.
#[derive(Debug)]
pub(crate) struct RestorePaging(pub(crate) Option<usize>);

/// Turns paging off for the current command's output; it is restored
/// before the next command (see [`restore_paging`]).
pub(crate) fn suspend_paging(ctx: &mut DeviceContext) {
    let lines = ctx.page_lines();
    if lines.is_some() && ctx.set_page_lines(None) {
        ctx.insert_state(RestorePaging(lines));
    }
}

/// Restores paging turned off by [`suspend_paging`].
pub(crate) fn restore_paging(ctx: &mut DeviceContext) {
    if let Some(RestorePaging(lines)) = ctx.take_state::<RestorePaging>() {
        ctx.set_page_lines(lines);
    }
}

// ----- running a line -------------------------------------------------------------

/// Why a command line was refused, for the platform to word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineError {
    /// A bad `| filter`: the column of the bad word.
    BadFilter(usize),
    /// No command accepts the word at this spot.
    Invalid(Spot),
    /// A valid start of a command only; the column just past its last
    /// word.
    Incomplete(usize),
    /// A word is a prefix of several keywords.
    Ambiguous(Spot),
}

/// Runs one command line the way every platform does: splits off its
/// `| filters` (a platform without filter keywords has none: its `|` is
/// a word like any other), parses the command against the commands of
/// `table` available in `mode`, has `error` word a refusal (it gets the
/// command part of the line) or `exec` run the command (it gets the
/// filters too), and passes the output through the filters. `None` when
/// the line holds no command.
pub(crate) fn run_parsed<A: Copy>(
    ctx: &mut DeviceContext,
    line: &str,
    table: &'static [Syntax<A>],
    mode: u32,
    filters: &[(&str, FilterKind)],
    error: impl FnOnce(&DeviceContext, &str, LineError) -> String,
    exec: impl FnOnce(&mut DeviceContext, A, &Args<'_>, &[Filter]) -> String,
) -> Option<String> {
    let (command, filters) = if filters.is_empty() {
        (line, Vec::new())
    } else {
        match split_filters(line, filters) {
            Ok(split) => split,
            Err(bad) => return Some(error(ctx, line, LineError::BadFilter(bad.column))),
        }
    };
    let err = match parse(table, mode, command) {
        Parsed::Empty => return None,
        Parsed::Command { act, args } => {
            let text = exec(ctx, act, &args, &filters);
            return Some(filter_output(ctx, text, &filters));
        }
        Parsed::Invalid(spot) => LineError::Invalid(spot),
        Parsed::Incomplete { column } => LineError::Incomplete(column),
        Parsed::Ambiguous(spot) => LineError::Ambiguous(spot),
    };
    Some(error(ctx, command, err))
}

// ----- enable ------------------------------------------------------------------------------

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

// ----- interface names ------------------------------------------------------------------

/// Why an interface name was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum IfError {
    /// The type prefix matches no interface type; `accepted` is how many
    /// of its leading characters some type accepts (where IOS puts its
    /// marker).
    UnknownType { accepted: usize },
    /// The type prefix matches several interface types.
    Ambiguous,
    /// The type is known but the number is missing.
    NoNumber,
    /// The number is malformed; `at` is the offset (in characters, in the
    /// name without blanks) of its first bad character.
    BadNumber { at: usize },
    /// The name is well formed but no such interface exists, and it is
    /// not one that configuring creates.
    Missing,
}

/// Resolves a typed interface type (`eth`, `Gi`, `lo`) with the
/// platform's `(typed prefix, canonical type)` pairs: a prefix matches
/// case-insensitively, an exact match wins over longer ones.
pub(crate) fn resolve_type<'t>(
    typed: &str,
    types: impl IntoIterator<Item = (&'t str, &'t str)>,
) -> Result<&'t str, IfError> {
    if typed.is_empty() {
        return Err(IfError::UnknownType { accepted: 0 });
    }
    let mut found: Option<&str> = None;
    let mut exact: Option<&str> = None;
    let mut ambiguous = false;
    let mut accepted = 0;
    for (name, canonical) in types {
        if !is_prefix_ci(typed, name) {
            let common = typed
                .chars()
                .zip(name.chars())
                .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                .count();
            accepted = accepted.max(common);
            continue;
        }
        if typed.len() == name.len() {
            exact = Some(canonical);
        }
        match found {
            Some(f) if f != canonical => ambiguous = true,
            None => found = Some(canonical),
            _ => {}
        }
    }
    match (exact, found) {
        (Some(c), _) => Ok(c),
        (None, Some(_)) if ambiguous => Err(IfError::Ambiguous),
        (None, Some(c)) => Ok(c),
        (None, None) => Err(IfError::UnknownType { accepted }),
    }
}

/// Turns a typed interface name (`eth1/1`, `Ethernet 1/1`, `gi0/0/0/1`)
/// into its canonical spelling, given the platform's `(typed prefix,
/// canonical type)` pairs (see [`resolve_type`]).
pub(crate) fn canonical_interface(typed: &str, types: &[(&str, &str)]) -> Result<String, IfError> {
    let typed: String = typed.split_whitespace().collect();
    let split = typed
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(typed.len());
    let (prefix, number) = typed.split_at(split);
    let canonical = resolve_type(prefix, types.iter().copied())?;
    if number.is_empty() {
        return Err(IfError::NoNumber);
    }
    let start = prefix.chars().count();
    if let Some(bad) = number
        .chars()
        .position(|c| !(c.is_ascii_alphanumeric() || c == '/' || c == '.'))
    {
        return Err(IfError::BadNumber { at: start + bad });
    }
    if number.ends_with(['/', '.']) {
        return Err(IfError::BadNumber {
            at: start + number.chars().count(),
        });
    }
    Ok(format!("{canonical}{number}"))
}

/// The index in `list` of the interface `typed` names (resolved with
/// [`canonical_interface`]); one that does not exist yet is added, made
/// by `make` from its canonical name, when its type is one of
/// `creatable` (loopbacks, VLAN interfaces …), else it is
/// [`IfError::Missing`].
pub(crate) fn find_interface<T>(
    list: &mut Vec<T>,
    typed: &str,
    types: &[(&str, &str)],
    name_of: impl Fn(&T) -> &str,
    creatable: &[&str],
    make: impl FnOnce(String) -> T,
) -> Result<usize, IfError> {
    let name = canonical_interface(typed, types)?;
    if let Some(i) = list.iter().position(|item| name_of(item) == name) {
        return Ok(i);
    }
    if !creatable.iter().any(|t| name.starts_with(t)) {
        return Err(IfError::Missing);
    }
    list.push(make(name));
    Ok(list.len() - 1)
}

/// The short form of an interface name (`Ethernet1/1` → `Eth1/1`) with
/// the platform's `(long type, short type)` pairs; the first type the
/// name starts with is shortened, a name of no listed type stays.
pub(crate) fn abbreviate(name: &str, table: &[(&str, &str)]) -> String {
    table
        .iter()
        .find_map(|(long, short)| name.strip_prefix(long).map(|rest| format!("{short}{rest}")))
        .unwrap_or_else(|| name.to_owned())
}

// ----- addresses --------------------------------------------------------------------------

/// Parses `A.B.C.D/len`.
pub(crate) fn parse_prefix(text: &str) -> Option<(Ipv4Addr, u8)> {
    let (addr, len) = text.split_once('/')?;
    let addr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    (len <= 32).then_some((addr, len))
}

/// Parses an address and a dotted mask (`10.0.0.1 255.255.255.0`); the
/// error is the index of the bad word (0: the address, 1: the mask).
pub(crate) fn parse_address_mask(address: &str, mask: &str) -> Result<(Ipv4Addr, u8), usize> {
    let address = address.parse().map_err(|_| 0_usize)?;
    let len = mask_len(mask).ok_or(1_usize)?;
    Ok((address, len))
}

/// Parses a dotted mask (`255.255.255.0`) into a prefix length; `None`
/// for a mask that is not contiguous.
pub(crate) fn mask_len(mask: &str) -> Option<u8> {
    mask_prefix_len(mask.parse().ok()?)
}

/// The prefix length of a mask; `None` for a mask that is not contiguous.
pub(crate) fn mask_prefix_len(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    (m.leading_ones() + m.trailing_zeros() == 32)
        .then(|| u8::try_from(m.leading_ones()).ok())
        .flatten()
}

/// The dotted mask of a prefix length.
pub(crate) fn len_mask(len: u8) -> Ipv4Addr {
    let len = u32::from(len.min(32));
    Ipv4Addr::from(u32::MAX.checked_shl(32 - len).unwrap_or(0))
}

// ----- time -----------------------------------------------------------------------------------

/// A UTC wall-clock time, for the timestamps devices print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Clock {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    pub(crate) millis: u32,
    /// 0 is Monday.
    pub(crate) weekday: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl Clock {
    /// The current time.
    pub(crate) fn now() -> Clock {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Clock::from_unix_millis(i64::try_from(since.as_millis()).unwrap_or(0))
    }

    /// The time `ms` milliseconds after the Unix epoch.
    pub(crate) fn from_unix_millis(ms: i64) -> Clock {
        let secs = ms.div_euclid(1000);
        let millis = u32::try_from(ms.rem_euclid(1000)).unwrap_or(0);
        let days = secs.div_euclid(86_400);
        let rem = u32::try_from(secs.rem_euclid(86_400)).unwrap_or(0);
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
        let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
        let year = yoe + era * 400 + i64::from(month <= 2);
        let weekday = u32::try_from((days + 3).rem_euclid(7)).unwrap_or(0);
        Clock {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
            millis,
            weekday,
        }
    }

    /// `Mon`, `Tue`, …
    pub(crate) fn weekday_name(&self) -> &'static str {
        WEEKDAYS
            .get(self.weekday as usize)
            .copied()
            .unwrap_or("Mon")
    }

    /// `Jan`, `Feb`, …
    pub(crate) fn month_name(&self) -> &'static str {
        MONTHS
            .get((self.month as usize).saturating_sub(1))
            .copied()
            .unwrap_or("Jan")
    }

    /// `2024-03-04 10:42:17`
    pub(crate) fn iso(&self) -> String {
        format!(
            "{}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `10:42:17`
    pub(crate) fn hms(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }

    /// `Mon Mar  4 10:42:17 2024`, as C's `ctime` writes it.
    pub(crate) fn ctime(&self) -> String {
        format!(
            "{} {} {:2} {} {}",
            self.weekday_name(),
            self.month_name(),
            self.day,
            self.hms(),
            self.year
        )
    }
}

// ----- text -------------------------------------------------------------------------------------

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

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum T {
        ShowVersion,
        ShowVlan,
        Desc,
        Len,
    }

    static TABLE: &[Syntax<T>] = &[
        cmd(1, &[Tok::Kw("show"), Tok::Kw("version")], T::ShowVersion),
        cmd(1, &[Tok::Kw("show"), Tok::Kw("vlan")], T::ShowVlan),
        cmd(1, &[Tok::Kw("description"), Tok::Rest], T::Desc),
        cmd(
            2,
            &[
                Tok::Kw("screen-length"),
                Tok::Num(0, 512),
                Tok::Kw("temporary"),
            ],
            T::Len,
        ),
    ];

    #[test]
    fn parser_spots() {
        assert!(matches!(
            parse(TABLE, 1, "sh ver"),
            Parsed::Command {
                act: T::ShowVersion,
                ..
            }
        ));
        assert_eq!(
            parse(TABLE, 1, "show v"),
            Parsed::Ambiguous(Spot {
                word: 1,
                word_column: 5,
                column: 5
            })
        );
        assert_eq!(
            parse(TABLE, 1, "show versoin"),
            Parsed::Invalid(Spot {
                word: 1,
                word_column: 5,
                column: 9
            })
        );
        assert_eq!(parse(TABLE, 1, "show "), Parsed::Incomplete { column: 4 });
        assert_eq!(
            parse(TABLE, 1, "screen-length 0 temporary"),
            Parsed::Invalid(Spot {
                word: 0,
                word_column: 0,
                column: 1
            })
        );
        match parse(TABLE, 2, "screen-length 0 temp") {
            Parsed::Command { act, args } => {
                assert_eq!(act, T::Len);
                assert_eq!(
                    args.0,
                    vec![Arg {
                        text: "0",
                        column: 14
                    }]
                );
            }
            other => panic!("{other:?}"),
        }
        match parse(TABLE, 1, "desc \"a | b\"") {
            Parsed::Command { args, .. } => assert_eq!(args.text(0), "\"a | b\""),
            other => panic!("{other:?}"),
        }
    }

    /// What the IOS emulator relies on: abbreviations, arguments, and
    /// where its `^` marker goes.
    #[test]
    fn parser_ios_style() {
        static IOS: &[Syntax<T>] = &[
            cmd(3, &[Tok::Kw("show"), Tok::Kw("version")], T::ShowVersion),
            cmd(3, &[Tok::Kw("show"), Tok::Kw("clock")], T::ShowVlan),
            cmd(2, &[Tok::Kw("show"), Tok::Kw("configuration")], T::Desc),
            cmd(3, &[Tok::Kw("description"), Tok::Rest], T::Desc),
            cmd(3, &[Tok::Kw("enable")], T::Len),
            cmd(3, &[Tok::Kw("exit")], T::Len),
            cmd(
                3,
                &[Tok::Kw("terminal"), Tok::Kw("length"), Tok::Num(0, 512)],
                T::Len,
            ),
        ];
        let act = |line| match parse(IOS, 2, line) {
            Parsed::Command { act, .. } => Some(act),
            _ => None,
        };
        let invalid_at = |mode, line| match parse(IOS, mode, line) {
            Parsed::Invalid(spot) => Some(spot.column),
            _ => None,
        };
        assert_eq!(act("  SH   VER  "), Some(T::ShowVersion));
        assert_eq!(act("sh conf"), Some(T::Desc));
        match parse(IOS, 2, "desc  uplink to core  ") {
            Parsed::Command { args, .. } => assert_eq!(
                args.0,
                vec![Arg {
                    text: "uplink to core",
                    column: 6
                }]
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse(IOS, 2, "   "), Parsed::Empty);
        assert!(matches!(
            parse(IOS, 2, "description"),
            Parsed::Incomplete { .. }
        ));
        assert!(matches!(parse(IOS, 2, "e"), Parsed::Ambiguous(_)));
        assert_eq!(invalid_at(2, "show verx"), Some(8));
        assert_eq!(invalid_at(2, "foo"), Some(0));
        assert_eq!(invalid_at(2, "show version now"), Some(13));
        assert_eq!(invalid_at(2, "term len 600"), Some(9));
        assert_eq!(invalid_at(2, "term len 1x"), Some(10));
        // A command of another mode does not exist here.
        assert_eq!(invalid_at(1, "sh conf"), Some(4));
    }

    #[test]
    fn filters() {
        let kws = [
            ("include", FilterKind::Include),
            ("exclude", FilterKind::Exclude),
            ("begin", FilterKind::Begin),
            ("count", FilterKind::Count),
            ("no-more", FilterKind::NoMore),
        ];
        let line = "show x | inc up | exclude Lo";
        let (cmd, rest) = split_pipe(line);
        assert_eq!(cmd, "show x ");
        let (offset, _) = rest.unwrap();
        let filters = parse_filters(line, offset, &kws).unwrap();
        let text = "a up\nLo0 up\nb down\nc up\n";
        assert_eq!(apply_filters(text, &filters), "a up\nc up\n");
        let filters = parse_filters("x | beg b", 3, &kws).unwrap();
        assert_eq!(apply_filters(text, &filters), "b down\nc up\n");
        let filters = parse_filters("x | count", 3, &kws).unwrap();
        assert_eq!(apply_filters(text, &filters), "Count: 4 lines\n");
        assert!(wants_no_more(
            &parse_filters("x | no-more", 3, &kws).unwrap()
        ));
        assert_eq!(
            parse_filters("x | frob y", 3, &kws).unwrap_err(),
            BadFilter { column: 4 }
        );
        assert_eq!(
            parse_filters("x | include", 3, &kws).unwrap_err(),
            BadFilter { column: 11 }
        );
        assert_eq!(split_pipe("desc \"a|b\""), ("desc \"a|b\"", None));
    }

    #[test]
    fn interface_names() {
        let types = [
            ("Ethernet", "Ethernet"),
            ("loopback", "loopback"),
            ("mgmt", "mgmt"),
            ("GE", "GigabitEthernet"),
            ("GigabitEthernet", "GigabitEthernet"),
        ];
        assert_eq!(
            canonical_interface("eth1/1", &types).unwrap(),
            "Ethernet1/1"
        );
        assert_eq!(canonical_interface("e 1/1", &types).unwrap(), "Ethernet1/1");
        assert_eq!(canonical_interface("lo0", &types).unwrap(), "loopback0");
        assert_eq!(
            canonical_interface("ge0/0/1", &types).unwrap(),
            "GigabitEthernet0/0/1"
        );
        assert_eq!(
            canonical_interface("g0/0/1", &types).unwrap(),
            "GigabitEthernet0/0/1"
        );
        assert_eq!(
            canonical_interface("x1", &types),
            Err(IfError::UnknownType { accepted: 0 })
        );
        assert_eq!(
            canonical_interface("eths1", &types),
            Err(IfError::UnknownType { accepted: 3 })
        );
        assert_eq!(canonical_interface("eth", &types), Err(IfError::NoNumber));
        assert_eq!(
            canonical_interface("eth1/", &types),
            Err(IfError::BadNumber { at: 5 })
        );
        assert_eq!(
            canonical_interface("eth 1/x_2", &types),
            Err(IfError::BadNumber { at: 6 })
        );
        assert_eq!(
            canonical_interface("1/1", &types),
            Err(IfError::UnknownType { accepted: 0 })
        );
        assert_eq!(canonical_interface("m1", &types), Ok("mgmt1".to_owned()));
        assert_eq!(
            canonical_interface("g1", &[("Gi", "Gi"), ("GE", "GE")]),
            Err(IfError::Ambiguous)
        );
        let mut list = vec![Interface::new("Ethernet1/1")];
        upsert_interface(&mut list, Interface::new("Ethernet1/1").with_shutdown(true));
        upsert_interface(&mut list, Interface::new("loopback0"));
        assert_eq!(list.len(), 2);
        assert!(list[0].shutdown);

        let creatable = ["loopback"];
        let find = |list: &mut Vec<Interface>, typed| {
            find_interface(list, typed, &types, |i| &i.name, &creatable, Interface::new)
        };
        assert_eq!(find(&mut list, "lo0"), Ok(1));
        assert_eq!(find(&mut list, "lo7"), Ok(2));
        assert_eq!(list[2].name, "loopback7");
        assert_eq!(find(&mut list, "eth1/9"), Err(IfError::Missing));
        assert_eq!(list.len(), 3);

        list[0].apply(IfEdit::Description(Some("up".to_owned())));
        list[0].apply(IfEdit::Shutdown(false));
        list[0].apply(IfEdit::Address(Some((Ipv4Addr::new(10, 0, 0, 1), 31))));
        assert_eq!(
            list[0],
            Interface::new("Ethernet1/1")
                .with_description("up")
                .with_address(Ipv4Addr::new(10, 0, 0, 1), 31)
        );
        list[0].apply(IfEdit::Description(None));
        list[0].apply(IfEdit::Address(None));
        assert_eq!(list[0], Interface::new("Ethernet1/1"));

        let short = [("Ethernet", "Eth"), ("loopback", "Lo")];
        assert_eq!(abbreviate("Ethernet1/1", &short), "Eth1/1");
        assert_eq!(abbreviate("loopback0", &short), "Lo0");
        assert_eq!(abbreviate("mgmt0", &short), "mgmt0");
    }

    #[test]
    fn lines_run_through_the_parser_and_the_filters() {
        let mut ctx = DeviceContext::new("h");
        let kws = [("include", FilterKind::Include)];
        let mut run = |line: &str, filters: &[(&str, FilterKind)]| {
            run_parsed(
                &mut ctx,
                line,
                TABLE,
                1,
                filters,
                |_, command, err| format!("{command:?} {err:?}"),
                |_, act, args, filters| {
                    format!("{act:?} {:?} {}\nother\n", args.text(0), filters.len())
                },
            )
        };
        assert_eq!(run("  ", &kws), None);
        assert_eq!(
            run("sh ver | inc Show", &kws).as_deref(),
            Some("ShowVersion \"\" 1\n")
        );
        assert_eq!(
            run("desc a | b", &kws).as_deref(),
            Some("\"desc a | b\" BadFilter(9)")
        );
        // Without filter keywords the bar is part of the command.
        assert_eq!(
            run("desc a | b", &[]).as_deref(),
            Some("Desc \"a | b\" 0\nother\n")
        );
        assert_eq!(
            run("show | inc x", &kws).as_deref(),
            Some("\"show \" Incomplete(4)")
        );
        assert!(run("show vx", &kws).unwrap().contains("Invalid(Spot"));
        assert!(run("show v", &kws).unwrap().contains("Ambiguous(Spot"));
    }

    #[test]
    fn addresses() {
        assert_eq!(
            parse_prefix("10.0.0.1/31"),
            Some((Ipv4Addr::new(10, 0, 0, 1), 31))
        );
        assert_eq!(parse_prefix("10.0.0.1/33"), None);
        assert_eq!(parse_prefix("10.0.0.1"), None);
        assert_eq!(mask_len("255.255.255.0"), Some(24));
        assert_eq!(mask_len("255.0.255.0"), None);
        assert_eq!(
            parse_address_mask("10.0.0.1", "255.255.255.252"),
            Ok((Ipv4Addr::new(10, 0, 0, 1), 30))
        );
        assert_eq!(parse_address_mask("10.0.0", "255.255.255.252"), Err(0));
        assert_eq!(parse_address_mask("10.0.0.1", "255.0.255.0"), Err(1));
        assert_eq!(len_mask(24), Ipv4Addr::new(255, 255, 255, 0));
        assert_eq!(len_mask(0), Ipv4Addr::new(0, 0, 0, 0));
        assert_eq!(len_mask(32), Ipv4Addr::new(255, 255, 255, 255));
    }

    #[test]
    fn clock_conversion() {
        // 2024-03-04 10:42:17.312 UTC was a Monday.
        let c = Clock::from_unix_millis(1_709_548_937_312);
        assert_eq!(c.iso(), "2024-03-04 10:42:17");
        assert_eq!(c.millis, 312);
        assert_eq!(c.weekday_name(), "Mon");
        assert_eq!(c.month_name(), "Mar");
        assert_eq!(c.ctime(), "Mon Mar  4 10:42:17 2024");
        let epoch = Clock::from_unix_millis(0);
        assert_eq!(epoch.iso(), "1970-01-01 00:00:00");
        assert_eq!(epoch.weekday_name(), "Thu");
        assert_eq!(
            Clock::from_unix_millis(951_782_400_000).iso(),
            "2000-02-29 00:00:00"
        );
    }

    #[test]
    fn text_helpers() {
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("abcd", 4), "abcd ");
        assert!(valid_hostname("leaf-1.lab"));
        assert!(!valid_hostname("1leaf"));
        assert!(!valid_hostname("a b"));
        assert_eq!(unquote("\"x y\""), "x y");
        assert_eq!(unquote("xy"), "xy");
    }
}
