//! Tasks: workers claim them, then complete or fail them. Answers that come too late (the task
//! was already answered, retried, or cancelled with its run) change nothing and raise nothing.

use std::time::{Duration, Instant};

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::pg_sys::BuiltinOid::UUIDOID;
use pgrx::spi::SpiClient;
use pgrx::Uuid;

use super::runs::{self, Strictness};
use super::Row;
use crate::error::{PgflowError, Result};
use crate::jsonb::RawJsonb;
use crate::plans;

pub struct Poll {
    pub lease_seconds: i32,
    pub qty: i32,
    pub max_poll_seconds: i32,
    pub poll_interval_ms: i32,
    /// Recorded on each claimed task: answers naming another worker are then refused.
    pub worker_id: Option<Uuid>,
}

/// A worker id as a statement argument: NULL when the caller gave none (no ownership check).
pub fn worker_arg(worker_id: Option<Uuid>) -> DatumWithOid<'static> {
    worker_id.map(DatumWithOid::from).unwrap_or_else(|| plans::null(UUIDOID))
}

pub fn poll_for_tasks(client: &mut SpiClient<'_>, flow_slug: &str, poll: Poll) -> Result<Vec<Row>> {
    let subject = format!("poll_for_tasks on flow '{flow_slug}'");
    crate::validate::option(&subject, "vt", Some(poll.lease_seconds), 0)?;
    crate::validate::option(&subject, "qty", Some(poll.qty), 0)?;
    crate::validate::option(&subject, "max_poll_seconds", Some(poll.max_poll_seconds), 0)?;
    crate::validate::option(&subject, "poll_interval_ms", Some(poll.poll_interval_ms), 1)?;
    if poll.qty == 0 {
        return Ok(Vec::new());
    }
    let deadline = Instant::now() + Duration::from_secs(poll.max_poll_seconds as u64);
    loop {
        expire_leases(client, flow_slug)?;
        let args: [DatumWithOid; 4] =
            [flow_slug.into(), poll.lease_seconds.into(), poll.qty.into(), worker_arg(poll.worker_id)];
        let table = plans::run(client, &plans::CLAIM_TASKS, &args)?;
        let mut claimed = Vec::with_capacity(table.len());
        for row in table {
            if let Some(record) = row.get::<Row>(1)? {
                claimed.push(record);
            }
        }
        let now = Instant::now();
        if !claimed.is_empty() || now >= deadline {
            return Ok(claimed);
        }
        let wait = Duration::from_millis(poll.poll_interval_ms as u64).min(deadline - now);
        sleep_interruptibly(wait);
    }
}

/// Sleeps on the backend's latch, so a cancel request or a postmaster exit ends the wait.
fn sleep_interruptibly(wait: Duration) {
    unsafe {
        pg_sys::WaitLatch(
            pg_sys::MyLatch,
            (pg_sys::WL_LATCH_SET | pg_sys::WL_TIMEOUT | pg_sys::WL_EXIT_ON_PM_DEATH) as i32,
            wait.as_millis() as std::ffi::c_long,
            pg_sys::PG_WAIT_EXTENSION,
        );
        pg_sys::ResetLatch(pg_sys::MyLatch);
    }
    pgrx::check_for_interrupts!();
}

/// Puts tasks whose lease ran out back in the queue. One whose lease ran out on its last allowed
/// attempt can never be claimed again; failing it here keeps its run from hanging when the worker
/// that held it died.
fn expire_leases(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<()> {
    let table = plans::run(client, &plans::EXPIRE_LEASES, &[flow_slug.into()])?;
    let mut stalled = Vec::new();
    for row in table {
        let (Some(run_id), Some(step_slug), Some(task_index), Some(attempts)) =
            (row.get::<Uuid>(1)?, row.get::<String>(2)?, row.get::<i32>(3)?, row.get::<i32>(4)?)
        else {
            continue;
        };
        stalled.push((run_id, step_slug, task_index, attempts));
    }
    for (run_id, step_slug, task_index, attempts) in stalled {
        let message = format!("lease expired on the last attempt ({attempts} of {attempts})");
        fail_task(client, run_id, &step_slug, task_index, &message, None)?;
    }
    Ok(())
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
    fn one(run_id: Uuid, step_slug: &str, task_index: i32, worker_id: Option<Uuid>) -> TaskRefs<'static> {
        TaskRefs {
            run_ids: vec![run_id].into(),
            step_slugs: vec![step_slug].into(),
            task_indexes: vec![task_index].into(),
            worker_id: worker_arg(worker_id),
        }
    }

    /// The arguments of an answer statement: the keys, the fourth array, the worker.
    fn with(&self, fourth: DatumWithOid<'a>) -> [DatumWithOid<'a>; 5] {
        let [run_ids, step_slugs, task_indexes] = self.keys();
        [run_ids, step_slugs, task_indexes, fourth, copy(&self.worker_id)]
    }

    fn keys(&self) -> [DatumWithOid<'a>; 3] {
        [copy(&self.run_ids), copy(&self.step_slugs), copy(&self.task_indexes)]
    }
}

