//! Pieces of regex source shared by the built-in drivers.
//!
//! They are macros expanding to string literals so that whole patterns can
//! be assembled with `concat!` at compile time and stay `&'static str`.
//!
//! Prompts and login lines are matched with byte classes, not Unicode
//! ones: a Unicode `\w` repeated, as prompts need it, compiles to an
//! automaton of thousands of states (milliseconds per pattern, the
//! largest part of a short program's CPU), where a byte class is one
//! state. On ASCII text both match the same; each byte of a non-ASCII
//! character counts as a word character (a host name `routeur-été#` is
//! still a prompt), and repetition bounds count bytes.

/// A line start: the start of the buffer or just after CR or LF.
macro_rules! line_start {
    () => {
        r"(?:\A|[\r\n])"
    };
}

/// The start of a login prompt's line (username, password): a line start,
/// blanks, and at most three words without a colon before the keyword
/// (`Enter`, `admin@host's`, `[sudo]`, `(admin@10.0.0.1)`, the host name
/// of `debian login:`), and a few marks glued to the keyword (VxWorks'
/// `>>User name:`). A banner sentence such as `Note: your password:` or
/// text in the middle of a line is not a login prompt.
///
/// The classes are byte classes (see the module docs): a word is up to
/// 256 bytes, the marks up to 16 bytes (four 4-byte characters).
macro_rules! login_line {
    () => {
        concat!(
            $crate::fragments::line_start!(),
            r"[ \t]*(?:(?-u:[^\s:]){1,256}[ \t]+){0,3}(?-u:[^\w\s:]){0,16}"
        )
    };
}

/// The end of a prompt: optional blanks, then the end of the buffer.
macro_rules! prompt_end {
    () => {
        r"[ \t]*$"
    };
}

/// A prompt word: a host name, `user@host`, `user@host:path`, an interface
/// (`FA/0/1/2/3`), `RP/0/RSP0/CPU0:router`, `A:admin@sros`, `bash-4.2`.
///
/// It starts with a word character and is not made of digits only (so a
/// progress line `100%` is no prompt). No blanks: that is what keeps
/// `Description of my router>` from being taken for a prompt.
macro_rules! prompt_word {
    () => {
        r"(?:[0-9]*(?-u:[A-Za-z_\x80-\xff])|[0-9]+[.+\-/:~@])(?-u:[\w\x80-\xff.+\-/:~@])*"
    };
}

/// A configuration mode in parentheses, such as `(config-if)`.
macro_rules! prompt_mode {
    () => {
        r"(?:\((?-u:[\w\x80-\xff.+\-/:~@])+\))?"
    };
}

/// The common prompt of routers, switches and shells: a prompt word, an
/// optional mode, then `$`, `#`, `>` or `%` (optionally after a `-` for a
/// login shell such as `-bash-4.2$`, or a `*` for an unsaved SR OS
/// configuration).
macro_rules! word_prompt {
    () => {
        concat!(
            $crate::fragments::line_start!(),
            r"[\-*]?",
            $crate::fragments::prompt_word!(),
            $crate::fragments::prompt_mode!(),
            r"[$#>%]",
            $crate::fragments::prompt_end!()
        )
    };
}

/// The body of a bracketed prompt with at most one blank inside and at
/// most one before the prompt character: `[sam123@home ~]$`,
/// `[admin@MikroTik] >`.
macro_rules! bracket_body {
    () => {
        r"\[(?-u:[\w\x80-\xff.+\-/:~@])+(?: (?-u:[\w\x80-\xff.+\-/:~@])+)?\] ?[$#>%]"
    };
}

/// A bracketed prompt on a line of its own.
macro_rules! bracket_prompt {
    () => {
        concat!(
            $crate::fragments::line_start!(),
            $crate::fragments::bracket_body!(),
            $crate::fragments::prompt_end!()
        )
    };
}

pub(crate) use {
    bracket_body, bracket_prompt, line_start, login_line, prompt_end, prompt_mode, prompt_word,
    word_prompt,
};
