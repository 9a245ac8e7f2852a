//! [`NatsOptions`]: how to reach the NATS server, TLS and credentials
//! included, passed through to async-nats.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use oxscript_core::Secret;

use crate::error::{Error, Result};

/// How to connect to NATS. Build with struct-update syntax from
/// [`NatsOptions::new`]; secrets (password, token) are [`Secret`]s and
/// never shown by `Debug`.
///
/// ```
/// use oxscript_cluster::NatsOptions;
///
/// let options = NatsOptions {
///     credentials_file: Some("/etc/oxscript/worker.creds".into()),
///     tls_ca: Some("/etc/oxscript/ca.pem".into()),
///     ..NatsOptions::new("tls://nats.example.net:4222")
/// };
/// assert!(format!("{options:?}").contains("worker.creds"));
/// ```
#[derive(Clone)]
pub struct NatsOptions {
    /// Server URL(s), comma separated (`nats://host:4222`, `tls://…`).
    pub url: String,
    /// A `.creds` file (JWT and nkey seed) for decentralised auth.
    pub credentials_file: Option<PathBuf>,
    /// A file holding an nkey seed.
    pub nkey_file: Option<PathBuf>,
    /// User name (with [`password`](NatsOptions::password)).
    pub user: Option<String>,
    /// Password of [`user`](NatsOptions::user).
    pub password: Option<Secret>,
    /// An authentication token.
    pub token: Option<Secret>,
    /// A CA certificate (PEM) to trust for the server's certificate.
    pub tls_ca: Option<PathBuf>,
    /// A client certificate and its key (PEM), for mutual TLS.
    pub tls_client: Option<(PathBuf, PathBuf)>,
    /// Refuse to connect without TLS.
    pub require_tls: bool,
    /// The connection name the server shows.
    pub name: Option<String>,
    /// How long connecting may take.
    pub connect_timeout: Duration,
}

impl NatsOptions {
    /// Options for `url`, without credentials or TLS settings.
    pub fn new(url: impl Into<String>) -> NatsOptions {
        NatsOptions {
            url: url.into(),
            credentials_file: None,
            nkey_file: None,
            user: None,
            password: None,
            token: None,
            tls_ca: None,
            tls_client: None,
            require_tls: false,
            name: None,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// Connects.
    pub async fn connect(&self) -> Result<async_nats::Client> {
        let mut options = async_nats::ConnectOptions::new()
            .connection_timeout(self.connect_timeout)
            .require_tls(self.require_tls)
            // Requests of the JetStream API get the client's default
            // deadline; never wait forever.
            .request_timeout(Some(Duration::from_secs(10)));
        if let Some(name) = &self.name {
            options = options.name(name);
        }
        if let Some(path) = &self.credentials_file {
            options = options
                .credentials_file(path)
                .await
                .map_err(|source| Error::Io {
                    action: "reading NATS credentials",
                    path: path.clone(),
                    source,
                })?;
        }
        if let Some(path) = &self.nkey_file {
            let seed = tokio::fs::read_to_string(path)
                .await
                .map_err(|source| Error::Io {
                    action: "reading NATS nkey seed",
                    path: path.clone(),
                    source,
                })?;
            options = options.nkey(seed.trim().to_owned());
        }
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            options = options.user_and_password(user.clone(), password.expose().to_owned());
        } else if self.user.is_some() || self.password.is_some() {
            return Err(Error::nats(
                format!("connecting to {}", self.url),
                "a NATS user needs a password and a password needs a user",
            ));
        }
        if let Some(token) = &self.token {
            options = options.token(token.expose().to_owned());
        }
        if let Some(ca) = &self.tls_ca {
            options = options.add_root_certificates(ca.clone());
        }
        if let Some((cert, key)) = &self.tls_client {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
        options
            .connect(self.url.as_str())
            .await
            .map_err(|e| Error::Connect {
                url: self.url.clone(),
                source: Box::new(e),
            })
    }
}

impl fmt::Debug for NatsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsOptions")
            .field("url", &self.url)
            .field("credentials_file", &self.credentials_file)
            .field("nkey_file", &self.nkey_file)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("tls_ca", &self.tls_ca)
            .field("tls_client", &self.tls_client)
            .field("require_tls", &self.require_tls)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let o = NatsOptions {
            user: Some("ops".into()),
            password: Some("hunter2".into()),
            token: Some("t0ken".into()),
            ..NatsOptions::new("nats://127.0.0.1:4222")
        };
        let shown = format!("{o:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("t0ken"),
            "{shown}"
        );
        assert!(shown.contains("ops") && shown.contains("<redacted>"));
    }

    #[tokio::test]
    async fn half_a_login_is_refused_before_connecting() {
        let o = NatsOptions {
            user: Some("ops".into()),
            ..NatsOptions::new("nats://127.0.0.1:1")
        };
        let err = o.connect().await.unwrap_err().to_string();
        assert!(err.contains("needs a password"), "{err}");
    }
}
