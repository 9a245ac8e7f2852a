//! [`LoginRate`]: a token bucket pacing how fast a worker starts jobs
//! (each job starts with a connection and a login).

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// At most `per_second` job starts per second on average, with bursts of
/// up to `burst` at once (AAA servers that throttle logins).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoginRate {
    /// Average starts per second (values ≤ 0 mean no limit).
    pub per_second: f64,
    /// How many may start at once after a quiet period (at least 1).
    pub burst: u32,
}

/// The bucket behind a [`LoginRate`].
#[derive(Debug)]
pub(crate) struct TokenBucket {
    rate: LoginRate,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub(crate) fn new(rate: LoginRate) -> TokenBucket {
        let burst = f64::from(rate.burst.max(1));
        TokenBucket {
            rate,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Waits for a token.
    pub(crate) async fn acquire(&self) {
        if self.rate.per_second <= 0.0 || !self.rate.per_second.is_finite() {
            return;
        }
        let wait = {
            let mut st = oxscript_core::sync::lock(&self.state);
            let now = Instant::now();
            let burst = f64::from(self.rate.burst.max(1));
            let refill = now.duration_since(st.1).as_secs_f64() * self.rate.per_second;
            st.0 = (st.0 + refill).min(burst);
            st.1 = now;
            // Take the token now (possibly going below zero): callers queue
            // up behind each other, each waiting for its own token.
            st.0 -= 1.0;
            if st.0 >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-st.0 / self.rate.per_second)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn paces_after_the_burst() {
        let bucket = TokenBucket::new(LoginRate {
            per_second: 10.0,
            burst: 2,
        });
        let start = Instant::now();
        for _ in 0..2 {
            bucket.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        for _ in 0..5 {
            bucket.acquire().await;
        }
        // Five more tokens at 10/s: half a second (paused clock: exact).
        let took = start.elapsed().as_secs_f64();
        assert!((took - 0.5).abs() < 1e-3, "{took}");
        let unlimited = TokenBucket::new(LoginRate {
            per_second: 0.0,
            burst: 1,
        });
        for _ in 0..100 {
            unlimited.acquire().await;
        }
        assert!((start.elapsed().as_secs_f64() - took).abs() < 1e-3);
    }
}
