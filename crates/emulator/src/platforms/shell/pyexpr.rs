//! A very small subset of Python for the emulated `python3`: enough
//! expressions and statements to test code that drives an interactive
//! interpreter (oxscript's remote Python runner among them). Values are
//! JSON values (`None`, `bool`, `int`, `float`, `str`, `list`, `dict`
//! with string keys).
//!
//! Expressions: literals (`1`, `2.5`, `'s'`, `"s"`, `True`, `False`,
//! `None`, `[..]`, `{'k': v}`), names, `+ - * / // %`, unary `-`,
//! comparisons (`== != < > <= >=`), parentheses, indexing (`x[i]`),
//! the builtins `len str int float repr sorted sum min max abs range
//! list print`, and the methods `upper lower strip split join replace
//! startswith endswith count` of `str`, `append extend pop insert clear
//! index count` of `list`, `get keys values items update pop clear` of
//! `dict`. Statements: an expression, `name = expr`, `name += expr`,
//! `del name, ...`, `import ...` (accepted, does nothing), `raise
//! Name(message)`.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};

/// A Python exception: its type name and message.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct PyError {
    pub(super) kind: String,
    pub(super) message: String,
}

impl PyError {
    pub(super) fn new(kind: &str, message: impl Into<String>) -> Self {
        PyError {
            kind: kind.to_owned(),
            message: message.into(),
        }
    }

    /// The traceback Python prints for it.
    pub(super) fn traceback(&self, file: &str) -> String {
        let last = if self.message.is_empty() {
            self.kind.clone()
        } else {
            format!("{}: {}", self.kind, self.message)
        };
        format!(
            "Traceback (most recent call last):\n  File \"{file}\", line 1, in <module>\n{last}\n"
        )
    }
}

pub(super) type PyResult<T> = Result<T, PyError>;

/// Names and their values.
pub(super) type Namespace = HashMap<String, Value>;

/// What running a statement did.
#[derive(Debug, PartialEq)]
pub(super) enum Effect {
    /// An expression statement's value (the REPL shows it unless `None`).
    Value(Value),
    /// `sys.ps1 = ...` or `sys.ps2 = ...`: which, and the new value.
    Prompt(u8, String),
    /// Nothing to show.
    Nothing,
}

fn syntax() -> PyError {
    PyError::new("SyntaxError", "invalid syntax")
}

// ----- tokens ----------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(Value),
    Str(String),
    Name(String),
    Op(&'static str),
}

const OPS: &[&str] = &[
    "//", "==", "!=", "<=", ">=", "+=", "(", ")", "[", "]", "{", "}", ",", ":", ".", "+", "-", "*",
    "/", "%", "<", ">", "=",
];

fn tokenize(src: &str) -> PyResult<Vec<Tok>> {
    let mut toks = Vec::new();
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            break;
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(syntax()),
                    Some(&q) if q == c => break,
                    Some('\\') => {
                        i += 1;
                        match chars.get(i) {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some(&e) => s.push(e),
                            None => return Err(syntax()),
                        }
                    }
                    Some(&x) => s.push(x),
                }
                i += 1;
            }
            i += 1;
            toks.push(Tok::Str(s));
        } else if c.is_ascii_digit() {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|c| c.is_ascii_digit() || *c == '.' || *c == '_')
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            let value = if text.contains('.') {
                text.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
            } else {
                text.parse::<i64>().ok().map(Value::from)
            };
            toks.push(Tok::Num(value.ok_or_else(syntax)?));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
            {
                i += 1;
            }
            toks.push(Tok::Name(chars[start..i].iter().collect()));
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let op = OPS
                .iter()
                .find(|op| rest.starts_with(**op))
                .ok_or_else(syntax)?;
            i += op.chars().count();
            toks.push(Tok::Op(op));
        }
    }
    Ok(toks)
}

// ----- syntax tree -----------------------------------------------------------

