//! Runs: the checks before starting, cancelling and redriving them, and reading them. What those
//! change is done by the state machine (`machine`).

use pgrx::datum::DatumWithOid;
use pgrx::spi::SpiClient;
use pgrx::Uuid;

use super::machine::{self, Strictness};
use super::Row;
use crate::error::{PgflowError, Result};
use crate::plans::{self, get};
use crate::raw::RawJsonb;

pub fn start_flow(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    input: RawJsonb,
    run_id: Option<Uuid>,
    run_key: Option<&str>,
    priority: i32,
) -> Result<Row> {
    let run_id = start_flow_run_id(client, flow_slug, input, run_id, run_key, priority)?;
    get_run(client, run_id)
}

/// `pgflow.start_flow_with_states` (pgflow's, for its client): starts a run and returns it with
/// its steps' states, as `get_run_with_states` does.
pub fn start_flow_with_states(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    input: RawJsonb,
    run_id: Option<Uuid>,
) -> Result<serde_json::Value> {
    let run_id = start_flow_run_id(client, flow_slug, input, run_id, None, 0)?;
    get_run_with_states(client, run_id)?.ok_or_else(|| PgflowError::UnknownRun(run_id.to_string()))
}

/// `pgflow.get_run_with_states` (pgflow's): `{"run": <the run's row>, "steps": [<each step's
/// state row>, ...]}` in definition order; NULL for an unknown run.
pub fn get_run_with_states(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Option<serde_json::Value>> {
    Ok(plans::first::<pgrx::JsonB>(client, &plans::RUN_WITH_STATES, &[run_id.into()], "run_with_states")?
        .map(|states| states.0))
}

/// The run a start_flow call started, or the one its run_key names.
fn start_flow_run_id(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    input: RawJsonb,
    run_id: Option<Uuid>,
    run_key: Option<&str>,
    priority: i32,
) -> Result<Uuid> {
    let check: [DatumWithOid; 2] = [flow_slug.into(), input.into()];
    let Some(row) = plans::first_row(client, &plans::START_FLOW_CHECK, &check)? else {
        return Err(PgflowError::UnknownFlow(flow_slug.to_string()));
    };
    let root_fanout = get::<String>(&row, "root_fanout")?;
    let path = get::<String>(&row, "fanout_path")?;
    let input_type = get::<String>(&row, "input_type")?.unwrap_or_else(|| "nothing there".to_string());
    if let Some(step_slug) = root_fanout {
        if input_type != "array" {
            return Err(PgflowError::InvalidArgument(format!(
                "step '{step_slug}' of flow '{flow_slug}' fans out over {}, which must be a JSON array, got {input_type}",
                crate::error::fanout_source(None, path.as_deref())
            )));
        }
    }
    if let Some(existing) = find_run_by_key(client, flow_slug, run_key)? {
        return Ok(existing);
    }
    if let Some(run_id) = run_id {
        if plans::first::<bool>(client, &plans::RUN_EXISTS, &[run_id.into()], "exists")? == Some(true) {
            return Err(PgflowError::RunAlreadyExists(run_id.to_string()));
        }
    }
    match machine::start_run(client, flow_slug, input, run_id, run_key, priority)? {
        Some(run_id) => Ok(run_id),
        // A concurrent start with the same key committed first: its run is the answer.
        None => find_run_by_key(client, flow_slug, run_key)?
            .ok_or_else(|| PgflowError::Internal(format!("run of flow '{flow_slug}' was not created"))),
    }
}

fn find_run_by_key(client: &mut SpiClient<'_>, flow_slug: &str, run_key: Option<&str>) -> Result<Option<Uuid>> {
    match run_key {
        None => Ok(None),
        Some(key) => plans::first::<Uuid>(client, &plans::FIND_RUN_BY_KEY, &[flow_slug.into(), key.into()], "run_id"),
    }
}

pub fn get_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Row> {
    plans::first::<Row>(client, &plans::GET_RUN, &[run_id.into()], "r")?
        .ok_or_else(|| PgflowError::UnknownRun(run_id.to_string()))
}

/// The run's status; an unknown run is refused (P0002).
pub fn run_status(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<String> {
    plans::first::<String>(client, &plans::RUN_STATUS, &[run_id.into()], "status")?
        .ok_or_else(|| PgflowError::UnknownRun(run_id.to_string()))
}

/// `pgflow.start_ready_steps`: starts by hand what the engine would start itself.
pub fn start_ready_steps(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<()> {
    run_status(client, run_id)?;
    machine::start_ready_steps(client, run_id, Strictness::Raise)?;
    Ok(())
}

/// `pgflow.maybe_complete_run` (pgflow's): completes a started run that has no step left, as the
/// engine does by itself when its last step ends; changes nothing otherwise.
pub fn maybe_complete_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<()> {
    run_status(client, run_id)?;
    machine::maybe_complete_run(client, run_id)
}

/// `pgflow.cancel_run`: a started run becomes cancelled with its unfinished steps and tasks.
/// Cancelling a cancelled run returns it unchanged; a finished run cannot be cancelled.
pub fn cancel_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Row> {
    run_status(client, run_id)?;
    if !machine::cancel_run(client, run_id)? {
        let status = run_status(client, run_id)?;
        if status != "cancelled" {
            return Err(PgflowError::WrongState(format!("run {run_id} is {status} and cannot be cancelled")));
        }
    }
    get_run(client, run_id)
}

/// `pgflow.redrive_run`: a failed or cancelled run starts again where it stopped.
pub fn redrive_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Row> {
    machine::redrive_run(client, run_id)?;
    get_run(client, run_id)
}

/// `pgflow.repair_run`: the run's counters and statuses set to what its tasks say.
pub fn repair_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Vec<machine::Change>> {
    run_status(client, run_id)?;
    machine::repair_run(client, run_id)
}

/// `pgflow.verify_run`: every disagreement between the run's counters and statuses and what its
/// tasks say, as (subject, what, stored, expected).
pub fn verify_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Vec<(String, String, String, String)>> {
    run_status(client, run_id)?;
    let table = plans::run(client, &plans::VERIFY_RUN, &[run_id.into()])?;
    let mut problems = Vec::with_capacity(table.len());
    for row in table {
        problems.push((
            get::<String>(&row, "subject")?.unwrap_or_default(),
            get::<String>(&row, "what")?.unwrap_or_default(),
            get::<String>(&row, "stored")?.unwrap_or_default(),
            get::<String>(&row, "expected")?.unwrap_or_default(),
        ));
    }
    Ok(problems)
}

/// `pgflow.spawn_fanout_tasks`: spawns one started fan-out step by hand and returns its size.
pub fn spawn_fanout_tasks(client: &mut SpiClient<'_>, run_id: Uuid, step_slug: &str) -> Result<i32> {
    let args: [DatumWithOid; 2] = [run_id.into(), step_slug.into()];
    let Some(row) = plans::first_row(client, &plans::STEP_FOR_SPAWN, &args)? else {
        run_status(client, run_id)?;
        return Err(PgflowError::UnknownStepOfRun { run_id: run_id.to_string(), step_slug: step_slug.to_string() });
    };
    let status = get::<String>(&row, "status")?.unwrap_or_default();
    let step_type = get::<String>(&row, "step_type")?.unwrap_or_default();
    let existing = get::<i32>(&row, "initial_tasks")?;
    if step_type != "fanout" {
        return Err(PgflowError::InvalidArgument(format!("step '{step_slug}' of run {run_id} is not a fan-out step")));
    }
    if let Some(existing) = existing {
        return Ok(existing); // already spawned: spawning is idempotent
    }
    if status != "started" {
        return Err(PgflowError::WrongState(format!(
            "fan-out step '{step_slug}' of run {run_id} is {status}, not started"
        )));
    }
    machine::spawn_by_hand(client, run_id, step_slug)
}
