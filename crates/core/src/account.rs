//! [`Account`] (user name, passwords, key) and [`PrivateKeyFile`].

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::secret::Secret;

/// A private key on disk, with the passphrase that decrypts it (if any).
///
/// Only the path is stored: the key is read by the transport when it logs
/// in. `Debug` shows the passphrase as `***`.
///
/// ```
/// use oxscript_core::PrivateKeyFile;
///
/// let key = PrivateKeyFile::new("/home/me/.ssh/id_ed25519").with_passphrase("s3cret");
/// assert_eq!(key.passphrase.as_ref().map(|p| p.expose()), Some("s3cret"));
/// assert!(!format!("{key:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct PrivateKeyFile {
    /// Where the key file is.
    pub path: PathBuf,
    /// The passphrase of an encrypted key.
    pub passphrase: Option<Secret>,
}

impl PrivateKeyFile {
    /// A key file without a passphrase.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        PrivateKeyFile {
            path: path.into(),
            passphrase: None,
        }
    }

    /// Sets the passphrase.
    pub fn with_passphrase(self, p: impl Into<Secret>) -> Self {
        PrivateKeyFile {
            passphrase: Some(p.into()),
            ..self
        }
    }
}

impl fmt::Debug for PrivateKeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKeyFile")
            .field("path", &self.path)
            .field("passphrase", &self.passphrase.as_ref().map(|_| "***"))
            .finish()
    }
}

struct Inner {
    name: String,
    password: Secret,
    authorization_password: Option<Secret>,
    key: Option<PrivateKeyFile>,
    needs_lock: bool,
    login_lock: Arc<Mutex<()>>,
}

/// A user account: name, password, optional authorization ("enable")
/// password and optional private key.
///
/// Cloning is cheap and clones are the same account: they share the login
/// lock (see [`Account::lock_login`]). Accounts are immutable once built.
/// `Display` shows the name only and `Debug` shows the name with the
/// password as `***`; the secrets are wiped from memory when the last clone
/// is dropped.
///
/// ```
/// use oxscript_core::{Account, PrivateKeyFile};
///
/// let plain = Account::new("admin", "secret");
/// assert_eq!(plain.authorization_password().expose(), "secret");
///
/// let full = Account::builder("admin")
///     .password("secret")
///     .authorization_password("enable-secret")
///     .key(PrivateKeyFile::new("/keys/admin"))
///     .build();
/// assert_eq!(full.authorization_password().expose(), "enable-secret");
/// assert_eq!(full.to_string(), "admin");
/// assert!(!format!("{full:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct Account(Arc<Inner>);

impl Account {
    /// An account with a name and a password.
    pub fn new(name: impl Into<String>, password: impl Into<Secret>) -> Account {
        Account::builder(name).password(password).build()
    }

    /// Starts building an account with more settings.
    pub fn builder(name: impl Into<String>) -> AccountBuilder {
        AccountBuilder {
            name: name.into(),
            password: Secret::default(),
            authorization_password: None,
            key: None,
            needs_lock: false,
        }
    }

    /// The user name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The login password (empty if none was given).
    pub fn password(&self) -> &Secret {
        &self.0.password
    }

    /// The authorization password used by `enable`-style privilege
    /// escalation; the login password when none was set.
    pub fn authorization_password(&self) -> &Secret {
        self.0
            .authorization_password
            .as_ref()
            .unwrap_or(&self.0.password)
    }

    /// The private key, if one was set.
    pub fn key(&self) -> Option<&PrivateKeyFile> {
        self.0.key.as_ref()
    }

    /// Whether logins with this account are serialised by
    /// [`Account::lock_login`].
    ///
    /// Defaults to `false`. Exscript defaults to `true`, which makes every
    /// login with the same account wait for the previous one; turn it on
    /// only for authentication servers that reject parallel logins.
    pub fn needs_lock(&self) -> bool {
        self.0.needs_lock
    }

    /// Waits until no other login with this account is in progress and
    /// returns a guard that keeps others waiting until it is dropped. Hold it
    /// during authentication only, not for the whole session.
    ///
    /// When [`needs_lock`](Account::needs_lock) is `false` this returns at
    /// once and locks nothing.
    pub async fn lock_login(&self) -> LoginGuard {
        if !self.0.needs_lock {
            return LoginGuard { guard: None };
        }
        LoginGuard {
            guard: Some(Arc::clone(&self.0.login_lock).lock_owned().await),
        }
    }

    /// Whether `a` and `b` are clones of the same account (not merely
    /// accounts with equal fields).
    pub fn ptr_eq(a: &Account, b: &Account) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.0.name)
            .field("password", &"***")
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.name)
    }
}

/// Builds an [`Account`]; see [`Account::builder`].
#[derive(Clone, Debug)]
#[must_use = "call .build() to get the Account"]
pub struct AccountBuilder {
    name: String,
    password: Secret,
    authorization_password: Option<Secret>,
    key: Option<PrivateKeyFile>,
    needs_lock: bool,
}

impl AccountBuilder {
    /// Sets the login password (default: empty).
    pub fn password(self, password: impl Into<Secret>) -> Self {
        AccountBuilder {
            password: password.into(),
            ..self
        }
    }

