//! Watching runs: progress per step, stats per flow and the results of a step as they come. All
//! of them read counters and indexes, never a step's whole task list.

use std::collections::HashMap;

use pgrx::datum::{DatumWithOid, Interval, TimestampWithTimeZone};
use pgrx::pg_sys;
use pgrx::pg_sys::BuiltinOid::{TEXTOID, TIMESTAMPTZOID, UUIDOID};
use pgrx::spi::SpiClient;
use pgrx::{AnyNumeric, Uuid};

use super::citus;
use super::words::{one_of, RunStatus};
use crate::error::{PgflowError, Result};
use crate::plans::{self, optional};
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
    Ok(plans::rows(client, &plans::PROGRESS, &[run_id.into()])?
        .into_iter()
        .map(|p| {
            (
                p.step_slug,
                p.step_type,
                p.status,
                p.total,
                p.queued,
                p.running,
                p.completed,
                p.failed,
                p.cancelled,
                p.started_at,
                p.finished_at,
                p.tasks_per_second,
                p.eta,
            )
        })
        .collect())
}

/// A row of `run_tree`: run_id, parent_run_id, depth, flow_slug, status, parent_step_slug,
/// parent_task_index, total_tasks, completed_tasks, failed_tasks.
pub type TreeRun = (Uuid, Option<Uuid>, i32, String, String, Option<String>, Option<i32>, i64, i64, i64);

