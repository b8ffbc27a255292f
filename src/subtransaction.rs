//! Subtransactions, for the places the engine needs to undo part of a call: a poll iteration
//! that claimed nothing, read_results' wait for the run's answers in flight (whose lock it
//! releases at once), and a step's end whose output does not fit in one JSON value.

use std::panic::AssertUnwindSafe;

use pgrx::pg_sys::{self, panic::CaughtError, PgTryBuilder};
use pgrx::PgSqlErrorCode;

use crate::error::Result;

/// Runs `body` in a subtransaction and keeps what it did when `keep` says so; otherwise rolls it
/// back, and with it every row lock it took. (A PostgreSQL error inside aborts the whole call.)
pub fn run<T>(body: impl FnOnce() -> Result<T>, keep: impl FnOnce(&T) -> bool) -> Result<T> {
    // SAFETY: the calls PL/pgSQL makes around an exception block. The memory context and resource
    // owner are put back as they were, so allocations made by `body` outlive the subtransaction.
    unsafe {
        let context = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(context);
        let result = body();
        match &result {
            Ok(value) if keep(value) => pg_sys::ReleaseCurrentSubTransaction(),
            _ => pg_sys::RollbackAndReleaseCurrentSubTransaction(),
        }
        pg_sys::MemoryContextSwitchTo(context);
        pg_sys::CurrentResourceOwner = owner;
        result
    }
}

/// Runs `body` in a subtransaction. A PostgreSQL error of SQLSTATE `code` raised inside rolls the
/// subtransaction back, with everything `body` did, and comes back as `Ok(Err(message))`, as an
/// exception block of PL/pgSQL would catch it; any other error aborts the whole call.
pub fn catching<T>(code: PgSqlErrorCode, body: impl FnOnce() -> Result<T>) -> Result<std::result::Result<T, String>> {
    // SAFETY: as `run`, and on the error as PL/pgSQL's exception block: pgrx has copied and flushed
    // the error (it is a Rust panic by now); the subtransaction is rolled back, which releases its
    // locks and buffers and the SPI state it made, and the memory context and resource owner are
    // put back.
    unsafe {
        let context = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(context);
        let outcome = PgTryBuilder::new(AssertUnwindSafe(|| Ok(body())))
            .catch_when(code, |caught| match caught {
                CaughtError::PostgresError(report) | CaughtError::ErrorReport(report) => {
                    Err(report.message().to_string())
                }
                CaughtError::RustPanic { .. } => caught.rethrow(),
            })
            .execute();
        match &outcome {
            Ok(Ok(_)) => pg_sys::ReleaseCurrentSubTransaction(),
            _ => {
                pg_sys::MemoryContextSwitchTo(context);
                pg_sys::RollbackAndReleaseCurrentSubTransaction();
            }
        }
        pg_sys::MemoryContextSwitchTo(context);
        pg_sys::CurrentResourceOwner = owner;
        match outcome {
            Ok(result) => result.map(Ok),
            Err(message) => Ok(Err(message)),
        }
    }
}
