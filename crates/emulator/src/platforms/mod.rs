//! The platform emulators and what they share.

pub(crate) mod common;
pub mod eos;
pub mod ios;
pub mod ios_xr;
pub mod junos;
pub mod nxos;
pub mod shell;
pub mod sros;
pub mod vrp;
