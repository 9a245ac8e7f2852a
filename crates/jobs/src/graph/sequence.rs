//! [`Sequence`]: jobs that run one after the other.

use super::Job;

/// A chain of jobs, each requiring the previous one (asynciojobs
/// `Sequence`). Add it to a scheduler with
/// [`Scheduler::add_sequence`](super::Scheduler::add_sequence).
///
/// ```
/// use oxscript_jobs::graph::{Job, Sequence};
///
/// let seq = Sequence::new([
///     Job::new("a", || async { Ok(().into()) }),
///     Job::new("b", || async { Ok(().into()) }),
/// ]);
/// let c = Job::new("c", || async { Ok(().into()) });
/// let seq = seq.then(c.clone());
/// assert_eq!(c.requirements()[0].label(), "b");
/// assert_eq!(seq.jobs().len(), 3);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Sequence {
    jobs: Vec<Job>,
}

impl Sequence {
    /// Chains `jobs` in order.
    pub fn new(jobs: impl IntoIterator<Item = Job>) -> Sequence {
        let mut seq = Sequence::default();
        for job in jobs {
            seq.push(job);
        }
        seq
    }

    /// Appends a job that requires the current last one.
    pub fn push(&mut self, job: Job) {
        if let Some(last) = self.jobs.last() {
            job.add_requirement(last);
        }
        self.jobs.push(job);
    }

    /// [`push`](Sequence::push), by value.
    pub fn then(mut self, job: Job) -> Sequence {
        self.push(job);
        self
    }

    /// Appends every job of `other`, its first job requiring this
    /// sequence's last one.
    pub fn extend(&mut self, other: Sequence) {
        for job in other.jobs {
            self.push(job);
        }
    }

    /// Makes the first job require `job` (so the whole sequence waits for it).
    pub fn requires(self, job: &Job) -> Sequence {
        if let Some(first) = self.jobs.first() {
            first.add_requirement(job);
        }
        self
    }

    /// The jobs, in order.
    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// The first job.
    pub fn first(&self) -> Option<&Job> {
        self.jobs.first()
    }

    /// The last job (require it to wait for the whole sequence).
    pub fn last(&self) -> Option<&Job> {
        self.jobs.last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(label: &str) -> Job {
        Job::new(label, || async { Ok(().into()) })
    }

    #[test]
    fn chains_and_extends() {
        let before = job("before");
        let mut seq = Sequence::new([job("a"), job("b")]).requires(&before);
        let labels = |j: &Job| {
            j.requirements()
                .iter()
                .map(|r| r.label().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(labels(&seq.jobs()[0]), ["before"]);
        assert_eq!(labels(&seq.jobs()[1]), ["a"]);
        seq.extend(Sequence::new([job("c"), job("d")]));
        assert_eq!(labels(&seq.jobs()[2]), ["b"]);
        assert_eq!(labels(&seq.jobs()[3]), ["c"]);
        assert_eq!(seq.first().map(Job::label), Some("a"));
        assert_eq!(seq.last().map(Job::label), Some("d"));
        assert!(Sequence::default().requires(&before).jobs().is_empty());
    }
}
