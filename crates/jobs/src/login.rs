//! [`LoginMode`]: how a connection logs in, for nodes and queue jobs alike.

use oxscript_core::Account;
use oxscript_transport::Session;

/// How a connection logs in: by a [`Node`](crate::node::Node) (see
/// [`NodeOptions::login`](crate::node::NodeOptions::login)), or by the
/// [`autologin`](crate::queue::autologin) and
/// [`autoauthenticate`](crate::queue::autoauthenticate) wrappers of a queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoginMode {
    /// Do not log in (devices without a login, or jobs that log in themselves).
    None,
    /// Authenticate only (Exscript `authenticate`).
    Authenticate,
    /// Authenticate, then authorize where the device asks for it
    /// (`enable`; Exscript `login`).
    #[default]
    Login,
}

impl LoginMode {
    /// Logs `session` in with `account` this way (nothing for [`LoginMode::None`]).
    pub(crate) async fn apply(
        self,
        session: &mut Session,
        account: &Account,
    ) -> oxscript_transport::Result<()> {
        match self {
            LoginMode::None => Ok(()),
            LoginMode::Authenticate => session.authenticate(Some(account)).await,
            LoginMode::Login => session.login(Some(account)).await,
        }
    }
}
