//! The textfsm crate's error type.

use std::path::PathBuf;

/// Result alias of the textfsm crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong with templates, indexes and parsing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A template is not valid TextFSM.
    #[error("TextFSM template {name}: {reason}")]
    Template {
        /// The template's name or file.
        name: String,
        /// What is wrong.
        reason: String,
    },

    /// A template or index file cannot be read.
    #[error("cannot read {}: {error}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },

    /// An index file is invalid, or names a template that cannot be used.
    #[error("TextFSM index {}: {reason}", .path.display())]
    Index {
        /// The index file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// No directory was given and `NET_TEXTFSM` is not set.
    #[error(
        "no TextFSM template directory: set NET_TEXTFSM to a directory with an `index` file (e.g. ntc-templates' templates directory)"
    )]
    NoIndexDirectory,

    /// The index has no template for this platform and command.
    #[error("no TextFSM template in {} for platform {platforms} and command `{command}`", .index.display())]
    NoTemplate {
        /// The index file.
        index: PathBuf,
        /// The platform names tried, comma separated.
        platforms: String,
        /// The command.
        command: String,
    },

    /// A rule's `Error` action fired on the text.
    #[error("TextFSM parsing with {name} stopped: {reason}")]
    Parse {
        /// The template's name.
        name: String,
        /// The template's message and rule line.
        reason: String,
    },

    /// The records do not fit the type asked for.
    #[error("TextFSM records do not fit the type asked for: {0}")]
    Rows(#[from] serde_json::Error),

    /// The command failed on the device.
    #[error(transparent)]
    Device(#[from] oxscript_transport::Error),
}
