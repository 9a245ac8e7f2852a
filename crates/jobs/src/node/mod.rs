//! [`Node`]: a host with one lazily opened connection shared by every job
//! that runs on it (apssh's `SshNode`, for any protocol).
//!
//! The connection is opened, logged in and initialised the first time a
//! job asks for it, then reused by the next jobs; one job at a time holds
//! it (commands of two jobs never interleave). In a
//! [`Scheduler`](crate::graph::Scheduler) run the connection is closed as
//! soon as no job of the run still needs the node, unless the node
//! [keeps its connection](NodeOptions::keep_connection); at the end of the
//! run the gateway hops of `ssh://` nodes' pools are closed too, like
//! those of an [`SshNode`](crate::ssh::SshNode).
//!
//! Both kinds of node are [`Attachment`](crate::graph::Attachment)s of the graph jobs that run on
//! them: that is how a scheduler run knows when to close them.

mod base;

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use oxscript_core::{AccountGuard, AccountManager, Host};
use oxscript_transport::ssh::SshConnection;
use oxscript_transport::{Response, Session, SessionOptions};
use tokio::sync::{OwnedMappedMutexGuard, OwnedMutexGuard};

pub(crate) use base::{Link, NodeBase, as_node, node_methods};

use crate::error::{Error, Result};
use crate::format::SharedFormatter;
use crate::login::LoginMode;

/// Settings of a [`Node`]. Build with struct-update syntax from `default()`.
#[derive(Clone)]
pub struct NodeOptions {
    /// Settings of the Session.
    pub session: SessionOptions,
    /// How to log in. Default: [`LoginMode::Login`].
    pub login: LoginMode,
    /// Run the driver's init commands (`terminal length 0`…) after login.
    /// Default: true.
    pub autoinit: bool,
    /// Keep the connection open when the jobs of a scheduler run are done
    /// with it (close it with [`Node::close`]). Default: false.
    pub keep_connection: bool,
    /// Where the account comes from when the host has none of its own.
    pub accounts: Option<AccountManager>,
    /// Where the output of commands run on this node goes.
    pub formatter: Option<SharedFormatter>,
}

impl Default for NodeOptions {
    fn default() -> Self {
        NodeOptions {
            session: SessionOptions::default(),
            login: LoginMode::Login,
            autoinit: true,
            keep_connection: false,
            accounts: None,
            formatter: None,
        }
    }
}

impl fmt::Debug for NodeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeOptions")
            .field("session", &self.session)
            .field("login", &self.login)
            .field("autoinit", &self.autoinit)
            .field("keep_connection", &self.keep_connection)
            .field("accounts", &self.accounts.is_some())
            .field("formatter", &self.formatter.is_some())
            .finish()
    }
}

/// A node's open connection: the Session and the account it logged in with.
pub(crate) struct Live {
    session: Session,
    /// The account, held while the connection is open (reconnections
    /// log in with it again).
    account: Option<AccountGuard>,
}

impl Link for Live {
    fn is_open(&self) -> bool {
        self.session.is_open()
    }

    fn ssh(&self) -> Option<SshConnection> {
        self.session.ssh().cloned()
    }

    async fn close(self) {
        let _ = self.session.close().await;
    }
}

/// A host and its shared, lazily opened connection; see the
/// [module docs](self). Clones are handles to the same node.
///
/// ```no_run
/// use oxscript_jobs::node::Node;
///
/// # async fn demo() -> oxscript_jobs::Result<()> {
/// let node = Node::from_url("telnet://admin:secret@r1")?;
/// let version = node.session().await?.execute("show version").await?;
/// let clock = node.session().await?.execute("show clock").await?; // same connection
/// assert_eq!(node.connections_opened(), 1);
/// node.close().await;
/// # let _ = (version, clock);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Node(Arc<NodeBase<Live, NodeOptions>>);

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("host", &self.0.host.name())
            .field("options", &self.0.options)
            .field("connections_opened", &self.connections_opened())
            .finish()
    }
}

node_methods!(Node, NodeOptions);

impl Node {
    /// A node with default options.
    pub fn new(host: Host) -> Node {
        Node::with_options(host, NodeOptions::default())
    }

    /// A node for a URL, with default options.
    pub fn from_url(url: &str) -> Result<Node> {
        Ok(Node::new(Host::new(url)?))
    }

