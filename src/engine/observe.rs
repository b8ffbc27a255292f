//! Watching runs: progress per step, stats per flow and the results of a step as they come. All
//! of them read counters and indexes, never a step's whole task list.

use pgrx::datum::{DatumWithOid, Interval, TimestampWithTimeZone};
use pgrx::pg_sys;
use pgrx::pg_sys::BuiltinOid::{TEXTOID, TIMESTAMPTZOID, UUIDOID};
use pgrx::spi::SpiClient;
use pgrx::{AnyNumeric, Uuid};

use crate::error::{PgflowError, Result};
use crate::plans::{self, get, get_required, optional};
use crate::raw::RawJsonb;
use crate::subtransaction;

pub type Progress = (
    String,
    String,
    String,
    Option<i32>,
    i32,
    i32,
    i32,
    i32,
    i32,
    Option<TimestampWithTimeZone>,
    Option<TimestampWithTimeZone>,
    Option<AnyNumeric>,
    Option<Interval>,
);

/// `pgflow.progress`: one row per step of the run, in definition order.
pub fn progress(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Vec<Progress>> {
    super::runs::run_status(client, run_id)?;
    let table = plans::run(client, &plans::PROGRESS, &[run_id.into()])?;
    let mut rows = Vec::with_capacity(table.len());
    for row in table {
        let count = |column: &str| -> Result<i32> { Ok(get::<i32>(&row, column)?.unwrap_or(0)) };
        rows.push((
            get::<String>(&row, "step_slug")?.unwrap_or_default(),
            get::<String>(&row, "step_type")?.unwrap_or_default(),
            get::<String>(&row, "status")?.unwrap_or_default(),
            get::<i32>(&row, "total")?,
            count("queued")?,
            count("running")?,
            count("completed")?,
            count("failed")?,
            count("cancelled")?,
            get::<TimestampWithTimeZone>(&row, "started_at")?,
            get::<TimestampWithTimeZone>(&row, "finished_at")?,
            get::<AnyNumeric>(&row, "tasks_per_second")?,
            get::<Interval>(&row, "eta")?,
        ));
    }
    Ok(rows)
}

/// A row of `run_tree`: run_id, parent_run_id, depth, flow_slug, status, parent_step_slug,
/// parent_task_index, total_tasks, completed_tasks, failed_tasks.
pub type TreeRun = (Uuid, Option<Uuid>, i32, String, String, Option<String>, Option<i32>, i64, i64, i64);

/// The run and every run below it, depth first (`run_tree.sql`); an unknown run is refused.
pub fn run_tree(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Vec<TreeRun>> {
    super::runs::run_status(client, run_id)?;
    let mut rows = Vec::new();
    for row in plans::run(client, &plans::RUN_TREE, &[run_id.into()])? {
        pgrx::check_for_interrupts!();
        let count = |column: &str| -> Result<i64> { Ok(get::<i64>(&row, column)?.unwrap_or(0)) };
        rows.push((
            get::<Uuid>(&row, "run_id")?.unwrap_or(run_id),
            get::<Uuid>(&row, "parent_run_id")?,
            get::<i32>(&row, "depth")?.unwrap_or(0),
            get::<String>(&row, "flow_slug")?.unwrap_or_default(),
            get::<String>(&row, "status")?.unwrap_or_default(),
            get::<String>(&row, "parent_step_slug")?,
            get::<i32>(&row, "parent_task_index")?,
            count("total_tasks")?,
            count("completed_tasks")?,
            count("failed_tasks")?,
        ));
    }
    Ok(rows)
}

/// A row of `list_runs`: run_id, flow_slug, status, started_at, finished_at, remaining_steps,
/// error_message, priority, run_key, redrive_count.
pub type ListedRun = (
    Uuid,
    String,
    String,
    TimestampWithTimeZone,
    Option<TimestampWithTimeZone>,
    i32,
    Option<String>,
    i32,
    Option<String>,
    i32,
);

/// What `list_runs` is asked for.
pub struct RunFilter<'a> {
    pub flow_slug: Option<&'a str>,
    pub status: Option<&'a str>,
    pub started_since: Option<TimestampWithTimeZone>,
    pub max_rows: i32,
    pub before_run_id: Option<Uuid>,
}

/// Refuses a flow that is not defined (42704), without locking one that is.
fn ensure_flow_exists(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<()> {
    match plans::first::<bool>(client, &plans::FLOW_EXISTS, &[flow_slug.into()], "found")? {
        Some(true) => Ok(()),
        _ => Err(PgflowError::UnknownFlow(flow_slug.to_string())),
    }
}

/// Top-level runs, newest first, a page at a time (`list_runs.sql`).
pub fn list_runs(client: &mut SpiClient<'_>, filter: RunFilter<'_>) -> Result<Vec<ListedRun>> {
    let subject = "pgflow.list_runs";
    crate::validate::option(subject, "max_rows", Some(filter.max_rows), 1)?;
    if let Some(status) = filter.status {
        if !["started", "completed", "failed", "cancelled"].contains(&status) {
            return Err(PgflowError::InvalidArgument(format!(
                "{subject}: unknown status {status:?} (expected 'started', 'completed', 'failed' or 'cancelled')"
            )));
        }
    }
    if let Some(flow_slug) = filter.flow_slug {
        ensure_flow_exists(client, flow_slug)?;
    }
    if let Some(run_id) = filter.before_run_id {
        super::runs::run_status(client, run_id)?;
    }
    let args = [
        optional(filter.flow_slug, TEXTOID),
        optional(filter.status, TEXTOID),
        optional(filter.started_since, TIMESTAMPTZOID),
        filter.max_rows.into(),
        optional(filter.before_run_id, UUIDOID),
    ];
    let mut rows = Vec::new();
    for row in plans::run(client, &plans::LIST_RUNS, &args)? {
        pgrx::check_for_interrupts!();
        rows.push((
            get_required::<Uuid>(&row, "run_id")?,
            get::<String>(&row, "flow_slug")?.unwrap_or_default(),
            get::<String>(&row, "status")?.unwrap_or_default(),
            get_required::<TimestampWithTimeZone>(&row, "started_at")?,
            get::<TimestampWithTimeZone>(&row, "finished_at")?,
            get::<i32>(&row, "remaining_steps")?.unwrap_or(0),
            get::<String>(&row, "error_message")?,
            get::<i32>(&row, "priority")?.unwrap_or(0),
            get::<String>(&row, "run_key")?,
            get::<i32>(&row, "redrive_count")?.unwrap_or(0),
        ));
    }
    Ok(rows)
}

pub type Stats = (String, i64, i64, i64, i64, i64, Option<Interval>, i64, i64, i64, i64);

/// `pgflow.stats`: one row per flow (or for the one flow named).
pub fn stats(client: &mut SpiClient<'_>, flow_slug: Option<&str>) -> Result<Vec<Stats>> {
    if let Some(flow_slug) = flow_slug {
        ensure_flow_exists(client, flow_slug)?;
    }
    let table = plans::run(client, &plans::STATS, &[optional(flow_slug, TEXTOID)])?;
    let mut rows = Vec::with_capacity(table.len());
    for row in table {
        let count = |column: &str| -> Result<i64> { Ok(get::<i64>(&row, column)?.unwrap_or(0)) };
        rows.push((
            get::<String>(&row, "flow_slug")?.unwrap_or_default(),
            count("active_runs")?,
            count("waiting_runs")?,
            count("active_fanouts")?,
            count("queued_tasks")?,
            count("running_tasks")?,
            get::<Interval>(&row, "oldest_queued_age")?,
            count("completed_last_minute")?,
            count("failed_last_minute")?,
            count("runs_completed_last_hour")?,
            count("runs_failed_last_hour")?,
        ));
    }
    Ok(rows)
}

/// (seq, task_index, status, output, error_message)
pub type TaskResult = (i64, i32, String, Option<RawJsonb>, Option<String>);

/// `pgflow.read_results`: the step's finished tasks after the cursor, in the order they finished,
/// up to the horizon of results no change in flight can still precede (read_results_horizon.sql).
pub fn read_results(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    after_seq: i64,
    max_rows: i32,
) -> Result<Vec<TaskResult>> {
    if max_rows < 1 {
        return Err(PgflowError::InvalidArgument(format!(
            "read_results of step '{step_slug}' of run {run_id}: max_rows must be at least 1, got {max_rows}"
        )));
    }
    let key: [DatumWithOid; 2] = [run_id.into(), step_slug.into()];
    if plans::first_row(client, &plans::STEP_FOR_SPAWN, &key)?.is_none() {
        super::runs::run_status(client, run_id)?;
        return Err(PgflowError::UnknownStepOfRun { run_id: run_id.to_string(), step_slug: step_slug.to_string() });
    }
    // SAFETY: a plain read of the backend's isolation level.
    if unsafe { pg_sys::XactIsoLevel } >= pg_sys::XACT_REPEATABLE_READ as i32 {
        return Err(PgflowError::WrongState(format!(
            "read_results of step '{step_slug}' of run {run_id} needs READ COMMITTED: a REPEATABLE READ or \
             SERIALIZABLE transaction reads an older snapshot than the horizon it waits for, and its cursor \
             could skip results committed in between"
        )));
    }
    // The lock it waits for is released with the subtransaction, at once.
    let horizon = subtransaction::run(
        || plans::first::<i64>(client, &plans::READ_RESULTS_HORIZON, &[run_id.into()], "horizon"),
        |_| false,
    )?
    .unwrap_or(0);
    let args: [DatumWithOid; 5] = [run_id.into(), step_slug.into(), after_seq.into(), max_rows.into(), horizon.into()];
    let table = plans::run(client, &plans::READ_RESULTS, &args)?;
    let mut rows = Vec::with_capacity(table.len());
    for row in table {
        pgrx::check_for_interrupts!();
        rows.push((
            get::<i64>(&row, "seq")?.unwrap_or(0),
            get::<i32>(&row, "task_index")?.unwrap_or(0),
            get::<String>(&row, "status")?.unwrap_or_default(),
            get::<RawJsonb>(&row, "output")?,
            get::<String>(&row, "error_message")?,
        ));
    }
    Ok(rows)
}
