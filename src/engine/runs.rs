//! Runs: starting them, starting steps as their dependencies complete, fanning out, and the
//! completion and failure cascades that every task answer may set off.

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::BuiltinOid::{TEXTOID, UUIDOID};
use pgrx::spi::SpiClient;
use pgrx::Uuid;

use super::Row;
use crate::error::{PgflowError, Result};
use crate::jsonb::RawJsonb;
use crate::plans::{self, null};

pub fn start_flow(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    input: RawJsonb,
    run_id: Option<Uuid>,
    run_key: Option<&str>,
) -> Result<Row> {
    let check: [DatumWithOid; 2] = [flow_slug.into(), input.into()];
    let table = plans::run(client, &plans::START_FLOW_CHECK, &check)?;
    if table.is_empty() {
        return Err(PgflowError::UnknownFlow(flow_slug.to_string()));
    }
    let row = table.first();
    let root_fanout = row.get::<String>(1)?;
    let input_type = row.get::<String>(2)?.unwrap_or_default();
    if let Some(step_slug) = root_fanout {
        if input_type != "array" {
            return Err(PgflowError::InvalidArgument(format!(
                "step '{step_slug}' of flow '{flow_slug}' fans out over the run input, which must be a JSON array, got {input_type}"
            )));
        }
    }
    if let Some(existing) = find_run_by_key(client, flow_slug, run_key)? {
        return get_run(client, existing);
    }
    if let Some(run_id) = run_id {
        if plans::first::<bool>(client, &plans::RUN_EXISTS, &[run_id.into()])? == Some(true) {
            return Err(PgflowError::RunAlreadyExists(run_id.to_string()));
        }
    }

    let run_arg = run_id.map(DatumWithOid::from).unwrap_or_else(|| null(UUIDOID));
    let key_arg = run_key.map(DatumWithOid::from).unwrap_or_else(|| null(TEXTOID));
    let args: [DatumWithOid; 4] = [flow_slug.into(), input.into(), run_arg, key_arg];
    let Some(run_id) = plans::first::<Uuid>(client, &plans::CREATE_RUN, &args)? else {
        // A concurrent start with the same key committed first: its run is the answer.
        return match find_run_by_key(client, flow_slug, run_key)? {
            Some(existing) => get_run(client, existing),
            None => Err(PgflowError::Internal(format!("run of flow '{flow_slug}' was not created"))),
        };
    };
    advance(client, run_id, Strictness::RaiseOnBadFanout)?;
    get_run(client, run_id)
}

fn find_run_by_key(client: &mut SpiClient<'_>, flow_slug: &str, run_key: Option<&str>) -> Result<Option<Uuid>> {
    match run_key {
        None => Ok(None),
        Some(key) => plans::first::<Uuid>(client, &plans::FIND_RUN_BY_KEY, &[flow_slug.into(), key.into()]),
    }
}

pub fn get_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Row> {
    plans::first::<Row>(client, &plans::GET_RUN, &[run_id.into()])?
        .ok_or_else(|| PgflowError::UnknownRun(run_id.to_string()))
}

/// What to do when a fan-out's source turns out not to be an array. A direct call refuses it;
/// a worker's task answer must not be rolled back by it, so there the run fails instead.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    RaiseOnBadFanout,
    FailRunOnBadFanout,
}

/// Starts every step whose dependencies are done, again and again while steps complete at once
/// (fan-outs over empty arrays), and completes the run when no step is left.
pub fn advance(client: &mut SpiClient<'_>, run_id: Uuid, strictness: Strictness) -> Result<()> {
    loop {
        let table = plans::run(client, &plans::START_READY_STEPS, &[run_id.into()])?;
        let mut fanouts = Vec::with_capacity(table.len());
        for row in table {
            if let Some(slug) = row.get::<String>(1)? {
                fanouts.push(slug);
            }
        }
        if fanouts.is_empty() {
            return complete_run_if_done(client, run_id);
        }
        for step_slug in fanouts {
            match spawn(client, run_id, &step_slug)? {
                Spawned::Tasks(_) => {}
                Spawned::Empty => {
                    // An empty array completes the step at once; the loop starts its dependents.
                    complete_step(client, run_id, &step_slug)?;
                }
                Spawned::NotAnArray(error) => match strictness {
                    Strictness::RaiseOnBadFanout => return Err(error),
                    Strictness::FailRunOnBadFanout => {
                        return fail_run(client, run_id, &step_slug, &error.message());
                    }
                },
            }
        }
    }
}

pub enum Spawned {
    Tasks(i32),
    Empty,
    NotAnArray(PgflowError),
}

/// Creates a started fan-out step's tasks, one per element, in one statement.
pub fn spawn(client: &mut SpiClient<'_>, run_id: Uuid, step_slug: &str) -> Result<Spawned> {
    let args: [DatumWithOid; 2] = [run_id.into(), step_slug.into()];
    let table = plans::run(client, &plans::SPAWN_FANOUT_TASKS, &args)?;
    if table.is_empty() {
        return Err(PgflowError::UnknownStepOfRun {
            run_id: run_id.to_string(),
            step_slug: step_slug.to_string(),
        });
    }
    let row = table.first();
    let json_type = row.get::<String>(1)?;
    let dep_slug = row.get::<String>(2)?;
    let count = row.get::<i32>(3)?;
    Ok(match (json_type.as_deref(), count) {
        (Some("array"), Some(0)) => Spawned::Empty,
        (Some("array"), Some(n)) => Spawned::Tasks(n),
        (got, _) => {
            let got = got.unwrap_or("nothing");
            let source = match dep_slug {
                Some(dep) => format!("the output of step '{dep}'"),
                None => "the run input".to_string(),
            };
            Spawned::NotAnArray(PgflowError::InvalidArgument(format!(
                "fan-out step '{step_slug}' of run {run_id} expects {source} to be a JSON array, got {got}"
            )))
        }
    })
}

