//! Prepared statements kept for the life of the backend. Each query is planned on its first use
//! and reused by every later call; Postgres revalidates kept plans itself after DDL.

use std::cell::RefCell;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::ops::Deref;

use pgrx::datum::{DatumWithOid, FromDatum, IntoDatum};
use pgrx::pg_sys::{PgBuiltInOids, PgOid};
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiHeapTupleData, SpiTupleTable};

use crate::error::{PgflowError, Result};

/// A query of the engine: its SQL (a file under `sql/queries/<family>/`), its argument types and
/// the columns it returns, as the file's header declares them (build.rs generates the registry
/// below from the headers).
pub struct StatementInfo {
    /// The name the plan is kept under: the file's name.
    pub name: &'static str,
    /// The file under sql/queries/, without `.sql`.
    pub file: &'static str,
    pub sql: &'static str,
    pub args: &'static [PgBuiltInOids],
    /// Its last argument is `now`, the clock, which `run` reads and passes: callers pass the others.
    pub reads_clock: bool,
    pub columns: &'static [Column],
}

impl StatementInfo {
    /// The name its header gives column `position` (1-based).
    fn column_name(&self, position: usize) -> &'static str {
        self.columns.get(position.wrapping_sub(1)).map_or("?", |c| c.name)
    }
}

/// A result column a statement's header declares.
pub struct Column {
    pub name: &'static str,
    /// Its SQL type, as the statement returns it (a test compares the two).
    #[cfg_attr(not(any(test, feature = "pg_test")), allow(dead_code))]
    pub sql_type: &'static str,
}

/// A statement whose rows read as `R` (`rows::<File>`).
pub struct Statement<R: 'static> {
    pub info: StatementInfo,
    row: PhantomData<fn() -> R>,
}

impl<R> Statement<R> {
    const fn new(info: StatementInfo) -> Self {
        Statement { info, row: PhantomData }
    }
}

impl<R> Deref for Statement<R> {
    type Target = StatementInfo;
    fn deref(&self) -> &StatementInfo {
        &self.info
    }
}

