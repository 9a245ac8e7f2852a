//! `list.*`: list helpers (`list.new`, written in the table, returns the
//! empty list).

use std::collections::HashSet;
use std::sync::Arc;

use super::arg;
use crate::functions::FunctionError;
use crate::value::{Item, Value};

/// `list.get(source, index)`: a one-item list with the item at `index`
/// (negative indexes count from the end, as in Python).
pub(super) fn get(args: &[Value]) -> Result<Value, FunctionError> {
    let source = arg(args, 0);
    let index = arg(args, 1)
        .first()
        .ok_or("the index is required")?
        .to_int()
        .ok_or("the index is not an integer")?;
    let len = i64::try_from(source.len()).unwrap_or(i64::MAX);
    let at = if index < 0 { index + len } else { index };
    usize::try_from(at)
        .ok()
        .and_then(|i| source.get(i))
        .map(|item| Value::single(item.clone()))
        .ok_or_else(|| format!("no item {index} in a list of {len}").into())
}

/// `list.length(list)`: the number of items.
pub(super) fn length(args: &[Value]) -> Result<Value, FunctionError> {
    Ok(Value::from(
        i64::try_from(arg(args, 0).len()).unwrap_or(i64::MAX),
    ))
}

/// What makes two items the same key for Python (a dict): strings by text,
/// numbers and booleans by value.
#[derive(PartialEq, Eq, Hash)]
enum Key {
    Str(Arc<str>),
    Num(i64),
    None,
}

/// `list.unique(list)`: the first of each equal item, in order.
pub(super) fn unique(args: &[Value]) -> Result<Value, FunctionError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for item in arg(args, 0) {
        let key = match item {
            Item::Str(s) => Key::Str(s.clone()),
            Item::Int(i) => Key::Num(*i),
            Item::Bool(b) => Key::Num(i64::from(*b)),
            Item::None => Key::None,
        };
        if seen.insert(key) {
            out.push(item.clone());
        }
    }
    Ok(Value::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_functions() {
        let l = Value::list(["abc", "def", "ghi", "ghi"]);
        let i = |n: i64| Value::from(n);
        assert_eq!(get(&[l.clone(), i(1)]).unwrap().strings(), ["def"]);
        assert_eq!(get(&[l.clone(), i(-1)]).unwrap().strings(), ["ghi"]);
        assert_eq!(
            get(&[l.clone(), Value::from("0")]).unwrap().strings(),
            ["abc"]
        );
        assert!(get(&[l.clone(), i(4)]).is_err());
        assert!(get(&[l.clone(), Value::from("x")]).is_err());
        assert!(get(&[l.clone(), Value::empty()]).is_err());
        assert_eq!(
            length(std::slice::from_ref(&l)).unwrap().first(),
            Some(&Item::Int(4))
        );
        assert_eq!(unique(&[l]).unwrap().strings(), ["abc", "def", "ghi"]);
        let mixed = Value::list([Item::Int(1), Item::Bool(true), Item::from("1")]);
        assert_eq!(unique(&[mixed]).unwrap().strings(), ["1", "1"]);
    }
}
