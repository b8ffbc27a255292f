//! Subtransactions, for the two places the engine needs to undo part of a call: a poll iteration
//! that claimed nothing, and read_results' wait for the run's answers in flight (whose lock it
//! releases at once).

use pgrx::pg_sys;

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