/// Another handle on the same argument datum (`DatumWithOid` is not `Clone`); the datum it
/// points to lives as long as the original.
fn copy<'a>(datum: &DatumWithOid<'a>) -> DatumWithOid<'a> {
    // SAFETY: same datum and type as an existing, valid argument.
    unsafe { DatumWithOid::new_from_datum(datum.datum(), datum.oid()) }
}

/// Refuses a malformed batch before anything is written; returns how many answers it holds.
fn check_batch(
    client: &mut SpiClient<'_>,
    statement: &plans::Statement,
    function: &str,
    args: &[DatumWithOid<'_>],
) -> Result<i64> {
    let table = plans::run(client, statement, args)?;
    let row = table.first();
    if let Some(problem) = row.get::<String>(1)? {
        return Err(PgflowError::NullElement(format!("pgflow.{function}: {problem}")));
    }
    if let Some(problem) = row.get::<String>(2)? {
        return Err(PgflowError::InvalidArgument(format!("pgflow.{function}: {problem}")));
    }
    Ok(row.get::<i64>(3)?.unwrap_or(0))
}

/// A batch call: the statement that checks its arrays, the one that answers the tasks, and what
/// follows from the answers.
struct BatchCall {
    check: &'static plans::Statement,
    answer: &'static plans::Statement,
    record: fn(&mut SpiClient<'_>, &plans::Statement, &[DatumWithOid<'_>]) -> Result<Vec<Row>>,
}

/// Checks a batch, answers it in one statement, and tells late answers from unknown tasks.
fn answer_batch(
    client: &mut SpiClient<'_>,
    call: BatchCall,
    function: &str,
    tasks: &TaskRefs<'_>,
    fourth: DatumWithOid<'_>,
) -> Result<Vec<Row>> {
    let args = tasks.with(fourth);
    let answers = check_batch(client, call.check, function, &args[..4])?;
    let answered = (call.record)(client, call.answer, &args)?;
    if (answered.len() as i64) < answers {
        ensure_tasks_exist(client, &tasks.keys())?;
    }
    Ok(answered)
}

/// Completes a batch of tasks in one statement, then completes the steps whose last task was in
/// it, in key order, each with its cascade.
pub fn complete_tasks(
    client: &mut SpiClient<'_>,
    function: &str,
    tasks: &TaskRefs<'_>,
    outputs: DatumWithOid<'_>,
) -> Result<Vec<Row>> {
    let call = BatchCall {
        check: &plans::CHECK_COMPLETE_BATCH,
        answer: &plans::COMPLETE_TASKS,
        record: record_completions,
    };
    answer_batch(client, call, function, tasks, outputs)
}

pub fn complete_task(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    task_index: i32,
    output: RawJsonb,
    worker_id: Option<Uuid>,
) -> Result<Vec<Row>> {
    let args: [DatumWithOid; 5] =
        [run_id.into(), step_slug.into(), task_index.into(), output.into(), worker_arg(worker_id)];
    let completed = record_completions(client, &plans::COMPLETE_TASK, &args)?;
    if completed.is_empty() {
        ensure_tasks_exist(client, &TaskRefs::one(run_id, step_slug, task_index, None).keys())?;
    }
    Ok(completed)
}

