//! Named in-memory devices, reachable with `dummy://name` URLs.
//!
//! A [`Connector`] hands out a fresh in-memory byte stream per connection,
//! with a device conversation running on the other end (the emulator crate
//! provides connectors for its virtual devices). Register a connector under
//! a name with [`register`]; a Session opened on `dummy://name` then talks to
//! it without any socket.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::BoxedStream;
use oxscript_core::sync::lock;

/// Produces one in-memory stream per connection to a dummy device.
///
/// `connect` is called from within a Tokio runtime, so implementations may
/// spawn the task that serves the device side of the stream.
pub trait Connector: Send + Sync + 'static {
    /// Opens a new connection and returns the client's end of it.
    fn connect(&self) -> std::io::Result<BoxedStream>;
}

fn registry() -> &'static Mutex<HashMap<String, Arc<dyn Connector>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Arc<dyn Connector>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Registers `connector` under `name`, replacing any previous one.
pub fn register(name: &str, connector: Arc<dyn Connector>) {
    let mut map = lock(registry());
    map.insert(name.to_owned(), connector);
}

/// Removes the connector registered under `name`; returns whether one existed.
pub fn unregister(name: &str) -> bool {
    let mut map = lock(registry());
    map.remove(name).is_some()
}

/// Looks up the connector registered under `name`.
pub fn lookup(name: &str) -> Option<Arc<dyn Connector>> {
    let map = lock(registry());
    map.get(name).cloned()
}

/// The names of all registered connectors, sorted.
pub fn names() -> Vec<String> {
    let map = lock(registry());
    let mut names: Vec<String> = map.keys().cloned().collect();
    names.sort();
    names
}