/// The run and every run below it, depth first in task order (each run's children by step, task
/// index and start, every attempt's); an unknown run is refused. `run_tree.sql` reads a level at a
/// time, all of a level's children in one statement: a walk Citus runs too, where it refuses a
/// recursive statement over the runs.
pub fn run_tree(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Vec<TreeRun>> {
    super::runs::run_status(client, run_id)?;
    let as_tree_run = |r: plans::rows::RunTree, depth: i32| {
        (
            r.run_id,
            r.parent_run_id,
            depth,
            r.flow_slug,
            r.status,
            r.parent_step_slug,
            r.parent_task_index,
            r.total_tasks,
            r.completed_tasks,
            r.failed_tasks,
        )
    };
    let root = plans::rows(client, &plans::RUN_TREE, &[vec![run_id].into(), false.into()])?;
    // Each level's runs, and each run's children in task order, by parent.
    let mut children: HashMap<Uuid, Vec<plans::rows::RunTree>> = HashMap::new();
    let mut level: Vec<Uuid> = root.iter().map(|r| r.run_id).collect();
    while !level.is_empty() {
        pgrx::check_for_interrupts!();
        let below = plans::rows(client, &plans::RUN_TREE, &[std::mem::take(&mut level).into(), true.into()])?;
        for child in below {
            if let Some(parent) = child.parent_run_id {
                level.push(child.run_id);
                children.entry(parent).or_default().push(child);
            }
        }
    }
    for runs in children.values_mut() {
        runs.sort_by(|a, b| {
            (a.parent_step_slug.as_deref().map(str::as_bytes), a.parent_task_index, a.started_at).cmp(&(
                b.parent_step_slug.as_deref().map(str::as_bytes),
                b.parent_task_index,
                b.started_at,
            ))
        });
    }
    // Depth first: a run, then each of its children with everything below it.
    let mut tree = Vec::new();
    let mut stack: Vec<(plans::rows::RunTree, i32)> = root.into_iter().map(|r| (r, 0)).collect();
    while let Some((run, depth)) = stack.pop() {
        if let Some(below) = children.remove(&run.run_id) {
            stack.extend(below.into_iter().rev().map(|child| (child, depth + 1)));
        }
        tree.push(as_tree_run(run, depth));
    }
    Ok(tree)
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
    match plans::row(client, &plans::FLOW_EXISTS, &[flow_slug.into()])? {
        Some(exists) if exists.found => Ok(()),
        _ => Err(PgflowError::UnknownFlow(flow_slug.to_string())),
    }
}

/// Top-level runs, newest first, a page at a time (`list_runs.sql`).
pub fn list_runs(client: &mut SpiClient<'_>, filter: RunFilter<'_>) -> Result<Vec<ListedRun>> {
    let subject = "pgflow.list_runs";
    crate::validate::option(subject, "max_rows", Some(filter.max_rows), 1)?;
    ensure_known_status(subject, filter.status)?;
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
    // The Citus mode: each shard's newest, merged (list_runs_across_nodes.sql: the same columns).
    let statement = if citus::distributed(client)? { &plans::LIST_RUNS_ACROSS_NODES } else { &plans::LIST_RUNS };
    Ok(plans::rows(client, statement, &args)?
        .into_iter()
        .map(|r| {
            (
                r.run_id,
                r.flow_slug,
                r.status,
                r.started_at,
                r.finished_at,
                r.remaining_steps,
                r.error_message,
                r.priority,
                r.run_key,
                r.redrive_count,
            )
        })
        .collect())
}

pub type Stats = (String, i64, i64, i64, i64, i64, Option<Interval>, i64, i64, i64, i64);

/// `pgflow.stats`: one row per flow (or for the one flow named).
pub fn stats(client: &mut SpiClient<'_>, flow_slug: Option<&str>) -> Result<Vec<Stats>> {
    if let Some(flow_slug) = flow_slug {
        ensure_flow_exists(client, flow_slug)?;
    }
    // The Citus mode: one aggregate per figure, added up over the shards (stats_across_nodes.sql:
    // the same columns).
    let statement = if citus::distributed(client)? { &plans::STATS_ACROSS_NODES } else { &plans::STATS };
    // Sums over no row are NULL (stats.sql declares which): none of them is 0.
    Ok(plans::rows(client, statement, &[optional(flow_slug, TEXTOID)])?
        .into_iter()
        .map(|s| {
            (
                s.flow_slug,
                s.active_runs,
                s.waiting_runs,
                s.active_fanouts,
                s.queued_tasks.unwrap_or(0),
                s.running_tasks,
                s.oldest_queued_age,
                s.completed_last_minute.unwrap_or(0),
                s.failed_last_minute.unwrap_or(0),
                s.runs_completed_last_hour.unwrap_or(0),
                s.runs_failed_last_hour.unwrap_or(0),
            )
        })
        .collect())
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
    ensure_step_of_run(client, run_id, step_slug)?;
    // SAFETY: a plain read of the backend's isolation level.
    if unsafe { pg_sys::XactIsoLevel } >= pg_sys::XACT_REPEATABLE_READ as i32 {
        return Err(PgflowError::WrongState(format!(
            "read_results of step '{step_slug}' of run {run_id} needs READ COMMITTED: a REPEATABLE READ or \
             SERIALIZABLE transaction reads an older snapshot than the horizon it waits for, and its cursor \
             could skip results committed in between"
        )));
    }
    // The lock it waits for is released with the subtransaction, at once.
    let horizon =
        subtransaction::run(|| plans::row(client, &plans::READ_RESULTS_HORIZON, &[run_id.into()]), |_| false)?
            .map_or(0, |horizon| horizon.horizon);
    let args: [DatumWithOid; 5] = [run_id.into(), step_slug.into(), after_seq.into(), max_rows.into(), horizon.into()];
    Ok(plans::rows(client, &plans::READ_RESULTS, &args)?
        .into_iter()
        .map(|r| (r.seq, r.task_index, r.status, r.output, r.error_message))
        .collect())
}

/// Refuses a run that does not exist (`P0002`) or a step it does not have.
fn ensure_step_of_run(client: &mut SpiClient<'_>, run_id: Uuid, step_slug: &str) -> Result<()> {
    let key: [DatumWithOid; 2] = [run_id.into(), step_slug.into()];
    if plans::row(client, &plans::STEP_FOR_SPAWN, &key)?.is_none() {
        super::runs::run_status(client, run_id)?;
        return Err(PgflowError::UnknownStepOfRun { run_id: run_id.to_string(), step_slug: step_slug.to_string() });
    }
    Ok(())
}

/// Refuses a status that is not a run's (`22023`), naming the call.
fn ensure_known_status(subject: &str, status: Option<&str>) -> Result<()> {
    match status {
        Some(status) if !RunStatus::WORDS.contains(&status) => Err(PgflowError::InvalidArgument(format!(
            "{subject}: unknown status {status:?} (expected {})",
            one_of(RunStatus::WORDS)
        ))),
        _ => Ok(()),
    }
}

/// A row of `child_runs`: run_id, flow_slug, status, parent_step_slug, parent_task_index,
/// started_at, finished_at, error_message, total_tasks, completed_tasks, failed_tasks.
pub type ChildRun = (
    Uuid,
    String,
    String,
    String,
    i32,
    TimestampWithTimeZone,
    Option<TimestampWithTimeZone>,
    Option<String>,
    i64,
    i64,
    i64,
);

/// A page of a run's child runs (every attempt's), in task order, of one status or any: at most
/// `max_rows`, after `after_run_id` (the last child of the page before). The page is read from the
/// children's index from the cursor on; each child's flow, start and counts as `run_tree` gives
/// them.
pub fn child_runs(
    client: &mut SpiClient<'_>,
    parent_run_id: Uuid,
    status: Option<&str>,
    after_run_id: Option<Uuid>,
    max_rows: i32,
) -> Result<Vec<ChildRun>> {
    let subject = format!("pgflow.child_runs of run {parent_run_id}");
    crate::validate::option(&subject, "max_rows", Some(max_rows), 1)?;
    ensure_known_status(&subject, status)?;
    super::runs::run_status(client, parent_run_id)?;
    let nil = Uuid::from_bytes([0; 16]);
    let (after_step, after_index, after_run) = match after_run_id {
        None => (String::new(), -1, nil),
        Some(after) => {
            let cursor = plans::rows(client, &plans::RUN_TREE, &[vec![after].into(), false.into()])?.pop();
            match cursor {
                Some(run) if run.parent_run_id == Some(parent_run_id) => {
                    (run.parent_step_slug.unwrap_or_default(), run.parent_task_index.unwrap_or(-1), after)
                }
                Some(_) => {
                    return Err(PgflowError::InvalidArgument(format!(
                        "{subject}: after_run_id {after} is not a child run of it"
                    )))
                }
                None => return Err(PgflowError::UnknownRun(after.to_string())),
            }
        }
    };
    let args = [
        parent_run_id.into(),
        optional(status, TEXTOID),
        after_step.as_str().into(),
        after_index.into(),
        after_run.into(),
        max_rows.into(),
    ];
    let page = plans::rows(client, &plans::CHILD_RUNS_PAGE, &args)?;
    let ids: Vec<Uuid> = page.iter().map(|child| child.run_id).collect();
    let mut counted: HashMap<Uuid, plans::rows::RunTree> =
        plans::rows(client, &plans::RUN_TREE, &[ids.into(), false.into()])?
            .into_iter()
            .map(|r| (r.run_id, r))
            .collect();
    page.into_iter()
        .map(|child| {
            let run = counted.remove(&child.run_id).ok_or_else(|| {
                PgflowError::Internal(format!("child run {} of run {parent_run_id} went missing", child.run_id))
            })?;
            Ok((
                child.run_id,
                run.flow_slug,
                child.status,
                child.parent_step_slug,
                child.parent_task_index,
                run.started_at,
                child.finished_at,
                child.error_message,
                run.total_tasks,
                run.completed_tasks,
                run.failed_tasks,
            ))
        })
        .collect()
}

/// How many of a run's child runs (every attempt's) are in each status.
pub fn child_run_counts(client: &mut SpiClient<'_>, parent_run_id: Uuid) -> Result<Vec<(String, i64)>> {
    super::runs::run_status(client, parent_run_id)?;
    Ok(plans::rows(client, &plans::CHILD_RUN_COUNTS, &[parent_run_id.into()])?
        .into_iter()
        .map(|c| (c.status, c.runs))
        .collect())
}

/// A row of `failure_groups`: error_message, items, first_task_index, last_failed_at.
pub type FailureGroup = (Option<String>, i64, i32, Option<TimestampWithTimeZone>);

/// A step's failed tasks grouped by error, the biggest group first: at most `max_groups`.
pub fn failure_groups(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    max_groups: i32,
) -> Result<Vec<FailureGroup>> {
    let subject = format!("pgflow.failure_groups of step '{step_slug}' of run {run_id}");
    crate::validate::option(&subject, "max_groups", Some(max_groups), 1)?;
    ensure_step_of_run(client, run_id, step_slug)?;
    Ok(plans::rows(client, &plans::FAILURE_GROUPS, &[run_id.into(), step_slug.into(), max_groups.into()])?
        .into_iter()
        .map(|g| (g.error_message, g.items, g.first_task_index, g.last_failed_at))
        .collect())
}

/// A row of `failed_items`: task_index, error_message, attempts_count, failed_at.
pub type FailedItem = (i32, Option<String>, i32, Option<TimestampWithTimeZone>);

/// A page of a step's failed tasks in task order, of one error or any: at most `max_rows`, after
/// task `after_task_index`.
pub fn failed_items(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    error_message: Option<&str>,
    after_task_index: i32,
    max_rows: i32,
) -> Result<Vec<FailedItem>> {
    let subject = format!("pgflow.failed_items of step '{step_slug}' of run {run_id}");
    crate::validate::option(&subject, "max_rows", Some(max_rows), 1)?;
    ensure_step_of_run(client, run_id, step_slug)?;
    let args =
        [run_id.into(), step_slug.into(), optional(error_message, TEXTOID), after_task_index.into(), max_rows.into()];
    Ok(plans::rows(client, &plans::FAILED_ITEMS, &args)?
        .into_iter()
        .map(|f| (f.task_index, f.error_message, f.attempts_count, f.failed_at))
        .collect())
}

/// A row of `inspect_task`: flow_slug, status, input, output, error_message, attempts_count,
/// attempt_errors, worker_id, queued_at, started_at, lease_until, completed_at, failed_at,
/// first_index.
pub type InspectedTask = (
    String,
    String,
    RawJsonb,
    Option<RawJsonb>,
    Option<String>,
    i32,
    Option<RawJsonb>,
    Option<Uuid>,
    TimestampWithTimeZone,
    Option<TimestampWithTimeZone>,
    Option<TimestampWithTimeZone>,
    Option<TimestampWithTimeZone>,
    Option<TimestampWithTimeZone>,
    Option<i32>,
);

/// One task as a person inspects it; an unknown run, step or task is refused.
pub fn inspect_task(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    task_index: i32,
) -> Result<InspectedTask> {
    let args = [run_id.into(), step_slug.into(), task_index.into()];
    let Some(t) = plans::row(client, &plans::INSPECT_TASK, &args)? else {
        ensure_step_of_run(client, run_id, step_slug)?;
        return Err(PgflowError::UnknownTask {
            run_id: run_id.to_string(),
            step_slug: step_slug.to_string(),
            task_index,
        });
    };
    Ok((
        t.flow_slug,
        t.status,
        t.input,
        t.output,
        t.error_message,
        t.attempts_count,
        t.attempt_errors,
        t.worker_id,
        t.queued_at,
        t.started_at,
        t.lease_until,
        t.completed_at,
        t.failed_at,
        t.first_index,
    ))
}

/// A row of `step_timeline`: bucket, bucket_start, bucket_end, completed, failed, every_nth.
pub type TimelineBucket = (i32, TimestampWithTimeZone, TimestampWithTimeZone, i64, i64, i32);

/// How a step's tasks finished over time: its span cut in `buckets` equal parts (1 to 1000), each
/// with the tasks that completed and failed in it; none before the step starts. Past 10,000 tasks
/// the counts are scaled from every `every_nth` task (step_timeline.sql).
pub fn step_timeline(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    buckets: i32,
) -> Result<Vec<TimelineBucket>> {
    let subject = format!("pgflow.step_timeline of step '{step_slug}' of run {run_id}");
    crate::validate::option(&subject, "buckets", Some(buckets), 1)?;
    if buckets > 1000 {
        return Err(PgflowError::InvalidArgument(format!("{subject}: buckets must be at most 1000, got {buckets}")));
    }
    ensure_step_of_run(client, run_id, step_slug)?;
    Ok(plans::rows(client, &plans::STEP_TIMELINE, &[run_id.into(), step_slug.into(), buckets.into()])?
        .into_iter()
        .map(|b| (b.bucket, b.bucket_start, b.bucket_end, b.completed, b.failed, b.every_nth))
        .collect())
}

/// A row of `runs_by_key`: run_id, flow_slug, status, started_at.
pub type KeyedRun = (Uuid, String, String, TimestampWithTimeZone);

/// The runs started with a key, of every flow, newest first: at most `max_rows`.
pub fn runs_by_key(client: &mut SpiClient<'_>, run_key: &str, max_rows: i32) -> Result<Vec<KeyedRun>> {
    crate::validate::option("pgflow.runs_by_key", "max_rows", Some(max_rows), 1)?;
    Ok(plans::rows(client, &plans::RUNS_BY_KEY, &[run_key.into(), max_rows.into()])?
        .into_iter()
        .map(|r| (r.run_id, r.flow_slug, r.status, r.started_at))
        .collect())
}
