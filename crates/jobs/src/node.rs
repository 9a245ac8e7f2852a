//! [`Node`]: a host with one lazily opened connection shared by every job
//! that runs on it (apssh's `SshNode`, for any protocol).
//!
//! The connection is opened, logged in and initialised the first time a
//! job asks for it, then reused by the next jobs; one job at a time holds
//! it (commands of two jobs never interleave). A scheduler closes the
//! connections of the nodes its jobs used when its run ends, unless the
//! node [keeps its connection](NodeOptions::keep_connection).

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use oxscript_core::{AccountGuard, AccountManager, Host};
use oxscript_transport::{Session, SessionOptions};
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

use crate::error::{Error, Result};
use crate::format::SharedFormatter;

/// How a node's connection logs in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NodeLogin {
    /// Do not log in (devices without a login, or jobs that log in themselves).
    None,
    /// Authenticate only.
    Authenticate,
    /// Authenticate, then authorize where the device asks for it (`enable`).
    #[default]
    Login,
}

/// Settings of a [`Node`]. Build with struct-update syntax from `default()`.
#[derive(Clone)]
pub struct NodeOptions {
    /// Settings of the Session.
    pub session: SessionOptions,
    /// How to log in. Default: [`NodeLogin::Login`].
    pub login: NodeLogin,
    /// Run the driver's init commands (`terminal length 0`…) after login.
    /// Default: true.
    pub autoinit: bool,
    /// Keep the connection open when a scheduler's run ends (close it with
    /// [`Node::close`]). Default: false.
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
            login: NodeLogin::Login,
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

struct Live {
    session: Session,
    /// The account, held while the connection is open.
    _account: Option<AccountGuard>,
}

struct Inner {
    host: Host,
    options: NodeOptions,
    conn: Arc<Mutex<Option<Live>>>,
    opened: AtomicU64,
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
pub struct Node(Arc<Inner>);

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("host", &self.0.host.name())
            .field("options", &self.0.options)
            .field("connections_opened", &self.connections_opened())
            .finish()
    }
}

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
        Node(Arc::new(Inner {
            host,
            options,
            conn: Arc::new(Mutex::new(None)),
            opened: AtomicU64::new(0),
        }))
    }

    /// The host.
    pub fn host(&self) -> &Host {
        &self.0.host
    }

    /// The host's name.
    pub fn name(&self) -> &str {
        self.0.host.name()
    }

    /// The options.
    pub fn options(&self) -> &NodeOptions {
        &self.0.options
    }

    /// Identifies the node (clones share it).
    pub(crate) fn key(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// How many connections were opened so far.
    pub fn connections_opened(&self) -> u64 {
        self.0.opened.load(Ordering::Relaxed)
    }

    /// Whether a connection is open now (`false` while a job holds it,
    /// when that cannot be checked).
    pub fn is_connected(&self) -> bool {
        self.0
            .conn
            .try_lock()
            .map(|g| g.as_ref().is_some_and(|l| l.session.is_open()))
            .unwrap_or(false)
    }

    /// Waits for the connection to be free, opening (and logging in) a
    /// new one if there is none or the device closed it, and returns it.
    /// Others wait until the returned guard is dropped.
    pub async fn session(&self) -> Result<NodeSession> {
        let mut guard = Arc::clone(&self.0.conn).lock_owned().await;
        if guard.as_ref().is_some_and(|l| !l.session.is_open()) {
            *guard = None;
        }
        let fresh = guard.is_none();
        if fresh {
            *guard = Some(self.open().await?);
        }
        match OwnedMutexGuard::try_map(guard, |live| live.as_mut().map(|l| &mut l.session)) {
            Ok(guard) => Ok(NodeSession { guard, fresh }),
            Err(_) => Err(Error::msg(format!("no connection to {}", self.name()))),
        }
    }

    async fn open(&self) -> Result<Live> {
        let host = &self.0.host;
        let options = &self.0.options;
        self.0.opened.fetch_add(1, Ordering::Relaxed);
        let mut session = Session::connect_with(host, options.session.clone()).await?;
        let account = match options.login {
            NodeLogin::None => None,
            NodeLogin::Authenticate | NodeLogin::Login => {
                Some(match (host.account(), &options.accounts) {
                    (Some(own), _) => AccountGuard::unpooled(own.clone()),
                    (None, Some(manager)) => manager.acquire_for(host).await?,
                    (None, None) => {
                        return Err(Error::from(oxscript_transport::Error::NoAccount {
                            host: host.name().to_owned(),
                        }));
                    }
                })
            }
        };
        if let Some(account) = &account {
            match options.login {
                NodeLogin::Login => session.login_with(account).await?,
                _ => session.authenticate_with(account).await?,
            }
        }
        if options.autoinit {
            session.autoinit().await?;
        }
        Ok(Live {
            session,
            _account: account,
        })
    }

    /// Closes the connection, if one is open (waiting for the job that
    /// holds it, if any). The next [`session`](Node::session) opens a new one.
    pub async fn close(&self) {
        let live = self.0.conn.lock().await.take();
        if let Some(live) = live {
            let _ = live.session.close().await;
        }
    }
}

/// The node's session, held by one job at a time; see [`Node::session`].
/// It dereferences to the [`Session`].
pub struct NodeSession {
    guard: OwnedMappedMutexGuard<Option<Live>, Session>,
    fresh: bool,
}

impl NodeSession {
    /// Whether the connection was opened for this call (not reused).
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }
}

impl fmt::Debug for NodeSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NodeSession").field(&*self.guard).finish()
    }
}

impl Deref for NodeSession {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.guard
    }
}

impl DerefMut for NodeSession {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.guard
    }
}
