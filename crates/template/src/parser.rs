//! The parser: template text to [`crate::ast`], with Exscript's grammar
//! and its compile-time checks (variables and functions must be defined
//! before they are used, `extract` names as many variables as its regex
//! has groups, …).
//!
//! Blocks nest at most [`MAX_DEPTH`] deep (function calls in arguments
//! count too), so parsing and running never recurse without bound;
//! expressions are read iteratively (shunting-yard) into postfix order.

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{
    BinOp, Block, Expr, FuncId, Initial, Interp, Loop, LoopKind, Offset, Op, Part, RegexExpr, Stmt,
    StmtKind, VarId, VarInfo,
};
use crate::error::{Error, Result};
use crate::functions::Functions;
use crate::lexer::{self, Cmp, Kw, TextTok, Tok};
use crate::pyre::{self, TemplateRegex};
use crate::source::Source;
use crate::value::Value;

/// How deep blocks (and function calls inside arguments) may nest.
pub const MAX_DEPTH: usize = 64;

/// The variables every template has.
pub(crate) const BUILTIN_VARIABLES: [&str; 4] = [
    "__hostname__",
    "__username__",
    "__filename__",
    "__response__",
];

/// What the parser needs to know besides the text.
pub(crate) struct Settings<'a> {
    pub(crate) functions: &'a Functions,
    /// Variables that will be passed in (their names only).
    pub(crate) declared: &'a [String],
    /// `paste`: nothing may wait for the device.
    pub(crate) paste: bool,
    /// `test_secure`: only functions marked secure.
    pub(crate) secure: bool,
    /// `;` ends a line in text (the command line's `-e`).
    pub(crate) semicolons: bool,
}

/// A parsed template.
pub(crate) struct Parsed {
    pub(crate) body: Block,
    pub(crate) vars: Vec<VarInfo>,
}

/// The variables met so far, in source order.
#[derive(Default)]
struct Symbols {
    index: HashMap<String, VarId>,
    vars: Vec<VarInfo>,
    declared: Vec<bool>,
}

impl Symbols {
    fn id(&mut self, name: &str) -> VarId {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = self.vars.len();
        self.index.insert(name.to_owned(), id);
        self.vars.push(VarInfo {
            name: name.to_owned(),
            initial: Initial::Undefined,
        });
        self.declared.push(false);
        id
    }

    fn declare(&mut self, name: &str, initial: Initial) -> VarId {
        let id = self.id(name);
        self.declared[id] = true;
        self.vars[id].initial = initial;
        id
    }

    fn lookup(&self, name: &str) -> Option<VarId> {
        self.index
            .get(name)
            .copied()
            .filter(|&id| self.declared[id])
    }
}

/// How a block body ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyEnd {
    End,
    Else,
}

/// Operators waiting on the shunting-yard stack.
enum Pending {
    Not,
    Binary(BinOp, Offset, u8),
    /// `and`/`or`, with the index of its [`Op::ShortCircuit`].
    Logic(usize),
}