/// A statement's row, read by position (generated per statement from its header).
pub trait FromRow: Sized {
    fn from_row(row: &SpiHeapTupleData<'_>, statement: &StatementInfo) -> Result<Self>;
}

/// Column `position` (1-based) of a row, which the statement may leave NULL.
pub fn column<T: FromDatum + IntoDatum>(
    row: &SpiHeapTupleData<'_>,
    statement: &StatementInfo,
    position: usize,
) -> Result<Option<T>> {
    row.get::<T>(position).map_err(|error| {
        PgflowError::Internal(format!(
            "pgflow could not read {} of sql/queries/{}.sql: {error}",
            statement.column_name(position),
            statement.file
        ))
    })
}

/// Column `position` (1-based) of a row, which the statement's header promises is never NULL.
pub fn required_column<T: FromDatum + IntoDatum>(
    row: &SpiHeapTupleData<'_>,
    statement: &StatementInfo,
    position: usize,
) -> Result<T> {
    column(row, statement, position)?.ok_or_else(|| {
        PgflowError::Internal(format!(
            "sql/queries/{}.sql returned a NULL {}, which it promises not to",
            statement.file,
            statement.column_name(position)
        ))
    })
}

include!(concat!(env!("OUT_DIR"), "/statements.rs"));

/// Runs a kept statement and reads every row it returns.
pub fn rows<R: FromRow>(
    client: &mut SpiClient<'_>,
    statement: &Statement<R>,
    args: &[DatumWithOid<'_>],
) -> Result<Vec<R>> {
    let table = run(client, statement, args)?;
    let mut rows = Vec::with_capacity(table.len());
    for row in table {
        pgrx::check_for_interrupts!();
        rows.push(R::from_row(&row, statement)?);
    }
    Ok(rows)
}

/// The rows of a statement that reads across runs (deadlines, expired leases) and whose caller then
/// acts run by run: on one node, the statement's; in the Citus mode, the statement's on each shard
/// placed on this node, one after another, so that each node looks after the runs it holds.
pub fn rows_on_this_node<R: FromRow>(
    client: &mut SpiClient<'_>,
    statement: &Statement<R>,
    args: &[DatumWithOid<'_>],
) -> Result<Vec<R>> {
    if !crate::engine::citus::distributed(client)? {
        return rows(client, statement, args);
    }
    let mut found = Vec::new();
    for shard in crate::engine::citus::local_shards(client)? {
        found.extend(rows_on_shard(client, statement, &shard, args)?);
    }
    Ok(found)
}

/// A run-scoped statement whose shape Citus cannot route (verify_run.sql, repair_run.sql): on one
/// node, `rows`; in the Citus mode, run on the run's shard as plain PostgreSQL (`run_on_shard`),
/// which must be on this node. A call made outside a transaction block is delegated to that node
/// by Citus (citus::distribute); one made elsewhere is refused (0A000).
pub fn rows_on_run_shard<R: FromRow>(
    client: &mut SpiClient<'_>,
    statement: &Statement<R>,
    run_id: pgrx::Uuid,
    args: &[DatumWithOid<'_>],
) -> Result<Vec<R>> {
    if !crate::engine::citus::distributed(client)? {
        return rows(client, statement, args);
    }
    let Some(shard) = crate::engine::citus::local_shard_of(client, run_id)? else {
        return Err(PgflowError::NotSupported(format!(
            "{} of run {run_id}: in the Citus mode it runs on the node that holds the run; call it there, \
             or outside a transaction block, where Citus sends the call there",
            statement.name
        )));
    };
    rows_on_shard(client, statement, &shard, args)
}

/// `run_on_shard`, reading its rows.
pub fn rows_on_shard<R: FromRow>(
    client: &mut SpiClient<'_>,
    statement: &Statement<R>,
    shard: &crate::engine::citus::LocalShard,
    args: &[DatumWithOid<'_>],
) -> Result<Vec<R>> {
    let mut found = Vec::new();
    for row in run_on_shard(client, statement, shard, args)? {
        pgrx::check_for_interrupts!();
        found.push(R::from_row(&row, statement)?);
    }
    Ok(found)
}

/// Runs a kept statement and reads its first row, if it returned one.
pub fn row<R: FromRow>(
    client: &mut SpiClient<'_>,
    statement: &Statement<R>,
    args: &[DatumWithOid<'_>],
) -> Result<Option<R>> {
    match run(client, statement, args)?.next() {
        Some(row) => Ok(Some(R::from_row(&row, statement)?)),
        None => Ok(None),
    }
}

thread_local! {
    // Plans are leaked on purpose: they live as long as the backend, like Postgres' own plan cache.
    static PLANS: RefCell<HashMap<&'static str, &'static OwnedPreparedStatement>> =
        RefCell::new(HashMap::new());
    // The Citus mode's plans of statements run on one shard (run_on_shard), by statement and shard.
    static SHARD_PLANS: RefCell<HashMap<(&'static str, i64), &'static OwnedPreparedStatement>> =
        RefCell::new(HashMap::new());
}

/// A statement's SQL with each of pgflow's tables named in `tables` replaced by the other name
/// given (a shard of it): the whole name only, `pgflow.steps` in `pgflow.steps_1` or
/// `pgflow.step_states` is left alone.
pub(crate) fn on_tables(sql: &str, tables: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut rest = sql;
    'scan: while let Some(at) = rest.find("pgflow.") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        for (table, shard) in tables {
            if let Some(after) = tail.strip_prefix(table) {
                if !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                    out.push_str(shard);
                    rest = after;
                    continue 'scan;
                }
            }
        }
        out.push_str("pgflow.");
        rest = &tail["pgflow.".len()..];
    }
    out.push_str(rest);
    out
}

/// Runs a statement on one shard of the run tables placed on this node (the Citus mode): its SQL
/// reads the shard and its colocated shards, and this node's copies of the reference tables, as
/// plain PostgreSQL tables, with its own kept plan per shard. For what must not take row locks
/// across shards: claims (docs/citus.md, "Claims").
pub fn run_on_shard<'conn>(
    client: &mut SpiClient<'conn>,
    statement: &StatementInfo,
    shard: &crate::engine::citus::LocalShard,
    args: &[DatumWithOid<'_>],
) -> Result<SpiTupleTable<'conn>> {
    use pgrx::spi::Query;
    let key = (statement.name, shard.id);
    let plan = match SHARD_PLANS.with(|plans| plans.borrow().get(&key).copied()) {
        Some(plan) => plan,
        None => {
            let sql = on_tables(statement.sql, &shard.tables);
            let kept = keep(client, statement, &sql, &format!(" on shard {}", shard.id))?;
            SHARD_PLANS.with(|plans| plans.borrow_mut().insert(key, kept));
            kept
        }
    };
    let args = with_clock(statement, args)?;
    crate::engine::citus::plan_each_call()?;
    crate::engine::citus::with_shards_writable(|| Ok(plan.execute(client, None, &args)?))
}

/// The arguments a statement is run with: the caller's, and the clock when it reads it.
fn with_clock<'a>(statement: &StatementInfo, args: &[DatumWithOid<'a>]) -> Result<Vec<DatumWithOid<'a>>> {
    if args.len() + usize::from(statement.reads_clock) != statement.args.len() {
        return Err(PgflowError::Internal(format!(
            "sql/queries/{}.sql takes {} arguments, and was given {}",
            statement.file,
            statement.args.len(),
            args.len() + usize::from(statement.reads_clock)
        )));
    }
    let mut all: Vec<DatumWithOid<'a>> = args.iter().map(copy).collect();
    if statement.reads_clock {
        all.push(now()?);
    }
    Ok(all)
}

