//! Tasks: the checks and the waiting around claims and answers. What claims and answers change is
//! done by the state machine (`machine`). Answers that come too late (the task was already
//! answered, retried, or cancelled with its run) change nothing and raise nothing.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

use pgrx::array::RawArray;
use pgrx::datum::{DatumWithOid, TimestampWithTimeZone};
use pgrx::pg_sys;
use pgrx::pg_sys::BuiltinOid::{INT4OID, JSONBOID, TEXTARRAYOID, TEXTOID, UUIDOID};
use pgrx::spi::SpiClient;
use pgrx::Uuid;

use super::{machine, wait};
use crate::error::{PgflowError, Result};
use crate::plans::{self, copy};
use crate::raw::{RawJsonb, RawStepTask, RawTaskRecord};
use crate::subtransaction;

pub struct Poll {
    /// None: each task's lease is its step's timeout (else the flow's).
    pub lease_seconds: Option<i32>,
    pub qty: i32,
    pub max_poll_seconds: i32,
    pub poll_interval_ms: i32,
    /// Recorded on each claimed task: answers naming another worker are then refused.
    pub worker_id: Option<Uuid>,
    /// Claim only tasks of these steps (None: of every step of the flow).
    pub step_slugs: Option<Vec<String>>,
}

/// A worker id as a statement argument: NULL when the caller gave none (no ownership check).
pub fn worker_arg(worker_id: Option<Uuid>) -> DatumWithOid<'static> {
    plans::optional(worker_id, UUIDOID)
}

/// How often one backend's polls of a flow look for due deadlines, expired last attempts and
/// expired leases: a worker polling a thousand times a second need not look each time, and a
/// lease of seconds is put back at most this much later. Within one transaction (a test, a
/// caller's own loop) every poll looks.
const DUE_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// What a poll looks for now and then rather than every time.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum DueWork {
    /// Deadlines and last attempts whose lease expired: they take runs' locks.
    Deadlines,
    /// Leases that expired with attempts left: back to the queue.
    ExpiredLeases,
}

thread_local! {
    /// Per kind and flow: the transaction (by its start time) and the moment this backend last looked.
    static LAST_DUE_CHECK: RefCell<HashMap<(DueWork, String), (pg_sys::TimestampTz, Instant)>> = RefCell::new(HashMap::new());
}

/// True when this poll is to look for due work: every poll inside the transaction of the last
/// look, and the first one after DUE_CHECK_INTERVAL otherwise.
fn due_check_turn(work: DueWork, flow_slug: &str) -> bool {
    // SAFETY: reads a field of the current transaction's state; a function call is always in one.
    let transaction = unsafe { pg_sys::GetCurrentTransactionStartTimestamp() };
    let now = Instant::now();
    LAST_DUE_CHECK.with(|last| {
        let mut last = last.borrow_mut();
        let key = (work, flow_slug.to_string());
        let turn = match last.get(&key) {
            Some((checked_in, at)) => *checked_in == transaction || now.duration_since(*at) >= DUE_CHECK_INTERVAL,
            None => true,
        };
        if turn {
            last.insert(key, (transaction, now));
        }
        turn
    })
}

pub fn poll_for_tasks(client: &mut SpiClient<'_>, flow_slug: &str, poll: Poll) -> Result<Vec<RawTaskRecord>> {
    check_poll(client, &format!("poll_for_tasks on flow '{flow_slug}'"), flow_slug, &poll)?;
    if poll.qty == 0 {
        return Ok(Vec::new());
    }
    // Deadlines and last-attempt expiries take runs' locks, which must come before this
    // transaction holds any task (a later iteration holds what the requeue below took).
    check_due_work(client, flow_slug)?;
    let deadline = Instant::now() + Duration::from_secs(poll.max_poll_seconds as u64);
    // A claim can lock a task it does not claim: one its snapshot still saw queued while another
    // worker's claim committed, whose newer version no longer matches. Such a lock lasts as long
    // as this call, and that worker's answer waits for it; it must not last through a sleep.
    // So only the first look of a poll in a transaction that has written nothing runs as it is:
    // a transaction id assigned by it means it locked or wrote something, and an empty look then
    // returns at once. Every other look runs in a subtransaction, undone when it claims nothing.
    let mut plain = !holds_anything();
    loop {
        let look = look(client, flow_slug, &poll, plain, true)?;
        if let Some(claimed) = look.claimed {
            return Ok(claimed);
        }
        // A plain look that took the flow's capacity lock holds it to the end of the transaction:
        // other claims of the flow would wait through the sleep.
        let may_hold_locks = plain && (holds_anything() || look.held_capacity);
        let now = Instant::now();
        if may_hold_locks || now >= deadline {
            return Ok(Vec::new());
        }
        plain = false;
        let wait = Duration::from_millis(poll.poll_interval_ms as u64).min(deadline - now);
        wait::sleep_on_latch(wait);
    }
}