#[derive(Clone, Debug)]
enum Expr {
    Lit(Value),
    Name(String),
    List(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Neg(Box<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Expr>),
    Attr(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> PyResult<()> {
        if self.eat(op) { Ok(()) } else { Err(syntax()) }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn expr(&mut self) -> PyResult<Expr> {
        let left = self.sum()?;
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if self.eat(op) {
                let right = self.sum()?;
                return Ok(Expr::Bin(op_name(op), Box::new(left), Box::new(right)));
            }
        }
        Ok(left)
    }

    fn sum(&mut self) -> PyResult<Expr> {
        let mut left = self.term()?;
        loop {
            let op = if self.eat("+") {
                "+"
            } else if self.eat("-") {
                "-"
            } else {
                return Ok(left);
            };
            left = Expr::Bin(op, Box::new(left), Box::new(self.term()?));
        }
    }

    fn term(&mut self) -> PyResult<Expr> {
        let mut left = self.unary()?;
        loop {
            let op = ["*", "//", "/", "%"].into_iter().find(|op| self.eat(op));
            let Some(op) = op else { return Ok(left) };
            left = Expr::Bin(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> PyResult<Expr> {
        if self.eat("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> PyResult<Expr> {
        let mut e = self.atom()?;
        loop {
            if self.eat("(") {
                let args = self.items(")")?;
                e = Expr::Call(Box::new(e), args);
            } else if self.eat("[") {
                let index = self.expr()?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(index));
            } else if self.eat(".") {
                match self.toks.get(self.pos).cloned() {
                    Some(Tok::Name(n)) => {
                        self.pos += 1;
                        e = Expr::Attr(Box::new(e), n);
                    }
                    _ => return Err(syntax()),
                }
            } else {
                return Ok(e);
            }
        }
    }

    /// Comma-separated expressions up to `close`.
    fn items(&mut self, close: &str) -> PyResult<Vec<Expr>> {
        let mut items = Vec::new();
        while !self.eat(close) {
            items.push(self.expr()?);
            if !self.eat(",") {
                self.expect(close)?;
                break;
            }
        }
        Ok(items)
    }

    fn atom(&mut self) -> PyResult<Expr> {
        let tok = self.toks.get(self.pos).cloned().ok_or_else(syntax)?;
        self.pos += 1;
        Ok(match tok {
            Tok::Num(v) => Expr::Lit(v),
            Tok::Str(s) => {
                let mut s = s;
                // Adjacent string literals concatenate.
                while let Some(Tok::Str(next)) = self.peek().cloned() {
                    self.pos += 1;
                    s.push_str(&next);
                }
                Expr::Lit(Value::String(s))
            }
            Tok::Name(n) => match n.as_str() {
                "True" => Expr::Lit(Value::Bool(true)),
                "False" => Expr::Lit(Value::Bool(false)),
                "None" => Expr::Lit(Value::Null),
                _ => Expr::Name(n),
            },
            Tok::Op("(") => {
                let e = self.expr()?;
                self.expect(")")?;
                e
            }
            Tok::Op("[") => Expr::List(self.items("]")?),
            Tok::Op("{") => {
                let mut pairs = Vec::new();
                while !self.eat("}") {
                    let k = self.expr()?;
                    self.expect(":")?;
                    pairs.push((k, self.expr()?));
                    if !self.eat(",") {
                        self.expect("}")?;
                        break;
                    }
                }
                Expr::Dict(pairs)
            }
            Tok::Op(_) => return Err(syntax()),
        })
    }
}

fn op_name(op: &str) -> &'static str {
    OPS.iter().copied().find(|o| *o == op).unwrap_or("==")
}

fn parse_expr(toks: Vec<Tok>) -> PyResult<Expr> {
    let mut p = Parser { toks, pos: 0 };
    let e = p.expr()?;
    if p.at_end() { Ok(e) } else { Err(syntax()) }
}

// ----- values ----------------------------------------------------------------

/// Python's name of the type of `v`.
pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Python's `repr`.
pub(super) fn repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
            _ => n.to_string(),
        },
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(repr).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("'{k}': {}", repr(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Python's `str`.
pub(super) fn to_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => repr(other),
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn float(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

fn from_f64(f: f64) -> PyResult<Value> {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| PyError::new("OverflowError", "numerical result out of range"))
}

fn unsupported(op: &str, a: &Value, b: &Value) -> PyError {
    PyError::new(
        "TypeError",
        format!(
            "unsupported operand type(s) for {op}: '{}' and '{}'",
            type_name(a),
            type_name(b)
        ),
    )
}

fn binary(op: &str, a: &Value, b: &Value) -> PyResult<Value> {
    match op {
        "==" => {
            return Ok(Value::Bool(
                a == b || (float(a).is_some() && float(a) == float(b)),
            ));
        }
        "!=" => {
            return Ok(Value::Bool(
                !(a == b || (float(a).is_some() && float(a) == float(b))),
            ));
        }
        "<" | ">" | "<=" | ">=" => {
            let ord = match (a, b) {
                (Value::String(x), Value::String(y)) => x.partial_cmp(y),
                _ => match (float(a), float(b)) {
                    (Some(x), Some(y)) => x.partial_cmp(&y),
                    _ => None,
                },
            };
            let ord = ord.ok_or_else(|| {
                PyError::new(
                    "TypeError",
                    format!(
                        "'{op}' not supported between instances of '{}' and '{}'",
                        type_name(a),
                        type_name(b)
                    ),
                )
            })?;
            use std::cmp::Ordering::*;
            let r = match op {
                "<" => ord == Less,
                ">" => ord == Greater,
                "<=" => ord != Greater,
                _ => ord != Less,
            };
            return Ok(Value::Bool(r));
        }
        _ => {}
    }
    match (op, a, b) {
        ("+", Value::String(x), Value::String(y)) => return Ok(Value::String(format!("{x}{y}"))),
        ("+", Value::Array(x), Value::Array(y)) => {
            return Ok(Value::Array(x.iter().chain(y).cloned().collect()));
        }
        ("*", Value::String(s), n) | ("*", n, Value::String(s)) if int(n).is_some() => {
            let n = usize::try_from(int(n).unwrap_or(0)).unwrap_or(0);
            return Ok(Value::String(s.repeat(n)));
        }
        _ => {}
    }
    if let (Some(x), Some(y)) = (int(a), int(b))
        && !matches!(op, "/")
    {
        let zero = || PyError::new("ZeroDivisionError", "integer division or modulo by zero");
        let r = match op {
            "+" => x.checked_add(y),
            "-" => x.checked_sub(y),
            "*" => x.checked_mul(y),
            "//" => Some(x.checked_div_euclid(y).ok_or_else(zero)?),
            "%" => Some(x.checked_rem_euclid(y).ok_or_else(zero)?),
            _ => None,
        };
        return r
            .map(Value::from)
            .ok_or_else(|| PyError::new("OverflowError", "integer overflow"));
    }
    let (Some(x), Some(y)) = (float(a), float(b)) else {
        return Err(unsupported(op, a, b));
    };
    if matches!(op, "/" | "//" | "%") && y == 0.0 {
        return Err(PyError::new("ZeroDivisionError", "division by zero"));
    }
    from_f64(match op {
        "+" => x + y,
        "-" => x - y,
        "*" => x * y,
        "/" => x / y,
        "//" => (x / y).floor(),
        _ => x.rem_euclid(y),
    })
}

// ----- evaluation ------------------------------------------------------------

/// Where `print` writes.
pub(super) struct Env<'a> {
    pub(super) ns: &'a mut Namespace,
    pub(super) out: &'a mut String,
}

impl Env<'_> {
    fn lookup(&self, name: &str) -> PyResult<Value> {
        self.ns
            .get(name)
            .cloned()
            .ok_or_else(|| PyError::new("NameError", format!("name '{name}' is not defined")))
    }

    fn eval(&mut self, e: &Expr) -> PyResult<Value> {
        match e {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::Name(n) => self.lookup(n),
            Expr::List(items) => Ok(Value::Array(
                items
                    .iter()
                    .map(|e| self.eval(e))
                    .collect::<PyResult<_>>()?,
            )),
            Expr::Dict(pairs) => {
                let mut map = Map::new();
                for (k, v) in pairs {
                    let key = match self.eval(k)? {
                        Value::String(s) => s,
                        other => to_str(&other),
                    };
                    map.insert(key, self.eval(v)?);
                }
                Ok(Value::Object(map))
            }
            Expr::Neg(inner) => {
                let v = self.eval(inner)?;
                binary("-", &Value::from(0), &v).map_err(|_| {
                    PyError::new(
                        "TypeError",
                        format!("bad operand type for unary -: '{}'", type_name(&v)),
                    )
                })
            }
            Expr::Bin(op, a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                binary(op, &a, &b)
            }
            Expr::Index(base, index) => {
                let base = self.eval(base)?;
                let index = self.eval(index)?;
                subscript(&base, &index)
            }
            Expr::Attr(base, name) => {
                let v = self.eval(base)?;
                Err(no_attribute(&v, name))
            }
            Expr::Call(callee, args) => {
                let args: Vec<Value> =
                    args.iter().map(|a| self.eval(a)).collect::<PyResult<_>>()?;
                match callee.as_ref() {
                    Expr::Name(f) if !self.ns.contains_key(f) => self.builtin(f, &args),
                    Expr::Attr(base, method) => {
                        let mut target = self.eval(base)?;
                        let result = call_method(&mut target, method, &args)?;
                        if let Expr::Name(name) = base.as_ref()
                            && MUTATING.contains(&method.as_str())
                        {
                            self.ns.insert(name.clone(), target);
                        }
                        Ok(result)
                    }
                    other => {
                        let v = self.eval(other)?;
                        Err(PyError::new(
                            "TypeError",
                            format!("'{}' object is not callable", type_name(&v)),
                        ))
                    }
                }
            }
        }
    }

    fn builtin(&mut self, f: &str, args: &[Value]) -> PyResult<Value> {
        let first = args.first();
        let need = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(PyError::new(
                    "TypeError",
                    format!("{f}() takes exactly {n} argument(s) ({} given)", args.len()),
                ))
            }
        };
        let items = |v: Option<&Value>| -> PyResult<Vec<Value>> {
            match v {
                Some(Value::Array(a)) => Ok(a.clone()),
                Some(Value::Object(o)) => Ok(o.keys().map(|k| Value::String(k.clone())).collect()),
                Some(Value::String(s)) => Ok(s.chars().map(|c| Value::String(c.into())).collect()),
                Some(other) => Err(PyError::new(
                    "TypeError",
                    format!("'{}' object is not iterable", type_name(other)),
                )),
                None => Ok(Vec::new()),
            }
        };
        match f {
            "print" => {
                let parts: Vec<String> = args.iter().map(to_str).collect();
                self.out.push_str(&parts.join(" "));
                self.out.push('\n');
                Ok(Value::Null)
            }
            "len" => {
                need(1)?;
                let n = match first {
                    Some(Value::String(s)) => s.chars().count(),
                    Some(Value::Array(a)) => a.len(),
                    Some(Value::Object(o)) => o.len(),
                    Some(other) => {
                        return Err(PyError::new(
                            "TypeError",
                            format!("object of type '{}' has no len()", type_name(other)),
                        ));
                    }
                    None => 0,
                };
                Ok(Value::from(n))
            }
            "str" => Ok(Value::String(first.map(to_str).unwrap_or_default())),
            "repr" => {
                need(1)?;
                Ok(Value::String(first.map(repr).unwrap_or_default()))
            }
            "int" => match first {
                Some(Value::String(s)) => s.trim().parse::<i64>().map(Value::from).map_err(|_| {
                    PyError::new(
                        "ValueError",
                        format!(
                            "invalid literal for int() with base 10: {}",
                            repr(&Value::String(s.clone()))
                        ),
                    )
                }),
                Some(v) => float(v)
                    .map(|f| Value::from(f.trunc() as i64))
                    .ok_or_else(|| {
                        PyError::new("TypeError", "int() argument must be a string or a number")
                    }),
                None => Ok(Value::from(0)),
            },
            "float" => match first {
                Some(Value::String(s)) => s
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| PyError::new("ValueError", "could not convert string to float"))
                    .and_then(from_f64),
                Some(v) => float(v)
                    .ok_or_else(|| {
                        PyError::new("TypeError", "float() argument must be a string or a number")
                    })
                    .and_then(from_f64),
                None => from_f64(0.0),
            },
            "abs" => {
                need(1)?;
                let v = first.cloned().unwrap_or(Value::Null);
                if binary("<", &v, &Value::from(0))? == Value::Bool(true) {
                    binary("-", &Value::from(0), &v)
                } else {
                    Ok(v)
                }
            }
            "list" => Ok(Value::Array(items(first)?)),
            "sorted" => {
                let mut v = items(first)?;
                let mut error = None;
                v.sort_by(|a, b| {
                    if binary("<", a, b).map_err(|e| error = Some(e)).ok()
                        == Some(Value::Bool(true))
                    {
                        std::cmp::Ordering::Less
                    } else if a == b {
                        std::cmp::Ordering::Equal
                    } else {
                        std::cmp::Ordering::Greater
                    }
                });
                match error {
                    Some(e) => Err(e),
                    None => Ok(Value::Array(v)),
                }
            }
            "sum" => items(first)?
                .iter()
                .try_fold(Value::from(0), |acc, v| binary("+", &acc, v)),
            "min" | "max" => {
                let v = if args.len() == 1 {
                    items(first)?
                } else {
                    args.to_vec()
                };
                let op = if f == "min" { "<" } else { ">" };
                let mut best: Option<Value> = None;
                for x in v {
                    best = match best {
                        Some(b) if binary(op, &b, &x)? != Value::Bool(true) && b != x => Some(x),
                        Some(b) => Some(b),
                        None => Some(x),
                    };
                }
                best.ok_or_else(|| {
                    PyError::new("ValueError", format!("{f}() arg is an empty sequence"))
                })
            }
            "range" => {
                let n = first.and_then(int).unwrap_or(0).clamp(0, 100_000);
                Ok(Value::Array((0..n).map(Value::from).collect()))
            }
            name if name.ends_with("Error") || name.ends_with("Exception") => Err(PyError::new(
                "TypeError",
                format!("exceptions are only supported in `raise`: {name}"),
            )),
            name => Err(PyError::new(
                "NameError",
                format!("name '{name}' is not defined"),
            )),
        }
    }
}

