use pgrx::prelude::*;
use pgrx::Uuid;

use crate::engine::runs::{self, Strictness};
use crate::error::{required, OrRaise, PgflowError, Result};
use crate::jsonb::RawJsonb;

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn start_flow(
    flow_slug: Option<String>,
    input: Option<RawJsonb>,
    run_id: default!(Option<Uuid>, "NULL"),
    run_key: default!(Option<String>, "NULL"),
) -> pgrx::composite_type!('static, "runs") {
    let call = || -> Result<_> {
        let flow_slug = required(flow_slug, "start_flow", "flow_slug")?;
        let input = required(input, "start_flow", "input")?;
        if run_key.as_deref() == Some("") {
            return Err(PgflowError::InvalidArgument(format!(
                "start_flow on flow '{flow_slug}': run_key must not be empty (NULL means no key)"
            )));
        }
        Spi::connect_mut(|client| runs::start_flow(client, &flow_slug, input, run_id, run_key.as_deref()))
    };
    call().or_raise()
}

/// Cancels a started run: it and its unfinished steps and tasks become `cancelled`, nothing of it
/// can be claimed any more, and late answers for it change nothing.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn cancel_run(run_id: Option<Uuid>) -> pgrx::composite_type!('static, "runs") {
    let call = || -> Result<_> {
        let run_id = required(run_id, "cancel_run", "run_id")?;
        Spi::connect_mut(|client| runs::cancel_run(client, run_id))
    };
    call().or_raise()
}

/// Recomputes a run's counters and statuses from its tasks; each row is a disagreement.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn verify_run(
    run_id: Option<Uuid>,
) -> TableIterator<'static, (name!(subject, String), name!(what, String), name!(stored, String), name!(expected, String))>
{
    let call = || -> Result<_> {
        let run_id = required(run_id, "verify_run", "run_id")?;
        Spi::connect_mut(|client| runs::verify_run(client, run_id))
    };
    TableIterator::new(call().or_raise())
}

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn start_ready_steps(run_id: Option<Uuid>) {
    let call = || -> Result<()> {
        let run_id = required(run_id, "start_ready_steps", "run_id")?;
        Spi::connect_mut(|client| {
            runs::get_run(client, run_id)?;
            runs::advance(client, run_id, Strictness::RaiseOnBadFanout)
        })
    };
    call().or_raise()
}

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn spawn_fanout_tasks(run_id: Option<Uuid>, step_slug: Option<String>) -> i32 {
    let call = || -> Result<i32> {
        let run_id = required(run_id, "spawn_fanout_tasks", "run_id")?;
        let step_slug = required(step_slug, "spawn_fanout_tasks", "step_slug")?;
        Spi::connect_mut(|client| runs::spawn_fanout_tasks(client, run_id, &step_slug))
    };
    call().or_raise()
}
