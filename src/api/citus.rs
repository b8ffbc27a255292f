//! The Citus mode: `distribute`, called once after CREATE EXTENSION in a database where citus is
//! installed (docs/citus.md).

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

use crate::engine::citus;

/// Makes pgflow's tables Citus tables: flows, steps and deps reference tables, runs, step_states,
/// step_parts and step_tasks distributed by run_id and colocated. Returns how many tables it
/// distributed; refused (55000) without citus, or when they are distributed already.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn distribute() -> Result<i32, ErrorReport> {
    Ok(Spi::connect_mut(citus::distribute)?)
}
