//! `string.*`: string helpers, each working on every item of its first
//! argument.

use super::{first_str, strings};
use crate::functions::FunctionError;
use crate::value::{Item, Value};

/// `string.replace(strings, source, dest)`: every occurrence replaced.
pub(super) fn replace(args: &[Value]) -> Result<Value, FunctionError> {
    let from = first_str(args, 1, "the text to replace")?;
    let to = first_str(args, 2, "the replacement")?;
    map(args, |s| s.replace(&from, &to))
}

/// `string.split(strings, separator)`: all the pieces of every item.
pub(super) fn split(args: &[Value]) -> Result<Value, FunctionError> {
    let separator = first_str(args, 1, "the separator")?;
    if separator.is_empty() {
        return Err("empty separator".into());
    }
    Ok(Value::from(
        strings(args, 0)
            .iter()
            .flat_map(|s| s.split(separator.as_str()).map(Item::from))
            .collect::<Vec<_>>(),
    ))
}

/// Applies `f` to every item of the first argument.
pub(super) fn map(args: &[Value], f: impl Fn(&str) -> String) -> Result<Value, FunctionError> {
    Ok(Value::from(
        strings(args, 0)
            .iter()
            .map(|s| Item::from(f(s)))
            .collect::<Vec<_>>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_functions() {
        let v = |s: &str| Value::from(s);
        assert_eq!(
            replace(&[v("ssuccessss"), v("ss"), v("s")])
                .unwrap()
                .strings(),
            ["success"]
        );
        assert_eq!(
            replace(&[v("abc"), v(""), v("-")]).unwrap().strings(),
            ["-a-b-c-"]
        );
        assert_eq!(
            split(&[Value::list(["10,234", "65,,8"]), v(",")])
                .unwrap()
                .strings(),
            ["10", "234", "65", "", "8"]
        );
        assert!(split(&[v("a"), v("")]).is_err());
        assert_eq!(
            map(&[Value::list(["Low3R"])], |s| s.to_lowercase())
                .unwrap()
                .strings(),
            ["low3r"]
        );
    }
}
