//! Human-readable reports over a [`Logger`] (Exscript `util.report`).
//!
//! Every job counts once, judged by its last attempt: a job that failed
//! once and then succeeded on a retry is a success.
//!
//! ```
//! use oxscript_jobs::log::Logger;
//! use oxscript_jobs::{report, Error};
//!
//! let logger = Logger::new();
//! logger.start(1, "r1", Some("r1"), 1).succeeded();
//! logger.start(2, "r2", Some("r2"), 1).failed(&Error::msg("% Login invalid"));
//! assert_eq!(report::status(&logger), "2 actions done (1 failed, 1 succeeded)");
//! assert_eq!(report::summarize(&logger), "r1: ok\nr2: % Login invalid");
//! assert!(report::format(&logger).starts_with("Failed actions:\n---------------\nr2:\n"));
//! ```

use crate::error::Error;
use crate::log::{Logger, Outcome};

/// One line on how many jobs succeeded and failed, e.g. `No actions done`,
/// `1 action done (succeeded)`, `3 actions done (all failed)` or
/// `3 actions done (1 failed, 2 succeeded)`. Jobs still running are not
/// counted.
pub fn status(logger: &Logger) -> String {
    let (succeeded, failed) = logger.final_counts();
    match (failed + succeeded, failed) {
        (0, _) => "No actions done".to_owned(),
        (1, 0) => "1 action done (succeeded)".to_owned(),
        (1, _) => "1 action done (failed)".to_owned(),
        (total, 0) => format!("{total} actions done (all succeeded)"),
        (total, f) if f == total => format!("{total} actions done (all failed)"),
        (total, f) => format!("{total} actions done ({f} failed, {succeeded} succeeded)"),
    }
}

/// One line per job: `name: ok`, `name: <error message>`, or
/// `name: running` for a job that has not ended.
pub fn summarize(logger: &Logger) -> String {
    let mut lines = Vec::new();
    logger.for_each_outcome(|o| lines.push(format!("{}: {}", o.name, outcome(&o))));
    lines.join("\n")
}