/// Runs a completion statement (one answer or a batch; both return the completed tasks, then
/// the steps left with no task) and completes those steps, each with its cascade.
fn record_completions(
    client: &mut SpiClient<'_>,
    statement: &plans::Statement,
    args: &[DatumWithOid<'_>],
) -> Result<Vec<Row>> {
    let table = plans::run(client, statement, args)?;
    let mut completed = Vec::with_capacity(table.len());
    let mut finished_steps = Vec::new();
    for row in table {
        match row.get::<Row>(1)? {
            Some(task) => completed.push(task),
            None => {
                if let (Some(run_id), Some(step_slug)) = (row.get::<Uuid>(2)?, row.get::<String>(3)?) {
                    finished_steps.push((run_id, step_slug));
                }
            }
        }
    }
    for (run_id, step_slug) in finished_steps {
        runs::complete_step(client, run_id, &step_slug)?;
        runs::advance(client, run_id, Strictness::FailRunOnBadFanout)?;
    }
    Ok(completed)
}

/// Fails a batch of tasks in one statement: each is retried while attempts remain; a task with
/// none left fails its step and run.
pub fn fail_tasks(
    client: &mut SpiClient<'_>,
    function: &str,
    tasks: &TaskRefs<'_>,
    error_messages: DatumWithOid<'_>,
) -> Result<Vec<Row>> {
    let call = BatchCall {
        check: &plans::CHECK_FAIL_BATCH,
        answer: &plans::FAIL_TASKS,
        record: record_failures,
    };
    answer_batch(client, call, function, tasks, error_messages)
}

/// Failing is not a hot path, so one failure goes through the batch statement: the retry and
/// backoff rule is written once.
pub fn fail_task(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    task_index: i32,
    error_message: &str,
    worker_id: Option<Uuid>,
) -> Result<Vec<Row>> {
    let tasks = TaskRefs::one(run_id, step_slug, task_index, worker_id);
    let answered = record_failures(client, &plans::FAIL_TASKS, &tasks.with(vec![error_message].into()))?;
    if answered.is_empty() {
        ensure_tasks_exist(client, &tasks.keys())?;
    }
    Ok(answered)
}

/// Runs a failure statement (one answer or a batch; both return each answered task and whether
/// it has no attempt left) and fails the run of every task that has none left.
fn record_failures(
    client: &mut SpiClient<'_>,
    statement: &plans::Statement,
    args: &[DatumWithOid<'_>],
) -> Result<Vec<Row>> {
    let table = plans::run(client, statement, args)?;
    let mut answered = Vec::with_capacity(table.len());
    let mut exhausted = Vec::new();
    for row in table {
        let Some(task) = row.get::<Row>(1)? else { continue };
        if row.get::<bool>(2)? == Some(true) {
            let run_id = task.get_by_name::<Uuid>("run_id").map_err(internal)?;
            let step_slug = task.get_by_name::<String>("step_slug").map_err(internal)?;
            let task_index = task.get_by_name::<i32>("task_index").map_err(internal)?;
            let message = task.get_by_name::<String>("error_message").map_err(internal)?;
            if let (Some(run_id), Some(step_slug), Some(task_index)) = (run_id, step_slug, task_index) {
                exhausted.push((run_id, step_slug, task_index, message.unwrap_or_default()));
            }
        }
        answered.push(task);
    }
    for (run_id, step_slug, task_index, message) in exhausted {
        let message = format!("task {task_index} failed: {message}");
        runs::fail_run(client, run_id, &step_slug, &message)?;
    }
    Ok(answered)
}

fn internal(error: impl std::fmt::Display) -> PgflowError {
    PgflowError::Internal(format!("pgflow could not read a task row: {error}"))
}

/// Tells late answers (nothing to do) from references to tasks that do not exist (an error).
fn ensure_tasks_exist(client: &mut SpiClient<'_>, keys: &[DatumWithOid<'_>; 3]) -> Result<()> {
    let table = plans::run(client, &plans::UNKNOWN_TASK_IN_BATCH, keys)?;
    if table.is_empty() {
        return Ok(());
    }
    let row = table.first();
    let run_id = row.get::<Uuid>(1)?.map(|id| id.to_string()).unwrap_or_default();
    let step_slug = row.get::<String>(2)?.unwrap_or_default();
    let task_index = row.get::<i32>(3)?.unwrap_or_default();
    if row.get::<bool>(4)? != Some(true) {
        return Err(PgflowError::UnknownRun(run_id));
    }
    if row.get::<bool>(5)? != Some(true) {
        return Err(PgflowError::UnknownStepOfRun { run_id, step_slug });
    }
    Err(PgflowError::UnknownTask { run_id, step_slug, task_index })
}
