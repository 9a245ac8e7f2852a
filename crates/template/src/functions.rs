//! Functions a template can call: the standard library and the caller's
//! own (Exscript's `run_template(conn, file, **functions)`).
//!
//! ```
//! use oxscript_template::{Functions, Value};
//!
//! let mut functions = Functions::standard();
//! // {x = mylib.double("21")} gives x = 42.
//! functions.add("mylib.double", |_call, args| {
//!     let n = args
//!         .first()
//!         .and_then(|v| v.first())
//!         .and_then(|item| item.to_int())
//!         .ok_or("mylib.double wants a number")?;
//!     Ok(Value::from(n * 2))
//! })?;
//! assert!(functions.contains("mylib.double"));
//! # Ok::<(), oxscript_template::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use oxscript_core::Account;
use oxscript_transport::Session;

use crate::conn::{BoxFuture, Conn};
use crate::error::{Error, Result};
use crate::lexer;
use crate::run::{RunContext, Store};
use crate::stdlib::{self, Builtin};
use crate::value::Value;

/// Why a function call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum FunctionError {
    /// The function refused its arguments or could not do its work; the
    /// template stops with a runtime error naming the call.
    Message(String),
    /// The device or connection failed; `{try}` catches it.
    Device(oxscript_transport::Error),
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FunctionError::Message(m) => f.write_str(m),
            FunctionError::Device(e) => write!(f, "{e}"),
        }
    }
}

impl From<String> for FunctionError {
    fn from(message: String) -> Self {
        FunctionError::Message(message)
    }
}

impl From<&str> for FunctionError {
    fn from(message: &str) -> Self {
        FunctionError::Message(message.to_owned())
    }
}

impl From<oxscript_transport::Error> for FunctionError {
    fn from(e: oxscript_transport::Error) -> Self {
        FunctionError::Device(e)
    }
}

/// What a function may use while it runs: the template's variables and
/// the connection (Exscript passes its functions the `scope`).
pub struct Call<'a> {
    pub(crate) conn: &'a mut dyn Conn,
    pub(crate) store: &'a mut Store,
    pub(crate) context: &'a RunContext,
    pub(crate) name: &'a str,
}

impl Call<'_> {
    /// The name the template called the function by.
    pub fn name(&self) -> &str {
        self.name
    }

    /// A variable of the template, such as `__hostname__` or `interfaces`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.store.get_by_name(name)
    }

    /// Sets a variable of the template (Exscript `scope.define`).
    pub fn set(&mut self, name: &str, value: Value) {
        self.store.set_by_name(name, value);
    }

    /// The Session the template runs on, if it runs on one.
    pub fn session(&mut self) -> Option<&mut Session> {
        self.conn.session()
    }

    pub(crate) fn account(&self) -> Option<&Account> {
        self.context.account.as_ref()
    }
}

/// A function callable from templates. Most functions are plain closures
/// given to [`Functions::add`]; implement this trait for one that awaits
/// (it gets the [`Session`] through [`Call::session`]).
///
/// Arguments arrive evaluated, one [`Value`] each (lists, as every
/// template value).
pub trait Function: Send + Sync + 'static {
    /// Runs the function.
    fn call<'a>(
        &'a self,
        call: &'a mut Call<'_>,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value, FunctionError>>;
}

/// A closure as a [`Function`].
struct SyncFn<F>(F);

impl<F> Function for SyncFn<F>
where
    F: Fn(&mut Call<'_>, &[Value]) -> Result<Value, FunctionError> + Send + Sync + 'static,
{
    fn call<'a>(
        &'a self,
        call: &'a mut Call<'_>,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value, FunctionError>> {
        let result = (self.0)(call, &args);
        Box::pin(std::future::ready(result))
    }
}

#[derive(Clone)]
pub(crate) enum Kind {
    Builtin(Builtin),
    Custom(Arc<dyn Function>),
}

/// A function of the table.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    /// Allowed by [`crate::test_secure`].
    pub(crate) secure: bool,
    /// Waits for the device (refused by `paste`).
    pub(crate) needs_prompt: bool,
    /// Minimum and maximum number of arguments, when known.
    pub(crate) arity: Option<(usize, usize)>,
}