const MUTATING: &[&str] = &["append", "extend", "pop", "insert", "clear", "update"];

fn no_attribute(v: &Value, name: &str) -> PyError {
    PyError::new(
        "AttributeError",
        format!("'{}' object has no attribute '{name}'", type_name(v)),
    )
}

fn subscript(base: &Value, index: &Value) -> PyResult<Value> {
    let position = |len: usize| -> PyResult<usize> {
        let i = int(index).ok_or_else(|| PyError::new("TypeError", "indices must be integers"))?;
        let len = i64::try_from(len).unwrap_or(i64::MAX);
        let i = if i < 0 { i + len } else { i };
        if (0..len).contains(&i) {
            Ok(usize::try_from(i).unwrap_or(0))
        } else {
            Err(PyError::new("IndexError", "index out of range"))
        }
    };
    match base {
        Value::Array(a) => Ok(a[position(a.len())?].clone()),
        Value::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            Ok(Value::String(chars[position(chars.len())?].to_string()))
        }
        Value::Object(o) => {
            let key = to_str(index);
            o.get(&key)
                .cloned()
                .ok_or_else(|| PyError::new("KeyError", repr(&Value::String(key))))
        }
        other => Err(PyError::new(
            "TypeError",
            format!("'{}' object is not subscriptable", type_name(other)),
        )),
    }
}