fn check_poll(client: &mut SpiClient<'_>, subject: &str, flow_slug: &str, poll: &Poll) -> Result<()> {
    crate::validate::option(subject, "vt", poll.lease_seconds, 0)?;
    crate::validate::option(subject, "qty", Some(poll.qty), 0)?;
    crate::validate::option(subject, "max_poll_seconds", Some(poll.max_poll_seconds), 0)?;
    crate::validate::option(subject, "poll_interval_ms", Some(poll.poll_interval_ms), 1)?;
    if let Some(step_slugs) = &poll.step_slugs {
        let args: [DatumWithOid; 2] = [flow_slug.into(), step_slugs.clone().into()];
        if let Some(unknown) = plans::row(client, &plans::UNKNOWN_STEP_OF_FLOW, &args)? {
            return Err(PgflowError::UnknownStepOfFlow {
                flow_slug: flow_slug.to_string(),
                step_slug: unknown.step_slug,
            });
        }
    }
    Ok(())
}

/// Due deadlines and expired last attempts of the flow, on this backend's turn (`due_check_turn`).
pub(super) fn check_due_work(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<()> {
    if due_check_turn(DueWork::Deadlines, flow_slug) {
        machine::enforce_deadlines(client, Some(flow_slug))?;
        machine::fail_expired_last_attempts(client, flow_slug)?;
    }
    Ok(())
}

/// Whether this transaction has written or locked anything (it has a transaction id).
fn holds_anything() -> bool {
    // SAFETY: reads the current transaction's state; a function call is always in one.
    unsafe { pg_sys::GetTopTransactionIdIfAny() != pg_sys::InvalidTransactionId }
}

/// What one look found: the claimed tasks, or None; and whether it took the flow's capacity lock.
pub(super) struct Look {
    pub(super) claimed: Option<Vec<RawTaskRecord>>,
    held_capacity: bool,
}

/// One look for claimable tasks: expired leases back to the queue (on this backend's turn), then a
/// claim; for a flow with max_concurrency, a claim under its capacity lock. Not `plain`, it runs
/// in a subtransaction that is undone when it claims nothing, so that an empty look leaves no lock
/// behind.
pub(super) fn look(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    poll: &Poll,
    plain: bool,
    may_requeue: bool,
) -> Result<Look> {
    let mut held_capacity = false;
    let mut once = || -> Result<_> {
        if may_requeue {
            requeue_on_turn(client, flow_slug)?;
        }
        let (claimed, took_capacity) = claim_under_cap(client, flow_slug, poll, poll.qty, true)?;
        held_capacity = took_capacity;
        Ok(claimed)
    };
    // The rows are read after a subtransaction ends: what reading them takes must belong to the
    // call, not to the subtransaction.
    let claimed = if plain { once()? } else { subtransaction::run(once, |claimed| !claimed.is_empty())? };
    let held_capacity = held_capacity && plain;
    if claimed.is_empty() {
        return Ok(Look { claimed: None, held_capacity });
    }
    Ok(Look { claimed: Some(machine::claimed_tasks(claimed)?), held_capacity })
}

/// `pgflow.complete_tasks_and_poll`: checks the call, then answers and claims in the lock order
/// `machine::answer_and_claim` keeps.
pub fn complete_tasks_and_poll(
    client: &mut SpiClient<'_>,
    function: &str,
    tasks: &TaskRefs<'_>,
    outputs: DatumWithOid<'_>,
    flow_slug: &str,
    poll: Poll,
) -> Result<Vec<RawTaskRecord>> {
    check_poll(client, &format!("{function} on flow '{flow_slug}'"), flow_slug, &poll)?;
    let answers = check_batch(function, tasks, ("outputs", &outputs))?;
    if poll.qty == 0 {
        write_answers(client, tasks, outputs, answers, false)?;
        return Ok(Vec::new());
    }
    machine::answer_and_claim(client, tasks, outputs, answers, flow_slug, &poll)
}

/// A claim of up to `qty` made after answers were written, which never waits: a capped flow's
/// capacity lock is taken only if free (else it claims nothing), since this transaction holds
/// the answers' parts and steps' rows, and a holder of that lock may be waiting for them.
pub(super) fn claim_without_waiting(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    poll: &Poll,
    qty: i32,
) -> Result<Vec<RawTaskRecord>> {
    machine::claimed_tasks(claim_under_cap(client, flow_slug, poll, qty, false)?.0)
}

/// A claim of up to `qty` of `poll`'s steps. An uncapped flow's claim is the only statement; a
/// capped one's takes nothing without the flow's capacity lock, so it takes the lock (waiting for
/// it when `wait`, else only if it is free) and claims again under it. Returns the claim's rows and
/// whether it took the lock.
fn claim_under_cap<'conn>(
    client: &mut SpiClient<'conn>,
    flow_slug: &str,
    poll: &Poll,
    qty: i32,
    wait: bool,
) -> Result<(machine::Claimed<'conn>, bool)> {
    let steps = || plans::optional(poll.step_slugs.clone(), TEXTARRAYOID);
    let lease = poll.lease_seconds;
    let claimed = machine::claim(client, flow_slug, lease, qty, worker_arg(poll.worker_id), steps(), false)?;
    if !claimed.is_empty() || !machine::lock_flow_capacity(client, flow_slug, wait)? {
        return Ok((claimed, false));
    }
    Ok((machine::claim(client, flow_slug, lease, qty, worker_arg(poll.worker_id), steps(), true)?, true))
}

