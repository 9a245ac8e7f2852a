//! The crate's error type.

use std::path::PathBuf;

use crate::source::Location;

/// Result alias for the template crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong compiling or running a template.
///
/// Every variant that comes from the template names where: `Display`
/// starts with `file:line:column`, and [`Error::location`] gives the
/// line's text for a caret display ([`crate::Location::snippet`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The template does not parse (Exscript's `CompileError`).
    #[error("{location}: syntax error: {message}\n{}", location.snippet())]
    Syntax {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },

    /// A function that secure mode refuses ([`crate::test_secure`]),
    /// Exscript's `PermissionError`.
    #[error("{location}: use of insecure function {function} is not permitted\n{}", location.snippet())]
    Permission {
        /// Where the call is.
        location: Location,
        /// The function's name, such as `file.rm`.
        function: String,
    },

    /// A statement failed while running (an undefined variable, an operand
    /// that is not a number, lists of different lengths in a loop, a
    /// function refusing its arguments…), Exscript's `ExecuteError`.
    #[error("{location}: {message}")]
    Runtime {
        /// The statement's position.
        location: Location,
        /// What went wrong.
        message: String,
    },

    /// The template ran `{fail "message"}` (Exscript's `FailException`).
    #[error("{location}: fail: {message}")]
    Fail {
        /// The statement's position.
        location: Location,
        /// The failure message.
        message: String,
    },

    /// The device or the connection failed (an error in the response, a
    /// timeout, a closed connection, a rejected login): the errors that
    /// `{try}` catches.
    #[error("{location}: {source}")]
    Device {
        /// The statement's position.
        location: Location,
        /// The Session's error (it shows what arrived).
        #[source]
        source: Box<oxscript_transport::Error>,
    },

    /// A template file could not be read.
    #[error("cannot read template {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// A function name given to [`crate::Functions`] is not one a
    /// template could call (`name` or `module.name`, letters, digits and
    /// `_`, starting with a letter).
    #[error(
        "invalid function name `{name}`: expected `name` or `module.name` made of letters, digits and _"
    )]
    FunctionName {
        /// The rejected name.
        name: String,
    },
}

impl Error {
    /// Where in the template the error is, when it comes from the template.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Syntax { location, .. }
            | Error::Permission { location, .. }
            | Error::Runtime { location, .. }
            | Error::Fail { location, .. }
            | Error::Device { location, .. } => Some(location),
            Error::Read { .. } | Error::FunctionName { .. } => None,
        }
    }

    /// Whether `{try}` catches this error: device and connection errors
    /// (as Exscript's `try` catches its protocol exceptions); never `fail`
    /// nor mistakes in the template.
    pub fn is_device_error(&self) -> bool {
        matches!(self, Error::Device { .. })
    }
}
