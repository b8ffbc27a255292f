//! The Citus mode (docs/citus.md): `pgflow.distribute()` turns a database where citus and pgflow
//! are installed into a cluster's: the definitions copied to every node, the runs sharded by
//! run_id with all of a run's rows on one node.

use std::cell::Cell;

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
/// distributed already; else distributes them, in one transaction, and returns how many. The
/// functions that name one run first are delegated to its node (run_scoped_functions.sql).
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
    for function in plans::rows(client, &plans::RUN_SCOPED_FUNCTIONS, &[])? {
        plans::run(client, &plans::CREATE_DISTRIBUTED_FUNCTION, &[function.function.as_str().into()])?;
    }
    // The rest of this transaction runs in the Citus mode: asked again at the next statement.
    MODE.with(|mode| mode.set(None));
    Ok(all.len() as i32)
}

thread_local! {
    // The mode as this backend saw it, and in which local transaction: it changes only by
    // `distribute()` (which forgets it), and a transaction rolled back may undo that.
    static MODE: Cell<Option<(bool, pgrx::pg_sys::LocalTransactionId)>> = const { Cell::new(None) };
}

/// The backend's local transaction id.
fn local_transaction() -> pgrx::pg_sys::LocalTransactionId {
    // SAFETY: MyProc is this backend's own PGPROC, set for the life of a backend that runs SQL.
    unsafe { crate::pg_compat::virtual_transaction(pgrx::pg_sys::MyProc).1 }
}

/// Whether this database runs in the Citus mode (pgflow's tables distributed). Every statement
/// of the engine asks (plans::run), so the answer is kept for the transaction: on one node a look
/// at pg_extension (an index scan, not a cached lookup) per transaction, not per statement; in the
/// Citus mode one look at Citus' catalog more.
pub fn distributed(client: &mut SpiClient<'_>) -> Result<bool> {
    if let Some((known, transaction)) = MODE.with(Cell::get) {
        if transaction == local_transaction() {
            return Ok(known);
        }
    }
    // SAFETY: a catalog lookup by name; missing_ok, so it returns InvalidOid rather than raising.
    let yes = unsafe { pgrx::pg_sys::get_extension_oid(c"citus".as_ptr(), true) } != pgrx::pg_sys::InvalidOid && {
        let tasks = vec![DISTRIBUTED_TABLES[DISTRIBUTED_TABLES.len() - 1]];
        let found = plans::execute(client, &plans::DISTRIBUTED_TABLES, &[tasks.into()])?;
        match found.first().get_one::<i32>() {
            Ok(count) => count.unwrap_or(0) > 0,
            Err(error) => {
                return Err(PgflowError::Internal(format!("sql/queries/citus/distributed_tables.sql: {error}")))
            }
        }
    };
    MODE.with(|mode| mode.set(Some((yes, local_transaction()))));
    Ok(yes)
}

/// Sets a server setting until the function that runs the engine returns (SET LOCAL: every pgflow
/// function has a SET clause for those it sets, which restores them on its exit).
fn set_local(name: &std::ffi::CStr, value: &std::ffi::CStr) -> Result<()> {
    use pgrx::pg_sys;
    // SAFETY: both strings are NUL-terminated; an invalid value raises a PostgreSQL error, which
    // pgrx turns into a Rust panic and back into the error on the way out.
    let done = unsafe {
        pg_sys::set_config_option(
            name.as_ptr(),
            value.as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_LOCAL,
            true,
            pgrx::PgLogLevel::ERROR as i32,
            false,
        )
    };
    if done <= 0 {
        return Err(PgflowError::Internal(format!("pgflow could not set {}", name.to_string_lossy())));
    }
    Ok(())
}

/// The Citus mode plans each statement for its values: Citus cannot route most of the engine's
/// statements as generic plans (their parameters decide the shard), which every pgflow function
/// asks for on one node (finalize.sql). Set by the engine when it runs, on whatever node: a node
/// added later needs nothing done.
pub fn plan_each_call() -> Result<()> {
    set_local(c"plan_cache_mode", c"auto")
}

