use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, Uuid};

use crate::engine::machine::{self, NewRun};
use crate::engine::runs;
use crate::error::{required, PgflowError};
use crate::raw::RawJsonb;

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn start_flow(
    flow_slug: Option<String>,
    input: Option<RawJsonb>,
    run_id: default!(Option<Uuid>, "NULL"),
    run_key: default!(Option<String>, "NULL"),
    priority: default!(Option<i32>, 0),
) -> Result<pgrx::composite_type!('static, "runs"), ErrorReport> {
    let flow_slug = required(flow_slug, "start_flow", "flow_slug")?;
    let input = required(input, "start_flow", "input")?;
    let priority = required(priority, "start_flow", "priority")?;
    if run_key.as_deref() == Some("") {
        return Err(PgflowError::InvalidArgument(format!(
            "start_flow on flow '{flow_slug}': run_key must not be empty (NULL means no key)"
        ))
        .into());
    }
    let start = NewRun { flow_slug: &flow_slug, input, run_id, run_key: run_key.as_deref(), priority };
    Ok(Spi::connect_mut(|client| runs::start_flow(client, start))?)
}

/// pgflow's, for its client: starts a run and returns it with its steps' states.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn start_flow_with_states(
    flow_slug: Option<String>,
    input: Option<RawJsonb>,
    run_id: default!(Option<Uuid>, "NULL"),
) -> Result<JsonB, ErrorReport> {
    let flow_slug = required(flow_slug, "start_flow_with_states", "flow_slug")?;
    let input = required(input, "start_flow_with_states", "input")?;
    Ok(JsonB(Spi::connect_mut(|client| runs::start_flow_with_states(client, &flow_slug, input, run_id))?))
}

/// pgflow's: `{"run": ..., "steps": [...]}`, the run's row and its steps' states; NULL for an
/// unknown run.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn get_run_with_states(run_id: Option<Uuid>) -> Result<Option<JsonB>, ErrorReport> {
    let run_id = required(run_id, "get_run_with_states", "run_id")?;
    Ok(Spi::connect_mut(|client| runs::get_run_with_states(client, run_id))?.map(JsonB))
}

/// pgflow's: completes a started run with no step left (the engine does so by itself when a run's
/// last step ends); changes nothing otherwise.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn maybe_complete_run(run_id: Option<Uuid>) -> Result<(), ErrorReport> {
    let run_id = required(run_id, "maybe_complete_run", "run_id")?;
    Ok(Spi::connect_mut(|client| runs::maybe_complete_run(client, run_id))?)
}

/// Cancels a started run: it and its unfinished steps and tasks become `cancelled`, nothing of it
/// can be claimed any more, and late answers for it change nothing.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn cancel_run(run_id: Option<Uuid>) -> Result<pgrx::composite_type!('static, "runs"), ErrorReport> {
    let run_id = required(run_id, "cancel_run", "run_id")?;
    Ok(Spi::connect_mut(|client| runs::cancel_run(client, run_id))?)
}

/// Starts a failed or cancelled run again where it stopped: finished tasks keep their outputs,
/// failed and cancelled ones run again with a fresh attempt budget.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn redrive_run(run_id: Option<Uuid>) -> Result<pgrx::composite_type!('static, "runs"), ErrorReport> {
    let run_id = required(run_id, "redrive_run", "run_id")?;
    Ok(Spi::connect_mut(|client| runs::redrive_run(client, run_id))?)
}

/// Acts on every run and fan-out past its deadline; returns how many. Polls do this for their
/// flow; this is for everything else (a cron job, a test, an operator).
// SECURITY DEFINER so that pgflow_worker, which holds no table privilege, may call it too; it
// pins search_path and runs only fixed, schema-qualified statements.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn enforce_deadlines() -> Result<i32, ErrorReport> {
    Ok(Spi::connect_mut(|client| machine::enforce_deadlines(client, None))?)
}

/// Recomputes a run's counters and statuses from its tasks; each row is a disagreement.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn verify_run(
    run_id: Option<Uuid>,
) -> Result<
    TableIterator<
        'static,
        (name!(subject, String), name!(what, String), name!(stored, String), name!(expected, String)),
    >,
    ErrorReport,
> {
    let run_id = required(run_id, "verify_run", "run_id")?;
    Ok(TableIterator::new(Spi::connect_mut(|client| runs::verify_run(client, run_id))?))
}

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn start_ready_steps(run_id: Option<Uuid>) -> Result<(), ErrorReport> {
    let run_id = required(run_id, "start_ready_steps", "run_id")?;
    Ok(Spi::connect_mut(|client| runs::start_ready_steps(client, run_id))?)
}

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn spawn_fanout_tasks(run_id: Option<Uuid>, step_slug: Option<String>) -> Result<i32, ErrorReport> {
    let run_id = required(run_id, "spawn_fanout_tasks", "run_id")?;
    let step_slug = required(step_slug, "spawn_fanout_tasks", "step_slug")?;
    Ok(Spi::connect_mut(|client| runs::spawn_fanout_tasks(client, run_id, &step_slug))?)
}
