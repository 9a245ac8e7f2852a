//! Template values: every variable is a list, as in Exscript.
//!
//! A list holds [`Item`]s: strings (from the device, literals, functions),
//! integers (number literals, arithmetic, `loop from`), booleans (the
//! result of comparisons) and `None` (a variable the template assigns but
//! that has not been assigned yet, or a regex group that did not take part
//! in a match). Items compare, print and convert to numbers the way
//! Exscript's Python values do: `"20" is 20` is false, `"20" + 0 is 20`
//! is true, `True` prints as `True`.
//!
//! A regular expression literal is a value of its own ([`Value::Regex`]),
//! used by `matches` and by the functions that take a pattern.

use std::fmt;
use std::sync::Arc;

use crate::pyre::TemplateRegex;

/// One element of a template list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A string.
    Str(Arc<str>),
    /// An integer.
    Int(i64),
    /// A boolean (`True`/`False` when printed).
    Bool(bool),
    /// No value (`None` when printed).
    None,
}

impl Item {
    /// A string item.
    pub fn str(text: impl Into<Arc<str>>) -> Item {
        Item::Str(text.into())
    }

    /// Python truthiness: empty strings, 0, `False` and `None` are false.
    pub fn is_truthy(&self) -> bool {
        match self {
            Item::Str(s) => !s.is_empty(),
            Item::Int(i) => *i != 0,
            Item::Bool(b) => *b,
            Item::None => false,
        }
    }

    /// Python equality: strings equal strings, numbers equal numbers
    /// (`True` is 1), a string never equals a number.
    pub fn py_eq(&self, other: &Item) -> bool {
        match (self, other) {
            (Item::Str(a), Item::Str(b)) => a == b,
            (Item::None, Item::None) => true,
            (Item::None, _) | (_, Item::None) => false,
            (Item::Str(_), _) | (_, Item::Str(_)) => false,
            (a, b) => a.as_number() == b.as_number(),
        }
    }

    /// The integer of a number or boolean item.
    fn as_number(&self) -> Option<i64> {
        match self {
            Item::Int(i) => Some(*i),
            Item::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// Python `int(item)`: numbers and booleans as they are, strings of
    /// decimal digits (blanks around them and a sign allowed); `None` for
    /// anything else.
    pub fn to_int(&self) -> Option<i64> {
        match self {
            Item::Str(s) => parse_int(s),
            Item::None => None,
            other => other.as_number(),
        }
    }
}

/// Python's `int(str)` for base 10: optional blanks, an optional sign,
/// ASCII digits (single underscores between digits allowed).
pub(crate) fn parse_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(10)?;
        value = value.checked_mul(10)?.checked_add(i64::from(d))?;
    }
    Some(if negative { -value } else { value })
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Str(s) => f.write_str(s),
            Item::Int(i) => write!(f, "{i}"),
            Item::Bool(true) => f.write_str("True"),
            Item::Bool(false) => f.write_str("False"),
            Item::None => f.write_str("None"),
        }
    }
}

impl From<&str> for Item {
    fn from(s: &str) -> Self {
        Item::Str(s.into())
    }
}

impl From<String> for Item {
    fn from(s: String) -> Self {
        Item::Str(s.into())
    }
}

impl From<i64> for Item {
    fn from(i: i64) -> Self {
        Item::Int(i)
    }
}

impl From<bool> for Item {
    fn from(b: bool) -> Self {
        Item::Bool(b)
    }
}

/// A template value: a list of items, or a regular expression.
///
/// Lists are shared (cloning a value is cheap); statements that change a
/// variable build a new list.
///
/// ```
/// use oxscript_template::{Item, Value};
///
/// let v = Value::from(vec!["Gi0/1", "Gi0/2"]);
/// assert_eq!(v.items().len(), 2);
/// assert_eq!(v.to_string(), "Gi0/1\nGi0/2");
/// assert_eq!(Value::from(5).first(), Some(&Item::Int(5)));
/// ```
#[derive(Clone, Debug)]
pub enum Value {
    /// A list (every variable).
    List(Arc<[Item]>),
    /// A regular expression (`/…/i` literals).
    Regex(Arc<TemplateRegex>),
}

impl Value {
    /// The empty list.
    pub fn empty() -> Value {
        Value::List(Arc::from(Vec::new()))
    }

    /// A list of the given items.
    pub fn list(items: impl IntoIterator<Item = impl Into<Item>>) -> Value {
        Value::List(items.into_iter().map(Into::into).collect())
    }

    /// A one-item list.
    pub fn single(item: impl Into<Item>) -> Value {
        Value::List(Arc::from(vec![item.into()]))
    }

    /// The items (none for a regex).
    pub fn items(&self) -> &[Item] {
        match self {
            Value::List(items) => items,
            Value::Regex(_) => &[],
        }
    }

    /// The first item, if any.
    pub fn first(&self) -> Option<&Item> {
        self.items().first()
    }

    /// The items as strings (numbers and booleans printed).
    pub fn strings(&self) -> Vec<String> {
        self.items().iter().map(Item::to_string).collect()
    }

    /// Whether this is a regular expression.
    pub fn is_regex(&self) -> bool {
        matches!(self, Value::Regex(_))
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Regex(a), Value::Regex(b)) => a.source() == b.source(),
            _ => false,
        }
    }
}

/// Lists print their items one per line (as `$name` in a command does);
/// a regex prints as `/source/`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
            Value::Regex(re) => write!(f, "/{}/", re.source()),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::single(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::single(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::single(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::single(b)
    }
}

impl From<Vec<Item>> for Value {
    fn from(items: Vec<Item>) -> Self {
        Value::List(Arc::from(items))
    }
}

impl From<Vec<String>> for Value {
    fn from(items: Vec<String>) -> Self {
        Value::list(items)
    }
}

impl From<Vec<&str>> for Value {
    fn from(items: Vec<&str>) -> Self {
        Value::list(items)
    }
}

impl From<&[String]> for Value {
    fn from(items: &[String]) -> Self {
        Value::list(items.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_equality_and_truth() {
        let s = |t: &str| Item::str(t);
        assert!(!s("20").py_eq(&Item::Int(20)));
        assert!(Item::Bool(true).py_eq(&Item::Int(1)));
        assert!(!Item::Bool(true).py_eq(&s("True")));
        assert!(Item::None.py_eq(&Item::None));
        assert!(!Item::None.py_eq(&s("")));
        assert!(s("0").is_truthy());
        assert!(!s("").is_truthy() && !Item::Int(0).is_truthy() && !Item::None.is_truthy());
    }

    #[test]
    fn python_int() {
        assert_eq!(parse_int(" 42 "), Some(42));
        assert_eq!(parse_int("-7"), Some(-7));
        assert_eq!(parse_int("+1_000"), Some(1000));
        for bad in [
            "",
            "abc",
            "1.5",
            "0x10",
            "_1",
            "1__0",
            "99999999999999999999",
        ] {
            assert_eq!(parse_int(bad), None, "{bad}");
        }
        assert_eq!(Item::Bool(true).to_int(), Some(1));
        assert_eq!(Item::None.to_int(), None);
    }

    #[test]
    fn printing() {
        assert_eq!(Item::Bool(false).to_string(), "False");
        assert_eq!(Item::None.to_string(), "None");
        assert_eq!(Value::list(["a", "b"]).to_string(), "a\nb");
        assert_eq!(Value::empty().to_string(), "");
    }
}