/// The functions templates compiled with it can call, by their dotted
/// names (`connection.exec`, `list.length`, `mylib.fn`).
///
/// [`Functions::standard`] has Exscript's standard library (see the
/// crate documentation for the list); add your own with
/// [`Functions::add`] or [`Functions::register`]. A template is checked
/// against its table when compiled: calling an unknown function is a
/// syntax error, as in Exscript.
#[derive(Clone, Default)]
pub struct Functions {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

impl fmt::Debug for Functions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| &e.name))
            .finish()
    }
}

impl Functions {
    /// No functions at all.
    pub fn empty() -> Functions {
        Functions::default()
    }

    /// Exscript's standard library: `connection.*`, `crypt.otp`, `file.*`,
    /// `ipv4.*`, `list.*`, `string.*` and `sys.*`.
    pub fn standard() -> Functions {
        let mut functions = Functions::default();
        for spec in stdlib::BUILTINS {
            functions.insert(Entry {
                name: spec.name.to_owned(),
                kind: Kind::Builtin(spec.builtin),
                secure: spec.secure,
                needs_prompt: spec.needs_prompt,
                arity: Some((spec.min_args, spec.max_args)),
            });
        }
        functions
    }

    fn insert(&mut self, entry: Entry) {
        match self.index.get(&entry.name) {
            Some(&i) => self.entries[i] = entry,
            None => {
                self.index.insert(entry.name.clone(), self.entries.len());
                self.entries.push(entry);
            }
        }
    }

    /// Adds (or replaces) a function implemented by a closure that gets
    /// the [`Call`] and the arguments. It is not allowed in secure mode
    /// (use [`Functions::register`] to mark it safe).
    pub fn add<F>(&mut self, name: &str, function: F) -> Result<&mut Self>
    where
        F: Fn(&mut Call<'_>, &[Value]) -> Result<Value, FunctionError> + Send + Sync + 'static,
    {
        self.register(name, SyncFn(function), false)
    }

    /// Adds (or replaces) a [`Function`]; `secure` says whether
    /// [`crate::test_secure`] allows it.
    pub fn register(
        &mut self,
        name: &str,
        function: impl Function,
        secure: bool,
    ) -> Result<&mut Self> {
        if !valid_name(name) {
            return Err(Error::FunctionName {
                name: name.to_owned(),
            });
        }
        self.insert(Entry {
            name: name.to_owned(),
            kind: Kind::Custom(Arc::new(function)),
            secure,
            needs_prompt: false,
            arity: None,
        });
        Ok(self)
    }

    /// Removes a function (e.g. to forbid `sys.exec` in templates you run).
    pub fn remove(&mut self, name: &str) -> bool {
        let Some(i) = self.index.remove(name) else {
            return false;
        };
        self.entries.remove(i);
        for slot in self.index.values_mut() {
            if *slot > i {
                *slot -= 1;
            }
        }
        true
    }

    /// Whether a function of that name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The function names, in the order they were added.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<(usize, &Entry)> {
        self.index.get(name).map(|&i| (i, &self.entries[i]))
    }

    pub(crate) fn entry(&self, id: usize) -> Option<&Entry> {
        self.entries.get(id)
    }
}

/// Whether `name` can be called from a template: the function-call token
/// of the language is `name(.name)*(`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .split('.')
            .all(|part| !part.is_empty() && lexer::varname_len(part, 0) == part.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_replaced() {
        let mut f = Functions::standard();
        assert!(f.contains("connection.exec") && f.contains("sys.message"));
        let n = f.names().count();
        f.add("list.length", |_, _| Ok(Value::from(0))).unwrap();
        assert_eq!(f.names().count(), n);
        for bad in ["", "a..b", "1x", "a.", "my-lib.x", "_x"] {
            assert!(f.add(bad, |_, _| Ok(Value::empty())).is_err(), "{bad}");
        }
        f.add("__my.fn2", |_, _| Ok(Value::empty())).unwrap();
        assert!(f.remove("sys.exec"));
        assert!(!f.contains("sys.exec"));
        assert!(f.lookup("__my.fn2").is_some());
        assert!(!f.remove("sys.exec"));
    }
}
