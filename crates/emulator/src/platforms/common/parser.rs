//! The keyword-prefix command parser every platform emulator uses (each
//! typed word is any unambiguous prefix of its keyword), and the running
//! of one command line through it and the output filters.

use super::filter::{Filter, FilterKind, filter_output, split_filters};
use crate::context::DeviceContext;

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

/// Whether `word` is a case-insensitive prefix of `keyword`.
pub(crate) fn is_prefix_ci(word: &str, keyword: &str) -> bool {
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

/// Parses `line` against the commands of `tables` available in `mode`
/// (a bit matched against [`Syntax::modes`]).
pub(crate) fn parse<'a, A: Copy>(
    tables: &[&'static [Syntax<A>]],
    mode: u32,
    line: &'a str,
) -> Parsed<'a, A> {
    let words = words(line);
    if words.is_empty() {
        return Parsed::Empty;
    }
    let mut cands: Vec<&'static Syntax<A>> = tables
        .iter()
        .flat_map(|table| table.iter())
        .filter(|s| s.modes & mode != 0)
        .collect();
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

/// A platform's command language: the commands of its modes (its own
/// table, and tables it shares with other platforms) and the `| filter`
/// keywords its lines accept (none: a `|` is then a word like any other).
#[derive(Debug)]
pub(crate) struct Cli<A: 'static> {
    pub(crate) tables: &'static [&'static [Syntax<A>]],
    pub(crate) filters: &'static [(&'static str, FilterKind)],
}

impl<A: Copy> Cli<A> {
    /// Parses `line` against the commands available in `mode`.
    pub(crate) fn parse<'a>(&self, mode: u32, line: &'a str) -> Parsed<'a, A> {
        parse(self.tables, mode, line)
    }

    /// Runs one command line the way every platform does: splits off its
    /// `| filters`, parses the command against the commands available in
    /// `mode`, has `error` word a refusal (it gets the command part of
    /// the line) or `exec` run the command (it gets the filters too), and
    /// passes the output through the filters. `None` when the line holds
    /// no command.
    pub(crate) fn run(
        &self,
        ctx: &mut DeviceContext,
        line: &str,
        mode: u32,
        error: impl FnOnce(&DeviceContext, &str, LineError) -> String,
        exec: impl FnOnce(&mut DeviceContext, A, &Args<'_>, &[Filter]) -> String,
    ) -> Option<String> {
        let (command, filters) = if self.filters.is_empty() {
            (line, Vec::new())
        } else {
            match split_filters(line, self.filters) {
                Ok(split) => split,
                Err(bad) => return Some(error(ctx, line, LineError::BadFilter(bad.column))),
            }
        };
        let err = match self.parse(mode, command) {
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
            parse(&[TABLE], 1, "sh ver"),
            Parsed::Command {
                act: T::ShowVersion,
                ..
            }
        ));
        assert_eq!(
            parse(&[TABLE], 1, "show v"),
            Parsed::Ambiguous(Spot {
                word: 1,
                word_column: 5,
                column: 5
            })
        );
        assert_eq!(
            parse(&[TABLE], 1, "show versoin"),
            Parsed::Invalid(Spot {
                word: 1,
                word_column: 5,
                column: 9
            })
        );
        assert_eq!(
            parse(&[TABLE], 1, "show "),
            Parsed::Incomplete { column: 4 }
        );
        assert_eq!(
            parse(&[TABLE], 1, "screen-length 0 temporary"),
            Parsed::Invalid(Spot {
                word: 0,
                word_column: 0,
                column: 1
            })
        );
        match parse(&[TABLE], 2, "screen-length 0 temp") {
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
        match parse(&[TABLE], 1, "desc \"a | b\"") {
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
        let act = |line| match parse(&[IOS], 2, line) {
            Parsed::Command { act, .. } => Some(act),
            _ => None,
        };
        let invalid_at = |mode, line| match parse(&[IOS], mode, line) {
            Parsed::Invalid(spot) => Some(spot.column),
            _ => None,
        };
        assert_eq!(act("  SH   VER  "), Some(T::ShowVersion));
        assert_eq!(act("sh conf"), Some(T::Desc));
        match parse(&[IOS], 2, "desc  uplink to core  ") {
            Parsed::Command { args, .. } => assert_eq!(
                args.0,
                vec![Arg {
                    text: "uplink to core",
                    column: 6
                }]
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse(&[IOS], 2, "   "), Parsed::Empty);
        assert!(matches!(
            parse(&[IOS], 2, "description"),
            Parsed::Incomplete { .. }
        ));
        assert!(matches!(parse(&[IOS], 2, "e"), Parsed::Ambiguous(_)));
        assert_eq!(invalid_at(2, "show verx"), Some(8));
        assert_eq!(invalid_at(2, "foo"), Some(0));
        assert_eq!(invalid_at(2, "show version now"), Some(13));
        assert_eq!(invalid_at(2, "term len 600"), Some(9));
        assert_eq!(invalid_at(2, "term len 1x"), Some(10));
        // A command of another mode does not exist here.
        assert_eq!(invalid_at(1, "sh conf"), Some(4));
    }

    #[test]
    fn quotes() {
        assert_eq!(unquote("\"x y\""), "x y");
        assert_eq!(unquote("xy"), "xy");
    }

    #[test]
    fn lines_run_through_the_parser_and_the_filters() {
        let mut ctx = DeviceContext::new("h");
        static KWS: &[(&str, FilterKind)] = &[("include", FilterKind::Include)];
        let kws = KWS;
        let mut run = |line: &str, filters: &'static [(&'static str, FilterKind)]| {
            static TABLES: &[&[Syntax<T>]] = &[TABLE];
            let cli = Cli {
                tables: TABLES,
                filters,
            };
            cli.run(
                &mut ctx,
                line,
                1,
                |_, command, err| format!("{command:?} {err:?}"),
                |_, act, args, filters| {
                    format!("{act:?} {:?} {}\nother\n", args.text(0), filters.len())
                },
            )
        };
        assert_eq!(run("  ", kws), None);
        assert_eq!(
            run("sh ver | inc Show", kws).as_deref(),
            Some("ShowVersion \"\" 1\n")
        );
        assert_eq!(
            run("desc a | b", kws).as_deref(),
            Some("\"desc a | b\" BadFilter(9)")
        );
        // Without filter keywords the bar is part of the command.
        assert_eq!(
            run("desc a | b", &[]).as_deref(),
            Some("Desc \"a | b\" 0\nother\n")
        );
        assert_eq!(
            run("show | inc x", kws).as_deref(),
            Some("\"show \" Incomplete(4)")
        );
        assert!(run("show vx", kws).unwrap().contains("Invalid(Spot"));
        assert!(run("show v", kws).unwrap().contains("Ambiguous(Spot"));
    }
}
