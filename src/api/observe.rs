//! Watching and waiting: progress, stats, read_results and wait_for_run read; repair_run and
//! prune_runs maintain runs.

use std::time::Duration;

use pgrx::datum::{Interval, TimestampWithTimeZone};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{AnyNumeric, Uuid};

use crate::engine::{machine, observe, runs, wait};
use crate::error::{required, PgflowError};
use crate::plans;
use crate::raw::RawJsonb;

/// One row per step of the run: its counts from the step's counters (never its task list), its
/// rate and the time left at that rate.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::type_complexity)]
fn progress(
    run_id: Option<Uuid>,
) -> Result<
    TableIterator<
        'static,
        (
            name!(step_slug, String),
            name!(step_type, String),
            name!(status, String),
            name!(total, Option<i32>),
            name!(queued, i32),
            name!(running, i32),
            name!(completed, i32),
            name!(failed, i32),
            name!(cancelled, i32),
            name!(started_at, Option<TimestampWithTimeZone>),
            name!(finished_at, Option<TimestampWithTimeZone>),
            name!(tasks_per_second, Option<AnyNumeric>),
            name!(eta, Option<Interval>),
        ),
    >,
    ErrorReport,
> {
    let run_id = required(run_id, "progress", "run_id")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| observe::progress(client, run_id))?))
}

/// One row per flow (or for the flow named): runs and fan-outs under way, the queue, its lag, and
/// what finished lately.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::type_complexity)]
fn stats(
    flow_slug: default!(Option<String>, "NULL"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(flow_slug, String),
            name!(active_runs, i64),
            name!(waiting_runs, i64),
            name!(active_fanouts, i64),
            name!(queued_tasks, i64),
            name!(running_tasks, i64),
            name!(oldest_queued_age, Option<Interval>),
            name!(completed_last_minute, i64),
            name!(failed_last_minute, i64),
            name!(runs_completed_last_hour, i64),
            name!(runs_failed_last_hour, i64),
        ),
    >,
    ErrorReport,
> {
    Ok(TableIterator::new(Spi::connect_mut(|client| observe::stats(client, flow_slug.as_deref()))?))
}

/// The step's tasks that reached a terminal state, in the order they did, after the cursor
/// `after_seq` (pass the last `seq` read to get the next page).
// Volatile: it waits for the run's changes in flight (read_results_horizon.sql) in a subtransaction.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::type_complexity)]
fn read_results(
    run_id: Option<Uuid>,
    step_slug: Option<String>,
    after_seq: default!(Option<i64>, 0),
    max_rows: default!(Option<i32>, 1000),
) -> Result<
    TableIterator<
        'static,
        (
            name!(seq, i64),
            name!(task_index, i32),
            name!(status, String),
            name!(output, Option<RawJsonb>),
            name!(error_message, Option<String>),
        ),
    >,
    ErrorReport,
> {
    const F: &str = "read_results";
    let run_id = required(run_id, F, "run_id")?;
    let step_slug = required(step_slug, F, "step_slug")?;
    let after_seq = required(after_seq, F, "after_seq")?;
    let max_rows = required(max_rows, F, "max_rows")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| {
        observe::read_results(client, run_id, &step_slug, after_seq, max_rows)
    })?))
}

/// The run and every child run below it (the runs of its sub-flow fan-outs, every attempt's), depth
/// first in task order, each with its items in all, completed and failed.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::type_complexity)]
fn run_tree(
    root_run_id: Option<Uuid>,
) -> Result<
    TableIterator<
        'static,
        (
            name!(run_id, Uuid),
            name!(parent_run_id, Option<Uuid>),
            name!(depth, i32),
            name!(flow_slug, String),
            name!(status, String),
            name!(parent_step_slug, Option<String>),
            name!(parent_task_index, Option<i32>),
            name!(total_tasks, i64),
            name!(completed_tasks, i64),
            name!(failed_tasks, i64),
        ),
    >,
    ErrorReport,
> {
    let run_id = required(root_run_id, "run_tree", "root_run_id")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| observe::run_tree(client, run_id))?))
}

/// A page of the run's child runs (every attempt's), in task order, of one status or any, each with
/// its items in all, completed and failed: the next page after `after_run_id` (the last child of a
/// page).
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::type_complexity)]
fn child_runs(
    parent_run_id: Option<Uuid>,
    status: default!(Option<String>, "NULL"),
    after_run_id: default!(Option<Uuid>, "NULL"),
    max_rows: default!(Option<i32>, 50),
) -> Result<
    TableIterator<
        'static,
        (
            name!(run_id, Uuid),
            name!(flow_slug, String),
            name!(status, String),
            name!(parent_step_slug, String),
            name!(parent_task_index, i32),
            name!(started_at, TimestampWithTimeZone),
            name!(finished_at, Option<TimestampWithTimeZone>),
            name!(error_message, Option<String>),
            name!(total_tasks, i64),
            name!(completed_tasks, i64),
            name!(failed_tasks, i64),
        ),
    >,
    ErrorReport,
