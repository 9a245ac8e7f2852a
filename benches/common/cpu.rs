//! The benchmark programs' clock for the client's own work.

use std::time::Duration;

/// utime + stime of this process (all its threads), from `getrusage`:
/// microsecond resolution.
pub fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    rusage_cpu(&usage)
}

/// utime + stime of a `rusage` (this process's, or a child's from `wait4`).
#[allow(dead_code)] // not every benchmark program measures children
pub fn rusage_cpu(usage: &libc::rusage) -> Duration {
    let tv = |t: libc::timeval| {
        Duration::new(
            t.tv_sec.max(0) as u64,
            t.tv_usec.clamp(0, 999_999) as u32 * 1000,
        )
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}