    /// A node with `options`.
    pub fn with_options(host: Host, options: NodeOptions) -> Node {
        Node(Arc::new(NodeBase::new(host, options)))
    }

    /// Waits for the connection to be free, opening (and logging in) a
    /// new one if there is none or the device closed it, and returns it.
    /// Others wait until the returned guard is dropped.
    ///
    /// A device may close a reused connection without the client having
    /// noticed yet: [`NodeSession::execute`] then reconnects once.
    pub async fn session(&self) -> Result<NodeSession> {
        let mut guard = Arc::clone(&self.0.conn).lock_owned().await;
        if guard.as_ref().is_some_and(|l| !l.session.is_open()) {
            tracing::debug!(node = %self.name(), "connection closed by the device; reconnecting");
            *guard = None;
        }
        let fresh = guard.is_none();
        if fresh {
            let account = self.account().await?;
            let session = self.connect(account.as_deref()).await?;
            *guard = Some(Live { session, account });
        }
        match OwnedMutexGuard::try_map(guard, Option::as_mut) {
            Ok(live) => Ok(NodeSession {
                live,
                node: self.clone(),
                fresh,
                proven: fresh,
            }),
            Err(_) => Err(Error::msg(format!("no connection to {}", self.name()))),
        }
    }

    /// The account to log in with (none when the node does not log in):
    /// the host's own, else one from the node's account manager.
    async fn account(&self) -> Result<Option<AccountGuard>> {
        let host = &self.0.host;
        if self.0.options.login == LoginMode::None {
            return Ok(None);
        }
        let accounts = &self.0.options.accounts;
        if accounts.is_none() && host.account().is_none() {
            return Err(Error::from(oxscript_transport::Error::NoAccount {
                host: host.name().to_owned(),
            }));
        }
        // The host's own account first, else one from the manager's pools.
        let manager = accounts.clone().unwrap_or_default();
        Ok(Some(manager.acquire_for(host).await?))
    }

    /// Opens a connection, logs it in with `account`, runs the init commands.
    async fn connect(&self, account: Option<&oxscript_core::Account>) -> Result<Session> {
        let options = &self.0.options;
        self.0.count_connection();
        let mut session = Session::connect_with(&self.0.host, options.session.clone()).await?;
        if let Some(account) = account {
            options.login.apply(&mut session, account).await?;
        }
        if options.autoinit {
            session.autoinit().await?;
        }
        Ok(session)
    }
}

/// The node's session, held by one job at a time; see [`Node::session`].
/// It dereferences to the [`Session`].
pub struct NodeSession {
    live: OwnedMappedMutexGuard<Option<Live>, Live>,
    node: Node,
    fresh: bool,
    /// Whether the connection answered since it was handed out (a fresh
    /// one did: it just logged in).
    proven: bool,
}

impl NodeSession {
    /// Whether the connection was opened for this call (not reused).
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// Runs `command` ([`Session::execute`]). When a reused connection
    /// turns out to be gone at its first command (the device closed it
    /// while it was idle, before the client noticed), the node opens a
    /// new one, logged in as the old one was, and sends the command again.
    /// A connection lost after it answered is an error: what was typed on
    /// it before is not replayed.
    pub async fn execute(&mut self, command: &str) -> Result<Response> {
        match self.live.session.execute(command).await {
            Ok(response) => {
                self.proven = true;
                Ok(response)
            }
            Err(e) if !self.proven && e.is_connection_lost() => {
                tracing::debug!(node = %self.node.name(), error = %e, "reused connection lost; reconnecting");
                self.reconnect().await?;
                let response = self.live.session.execute(command).await?;
                self.proven = true;
                Ok(response)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces the connection with a new one, logged in with the same account.
    async fn reconnect(&mut self) -> Result<()> {
        let account = self.live.account.as_deref();
        let session = self.node.connect(account).await?;
        let old = std::mem::replace(&mut self.live.session, session);
        let _ = old.close().await;
        self.proven = true;
        Ok(())
    }
}

impl fmt::Debug for NodeSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeSession")
            .field("session", &self.live.session)
            .field("fresh", &self.fresh)
            .finish()
    }
}

impl Deref for NodeSession {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.live.session
    }
}

impl DerefMut for NodeSession {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.live.session
    }
}
