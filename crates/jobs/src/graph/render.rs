//! Text and DOT descriptions of a scheduler: `list`, `debrief`, `to_dot`.

use std::collections::HashMap;

use super::plan::Plan;
use super::{Job, JobState, Scheduler};

/// The longest result text shown by `list`.
const RESULT_WIDTH: usize = 60;

fn first_line_cut(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > RESULT_WIDTH {
        let cut: String = line.chars().take(RESULT_WIDTH).collect();
        format!("{cut}…")
    } else if text.lines().nth(1).is_some() {
        format!("{line}…")
    } else {
        line.to_owned()
    }
}

fn state_word(job: &Job) -> &'static str {
    match job.state() {
        JobState::Idle => "idle",
        JobState::Scheduled => "scheduled",
        JobState::Running => "running",
        JobState::Done if job.error().is_some() => "failed",
        JobState::Done => "done",
        JobState::Cancelled => "cancelled",
    }
}

fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

impl Scheduler {
    /// Jobs in run order (topological when possible, else as added).
    fn ordered_jobs(&self) -> Vec<Job> {
        let jobs = self.jobs();
        match Plan::build(&jobs) {
            Ok(plan) => plan
                .order
                .iter()
                .filter_map(|&i| jobs.get(i).cloned())
                .collect(),
            Err(_) => jobs,
        }
    }

    /// One line per job, in run order: its number, state (`idle`,
    /// `scheduled`, `running`, `done`, `failed`, `cancelled`), `!` when
    /// critical, `~` when forever, its label, `-> result` or `=> error`,
    /// and `requires={…}` with the numbers of its requirements. Jobs of
    /// nested schedulers follow their scheduler's line, indented and
    /// numbered `3.1`, `3.2`…
    ///
    /// ```
    /// use oxscript_jobs::graph::{Job, Scheduler};
    ///
    /// let s = Scheduler::new();
    /// let a = s.add(Job::new("fetch", || async { Ok(().into()) }));
    /// s.add(Job::new("check", || async { Ok(().into()) }).requires(&a).critical(false));
    /// assert_eq!(s.list(), "1 idle      !  fetch\n2 idle         check requires={1}\n");
    /// ```
    pub fn list(&self) -> String {
        let mut out = String::new();
        self.list_into(&mut out, "", 0);
        out
    }

    fn list_into(&self, out: &mut String, prefix: &str, depth: usize) {
        let jobs = self.ordered_jobs();
        let ids: HashMap<u64, String> = jobs
            .iter()
            .enumerate()
            .map(|(i, j)| (j.id(), format!("{prefix}{}", i + 1)))
            .collect();
        for job in &jobs {
            let id = ids.get(&job.id()).cloned().unwrap_or_default();
            let critical = if job.is_critical() { '!' } else { ' ' };
            let forever = if job.is_forever() { '~' } else { ' ' };
            let indent = "  ".repeat(depth);
            let outcome = match (job.state(), job.result()) {
                (JobState::Done, Some(Ok(value))) if !value.is_none() => {
                    format!(" -> {}", first_line_cut(&value.to_string()))
                }
                (JobState::Done, Some(Err(e))) => format!(" => {}", first_line_cut(&e.to_string())),
                _ => String::new(),
            };
            let requires: Vec<String> = job
                .requirements()
                .iter()
                .map(|r| ids.get(&r.id()).cloned().unwrap_or_else(|| "?".to_owned()))
                .collect();
            let requires = if requires.is_empty() {
                String::new()
            } else {
                format!(" requires={{{}}}", requires.join(", "))
            };
            out.push_str(&format!(
                "{id} {:<9} {critical}{forever} {indent}{}{outcome}{requires}\n",
                state_word(job),
                job.label()
            ));
            if let Some(nested) = job.nested() {
                nested.list_into(out, &format!("{id}."), depth + 1);
            }
        }
    }