/// Completes a started step whose tasks are all done, then starts what it released.
pub fn complete_step(client: &mut SpiClient<'_>, run_id: Uuid, step_slug: &str) -> Result<()> {
    let args: [DatumWithOid; 2] = [run_id.into(), step_slug.into()];
    plans::run(client, &plans::COMPLETE_STEP, &args)?;
    Ok(())
}

fn complete_run_if_done(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<()> {
    plans::run(client, &plans::COMPLETE_RUN, &[run_id.into()])?;
    Ok(())
}

/// Fails the run because of `step_slug`, and cancels whatever of it is still queued or running.
/// Rows are locked as completions lock them, tasks first and the run last, so the two cannot
/// deadlock; tasks that a completion committed meanwhile created are cancelled by the last sweep.
pub fn fail_run(client: &mut SpiClient<'_>, run_id: Uuid, step_slug: &str, message: &str) -> Result<()> {
    plans::run(client, &plans::CANCEL_RUN_TASKS, &[run_id.into()])?;
    let args: [DatumWithOid; 3] = [run_id.into(), step_slug.into(), message.into()];
    plans::run(client, &plans::FAIL_STEP, &args)?;
    if plans::run(client, &plans::FAIL_RUN, &[run_id.into()])?.is_empty() {
        return Ok(()); // already failed by someone else
    }
    plans::run(client, &plans::CANCEL_RUN_TASKS, &[run_id.into()])?;
    Ok(())
}

/// `pgflow.cancel_run`: a started run becomes cancelled with its unfinished steps and tasks.
/// Cancelling a cancelled run returns it unchanged; a finished run cannot be cancelled.
pub fn cancel_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Row> {
    let status = run_status(client, run_id)?;
    if status != "started" {
        return finished_run(client, run_id, &status);
    }
    // Same lock order as fail_run: tasks, steps, then the run.
    plans::run(client, &plans::CANCEL_RUN_TASKS, &[run_id.into()])?;
    plans::run(client, &plans::CANCEL_STEPS, &[run_id.into()])?;
    if plans::run(client, &plans::CANCEL_RUN, &[run_id.into()])?.is_empty() {
        // It ended while this call waited for its tasks; raising undoes the cancellations above.
        let status = run_status(client, run_id)?;
        return finished_run(client, run_id, &status);
    }
    plans::run(client, &plans::CANCEL_RUN_TASKS, &[run_id.into()])?;
    plans::run(client, &plans::CANCEL_STEPS, &[run_id.into()])?;
    get_run(client, run_id)
}

fn run_status(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<String> {
    let table = plans::run(client, &plans::RUN_STATUS, &[run_id.into()])?;
    if table.is_empty() {
        return Err(PgflowError::UnknownRun(run_id.to_string()));
    }
    Ok(table.first().get::<String>(1)?.unwrap_or_default())
}

fn finished_run(client: &mut SpiClient<'_>, run_id: Uuid, status: &str) -> Result<Row> {
    if status == "cancelled" {
        return get_run(client, run_id);
    }
    Err(PgflowError::WrongState(format!("run {run_id} is {status} and cannot be cancelled")))
}

/// `pgflow.verify_run`: every disagreement between the run's counters and statuses and what its
/// tasks say, as (subject, what, stored, expected).
pub fn verify_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Vec<(String, String, String, String)>> {
    run_status(client, run_id)?;
    let table = plans::run(client, &plans::VERIFY_RUN, &[run_id.into()])?;
    let mut problems = Vec::with_capacity(table.len());
    for row in table {
        problems.push((
            row.get::<String>(1)?.unwrap_or_default(),
            row.get::<String>(2)?.unwrap_or_default(),
            row.get::<String>(3)?.unwrap_or_default(),
            row.get::<String>(4)?.unwrap_or_default(),
        ));
    }
    Ok(problems)
}

/// `pgflow.spawn_fanout_tasks`: spawns one started fan-out step by hand and returns its size.
pub fn spawn_fanout_tasks(client: &mut SpiClient<'_>, run_id: Uuid, step_slug: &str) -> Result<i32> {
    let args: [DatumWithOid; 2] = [run_id.into(), step_slug.into()];
    let table = plans::run(client, &plans::STEP_FOR_SPAWN, &args)?;
    if table.is_empty() {
        if plans::first::<bool>(client, &plans::RUN_EXISTS, &[run_id.into()])? != Some(true) {
            return Err(PgflowError::UnknownRun(run_id.to_string()));
        }
        return Err(PgflowError::UnknownStepOfRun {
            run_id: run_id.to_string(),
            step_slug: step_slug.to_string(),
        });
    }
    let row = table.first();
    let status = row.get::<String>(1)?.unwrap_or_default();
    let step_type = row.get::<String>(2)?.unwrap_or_default();
    if step_type != "fanout" {
        return Err(PgflowError::InvalidArgument(format!(
            "step '{step_slug}' of run {run_id} is not a fan-out step"
        )));
    }
    if let Some(existing) = row.get::<i32>(3)? {
        return Ok(existing); // already spawned: spawning is idempotent
    }
    if status != "started" {
        return Err(PgflowError::WrongState(format!(
            "fan-out step '{step_slug}' of run {run_id} is {status}, not started"
        )));
    }
    match spawn(client, run_id, step_slug)? {
        Spawned::Tasks(n) => Ok(n),
        Spawned::Empty => {
            complete_step(client, run_id, step_slug)?;
            advance(client, run_id, Strictness::RaiseOnBadFanout)?;
            Ok(0)
        }
        Spawned::NotAnArray(error) => Err(error),
    }
}
