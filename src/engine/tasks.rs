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
        for (group, outputs) in tasks.by_run(client, &outputs, JSONBOID.value())? {
            let answers = group.len() as i64;
            write_answers(client, &group, outputs, answers, false)?;
        }
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
    /// The one run every task is of, when known (one task, or a batch grouped by run in the Citus
    /// mode): the batch statements then name it for every table, and Citus routes them to its shard.
    pub one_run: Option<Uuid>,
}

impl<'a> TaskRefs<'a> {
    /// One task, as one-element arrays.
    pub fn one(run_id: Uuid, step_slug: &str, task_index: i32, worker_id: Option<Uuid>) -> TaskRefs<'static> {
        TaskRefs {
            run_ids: vec![run_id].into(),
            step_slugs: vec![step_slug].into(),
            task_indexes: vec![task_index].into(),
            worker_id: worker_arg(worker_id),
            one_run: Some(run_id),
        }
    }

    pub(super) fn keys(&self) -> [DatumWithOid<'a>; 3] {
        [copy(&self.run_ids), copy(&self.step_slugs), copy(&self.task_indexes)]
    }

    /// How many tasks the batch names.
    pub(super) fn len(&self) -> usize {
        array_header(&self.run_ids).0
    }

    /// The batch statements' `one_run` argument.
    pub(super) fn one_run_arg(&self) -> DatumWithOid<'static> {
        plans::optional(self.one_run, UUIDOID)
    }

    /// In the Citus mode, the batch's answers grouped by run, in run order, each group's arrays
    /// (and `fourth`'s, an array of `fourth_type`) holding that run's answers in their order, with
    /// the run as `one_run`: every statement of a group then runs on its run's shard. On one node,
    /// the batch as it is, in one group.
    pub(super) fn by_run(
        &self,
        client: &mut SpiClient<'_>,
        fourth: &DatumWithOid<'a>,
        fourth_type: pg_sys::Oid,
    ) -> Result<Vec<(TaskRefs<'a>, DatumWithOid<'a>)>> {
        let same = |tasks: &TaskRefs<'a>| TaskRefs {
            run_ids: copy(&tasks.run_ids),
            step_slugs: copy(&tasks.step_slugs),
            task_indexes: copy(&tasks.task_indexes),
            worker_id: copy(&tasks.worker_id),
            one_run: tasks.one_run,
        };
        if self.one_run.is_some() || !super::citus::distributed(client)? {
            return Ok(vec![(same(self), copy(fourth))]);
        }
        let (Some(run_ids), Some(step_slugs), Some(task_indexes), Some(fourths)) =
            (self.run_ids.datum(), self.step_slugs.datum(), self.task_indexes.datum(), fourth.datum())
        else {
            return Ok(vec![(same(self), copy(fourth))]);
        };
        let elements =
            |datum: pgrx::datum::Datum<'_>, oid: pg_sys::Oid| crate::raw::array_elements(datum.sans_lifetime(), oid);
        let runs = elements(run_ids, UUIDOID.value());
        let columns = [
            (elements(step_slugs, TEXTOID.value()), TEXTOID.value()),
            (elements(task_indexes, INT4OID.value()), INT4OID.value()),
            (elements(fourths, fourth_type), fourth_type),
        ];
        let mut groups: Vec<(Uuid, Vec<usize>)> = Vec::new();
        for (i, (datum, null)) in runs.iter().enumerate() {
            // SAFETY: a uuid datum of the array (check_batch refused NULLs).
            let run = unsafe { <Uuid as pgrx::FromDatum>::from_datum(*datum, *null) }
                .ok_or_else(|| PgflowError::Internal("a NULL run id in a batch".into()))?;
            match groups.iter_mut().find(|(id, _)| *id == run) {
                Some((_, positions)) => positions.push(i),
                None => groups.push((run, vec![i])),
            }
        }
        groups.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let pick = |column: &[(pg_sys::Datum, bool)], positions: &[usize], oid: pg_sys::Oid| {
            let picked: Vec<_> = positions.iter().map(|&i| column[i]).collect();
            // SAFETY: an array of `oid` built for the call, valid as long as it.
            unsafe { DatumWithOid::new(crate::raw::array_of(&picked, oid), array_type(oid)) }
        };
        Ok(groups
            .into_iter()
            .map(|(run, positions)| {
                let tasks = TaskRefs {
                    run_ids: pick(&runs, &positions, UUIDOID.value()),
                    step_slugs: pick(&columns[0].0, &positions, columns[0].1),
                    task_indexes: pick(&columns[1].0, &positions, columns[1].1),
                    worker_id: copy(&self.worker_id),
                    one_run: Some(run),
                };
                (tasks, pick(&columns[2].0, &positions, columns[2].1))
            })
            .collect())
    }
}

