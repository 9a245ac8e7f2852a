//! [`TemplateIndex`]: templates chosen by platform and command, from an
//! ntc-templates style `index` file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use textfsm_core::CliTable;

use crate::{Error, Records, Result};

/// The environment variable netmiko reads for the template directory.
const NET_TEXTFSM: &str = "NET_TEXTFSM";

/// A directory of TextFSM templates with an ntc-templates `index` file:
/// CSV lines `Template, Hostname, Platform, Command` (first line the
/// header, `#` comments), regexes in the last three, commands written
/// with optional completions such as `sh[[ow]] ip int[[erface]] br[[ief]]`,
/// several templates joined with `:` merged on their `Key` values.
/// The first line that matches wins.
///
/// ```
/// # fn demo() -> oxscript_textfsm::Result<()> {
/// use oxscript_textfsm::TemplateIndex;
///
/// let index = TemplateIndex::open("tests/textfsm")?;
/// let records = index.parse(&["cisco_ios"], "sh ip int br", "Interface  IP-Address ...\n")?;
/// # let _ = records;
/// # Ok(()) }
/// ```
pub struct TemplateIndex {
    table: CliTable,
    path: PathBuf,
}

impl std::fmt::Debug for TemplateIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateIndex")
            .field("index", &self.path)
            .field("entries", &self.table.index().entries().len())
            .finish()
    }
}

impl TemplateIndex {
    /// Opens `dir/index`; templates are read from `dir` when first used.
    ///
    /// # Errors
    ///
    /// [`Error::Read`] when the index cannot be read, [`Error::Index`]
    /// when it is invalid (no `Template` column, a bad regex or
    /// completion), naming the line.
    pub fn open(dir: impl AsRef<Path>) -> Result<TemplateIndex> {
        let dir = dir.as_ref();
        let path = dir.join("index");
        let text = std::fs::read_to_string(&path).map_err(|error| Error::Read {
            path: path.clone(),
            error,
        })?;
        let index = textfsm_core::Index::parse_str(&text).map_err(|e| Error::Index {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        Ok(TemplateIndex {
            table: CliTable::from_index(std::sync::Arc::new(index), dir.to_owned()),
            path,
        })
    }

    /// Opens the directory named by `NET_TEXTFSM` (netmiko's variable).
    ///
    /// # Errors
    ///
    /// [`Error::NoIndexDirectory`] when it is not set; those of [`open`](Self::open).
    pub fn from_env() -> Result<TemplateIndex> {
        match std::env::var_os(NET_TEXTFSM) {
            Some(dir) if !dir.is_empty() => TemplateIndex::open(dir),
            _ => Err(Error::NoIndexDirectory),
        }
    }

    /// The template names for the first of `platforms` the index has a
    /// line for with `command`.
    pub(crate) fn templates_for(&self, platforms: &[&str], command: &str) -> Result<Vec<String>> {
        for platform in platforms {
            let attributes = HashMap::from([
                ("Platform".to_owned(), (*platform).to_owned()),
                ("Command".to_owned(), command.trim().to_owned()),
            ]);
            if let Some(entry) = self.table.index().find_match(&attributes) {
                return Ok(entry.templates().to_vec());
            }
        }
        Err(Error::NoTemplate {
            index: self.path.clone(),
            platforms: platforms.join(", "),
            command: command.to_owned(),
        })
    }

    /// Parses `text` with the named templates of this directory.
    pub(crate) fn parse_with(&self, templates: &[String], text: &str) -> Result<Records> {
        let table = self
            .table
            .parse_with_templates(text, templates)
            .map_err(|e| Error::Index {
                path: self.path.clone(),
                reason: format!("{}: {e}", templates.join(":")),
            })?;
        Ok(Records::from_table(&table))
    }

    /// Parses `text`, the output of `command` on a device of one of
    /// `platforms` (tried in order, e.g. a driver's name and aliases),
    /// with the template the index names.
    ///
    /// # Errors
    ///
    /// [`Error::NoTemplate`] when no line matches; [`Error::Index`] when
    /// the template cannot be read, compiled or run.
    pub fn parse(&self, platforms: &[&str], command: &str, text: &str) -> Result<Records> {
        let templates = self.templates_for(platforms, command)?;
        self.parse_with(&templates, text)
    }
}
