//! What every platform builder shares (crate-private): the host name,
//! the interface table and the paging settings ([`Common`]), the builder
//! methods over them ([`interface_setters!`], [`paging_setters!`]), and
//! the wiring of an emulator into its [`VirtualDevice`] ([`emulate`]).

use std::sync::Arc;

use super::{Interface, restore_paging};
use crate::command::Reply;
use crate::context::DeviceContext;
use crate::device::VirtualDevice;

/// The settings every platform builder holds.
#[derive(Clone, Debug)]
pub(crate) struct Common {
    pub(crate) hostname: String,
    pub(crate) interfaces: Vec<Interface>,
    /// Lines a page (0: no paging until the client asks for it).
    pub(crate) page_lines: usize,
    /// Whether the paging-off command leaves paging on.
    pub(crate) paging_locked: bool,
}

impl Common {
    /// `hostname` with `interfaces`, paging at 24 lines, not locked.
    pub(crate) fn new(hostname: String, interfaces: Vec<Interface>) -> Self {
        Common {
            hostname,
            interfaces,
            page_lines: 24,
            paging_locked: false,
        }
    }

    /// A device named after the host, with these paging settings; the
    /// platform adds its login dialogue and pager prompt.
    pub(crate) fn device(&self) -> VirtualDevice {
        VirtualDevice::new(self.hostname.clone())
            .with_paging(self.page_lines)
            .with_paging_disable_allowed(!self.paging_locked)
    }
}

/// `device` running an emulator: `login` builds the session's state
/// after a successful login and returns the text shown before the first
/// prompt; `interpret` answers every command line (paging turned off by
/// a `| no-more` on the line before is restored first). Both share
/// `cfg`, what every session of the device starts from.
pub(crate) fn emulate<C, L, I>(
    device: VirtualDevice,
    cfg: C,
    login: L,
    interpret: I,
) -> VirtualDevice
where
    C: Send + Sync + 'static,
    L: Fn(&Arc<C>, &mut DeviceContext) -> String + Send + Sync + 'static,
    I: Fn(&Arc<C>, &mut DeviceContext, &str) -> String + Send + Sync + 'static,
{
    let cfg = Arc::new(cfg);
    let hook_cfg = Arc::clone(&cfg);
    device
        .with_login_hook(move |ctx| login(&hook_cfg, ctx))
        .with_fallback(move |ctx, line| {
            restore_paging(ctx);
            Some(Reply::new(interpret(&cfg, ctx, line)))
        })
}

/// The `interface` and `without_interfaces` builder methods, over a
/// `common: Common` field. Doc lines given to the macro are added to
/// those of `interface`.
macro_rules! interface_setters {
    ($(#[doc = $doc:literal])*) => {
        /// Adds an interface (replacing one of the same name).
        $(#[doc = $doc])*
        pub fn interface(mut self, interface: $crate::platforms::common::Interface) -> Self {
            $crate::platforms::common::upsert_interface(&mut self.common.interfaces, interface);
            self
        }

        /// Removes every interface.
        pub fn without_interfaces(mut self) -> Self {
            self.common.interfaces.clear();
            self
        }
    };
}

/// The `page_lines` and `paging_locked` builder methods, over a
/// `common: Common` field; `$off` is the platform's paging-off command.
macro_rules! paging_setters {
    ($off:literal) => {
        /// Sets the page length (0: no paging until the client asks for it).
        pub fn page_lines(mut self, lines: usize) -> Self {
            self.common.page_lines = lines;
            self
        }

        #[doc = concat!("With `true`, `", $off, "` is accepted but paging stays on.")]
        pub fn paging_locked(mut self, locked: bool) -> Self {
            self.common.paging_locked = locked;
            self
        }
    };
}

pub(crate) use {interface_setters, paging_setters};
