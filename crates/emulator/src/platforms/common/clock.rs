//! [`Clock`]: the UTC wall-clock time devices print in timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC wall-clock time, for the timestamps devices print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Clock {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    pub(crate) millis: u32,
    /// 0 is Monday.
    pub(crate) weekday: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl Clock {
    /// The current time.
    pub(crate) fn now() -> Clock {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Clock::from_unix_millis(i64::try_from(since.as_millis()).unwrap_or(0))
    }

    /// The time `ms` milliseconds after the Unix epoch.
    pub(crate) fn from_unix_millis(ms: i64) -> Clock {
        let secs = ms.div_euclid(1000);
        let millis = u32::try_from(ms.rem_euclid(1000)).unwrap_or(0);
        let days = secs.div_euclid(86_400);
        let rem = u32::try_from(secs.rem_euclid(86_400)).unwrap_or(0);
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
        let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
        let year = yoe + era * 400 + i64::from(month <= 2);
        let weekday = u32::try_from((days + 3).rem_euclid(7)).unwrap_or(0);
        Clock {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
            millis,
            weekday,
        }
    }

    /// `Mon`, `Tue`, …
    pub(crate) fn weekday_name(&self) -> &'static str {
        WEEKDAYS
            .get(self.weekday as usize)
            .copied()
            .unwrap_or("Mon")
    }

    /// `Jan`, `Feb`, …
    pub(crate) fn month_name(&self) -> &'static str {
        MONTHS
            .get((self.month as usize).saturating_sub(1))
            .copied()
            .unwrap_or("Jan")
    }

    /// `2024-03-04 10:42:17`
    pub(crate) fn iso(&self) -> String {
        format!(
            "{}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `10:42:17`
    pub(crate) fn hms(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }

    /// `Mon Mar  4 10:42:17 2024`, as C's `ctime` writes it.
    pub(crate) fn ctime(&self) -> String {
        format!(
            "{} {} {:2} {} {}",
            self.weekday_name(),
            self.month_name(),
            self.day,
            self.hms(),
            self.year
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_conversion() {
        // 2024-03-04 10:42:17.312 UTC was a Monday.
        let c = Clock::from_unix_millis(1_709_548_937_312);
        assert_eq!(c.iso(), "2024-03-04 10:42:17");
        assert_eq!(c.millis, 312);
        assert_eq!(c.weekday_name(), "Mon");
        assert_eq!(c.month_name(), "Mar");
        assert_eq!(c.ctime(), "Mon Mar  4 10:42:17 2024");
        let epoch = Clock::from_unix_millis(0);
        assert_eq!(epoch.iso(), "1970-01-01 00:00:00");
        assert_eq!(epoch.weekday_name(), "Thu");
        assert_eq!(
            Clock::from_unix_millis(951_782_400_000).iso(),
            "2000-02-29 00:00:00"
        );
    }
}