impl Pending {
    fn priority(&self) -> u8 {
        match self {
            Pending::Not => 2,
            Pending::Binary(_, _, p) => *p,
            Pending::Logic(_) => 1,
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    source: &'a Arc<Source>,
    settings: &'a Settings<'a>,
    symbols: Symbols,
    depth: usize,
    /// Regular expressions met so far: a pattern used many times is
    /// checked once and shares one matcher.
    regexes: HashMap<(String, bool), Arc<TemplateRegex>>,
    /// The last token read, by position (the parser looks at most tokens
    /// more than once).
    peeked: std::cell::Cell<Option<(usize, Tok<'a>, usize)>>,
}

/// Parses a template.
pub(crate) fn parse(source: &Arc<Source>, settings: &Settings<'_>) -> Result<Parsed> {
    let mut parser = Parser {
        src: &source.text,
        pos: 0,
        source,
        settings,
        symbols: Symbols::default(),
        depth: 0,
        regexes: HashMap::new(),
        peeked: std::cell::Cell::new(None),
    };
    for name in BUILTIN_VARIABLES {
        let initial = if name == "__response__" {
            Initial::Empty
        } else {
            Initial::Undefined
        };
        parser.symbols.declare(name, initial);
    }
    for name in settings.declared {
        if parser.symbols.lookup(name).is_none() {
            parser.symbols.declare(name, Initial::Undefined);
        }
    }
    let mut body = Block::new();
    parser.parse_text(&mut body, false)?;
    Ok(Parsed {
        body,
        vars: parser.symbols.vars,
    })
}

impl<'a> Parser<'a> {
    // ----- errors and tokens ----------------------------------------------------

    fn error<T>(&self, at: Offset, message: impl Into<String>) -> Result<T> {
        Err(Error::Syntax {
            location: self.source.locate(at),
            message: message.into(),
        })
    }

    fn peek(&self) -> (Tok<'a>, usize) {
        if let Some((pos, tok, len)) = self.peeked.get()
            && pos == self.pos
        {
            return (tok, len);
        }
        let (tok, len) = lexer::code_token(self.src, self.pos);
        self.peeked.set(Some((self.pos, tok, len)));
        (tok, len)
    }

    fn bump(&mut self, len: usize) {
        self.pos += len;
    }

    fn skip_blanks(&mut self, newlines: bool) {
        loop {
            match self.peek() {
                (Tok::Whitespace, n) => self.bump(n),
                (Tok::Newline, n) if newlines => self.bump(n),
                _ => return,
            }
        }
    }

    fn expect_blank(&mut self, context: &str) -> Result<()> {
        match self.peek() {
            (Tok::Whitespace, n) => {
                self.bump(n);
                Ok(())
            }
            (tok, _) => self.error(
                self.pos,
                format!("expected a blank {context} but got {}", tok.describe()),
            ),
        }
    }

    fn is_keyword(&self, kw: Kw) -> bool {
        self.peek().0 == Tok::Keyword(kw)
    }

    fn eat_keyword(&mut self, kw: Kw) -> bool {
        if self.is_keyword(kw) {
            self.bump(kw.as_str().len());
            true
        } else {
            false
        }
    }

    fn expect_keyword(&mut self, kw: Kw, context: &str) -> Result<()> {
        if self.eat_keyword(kw) {
            return Ok(());
        }
        let (tok, _) = self.peek();
        self.error(
            self.pos,
            format!(
                "expected `{}` {context} but got {}",
                kw.as_str(),
                tok.describe()
            ),
        )
    }

    fn expect_varname(&mut self, context: &str) -> Result<(&'a str, Offset)> {
        match self.peek() {
            (Tok::Varname(name), n) => {
                let at = self.pos;
                self.bump(n);
                Ok((name, at))
            }
            (tok, _) => self.error(
                self.pos,
                format!(
                    "expected a variable name {context} but got {}",
                    tok.describe()
                ),
            ),
        }
    }

    fn enter(&mut self, at: Offset) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.error(
                at,
                format!("blocks and calls nest more than {MAX_DEPTH} deep"),
            );
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ----- text ---------------------------------------------------------------

    /// Lines of text up to `{` (consumed) when `nested`, else to the end;
    /// the `{…}` code of top-level text is parsed on the way.
    fn parse_text(&mut self, out: &mut Block, nested: bool) -> Result<()> {
        let mut buffer = String::new();
        let mut start: Option<Offset> = None;
        loop {
            let (tok, len) = lexer::text_token(self.src, self.pos, self.settings.semicolons);
            match tok {
                TextTok::Eof => {
                    // Exscript drops a last line without a line break; it is
                    // sent here (a command is never skipped silently).
                    return self.flush(&mut buffer, &mut start, out);
                }
                TextTok::OpenCurly => {
                    self.flush(&mut buffer, &mut start, out)?;
                    let open = self.pos;
                    self.bump(len);
                    if nested {
                        return Ok(());
                    }
                    self.parse_code(out, open, None)?;
                }
                TextTok::CloseCurly => {
                    return self.error(
                        self.pos,
                        "unexpected `}` in a command (write \\} to send a brace)",
                    );
                }
                TextTok::Newline => {
                    self.bump(len);
                    self.flush(&mut buffer, &mut start, out)?;
                }
                TextTok::Raw(text) => {
                    if text.trim_start().starts_with('#') {
                        // A comment, to the end of the line.
                        let rest = &self.src[self.pos..];
                        let mut end = rest.find(['\n', '\r']).unwrap_or(rest.len());
                        if self.settings.semicolons {
                            end = end.min(rest.find(';').unwrap_or(rest.len()));
                        }
                        self.bump(end);
                        continue;
                    }
                    if start.is_none() && !text.trim().is_empty() {
                        start = Some(self.pos + (text.len() - text.trim_start().len()));
                    }
                    buffer.push_str(text);
                    self.bump(len);
                }
                TextTok::Escaped(c) => {
                    start.get_or_insert(self.pos);
                    if c == '$' {
                        // Kept for the variable substitution, which turns it
                        // into a literal `$`.
                        buffer.push_str("\\$");
                    } else {
                        buffer.push(c);
                    }
                    self.bump(len);
                }
                TextTok::LoneBackslash => {
                    return self.error(
                        self.pos,
                        "a backslash at the end of a line escapes nothing (write \\\\ to send one)",
                    );
                }
            }
        }
    }

    /// Turns the text gathered so far into a command, unless it is blank.
    fn flush(
        &mut self,
        buffer: &mut String,
        start: &mut Option<Offset>,
        out: &mut Block,
    ) -> Result<()> {
        if !buffer.trim().is_empty() {
            let at = start.unwrap_or(self.pos);
            let command = self.interpolation(buffer, at)?;
            out.push(Stmt {
                kind: StmtKind::Execute(command),
                at,
            });
        }
        buffer.clear();
        *start = None;
        Ok(())
    }

    /// Splits a string into text and `$variables` (Exscript's
    /// `(\\?)\$(\w*)` substitution): `\$name` is the text `$name`, a `$`
    /// without a name is a `$`, and every name must be a defined variable.
    fn interpolation(&mut self, text: &str, at: Offset) -> Result<Interp> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            let escaped = i > 0 && rest.as_bytes()[i - 1] == b'\\';
            let before = if escaped { &rest[..i - 1] } else { &rest[..i] };
            literal.push_str(before);
            let after = &rest[i + 1..];
            let name_len = after
                .char_indices()
                .find(|(_, c)| !lexer::is_word(*c))
                .map_or(after.len(), |(j, _)| j);
            let name = &after[..name_len];
            rest = &after[name_len..];
            if escaped || name.is_empty() {
                literal.push('$');
                literal.push_str(name);
                continue;
            }
            let var_at = self.src[at..]
                .match_indices('$')
                .find(|(j, _)| self.src[at + j + 1..].starts_with(name))
                .map_or(at, |(j, _)| at + j);
            if lexer::varname_len(name, 0) == 0 {
                return self.error(var_at, format!("`{name}` is not a variable name"));
            }
            let Some(var) = self.symbols.lookup(name) else {
                return self.error(var_at, format!("undefined variable `{name}`"));
            };
            if !literal.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut literal)));
            }
            parts.push(Part::Var { var, at: var_at });
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Interp { parts })
    }

    // ----- code ---------------------------------------------------------------

    /// Statements of a `{…}` (when `body` is `None`: up to its `}`) or of a
    /// block body (up to `{end}` or `{else}`; `}…{` inside a body is text).
    fn parse_code(&mut self, out: &mut Block, open: Offset, body: Option<&str>) -> Result<BodyEnd> {
        loop {
            self.skip_blanks(true);
            let at = self.pos;
            let (tok, len) = self.peek();
            match tok {
                Tok::CloseCurly => {
                    self.bump(len);
                    if body.is_none() {
                        return Ok(BodyEnd::End);
                    }
                    self.parse_text(out, true)?;
                }
                Tok::Keyword(Kw::Append) => out.push(self.parse_append()?),
                Tok::Keyword(Kw::Extract) => out.push(self.parse_extract()?),
                Tok::Keyword(Kw::Fail) => out.push(self.parse_fail()?),
                Tok::Keyword(Kw::If) => out.push(self.parse_if()?),
                Tok::Keyword(Kw::Loop) => out.push(self.parse_loop()?),
                Tok::Keyword(Kw::Try) => out.push(self.parse_try()?),
                Tok::Keyword(Kw::Enter) => {
                    self.bump(len);
                    self.skip_blanks(true);
                    out.push(Stmt {
                        kind: StmtKind::Execute(Interp::default()),
                        at,
                    });
                }
                Tok::Varname(_) => out.push(self.parse_assign()?),
                Tok::OpenCall(_) => {
                    let mut ops = Vec::new();
                    self.parse_call(&mut ops)?;
                    out.push(Stmt {
                        kind: StmtKind::Call(Expr { ops, at }),
                        at,
                    });
                }
                Tok::Keyword(Kw::Else) => {
                    if body.is_none() {
                        return self.error(at, "`else` without `if`");
                    }
                    return Ok(BodyEnd::Else);
                }
                Tok::Keyword(Kw::End) => {
                    if body.is_none() {
                        return self.error(at, "`end` without a block to end");
                    }
                    self.bump(len);
                    self.skip_blanks(true);
                    return Ok(BodyEnd::End);
                }
                Tok::Eof => {
                    let opened = self.source.locate(open);
                    return match body {
                        None => self.error(
                            at,
                            format!("the end of the template: the `{{` at {}:{} is never closed by `}}`", opened.line, opened.column),
                        ),
                        Some(what) => self.error(
                            at,
                            format!("the end of the template: the `{what}` at {}:{} is never closed by {{end}}", opened.line, opened.column),
                        ),
                    };
                }
                other => {
                    return self.error(at, format!("unexpected {}", other.describe()));
                }
            }
        }
    }

    /// A block body; `what` names its statement in errors.
    fn parse_block(&mut self, open: Offset, what: &str) -> Result<(Block, BodyEnd)> {
        self.enter(open)?;
        let mut block = Block::new();
        let end = self.parse_code(&mut block, open, Some(what))?;
        self.leave();
        Ok((block, end))
    }

    /// A body that only `{end}` may end.
    fn parse_plain_block(&mut self, open: Offset, what: &str) -> Result<Block> {
        let (block, end) = self.parse_block(open, what)?;
        if end == BodyEnd::Else {
            return self.error(
                self.pos,
                format!("`else` inside a `{what}` block (only `if` has one)"),
            );
        }
        Ok(block)
    }

    fn parse_assign(&mut self) -> Result<Stmt> {
        let (name, at) = self.expect_varname("")?;
        self.expect_blank("after the variable name (write `name = value`)")?;
        match self.peek() {
            (Tok::Assign, n) => self.bump(n),
            (tok, _) => {
                return self.error(self.pos, format!("expected `=` but got {}", tok.describe()));
            }
        }
        self.expect_blank("after `=`")?;
        if name.starts_with("__") {
            return self.error(at, format!("assignment to the built-in variable {name}"));
        }
        let expr = self.parse_expr()?;
        let var = self.symbols.declare(name, Initial::NoneValue);
        Ok(Stmt {
            kind: StmtKind::Assign { var, expr },
            at,
        })
    }

    fn parse_append(&mut self) -> Result<Stmt> {
        let at = self.pos;
        self.eat_keyword(Kw::Append);
        self.expect_blank("after `append`")?;
        let expr = self.parse_term_expr()?;
        self.expect_blank("after the appended value")?;
        self.expect_keyword(Kw::To, "in `append VALUE to NAME`")?;
        self.expect_blank("after `to`")?;
        let (name, _) = self.expect_varname("after `to`")?;
        let var = self.symbols.declare(name, Initial::Empty);
        Ok(Stmt {
            kind: StmtKind::Append { var, expr },
            at,
        })
    }

    fn parse_extract(&mut self) -> Result<Stmt> {
        let at = self.pos;
        if self.settings.paste {
            return self.error(
                at,
                "`extract` reads the device's response, which is not awaited when pasting",
            );
        }
        self.eat_keyword(Kw::Extract);
        self.expect_blank("after `extract`")?;
        let regex_at = self.pos;
        let (regex, groups) = match self.peek() {
            (Tok::RegexDelim, _) => self.parse_regex()?,
            (tok, _) => {
                return self.error(
                    self.pos,
                    format!(
                        "expected a regular expression /…/ but got {}",
                        tok.describe()
                    ),
                );
            }
        };
        self.expect_blank("after the regular expression")?;
        let append = if self.eat_keyword(Kw::As) {
            false
        } else if self.eat_keyword(Kw::Into) {
            true
        } else {
            let (tok, _) = self.peek();
            return self.error(
                self.pos,
                format!("expected `as` or `into` but got {}", tok.describe()),
            );
        };
        let mut names: Vec<&str> = Vec::new();
        loop {
            self.expect_blank("before a variable name")?;
            let (name, name_at) = self.expect_varname("")?;
            if names.contains(&name) {
                return self.error(name_at, format!("duplicate variable name {name}"));
            }
            names.push(name);
            match self.peek() {
                (Tok::Comma, n) => self.bump(n),
                _ => break,
            }
        }
        let vars = names
            .iter()
            .map(|name| self.symbols.declare(name, Initial::Empty))
            .collect::<Vec<_>>();
        if vars.len() != groups {
            return self.error(
                regex_at,
                format!(
                    "{} variable(s), but the regular expression has {groups} group(s)",
                    vars.len()
                ),
            );
        }
        self.skip_blanks(false);
        let from = if self.eat_keyword(Kw::From) {
            self.expect_blank("after `from`")?;
            Some(self.parse_term_expr()?)
        } else {
            None
        };
        Ok(Stmt {
            kind: StmtKind::Extract {
                regex,
                vars,
                append,
                from,
            },
            at,
        })
    }

    fn parse_fail(&mut self) -> Result<Stmt> {
        let at = self.pos;
        self.eat_keyword(Kw::Fail);
        self.expect_blank("after `fail`")?;
        let message = self.parse_expr()?;
        let condition = if self.eat_keyword(Kw::If) {
            self.expect_blank("after `if`")?;
            Some(self.parse_expr()?)
        } else {
            None
        };
        self.skip_blanks(true);
        Ok(Stmt {
            kind: StmtKind::Fail { message, condition },
            at,
        })
    }

    fn parse_if(&mut self) -> Result<Stmt> {
        let at = self.pos;
        let mut branches = Vec::new();
        let mut otherwise = None;
        let mut open = at;
        self.eat_keyword(Kw::If);
        loop {
            self.expect_blank("after `if`")?;
            let condition = self.parse_expr()?;
            let (block, _) = self.parse_block(open, "if")?;
            branches.push((condition, block));
            self.skip_blanks(true);
            if !self.eat_keyword(Kw::Else) {
                break;
            }
            self.skip_blanks(true);
            if self.is_keyword(Kw::If) {
                open = self.pos;
                self.eat_keyword(Kw::If);
                continue;
            }
            let (block, end) = self.parse_block(open, "else")?;
            if end == BodyEnd::Else {
                return self.error(self.pos, "a second `else` for the same `if`");
            }
            otherwise = Some(block);
            break;
        }
        Ok(Stmt {
            kind: StmtKind::If {
                branches,
                otherwise,
            },
            at,
        })
    }

    fn parse_loop(&mut self) -> Result<Stmt> {
        let at = self.pos;
        self.eat_keyword(Kw::Loop);
        self.expect_blank("after `loop`")?;
        let mut kind = LoopKind::Condition;
        if !self.is_keyword(Kw::While) && !self.is_keyword(Kw::Until) && !self.is_keyword(Kw::From)
        {
            let mut lists = vec![self.parse_term_expr()?];
            self.skip_blanks(false);
            while let (Tok::Comma, n) = self.peek() {
                self.bump(n);
                self.skip_blanks(true);
                lists.push(self.parse_term_expr()?);
                self.skip_blanks(true);
            }
            self.expect_keyword(Kw::As, "after the lists of a loop")?;
            self.skip_blanks(false);
            let mut vars = Vec::new();
            let (name, _) = self.expect_varname("after `as`")?;
            vars.push(self.symbols.declare(name, Initial::Empty));
            self.skip_blanks(false);
            while let (Tok::Comma, n) = self.peek() {
                self.bump(n);
                self.skip_blanks(true);
                let (name, _) = self.expect_varname("after `,`")?;
                vars.push(self.symbols.declare(name, Initial::Empty));
                self.skip_blanks(true);
            }
            if vars.len() != lists.len() {
                return self.error(
                    at,
                    format!(
                        "{} list(s), but {} loop variable(s)",
                        lists.len(),
                        vars.len()
                    ),
                );
            }
            kind = LoopKind::Lists { lists, vars };
        }
        if self.is_keyword(Kw::From) {
            if !matches!(kind, LoopKind::Condition) {
                return self.error(
                    self.pos,
                    "a loop over lists cannot also count `from … to …`",
                );
            }
            self.eat_keyword(Kw::From);
            self.expect_blank("after `from`")?;
            let from = self.parse_expr()?;
            self.skip_blanks(false);
            self.expect_keyword(Kw::To, "in `loop from N to M`")?;
            let to = self.parse_expr()?;
            self.skip_blanks(false);
            let name = if self.eat_keyword(Kw::As) {
                self.skip_blanks(false);
                let (name, _) = self.expect_varname("after `as`")?;
                self.skip_blanks(false);
                name
            } else {
                "counter"
            };
            let var = self.symbols.declare(name, Initial::Empty);
            kind = LoopKind::Range { from, to, var };
        }
        let whilst = if self.eat_keyword(Kw::While) {
            self.expect_blank("after `while`")?;
            let e = self.parse_expr()?;
            self.skip_blanks(false);
            Some(e)
        } else {
            None
        };
        let until = if self.eat_keyword(Kw::Until) {
            self.expect_blank("after `until`")?;
            let e = self.parse_expr()?;
            self.skip_blanks(false);
            Some(e)
        } else {
            None
        };
        self.skip_blanks(true);
        let body = self.parse_plain_block(at, "loop")?;
        Ok(Stmt {
            kind: StmtKind::Loop(Box::new(Loop {
                kind,
                whilst,
                until,
                body,
            })),
            at,
        })
    }

    fn parse_try(&mut self) -> Result<Stmt> {
        let at = self.pos;
        self.eat_keyword(Kw::Try);
        self.skip_blanks(true);
        let body = self.parse_plain_block(at, "try")?;
        Ok(Stmt {
            kind: StmtKind::Try(body),
            at,
        })
    }

    // ----- expressions ----------------------------------------------------------

    fn parse_expr(&mut self) -> Result<Expr> {
        self.skip_blanks(true);
        let at = self.pos;
        let mut ops = Vec::new();
        self.parse_expr_into(&mut ops)?;
        Ok(Expr { ops, at })
    }

    /// A single term as an expression (`append`, `extract … from`, the
    /// lists of a loop).
    fn parse_term_expr(&mut self) -> Result<Expr> {
        let at = self.pos;
        let mut ops = Vec::new();
        self.parse_term(&mut ops)?;
        Ok(Expr { ops, at })
    }

    /// Operators by priority, weakest first: `and` `or` (1), `not` (2),
    /// comparisons (3), `.` (4), `+` `-` (5), `*` `/` `%` (6). Operators of
    /// one priority group to the right, as Exscript groups them
    /// (`10 - 3 - 2` is 9).
    fn parse_expr_into(&mut self, ops: &mut Vec<Op>) -> Result<()> {
        let mut pending: Vec<Pending> = Vec::new();
        loop {
            self.skip_blanks(true);
            if let (Tok::Logical("not"), n) = self.peek() {
                self.bump(n);
                pending.push(Pending::Not);
                continue;
            }
            self.parse_term(ops)?;
            self.skip_blanks(true);
            let op_at = self.pos;
            let (tok, len) = self.peek();
            let (op, priority) = match tok {
                Tok::Arith(b'*') => (Some(BinOp::Mul), 6),
                Tok::RegexDelim => (Some(BinOp::Div), 6),
                Tok::Arith(b'%') => (Some(BinOp::Mod), 6),
                Tok::Arith(b'+') => (Some(BinOp::Add), 5),
                Tok::Arith(b'-') => (Some(BinOp::Sub), 5),
                Tok::Arith(_) => (Some(BinOp::Concat), 4),
                Tok::Comparison(c) => (Some(comparison(c)), 3),
                Tok::Logical("not") => {
                    return self.error(
                        op_at,
                        "`not` between two values: write `not in`, or put `not` before a condition",
                    );
                }
                Tok::Logical(_) => (None, 1),
                _ => break,
            };
            self.bump(len);
            while pending.last().is_some_and(|p| p.priority() > priority) {
                if let Some(p) = pending.pop() {
                    emit(ops, p);
                }
            }
            match op {
                Some(op) => pending.push(Pending::Binary(op, op_at, priority)),
                None => {
                    ops.push(Op::ShortCircuit {
                        and: tok == Tok::Logical("and"),
                        end: 0,
                    });
                    pending.push(Pending::Logic(ops.len() - 1));
                }
            }
        }
        while let Some(p) = pending.pop() {
            emit(ops, p);
        }
        Ok(())
    }

    fn parse_term(&mut self, ops: &mut Vec<Op>) -> Result<()> {
        let at = self.pos;
        let (tok, len) = self.peek();
        match tok {
            Tok::Varname(name) => {
                let Some(var) = self.symbols.lookup(name) else {
                    return self.error(at, format!("undefined variable `{name}`"));
                };
                self.bump(len);
                ops.push(Op::Var { var, at });
            }
            Tok::OpenCall(_) => self.parse_call(ops)?,
            Tok::StringDelim => {
                let text = self.parse_string()?;
                ops.push(match text.as_constant() {
                    Some(s) => Op::Const(Value::from(s)),
                    None => Op::Str(text),
                });
            }
            Tok::Number(digits) => {
                let n = digits
                    .parse::<i64>()
                    .or_else(|_| self.error(at, format!("number {digits} is too large")))?;
                self.bump(len);
                ops.push(Op::Const(Value::from(n)));
            }
            Tok::Keyword(Kw::False) | Tok::Keyword(Kw::True) => {
                self.bump(len);
                ops.push(Op::Const(Value::from(i64::from(
                    tok == Tok::Keyword(Kw::True),
                ))));
            }
            Tok::Octal(text) => {
                let n = i64::from_str_radix(&text[1..], 8).or_else(|_| {
                    self.error(
                        at,
                        format!(
                            "{text} is not an octal number (digits 0 to 7 after the leading 0)"
                        ),
                    )
                })?;
                self.bump(len);
                ops.push(Op::Const(Value::from(n)));
            }
            Tok::Hex(text) => {
                let digits = &text[2..];
                let n = i64::from_str_radix(digits, 16)
                    .ok()
                    .filter(|_| digits.len() % 2 == 0)
                    .map_or_else(
                        || self.error(at, format!("{text} is not a hexadecimal number (pairs of hex digits after 0x)")),
                        Ok,
                    )?;
                self.bump(len);
                ops.push(Op::Const(Value::from(n)));
            }
            Tok::RegexDelim => {
                let (regex, _) = self.parse_regex()?;
                ops.push(Op::Regex(regex));
            }
            other => {
                return self.error(
                    at,
                    format!(
                        "expected a value (a variable, \"string\", number, /regex/ or function call) but got {}",
                        other.describe()
                    ),
                );
            }
        }
        Ok(())
    }

    fn parse_call(&mut self, ops: &mut Vec<Op>) -> Result<()> {
        let at = self.pos;
        let (Tok::OpenCall(name), len) = self.peek() else {
            return self.error(at, "expected a function call");
        };
        let Some((func, entry)) = self.settings.functions.lookup(name) else {
            return self.error(at, format!("undefined function {name}"));
        };
        let func: FuncId = func;
        if self.settings.secure && !entry.secure {
            return Err(Error::Permission {
                location: self.source.locate(at),
                function: name.to_owned(),
            });
        }
        if self.settings.paste && entry.needs_prompt {
            return self.error(
                at,
                format!("{name} waits for the device, which a pasted template never does"),
            );
        }
        let arity = entry.arity;
        self.bump(len);
        self.enter(at)?;
        let mut argc = 0;
        loop {
            if let (Tok::CloseBracket, n) = self.peek() {
                self.bump(n);
                break;
            }
            self.skip_blanks(true);
            self.parse_expr_into(ops)?;
            argc += 1;
            match self.peek() {
                (Tok::Comma, n) => self.bump(n),
                (Tok::CloseBracket, _) => {}
                (tok, _) => {
                    return self.error(
                        self.pos,
                        format!(
                            "expected `,` or `)` after an argument of {name} but got {}",
                            tok.describe()
                        ),
                    );
                }
            }
        }
        self.leave();
        if let Some((min, max)) = arity
            && !(min..=max).contains(&argc)
        {
            let wanted = match (min, max) {
                (a, b) if a == b => format!("{a}"),
                (a, b) => format!("{a} to {b}"),
            };
            return self.error(at, format!("{name} takes {wanted} argument(s), not {argc}"));
        }
        ops.push(Op::Call { func, argc, at });
        Ok(())
    }

    /// A string literal: `\n` and `\r` are line breaks, `\"` a quote, `\$`
    /// a dollar, any other `\c` is `c`; `$name` is replaced by the
    /// variable.
    fn parse_string(&mut self) -> Result<Interp> {
        let at = self.pos;
        self.bump(1);
        let mut text = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let mut chars = rest.chars();
            match chars.next() {
                Some('"') => {
                    self.bump(1);
                    break;
                }
                Some('\\') => match chars.next() {
                    Some(c) if c != '\n' && c != '\r' => {
                        match c {
                            'n' => text.push('\n'),
                            'r' => text.push('\r'),
                            '$' => text.push_str("\\$"),
                            c => text.push(c),
                        }
                        self.bump(1 + c.len_utf8());
                    }
                    _ => return self.error(at, "unterminated string (a string ends on its line)"),
                },
                Some(c) if c != '\n' && c != '\r' => {
                    text.push(c);
                    self.bump(c.len_utf8());
                }
                _ => return self.error(at, "unterminated string (a string ends on its line)"),
            }
        }
        self.interpolation(&text, at)
    }

    /// A regular expression literal `/…/` and its `i` modifiers; also
    /// returns Exscript's count of its groups.
    fn parse_regex(&mut self) -> Result<(RegexExpr, usize)> {
        let at = self.pos;
        self.bump(1);
        let mut text = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let mut chars = rest.chars();
            match chars.next() {
                Some('/') => {
                    self.bump(1);
                    break;
                }
                Some('\\') => match chars.next() {
                    Some(c) if c != '\n' && c != '\r' => {
                        if c != '/' {
                            text.push('\\');
                        }
                        text.push(c);
                        self.bump(1 + c.len_utf8());
                    }
                    _ => {
                        return self
                            .error(at, "unterminated regular expression (it ends on its line)");
                    }
                },
                Some(c) if c != '\n' && c != '\r' => {
                    text.push(c);
                    self.bump(c.len_utf8());
                }
                _ => {
                    return self.error(at, "unterminated regular expression (it ends on its line)");
                }
            }
        }
        let mut ignore_case = false;
        while self.src[self.pos..].starts_with('i') {
            ignore_case = true;
            self.bump(1);
        }
        let groups = pyre::exscript_group_count(&text);
        let pattern = self.interpolation(&text, at)?;
        let regex = match pattern.as_constant() {
            Some(source) => {
                let key = (source, ignore_case);
                let compiled = match self.regexes.get(&key) {
                    Some(known) => Arc::clone(known),
                    None => {
                        let compiled = TemplateRegex::new(&key.0, ignore_case).or_else(|e| {
                            self.error(at, format!("invalid regular expression /{}/: {e}", key.0))
                        })?;
                        let compiled = Arc::new(compiled);
                        self.regexes.insert(key, Arc::clone(&compiled));
                        compiled
                    }
                };
                RegexExpr::Static(compiled)
            }
            None => RegexExpr::Dynamic {
                pattern,
                ignore_case,
            },
        };
        Ok((regex, groups))
    }
}

fn comparison(c: Cmp) -> BinOp {
    match c {
        Cmp::In => BinOp::In,
        Cmp::NotIn => BinOp::NotIn,
        Cmp::IsNot => BinOp::IsNot,
        Cmp::Is => BinOp::Is,
        Cmp::Ge => BinOp::Ge,
        Cmp::Gt => BinOp::Gt,
        Cmp::Le => BinOp::Le,
        Cmp::Lt => BinOp::Lt,
        Cmp::Matches => BinOp::Matches,
    }
}

fn emit(ops: &mut Vec<Op>, pending: Pending) {
    match pending {
        Pending::Not => ops.push(Op::Not),
        Pending::Binary(op, at, _) => ops.push(Op::Binary { op, at }),
        Pending::Logic(index) => {
            ops.push(Op::LogicEnd);
            let end = ops.len();
            if let Some(Op::ShortCircuit { end: target, .. }) = ops.get_mut(index) {
                *target = end;
            }
        }
    }
}
