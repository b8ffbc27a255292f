//! How many child runs a run has in each status, for the views that redraw a run twice a second
//! (`pgflow watch`, the dashboard's run view). `pgflow.child_run_counts` reads an index entry per
//! child, so a run of 1,000,000 children read on every tick would cost 2,000,000 entries a second
//! while nothing moved. The counts are read again only when they can have changed: when the run's
//! status or its steps' counts change, and, while the run goes on, at least every
//! `WHILE_RUNNING` (a child that fails and whose task is retried at once can leave the parent's
//! counts as they were between two ticks). A finished run's counts are read once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pgflow_client::{Client, Error, Run, StepProgress};
use uuid::Uuid;

const WHILE_RUNNING: Duration = Duration::from_secs(5);

/// A step's counts that a child's start or end moves (its status, its tasks by status).
type StepCounts = (String, String, i32, i32, i32, i32, i32);

fn step_counts(steps: &[StepProgress]) -> Vec<StepCounts> {
    steps
        .iter()
        .map(|s| (s.step_slug.clone(), s.status.clone(), s.queued, s.running, s.completed, s.failed, s.cancelled))
        .collect()
}

/// The counts of one run, with what they were read against.
struct ChildCounts {
    status: String,
    steps: Vec<StepCounts>,
    read_at: Instant,
    counts: Vec<(String, i64)>,
}

impl ChildCounts {
    async fn read(client: &Client, run: &Run, steps: Vec<StepCounts>, now: Instant) -> Result<Self, Error> {
        let counts = client.child_run_counts(run.run_id).await?;
        Ok(ChildCounts { status: run.status.clone(), steps, read_at: now, counts })
    }

    /// Whether counts read against this status and these steps at `read_at` may be stale at `now`.
    fn stale(&self, run: &Run, steps: &[StepCounts], now: Instant) -> bool {
        self.status != run.status
            || self.steps != steps
            || (!run.is_finished() && now.duration_since(self.read_at) >= WHILE_RUNNING)
    }
}

/// The counts of one run, as `pgflow watch` keeps them.
#[derive(Default)]
pub struct OneRun(Option<ChildCounts>);

impl OneRun {
    pub async fn get(&mut self, client: &Client, run: &Run, steps: &[StepProgress]) -> Result<&[(String, i64)], Error> {
        let now = Instant::now();
        let key = step_counts(steps);
        if self.0.as_ref().is_none_or(|seen| seen.stale(run, &key, now)) {
            self.0 = Some(ChildCounts::read(client, run, key, now).await?);
        }
        Ok(&self.0.as_ref().expect("read above").counts)
    }
}

/// The counts of every run the dashboard's viewers have open, shared by them: many viewers of
/// one run read its counts as one viewer does. A run nobody asked about for `FORGET_AFTER` is
/// dropped.
#[derive(Default)]
pub struct ManyRuns(Mutex<HashMap<Uuid, (Instant, ChildCounts)>>);

const FORGET_AFTER: Duration = Duration::from_secs(60);

impl ManyRuns {
    pub async fn get(&self, client: &Client, run: &Run, steps: &[StepProgress]) -> Result<Vec<(String, i64)>, Error> {
        let now = Instant::now();
        let key = step_counts(steps);
        {
            let mut runs = self.0.lock().expect("not poisoned: no code panics holding it");
            if let Some((asked_at, seen)) = runs.get_mut(&run.run_id) {
                *asked_at = now;
                if !seen.stale(run, &key, now) {
                    return Ok(seen.counts.clone());
                }
            }
        }
        // Read outside the lock: another run's viewers do not wait on this one's query.
        let seen = ChildCounts::read(client, run, key, now).await?;
        let counts = seen.counts.clone();
        let mut runs = self.0.lock().expect("not poisoned: no code panics holding it");
        runs.retain(|_, (asked_at, _)| now.duration_since(*asked_at) < FORGET_AFTER);
        runs.insert(run.run_id, (now, seen));
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::time::SystemTime;

    fn run(status: &str) -> Run {
        Run {
            run_id: Uuid::nil(),
            flow_slug: "f".into(),
            status: status.into(),
            input: Value::Null,
            output: None,
            error_message: None,
            priority: 0,
            redrive_count: 0,
            started_at: SystemTime::UNIX_EPOCH,
            run_key: None,
            parent_run_id: None,
            root_run_id: Uuid::nil(),
        }
    }

    fn step(status: &str, running: i32, completed: i32) -> StepCounts {
        ("children".into(), status.into(), 0, running, completed, 0, 0)
    }

    fn read(status: &str, steps: Vec<StepCounts>, read_at: Instant) -> ChildCounts {
        ChildCounts { status: status.into(), steps, read_at, counts: vec![] }
    }

    #[test]
    fn counts_are_read_again_when_the_steps_or_the_run_move() {
        let at = Instant::now();
        let seen = read("started", vec![step("started", 3, 1)], at);
        assert!(!seen.stale(&run("started"), &[step("started", 3, 1)], at + Duration::from_secs(1)));
        assert!(seen.stale(&run("started"), &[step("started", 2, 2)], at + Duration::from_secs(1)));
        assert!(seen.stale(&run("cancelled"), &[step("started", 3, 1)], at + Duration::from_secs(1)));
    }

    #[test]
    fn a_running_run_is_read_again_every_few_seconds_even_when_nothing_moved() {
        let at = Instant::now();
        let seen = read("started", vec![step("started", 3, 1)], at);
        assert!(!seen.stale(&run("started"), &[step("started", 3, 1)], at + WHILE_RUNNING - Duration::from_millis(1)));
        assert!(seen.stale(&run("started"), &[step("started", 3, 1)], at + WHILE_RUNNING));
    }

    #[test]
    fn a_finished_run_is_read_once() {
        let at = Instant::now();
        let seen = read("completed", vec![step("completed", 0, 4)], at);
        assert!(!seen.stale(&run("completed"), &[step("completed", 0, 4)], at + Duration::from_secs(3600)));
    }
}