/// Expired leases back to the queue, on this backend's turn (see due_check_turn); returns whether
/// it was its turn.
pub(super) fn requeue_on_turn(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<bool> {
    let turn = due_check_turn(DueWork::ExpiredLeases, flow_slug);
    if turn {
        machine::requeue_expired_leases(client, flow_slug)?;
    }
    Ok(turn)
}

/// The tasks a batch of answers is about, as parallel arrays (the fourth array, outputs or error
/// messages, is passed beside it).
pub struct TaskRefs<'a> {
    pub run_ids: DatumWithOid<'a>,
    pub step_slugs: DatumWithOid<'a>,
    pub task_indexes: DatumWithOid<'a>,
    /// The answering worker (NULL: any holder of the claim).
    pub worker_id: DatumWithOid<'a>,
}

impl<'a> TaskRefs<'a> {
    /// One task, as one-element arrays.
    pub fn one(run_id: Uuid, step_slug: &str, task_index: i32, worker_id: Option<Uuid>) -> TaskRefs<'static> {
        TaskRefs {
            run_ids: vec![run_id].into(),
            step_slugs: vec![step_slug].into(),
            task_indexes: vec![task_index].into(),
            worker_id: worker_arg(worker_id),
        }
    }

    pub(super) fn keys(&self) -> [DatumWithOid<'a>; 3] {
        [copy(&self.run_ids), copy(&self.step_slugs), copy(&self.task_indexes)]
    }
}

/// Refuses a malformed batch before anything is written; returns how many answers it holds. Read
/// off the arrays' headers and null bitmaps, so it costs no query and nothing per element but a
/// bit test when an array has NULLs.
fn check_batch(function: &str, tasks: &TaskRefs<'_>, fourth: (&str, &DatumWithOid<'_>)) -> Result<i64> {
    let arrays =
        [("run_ids", &tasks.run_ids), ("step_slugs", &tasks.step_slugs), ("task_indexes", &tasks.task_indexes), fourth];
    let mut lengths = [0usize; 4];
    for (i, (name, datum)) in arrays.iter().enumerate() {
        let (length, first_null) = array_header(datum);
        if let Some(position) = first_null {
            return Err(PgflowError::NullElement(format!(
                "pgflow.{function}: {name} has a NULL at position {position}"
            )));
        }
        lengths[i] = length;
    }
    if lengths.iter().any(|&length| length != lengths[0]) {
        return Err(PgflowError::InvalidArgument(format!(
            "pgflow.{function}: the arrays must have the same length, got {}, {}, {} and {}",
            lengths[0], lengths[1], lengths[2], lengths[3]
        )));
    }
    Ok(lengths[0] as i64)
}

