//! In-memory connectors: a [`VirtualDevice`] reachable as `dummy://name`.

use std::sync::Arc;

use oxscript_transport::BoxedStream;
use oxscript_transport::dummy::{self, Connector};

use crate::device::VirtualDevice;
use crate::serve::stream::serve_stream;

/// The buffer size of each in-memory link, in bytes per direction.
const LINK_BUFFER: usize = 64 * 1024;

/// A [`Connector`] serving a [`VirtualDevice`] over in-memory streams:
/// every [`connect`](Connector::connect) starts a fresh session.
///
/// ```
/// use oxscript_emulator::{ios, DeviceConnector};
/// use oxscript_transport::dummy::Connector;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let connector = DeviceConnector::new(ios::device("R1"));
/// let stream = connector.connect()?; // the client's end
/// # drop(stream);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct DeviceConnector {
    device: VirtualDevice,
}

impl DeviceConnector {
    /// A connector for `device`.
    pub fn new(device: VirtualDevice) -> Self {
        DeviceConnector { device }
    }

    /// The device served.
    pub fn device(&self) -> &VirtualDevice {
        &self.device
    }
}

impl Connector for DeviceConnector {
    /// Creates an in-memory link and serves a new session on its far end.
    ///
    /// Fails when called outside a Tokio runtime.
    fn connect(&self) -> std::io::Result<BoxedStream> {
        let handle = tokio::runtime::Handle::try_current().map_err(|e| {
            std::io::Error::other(format!(
                "dummy device {:?}: connect needs a Tokio runtime: {e}",
                self.device.hostname()
            ))
        })?;
        let (client, server) = tokio::io::duplex(LINK_BUFFER);
        let session = self.device.session();
        let hostname = self.device.hostname().to_owned();
        handle.spawn(async move {
            if let Err(e) = serve_stream(server, session).await {
                tracing::debug!(device = %hostname, error = %e, "dummy link ended with an error");
            }
        });
        Ok(Box::new(client))
    }
}

/// Registers `device` under `name` in the transport's dummy registry, so a
/// Session can reach it as `dummy://name` (replacing any device of that
/// name).
pub fn register_dummy(name: &str, device: VirtualDevice) {
    dummy::register(name, Arc::new(DeviceConnector::new(device)));
}
