//! Prepared statements kept for the life of the backend. Each query is planned on its first use
//! and reused by every later call; Postgres revalidates kept plans itself after DDL.

use std::cell::RefCell;
use std::collections::HashMap;

use pgrx::datum::{DatumWithOid, FromDatum, IntoDatum};
use pgrx::pg_sys::{PgBuiltInOids, PgOid};
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiHeapTupleData, SpiTupleTable};

use crate::error::{PgflowError, Result};

/// A query of the engine: its SQL (a file under `sql/queries/`) and its argument types. One file
/// may be prepared under two names when it serves two argument types.
pub struct Statement {
    /// The name the plan is kept under.
    pub name: &'static str,
    /// The file under sql/queries/, without `.sql`.
    pub file: &'static str,
    pub sql: &'static str,
    pub args: &'static [PgBuiltInOids],
}

macro_rules! statements {
    ($($name:ident = $file:literal $(as $alias:literal)? ($($arg:ident),*);)*) => {
        $(pub static $name: Statement = Statement {
            name: statements!(@name $file $(, $alias)?),
            file: $file,
            sql: include_str!(concat!("../sql/queries/", $file, ".sql")),
            args: &[$(PgBuiltInOids::$arg),*],
        };)*
        /// Every statement of the engine (a test prepares them all).
        #[allow(dead_code)]
        pub static ALL: &[&Statement] = &[$(&$name),*];
    };
    (@name $file:literal) => { $file };
    (@name $file:literal, $alias:literal) => { $alias };
}

statements! {
    // Definitions
    CREATE_FLOW = "create_flow" (TEXTOID, INT4OID, INT4OID, INT4OID, INT4OID, INT4OID, INT4OID);
    FIND_FLOW = "find_flow" (TEXTOID);
    FIND_STEP = "find_step" (TEXTOID, TEXTOID);
    MISSING_DEPS = "missing_deps" (TEXTOID, TEXTARRAYOID);
    INSERT_STEP = "insert_step" (TEXTOID, TEXTOID, TEXTARRAYOID, INT4OID, INT4OID, INT4OID, INT4OID, TEXTOID,
                                 TEXTOID, NUMERICOID, TEXTOID, INT4OID, INT4OID, BOOLOID, JSONBOID, JSONBOID, TEXTOID, TEXTOID,
                                 INT4OID, INT4OID, TEXTOID);
    FLOW_DEFINITION = "flow_definition" (TEXTOID);
    LOCK_FLOW_SLUG = "lock_flow_slug" (TEXTOID);
    COUNT_UNFINISHED_RUNS = "count_unfinished_runs" (TEXTOID);
    UNFINISHED_RUNS = "unfinished_runs" (TEXTOID);
    DELETE_FLOW = "delete_flow" (TEXTOID);
    SUBFLOW_CYCLE = "subflow_cycle" (TEXTOID, TEXTOID);
    SUBFLOW_USERS = "subflow_users" (TEXTOID);
    // Reading runs
    START_FLOW_CHECK = "start_flow_check" (TEXTOID, JSONBOID);
    RUN_EXISTS = "run_exists" (UUIDOID);
    FLOW_EXISTS = "flow_exists" (TEXTOID);
    FIND_RUN_BY_KEY = "find_run_by_key" (TEXTOID, TEXTOID);
    RUN_STATUS = "run_status" (UUIDOID);
    GET_RUN = "get_run" (UUIDOID);
    RUN_WITH_STATES = "run_with_states" (UUIDOID);
    VERIFY_RUN = "verify_run" (UUIDOID);
    STEP_FOR_SPAWN = "step_for_spawn" (UUIDOID, TEXTOID);
    UNKNOWN_TASK_IN_BATCH = "unknown_task_in_batch" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID);
    RUN_STATUSES = "run_statuses" (UUIDOID);
    STARTED_STEPS = "started_steps" (UUIDOID);
    UNKNOWN_STEP_OF_FLOW = "unknown_step_of_flow" (TEXTOID, TEXTARRAYOID);
    // Watching and waiting
    PROGRESS = "progress" (UUIDOID);
    STATS = "stats" (TEXTOID);
    READ_RESULTS_HORIZON = "read_results_horizon" (UUIDOID);
    READ_RESULTS = "read_results" (UUIDOID, TEXTOID, INT8OID, INT4OID, INT8OID);
    RUN_TREE = "run_tree" (UUIDOID);
    LIST_RUNS = "list_runs" (TEXTOID, TEXTOID, TIMESTAMPTZOID, INT4OID, UUIDOID);
    REGISTER_WAITER = "register_waiter" (INT4OID);
    // Transitions (src/engine/machine.rs; the table is in docs/architecture.md)
    LOCK_RUNS = "lock_runs" (UUIDARRAYOID);
    LOCK_ANSWERED_TASKS = "lock_answered_tasks" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID, UUIDOID);
    CREATE_RUN = "create_run" (TEXTOID, JSONBOID, UUIDOID, TEXTOID, INT4OID);
    START_READY_STEPS = "start_ready_steps" (UUIDARRAYOID);
    START_CHILD_RUNS = "start_child_runs" (UUIDOID, TEXTOID, INT4ARRAYOID);
    CANCEL_DESCENDANT_RUNS = "cancel_descendant_runs" (UUIDOID, TEXTOID);
    RESUME_CHILD_RUNS = "resume_child_runs" (UUIDOID);
    SPAWN_FANOUT_TASKS = "spawn_fanout_tasks" (UUIDOID, TEXTOID);
    CLAIM_TASKS = "claim_tasks" (TEXTOID, INT4OID, INT4OID, UUIDOID, TEXTARRAYOID, BOOLOID, INT4OID);
    LOCK_FLOW_CAPACITY = "lock_flow_capacity" (TEXTOID, BOOLOID);
    REQUEUE_EXPIRED_LEASES = "requeue_expired_leases" (TEXTOID);
    EXPIRED_LAST_ATTEMPTS = "expired_last_attempts" (TEXTOID);
    EXTEND_LEASE = "extend_lease" (UUIDOID, TEXTOID, INT4OID, INT4OID, UUIDOID);
    COMPLETE_TASK = "complete_task" (UUIDOID, TEXTOID, INT4OID, JSONBOID, UUIDOID);
    COMPLETE_TASKS = "complete_tasks" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID, JSONBARRAYOID, UUIDOID);
    EXHAUSTING_RUNS = "exhausting_runs" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID, UUIDOID);
    FAIL_TASKS = "fail_tasks" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID, UUIDOID, BOOLOID);
    COUNT_EXHAUSTED = "count_exhausted" (UUIDOID, TEXTOID, INT4ARRAYOID, INT4ARRAYOID);
    WRONG_BATCH_ANSWERS = "wrong_batch_answers" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID, JSONBARRAYOID, UUIDOID);
    FIRST_FAILURE = "first_failure" (UUIDOID, TEXTOID);
    FINISH_STEP = "finish_step" (UUIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID);
    SKIP_DOWNSTREAM = "skip_downstream" (UUIDOID, TEXTOID);
    FAIL_STEP = "fail_step" (UUIDOID, TEXTOID, TEXTOID);
    CANCEL_STEP_TASKS = "cancel_step_tasks" (UUIDOID, TEXTOID, TEXTOID);
    COMPLETE_RUN = "complete_run" (UUIDOID);
    FAIL_RUN = "fail_run" (UUIDOID, TEXTOID, BOOLOID);
    CANCEL_RUN = "cancel_run" (UUIDOID);
    CANCEL_STEPS = "cancel_steps" (UUIDOID);
    CANCEL_RUN_TASKS = "cancel_run_tasks" (UUIDOID);
    DUE_DEADLINES = "due_deadlines" (TEXTOID);
    STEP_PAST_DEADLINE = "step_past_deadline" (UUIDOID, TEXTOID);
    REDRIVE = "redrive" (UUIDOID);
    STAMP_RESULTS = "stamp_results" (UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID);
    REPAIR_RUN = "repair_run" (UUIDOID);
    PRUNE_RUNS = "prune_runs" (INTERVALOID, TEXTOID, INT4OID);
}