/// An array argument's element count and the 1-based position of its first NULL, if any.
fn array_header(datum: &DatumWithOid<'_>) -> (usize, Option<usize>) {
    // The shims refuse NULL arrays before this.
    let Some(datum) = datum.datum() else { return (0, None) };
    // SAFETY: the datum is an array argument of the call; detoasting returns it, or a copy in
    // the call's memory context, valid for the call.
    let mut array = unsafe {
        let pointer = pg_sys::pg_detoast_datum(datum.sans_lifetime().cast_mut_ptr()) as *mut pg_sys::ArrayType;
        RawArray::from_ptr(NonNull::new_unchecked(pointer))
    };
    let length = array.len();
    let first_null = array.nulls().and_then(|bitmap| {
        // SAFETY: the bitmap holds one bit per element (0: NULL), as `nulls` promises.
        let bitmap = unsafe { bitmap.as_ref() };
        (0..length).find(|i| bitmap[i / 8] & (1 << (i % 8)) == 0).map(|i| i + 1)
    });
    (length, first_null)
}

/// The element of a one-element array argument (checked by `check_batch`: no NULL), as a datum
/// of its element type, whatever the array's bounds. It points into the array, which lives as long
/// as the call.
fn only_element<'a>(array: &DatumWithOid<'a>, element: pg_sys::Oid) -> DatumWithOid<'a> {
    let Some(datum) = array.datum() else { return DatumWithOid::null_oid(element) };
    // SAFETY: the datum is an array argument of the call whose elements are of type `element`;
    // detoasting returns it, or a copy in the call's memory context, and deconstruct_array
    // allocates its results there too.
    unsafe {
        let pointer = pg_sys::pg_detoast_datum(datum.sans_lifetime().cast_mut_ptr()) as *mut pg_sys::ArrayType;
        let (mut length, mut by_value, mut align) = (0i16, false, 0 as std::ffi::c_char);
        pg_sys::get_typlenbyvalalign(element, &mut length, &mut by_value, &mut align);
        let mut elements: *mut pg_sys::Datum = std::ptr::null_mut();
        let mut nulls: *mut bool = std::ptr::null_mut();
        let mut count = 0;
        pg_sys::deconstruct_array(
            pointer,
            element,
            length.into(),
            by_value,
            align,
            &mut elements,
            &mut nulls,
            &mut count,
        );
        if count < 1 || *nulls {
            return DatumWithOid::null_oid(element);
        }
        DatumWithOid::new(*elements, element)
    }
}

/// Completes a batch of tasks in one statement, then what follows from it (see the machine).
pub fn complete_tasks(
    client: &mut SpiClient<'_>,
    function: &str,
    tasks: &TaskRefs<'_>,
    outputs: DatumWithOid<'_>,
) -> Result<Vec<RawStepTask>> {
    let answers = check_batch(function, tasks, ("outputs", &outputs))?;
    Ok(write_answers(client, tasks, outputs, answers, true)?.1)
}

/// A batch of `answers` completions, checked by `check_batch`: how many tasks it completed, and
/// their rows when `keep_rows`.
pub(super) fn write_answers(
    client: &mut SpiClient<'_>,
    tasks: &TaskRefs<'_>,
    outputs: DatumWithOid<'_>,
    answers: i64,
    keep_rows: bool,
) -> Result<(usize, Vec<RawStepTask>)> {
    let [run_ids, step_slugs, task_indexes] = tasks.keys();
    let args = [run_ids, step_slugs, task_indexes, outputs, copy(&tasks.worker_id)];
    let (count, completed) = if answers == 1 {
        // One answer (a worker of one task at a time) goes through complete_task.sql, whose plan
        // costs about half the batch statement's to start and run.
        let [run_ids, step_slugs, task_indexes, outputs, worker_id] = &args;
        let one = [
            only_element(run_ids, UUIDOID.value()),
            only_element(step_slugs, TEXTOID.value()),
            only_element(task_indexes, INT4OID.value()),
            only_element(outputs, JSONBOID.value()),
            copy(worker_id),
        ];
        machine::complete_tasks(client, false, &one, keep_rows)?
    } else {
        machine::complete_tasks(client, true, &args, keep_rows)?
    };
    if (count as i64) < answers {
        let wrong = machine::fail_wrong_batch_answers(client, &args)?;
        if ((count + wrong) as i64) < answers {
            ensure_tasks_exist(client, tasks)?;
        }
    }
    Ok((count, completed))
}

