//! Vendor knowledge as data: what oxscript needs to know to talk to a kind
//! of device.
//!
//! A [`Driver`] is a plain value: the regexes that recognise its command
//! prompt, login prompts, error messages and pager prompts, the commands it
//! runs after login and on logout, how it starts authorization (`enable`),
//! and the rules that let the [`OsGuesser`] recognise it. Drivers do no I/O;
//! a Session feeds them the text it received and acts on what they find.
//! Because every field is public data, a driver can be written in Rust, be
//! derived from another one, or be loaded from a TOML file (see
//! [`toml_format`] and [`Registry::load_file`]).
//!
//! A driver may also describe the platform's CLI levels as
//! [`PrivilegeLevel`]s (scrapli's "modes": IOS `exec` -> `privilege_exec`
//! -> `configuration`), with the commands that move between them;
//! [`Driver::privilege_path`] computes the steps from one level to
//! another and [`Driver::current_privilege`] tells the level of a prompt.
//!
//! Built in are [`Driver::generic`] (the fallback, knowing the prompt
//! shapes of most platforms), [`Driver::shell`] (Unix shells),
//! [`Driver::ios`] (Cisco IOS and IOS XE) and every other platform
//! Exscript knows (NX-OS, IOS XR, ASA, JunOS, EOS, VRP, SR OS, …) plus
//! PAN-OS, RouterOS and SR Linux, 38 drivers in all, found by name or
//! by the names netmiko and scrapli use (`cisco_nxos`, `juniper_junos`,
//! `huawei_vrp`, `nokia_sros`, …). Get one with [`Driver::builtin`]. A
//! [`Registry`] finds drivers by name or alias; [`builtin()`] is the
//! shared registry of the built-ins.
//!
//! # How patterns are used
//!
//! Every pattern is a [`Pattern`], a [`regex::bytes`] regex that keeps its
//! source. Device output has ANSI sequences, NUL and BEL removed before
//! matching, but keeps its CR and LF as received.
//!
//! - Prompts, username and password prompts, pager prompts and login
//!   dialogs match **at the end** of the received data. They are searched
//!   from near the end of the buffer (see below), so they end in
//!   `[ \t]*$` and mark a line start with `(?:\A|[\r\n])`. A prompt
//!   followed by anything but blanks is no prompt. Prompt words contain
//!   no blanks, which is what keeps a description line such as `Lo0 up up
//!   Description of my router>` from being taken for a prompt while more
//!   output is still to come.
//! - Error and login-error patterns match one line of a response (after
//!   the echoed command): they are written with `(?m)^`, anchored at the
//!   line start and shaped like the device's real message (`% Invalid
//!   input detected …`, not any line containing "invalid"), and
//!   [`Driver::find_error`] returns the line they matched. Error patterns
//!   look only at the first [`Driver::error_lines`] non-blank lines of a
//!   response (5 by default), where devices report a rejected command:
//!   a legend or counter deep in an output (`N Not found`, `Error: 0`)
//!   is output, never an error.
//! - The OS guesser looks for its rules anywhere in the data of their
//!   [`GuessStage`].
//!
//! # How patterns are searched
//!
//! There is one prompt search, and everything uses it: a Session's waits
//! (prompts, pager prompts, login dialogs, `expect`), and
//! [`Driver::find_prompt`], [`Driver::find_pager`],
//! [`Driver::find_login_answer`], [`Driver::find_username_prompt`] and
//! [`Driver::find_password_prompt`]:
//!
//! - **Earliest match wins.** A list of patterns is searched as one: the
//!   match that starts first in the buffer wins, whatever the pattern's
//!   place in the list; of matches starting at the same byte, the one of
//!   the pattern listed first wins ([`find_earliest`]). So a Session
//!   waiting for a prompt and a pager prompt together reacts to whichever
//!   the device printed first, and a driver's pattern order is only a
//!   tie-break.
//! - **Context stays visible.** A search from `start` sees the bytes
//!   before it: `\A` is still the start of the buffer and `\b`, `[\r\n]`
//!   see the byte before `start` ([`Pattern::find_at`]).
//! - **Linear and incremental.** A wait does not search the whole buffer
//!   again each time data arrives: a [`Scanner`] remembers how far it has
//!   searched and starts the next search at the line break before the
//!   line *preceding* the one holding that mark (at the CR of a CRLF), and
//!   never more than its look-behind ([`DEFAULT_LOOKBEHIND`], 4096 bytes)
//!   before the mark. Patterns that match at the end of the data live on
//!   its last line or its last two (JunOS's `{master:0}` and `[edit]` lines
//!   belong to its prompt), so none is missed and a match starts at the
//!   same byte however the data was split into reads; a wait costs time
//!   linear in the bytes received. A pattern whose match spans more than
//!   two lines and the look-behind is not seen.
//!
//! # A driver of your own
//!
//! Start from a built-in driver and change what differs, with struct-update
//! syntax:
//!
//! ```
//! use oxscript_drivers::{
//!     Answer, Authorize, Driver, GuessRule, GuessStage, InitCommand, OsGuesser, Pattern,
//!     Registry, Scanner, patterns,
//! };
//!
//! let acme = Driver {
//!     name: "acme".into(),
//!     aliases: vec!["acme_os".into()],
//!     description: "ACME edge routers".into(),
//!     prompt: patterns(&[r"(?:\A|[\r\n])acme-[\w.-]+(?:\(cfg\))?[>#][ \t]*$"])?,
//!     error: patterns(&[r"(?m)^ERR-\d+:[^\r\n]*"])?,
//!     login_answers: vec![Answer {
//!         pattern: Pattern::new(r"(?i)accept the terms\? \[y/n\][ \t]*$")?,
//!         reply: "y\r".into(),
//!     }],
//!     init_commands: vec![InitCommand::new("set cli pager off")],
//!     authorize: Some(Authorize {
//!         command: "privileged".into(),
//!         when_prompt: Some(Pattern::new(r">[ \t]*$")?),
//!     }),
//!     os_guess: vec![GuessRule {
//!         stage: GuessStage::Head,
//!         pattern: Pattern::new(r"ACME EdgeOS")?,
//!         confidence: 90,
//!     }],
//!     // Username and password prompts, login errors, the pager answers,
//!     // logout and newline come from the generic driver.
//!     ..Driver::generic()
//! };
//!
//! let buffer = b"show version\r\nACME EdgeOS 4.2\r\nacme-edge1> ";
//! assert!(acme.find_prompt(buffer, 0).is_some());
//! // What a Session does as data arrives (see "How patterns are searched").
//! assert!(Scanner::default().search(buffer, &acme.prompt).is_some());
//! assert!(acme.wants_authorize("acme-edge1> "));
//! assert_eq!(acme.find_error("ERR-12: no such table\r\n"), Some("ERR-12: no such table"));
//!
//! let mut registry = Registry::builtin();
//! registry.register(acme);
//! let mut guesser = OsGuesser::from_registry(&registry);
//! guesser.data_received(b"Welcome to ACME EdgeOS\r\nlogin: ", false);
//! assert_eq!(guesser.best_driver(), "acme");
//! assert_eq!(registry.get("ACME_OS").map(|d| d.name.clone()).as_deref(), Some("acme"));
//! # Ok::<(), oxscript_drivers::Error>(())
//! ```

mod catalog;
mod driver;
mod error;
mod fragments;
mod guess;
mod pager;
mod pattern;
mod privilege;
mod registry;
mod scan;
pub mod toml_format;

pub use driver::{
    Answer, Authorize, Driver, GuessRule, GuessStage, InitCommand, leading_lines, matching_line,
};
pub use error::Error;
pub use guess::{Guess, OsGuesser};
pub use pager::common_pager;
pub use pattern::{Pattern, patterns};
pub use privilege::{PrivilegeLevel, PrivilegeStep};
pub use registry::{Registry, builtin};
pub use scan::{DEFAULT_LOOKBEHIND, ScanMatch, Scanner, find_earliest};
