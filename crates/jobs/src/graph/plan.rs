//! Checking a job graph and ordering it: requirements inside the
//! scheduler, no cycles, a topological order.

use std::collections::{HashMap, VecDeque};

use super::Job;
use crate::error::{Error, Result};

/// A checked job graph over the indices of a job list.
pub(super) struct Plan {
    /// Requirements of each job (indices, no duplicates).
    pub(super) requires: Vec<Vec<usize>>,
    /// The jobs that require each job.
    pub(super) successors: Vec<Vec<usize>>,
    /// A topological order: every job after its requirements; jobs that do
    /// not depend on each other keep the order they were added in.
    pub(super) order: Vec<usize>,
}

impl Plan {
    pub(super) fn build(jobs: &[Job]) -> Result<Plan> {
        let index: HashMap<u64, usize> =
            jobs.iter().enumerate().map(|(i, j)| (j.id(), i)).collect();
        let mut requires = Vec::with_capacity(jobs.len());
        let mut successors = vec![Vec::new(); jobs.len()];
        for (i, job) in jobs.iter().enumerate() {
            if let Some(problem) = job.problem() {
                return Err(Error::InvalidJob {
                    job: job.label().to_owned(),
                    source: Box::new(problem.clone()),
                });
            }
            // A job's requirements are distinct jobs (see `Job::add_requirement`).
            let mut reqs = Vec::new();
            for r in job.requirements() {
                let Some(&ri) = index.get(&r.id()) else {
                    return Err(Error::ForeignRequirement {
                        job: job.label().to_owned(),
                        requirement: r.label().to_owned(),
                    });
                };
                reqs.push(ri);
                if let Some(s) = successors.get_mut(ri) {
                    s.push(i);
                }
            }
            requires.push(reqs);
        }
        let mut missing: Vec<usize> = requires.iter().map(Vec::len).collect();
        let mut ready: VecDeque<usize> = (0..jobs.len()).filter(|&i| missing[i] == 0).collect();
        let mut order = Vec::with_capacity(jobs.len());
        while let Some(i) = ready.pop_front() {
            order.push(i);
            for &s in &successors[i] {
                missing[s] -= 1;
                if missing[s] == 0 {
                    ready.push_back(s);
                }
            }
        }
        if order.len() < jobs.len() {
            return Err(Error::Cycle {
                cycle: find_cycle(&requires, &missing)
                    .into_iter()
                    .filter_map(|i| jobs.get(i).map(|j| j.label().to_owned()))
                    .collect(),
            });
        }
        Ok(Plan {
            requires,
            successors,
            order,
        })
    }
}

/// A cycle among the jobs left with unmet requirements, listed so that
/// each job requires the next; the first job is repeated at the end.
fn find_cycle(requires: &[Vec<usize>], missing: &[usize]) -> Vec<usize> {
    let Some(start) = (0..missing.len()).find(|&i| missing[i] > 0) else {
        return Vec::new();
    };
    // Every job left has a requirement that is itself left: walk those
    // until a job repeats.
    let mut seen_at: HashMap<usize, usize> = HashMap::new();
    let mut path = Vec::new();
    let mut current = start;
    loop {
        if let Some(&pos) = seen_at.get(&current) {
            let mut cycle = path.split_off(pos);
            cycle.push(current);
            return cycle;
        }
        seen_at.insert(current, path.len());
        path.push(current);
        let next = requires[current].iter().copied().find(|&r| missing[r] > 0);
        match next {
            Some(n) => current = n,
            None => return path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn job(label: &str) -> Job {
        Job::new(label, || async { Ok(Value::None) })
    }

    #[test]
    fn topological_order_keeps_insertion_order_of_independent_jobs() {
        let a = job("a");
        let b = job("b");
        let c = job("c").requires(&a);
        let d = job("d").requires(&c).requires(&b);
        let jobs = vec![d.clone(), c.clone(), b.clone(), a.clone()];
        let plan = Plan::build(&jobs).unwrap();
        let labels: Vec<&str> = plan.order.iter().map(|&i| jobs[i].label()).collect();
        assert_eq!(labels, ["b", "a", "c", "d"]);
        assert_eq!(plan.requires[0].len(), 2);
        assert_eq!(plan.successors[3], [1]);
    }

    #[test]
    fn cycles_are_named() {
        let a = job("a");
        let b = job("b").requires(&a);
        let c = job("c").requires(&b);
        a.add_requirement(&c);
        let free = job("free");
        let tail = job("tail").requires(&c);
        let jobs = vec![free, a, b, c, tail];
        match Plan::build(&jobs) {
            Err(Error::Cycle { cycle }) => assert_eq!(cycle, ["a", "c", "b", "a"]),
            other => panic!("{:?}", other.err()),
        }
        // A self-requirement is ignored.
        let s = job("self");
        s.add_requirement(&s);
        assert!(Plan::build(&[s]).is_ok());
        // Two jobs requiring each other.
        let x = job("x");
        let y = job("y").requires(&x);
        x.add_requirement(&y);
        match Plan::build(&[x, y]) {
            Err(e) => assert_eq!(e.to_string(), "dependency cycle between jobs: x -> y -> x"),
            Ok(_) => panic!("cycle not found"),
        }
    }

    #[test]
    fn duplicate_requirements_count_once_and_problems_stop_the_plan() {
        let a = job("a");
        let b = job("b").requires(&a).requires(&a).requires_all([&a, &a]);
        assert_eq!(b.requirements().len(), 1);
        let plan = Plan::build(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(plan.requires[1], [0]);
        assert_eq!(plan.successors[0], [1]);

        let bad = Job::new_checked("bad", Some(Error::msg("malformed")), || async {
            Ok(Value::None)
        });
        match Plan::build(&[a, b, bad]) {
            Err(e @ Error::InvalidJob { .. }) => {
                assert_eq!(e.to_string(), "job `bad` cannot run: malformed")
            }
            other => panic!("{:?}", other.err()),
        }
    }

    #[test]
    fn foreign_requirements_are_errors() {
        let outside = job("outside");
        let inside = job("inside").requires(&outside);
        match Plan::build(&[inside]) {
            Err(Error::ForeignRequirement { job, requirement }) => {
                assert_eq!((job.as_str(), requirement.as_str()), ("inside", "outside"));
            }
            other => panic!("{:?}", other.err()),
        }
    }
}