/// Calls `method` on `target` (which the call may change) with `args`.
pub(super) fn call_method(target: &mut Value, method: &str, args: &[Value]) -> PyResult<Value> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let arg_str = |i: usize| -> PyResult<String> {
        match args.get(i) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(PyError::new(
                "TypeError",
                format!("{method}() argument must be str"),
            )),
        }
    };
    match target {
        Value::String(s) => match method {
            "upper" => Ok(Value::String(s.to_uppercase())),
            "lower" => Ok(Value::String(s.to_lowercase())),
            "strip" => Ok(Value::String(s.trim().to_owned())),
            "split" => {
                let parts: Vec<Value> = match args.first() {
                    Some(Value::String(sep)) if !sep.is_empty() => s
                        .split(sep.as_str())
                        .map(|p| Value::String(p.into()))
                        .collect(),
                    _ => s
                        .split_whitespace()
                        .map(|p| Value::String(p.into()))
                        .collect(),
                };
                Ok(Value::Array(parts))
            }
            "join" => match args.first() {
                Some(Value::Array(items)) => {
                    let parts: Vec<String> = items.iter().map(to_str).collect();
                    Ok(Value::String(parts.join(s)))
                }
                _ => Err(PyError::new("TypeError", "can only join an iterable")),
            },
            "replace" => Ok(Value::String(s.replace(&arg_str(0)?, &arg_str(1)?))),
            "startswith" => Ok(Value::Bool(s.starts_with(&arg_str(0)?))),
            "endswith" => Ok(Value::Bool(s.ends_with(&arg_str(0)?))),
            "count" => Ok(Value::from(s.matches(&arg_str(0)?).count())),
            _ => Err(no_attribute(target, method)),
        },
        Value::Array(items) => match method {
            "append" => {
                items.push(arg(0));
                Ok(Value::Null)
            }
            "extend" => match args.first() {
                Some(Value::Array(more)) => {
                    items.extend(more.iter().cloned());
                    Ok(Value::Null)
                }
                _ => Err(PyError::new(
                    "TypeError",
                    "extend() argument must be a list",
                )),
            },
            "insert" => {
                let i = int(&arg(0))
                    .unwrap_or(0)
                    .clamp(0, i64::try_from(items.len()).unwrap_or(0));
                items.insert(usize::try_from(i).unwrap_or(0), arg(1));
                Ok(Value::Null)
            }
            "pop" => items
                .pop()
                .ok_or_else(|| PyError::new("IndexError", "pop from empty list")),
            "clear" => {
                items.clear();
                Ok(Value::Null)
            }
            "index" => items
                .iter()
                .position(|v| *v == arg(0))
                .map(Value::from)
                .ok_or_else(|| {
                    PyError::new("ValueError", format!("{} is not in list", repr(&arg(0))))
                }),
            "count" => Ok(Value::from(items.iter().filter(|v| **v == arg(0)).count())),
            _ => Err(no_attribute(target, method)),
        },
        Value::Object(map) => match method {
            "get" => Ok(map.get(&to_str(&arg(0))).cloned().unwrap_or(arg(1))),
            "keys" => Ok(Value::Array(
                map.keys().map(|k| Value::String(k.clone())).collect(),
            )),
            "values" => Ok(Value::Array(map.values().cloned().collect())),
            "items" => Ok(Value::Array(
                map.iter()
                    .map(|(k, v)| Value::Array(vec![Value::String(k.clone()), v.clone()]))
                    .collect(),
            )),
            "update" => match args.first() {
                Some(Value::Object(more)) => {
                    for (k, v) in more {
                        map.insert(k.clone(), v.clone());
                    }
                    Ok(Value::Null)
                }
                _ => Err(PyError::new(
                    "TypeError",
                    "update() argument must be a dict",
                )),
            },
            "pop" => {
                let key = to_str(&arg(0));
                map.remove(&key)
                    .or_else(|| args.get(1).cloned())
                    .ok_or_else(|| PyError::new("KeyError", repr(&Value::String(key))))
            }
            "clear" => {
                map.clear();
                Ok(Value::Null)
            }
            _ => Err(no_attribute(target, method)),
        },
        other => Err(no_attribute(other, method)),
    }
}

