//! [`Value`]: what a job of a job graph returns.

use std::collections::BTreeMap;
use std::fmt;

/// The result of a graph job: nothing, a boolean, an integer, a text, a
/// list or a map of values.
///
/// Jobs of one [`Scheduler`](crate::graph::Scheduler) can return different
/// kinds of results and all be kept side by side; conversions from the
/// usual Rust types make returning one short.
///
/// ```
/// use oxscript_jobs::Value;
///
/// assert_eq!(Value::from("15.1(4)M"), Value::Text("15.1(4)M".into()));
/// assert_eq!(Value::from(vec!["a", "b"]).to_string(), "[a, b]");
/// assert_eq!(Value::from(()).to_string(), "");
/// assert_eq!(Value::from(42).as_int(), Some(42));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    /// No result.
    #[default]
    None,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A text (a command's output, a version…).
    Text(String),
    /// A list of values.
    List(Vec<Value>),
    /// Named values, in name order.
    Map(BTreeMap<String, Value>),
}

impl Value {
    /// Whether this is [`Value::None`].
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The text, if this is a [`Value::Text`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is a [`Value::Int`].
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The boolean, if this is a [`Value::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items, if this is a [`Value::List`].
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, if this is a [`Value::Map`].
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }
}

/// Texts as they are, lists as `[a, b]`, maps as `{k: v}`, `None` as
/// nothing.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Text(s) => f.write_str(s),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

impl From<()> for Value {
    fn from(_: ()) -> Value {
        Value::None
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Value {
        Value::Int(i64::from(i))
    }
}

impl From<u32> for Value {
    fn from(i: u32) -> Value {
        Value::Int(i64::from(i))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_owned())
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<BTreeMap<String, T>> for Value {
    fn from(map: BTreeMap<String, T>) -> Value {
        Value::Map(map.into_iter().map(|(k, v)| (k, v.into())).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::None, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_and_accessors() {
        assert!(Value::from(()).is_none());
        assert_eq!(Value::from(true).as_bool(), Some(true));
        assert_eq!(Value::from(7_u32).as_int(), Some(7));
        assert_eq!(Value::from("x").as_str(), Some("x"));
        assert_eq!(Value::from(None::<i64>), Value::None);
        assert_eq!(Value::from(Some(3)), Value::Int(3));
        let list = Value::from(vec![1, 2]);
        assert_eq!(list.as_list().map(<[Value]>::len), Some(2));
        let mut map = BTreeMap::new();
        map.insert("b".to_owned(), 2);
        map.insert("a".to_owned(), 1);
        let map = Value::from(map);
        assert_eq!(map.to_string(), "{a: 1, b: 2}");
        assert_eq!(map.as_map().map(BTreeMap::len), Some(2));
        assert_eq!(Value::Text("t".into()).as_int(), None);
    }
}
