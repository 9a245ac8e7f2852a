//! [`TextFsmTemplate`]: one compiled TextFSM template.

use std::path::Path;
use std::sync::Arc;

use crate::{Error, Records, Result};

/// A compiled TextFSM template. Cheap to clone; one template serves any
/// number of parses, also from several tasks.
///
/// ```
/// use oxscript_textfsm::{Field, TextFsmTemplate};
///
/// // `Filldown` carries the chassis to every port; `List` collects VLANs.
/// let template = TextFsmTemplate::parse("ports", r"Value Filldown CHASSIS (\S+)
/// Value Key PORT (\d+)
/// Value List VLANS (\d+)
///
/// Start
///   ^Chassis ${CHASSIS}
///   ^Port ${PORT} -> Continue.Record
///   ^.*vlan ${VLANS}
/// ")?;
/// let records = template.parse_text("Chassis c1\nPort 1 vlan 10\nPort 2 vlan 20\n")?;
/// assert_eq!(records.get(1, "CHASSIS"), Some(&Field::Text("c1".into())));
/// assert_eq!(records.get(1, "PORT"), Some(&Field::Text("2".into())));
/// # Ok::<(), oxscript_textfsm::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TextFsmTemplate {
    name: String,
    inner: Arc<textfsm_core::Template>,
}

impl TextFsmTemplate {
    /// Compiles template `text`; `name` names it in errors.
    ///
    /// # Errors
    ///
    /// [`Error::Template`] naming what is wrong (an unknown option, a
    /// rule naming no value, a bad regex, a missing `Start` state, …).
    pub fn parse(name: &str, text: &str) -> Result<TextFsmTemplate> {
        let inner = textfsm_core::Template::parse_str(text).map_err(|e| Error::Template {
            name: name.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(TextFsmTemplate {
            name: name.to_owned(),
            inner: Arc::new(inner),
        })
    }

    /// Reads and compiles a template file.
    ///
    /// # Errors
    ///
    /// [`Error::Read`] when the file cannot be read; [`Error::Template`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<TextFsmTemplate> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| Error::Read {
            path: path.to_owned(),
            error,
        })?;
        TextFsmTemplate::parse(&path.display().to_string(), &text)
    }

    /// The template's name (as given, or its file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The names of the template's values, in order.
    pub fn header(&self) -> Vec<&str> {
        self.inner.header()
    }

    /// Runs the template over `text` and returns the records.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] when a rule's `Error` action fires.
    pub fn parse_text(&self, text: &str) -> Result<Records> {
        let rows = self
            .inner
            .parser()
            .parse_text(text)
            .map_err(|e| Error::Parse {
                name: self.name.clone(),
                reason: e.to_string(),
            })?;
        let header = self.header().into_iter().map(str::to_owned).collect();
        Ok(Records::from_values(header, rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Field;

    fn text(f: Option<&Field>) -> &str {
        f.and_then(Field::as_text).unwrap_or("<none>")
    }

    #[test]
    fn fillup_writes_back_into_earlier_records() {
        let t = TextFsmTemplate::parse(
            "fillup",
            "Value NAME (\\w+)\nValue Fillup VRF (\\w+)\n\nStart\n  ^if ${NAME} -> Record\n  ^vrf ${VRF}\n",
        )
        .unwrap();
        let r = t.parse_text("if a\nif b\nvrf blue\n").unwrap();
        assert_eq!(text(r.get(0, "VRF")), "blue");
        assert_eq!(text(r.get(1, "VRF")), "blue");
    }

    #[test]
    fn states_continue_clear_and_named_groups_in_lists() {
        let t = TextFsmTemplate::parse(
            "states",
            r"Value Key HOST (\S+)
Value List ADDR ((?P<ip>\d+\.\d+\.\d+\.\d+)/(?P<len>\d+))
Value TAG (\w+)

Start
  ^host ${HOST} -> Continue
  ^host \S+ tag ${TAG}
  ^addresses -> Addresses

Addresses
  ^\s+${ADDR}
  ^end -> Record Start
  ^drop -> Clear
",
        )
        .unwrap();
        let r = t
            .parse_text("host h1 tag core\naddresses\n  10.0.0.1/24\n  10.0.1.1/31\nend\nhost h2\naddresses\n  10.9.9.9/32\ndrop\nend\n")
            .unwrap();
        // Clear emptied everything gathered for h2, and a record with
        // every value empty is not recorded.
        assert_eq!(r.len(), 1);
        assert_eq!(text(r.get(0, "HOST")), "h1");
        assert_eq!(text(r.get(0, "TAG")), "core");
        let Some(Field::Groups(items)) = r.get(0, "ADDR") else {
            panic!("{:?}", r.get(0, "ADDR"));
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[1]["ip"], "10.0.1.1");
        assert_eq!(items[1]["len"], "31");
        assert_eq!(r.to_json()[0]["addr"][0]["ip"], "10.0.0.1");
    }

    #[test]
    fn bad_templates_and_error_actions_are_errors() {
        let err =
            TextFsmTemplate::parse("bad", "Value Sometimes X (.*)\n\nStart\n  ^x\n").unwrap_err();
        assert!(
            err.to_string().starts_with("TextFSM template bad: "),
            "{err}"
        );
        let t = TextFsmTemplate::parse(
            "strict",
            "Value X (\\d+)\n\nStart\n  ^${X} -> Record\n  ^. -> Error \"unexpected\"\n",
        )
        .unwrap();
        let err = t.parse_text("1\nzz\n").unwrap_err();
        assert!(err.to_string().contains("unexpected"), "{err}");
    }
}
