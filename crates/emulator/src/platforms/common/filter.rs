//! Output filters (`| include`, `| count`, `| no-more` …) and the paging
//! a `| no-more` suspends for one command.

use regex::Regex;

use super::parser::{column, is_prefix_ci, unquote, words};
use crate::context::DeviceContext;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
