//! The worker protocol: claim, heartbeat, complete and fail tasks.
//!
//! Every function here is SECURITY DEFINER, for one reason: the pgflow_worker role holds no
//! privilege on the tables, only EXECUTE on these functions, so a worker can touch the queue
//! through them and in no other way. Each pins search_path and runs only fixed, schema-qualified
//! statements, so a caller cannot redirect what they do.

use pgrx::datum::TimestampWithTimeZone;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::Uuid;

use crate::engine::tasks::{self, Poll, TaskRefs};
use crate::error::{required, PgflowError};
use crate::raw::{RawIntArray, RawJsonb, RawJsonbArray, RawStepTask, RawTaskRecord, RawTextArray, RawUuidArray};

/// `vt` NULL leases each claimed task for its step's timeout (else the flow's); `step_slugs`
/// limits the claim to tasks of those steps.
// SECURITY DEFINER for pgflow_worker: see the module comment.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn poll_for_tasks(
    queue_name: Option<String>,
    vt: Option<i32>,
    qty: Option<i32>,
    max_poll_seconds: default!(Option<i32>, 5),
    poll_interval_ms: default!(Option<i32>, 100),
    worker_id: default!(Option<Uuid>, "NULL"),
    step_slugs: default!(Option<Vec<Option<String>>>, "NULL"),
) -> Result<SetOfIterator<'static, RawTaskRecord>, ErrorReport> {
    const F: &str = "poll_for_tasks";
    let flow_slug = required(queue_name, F, "queue_name")?;
    let poll = Poll {
        lease_seconds: vt,
        qty: required(qty, F, "qty")?,
        max_poll_seconds: required(max_poll_seconds, F, "max_poll_seconds")?,
        poll_interval_ms: required(poll_interval_ms, F, "poll_interval_ms")?,
        worker_id,
        step_slugs: step_filter(F, "step_slugs", step_slugs)?,
    };
    Ok(SetOfIterator::new(Spi::connect_mut(|client| tasks::poll_for_tasks(client, &flow_slug, poll))?))
}

/// A heartbeat: extends the lease of a task the caller holds to `seconds` from now and returns
/// its new end, or NULL (changing nothing) when the caller does not hold the task.
// SECURITY DEFINER for pgflow_worker: see the module comment.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn extend_lease(
    run_id: Option<Uuid>,
    step_slug: Option<String>,
    task_index: Option<i32>,
    seconds: Option<i32>,
    worker_id: default!(Option<Uuid>, "NULL"),
) -> Result<Option<TimestampWithTimeZone>, ErrorReport> {
    const F: &str = "extend_lease";
    let run_id = required(run_id, F, "run_id")?;
    let step_slug = required(step_slug, F, "step_slug")?;
    let task_index = required(task_index, F, "task_index")?;
    let seconds = required(seconds, F, "seconds")?;
    Ok(Spi::connect_mut(|client| tasks::extend_lease(client, run_id, &step_slug, task_index, seconds, worker_id))?)
}

// SECURITY DEFINER for pgflow_worker: see the module comment.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn complete_task(
    run_id: Option<Uuid>,
    step_slug: Option<String>,
    task_index: Option<i32>,
    output: Option<RawJsonb>,
    worker_id: default!(Option<Uuid>, "NULL"),
) -> Result<SetOfIterator<'static, RawStepTask>, ErrorReport> {
    const F: &str = "complete_task";
    let run_id = required(run_id, F, "run_id")?;
    let step_slug = required(step_slug, F, "step_slug")?;
    let task_index = required(task_index, F, "task_index")?;
    let output = required(output, F, "output")?;
    Ok(SetOfIterator::new(Spi::connect_mut(|client| {
        tasks::complete_task(client, run_id, &step_slug, task_index, output, worker_id)
    })?))
}

// SECURITY DEFINER for pgflow_worker: see the module comment.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn fail_task(
    run_id: Option<Uuid>,
    step_slug: Option<String>,
    task_index: Option<i32>,
    error_message: Option<String>,
    worker_id: default!(Option<Uuid>, "NULL"),
) -> Result<SetOfIterator<'static, RawStepTask>, ErrorReport> {
    const F: &str = "fail_task";
    let task = TaskRefs::one(
        required(run_id, F, "run_id")?,
        &required(step_slug, F, "step_slug")?,
        required(task_index, F, "task_index")?,
        worker_id,
    );
    let messages = vec![required(error_message, F, "error_message")?];
    Ok(SetOfIterator::new(Spi::connect_mut(|client| tasks::fail_tasks(client, None, &task, messages.into()))?))
}

