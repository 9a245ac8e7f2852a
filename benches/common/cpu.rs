//! The benchmark programs' clock for the client's own work.

use std::time::Duration;

/// utime + stime of this process, from `/proc` (Linux); zero elsewhere.
pub fn cpu_time() -> Duration {
    // utime + stime of this process, from /proc (Linux); zero elsewhere.
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Fields after the command name: state is index 0; utime 11, stime 12.
    let total = ticks(11) + ticks(12);
    Duration::from_millis(total * 10)
}