/// Evaluates the expression `src`.
pub(super) fn eval(env: &mut Env<'_>, src: &str) -> PyResult<Value> {
    let e = parse_expr(tokenize(src)?)?;
    env.eval(&e)
}

/// Runs one simple statement (no `;`).
pub(super) fn exec_statement(env: &mut Env<'_>, src: &str) -> PyResult<Effect> {
    let toks = tokenize(src)?;
    match toks.as_slice() {
        [] => Ok(Effect::Nothing),
        [Tok::Name(kw), ..] if kw == "import" || kw == "from" => Ok(Effect::Nothing),
        [Tok::Name(kw), rest @ ..] if kw == "del" => {
            for tok in rest {
                match tok {
                    Tok::Name(n) => {
                        if env.ns.remove(n).is_none() {
                            return Err(PyError::new(
                                "NameError",
                                format!("name '{n}' is not defined"),
                            ));
                        }
                    }
                    Tok::Op(",") => {}
                    _ => return Err(syntax()),
                }
            }
            Ok(Effect::Nothing)
        }
        [Tok::Name(kw), Tok::Name(kind), rest @ ..] if kw == "raise" => {
            let message = match rest {
                [] => String::new(),
                [Tok::Op("("), Tok::Op(")")] => String::new(),
                [Tok::Op("("), inner @ .., Tok::Op(")")] => {
                    to_str(&env.eval(&parse_expr(inner.to_vec())?)?)
                }
                _ => return Err(syntax()),
            };
            Err(PyError::new(kind, message))
        }
        [
            Tok::Name(sys),
            Tok::Op("."),
            Tok::Name(attr),
            Tok::Op("="),
            rest @ ..,
        ] if sys == "sys" && (attr == "ps1" || attr == "ps2") => {
            let v = env.eval(&parse_expr(rest.to_vec())?)?;
            Ok(Effect::Prompt(
                if attr == "ps1" { 1 } else { 2 },
                to_str(&v),
            ))
        }
        [Tok::Name(name), Tok::Op(op @ ("=" | "+=")), rest @ ..] => {
            let mut v = env.eval(&parse_expr(rest.to_vec())?)?;
            if *op == "+=" {
                v = binary("+", &env.lookup(name)?, &v)?;
            }
            env.ns.insert(name.clone(), v);
            Ok(Effect::Nothing)
        }
        _ => Ok(Effect::Value(env.eval(&parse_expr(toks)?)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(ns: &mut Namespace, src: &str) -> PyResult<Effect> {
        let mut out = String::new();
        exec_statement(&mut Env { ns, out: &mut out }, src)
    }

    fn value(ns: &mut Namespace, src: &str) -> Value {
        match run(ns, src) {
            Ok(Effect::Value(v)) => v,
            other => panic!("{src}: {other:?}"),
        }
    }

    #[test]
    fn expressions() {
        let mut ns = Namespace::new();
        assert_eq!(repr(&value(&mut ns, "1 + 2 * 3")), "7");
        assert_eq!(repr(&value(&mut ns, "7 / 2")), "3.5");
        assert_eq!(repr(&value(&mut ns, "-7 // 2")), "-4");
        assert_eq!(repr(&value(&mut ns, "'ab' + \"c\"")), "'abc'");
        assert_eq!(
            repr(&value(
                &mut ns,
                "{'a': [1, 2.0, None, True], 'b': 'x'.upper()}"
            )),
            "{'a': [1, 2.0, None, True], 'b': 'X'}"
        );
        assert_eq!(repr(&value(&mut ns, "sorted([3, 1, 2])[0] == 1")), "True");
        assert_eq!(repr(&value(&mut ns, "len('héllo')")), "5");
        assert_eq!(repr(&value(&mut ns, "', '.join(['a', 'b'])")), "'a, b'");
    }

    #[test]
    fn statements_and_errors() {
        let mut ns = Namespace::new();
        run(&mut ns, "x = [1]").unwrap();
        run(&mut ns, "x.append(2)").unwrap();
        run(&mut ns, "x += [3]").unwrap();
        assert_eq!(repr(&value(&mut ns, "x")), "[1, 2, 3]");
        assert_eq!(
            run(&mut ns, "sys.ps1 = 'A' + 'B'").unwrap(),
            Effect::Prompt(1, "AB".into())
        );
        let e = run(&mut ns, "raise ValueError('bad ' + 'value')").unwrap_err();
        assert_eq!(
            (e.kind.as_str(), e.message.as_str()),
            ("ValueError", "bad value")
        );
        assert!(e.traceback("<stdin>").ends_with("ValueError: bad value\n"));
        assert_eq!(run(&mut ns, "1/0").unwrap_err().kind, "ZeroDivisionError");
        assert_eq!(run(&mut ns, "nope").unwrap_err().kind, "NameError");
        assert_eq!(run(&mut ns, "1 +").unwrap_err().kind, "SyntaxError");
        assert_eq!(run(&mut ns, "{}['k']").unwrap_err().kind, "KeyError");
        run(&mut ns, "del x").unwrap();
        assert_eq!(run(&mut ns, "x").unwrap_err().kind, "NameError");
    }
}
