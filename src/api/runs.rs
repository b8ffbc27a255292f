use pgrx::prelude::*;
use pgrx::Uuid;

use crate::engine::runs::{self, Strictness};
use crate::error::{required, OrRaise, Result};
use crate::jsonb::RawJsonb;

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn start_flow(
    flow_slug: Option<String>,
    input: Option<RawJsonb>,
    run_id: default!(Option<Uuid>, "NULL"),
) -> pgrx::composite_type!('static, "runs") {
    let call = || -> Result<_> {
        let flow_slug = required(flow_slug, "start_flow", "flow_slug")?;
        let input = required(input, "start_flow", "input")?;
        Spi::connect_mut(|client| runs::start_flow(client, &flow_slug, input, run_id))
    };
    call().or_raise()
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
