//! Token recognition, the way Exscript's lexer sees a template.
//!
//! Exscript switches grammars as it goes: *text* (lines sent to the
//! device), *code* (inside `{…}`), and the insides of strings and regular
//! expressions. In each grammar the token types are tried in a fixed
//! order and the first that matches at the current position wins; this
//! module keeps those orders, so that `0x0a`, `is not`, `interfaces`
//! (not `in`) or `connection.exec(` are read as Exscript reads them.

/// Keywords of the code grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kw {
    Append,
    As,
    Else,
    End,
    Enter,
    Extract,
    Fail,
    False,
    From,
    If,
    Into,
    Loop,
    Try,
    To,
    True,
    Until,
    When,
    While,
}

const KEYWORDS: &[(&str, Kw)] = &[
    ("append", Kw::Append),
    ("as", Kw::As),
    ("else", Kw::Else),
    ("end", Kw::End),
    ("enter", Kw::Enter),
    ("extract", Kw::Extract),
    ("fail", Kw::Fail),
    ("false", Kw::False),
    ("from", Kw::From),
    ("if", Kw::If),
    ("into", Kw::Into),
    ("loop", Kw::Loop),
    ("try", Kw::Try),
    ("to", Kw::To),
    ("true", Kw::True),
    ("until", Kw::Until),
    ("when", Kw::When),
    ("while", Kw::While),
];

impl Kw {
    pub(crate) fn as_str(self) -> &'static str {
        KEYWORDS
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("?", |(s, _)| s)
    }
}

/// Comparison operators (priority 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    In,
    NotIn,
    IsNot,
    Is,
    Ge,
    Gt,
    Le,
    Lt,
    Matches,
}

