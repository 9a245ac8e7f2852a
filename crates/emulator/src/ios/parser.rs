//! An IOS-style keyword-prefix command parser (crate-private).
//!
//! A command is a sequence of tokens; each typed word must be a prefix of
//! the keyword at its position (unique among the commands still possible)
//! or a valid argument. Errors carry what IOS reports: the column of the
//! first bad character, an incomplete command, or an ambiguous prefix.

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

/// A command's syntax, the modes it exists in, and what it does.
#[derive(Debug)]
pub(crate) struct Syntax<A: 'static> {
    pub(crate) modes: u8,
    pub(crate) toks: &'static [Tok],
    pub(crate) act: A,
}

/// An argument of a parsed command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Arg<'a> {
    pub(crate) text: &'a str,
    /// Column (in characters, from the start of the line) of the argument.
    pub(crate) column: usize,
}

/// The outcome of parsing one line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed<'a, A> {
    /// Nothing but blanks.
    Empty,
    /// A complete command.
    Command { act: A, args: Vec<Arg<'a>> },
    /// Bad input; `column` is where IOS puts its `^` marker.
    Invalid { column: usize },
    /// The line is a valid start of a command but not a complete one.
    Incomplete,
    /// A word is a prefix of several keywords.
    Ambiguous,
}

fn words(line: &str) -> Vec<(usize, &str)> {
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
            // An all-digit word is out of range: IOS marks its start.
            if digits == word.chars().count() {
                0
            } else {
                digits
            }
        }
        Tok::Word | Tok::Rest => 0,
    }
}

fn column(line: &str, byte_offset: usize) -> usize {
    line.get(..byte_offset).map_or(0, |s| s.chars().count())
}

/// Parses `line` against the commands of `table` available in `mode`
/// (a bit mask matched against [`Syntax::modes`]).
pub(crate) fn parse<'a, A: Copy>(
    table: &'static [Syntax<A>],
    mode: u8,
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
        if !keywords.is_empty() {
            if exact {
                keywords.retain(|s| keyword_at(s).is_some_and(|k| k.len() == word.len()));
            } else {
                let first = keywords.first().and_then(|s| keyword_at(s));
                if keywords.iter().any(|s| keyword_at(s) != first) {
                    return Parsed::Ambiguous;
                }
            }
            cands = keywords;
        } else if !args.is_empty() {
            cands = args;
        } else {
            return Parsed::Invalid {
                column: column(line, offset) + accepted,
            };
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
        None => Parsed::Incomplete,
    }
}

fn collect_args<'a, A>(s: &Syntax<A>, line: &'a str, words: &[(usize, &'a str)]) -> Vec<Arg<'a>> {
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
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum T {
        ShowVersion,
        ShowClock,
        ShowIpIntBrief,
        Write,
        WriteMemory,
        Desc,
        TermLen,
        Enable,
        Exit,
        PrivOnly,
    }

    static TABLE: &[Syntax<T>] = &[
        Syntax {
            modes: 3,
            toks: &[Tok::Kw("show"), Tok::Kw("version")],
            act: T::ShowVersion,
        },
        Syntax {
            modes: 3,
            toks: &[Tok::Kw("show"), Tok::Kw("clock")],
            act: T::ShowClock,
        },
        Syntax {
            modes: 3,
            toks: &[
                Tok::Kw("show"),
                Tok::Kw("ip"),
                Tok::Kw("interface"),
                Tok::Kw("brief"),
            ],
            act: T::ShowIpIntBrief,
        },
        Syntax {
            modes: 2,
            toks: &[Tok::Kw("show"), Tok::Kw("configuration")],
            act: T::PrivOnly,
        },
        Syntax {
            modes: 3,
            toks: &[Tok::Kw("write")],
            act: T::Write,
        },
        Syntax {
            modes: 3,
            toks: &[Tok::Kw("write"), Tok::Kw("memory")],
            act: T::WriteMemory,
        },
        Syntax {
            modes: 3,
            toks: &[Tok::Kw("description"), Tok::Rest],
            act: T::Desc,
        },
        Syntax {
            modes: 3,
            toks: &[Tok::Kw("terminal"), Tok::Kw("length"), Tok::Num(0, 512)],
            act: T::TermLen,
        },
        Syntax {
            modes: 3,
            toks: &[Tok::Kw("enable")],
            act: T::Enable,
        },
        Syntax {
            modes: 3,
            toks: &[Tok::Kw("exit")],
            act: T::Exit,
        },
    ];

    fn act(line: &str) -> Option<T> {
        match parse(TABLE, 2, line) {
            Parsed::Command { act, .. } => Some(act),
            _ => None,
        }
    }

    #[test]
    fn abbreviations() {
        assert_eq!(act("show version"), Some(T::ShowVersion));
        assert_eq!(act("sh ver"), Some(T::ShowVersion));
        assert_eq!(act("  SH   VER  "), Some(T::ShowVersion));
        assert_eq!(act("sh ip int br"), Some(T::ShowIpIntBrief));
        assert_eq!(act("wr"), Some(T::Write));
        assert_eq!(act("wr mem"), Some(T::WriteMemory));
        assert_eq!(act("en"), Some(T::Enable));
        assert_eq!(act("sh conf"), Some(T::PrivOnly));
    }

    #[test]
    fn arguments() {
        match parse(TABLE, 2, "desc  uplink to core  ") {
            Parsed::Command { act, args } => {
                assert_eq!(act, T::Desc);
                assert_eq!(
                    args,
                    vec![Arg {
                        text: "uplink to core",
                        column: 6
                    }]
                );
            }
            other => panic!("{other:?}"),
        }
        match parse(TABLE, 2, "term len 0") {
            Parsed::Command { args, .. } => assert_eq!(
                args[0],
                Arg {
                    text: "0",
                    column: 9
                }
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors() {
        assert_eq!(parse(TABLE, 2, "   "), Parsed::Empty);
        assert_eq!(parse(TABLE, 2, "show"), Parsed::Incomplete);
        assert_eq!(parse(TABLE, 2, "sh ip"), Parsed::Incomplete);
        assert_eq!(parse(TABLE, 2, "description"), Parsed::Incomplete);
        assert_eq!(parse(TABLE, 2, "sh c"), Parsed::Ambiguous);
        assert_eq!(parse(TABLE, 2, "e"), Parsed::Ambiguous);
        // Caret under the first character no keyword accepts.
        assert_eq!(parse(TABLE, 2, "show verx"), Parsed::Invalid { column: 8 });
        assert_eq!(parse(TABLE, 2, "foo"), Parsed::Invalid { column: 0 });
        assert_eq!(
            parse(TABLE, 2, "show version now"),
            Parsed::Invalid { column: 13 }
        );
        assert_eq!(
            parse(TABLE, 2, "term len 600"),
            Parsed::Invalid { column: 9 }
        );
        assert_eq!(
            parse(TABLE, 2, "term len 1x"),
            Parsed::Invalid { column: 10 }
        );
        // A command of another mode does not exist here.
        assert_eq!(parse(TABLE, 1, "sh conf"), Parsed::Invalid { column: 4 });
    }
}