fn outcome(o: &Outcome<'_>) -> String {
    match o.error {
        Some(e) => first_line(&e.to_string()).to_owned(),
        None if o.ended => "ok".to_owned(),
        None => "running".to_owned(),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// What [`format_with`] shows.
#[derive(Clone, Copy, Debug)]
pub struct FormatOptions {
    /// List the jobs that succeeded. Default: true.
    pub show_successful: bool,
    /// List the jobs that failed. Default: true.
    pub show_errors: bool,
    /// Show each error's causes (else only the error). Default: true.
    pub show_causes: bool,
}

impl Default for FormatOptions {
    fn default() -> Self {
        FormatOptions {
            show_successful: true,
            show_errors: true,
            show_causes: true,
        }
    }
}

/// The full report: failed jobs with their error and its causes, then the
/// jobs that succeeded ([`format_with`] with the defaults).
pub fn format(logger: &Logger) -> String {
    format_with(logger, FormatOptions::default())
}

/// The full report, with a choice of sections.
pub fn format_with(logger: &Logger, options: FormatOptions) -> String {
    let mut failed: Vec<String> = Vec::new();
    let mut succeeded: Vec<String> = Vec::new();
    logger.for_each_outcome(|o| match (o.ended, o.error) {
        (true, Some(error)) if options.show_errors => failed.extend(failure(&o, error, options)),
        (true, None) if options.show_successful => succeeded.push(o.name.to_owned()),
        _ => {}
    });
    let mut out: Vec<String> = Vec::new();
    if !failed.is_empty() {
        underline(&mut out, "Failed actions:");
        out.append(&mut failed);
        out.push(String::new());
    }
    if options.show_successful {
        underline(&mut out, "Successful actions:");
        out.append(&mut succeeded);
        out.push(String::new());
    }
    out.join("\n").trim().to_owned()
}

/// The lines of a failed job in the report.
fn failure(o: &Outcome<'_>, error: &Error, options: FormatOptions) -> Vec<String> {
    let attempts = if o.attempt > 1 {
        format!(" (after {} attempts)", o.attempt)
    } else {
        String::new()
    };
    if !options.show_causes {
        return vec![format!("{}{attempts}: {}", o.name, outcome(o))];
    }
    let mut lines = vec![format!("{}{attempts}:", o.name)];
    for (i, line) in error.chain().iter().enumerate() {
        let prefix = if i == 0 { "  " } else { "  caused by: " };
        lines.push(format!("{prefix}{line}"));
    }
    lines
}

fn underline(out: &mut Vec<String>, title: &str) {
    out.push(title.to_owned());
    out.push("-".repeat(title.chars().count()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn logger_with(outcomes: &[(&str, Option<&str>)]) -> Logger {
        let logger = Logger::new();
        for (i, (name, error)) in outcomes.iter().enumerate() {
            let h = logger.start(i as u64, name, Some(name), 1);
            match error {
                Some(e) => h.failed(&Error::msg(*e)),
                None => h.succeeded(),
            }
        }
        logger
    }

    #[test]
    fn status_wording() {
        assert_eq!(status(&Logger::new()), "No actions done");
        assert_eq!(
            status(&logger_with(&[("a", None)])),
            "1 action done (succeeded)"
        );
        assert_eq!(
            status(&logger_with(&[("a", Some("x"))])),
            "1 action done (failed)"
        );
        assert_eq!(
            status(&logger_with(&[("a", None), ("b", None)])),
            "2 actions done (all succeeded)"
        );
        assert_eq!(
            status(&logger_with(&[("a", Some("x")), ("b", Some("y"))])),
            "2 actions done (all failed)"
        );
        assert_eq!(
            status(&logger_with(&[("a", Some("x")), ("b", None), ("c", None)])),
            "3 actions done (1 failed, 2 succeeded)"
        );
    }

    #[test]
    fn retried_job_counts_once_by_its_last_attempt() {
        let logger = Logger::new();
        logger
            .start(7, "r1", Some("r1"), 1)
            .failed(&Error::msg("timeout"));
        logger.start(7, "r1", Some("r1"), 2).succeeded();
        logger.start(8, "r2", Some("r2"), 1); // still running
        assert_eq!(status(&logger), "1 action done (succeeded)");
        assert_eq!(summarize(&logger), "r1: ok\nr2: running");
    }

    #[test]
    fn format_sections() {
        let logger = Logger::new();
        let inner = Error::msg("% Login invalid");
        let outer = Error::CriticalJobFailed {
            job: "login".into(),
            source: Box::new(inner),
        };
        logger.start(1, "r1", Some("r1"), 1).failed(&outer);
        logger
            .start(1, "r1", Some("r1"), 2)
            .failed(&Error::msg("multi\nline"));
        logger.start(2, "r2", Some("r2"), 1).succeeded();
        let full = format(&logger);
        assert_eq!(
            full,
            "Failed actions:\n---------------\nr1 (after 2 attempts):\n  multi\nline\n\n\
             Successful actions:\n-------------------\nr2"
        );
        let logger = Logger::new();
        logger.start(1, "r1", Some("r1"), 1).failed(&outer);
        assert_eq!(
            format_with(
                &logger,
                FormatOptions {
                    show_successful: false,
                    ..FormatOptions::default()
                }
            ),
            "Failed actions:\n---------------\nr1:\n  critical job `login` failed: % Login invalid\n  caused by: % Login invalid"
        );
        assert_eq!(
            format_with(
                &logger,
                FormatOptions {
                    show_causes: false,
                    show_successful: false,
                    ..FormatOptions::default()
                }
            ),
            "Failed actions:\n---------------\nr1: critical job `login` failed: % Login invalid"
        );
        assert_eq!(
            format_with(
                &logger,
                FormatOptions {
                    show_errors: false,
                    ..FormatOptions::default()
                }
            ),
            "Successful actions:\n-------------------"
        );
    }
}
