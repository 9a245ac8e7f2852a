//! [`Records`]: what a template extracted, as typed rows and as JSON.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};
use textfsm_core::{ListItem, Value};

use crate::Result;

/// One value of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// A single value (empty when the value matched nothing).
    Text(String),
    /// The values of a `List` value, in order.
    List(Vec<String>),
    /// The items of a `List` value whose regex has named groups: one map
    /// of group name to text per item.
    Groups(Vec<BTreeMap<String, String>>),
}

impl Field {
    fn from_value(value: Value) -> Field {
        match value {
            Value::Empty => Field::Text(String::new()),
            Value::Single(text) => Field::Text(text),
            Value::List(items) => {
                if items.iter().all(|i| matches!(i, ListItem::String(_))) {
                    Field::List(
                        items
                            .into_iter()
                            .filter_map(|i| match i {
                                ListItem::String(s) => Some(s),
                                ListItem::Dict(_) => None,
                            })
                            .collect(),
                    )
                } else {
                    Field::Groups(
                        items
                            .into_iter()
                            .map(|i| match i {
                                ListItem::String(s) => BTreeMap::from([(String::new(), s)]),
                                ListItem::Dict(d) => d.into_iter().collect(),
                            })
                            .collect(),
                    )
                }
            }
        }
    }

    /// The text of a single value (`None` for lists).
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Field::Text(text) => Some(text),
            _ => None,
        }
    }

    fn to_json(&self) -> Json {
        match self {
            Field::Text(text) => Json::String(text.clone()),
            Field::List(items) => Json::Array(items.iter().cloned().map(Json::String).collect()),
            Field::Groups(items) => Json::Array(
                items
                    .iter()
                    .map(|m| {
                        Json::Object(
                            m.iter()
                                .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                                .collect(),
                        )
                    })
                    .collect(),
            ),
        }
    }
}

/// The records a template extracted: a header (the template's value
/// names) and one row of [`Field`]s per record.
///
/// ```
/// use oxscript_textfsm::TextFsmTemplate;
///
/// #[derive(serde::Deserialize)]
/// struct Iface {
///     name: String,
///     mtu: String,
/// }
///
/// let template = TextFsmTemplate::parse(
///     "mtu",
///     "Value NAME (\\S+)\nValue MTU (\\d+)\n\nStart\n  ^${NAME} mtu ${MTU} -> Record\n",
/// )?;
/// let rows: Vec<Iface> = template.parse_text("eth0 mtu 1500\nlo mtu 65536\n")?.rows()?;
/// assert_eq!((rows[1].name.as_str(), rows[1].mtu.as_str()), ("lo", "65536"));
/// # Ok::<(), oxscript_textfsm::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    header: Vec<String>,
    rows: Vec<Vec<Field>>,
}

impl Records {
    pub(crate) fn from_values(header: Vec<String>, rows: Vec<Vec<Value>>) -> Records {
        Records {
            header,
            rows: rows
                .into_iter()
                .map(|row| row.into_iter().map(Field::from_value).collect())
                .collect(),
        }
    }

    pub(crate) fn from_table(table: &textfsm_core::TextTable) -> Records {
        Records {
            header: table.header().to_vec(),
            rows: table
                .iter()
                .map(|row| {
                    row.values()
                        .iter()
                        .cloned()
                        .map(Field::from_value)
                        .collect()
                })
                .collect(),
        }
    }

    /// The value names, in template order.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The records, each a row of fields in header order.
    pub fn iter(&self) -> impl Iterator<Item = &[Field]> {
        self.rows.iter().map(Vec::as_slice)
    }

    /// The field `column` (a value name, any case) of record `row`.
    pub fn get(&self, row: usize, column: &str) -> Option<&Field> {
        let at = self
            .header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(column))?;
        self.rows.get(row)?.get(at)
    }

    /// The records as a JSON array of objects, keys in lower case (as
    /// netmiko returns them): single values as strings, lists as arrays.
    pub fn to_json(&self) -> Json {
        Json::Array(
            self.rows
                .iter()
                .map(|row| {
                    let object: Map<String, Json> = self
                        .header
                        .iter()
                        .zip(row)
                        .map(|(name, field)| (name.to_lowercase(), field.to_json()))
                        .collect();
                    Json::Object(object)
                })
                .collect(),
        )
    }

    /// The records as values of your own type, one per record, through
    /// their JSON form (field names are the value names in lower case).
    ///
    /// # Errors
    ///
    /// [`Error::Rows`](crate::Error::Rows) when a record does not fit `T`.
    pub fn rows<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        Ok(serde_json::from_value(self.to_json())?)
    }
}
