//! [`deadline_after`]: the one way oxscript turns a timeout into a deadline.

use std::time::Duration;

use tokio::time::Instant;

/// How far away a deadline is when its timeout cannot be represented.
const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// The instant `timeout` from now. A timeout too long to add to the clock
/// (such as `Duration::MAX`, a user's "wait forever") gives a deadline
/// about 30 years away instead of an overflow panic.
///
/// ```
/// use std::time::Duration;
/// use oxscript_core::time::deadline_after;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let soon = deadline_after(Duration::from_secs(1));
/// let never = deadline_after(Duration::MAX);
/// assert!(never > soon);
/// # }
/// ```
pub fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(FAR_FUTURE))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn huge_timeouts_saturate() {
        let now = Instant::now();
        assert!(deadline_after(Duration::MAX) >= now + FAR_FUTURE / 2);
        assert!(deadline_after(Duration::from_secs(u64::MAX)) > now);
        assert!(deadline_after(Duration::ZERO) >= now);
    }
}
