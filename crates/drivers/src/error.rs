//! The error type of this crate.

use std::fmt;

/// Everything that can go wrong while building, loading or looking up a
/// driver.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A regular expression did not compile.
    #[error("invalid pattern `{pattern}`: {reason}")]
    InvalidPattern {
        /// The source text of the pattern.
        pattern: String,
        /// Why the regex engine rejected it.
        reason: String,
    },
    /// No driver is registered under this name or alias.
    #[error("unknown driver `{name}`")]
    UnknownDriver {
        /// The name that was looked up.
        name: String,
    },
    /// A driver file (TOML) is not a valid driver: a syntax error, an
    /// unknown or misspelt key, a value of the wrong type, a regex that
    /// does not compile, an inconsistent privilege graph.
    ///
    /// Displayed as `file: key: reason (line N)`, e.g.
    /// `acme.toml: privilege_levels[2].previous: unknown level "foo" (line 31)`.
    #[error("{file}: {}{reason}{}", KeyPrefix(key), LineSuffix(*line))]
    DriverFile {
        /// Where the text came from (a file path or a name given by the
        /// caller).
        file: String,
        /// The key path of the offending value, e.g. `os_guess[1].confidence`;
        /// empty for problems of the whole document.
        key: String,
        /// What is wrong with it.
        reason: String,
        /// The 1-based line of the offending value, when known.
        line: Option<usize>,
    },
    /// A privilege level name the driver does not define.
    #[error("driver `{driver}` has no privilege level `{level}`")]
    UnknownPrivilegeLevel {
        /// The driver's name.
        driver: String,
        /// The level that was asked for.
        level: String,
    },
    /// Two privilege levels of a driver are not connected (different
    /// roots, or a level on the way cannot be left).
    #[error("driver `{driver}` cannot go from privilege level `{from}` to `{to}`: {reason}")]
    NoPrivilegePath {
        /// The driver's name.
        driver: String,
        /// The level the path starts at.
        from: String,
        /// The level the path should reach.
        to: String,
        /// Why there is no path.
        reason: String,
    },
    /// A driver file or directory could not be read.
    #[error("{path}: {error}")]
    Io {
        /// The file or directory.
        path: String,
        /// The I/O error (part of the message, so not repeated as the
        /// error's source). Shared, so the error can be cloned.
        error: std::sync::Arc<std::io::Error>,
    },
}

/// Writes `key: ` for a non-empty key path.
struct KeyPrefix<'a>(&'a str);

impl fmt::Display for KeyPrefix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, "{}: ", self.0)
        }
    }
}

/// Writes ` (line N)` when the line is known.
struct LineSuffix(Option<usize>);

impl fmt::Display for LineSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, " (line {line})"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_file_display() {
        let e = Error::DriverFile {
            file: "acme.toml".into(),
            key: "privilege_levels[2].previous".into(),
            reason: "unknown level \"foo\"".into(),
            line: Some(31),
        };
        assert_eq!(
            e.to_string(),
            "acme.toml: privilege_levels[2].previous: unknown level \"foo\" (line 31)"
        );
        let e = Error::DriverFile {
            file: "acme.toml".into(),
            key: String::new(),
            reason: "unknown key \"promt\"".into(),
            line: None,
        };
        assert_eq!(e.to_string(), "acme.toml: unknown key \"promt\"");
    }

    #[test]
    fn privilege_errors_display() {
        let e = Error::UnknownPrivilegeLevel {
            driver: "ios".into(),
            level: "root".into(),
        };
        assert_eq!(e.to_string(), "driver `ios` has no privilege level `root`");
        let e = Error::NoPrivilegePath {
            driver: "x".into(),
            from: "a".into(),
            to: "b".into(),
            reason: "no common level".into(),
        };
        assert_eq!(
            e.to_string(),
            "driver `x` cannot go from privilege level `a` to `b`: no common level"
        );
    }
}
