//! oxscript textfsm: structured output from command responses with
//! [TextFSM] templates, alone or chosen through an [ntc-templates]
//! index by platform and command.
//!
//! - [`TextFsmTemplate`]: one template (`Value` lines with the options
//!   `Filldown`, `Required`, `List`, `Key`, `Fillup`; states; rules with
//!   `${VALUE}` and the `Next`/`Continue`/`Record`/`Clear`/`Error` actions).
//! - [`TemplateIndex`]: a directory holding an `index` file (columns
//!   `Template, Hostname, Platform, Command`, commands abbreviated as
//!   `sh[[ow]] ver[[sion]]`) and its templates, e.g. the `templates`
//!   directory `pip install ntc-templates` installs; [`TemplateIndex::from_env`]
//!   reads netmiko's `NET_TEXTFSM` variable.
//! - [`Records`]: the parsed rows, as typed [`Field`]s, as JSON (keys in
//!   lower case, as netmiko gives them) or deserialized into your own
//!   structs ([`Records::rows`]).
//! - [`ParseTextFsm`] (`response.parse_textfsm(&template)`) and
//!   [`ExecuteParsed`] (`session.execute_parsed(command, &index)`, the
//!   template chosen by the session's driver — its name or an alias, such
//!   as `cisco_ios` — and the command).
//!
//! The state machine is the `textfsm-core` crate's, a Rust implementation
//! checked against ntc-templates' own test suite.
//!
//! ```
//! use oxscript_textfsm::{Field, TextFsmTemplate};
//!
//! let template = TextFsmTemplate::parse(
//!     "interfaces",
//!     "Value Required NAME (\\S+)\nValue STATUS (up|down)\n\nStart\n  ^${NAME}\\s+${STATUS} -> Record\n",
//! )?;
//! let records = template.parse_text("Gi0/0 up\nGi0/1 down\n")?;
//! assert_eq!(records.header(), ["NAME", "STATUS"]);
//! assert_eq!(records.len(), 2);
//! assert_eq!(records.get(1, "STATUS"), Some(&Field::Text("down".into())));
//! assert_eq!(
//!     records.to_json().to_string(),
//!     r#"[{"name":"Gi0/0","status":"up"},{"name":"Gi0/1","status":"down"}]"#
//! );
//! # Ok::<(), oxscript_textfsm::Error>(())
//! ```
//!
//! [TextFSM]: https://github.com/google/textfsm/wiki/TextFSM
//! [ntc-templates]: https://github.com/networktocode/ntc-templates

mod error;
mod index;
mod records;
mod template;

pub use error::{Error, Result};
pub use index::TemplateIndex;
pub use records::{Field, Records};
pub use template::TextFsmTemplate;

use std::future::Future;

use oxscript_transport::{Response, Session};

/// `response.parse_textfsm(&template)`: a [`Response`]'s text through a
/// template.
pub trait ParseTextFsm {
    /// Parses the response text with `template`.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] when a rule's `Error` action fires.
    fn parse_textfsm(&self, template: &TextFsmTemplate) -> Result<Records>;
}

impl ParseTextFsm for Response {
    fn parse_textfsm(&self, template: &TextFsmTemplate) -> Result<Records> {
        template.parse_text(self.text())
    }
}

/// `session.execute_parsed(command, &index)`: execute, then parse with
/// the template the index gives for the session's platform and the
/// command.
pub trait ExecuteParsed {
    /// Executes `command` and parses its output with the template `index`
    /// has for the driver in use (its name, then its aliases, are tried
    /// as the `Platform`) and `command`. The template is looked up before
    /// the command is sent.
    ///
    /// ```no_run
    /// # async fn demo(session: &mut oxscript_transport::Session) -> oxscript_textfsm::Result<()> {
    /// use oxscript_textfsm::{ExecuteParsed, TemplateIndex};
    ///
    /// let index = TemplateIndex::open("/usr/lib/python3/dist-packages/ntc_templates/templates")?;
    /// let interfaces = session.execute_parsed("show ip interface brief", &index).await?;
    /// for row in interfaces.to_json().as_array().into_iter().flatten() {
    ///     println!("{} is {}", row["interface"], row["status"]);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NoTemplate`] when the index has no template for the
    /// platform and command; [`Error::Device`] when the command fails.
    fn execute_parsed(
        &mut self,
        command: &str,
        index: &TemplateIndex,
    ) -> impl Future<Output = Result<Records>> + Send;
}

impl ExecuteParsed for Session {
    async fn execute_parsed(&mut self, command: &str, index: &TemplateIndex) -> Result<Records> {
        let driver = self.driver();
        let platforms: Vec<&str> = std::iter::once(driver.name.as_str())
            .chain(driver.aliases.iter().map(String::as_str))
            .collect();
        let templates = index.templates_for(&platforms, command)?;
        let response = self.execute(command).await?;
        index.parse_with(&templates, response.text())
    }
}