thread_local! {
    // Plans are leaked on purpose: they live as long as the backend, like Postgres' own plan cache.
    static PLANS: RefCell<HashMap<&'static str, &'static OwnedPreparedStatement>> =
        RefCell::new(HashMap::new());
}

pub fn plan(client: &SpiClient<'_>, statement: &Statement) -> Result<&'static OwnedPreparedStatement> {
    if let Some(plan) = PLANS.with(|plans| plans.borrow().get(statement.name).copied()) {
        return Ok(plan);
    }
    let arg_types: Vec<PgOid> = statement.args.iter().map(|oid| PgOid::BuiltIn(*oid)).collect();
    let prepared = client
        .prepare_mut(statement.sql, &arg_types)
        .map_err(|error| {
            PgflowError::Internal(format!("sql/queries/{}.sql does not prepare: {error}", statement.file))
        })?
        .keep();
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

/// Runs a kept statement and returns its first row's column `column`, if there is a row.
pub fn first<T: FromDatum + IntoDatum>(
    client: &mut SpiClient<'_>,
    statement: &Statement,
    args: &[DatumWithOid<'_>],
    column: &str,
) -> Result<Option<T>> {
    match run(client, statement, args)?.next() {
        Some(row) => get(&row, column),
        None => Ok(None),
    }
}

/// Runs a kept statement and returns its first row, if any.
pub fn first_row<'conn>(
    client: &mut SpiClient<'conn>,
    statement: &Statement,
    args: &[DatumWithOid<'_>],
) -> Result<Option<SpiHeapTupleData<'conn>>> {
    Ok(run(client, statement, args)?.next())
}

/// Column `column` of a row a statement returned, by name.
pub fn get<T: FromDatum + IntoDatum>(row: &SpiHeapTupleData<'_>, column: &str) -> Result<Option<T>> {
    row.get_by_name::<T, _>(column)
        .map_err(|error| PgflowError::Internal(format!("pgflow could not read column {column}: {error}")))
}

/// A column of a statement's row that the statement never leaves NULL.
pub fn get_required<T: FromDatum + IntoDatum>(row: &SpiHeapTupleData<'_>, column: &str) -> Result<T> {
    get(row, column)?
        .ok_or_else(|| PgflowError::Internal(format!("pgflow read a NULL {column} where a value is required")))
}

/// Another handle on the same argument datum (`DatumWithOid` is not `Clone`); the datum it
/// points to lives as long as the original.
pub fn copy<'a>(datum: &DatumWithOid<'a>) -> DatumWithOid<'a> {
    // SAFETY: same datum and type as an existing, valid argument.
    unsafe { DatumWithOid::new_from_datum(datum.datum(), datum.oid()) }
}

/// A NULL argument of the given type for a kept statement.
pub fn null(oid: PgBuiltInOids) -> DatumWithOid<'static> {
    DatumWithOid::null_oid(oid.value())
}

/// An optional argument: its value, or a NULL of its type.
pub fn optional<'a, T: IntoDatum + Into<DatumWithOid<'a>>>(value: Option<T>, oid: PgBuiltInOids) -> DatumWithOid<'a> {
    value.map(Into::into).unwrap_or_else(|| null(oid))
}
