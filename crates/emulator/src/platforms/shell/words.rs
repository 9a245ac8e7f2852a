//! Shell words: splitting a line into commands and words, removing
//! quotes, expanding `$` variables, and rendering a `PS1` prompt.

/// Splits `line` at `;` outside quotes; empty commands are dropped.
pub(super) fn split_commands(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ';') => {
                out.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&line[start..]);
    out.into_iter().filter(|c| !c.trim().is_empty()).collect()
}

/// Splits `command` into words at blanks outside quotes; the quotes stay
/// in the words (see [`unquote`]).
pub(super) fn split_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in command.chars() {
        match (quote, c) {
            (None, ' ' | '\t') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                continue;
            }
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        word.push(c);
        in_word = true;
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The value of a word: quotes removed; `$NAME` and `$?` expanded by
/// `var` outside single quotes.
pub(super) fn unquote(word: &str, var: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut quote = None;
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => out.push(c),
            (_, '$') => {
                let mut name = String::new();
                if let Some(&c) = chars.peek()
                    && (c == '?' || c == '$')
                {
                    name.push(c);
                    chars.next();
                } else {
                    while let Some(&c) = chars.peek() {
                        if c.is_ascii_alphanumeric() || c == '_' {
                            name.push(c);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                if name.is_empty() {
                    out.push('$');
                } else {
                    out.push_str(&var(&name).unwrap_or_default());
                }
            }
            (_, c) => out.push(c),
        }
    }
    out
}

/// A variable assignment `NAME=value` (the value still quoted).
pub(super) fn assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    let valid = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some((name, value))
}

/// What a prompt shows of the shell it belongs to.
pub(super) struct PromptInfo<'a> {
    pub(super) user: &'a str,
    pub(super) host: &'a str,
    /// The directory as the prompt shows it (`~` for home).
    pub(super) dir: &'a str,
    pub(super) root: bool,
    pub(super) status: i32,
}

/// Renders a bash `PS1`: `\u`, `\h`, `\H`, `\w`, `\W`, `\$`, `\\`,
/// `\[`/`\]` (dropped), `\nnn` (octal) and `$?`; anything else is shown
/// as it is.
pub(super) fn render_ps1(ps1: &str, info: &PromptInfo<'_>) -> String {
    let mut out = String::new();
    let mut chars = ps1.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('u') => out.push_str(info.user),
                Some('h') => out.push_str(info.host.split('.').next().unwrap_or(info.host)),
                Some('H') => out.push_str(info.host),
                Some('w') => out.push_str(info.dir),
                Some('W') => out.push_str(info.dir.rsplit('/').next().unwrap_or(info.dir)),
                Some('$') => out.push(if info.root { '#' } else { '$' }),
                Some('[' | ']') => {}
                Some(d @ '0'..='7') => {
                    let mut code = d.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match chars.peek().and_then(|c| c.to_digit(8)) {
                            Some(v) => {
                                code = code * 8 + v;
                                chars.next();
                            }
                            None => break,
                        }
                    }
                    out.extend(char::from_u32(code));
                }
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '$' if chars.peek() == Some(&'?') => {
                chars.next();
                out.push_str(&info.status.to_string());
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_words_respect_quotes() {
        assert_eq!(split_commands("a; b ';' c;;"), ["a", " b ';' c"]);
        assert_eq!(split_words("PS1='a b'\"c\"  x"), ["PS1='a b'\"c\"", "x"]);
        let var = |name: &str| (name == "?").then(|| "3".to_owned());
        assert_eq!(unquote("'$?'\"$?\"$?x", &var), "$?33x");
        assert_eq!(assignment("PS1='x'"), Some(("PS1", "'x'")));
        assert_eq!(assignment("a-b=1"), None);
    }

    #[test]
    fn ps1_escapes() {
        let info = PromptInfo {
            user: "al",
            host: "web1.lab",
            dir: "~/src",
            root: false,
            status: 2,
        };
        assert_eq!(
            render_ps1(r"\[\u@\h:\w\]\$ [$?]\101\q", &info),
            "al@web1:~/src$ [2]A\\q"
        );
    }
}