> {
    const F: &str = "child_runs";
    let parent_run_id = required(parent_run_id, F, "parent_run_id")?;
    let max_rows = required(max_rows, F, "max_rows")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| {
        observe::child_runs(client, parent_run_id, status.as_deref(), after_run_id, max_rows)
    })?))
}

/// How many of the run's child runs (every attempt's) are in each status.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn child_run_counts(
    parent_run_id: Option<Uuid>,
) -> Result<TableIterator<'static, (name!(status, String), name!(runs, i64))>, ErrorReport> {
    let parent_run_id = required(parent_run_id, "child_run_counts", "parent_run_id")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| observe::child_run_counts(client, parent_run_id))?))
}

/// The step's failed tasks grouped by their error, the biggest group first: how many, the first
/// task, when the last one failed.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::type_complexity)]
fn failure_groups(
    run_id: Option<Uuid>,
    step_slug: Option<String>,
    max_groups: default!(Option<i32>, 20),
) -> Result<
    TableIterator<
        'static,
        (
            name!(error_message, Option<String>),
            name!(items, i64),
            name!(first_task_index, i32),
            name!(last_failed_at, Option<TimestampWithTimeZone>),
        ),
    >,
    ErrorReport,
> {
    const F: &str = "failure_groups";
    let run_id = required(run_id, F, "run_id")?;
    let step_slug = required(step_slug, F, "step_slug")?;
    let max_groups = required(max_groups, F, "max_groups")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| observe::failure_groups(client, run_id, &step_slug, max_groups))?))
}

/// A page of the step's failed tasks in task order, of one error or any: the next page after
/// `after_task_index` (the last task of a page).
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::type_complexity)]
fn failed_items(
    run_id: Option<Uuid>,
    step_slug: Option<String>,
    error_message: default!(Option<String>, "NULL"),
    after_task_index: default!(Option<i32>, -1),
    max_rows: default!(Option<i32>, 50),
) -> Result<
    TableIterator<
        'static,
        (
            name!(task_index, i32),
            name!(error_message, Option<String>),
            name!(attempts_count, i32),
            name!(failed_at, Option<TimestampWithTimeZone>),
        ),
    >,
    ErrorReport,
> {
    const F: &str = "failed_items";
    let run_id = required(run_id, F, "run_id")?;
    let step_slug = required(step_slug, F, "step_slug")?;
    let after_task_index = required(after_task_index, F, "after_task_index")?;
    let max_rows = required(max_rows, F, "max_rows")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| {
        observe::failed_items(client, run_id, &step_slug, error_message.as_deref(), after_task_index, max_rows)
    })?))
}

/// One task as a person inspects it: the input its handler gets, its output or error, its
/// attempts and the errors of the failed ones, the worker holding it and its lease.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::type_complexity)]
fn inspect_task(
    run_id: Option<Uuid>,
    step_slug: Option<String>,
    task_index: Option<i32>,
) -> Result<
    TableIterator<
        'static,
        (
            name!(flow_slug, String),
            name!(status, String),
            name!(input, RawJsonb),
            name!(output, Option<RawJsonb>),
            name!(error_message, Option<String>),
            name!(attempts_count, i32),
            name!(attempt_errors, Option<RawJsonb>),
            name!(worker_id, Option<Uuid>),
            name!(queued_at, TimestampWithTimeZone),
            name!(started_at, Option<TimestampWithTimeZone>),
            name!(lease_until, Option<TimestampWithTimeZone>),
            name!(completed_at, Option<TimestampWithTimeZone>),
            name!(failed_at, Option<TimestampWithTimeZone>),
            name!(first_index, Option<i32>),
        ),
    >,
    ErrorReport,
> {
    const F: &str = "inspect_task";
    let run_id = required(run_id, F, "run_id")?;
    let step_slug = required(step_slug, F, "step_slug")?;
    let task_index = required(task_index, F, "task_index")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| {
        observe::inspect_task(client, run_id, &step_slug, task_index).map(|task| vec![task])
    })?))
}

/// How the step's tasks finished over time: its span (from its start to its end, or now) cut in
/// `buckets` equal parts, each with the tasks that completed and failed in it.
// Stable within a statement: the span of a step still running ends at the clock, read once.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::type_complexity)]
fn step_timeline(
    run_id: Option<Uuid>,
    step_slug: Option<String>,
    buckets: default!(Option<i32>, 60),
) -> Result<
    TableIterator<
        'static,
        (
            name!(bucket, i32),
            name!(bucket_start, TimestampWithTimeZone),
            name!(bucket_end, TimestampWithTimeZone),
            name!(completed, i64),
            name!(failed, i64),
            name!(every_nth, i32),
        ),
    >,
    ErrorReport,
