//! Runs: the checks before starting, cancelling and redriving them, and reading them. What those
//! change is done by the state machine (`machine`).

use pgrx::datum::DatumWithOid;
use pgrx::spi::SpiClient;
use pgrx::Uuid;

use super::machine::{self, NewRun, Strictness};
use super::words::RunStatus;
use super::Row;
use crate::error::{PgflowError, Result};
use crate::plans;
use crate::raw::RawJsonb;

pub fn start_flow(client: &mut SpiClient<'_>, start: NewRun<'_>) -> Result<Row> {
    let run_id = start_flow_run_id(client, start)?;
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
    let run_id = start_flow_run_id(client, NewRun { flow_slug, input, run_id, run_key: None, priority: 0 })?;
    get_run_with_states(client, run_id)?.ok_or_else(|| PgflowError::UnknownRun(run_id.to_string()))
}

/// `pgflow.get_run_with_states` (pgflow's): `{"run": <the run's row>, "steps": [<each step's
/// state row>, ...]}` in definition order; NULL for an unknown run.
pub fn get_run_with_states(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Option<serde_json::Value>> {
    Ok(plans::row(client, &plans::RUN_WITH_STATES, &[run_id.into()])?.map(|states| states.run_with_states.0))
}

/// The namespace of keyed runs' ids (`run_id_of_key`): fixed for good, or a key would name
/// another run after an upgrade.
const RUN_KEY_NAMESPACE: uuid::Uuid = uuid::uuid!("85365e5c-8d3b-4c70-8ef3-b71b95835bde");

/// The id of the run a keyed start makes: a name-based UUID (version 5) of `flow_slug/run_key`
/// (slugs hold no '/'). Every start of the key, on any node, makes the same id, so the run's
/// primary key keeps one run per key, which Citus can check on the one shard the id decides.
pub fn run_id_of_key(flow_slug: &str, run_key: &str) -> Uuid {
    let id = uuid::Uuid::new_v5(&RUN_KEY_NAMESPACE, format!("{flow_slug}/{run_key}").as_bytes());
    Uuid::from_bytes(id.into_bytes())
}

/// A new run's id, random (version 4) from PostgreSQL's strong random source, as gen_random_uuid.
pub(crate) fn random_run_id() -> Result<Uuid> {
    let mut bytes = [0u8; 16];
    // SAFETY: fills the 16 bytes given.
    if !unsafe { pgrx::pg_sys::pg_strong_random(bytes.as_mut_ptr().cast(), bytes.len()) } {
        return Err(PgflowError::Internal("no random bytes for a run id".into()));
    }
    Ok(Uuid::from_bytes(uuid::Builder::from_random_bytes(bytes).into_uuid().into_bytes()))
}

/// The run of `flow_slug` started with `run_key`, found by the id the key derives (`run_id`).
fn keyed_run(client: &mut SpiClient<'_>, flow_slug: &str, run_key: &str, run_id: Uuid) -> Result<Option<Uuid>> {
    let key: [DatumWithOid; 3] = [flow_slug.into(), run_key.into(), run_id.into()];
    Ok(plans::row(client, &plans::KEYED_RUN, &key)?.map(|found| found.run_id))
}

/// The run a start_flow call started, or the one its run_key names.
fn start_flow_run_id(client: &mut SpiClient<'_>, start: NewRun<'_>) -> Result<Uuid> {
    let NewRun { flow_slug, input, run_id, run_key, .. } = start;
    let check: [DatumWithOid; 2] = [flow_slug.into(), input.into()];
    let Some(check) = plans::row(client, &plans::START_FLOW_CHECK, &check)? else {
        return Err(PgflowError::UnknownFlow(flow_slug.to_string()));
    };
    let path = check.fanout_path;
    // NULL: the flow has no root fan-out, or nothing is at its fanout_path.
    let input_type = check.input_type.unwrap_or_else(|| "nothing there".to_string());
    if let Some(step_slug) = check.root_fanout {
        if input_type != "array" {
            return Err(PgflowError::InvalidArgument(format!(
                "step '{step_slug}' of flow '{flow_slug}' fans out over {}, which must be a JSON array, got {input_type}",
                crate::error::fanout_source(None, path.as_deref())
            )));
        }
    }
    let run_id = match (run_key, run_id) {
        (Some(key), given) => {
            let derived = run_id_of_key(flow_slug, key);
            if given.is_some_and(|given| given != derived) {
                return Err(PgflowError::InvalidArgument(format!(
                    "start_flow on flow '{flow_slug}': run_key '{key}' makes the run's id ({derived}); \
                     give a run_id or a run_key, not another id with a key"
                )));
            }
            if let Some(existing) = keyed_run(client, flow_slug, key, derived)? {
                return Ok(existing);
            }
            derived
        }
        (None, Some(given)) => {
            if plans::row(client, &plans::RUN_EXISTS, &[given.into()])?.is_some_and(|run| run.exists) {
                return Err(PgflowError::RunAlreadyExists(given.to_string()));
            }
            given
        }
        (None, None) => random_run_id()?,
    };
    match machine::start_run(client, NewRun { run_id: Some(run_id), ..start }, check.steps)? {
        Some(run_id) => Ok(run_id),
        None => match run_key {
            // A concurrent start with the same key committed first (its run is the answer), or a
            // run with the key started before 0.11.0, under a random id.
            Some(key) => match keyed_run(client, flow_slug, key, run_id)? {
                Some(found) => Ok(found),
                None => plans::row(client, &plans::FIND_RUN_BY_KEY, &[flow_slug.into(), key.into()])?
                    .map(|found| found.run_id)
                    .ok_or_else(|| PgflowError::Internal(format!("run of flow '{flow_slug}' was not created"))),
            },
            // A concurrent start with the same id committed first.
            None => Err(PgflowError::RunAlreadyExists(run_id.to_string())),
        },
    }
}

pub fn get_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Row> {
    plans::row(client, &plans::GET_RUN, &[run_id.into()])?
        .map(|run| run.r)
        .ok_or_else(|| PgflowError::UnknownRun(run_id.to_string()))
}

/// The run's status; an unknown run is refused (P0002).
pub fn run_status(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<RunStatus> {
    plans::row(client, &plans::RUN_STATUS, &[run_id.into()])?
        .map(|run| run.status)
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
        if status != RunStatus::Cancelled {
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
    // A value that is NULL (initial_tasks before a spawn, an output) shows as empty.
    Ok(plans::rows_on_run_shard(client, &plans::VERIFY_RUN, run_id, &[run_id.into()])?
        .into_iter()
        .map(|p| (p.subject, p.what, p.stored.unwrap_or_default(), p.expected.unwrap_or_default()))
        .collect())
}

/// `pgflow.spawn_fanout_tasks`: spawns one started fan-out step by hand and returns its size.
pub fn spawn_fanout_tasks(client: &mut SpiClient<'_>, run_id: Uuid, step_slug: &str) -> Result<i32> {
    let args: [DatumWithOid; 2] = [run_id.into(), step_slug.into()];
    let Some(step) = plans::row(client, &plans::STEP_FOR_SPAWN, &args)? else {
        run_status(client, run_id)?;
        return Err(PgflowError::UnknownStepOfRun { run_id: run_id.to_string(), step_slug: step_slug.to_string() });
    };
    let (status, step_type, existing) = (step.status, step.step_type, step.initial_tasks);
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
    machine::spawn_by_hand(client, run_id, step_slug, &step.flow_slug, step.priority)
}