pub fn plan(client: &SpiClient<'_>, statement: &StatementInfo) -> Result<&'static OwnedPreparedStatement> {
    if let Some(plan) = PLANS.with(|plans| plans.borrow().get(statement.name).copied()) {
        return Ok(plan);
    }
    let kept = keep(client, statement, statement.sql, "")?;
    PLANS.with(|plans| plans.borrow_mut().insert(statement.name, kept));
    Ok(kept)
}

/// A statement's plan, prepared from `sql` (its own, or its text on a shard: `on` says which, for
/// the error) and kept for the life of the backend.
fn keep(
    client: &SpiClient<'_>,
    statement: &StatementInfo,
    sql: &str,
    on: &str,
) -> Result<&'static OwnedPreparedStatement> {
    let arg_types: Vec<PgOid> = statement.args.iter().map(|oid| PgOid::BuiltIn(*oid)).collect();
    let prepared = client
        .prepare_mut(sql, &arg_types)
        .map_err(|error| {
            PgflowError::Internal(format!("sql/queries/{}.sql does not prepare{on}: {error}", statement.file))
        })?
        .keep();
    Ok(Box::leak(Box::new(prepared)))
}

/// Runs a kept statement. Plans are prepared as mutating, so every execution takes a fresh
/// snapshot and sees what other sessions committed since the previous statement.
///
/// Executed through `Query::execute`, not `SpiClient::update`: `update` first asks PostgreSQL for
/// the transaction's id, which assigns one. Every call then had an id, reads included (a poll
/// that found nothing, `progress`, `wait_for_run` for its whole wait): an id consumed, a commit
/// record flushed to the WAL at its end, and the oldest running id held back for vacuum while it
/// lasted. A statement that writes gets its id from PostgreSQL when it writes.
pub fn run<'conn>(
    client: &mut SpiClient<'conn>,
    statement: &StatementInfo,
    args: &[DatumWithOid<'_>],
) -> Result<SpiTupleTable<'conn>> {
    if crate::engine::citus::distributed(client)? {
        crate::engine::citus::plan_each_call()?;
    }
    execute(client, statement, args)
}

/// Runs a kept statement as it is, whatever the mode (`run` without the Citus mode's settings):
/// for the question whether this is the Citus mode.
pub fn execute<'conn>(
    client: &mut SpiClient<'conn>,
    statement: &StatementInfo,
    args: &[DatumWithOid<'_>],
) -> Result<SpiTupleTable<'conn>> {
    use pgrx::spi::Query;
    let plan = plan(client, statement)?;
    if !statement.reads_clock && args.len() == statement.args.len() {
        return Ok(plan.execute(client, None, args)?);
    }
    Ok(plan.execute(client, None, &with_clock(statement, args)?)?)
}

/// The clock, as `clock_timestamp()` reads it, for a statement's `now` argument: read in Rust and
/// passed in, since Citus refuses a volatile function in an UPDATE or DELETE of a distributed
/// table (and evaluates a parameter once, wherever the statement then runs).
pub fn now() -> Result<DatumWithOid<'static>> {
    // SAFETY: GetCurrentTimestamp only reads the clock.
    let now = unsafe { pgrx::pg_sys::GetCurrentTimestamp() };
    pgrx::datum::TimestampWithTimeZone::try_from(now)
        .map(Into::into)
        .map_err(|error| PgflowError::Internal(format!("the clock reads no timestamp ({now}): {error}")))
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

/// The columns a statement returns, as the parser sees them (name, type): what its header must
/// declare. Must run inside an SPI connection.
#[cfg(any(test, feature = "pg_test"))]
pub fn result_columns(statement: &StatementInfo) -> Vec<(String, String)> {
    use pgrx::pg_sys;
    use std::ffi::{CStr, CString};
    let sql = CString::new(statement.sql).expect("no NUL in a statement");
    let mut oids: Vec<pg_sys::Oid> = statement.args.iter().map(|oid| oid.value()).collect();
    // SAFETY: a plain SPI prepare inside the caller's connection; the plan sources' result
    // descriptor is read while the plan lives and the plan is freed after.
    unsafe {
        let plan = pg_sys::SPI_prepare(sql.as_ptr(), oids.len() as i32, oids.as_mut_ptr());
        assert!(!plan.is_null(), "{} does not prepare", statement.file);
        let sources = pgrx::PgList::<pg_sys::CachedPlanSource>::from_pg(pg_sys::SPI_plan_get_plan_sources(plan));
        let source = sources.get_ptr(sources.len() - 1).expect("a plan source");
        let desc = (*source).resultDesc;
        let mut columns = Vec::new();
        if !desc.is_null() {
            // pgrx's descriptor reads the attributes as each major lays them out (18 moved them).
            for attribute in pgrx::PgTupleDesc::from_pg_unchecked(desc).iter() {
                let name = attribute.name().to_string();
                let type_name =
                    CStr::from_ptr(pg_sys::format_type_be(attribute.type_oid().value())).to_string_lossy().into_owned();
                columns.push((name, type_name));
            }
        }
        pg_sys::SPI_freeplan(plan);
        columns
    }
}
