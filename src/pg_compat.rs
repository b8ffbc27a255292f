//! What differs between the PostgreSQL majors the extension builds for (Cargo features pg15,
//! pg17, pg18), each difference written once here.

use pgrx::pg_sys;

/// A backend's local transaction id and the number that names the backend in a virtual
/// transaction id. PostgreSQL 17 gathered both in PGPROC.vxid and renamed the backend's number
/// (backendId -> procNumber).
///
/// # Safety
/// `proc` points at a PGPROC of the shared array (ProcGlobal->allProcs, or MyProc).
#[cfg(feature = "pg15")]
pub unsafe fn virtual_transaction(proc: *const pg_sys::PGPROC) -> (i32, pg_sys::LocalTransactionId) {
    unsafe { ((*proc).backendId, (*proc).lxid) }
}

/// See the pg15 one.
///
/// # Safety
/// `proc` points at a PGPROC of the shared array (ProcGlobal->allProcs, or MyProc).
#[cfg(any(feature = "pg17", feature = "pg18"))]
pub unsafe fn virtual_transaction(proc: *const pg_sys::PGPROC) -> (i32, pg_sys::LocalTransactionId) {
    unsafe { ((*proc).vxid.procNumber, (*proc).vxid.lxid) }
}

/// The backend number of a virtual transaction id (a lock holder's, from GetLockConflicts).
#[cfg(feature = "pg15")]
pub fn holder_backend(holder: &pg_sys::VirtualTransactionId) -> i32 {
    holder.backendId
}

/// See the pg15 one.
#[cfg(any(feature = "pg17", feature = "pg18"))]
pub fn holder_backend(holder: &pg_sys::VirtualTransactionId) -> i32 {
    holder.procNumber
}