/// Runs `body`, a call that reads distributed tables and then writes the reference tables (the
/// definitions), with one connection per node (citus.multi_shard_modify_mode sequential, then as
/// it was): Citus writes a reference table only over the connections that read before it. On one
/// node, `body` as it is.
pub fn one_connection_per_node<T>(
    client: &mut SpiClient<'_>,
    body: impl FnOnce(&mut SpiClient<'_>) -> Result<T>,
) -> Result<T> {
    if !distributed(client)? {
        return body(client);
    }
    const MODE_SETTING: &std::ffi::CStr = c"citus.multi_shard_modify_mode";
    // SAFETY: a setting's current value by name (Citus' own, defined where it is installed); the
    // string is copied before anything can change it.
    let was = unsafe {
        let value = pgrx::pg_sys::GetConfigOption(MODE_SETTING.as_ptr(), true, false);
        if value.is_null() {
            c"parallel".to_owned()
        } else {
            std::ffi::CStr::from_ptr(value).to_owned()
        }
    };
    set_local(MODE_SETTING, c"sequential")?;
    let result = body(client);
    set_local(MODE_SETTING, &was)?;
    result
}

/// Runs `body` with this node's shards writable directly (citus.enable_manual_changes_to_shards),
/// as a claim writes them (docs/citus.md, "Claims"); the setting is off again after it.
pub fn with_shards_writable<T>(body: impl FnOnce() -> Result<T>) -> Result<T> {
    set_local(c"citus.enable_manual_changes_to_shards", c"on")?;
    let result = body();
    set_local(c"citus.enable_manual_changes_to_shards", c"off")?;
    result
}

/// A shard of step_tasks on this node, and the names of the tables a statement run on it reads
/// instead of pgflow's (`plans::run_on_shard`): the colocated shards of the other run tables and
/// the node's copies of the reference tables.
pub struct LocalShard {
    pub id: i64,
    pub tables: Vec<(&'static str, String)>,
}

/// The shards of step_tasks placed on this node (none on a node without shards). Each column of
/// local_shards.sql after `shard` names a table that `distribute` makes, and every one of them
/// (the_local_shards_name_every_table_distribute_makes); the fields pair with their tables here.
pub fn local_shards(client: &mut SpiClient<'_>) -> Result<Vec<LocalShard>> {
    Ok(plans::rows(client, &plans::LOCAL_SHARDS, &[])?
        .into_iter()
        .map(|shard| LocalShard {
            id: shard.shard,
            tables: vec![
                ("pgflow.step_tasks", shard.step_tasks),
                ("pgflow.runs", shard.runs),
                ("pgflow.step_states", shard.step_states),
                ("pgflow.step_parts", shard.step_parts),
                ("pgflow.flows", shard.flows),
                ("pgflow.steps", shard.steps),
                ("pgflow.deps", shard.deps),
            ],
        })
        .collect())
}

/// The shard of this node that holds a run (its step_tasks shard, with the colocated ones), or
/// None when another node holds it.
pub fn local_shard_of(client: &mut SpiClient<'_>, run_id: pgrx::Uuid) -> Result<Option<LocalShard>> {
    let Some(found) = plans::row(client, &plans::RUN_SHARD, &[run_id.into()])? else {
        return Ok(None);
    };
    Ok(local_shards(client)?.into_iter().find(|shard| shard.id == found.shard))
}

/// The namespace of the flows' capacity keys (name-based UUIDs, version 5, of the flow slug).
const CAPACITY_KEY_NAMESPACE: uuid::Uuid = uuid::uuid!("3b0e5a8e-7f61-4c0e-9d8c-5f2a4be1c7a9");

/// The key whose shard's node holds a capped flow's capacity lock for the whole cluster
/// (lock_flow_capacity_on_node.sql): the same on every node, and spread over the nodes by flow.
pub fn capacity_key(flow_slug: &str) -> pgrx::Uuid {
    pgrx::Uuid::from_bytes(uuid::Uuid::new_v5(&CAPACITY_KEY_NAMESPACE, flow_slug.as_bytes()).into_bytes())
}

thread_local! {
    // The roots of the runs this backend looked up (tree_root).
    static ROOTS: std::cell::RefCell<std::collections::HashMap<pgrx::Uuid, pgrx::Uuid>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The most roots a backend keeps before it forgets them all and looks them up again.
const ROOTS_KEPT: usize = 100_000;

/// The root of a run's tree (itself for a top-level run, and for a run that does not exist), where
/// the Citus mode takes the tree's lock. A run's root never changes and a child run's id is never
/// given again (random), so each backend keeps what it looked up: an answer to a run looks once.
pub fn tree_root(client: &mut SpiClient<'_>, run_id: pgrx::Uuid) -> Result<pgrx::Uuid> {
    if let Some(root) = ROOTS.with(|roots| roots.borrow().get(&run_id).copied()) {
        return Ok(root);
    }
    let Some(found) = plans::row(client, &plans::RUN_ROOT, &[run_id.into()])? else {
        return Ok(run_id);
    };
    ROOTS.with(|roots| {
        let mut roots = roots.borrow_mut();
        if roots.len() >= ROOTS_KEPT {
            roots.clear();
        }
        roots.insert(run_id, found.root_run_id);
    });
    Ok(found.root_run_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_shards_name_every_table_distribute_makes() {
        let mut named: Vec<String> =
            plans::LOCAL_SHARDS.columns[1..].iter().map(|column| format!("pgflow.{}", column.name)).collect();
        named.sort_unstable();
        let mut tables: Vec<&str> = REFERENCE_TABLES.iter().chain(DISTRIBUTED_TABLES).copied().collect();
        tables.sort_unstable();
        assert_eq!(named, tables, "local_shards.sql must name a shard of every table distribute makes, and no other");
    }
}
