//! [`Variables`]: values passed into a template and read back after it.

use std::collections::BTreeMap;

use oxscript_core::Host;

use crate::value::{Item, Value};

/// Template variables by name: what a run starts with (Exscript's
/// `**kwargs`, the command line's `-d` definitions, a host's variables)
/// and what it ends with.
///
/// ```
/// use oxscript_template::{Value, Variables};
///
/// let mut vars = Variables::new();
/// vars.set("filename", ".profile");
/// vars.append("interface", "Gi0/1");
/// vars.append("interface", "Gi0/2");
/// assert_eq!(vars.get("interface"), Some(&Value::list(["Gi0/1", "Gi0/2"])));
/// assert_eq!(vars.first_str("filename").as_deref(), Some(".profile"));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Variables(BTreeMap<String, Value>);

impl Variables {
    /// No variables.
    pub fn new() -> Variables {
        Variables::default()
    }

    /// A host's variables (from its URL's query, a CSV inventory's
    /// columns, [`Host::set`]), each a list of strings.
    pub fn from_host(host: &Host) -> Variables {
        let mut vars = Variables::new();
        for (name, values) in host.vars() {
            vars.set(name.clone(), Value::from(values.as_slice()));
        }
        vars
    }

    /// Sets a variable (a string, number or list becomes a list).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        self.0.insert(name.into(), value.into());
        self
    }

    /// Adds an item to a variable's list (creating it).
    pub fn append(&mut self, name: impl Into<String>, item: impl Into<Item>) -> &mut Self {
        let name = name.into();
        let mut items = self
            .0
            .get(&name)
            .map(|v| v.items().to_vec())
            .unwrap_or_default();
        items.push(item.into());
        self.0.insert(name, Value::from(items));
        self
    }

    /// Adds every variable of `other`, replacing those of the same name.
    pub fn extend(&mut self, other: &Variables) -> &mut Self {
        for (name, value) in &other.0 {
            self.0.insert(name.clone(), value.clone());
        }
        self
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// A variable's first item as a string.
    pub fn first_str(&self, name: &str) -> Option<String> {
        self.get(name).and_then(Value::first).map(Item::to_string)
    }

    /// Removes a variable.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name)
    }

    /// Whether a variable is set.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// The variables, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// How many variables there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<N: Into<String>, V: Into<Value>> FromIterator<(N, V)> for Variables {
    fn from_iter<T: IntoIterator<Item = (N, V)>>(iter: T) -> Self {
        let mut vars = Variables::new();
        for (n, v) in iter {
            vars.set(n, v);
        }
        vars
    }
}