/// Completes one task: `complete_tasks` without arrays.
pub fn complete_task(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    task_index: i32,
    output: RawJsonb,
    worker_id: Option<Uuid>,
) -> Result<Vec<RawStepTask>> {
    let args: [DatumWithOid; 5] =
        [run_id.into(), step_slug.into(), task_index.into(), output.into(), worker_arg(worker_id)];
    let (_, completed) = machine::complete_tasks(client, false, &args, true)?;
    if completed.is_empty() {
        let as_batch: [DatumWithOid; 5] = [
            vec![run_id].into(),
            vec![step_slug].into(),
            vec![task_index].into(),
            crate::raw::one_jsonb_array(output).into(),
            worker_arg(worker_id),
        ];
        if machine::fail_wrong_batch_answers(client, &as_batch)? == 0 {
            ensure_tasks_exist(client, &TaskRefs::one(run_id, step_slug, task_index, None))?;
        }
    }
    Ok(completed)
}

/// Fails a batch of tasks in one statement: each is retried while attempts remain; the others
/// go to their steps' failure policies.
pub fn fail_tasks(
    client: &mut SpiClient<'_>,
    function: Option<&str>,
    tasks: &TaskRefs<'_>,
    error_messages: DatumWithOid<'_>,
) -> Result<Vec<RawStepTask>> {
    let answers = match function {
        Some(function) => check_batch(function, tasks, ("error_messages", &error_messages))?,
        None => 1,
    };
    let [run_ids, step_slugs, task_indexes] = tasks.keys();
    let args = [run_ids, step_slugs, task_indexes, error_messages, copy(&tasks.worker_id), false.into()];
    let answered = machine::fail_tasks(client, None, &args)?;
    if (answered.len() as i64) < answers {
        ensure_tasks_exist(client, tasks)?;
    }
    Ok(answered)
}

/// `pgflow.extend_lease`: the new lease end, or None when the caller does not hold the task.
pub fn extend_lease(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    task_index: i32,
    seconds: i32,
    worker_id: Option<Uuid>,
) -> Result<Option<TimestampWithTimeZone>> {
    crate::validate::option(
        &format!("extend_lease of task {task_index} of step '{step_slug}' of run {run_id}"),
        "seconds",
        Some(seconds),
        1,
    )?;
    let args: [DatumWithOid; 5] =
        [run_id.into(), step_slug.into(), task_index.into(), seconds.into(), worker_arg(worker_id)];
    let lease_end = machine::extend_lease(client, &args)?;
    if lease_end.is_none() {
        ensure_tasks_exist(client, &TaskRefs::one(run_id, step_slug, task_index, None))?;
    }
    Ok(lease_end)
}

/// Tells late answers (nothing to do) from references to tasks that do not exist (an error).
fn ensure_tasks_exist(client: &mut SpiClient<'_>, tasks: &TaskRefs<'_>) -> Result<()> {
    let Some(unknown) = plans::row(client, &plans::UNKNOWN_TASK_IN_BATCH, &tasks.keys())? else {
        return Ok(());
    };
    // The keys are the caller's: a NULL among them (refused before) would show as NULL.
    let run_id = unknown.run_id.map_or_else(|| "NULL".to_string(), |id| id.to_string());
    let step_slug = unknown.step_slug.unwrap_or_else(|| "NULL".to_string());
    let task_index = unknown.task_index.unwrap_or(-1);
    if !unknown.run_exists {
        return Err(PgflowError::UnknownRun(run_id));
    }
    if !unknown.step_exists {
        return Err(PgflowError::UnknownStepOfRun { run_id, step_slug });
    }
    Err(PgflowError::UnknownTask { run_id, step_slug, task_index })
}