/// A token of the code grammar, with its length in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    Escaped,
    RegexDelim,
    StringDelim,
    OpenCurly,
    CloseCurly,
    CloseBracket,
    Comma,
    Whitespace,
    Keyword(Kw),
    Assign,
    Octal(&'a str),
    /// `0x` followed by word characters (validated by the parser).
    Hex(&'a str),
    Comparison(Cmp),
    /// `*`, `+`, `-`, `%` or `.`.
    Arith(u8),
    /// `and`, `or` or `not`.
    Logical(&'static str),
    /// A function name followed by `(` (the name without it).
    OpenCall(&'a str),
    Varname(&'a str),
    Number(&'a str),
    Newline,
    Raw(&'a str),
    Eof,
}

impl Tok<'_> {
    /// How the token is named in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Escaped => "an escaped character".into(),
            Tok::RegexDelim => "`/`".into(),
            Tok::StringDelim => "`\"`".into(),
            Tok::OpenCurly => "`{`".into(),
            Tok::CloseCurly => "`}`".into(),
            Tok::CloseBracket => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Whitespace => "a blank".into(),
            Tok::Keyword(k) => format!("keyword `{}`", k.as_str()),
            Tok::Assign => "`=`".into(),
            Tok::Octal(s) | Tok::Hex(s) | Tok::Number(s) => format!("number `{s}`"),
            Tok::Comparison(_) => "a comparison operator".into(),
            Tok::Arith(c) => format!("operator `{}`", char::from(*c)),
            Tok::Logical(s) => format!("operator `{s}`"),
            Tok::OpenCall(name) => format!("function call `{name}(`"),
            Tok::Varname(name) => format!("name `{name}`"),
            Tok::Newline => "a line break".into(),
            Tok::Raw(s) => format!("`{}`", s.trim_end()),
            Tok::Eof => "the end of the template".into(),
        }
    }
}

/// Python's `\w` for one character.
pub(crate) fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn char_before(src: &str, pos: usize) -> Option<char> {
    src[..pos].chars().next_back()
}

/// Length of the blanks (`\s+`, line breaks included) at `pos`.
fn spaces(src: &str, pos: usize) -> usize {
    src[pos..]
        .char_indices()
        .find(|(_, c)| !c.is_whitespace())
        .map_or(src.len() - pos, |(i, _)| i)
}

/// Length of the run of word characters at `pos`.
fn word_len(src: &str, pos: usize) -> usize {
    let rest = &src[pos..];
    rest.char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(rest.len(), |(i, _)| i)
}

/// Length of a variable name at `pos` (Exscript's `varname_re`:
/// an optional `__`, an ASCII letter, word characters), 0 if none.
pub(crate) fn varname_len(src: &str, pos: usize) -> usize {
    let rest = &src[pos..];
    let start = if rest.starts_with("__") { 2 } else { 0 };
    match rest[start..].chars().next() {
        Some(c) if c.is_ascii_alphabetic() => start + word_len(src, pos + start),
        _ => 0,
    }
}

fn digits_len(src: &str, pos: usize) -> usize {
    src[pos..].bytes().take_while(u8::is_ascii_digit).count()
}

fn keyword(word: &str) -> Option<Kw> {
    KEYWORDS.iter().find(|(w, _)| *w == word).map(|(_, k)| *k)
}

/// `first` blanks `second` as two words at `pos` (`is not`, `not in`):
/// the length.
fn two_words(src: &str, pos: usize, first: &str, second: &str) -> Option<usize> {
    let gap = spaces(src, pos + first.len());
    let at = pos + first.len() + gap;
    (gap > 0 && src[at..].starts_with(second) && word_len(src, at) == second.len())
        .then_some(first.len() + gap + second.len())
}

/// The comparison operator made of `word` at `pos` (a whole word), tried
/// in Exscript's order.
fn comparison(src: &str, pos: usize, word: &str) -> Option<(Cmp, usize)> {
    match word {
        "in" => Some((Cmp::In, 2)),
        "not" => two_words(src, pos, "not", "in").map(|n| (Cmp::NotIn, n)),
        "is" => Some(match two_words(src, pos, "is", "not") {
            Some(n) => (Cmp::IsNot, n),
            None => (Cmp::Is, 2),
        }),
        "ge" => Some((Cmp::Ge, 2)),
        "gt" => Some((Cmp::Gt, 2)),
        "le" => Some((Cmp::Le, 2)),
        "lt" => Some((Cmp::Lt, 2)),
        "matches" => Some((Cmp::Matches, 7)),
        _ => None,
    }
}

/// The code-grammar token at `pos` and its length.
pub(crate) fn code_token(src: &str, pos: usize) -> (Tok<'_>, usize) {
    let rest = &src[pos..];
    let Some(c) = rest.chars().next() else {
        return (Tok::Eof, 0);
    };
    match c {
        '\\' => {
            if let Some(e) = rest[1..].chars().next().filter(|&e| e != '\n' && e != '\r') {
                return (Tok::Escaped, 1 + e.len_utf8());
            }
        }
        '/' => return (Tok::RegexDelim, 1),
        '"' => return (Tok::StringDelim, 1),
        '{' => return (Tok::OpenCurly, 1),
        '}' => return (Tok::CloseCurly, 1),
        ')' => return (Tok::CloseBracket, 1),
        ',' => return (Tok::Comma, 1),
        ' ' | '\t' => {
            let n = rest
                .bytes()
                .take_while(|b| *b == b' ' || *b == b'\t')
                .count();
            return (Tok::Whitespace, n);
        }
        '=' => return (Tok::Assign, 1),
        '*' | '+' | '-' | '%' | '.' => return (Tok::Arith(rest.as_bytes()[0]), 1),
        '\n' | '\r' => return (Tok::Newline, 1),
        _ => {}
    }
    if is_word(c) {
        // Keywords, comparisons and `and`/`or`/`not` are whole words
        // (`\b…\b`); what is tried first wins, as in Exscript.
        let word = &rest[..word_len(src, pos)];
        let starts_word = !char_before(src, pos).is_some_and(is_word);
        if starts_word && let Some(kw) = keyword(word) {
            return (Tok::Keyword(kw), word.len());
        }
        if c == '0' {
            let n = digits_len(src, pos + 1);
            if n > 0 {
                return (Tok::Octal(&rest[..1 + n]), 1 + n);
            }
            if word.len() > 2 && word.as_bytes()[1] == b'x' {
                return (Tok::Hex(word), word.len());
            }
        }
        if starts_word {
            if let Some((cmp, n)) = comparison(src, pos, word) {
                return (Tok::Comparison(cmp), n);
            }
            if let Some(op) = ["and", "or", "not"].into_iter().find(|op| *op == word) {
                return (Tok::Logical(op), word.len());
            }
        }
        let name = varname_len(src, pos);
        if name > 0 {
            // A dotted name followed by `(` is a function call.
            let mut end = pos + name;
            loop {
                if src[end..].starts_with('(') {
                    return (Tok::OpenCall(&src[pos..end]), end + 1 - pos);
                }
                if src[end..].starts_with('.') {
                    let n = varname_len(src, end + 1);
                    if n > 0 {
                        end += 1 + n;
                        continue;
                    }
                }
                break;
            }
            return (Tok::Varname(&rest[..name]), name);
        }
        let n = digits_len(src, pos);
        if n > 0 {
            return (Tok::Number(&rest[..n]), n);
        }
    }
    let n = rest
        .find(['\r', '\n', '{', '}'])
        .unwrap_or(rest.len())
        .max(c.len_utf8());
    (Tok::Raw(&rest[..n]), n)
}

/// A token of the text grammar (lines sent to the device).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextTok<'a> {
    /// `\` and the character after it.
    Escaped(char),
    OpenCurly,
    CloseCurly,
    /// A line break (or `;` when semicolons separate lines).
    Newline,
    Raw(&'a str),
    /// A backslash at the end of a line or of the template.
    LoneBackslash,
    Eof,
}

/// The text-grammar token at `pos` and its length.
pub(crate) fn text_token(src: &str, pos: usize, semicolons: bool) -> (TextTok<'_>, usize) {
    let rest = &src[pos..];
    let Some(c) = rest.chars().next() else {
        return (TextTok::Eof, 0);
    };
    match c {
        '\\' => match rest[1..].chars().next() {
            Some(e) if e != '\n' && e != '\r' => (TextTok::Escaped(e), 1 + e.len_utf8()),
            _ => (TextTok::LoneBackslash, 1),
        },
        '{' => (TextTok::OpenCurly, 1),
        '}' => (TextTok::CloseCurly, 1),
        '\n' | '\r' => (TextTok::Newline, 1),
        ';' if semicolons => (TextTok::Newline, 1),
        _ => {
            let stop: &[char] = if semicolons {
                &['\r', '\n', '{', '}', '\\', ';']
            } else {
                &['\r', '\n', '{', '}', '\\']
            };
            let n = rest.find(stop).unwrap_or(rest.len());
            (TextTok::Raw(&rest[..n]), n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(s: &str) -> Tok<'_> {
        code_token(s, 0).0
    }

    #[test]
    fn exscript_token_order() {
        assert_eq!(tok("interfaces"), Tok::Varname("interfaces"));
        assert_eq!(tok("in x"), Tok::Comparison(Cmp::In));
        assert_eq!(tok("into x"), Tok::Keyword(Kw::Into));
        assert_eq!(tok("is not 3"), Tok::Comparison(Cmp::IsNot));
        assert_eq!(code_token("is not 3", 0).1, 6);
        assert_eq!(tok("is nothing"), Tok::Comparison(Cmp::Is));
        assert_eq!(tok("not  in l"), Tok::Comparison(Cmp::NotIn));
        assert_eq!(tok("not x"), Tok::Logical("not"));
        assert_eq!(tok("0x0a"), Tok::Hex("0x0a"));
        assert_eq!(tok("012"), Tok::Octal("012"));
        assert_eq!(tok("0"), Tok::Number("0"));
        assert_eq!(tok("connection.exec(x)"), Tok::OpenCall("connection.exec"));
        assert_eq!(tok("a.b"), Tok::Varname("a"));
        assert_eq!(tok("__hostname__ x"), Tok::Varname("__hostname__"));
        assert_eq!(tok("_x"), Tok::Raw("_x"));
        assert_eq!(tok("endx"), Tok::Varname("endx"));
        assert_eq!(tok("end}"), Tok::Keyword(Kw::End));
        assert_eq!(tok("if("), Tok::Keyword(Kw::If));
        assert_eq!(tok("ge 3"), Tok::Comparison(Cmp::Ge));
        assert_eq!(tok("gets"), Tok::Varname("gets"));
        assert_eq!(tok("(1)"), Tok::Raw("(1)"));
        assert_eq!(tok("\\n"), Tok::Escaped);
        // `\b` looks at the character before the token too.
        assert_eq!(code_token("5is 3", 1).0, Tok::Varname("is"));
    }

    #[test]
    fn text_tokens() {
        assert_eq!(text_token("ls -l {", 0, false), (TextTok::Raw("ls -l "), 6));
        assert_eq!(text_token("\\$x", 0, false), (TextTok::Escaped('$'), 2));
        assert_eq!(text_token("\\\n", 0, false).0, TextTok::LoneBackslash);
        assert_eq!(text_token("a;b", 0, false).0, TextTok::Raw("a;b"));
        assert_eq!(text_token_semi("a;b"), TextTok::Raw("a"));
        assert_eq!(text_token_semi(";"), TextTok::Newline);
    }

    fn text_token_semi(s: &str) -> TextTok<'_> {
        text_token(s, 0, true).0
    }
}