    /// A report for after a run: [`why`](Scheduler::why), counts per
    /// state, [`list`](Scheduler::list), then every failed job (critical
    /// ones first) with its error and causes.
    pub fn debrief(&self) -> String {
        let jobs = self.ordered_jobs();
        let mut out = format!("----- {}\n", self.why());
        let count = |word: &str| jobs.iter().filter(|j| state_word(j) == word).count();
        out.push_str(&format!(
            "{} job(s): {} done, {} failed, {} cancelled, {} running, {} scheduled, {} idle\n",
            jobs.len(),
            count("done"),
            count("failed"),
            count("cancelled"),
            count("running"),
            count("scheduled"),
            count("idle"),
        ));
        out.push_str(&self.list());
        let failed: Vec<(usize, &Job)> = jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| j.has_failed())
            .collect();
        if !failed.is_empty() {
            let critical = failed.iter().filter(|(_, j)| j.is_critical()).count();
            out.push_str(&format!(
                "===== {} job(s) failed, {critical} critical\n",
                failed.len()
            ));
            let sorted = failed
                .iter()
                .filter(|(_, j)| j.is_critical())
                .chain(failed.iter().filter(|(_, j)| !j.is_critical()));
            for (i, job) in sorted {
                let kind = if job.is_critical() {
                    "critical"
                } else {
                    "non-critical"
                };
                let chain = job.error().map(|e| e.chain()).unwrap_or_default();
                for (n, line) in chain.iter().enumerate() {
                    if n == 0 {
                        out.push_str(&format!("{kind} {} {}: {line}\n", i + 1, job.label()));
                    } else {
                        out.push_str(&format!("  caused by: {line}\n"));
                    }
                }
            }
        }
        out
    }

    /// The job graph in Graphviz DOT: one box per job (bold when critical,
    /// dashed when forever, red when failed, grey when cancelled), an
    /// arrow from each requirement to the job that requires it, and a
    /// cluster per nested scheduler. Render with `dot -Tsvg`.
    pub fn to_dot(&self) -> String {
        let mut out = format!(
            "digraph \"{}\" {{\n  compound=true;\n  node [shape=box, style=rounded];\n",
            dot_escape(self.label())
        );
        self.dot_body(&mut out, 1);
        out.push_str("}\n");
        out
    }

    fn dot_body(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        let jobs = self.jobs();
        for job in &jobs {
            let id = job.id();
            if let Some(nested) = job.nested() {
                out.push_str(&format!(
                    "{pad}subgraph \"cluster_{id}\" {{\n{pad}  label=\"{}\";\n{pad}  style=dashed;\n{pad}  \"j{id}\" [shape=point, style=invis, label=\"\"];\n",
                    dot_escape(job.label())
                ));
                nested.dot_body(out, depth + 1);
                out.push_str(&format!("{pad}}}\n"));
                continue;
            }
            let mut attrs = vec![format!("label=\"{}\"", dot_escape(job.label()))];
            if job.is_critical() {
                attrs.push("penwidth=2".to_owned());
            }
            if job.is_forever() {
                attrs.push("style=\"rounded,dashed\"".to_owned());
            }
            if job.has_failed() {
                attrs.push("color=red".to_owned());
            } else if job.state() == JobState::Cancelled {
                attrs.push("color=gray".to_owned());
            }
            out.push_str(&format!("{pad}\"j{id}\" [{}];\n", attrs.join(", ")));
        }
        for job in &jobs {
            for r in job.requirements() {
                let mut attrs = Vec::new();
                if r.nested().is_some() {
                    attrs.push(format!("ltail=\"cluster_{}\"", r.id()));
                }
                if job.nested().is_some() {
                    attrs.push(format!("lhead=\"cluster_{}\"", job.id()));
                }
                let attrs = if attrs.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", attrs.join(", "))
                };
                out.push_str(&format!(
                    "{pad}\"j{}\" -> \"j{}\"{attrs};\n",
                    r.id(),
                    job.id()
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_text_is_cut() {
        assert_eq!(first_line_cut("short"), "short");
        assert_eq!(first_line_cut("a\nb"), "a…");
        let long = "x".repeat(70);
        assert_eq!(first_line_cut(&long).chars().count(), RESULT_WIDTH + 1);
        assert_eq!(first_line_cut(""), "");
    }

    #[test]
    fn dot_escaping() {
        assert_eq!(dot_escape("a \"b\" \\c\r\nd"), "a \\\"b\\\" \\\\c\\nd");
    }
}
