//! Tasks: workers claim them, then complete or fail them. Answers that come too late (the task
//! was already answered, retried, or cancelled with its run) change nothing and raise nothing.

use std::time::{Duration, Instant};

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::spi::SpiClient;
use pgrx::Uuid;

use super::runs::{self, Strictness};
use super::Row;
use crate::error::{PgflowError, Result};
use crate::jsonb::RawJsonb;
use crate::plans;

pub struct Poll {
    pub lease_seconds: i32,
    pub qty: i32,
    pub max_poll_seconds: i32,
    pub poll_interval_ms: i32,
}

pub fn poll_for_tasks(client: &mut SpiClient<'_>, flow_slug: &str, poll: Poll) -> Result<Vec<Row>> {
    let subject = format!("poll_for_tasks on flow '{flow_slug}'");
    crate::validate::option(&subject, "vt", Some(poll.lease_seconds), 0)?;
    crate::validate::option(&subject, "qty", Some(poll.qty), 0)?;
    crate::validate::option(&subject, "max_poll_seconds", Some(poll.max_poll_seconds), 0)?;
    crate::validate::option(&subject, "poll_interval_ms", Some(poll.poll_interval_ms), 1)?;
    if poll.qty == 0 {
        return Ok(Vec::new());
    }
    let deadline = Instant::now() + Duration::from_secs(poll.max_poll_seconds as u64);
    loop {
        fail_stalled_exhausted(client, flow_slug)?;
        let args: [DatumWithOid; 3] = [flow_slug.into(), poll.lease_seconds.into(), poll.qty.into()];
        let table = plans::run(client, &plans::CLAIM_TASKS, &args)?;
        let mut claimed = Vec::with_capacity(table.len());
        for row in table {
            if let Some(record) = row.get::<Row>(1)? {
                claimed.push(record);
            }
        }
        let now = Instant::now();
        if !claimed.is_empty() || now >= deadline {
            return Ok(claimed);
        }
        let wait = Duration::from_millis(poll.poll_interval_ms as u64).min(deadline - now);
        sleep_interruptibly(wait);
    }
}

/// Sleeps on the backend's latch, so a cancel request or a postmaster exit ends the wait.
fn sleep_interruptibly(wait: Duration) {
    unsafe {
        pg_sys::WaitLatch(
            pg_sys::MyLatch,
            (pg_sys::WL_LATCH_SET | pg_sys::WL_TIMEOUT | pg_sys::WL_EXIT_ON_PM_DEATH) as i32,
            wait.as_millis() as std::ffi::c_long,
            pg_sys::PG_WAIT_EXTENSION,
        );
        pg_sys::ResetLatch(pg_sys::MyLatch);
    }
    pgrx::check_for_interrupts!();
}

/// A task whose lease ran out on its last allowed attempt can never be claimed again; failing it
/// here keeps its run from hanging when the worker that held it died.
fn fail_stalled_exhausted(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<()> {
    let table = plans::run(client, &plans::STALLED_EXHAUSTED_TASKS, &[flow_slug.into()])?;
    let mut stalled = Vec::new();
    for row in table {
        let (Some(run_id), Some(step_slug), Some(task_index), Some(attempts)) =
            (row.get::<Uuid>(1)?, row.get::<String>(2)?, row.get::<i32>(3)?, row.get::<i32>(4)?)
        else {
            continue;
        };
        stalled.push((run_id, step_slug, task_index, attempts));
    }
    for (run_id, step_slug, task_index, attempts) in stalled {
        let message = format!("lease expired on the last attempt ({attempts} of {attempts})");
        fail_task(client, run_id, &step_slug, task_index, &message)?;
    }
    Ok(())
}

pub fn complete_task(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    task_index: i32,
    output: RawJsonb,
) -> Result<Vec<Row>> {
    let args: [DatumWithOid; 4] =
        [run_id.into(), step_slug.into(), task_index.into(), output.into()];
    let table = plans::run(client, &plans::COMPLETE_TASK, &args)?;
    if table.is_empty() {
        ensure_task_exists(client, run_id, step_slug, task_index)?;
        return Ok(Vec::new());
    }
    let row = table.first();
    let task = row.get::<Row>(1)?;
    let remaining = row.get::<i32>(2)?;
    if remaining == Some(0) {
        runs::complete_step(client, run_id, step_slug)?;
        runs::advance(client, run_id, Strictness::FailRunOnBadFanout)?;
    }
    Ok(task.into_iter().collect())
}

pub fn fail_task(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    task_index: i32,
    error_message: &str,
) -> Result<Vec<Row>> {
    let args: [DatumWithOid; 4] =
        [run_id.into(), step_slug.into(), task_index.into(), error_message.into()];
    let table = plans::run(client, &plans::FAIL_TASK, &args)?;
    if table.is_empty() {
        ensure_task_exists(client, run_id, step_slug, task_index)?;
        return Ok(Vec::new());
    }
    let row = table.first();
    let task = row.get::<Row>(1)?;
    if row.get::<bool>(2)? == Some(true) {
        let message = format!("task {task_index} failed: {error_message}");
        runs::fail_run(client, run_id, step_slug, &message)?;
    }
    Ok(task.into_iter().collect())
}

/// Tells a late answer (nothing to do) from a reference to a task that does not exist (an error).
fn ensure_task_exists(client: &mut SpiClient<'_>, run_id: Uuid, step_slug: &str, task_index: i32) -> Result<()> {
    let args: [DatumWithOid; 3] = [run_id.into(), step_slug.into(), task_index.into()];
    let table = plans::run(client, &plans::TASK_LOOKUP, &args)?;
    let row = table.first();
    let found = |column| row.get::<bool>(column).map(|value| value == Some(true));
    if !found(1)? {
        return Err(PgflowError::UnknownRun(run_id.to_string()));
    }
    if !found(2)? {
        return Err(PgflowError::UnknownStepOfRun { run_id: run_id.to_string(), step_slug: step_slug.to_string() });
    }
    if !found(3)? {
        return Err(PgflowError::UnknownTask { run_id: run_id.to_string(), step_slug: step_slug.to_string(), task_index });
    }
    Ok(())
}