/// The array type of an element type.
fn array_type(element: pg_sys::Oid) -> pg_sys::Oid {
    // SAFETY: a catalog cache lookup.
    unsafe { pg_sys::get_array_type(element) }
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
    match crate::raw::array_elements(datum.sans_lifetime(), element).first() {
        // SAFETY: an element of the array argument, allocated for the call.
        Some(&(element_datum, false)) => unsafe { DatumWithOid::new(element_datum, element) },
        _ => DatumWithOid::null_oid(element),
    }
}

/// Completes a batch of tasks in one statement, then what follows from it (see the machine).
pub fn complete_tasks(
    client: &mut SpiClient<'_>,
    function: &str,
    tasks: &TaskRefs<'_>,
    outputs: DatumWithOid<'_>,
) -> Result<Vec<RawStepTask>> {
    check_batch(function, tasks, ("outputs", &outputs))?;
    let mut completed = Vec::new();
    for (group, outputs) in tasks.by_run(client, &outputs, JSONBOID.value())? {
        let answers = group.len() as i64;
        completed.extend(write_answers(client, &group, outputs, answers, true)?.1);
    }
    Ok(completed)
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
        machine::complete_tasks(client, false, &one, tasks.one_run, keep_rows)?
    } else {
        machine::complete_tasks(client, true, &args, tasks.one_run, keep_rows)?
    };
    if (count as i64) < answers {
        let wrong = machine::fail_wrong_batch_answers(client, &args, tasks.one_run)?;
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
    let (_, completed) = machine::complete_tasks(client, false, &args, Some(run_id), true)?;
    if completed.is_empty() {
        let as_batch: [DatumWithOid; 5] = [
            vec![run_id].into(),
            vec![step_slug].into(),
            vec![task_index].into(),
            crate::raw::one_jsonb_array(output).into(),
            worker_arg(worker_id),
        ];
        if machine::fail_wrong_batch_answers(client, &as_batch, Some(run_id))? == 0 {
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
    if let Some(function) = function {
        check_batch(function, tasks, ("error_messages", &error_messages))?;
    }
    let mut answered = Vec::new();
    for (group, error_messages) in tasks.by_run(client, &error_messages, TEXTOID.value())? {
        let answers = group.len();
        let [run_ids, step_slugs, task_indexes] = group.keys();
        let args = [
            run_ids,
            step_slugs,
            task_indexes,
            error_messages,
            copy(&group.worker_id),
            false.into(),
            group.one_run_arg(),
        ];
        let failed = machine::fail_tasks(client, None, &args)?;
        if failed.len() < answers {
            ensure_tasks_exist(client, &group)?;
        }
        answered.extend(failed);
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
    let [run_ids, step_slugs, task_indexes] = tasks.keys();
    let keys = [run_ids, step_slugs, task_indexes, tasks.one_run_arg()];
    let Some(unknown) = plans::row(client, &plans::UNKNOWN_TASK_IN_BATCH, &keys)? else {
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