> {
    const F: &str = "step_timeline";
    let run_id = required(run_id, F, "run_id")?;
    let step_slug = required(step_slug, F, "step_slug")?;
    let buckets = required(buckets, F, "buckets")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| observe::step_timeline(client, run_id, &step_slug, buckets))?))
}

/// The runs started with this key, of every flow, newest first.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::type_complexity)]
fn runs_by_key(
    run_key: Option<String>,
    max_rows: default!(Option<i32>, 50),
) -> Result<
    TableIterator<
        'static,
        (
            name!(run_id, Uuid),
            name!(flow_slug, String),
            name!(status, String),
            name!(started_at, TimestampWithTimeZone),
        ),
    >,
    ErrorReport,
> {
    let run_key = required(run_key, "runs_by_key", "run_key")?;
    let max_rows = required(max_rows, "runs_by_key", "max_rows")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| observe::runs_by_key(client, &run_key, max_rows))?))
}

/// Top-level runs, newest first, of one flow or all, of one status or any, started since a time or
/// ever: `max_rows` at a time, the next page after `before_run_id` (the last run of a page).
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::type_complexity)]
fn list_runs(
    flow_slug: default!(Option<String>, "NULL"),
    status: default!(Option<String>, "NULL"),
    started_since: default!(Option<TimestampWithTimeZone>, "NULL"),
    max_rows: default!(Option<i32>, 50),
    before_run_id: default!(Option<Uuid>, "NULL"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(run_id, Uuid),
            name!(flow_slug, String),
            name!(status, String),
            name!(started_at, TimestampWithTimeZone),
            name!(finished_at, Option<TimestampWithTimeZone>),
            name!(remaining_steps, i32),
            name!(error_message, Option<String>),
            name!(priority, i32),
            name!(run_key, Option<String>),
            name!(redrive_count, i32),
        ),
    >,
    ErrorReport,
> {
    let filter = observe::RunFilter {
        flow_slug: flow_slug.as_deref(),
        status: status.as_deref(),
        started_since,
        max_rows: required(max_rows, "list_runs", "max_rows")?,
        before_run_id,
    };
    Ok(TableIterator::new(Spi::connect_mut(|client| observe::list_runs(client, filter))?))
}

/// Returns the run once it has finished, or when `timeout_ms` has passed (the run as it is then).
/// Sleeps on the backend's latch; the session that ends the run wakes it after its commit.
#[pg_extern(volatile, parallel_restricted)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn wait_for_run(
    run_id: Option<Uuid>,
    timeout_ms: default!(Option<i32>, 30000),
) -> Result<pgrx::composite_type!('static, "runs"), ErrorReport> {
    let run_id = required(run_id, "wait_for_run", "run_id")?;
    let timeout_ms = required(timeout_ms, "wait_for_run", "timeout_ms")?;
    if timeout_ms < 0 {
        return Err(PgflowError::InvalidArgument(format!(
            "wait_for_run for run {run_id}: timeout_ms must not be negative, got {timeout_ms}"
        ))
        .into());
    }
    let timeout = Duration::from_millis(timeout_ms as u64);
    Ok(Spi::connect_mut(|client| wait::wait_for_run(client, run_id, timeout))?)
}

/// Sets the run's counters and statuses to what its tasks say, moves it on if that releases
/// anything, and returns each change. A consistent run returns no rows.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn repair_run(
    run_id: Option<Uuid>,
) -> Result<
    TableIterator<'static, (name!(subject, String), name!(what, String), name!(was, String), name!(now, String))>,
    ErrorReport,
> {
    let run_id = required(run_id, "repair_run", "run_id")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| runs::repair_run(client, run_id))?))
}

/// Deletes finished runs (completed, failed, cancelled) that finished more than `older_than` ago,
/// with their steps and tasks, oldest first, at most `max_runs` per call. Returns how many.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn prune_runs(
    older_than: Option<Interval>,
    flow_slug: default!(Option<String>, "NULL"),
    max_runs: default!(Option<i32>, 1000),
) -> Result<i64, ErrorReport> {
    const F: &str = "prune_runs";
    let older_than = required(older_than, F, "older_than")?;
    let max_runs = required(max_runs, F, "max_runs")?;
    if max_runs < 1 {
        return Err(
            PgflowError::InvalidArgument(format!("prune_runs: max_runs must be at least 1, got {max_runs}")).into()
        );
    }
    if older_than.months() < 0 || older_than.days() < 0 || older_than.micros() < 0 {
        return Err(PgflowError::InvalidArgument(format!(
            "prune_runs: older_than must not be negative, got {older_than}"
        ))
        .into());
    }
    Ok(Spi::connect_mut(|client| {
        let args = [
            older_than.into(),
            plans::optional(flow_slug.as_deref(), pgrx::pg_sys::BuiltinOid::TEXTOID),
            max_runs.into(),
        ];
        machine::prune_runs(client, &args)
    })?)
}
