//! The Citus mode (docs/citus.md): `pgflow.distribute()` turns a database where citus and pgflow
//! are installed into a cluster's: the definitions copied to every node, the runs sharded by
//! run_id with all of a run's rows on one node.

use pgrx::spi::SpiClient;

use crate::error::{PgflowError, Result};
use crate::plans;

/// The tables of definitions, made reference tables (a copy on every node), in the order their
/// foreign keys need.
pub const REFERENCE_TABLES: &[&str] = &["pgflow.flows", "pgflow.steps", "pgflow.deps"];

/// The tables of runs, sharded by run_id, each colocated with the first (runs): a run, its steps,
/// their parts and tasks on one node.
pub const DISTRIBUTED_TABLES: &[&str] =
    &["pgflow.runs", "pgflow.step_states", "pgflow.step_parts", "pgflow.step_tasks"];

/// `pgflow.distribute()`: refused (55000) where citus is not installed or pgflow's tables are
/// distributed already; else distributes them, in one transaction, and returns how many.
pub fn distribute(client: &mut SpiClient<'_>) -> Result<i32> {
    let installed = plans::row(client, &plans::CITUS_INSTALLED, &[])?.is_some_and(|row| row.installed);
    if !installed {
        return Err(PgflowError::WrongState(
            "pgflow.distribute: the citus extension is not installed in this database (CREATE EXTENSION citus first)"
                .into(),
        ));
    }
    let all: Vec<&str> = REFERENCE_TABLES.iter().chain(DISTRIBUTED_TABLES).copied().collect();
    let already =
        plans::row(client, &plans::DISTRIBUTED_TABLES, &[all.clone().into()])?.map_or(0, |row| row.distributed);
    if already > 0 {
        return Err(PgflowError::WrongState(format!(
            "pgflow.distribute: {already} of pgflow's {} tables are distributed already",
            all.len()
        )));
    }
    plans::run(client, &plans::DISTRIBUTE_SETTINGS, &[])?;
    for table in REFERENCE_TABLES {
        plans::run(client, &plans::CREATE_REFERENCE_TABLE, &[(*table).into()])?;
    }
    plans::run(client, &plans::DROP_RUN_KEY_INDEX, &[])?;
    let mut colocate_with = "default";
    for table in DISTRIBUTED_TABLES {
        plans::run(client, &plans::CREATE_DISTRIBUTED_TABLE, &[(*table).into(), colocate_with.into()])?;
        colocate_with = DISTRIBUTED_TABLES[0];
    }
    plans::run(client, &plans::PLAN_EACH_CALL, &[])?;
    Ok(all.len() as i32)
}
