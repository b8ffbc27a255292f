//! Prepared statements kept for the life of the backend. Each query is planned on its first use
//! and reused by every later call; Postgres revalidates kept plans itself after DDL.

use std::cell::RefCell;
use std::collections::HashMap;

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::{PgBuiltInOids, PgOid};
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiTupleTable};

use crate::error::Result;

/// A query of the engine: its SQL (a file under `sql/queries/`) and its argument types.
pub struct Statement {
    pub name: &'static str,
    pub sql: &'static str,
    pub args: &'static [PgBuiltInOids],
}

macro_rules! statements {
    ($($name:ident = $file:literal ($($arg:ident),*);)*) => {
        $(pub static $name: Statement = Statement {
            name: $file,
            sql: include_str!(concat!("../sql/queries/", $file, ".sql")),
            args: &[$(PgBuiltInOids::$arg),*],
        };)*
    };
}

statements! {
    CREATE_FLOW = "create_flow" (TEXTOID, INT4OID, INT4OID, INT4OID);
    FIND_FLOW = "find_flow" (TEXTOID);
    FIND_STEP = "find_step" (TEXTOID, TEXTOID);
    MISSING_DEPS = "missing_deps" (TEXTOID, TEXTARRAYOID);
    INSERT_STEP = "insert_step" (TEXTOID, TEXTOID, TEXTARRAYOID, INT4OID, INT4OID, INT4OID, INT4OID, TEXTOID);
    START_FLOW_CHECK = "start_flow_check" (TEXTOID, JSONBOID);
    RUN_EXISTS = "run_exists" (UUIDOID);
    CREATE_RUN = "create_run" (TEXTOID, JSONBOID, UUIDOID, TEXTOID);
    FIND_RUN_BY_KEY = "find_run_by_key" (TEXTOID, TEXTOID);
    RUN_STATUS = "run_status" (UUIDOID);
    CANCEL_RUN = "cancel_run" (UUIDOID);
    CANCEL_STEPS = "cancel_steps" (UUIDOID);
    CANCEL_RUN_TASKS = "cancel_run_tasks" (UUIDOID);
    VERIFY_RUN = "verify_run" (UUIDOID);
    GET_RUN = "get_run" (UUIDOID);
    START_READY_STEPS = "start_ready_steps" (UUIDOID);
    STEP_FOR_SPAWN = "step_for_spawn" (UUIDOID, TEXTOID);
    SPAWN_FANOUT_TASKS = "spawn_fanout_tasks" (UUIDOID, TEXTOID);
    COMPLETE_STEP = "complete_step" (UUIDOID, TEXTOID);
    COMPLETE_RUN = "complete_run" (UUIDOID);
    FAIL_RUN = "fail_run" (UUIDOID);
    FAIL_STEP = "fail_step" (UUIDOID, TEXTOID, TEXTOID);
    CLAIM_TASKS = "claim_tasks" (TEXTOID, INT4OID, INT4OID, UUIDOID);
    EXPIRE_LEASES = "expire_leases" (TEXTOID);
    CHECK_COMPLETE_BATCH = "check_complete_batch" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID, JSONBARRAYOID);
    CHECK_FAIL_BATCH = "check_fail_batch" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID);
    COMPLETE_TASK = "complete_task" (UUIDOID, TEXTOID, INT4OID, JSONBOID, UUIDOID);
    COMPLETE_TASKS = "complete_tasks" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID, JSONBARRAYOID, UUIDOID);
    FAIL_TASKS = "fail_tasks" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID, UUIDOID);
    UNKNOWN_TASK_IN_BATCH = "unknown_task_in_batch" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID);
}

thread_local! {
    // Plans are leaked on purpose: they live as long as the backend, like Postgres' own plan cache.
    static PLANS: RefCell<HashMap<&'static str, &'static OwnedPreparedStatement>> =
        RefCell::new(HashMap::new());
}

fn plan(client: &SpiClient<'_>, statement: &Statement) -> Result<&'static OwnedPreparedStatement> {
    if let Some(plan) = PLANS.with(|plans| plans.borrow().get(statement.name).copied()) {
        return Ok(plan);
    }
    let arg_types: Vec<PgOid> = statement.args.iter().map(|oid| PgOid::BuiltIn(*oid)).collect();
    let prepared = client.prepare_mut(statement.sql, &arg_types)?.keep();
    let kept: &'static OwnedPreparedStatement = Box::leak(Box::new(prepared));
    PLANS.with(|plans| plans.borrow_mut().insert(statement.name, kept));
    Ok(kept)
}

/// Runs a kept statement. Plans are prepared as mutating, so every execution takes a fresh
/// snapshot and sees what other sessions committed since the previous statement.
pub fn run<'conn>(
    client: &mut SpiClient<'conn>,
    statement: &Statement,
    args: &[DatumWithOid<'_>],
) -> Result<SpiTupleTable<'conn>> {
    let plan = plan(client, statement)?;
    Ok(client.update(plan, None, args)?)
}

/// Runs a kept statement and returns column 1 of its first row, if any.
pub fn first<T: pgrx::datum::FromDatum + pgrx::datum::IntoDatum>(
    client: &mut SpiClient<'_>,
    statement: &Statement,
    args: &[DatumWithOid<'_>],
) -> Result<Option<T>> {
    let table = run(client, statement, args)?;
    if table.is_empty() {
        return Ok(None);
    }
    Ok(table.first().get::<T>(1)?)
}

/// A NULL argument of the given type for a kept statement.
pub fn null(oid: PgBuiltInOids) -> DatumWithOid<'static> {
    DatumWithOid::null_oid(oid.value())
}
