//! [`Secret`]: a string that is redacted when printed and wiped when dropped.

use std::fmt;

use zeroize::Zeroize;

/// A password or passphrase.
///
/// A `Secret` never shows its content in [`Debug`](fmt::Debug) or
/// [`Display`](fmt::Display) output: both print `***`. Its memory is
/// overwritten with zeros when it is dropped (clones are independent copies
/// and are wiped on their own drop). Read the value with [`Secret::expose`]
/// only where it is really sent somewhere.
///
/// ```
/// use oxscript_core::Secret;
///
/// let secret = Secret::new("hunter2");
/// assert_eq!(secret.expose(), "hunter2");
/// assert_eq!(format!("{secret}"), "***");
/// assert_eq!(format!("{secret:?}"), "\"***\"");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a string.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret text. Avoid copying it into long-lived strings.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for Secret {}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret(s.to_owned())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt("***", f)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_in_debug_and_display() {
        let s = Secret::new("topsecret");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "\"***\"");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(\"***\")");
        assert!(!format!("{s:?}{s}{s:#?}").contains("topsecret"));
    }

    #[test]
    fn expose_and_conversions() {
        let a = Secret::from("pw");
        let b = Secret::from(String::from("pw"));
        assert_eq!(a, b);
        assert_eq!(a.expose(), "pw");
        assert!(!a.is_empty());
        assert!(Secret::default().is_empty());
        assert_ne!(a, Secret::new("other"));
    }

    #[test]
    fn clone_is_independent() {
        let a = Secret::new("abc");
        let b = a.clone();
        drop(a);
        assert_eq!(b.expose(), "abc");
    }
}