/// The batch form of `complete_task`: answer i is (run_ids[i], step_slugs[i], task_indexes[i],
/// outputs[i]). One statement completes them all; late answers in the batch change nothing.
// SECURITY DEFINER for pgflow_worker: see the module comment.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn complete_tasks(
    run_ids: Option<RawUuidArray>,
    step_slugs: Option<RawTextArray>,
    task_indexes: Option<RawIntArray>,
    outputs: Option<RawJsonbArray>,
    worker_id: default!(Option<Uuid>, "NULL"),
) -> Result<SetOfIterator<'static, RawStepTask>, ErrorReport> {
    const F: &str = "complete_tasks";
    let tasks = task_refs(F, run_ids, step_slugs, task_indexes, worker_id)?;
    let outputs = required(outputs, F, "outputs")?;
    Ok(SetOfIterator::new(Spi::connect_mut(|client| tasks::complete_tasks(client, F, &tasks, outputs.into()))?))
}

/// The batch form of `fail_task`, with one error message per task.
// SECURITY DEFINER for pgflow_worker: see the module comment.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn fail_tasks(
    run_ids: Option<RawUuidArray>,
    step_slugs: Option<RawTextArray>,
    task_indexes: Option<RawIntArray>,
    error_messages: Option<RawTextArray>,
    worker_id: default!(Option<Uuid>, "NULL"),
) -> Result<SetOfIterator<'static, RawStepTask>, ErrorReport> {
    const F: &str = "fail_tasks";
    let tasks = task_refs(F, run_ids, step_slugs, task_indexes, worker_id)?;
    let error_messages = required(error_messages, F, "error_messages")?;
    Ok(SetOfIterator::new(Spi::connect_mut(|client| {
        tasks::fail_tasks(client, Some(F), &tasks, error_messages.into())
    })?))
}

/// `complete_tasks`, then a claim of up to `qty` tasks of the flow (of `poll_step_slugs` only,
/// when given), in one call and one transaction: the claim sees what the answers released. It does not wait when nothing is
/// claimable (the answers stand); a worker then polls with `poll_for_tasks`.
// SECURITY DEFINER for pgflow_worker: see the module comment.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::too_many_arguments)]
fn complete_tasks_and_poll(
    run_ids: Option<RawUuidArray>,
    step_slugs: Option<RawTextArray>,
    task_indexes: Option<RawIntArray>,
    outputs: Option<RawJsonbArray>,
    queue_name: Option<String>,
    vt: Option<i32>,
    qty: Option<i32>,
    worker_id: default!(Option<Uuid>, "NULL"),
    poll_step_slugs: default!(Option<Vec<Option<String>>>, "NULL"),
) -> Result<SetOfIterator<'static, RawTaskRecord>, ErrorReport> {
    const F: &str = "complete_tasks_and_poll";
    let tasks = task_refs(F, run_ids, step_slugs, task_indexes, worker_id)?;
    let outputs = required(outputs, F, "outputs")?;
    let flow_slug = required(queue_name, F, "queue_name")?;
    let poll = Poll {
        lease_seconds: vt,
        qty: required(qty, F, "qty")?,
        max_poll_seconds: 0,
        poll_interval_ms: 1,
        worker_id,
        step_slugs: step_filter(F, "poll_step_slugs", poll_step_slugs)?,
    };
    Ok(SetOfIterator::new(Spi::connect_mut(|client| {
        tasks::complete_tasks_and_poll(client, F, &tasks, outputs.into(), &flow_slug, poll)
    })?))
}

/// The steps a claim is limited to (None: every step); a NULL element is refused.
fn step_filter(
    function: &'static str,
    argument: &'static str,
    step_slugs: Option<Vec<Option<String>>>,
) -> Result<Option<Vec<String>>, PgflowError> {
    step_slugs.map(|slugs| slugs.into_iter().map(|slug| required(slug, function, argument)).collect()).transpose()
}

/// The task keys of a batch call; NULL arrays are refused like any required argument.
fn task_refs(
    function: &'static str,
    run_ids: Option<RawUuidArray>,
    step_slugs: Option<RawTextArray>,
    task_indexes: Option<RawIntArray>,
    worker_id: Option<Uuid>,
) -> Result<TaskRefs<'static>, PgflowError> {
    Ok(TaskRefs {
        run_ids: required(run_ids, function, "run_ids")?.into(),
        step_slugs: required(step_slugs, function, "step_slugs")?.into(),
        task_indexes: required(task_indexes, function, "task_indexes")?.into(),
        worker_id: tasks::worker_arg(worker_id),
        one_run: None,
    })
}
