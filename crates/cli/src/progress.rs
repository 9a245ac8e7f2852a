//! The progress bar shown while several hosts run and stdout is a
//! terminal, fed by the queue's events, and the printer that keeps output
//! lines from tearing it.

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use oxscript::jobs::events::Event;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;

/// Prints `host:line` output lines on stdout, hiding the bar meanwhile.
#[derive(Clone, Default)]
pub(crate) struct Printer {
    bar: Option<ProgressBar>,
    /// Print nothing (stdout carries `--json` objects).
    silent: bool,
}

impl Printer {
    /// A printer that prints nothing.
    pub(crate) fn silent() -> Printer {
        Printer {
            bar: None,
            silent: true,
        }
    }

    /// Prints every line of `text` as `label:line` on stdout.
    pub(crate) fn print(&self, label: &str, text: &str) {
        if self.silent {
            return;
        }
        self.print_to(|| std::io::stdout().lock(), label, text);
    }

    /// Writes every line of `text` as `label:line` (nothing for empty
    /// text) to the writer `open` returns, called while the bar is hidden.
    fn print_to<W: Write>(&self, open: impl FnOnce() -> W, label: &str, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut lines = String::with_capacity(text.len() + 32);
        for line in text.lines() {
            lines.push_str(label);
            lines.push(':');
            lines.push_str(line);
            lines.push('\n');
        }
        let write = || {
            let mut out = open();
            // A closed stdout (e.g. `| head`) is not an error of the host.
            let _ = out.write_all(lines.as_bytes());
            let _ = out.flush();
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

/// A running progress bar.
pub(crate) struct Progress {
    bar: ProgressBar,
    task: JoinHandle<()>,
}

impl Progress {
    /// A bar for `total` hosts on stderr, updated from `events` (finished
    /// hosts, and how many succeeded and failed so far).
    pub(crate) fn start(total: usize, mut events: broadcast::Receiver<Event>) -> Progress {
        let bar = ProgressBar::with_draw_target(
            Some(total as u64),
            ProgressDrawTarget::stderr_with_hz(10),
        );
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} hosts {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        let shown = bar.clone();
        let task = tokio::spawn(async move {
            let (mut ok, mut failed) = (0usize, 0usize);
            loop {
                match events.recv().await {
                    // The bar counts hosts with a final result, so its
                    // position always equals "ok + failed".
                    Ok(Event::Progress { total, .. }) => shown.set_length(total as u64),
                    Ok(Event::Succeeded { .. }) => ok += 1,
                    Ok(Event::Failed {
                        will_retry: false, ..
                    }) => failed += 1,
                    Ok(_) => continue,
                    // Progress events carry totals: the next one catches up.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                }
                shown.set_position((ok + failed) as u64);
                shown.set_message(format!("({ok} ok, {failed} failed)"));
            }
        });
        Progress { bar, task }
    }

    /// The printer to use while the bar is shown.
    pub(crate) fn printer(&self) -> Printer {
        Printer {
            silent: false,
            bar: Some(self.bar.clone()),
        }
    }

    /// Removes the bar (the summary follows).
    pub(crate) fn finish(self) {
        self.task.abort();
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxscript::jobs::events::JobInfo;

    #[tokio::test]
    async fn the_bar_follows_the_queue_events() {
        let (tx, rx) = broadcast::channel(16);
        // stderr is not a terminal under test: the bar is drawn nowhere,
        // but its state is kept.
        let progress = Progress::start(3, rx);
        let job = JobInfo {
            id: 1,
            name: "r1".into(),
            host: Some("r1".into()),
        };
        tx.send(Event::Succeeded {
            job: job.clone(),
            attempt: 1,
        })
        .unwrap();
        tx.send(Event::Failed {
            job: job.clone(),
            attempt: 1,
            error: oxscript::jobs::Error::msg("boom"),
            will_retry: true,
        })
        .unwrap();
        tx.send(Event::Progress {
            finished: 2,
            total: 4,
        })
        .unwrap();
        drop(tx);
        let bar = progress.bar.clone();
        let waited = tokio::time::timeout(Duration::from_secs(30), async {
            // One final result (the retried failure is not one): position 1.
            while bar.position() != 1 || bar.length() != Some(4) || bar.message().is_empty() {
                tokio::task::yield_now().await;
            }
        })
        .await;
        assert!(waited.is_ok(), "the bar was not updated");
        assert_eq!(bar.length(), Some(4));
        // A failure that will be retried is not counted as failed.
        assert_eq!(bar.message(), "(1 ok, 0 failed)");
        // Printing without a bar, and with one: every line gets the label.
        for printer in [Printer::default(), progress.printer()] {
            let mut out = Vec::new();
            printer.print_to(|| &mut out, "r1", "show clock\r\n*10:00:00\n\nend");
            assert_eq!(
                String::from_utf8(out).unwrap(),
                "r1:show clock\nr1:*10:00:00\nr1:\nr1:end\n"
            );
            let mut out = Vec::new();
            printer.print_to(|| &mut out, "r1", "");
            assert!(out.is_empty(), "empty text prints nothing");
        }
        // Hiding the bar to print leaves its state alone.
        assert_eq!((bar.position(), bar.length()), (1, Some(4)));
        progress.finish();
        assert!(bar.is_finished());
    }
}
