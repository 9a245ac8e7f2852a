//! Names of the streams, buckets, consumers and subjects of a cluster,
//! all derived from one prefix, and the checks on the names users give
//! (sites, runs).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// Checks that `value` can be a subject token, a stream or consumer name
/// and part of a KV key: 1 to 64 ASCII letters, digits, `-` or `_`.
pub(crate) fn check_token(what: &'static str, value: &str) -> Result<()> {
    let ok = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidName {
            what,
            value: value.to_owned(),
        })
    }
}

/// The names of everything a cluster keeps in NATS.
#[derive(Clone, Debug)]
pub(crate) struct Names {
    prefix: String,
}

impl Names {
    pub(crate) fn new(prefix: &str) -> Result<Names> {
        check_token("prefix", prefix)?;
        Ok(Names {
            prefix: prefix.to_owned(),
        })
    }

    /// The work-queue stream of work items.
    pub(crate) fn work_stream(&self) -> String {
        format!("{}_work", self.prefix)
    }

    /// `<prefix>.work.>`: the work stream's subjects.
    pub(crate) fn work_subjects(&self) -> String {
        format!("{}.work.>", self.prefix)
    }

    /// `<prefix>.work.<site>.<run>`: where the items of a run for a site go.
    pub(crate) fn work_subject(&self, site: &str, run: &str) -> String {
        format!("{}.work.{site}.{run}", self.prefix)
    }

    /// `<prefix>.work.<site>.>`: the filter of a site's consumer.
    pub(crate) fn site_filter(&self, site: &str) -> String {
        format!("{}.work.{site}.>", self.prefix)
    }

    /// `<prefix>.work.*.<run>`: every pending item of a run.
    pub(crate) fn run_work_filter(&self, run: &str) -> String {
        format!("{}.work.*.{run}", self.prefix)
    }

    /// The durable consumer of a site.
    pub(crate) fn site_consumer(&self, site: &str) -> String {
        format!("{}_site_{site}", self.prefix)
    }

    /// The site a consumer name belongs to, if it is a site consumer.
    pub(crate) fn site_of_consumer<'a>(&self, consumer: &'a str) -> Option<&'a str> {
        consumer
            .strip_prefix(self.prefix.as_str())
            .and_then(|rest| rest.strip_prefix("_site_"))
    }

    /// The stream of results and log chunks, read by coordinators.
    pub(crate) fn events_stream(&self) -> String {
        format!("{}_events", self.prefix)
    }

    /// `<prefix>.ev.>`: the events stream's subjects.
    pub(crate) fn events_subjects(&self) -> String {
        format!("{}.ev.>", self.prefix)
    }

    /// `<prefix>.ev.<run>.<job>.log`: the log chunks of one job.
    pub(crate) fn log_subject(&self, run: &str, job: u64) -> String {
        format!("{}.ev.{run}.{job}.log", self.prefix)
    }

    /// `<prefix>.ev.<run>.<job>.result`: the result of one job, the only
    /// message on that subject (the first written stands).
    pub(crate) fn result_subject(&self, run: &str, job: u64) -> String {
        format!("{}.ev.{run}.{job}.result", self.prefix)
    }

    /// `<prefix>.ev.<run>.>`: events of a run.
    pub(crate) fn run_events_filter(&self, run: &str) -> String {
        format!("{}.ev.{run}.>", self.prefix)
    }

    /// The KV bucket of claims: non-idempotent jobs a worker started.
    pub(crate) fn claims_bucket(&self) -> String {
        format!("{}_claims", self.prefix)
    }

    /// The KV bucket of runs (state and counts).
    pub(crate) fn runs_bucket(&self) -> String {
        format!("{}_runs", self.prefix)
    }

    /// The KV bucket of worker heartbeats.
    pub(crate) fn workers_bucket(&self) -> String {
        format!("{}_workers", self.prefix)
    }
}

/// `<run>.<job>`: a job's key in the claims bucket, and the message id of
/// its work item.
pub(crate) fn job_key(run: &str, job: u64) -> String {
    format!("{run}.{job}")
}

/// The job number of an event subject `<prefix>.ev.<run>.<job>.<kind>`.
pub(crate) fn job_of_subject(subject: &str) -> Option<u64> {
    subject.rsplit('.').nth(1)?.parse().ok()
}

/// A new run id: `r`, the time in milliseconds and 32 random bits, in
/// base 36 (sortable by time within the same length).
pub(crate) fn new_run_id() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let random: u32 = rand::random();
    format!("r{}{:0>7}", base36(millis), base36(u64::from(random)))
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(check_token("site", "paris-1_b").is_ok());
        for bad in ["", "a.b", "a*", "a>", "a b", "é", &"x".repeat(65)] {
            assert!(check_token("site", bad).is_err(), "{bad}");
        }
        assert!(Names::new("ox.s").is_err());
    }

    #[test]
    fn names_and_subjects() {
        let n = Names::new("ox").unwrap();
        assert_eq!(n.work_subject("paris", "r1"), "ox.work.paris.r1");
        assert_eq!(n.site_filter("paris"), "ox.work.paris.>");
        assert_eq!(n.run_work_filter("r1"), "ox.work.*.r1");
        assert_eq!(n.site_consumer("paris"), "ox_site_paris");
        assert_eq!(n.site_of_consumer("ox_site_paris"), Some("paris"));
        assert_eq!(n.site_of_consumer("other"), None);
        assert_eq!(n.log_subject("r1", 7), "ox.ev.r1.7.log");
        assert_eq!(n.result_subject("r1", 7), "ox.ev.r1.7.result");
        assert_eq!(job_of_subject("ox.ev.r1.7.log"), Some(7));
        assert_eq!(job_of_subject("ox.ev.r1.7.result"), Some(7));
        assert_eq!(job_of_subject("ox.ev.r1.x.log"), None);
        assert_eq!(job_key("r1", 7), "r1.7");
    }

    #[test]
    fn run_ids_are_tokens_and_differ() {
        let a = new_run_id();
        let b = new_run_id();
        assert_ne!(a, b);
        check_token("run", &a).unwrap();
        assert!(a.starts_with('r'));
        assert_eq!(base36(0), "0");
        assert_eq!(base36(36 * 36 + 35), "10z");
    }
}