    /// Sets the authorization password (default: the login password).
    pub fn authorization_password(self, password: impl Into<Secret>) -> Self {
        AccountBuilder {
            authorization_password: Some(password.into()),
            ..self
        }
    }

    /// Sets the private key.
    pub fn key(self, key: PrivateKeyFile) -> Self {
        AccountBuilder {
            key: Some(key),
            ..self
        }
    }

    /// Serialises logins with this account (default: `false`); see
    /// [`Account::needs_lock`].
    pub fn needs_lock(self, needs_lock: bool) -> Self {
        AccountBuilder { needs_lock, ..self }
    }

    /// Builds the account.
    pub fn build(self) -> Account {
        Account(Arc::new(Inner {
            name: self.name,
            password: self.password,
            authorization_password: self.authorization_password,
            key: self.key,
            needs_lock: self.needs_lock,
            login_lock: Arc::new(Mutex::new(())),
        }))
    }
}

/// Proof that a login with an account may proceed; returned by
/// [`Account::lock_login`]. Other logins with the same account wait until it
/// is dropped.
#[must_use = "the login lock is released as soon as the guard is dropped"]
pub struct LoginGuard {
    guard: Option<OwnedMutexGuard<()>>,
}

impl LoginGuard {
    /// Whether this guard actually holds the account's lock (`false` for
    /// accounts that do not [need a lock](Account::needs_lock)).
    pub fn is_locked(&self) -> bool {
        self.guard.is_some()
    }
}

impl fmt::Debug for LoginGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginGuard")
            .field("locked", &self.is_locked())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;

    fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        fut.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn accessors_and_defaults() {
        let a = Account::new("admin", "pw");
        assert_eq!(a.name(), "admin");
        assert_eq!(a.password().expose(), "pw");
        assert_eq!(a.authorization_password().expose(), "pw");
        assert!(a.key().is_none());
        assert!(!a.needs_lock());

        let b = Account::builder("root")
            .password("pw")
            .authorization_password("en")
            .key(PrivateKeyFile::new("/k").with_passphrase("phrase"))
            .needs_lock(true)
            .build();
        assert_eq!(b.authorization_password().expose(), "en");
        let key = b.key().unwrap();
        assert_eq!(key.path, PathBuf::from("/k"));
        assert_eq!(key.passphrase.as_ref().unwrap().expose(), "phrase");
        assert!(b.needs_lock());

        let c = Account::builder("nopw").build();
        assert!(c.password().is_empty());
        assert!(c.authorization_password().is_empty());
    }

    #[test]
    fn debug_and_display_hide_secrets() {
        let a = Account::builder("admin")
            .password("hunter2")
            .authorization_password("enable99")
            .key(PrivateKeyFile::new("/k").with_passphrase("phrase77"))
            .build();
        assert_eq!(a.to_string(), "admin");
        assert_eq!(
            format!("{a:?}"),
            "Account { name: \"admin\", password: \"***\", .. }"
        );
        let builder = Account::builder("x")
            .password("hunter2")
            .authorization_password("enable99");
        let texts = [
            format!("{a:?}"),
            format!("{a:#?}"),
            format!("{a}"),
            format!("{:?}", a.key()),
            format!("{builder:?}"),
        ];
        for text in texts {
            for secret in ["hunter2", "enable99", "phrase77"] {
                assert!(!text.contains(secret), "{text}");
            }
        }
    }

    #[test]
    fn clones_are_the_same_account() {
        let a = Account::new("a", "pw");
        let b = a.clone();
        assert!(Account::ptr_eq(&a, &b));
        assert!(!Account::ptr_eq(&a, &Account::new("a", "pw")));
    }

    #[test]
    fn login_lock_serialises_clones() {
        let a = Account::builder("a").needs_lock(true).build();
        let clone = a.clone();
        let first = pin!(a.lock_login());
        let Poll::Ready(first) = poll_once(first) else {
            panic!("first lock must succeed at once")
        };
        assert!(first.is_locked());
        let mut second = pin!(clone.lock_login());
        assert!(poll_once(second.as_mut()).is_pending());
        assert!(poll_once(second.as_mut()).is_pending());
        drop(first);
        let Poll::Ready(second) = poll_once(second) else {
            panic!("second lock must succeed after the first is dropped")
        };
        assert!(second.is_locked());
    }

    #[test]
    fn no_lock_when_not_needed() {
        let a = Account::new("a", "pw");
        let first = pin!(a.lock_login());
        let Poll::Ready(first) = poll_once(first) else {
            panic!()
        };
        let second = pin!(a.lock_login());
        let Poll::Ready(second) = poll_once(second) else {
            panic!("no lock expected")
        };
        assert!(!first.is_locked());
        assert!(!second.is_locked());
    }

    #[tokio::test]
    async fn lock_login_across_tasks() {
        let a = Account::builder("a").needs_lock(true).build();
        let guard = a.lock_login().await;
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        let clone = a.clone();
        let task = tokio::spawn(async move {
            let _g = clone.lock_login().await;
            let _ = tx.send(());
        });
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(rx.try_recv().is_err(), "lock must still be held");
        drop(guard);
        tokio::time::timeout(std::time::Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap();
        assert!(rx.try_recv().is_ok());
    }
}
