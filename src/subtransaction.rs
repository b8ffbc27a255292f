//! Subtransactions, for the places the engine needs to undo part of a call: a poll iteration
//! that claimed nothing, read_results' wait for the run's answers in flight (whose lock it
//! releases at once), and a step's end whose output does not fit in one JSON value.

use std::panic::AssertUnwindSafe;

use pgrx::pg_sys::{self, panic::CaughtError, PgTryBuilder};
use pgrx::PgSqlErrorCode;

use crate::error::Result;

/// Runs `body` in a subtransaction and keeps what it did when `keep` says so; otherwise rolls it
/// back, and with it every row lock it took. (A PostgreSQL error inside aborts the whole call,
/// unless `catching` caught it.)
pub fn run<T>(body: impl FnOnce() -> Result<T>, keep: impl FnOnce(&T) -> bool) -> Result<T> {
    // SAFETY: the calls PL/pgSQL makes around an exception block. The memory context and resource
    // owner are put back as they were, so allocations made by `body` outlive the subtransaction
    // (and before the rollback: an error `body` caught may have left another context current).
    unsafe {
        let context = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(context);
        let result = body();
        pg_sys::MemoryContextSwitchTo(context);
        match &result {
            Ok(value) if keep(value) => pg_sys::ReleaseCurrentSubTransaction(),
            _ => pg_sys::RollbackAndReleaseCurrentSubTransaction(),
        }
        pg_sys::MemoryContextSwitchTo(context);
        pg_sys::CurrentResourceOwner = owner;
        result
    }
}

/// Runs `body` in a subtransaction (`run`). A PostgreSQL error of SQLSTATE `code` raised inside
/// rolls it back, with everything `body` did, and comes back as `Ok(Err(message))`, as an exception
/// block of PL/pgSQL would catch it (pgrx has copied and flushed the error: it is a Rust panic by
/// then); any other error aborts the whole call.
pub fn catching<T>(code: PgSqlErrorCode, body: impl FnOnce() -> Result<T>) -> Result<std::result::Result<T, String>> {
    run(
        || {
            PgTryBuilder::new(AssertUnwindSafe(|| body().map(Ok)))
                .catch_when(code, |caught| match caught {
                    CaughtError::PostgresError(report) | CaughtError::ErrorReport(report) => {
                        Ok(Err(report.message().to_string()))
                    }
                    CaughtError::RustPanic { .. } => caught.rethrow(),
                })
                .execute()
        },
        |outcome| outcome.is_ok(),
    )
}
