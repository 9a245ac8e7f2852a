//! Telnet (being written).
