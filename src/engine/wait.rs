//! Waiting for a run to end without polling. A waiting session holds an advisory lock, shared,
//! keyed by the run (`register_waiter.sql`), and sleeps on its latch. The session that ends the
//! run registers a commit callback (`wake_at_commit`): once its commit is visible, the callback
//! finds the lock's holders in the lock table and sets their latches. The waiter then reads the
//! run again. No table is read between wake-ups, and the NOTIFY the engine sends at the same
//! commit is for clients outside the database.

use std::time::{Duration, Instant};

use pgrx::pg_sys;
use pgrx::{PgXactCallbackEvent, Uuid};

use super::Row;
use crate::error::{PgflowError, Result};
use crate::plans;
use pgrx::spi::SpiClient;

/// The first key of the waiters' advisory lock (the run lock's is 1885824620); it is written in
/// register_waiter.sql too.
const WAITERS_LOCK_CLASS: i32 = 1_885_824_621;

/// How long a waiter sleeps at most before reading the run again even if nobody woke it: a
/// safety net, not the way it learns of the end.
const SAFETY_RECHECK: Duration = Duration::from_secs(10);

/// The second key: the run id's first four bytes (another run with the same ones only causes a
/// spurious wake-up).
fn wait_key(run_id: Uuid) -> i32 {
    let bytes = run_id.as_bytes();
    i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// `pgflow.wait_for_run`: returns once the run is no longer started, or when `timeout` has passed
/// (the run as it is then).
pub fn wait_for_run(client: &mut SpiClient<'_>, run_id: Uuid, timeout: Duration) -> Result<Row> {
    // SAFETY: a plain read of the backend's isolation level.
    if unsafe { pg_sys::XactIsoLevel } >= pg_sys::XACT_REPEATABLE_READ as i32 {
        return Err(PgflowError::WrongState(format!(
            "wait_for_run for run {run_id} needs READ COMMITTED: in a REPEATABLE READ or SERIALIZABLE \
             transaction it would never see the run end"
        )));
    }
    // Registered before the first look: an end committed after this sets the latch, an end
    // committed before it is seen by the look.
    plans::run(client, &plans::REGISTER_WAITER, &[wait_key(run_id).into()])?;
    let deadline = Instant::now() + timeout;
    loop {
        let status = super::runs::run_status(client, run_id)?;
        let now = Instant::now();
        if status != super::words::RunStatus::Started || now >= deadline {
            break;
        }
        sleep_on_latch((deadline - now).min(SAFETY_RECHECK));
    }
    super::runs::get_run(client, run_id)
}

/// Sleeps on the backend's latch until it is set or `wait` has passed, then checks for
/// interrupts: statement_timeout, pg_cancel_backend and pg_terminate_backend end the call here, and
/// a postmaster exit ends the backend.
pub fn sleep_on_latch(wait: Duration) {
    // SAFETY: the backend's own latch, waited on and reset by this backend only.
    unsafe {
        pg_sys::WaitLatch(
            pg_sys::MyLatch,
            (pg_sys::WL_LATCH_SET | pg_sys::WL_TIMEOUT | pg_sys::WL_EXIT_ON_PM_DEATH) as i32,
            wait.as_millis().max(1) as std::ffi::c_long,
            pg_sys::PG_WAIT_EXTENSION,
        );
        pg_sys::ResetLatch(pg_sys::MyLatch);
    }
    pgrx::check_for_interrupts!();
}

/// Sets, after this transaction commits, the latch of every session waiting for `run_id`.
pub fn wake_at_commit(run_id: Uuid) {
    let key = wait_key(run_id);
    pgrx::register_xact_callback(PgXactCallbackEvent::Commit, move || {
        // SAFETY: called after commit, in this backend, with the lock table and the proc array
        // in shared memory; it takes only their LWLocks and allocates in the current context.
        unsafe { wake_waiters(key) }
    });
}

unsafe fn wake_waiters(key: i32) {
    let tag = pg_sys::LOCKTAG {
        locktag_field1: pg_sys::MyDatabaseId.to_u32(),
        locktag_field2: WAITERS_LOCK_CLASS as u32,
        locktag_field3: key as u32,
        locktag_field4: 2, // the (int4, int4) form of the advisory lock functions
        locktag_type: pg_sys::LockTagType::LOCKTAG_ADVISORY as u8,
        locktag_lockmethodid: pg_sys::USER_LOCKMETHOD as u8,
    };
    let mut count: std::ffi::c_int = 0;
    let holders = pg_sys::GetLockConflicts(&tag, pg_sys::ExclusiveLock as pg_sys::LOCKMODE, &mut count);
    if holders.is_null() || count <= 0 {
        return;
    }
    let global = pg_sys::ProcGlobal;
    let procs = (*global).allProcs;
    for i in 0..count as usize {
        let holder = *holders.add(i);
        for p in 0..(*global).allProcCount as usize {
            let proc = procs.add(p);
            if crate::pg_compat::virtual_transaction(proc)
                == (crate::pg_compat::holder_backend(&holder), holder.localTransactionId)
            {
                pg_sys::SetLatch(&mut (*proc).procLatch);
            }
        }
    }
}
