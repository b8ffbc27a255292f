//! The run state machine. Every change of status of a run, a step or a task is made here, by the
//! function named after the event that causes it; `docs/architecture.md` holds the transition
//! table (state x event -> next state, and the statement under `sql/queries/` that makes it).
//! The other engine modules check arguments, read and wait; they change no status themselves.
//!
//! Locks (docs/architecture.md, "Locks"): answers hold their runs' lock shared (taken inside
//! `complete_task(s).sql`); every transition that may cancel or reset tasks that others hold (a
//! failure that exhausts a task, a deadline, a cancellation, a redrive) first takes it exclusively
//! (`lock_runs`), so that it never waits for an answer that waits for it. Claims and retries take
//! no run lock.

use std::collections::{HashMap, HashSet};

use pgrx::datum::{DatumWithOid, TimestampWithTimeZone};
use pgrx::pg_sys::BuiltinOid::{INT4ARRAYOID, INT4OID, TEXTOID, TIMESTAMPTZOID, UUIDOID};
use pgrx::spi::{SpiClient, SpiTupleTable};
use pgrx::{PgSqlErrorCode, Uuid};

use super::citus;
use super::tasks::{self, Poll, TaskRefs};
use super::wait;
use super::words::{FanoutPolicy, RunStatus, WhenFailed};
use crate::error::{reason, PgflowError, Result};
use crate::plans::{self, optional, rows};
use crate::raw::{RawJsonb, RawStepTask, RawTaskRecord};
use crate::subtransaction;
use rows::CompleteTask as Answer;

/// What to do when a fan-out's source turns out not to be an array. A direct call refuses it; a
/// worker's answer must not be rolled back by it, so there the step fails instead.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    Raise,
    FailStep,
}

/// Whether a transition ended the run (completed or failed it), so that the caller stops acting
/// on it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RunState {
    Going,
    Ended,
}

/// How a started step ends without failing its run.
enum Ending<'a> {
    /// All its tasks ended; `aggregated`: its output is its items' outputs in one array (a fan-out
    /// without `aggregate => false`), which may not fit in one JSON value.
    Completed {
        aggregated: bool,
    },
    Skipped(&'a str, Cause),
}

/// Why a step failed, which a skipped step keeps as its skip_reason (pgflow's words).
#[derive(Clone, Copy)]
enum Cause {
    /// Its input did not meet its condition.
    ConditionUnmet,
    /// Its tasks ran out of attempts, its deadline passed, or its output could not be made.
    HandlerFailed,
}

impl Cause {
    fn skip_reason(self) -> &'static str {
        match self {
            Cause::ConditionUnmet => "condition_unmet",
            Cause::HandlerFailed => "handler_failed",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Runs

/// What a run is started with (`start_flow`).
#[derive(Clone, Copy)]
pub struct NewRun<'a> {
    pub flow_slug: &'a str,
    pub input: RawJsonb,
    pub run_id: Option<Uuid>,
    pub run_key: Option<&'a str>,
    pub priority: i32,
}

/// `start`: creates the run with a state for each of the flow's `steps` steps and starts its root
/// steps. Returns None when a run with the same key exists (a concurrent start committed first).
pub fn start_run(client: &mut SpiClient<'_>, start: NewRun<'_>, steps: i32) -> Result<Option<Uuid>> {
    let args = [
        start.flow_slug.into(),
        start.input.into(),
        optional(start.run_id, UUIDOID), // made by the caller (runs::start_flow_run_id)
        optional(start.run_key, TEXTOID),
        start.priority.into(),
        steps.into(),
    ];
    let Some(created) = plans::row(client, &plans::CREATE_RUN, &args)? else {
        return Ok(None);
    };
    let run_id = created.run_id;
    if steps == 0 {
        complete_run(client, run_id)?; // a flow without steps
    } else {
        plans::run(client, &plans::CREATE_STEP_STATES, &[vec![run_id].into(), start.flow_slug.into()])?;
        start_ready_steps(client, run_id, Strictness::Raise)?;
    }
    Ok(Some(run_id))
}

/// `maybe complete` (pgflow's `maybe_complete_run`, by hand): `run completes` for a started run
/// with no step left, under the run's lock; nothing otherwise.
pub fn maybe_complete_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<()> {
    lock_runs(client, vec![run_id])?;
    complete_run(client, run_id)?;
    Ok(())
}

fn complete_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<RunState> {
    let Some(completed) = plans::row(client, &plans::COMPLETE_RUN, &[run_id.into()])? else {
        return Ok(RunState::Ended);
    };
    wait::wake_at_commit(run_id);
    announce(run_id, &completed.flow_slug, None, "completed")?;
    let parent = ParentTask::of(completed.parent_run_id, completed.parent_step_slug, completed.parent_task_index)?;
    if let Some(task) = parent {
        // `child completed`: the task the child run worked for completes with its output, as a
        // worker's answer would (held by the child: an earlier attempt's child answers nothing).
        let args = [
            task.run_id.into(),
            task.step_slug.as_str().into(),
            task.task_index.into(),
            completed.output.into(),
            run_id.into(),
        ];
        complete_tasks(client, false, &args, Some(task.run_id), false)?;
    }
    Ok(RunState::Ended)
}

/// The task of a sub-flow fan-out that a child run works for.
struct ParentTask {
    run_id: Uuid,
    step_slug: String,
    task_index: i32,
}

impl ParentTask {
    /// From a run's parent_* columns, all NULL for a top-level run (None), all set for a child.
    fn of(run_id: Option<Uuid>, step_slug: Option<String>, task_index: Option<i32>) -> Result<Option<ParentTask>> {
        match (run_id, step_slug, task_index) {
            (None, None, None) => Ok(None),
            (Some(run_id), Some(step_slug), Some(task_index)) => Ok(Some(ParentTask { run_id, step_slug, task_index })),
            _ => Err(PgflowError::Internal("a run names its parent task only in part".into())),
        }
    }

    /// `child failed` (or cancelled): the attempt of the task fails with `message`, as a worker's
    /// failure would; with attempts left a new child run takes the task at once (the child's own
    /// steps have retried with backoff already). The caller holds the tree's lock.
    fn attempt_failed(self, client: &mut SpiClient<'_>, child: Uuid, message: &str) -> Result<()> {
        let args: [DatumWithOid; 7] = [
            vec![self.run_id].into(),
            vec![self.step_slug.clone()].into(),
            vec![self.task_index].into(),
            vec![message.to_string()].into(),
            child.into(),
            false.into(),
            self.run_id.into(),
        ];
        fail_tasks(client, Some(vec![self.run_id]), &args)?;
        start_children(client, self.run_id, &self.step_slug, Some(vec![self.task_index]))?;
        Ok(())
    }
}

/// `fail`: the run fails with `message`; its queued and running tasks and its unfinished steps
/// are cancelled, and `failed_step`, if any, records its own reason. With `only_if_due`, only a run
/// past its run_timeout fails. Returns false when the run was not (or no longer) to be failed.
/// The caller holds the run's lock exclusively.
fn fail_run(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    failed_step: Option<(&str, &str)>,
    message: &str,
    only_if_due: bool,
) -> Result<bool> {
    let args: [DatumWithOid; 3] = [run_id.into(), message.into(), only_if_due.into()];
    let Some(failed) = plans::row(client, &plans::FAIL_RUN, &args)? else {
        return Ok(false);
    };
    let parent = ParentTask::of(failed.parent_run_id, failed.parent_step_slug, failed.parent_task_index)?;
    wait::wake_at_commit(run_id);
    announce(run_id, &failed.flow_slug, None, "failed")?;
    plans::run(client, &plans::CANCEL_RUN_TASKS, &[run_id.into()])?;
    if let Some((step_slug, step_message)) = failed_step {
        let args: [DatumWithOid; 3] = [run_id.into(), step_slug.into(), step_message.into()];
        if let Some(step) = plans::row(client, &plans::FAIL_STEP, &args)? {
            announce(run_id, &step.flow_slug, Some(step_slug), "failed")?;
        }
    }
    cancel_steps(client, run_id)?;
    cancel_children(client, run_id, None)?;
    if let Some(parent) = parent {
        parent.attempt_failed(client, run_id, &reason::subflow_failed(run_id, message))?;
    }
    Ok(true)
}

/// `cancel`: a started run, its unfinished steps and its queued and running tasks become
/// cancelled. Returns false when the run is not started.
pub fn cancel_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<bool> {
    lock_runs(client, vec![run_id])?;
    let Some(cancelled) = cancel_started_run(client, run_id)? else {
        return Ok(false);
    };
    if let Some(parent) =
        ParentTask::of(cancelled.parent_run_id, cancelled.parent_step_slug, cancelled.parent_task_index)?
    {
        parent.attempt_failed(client, run_id, &reason::subflow_cancelled(run_id))?;
    }
    Ok(true)
}

/// `cancel` but for the task a child run works for: a started run, its unfinished steps, its queued
/// and running tasks and every started run below it become cancelled, each announced. Returns its
/// row, or None when it is not started (then what was below it ended with it). The caller holds the
/// tree's lock, and acts on the parent's task if there is one to act on.
fn cancel_started_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Option<rows::CancelRun>> {
    let Some(cancelled) = plans::row(client, &plans::CANCEL_RUN, &[run_id.into()])? else {
        return Ok(None);
    };
    wait::wake_at_commit(run_id);
    announce(run_id, &cancelled.flow_slug, None, "cancelled")?;
    plans::run(client, &plans::CANCEL_RUN_TASKS, &[run_id.into()])?;
    cancel_steps(client, run_id)?;
    cancel_children(client, run_id, None)?;
    Ok(Some(cancelled))
}

/// `tasks cancelled` of a sub-flow fan-out: the child runs working for the run's tasks (of one
/// step, or all) are cancelled, and everything below them. The caller holds the tree's lock.
fn cancel_children(client: &mut SpiClient<'_>, run_id: Uuid, step_slug: Option<&str>) -> Result<()> {
    if !may_have_children(client, run_id)? {
        return Ok(());
    }
    let args = [run_id.into(), optional(step_slug, TEXTOID)];
    if citus::distributed(client)? {
        // The Citus mode: a child is on a shard of its own, found from the task it holds and
        // cancelled by its own shard's statements, then its children, one run at a time (its task
        // is the caller's to cancel).
        for child in plans::rows(client, &plans::CHILD_RUNS, &args)? {
            pgrx::check_for_interrupts!();
            cancel_started_run(client, child.run_id)?;
        }
        return Ok(());
    }
    for cancelled in plans::rows(client, &plans::CANCEL_DESCENDANT_RUNS, &args)? {
        pgrx::check_for_interrupts!();
        wait::wake_at_commit(cancelled.run_id);
        announce(cancelled.run_id, &cancelled.flow_slug, None, "cancelled")?;
        for step_slug in &cancelled.step_slugs {
            announce(cancelled.run_id, &cancelled.flow_slug, Some(step_slug), "cancelled")?;
        }
    }
    Ok(())
}

/// Whether the run may have child runs to look for: on one node always (the look is one indexed
/// statement); in the Citus mode only a run whose flow has a sub-flow step, since there the look
/// is a walk from node to node (cancel_children).
fn may_have_children(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<bool> {
    if !citus::distributed(client)? {
        return Ok(true);
    }
    Ok(plans::row(client, &plans::RUN_HAS_SUBFLOWS, &[run_id.into()])?.is_some_and(|run| run.subflows))
}

/// The unfinished steps of a run that ended are cancelled, each announced.
fn cancel_steps(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<()> {
    for step in plans::rows(client, &plans::CANCEL_STEPS, &[run_id.into()])? {
        announce(run_id, &step.flow_slug, Some(&step.step_slug), "cancelled")?;
    }
    Ok(())
}

/// Tells the sessions that LISTEN to `pgflow` that a run (`step_slug` None) or a step ended, at
/// the commit: `{"run_id", "flow_slug", "step_slug", "status"}` (README, "Notifications"). Sent by
/// the engine, on the node it runs on, not by the statement that ended it: Citus runs that one on
/// the run's node, inside a two-phase commit when the call wrote on several nodes, where PostgreSQL
/// refuses NOTIFY.
fn announce(run_id: Uuid, flow_slug: &str, step_slug: Option<&str>, status: &str) -> Result<()> {
    use pgrx::IntoDatum;
    let payload = serde_json::json!({
        "run_id": run_id.to_string(),
        "flow_slug": flow_slug,
        "step_slug": step_slug,
        "status": status,
    })
    .to_string();
    // SAFETY: pg_notify takes two text arguments, both given, and returns void.
    unsafe {
        pgrx::fcinfo::direct_function_call_as_datum(
            pgrx::pg_sys::pg_notify,
            &["pgflow".into_datum(), payload.into_datum()],
        );
    }
    Ok(())
}

/// `redrive`: a failed or cancelled run starts again where it stopped (see redrive.sql); steps
/// left with nothing to run complete, and steps whose dependencies are done start.
pub fn redrive_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<()> {
    lock_runs(client, vec![run_id])?;
    let Some(run) = plans::row(client, &plans::RUN_STATUS, &[run_id.into()])? else {
        return Err(PgflowError::UnknownRun(run_id.to_string()));
    };
    let status = run.status;
    if status != RunStatus::Failed && status != RunStatus::Cancelled {
        return Err(PgflowError::WrongState(format!(
            "run {run_id} is {status}; only a failed or cancelled run can be redriven"
        )));
    }
    let redriven = plans::row(client, &plans::REDRIVE, &[run_id.into()])?
        .ok_or_else(|| PgflowError::Internal(format!("run {run_id} was not redriven")))?;
    // Sub-flow tasks: a failed or cancelled child carries on where it stopped (redriven, its
    // finished items kept); a task without one gets a new child.
    if may_have_children(client, run_id)? {
        for child in resumed_children(client, run_id)? {
            pgrx::check_for_interrupts!();
            redrive_run(client, child)?;
        }
        for started in plans::rows(client, &plans::STARTED_STEPS, &[run_id.into()])? {
            let step_slug = started.step_slug;
            if start_children(client, run_id, &step_slug, None)? == RunState::Ended {
                return Ok(());
            }
        }
    }
    for step_slug in redriven.finished_steps {
        if finish_step(client, run_id, &step_slug, Ending::Completed { aggregated: true }, Strictness::FailStep)?
            == RunState::Ended
        {
            return Ok(());
        }
    }
    if redriven.remaining_steps == 0 {
        complete_run(client, run_id)?;
        return Ok(());
    }
    start_ready_steps(client, run_id, Strictness::FailStep)?;
    Ok(())
}

/// The failed or cancelled last child runs of a redriven run's queued sub-flow tasks, each task
/// held by its child again (resume_child_runs.sql), for the caller to redrive.
fn resumed_children(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Vec<Uuid>> {
    if !citus::distributed(client)? {
        return Ok(plans::rows(client, &plans::RESUME_CHILD_RUNS, &[run_id.into()])?
            .into_iter()
            .map(|child| child.run_id)
            .collect());
    }
    // The Citus mode: each child's status read on its shard, each task held on the run's.
    let mut resumed = Vec::new();
    for task in plans::rows(client, &plans::CHILD_RUNS, &[run_id.into(), optional(None::<&str>, TEXTOID)])? {
        pgrx::check_for_interrupts!();
        if task.task_status != "queued" {
            continue;
        }
        let ended = plans::row(client, &plans::RUN_STATUS, &[task.run_id.into()])?
            .is_some_and(|child| matches!(child.status, RunStatus::Failed | RunStatus::Cancelled));
        if !ended {
            continue;
        }
        let args = [run_id.into(), task.step_slug.as_str().into(), task.task_index.into(), task.run_id.into()];
        if let Some(held) = plans::row(client, &plans::RESUME_CHILD_TASK, &args)? {
            resumed.push(held.run_id);
        }
    }
    Ok(resumed)
}

/// Takes the lock of each run's tree, exclusively, in key order.
fn lock_runs(client: &mut SpiClient<'_>, run_ids: Vec<Uuid>) -> Result<()> {
    if !citus::distributed(client)? {
        plans::run(client, &plans::LOCK_RUNS, &[run_ids.into()])?;
        return Ok(());
    }
    // The Citus mode: each tree's lock on its root's node (lock_run.sql), in key order, where the
    // answers to its child runs take it shared (hold_tree_shared) and those to the root in their
    // own statements.
    let mut roots = run_ids.into_iter().map(|run_id| citus::tree_root(client, run_id)).collect::<Result<Vec<_>>>()?;
    roots.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    roots.dedup();
    for root in roots {
        plans::run(client, &plans::LOCK_RUN, &[root.into()])?;
    }
    Ok(())
}

/// In the Citus mode, an answer to a child run takes its tree's lock shared on the root's node
/// (lock_run_shared.sql) before its statements lock any row: there transitions of the tree take it
/// exclusively (lock_runs), whichever node they start from. Its statements take it on the child's
/// node too, where no one takes it exclusively. Nothing on one node, nor for a top-level run, whose
/// answers' statements take it on its node, the root's.
fn hold_tree_shared(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<()> {
    if !citus::distributed(client)? {
        return Ok(());
    }
    let root = citus::tree_root(client, run_id)?;
    if root != run_id {
        plans::run(client, &plans::LOCK_RUN_SHARED, &[root.into()])?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Steps

/// `dependencies done`: starts every created step whose dependencies are all completed or
/// skipped. Single steps get their task in the same statement; fan-outs are spawned here. A step
/// whose condition does not hold ends at once as its `when_unmet` says (`condition unmet`).
pub fn start_ready_steps(client: &mut SpiClient<'_>, run_id: Uuid, strictness: Strictness) -> Result<RunState> {
    let ended = start_ready_steps_of(client, vec![run_id], strictness)?;
    Ok(if ended.contains(&run_id) { RunState::Ended } else { RunState::Going })
}

/// `start_ready_steps` for several runs in one statement (the child runs a sub-flow fan-out
/// started); returns the runs that ended meanwhile.
fn start_ready_steps_of(
    client: &mut SpiClient<'_>,
    run_ids: Vec<Uuid>,
    strictness: Strictness,
) -> Result<HashSet<Uuid>> {
    let mut ended = HashSet::new();
    let (singles, others): (Vec<_>, Vec<_>) = plans::rows(client, &plans::START_READY_STEPS, &[run_ids.into()])?
        .into_iter()
        .partition(|started| started.single && !started.unmet);
    if !singles.is_empty() {
        // Queued before anything below can end a run, whose end then cancels them with the rest.
        let args = [
            singles.iter().map(|t| t.run_id).collect::<Vec<_>>().into(),
            singles.iter().map(|t| t.step_slug.as_str()).collect::<Vec<_>>().into(),
            singles.iter().map(|t| t.flow_slug.as_str()).collect::<Vec<_>>().into(),
            singles.iter().map(|t| t.priority).collect::<Vec<_>>().into(),
            singles.iter().map(|t| t.start_delay).collect::<Vec<_>>().into(),
        ];
        plans::run(client, &plans::QUEUE_TASKS, &args)?;
    }
    for started in others {
        pgrx::check_for_interrupts!();
        let (run_id, step_slug, on_failure) = (started.run_id, started.step_slug, started.on_failure);
        let unmet = started.unmet.then(|| {
            reason::condition_unmet(
                started.required_input_pattern.as_deref(),
                started.forbidden_input_pattern.as_deref(),
            )
        });
        if ended.contains(&run_id) {
            continue;
        }
        let state = match unmet {
            Some(message) => step_failed(client, run_id, &step_slug, on_failure, &message, Cause::ConditionUnmet)?,
            None => {
                let when_exhausted = on_failure;
                match spawn(client, run_id, &step_slug, &started.flow_slug, started.priority)? {
                    Spawned::Tasks { subflow: false, .. } => RunState::Going,
                    Spawned::Tasks { subflow: true, .. } => start_children(client, run_id, &step_slug, None)?,
                    // An empty array: the step completes at once, and that may release its dependents.
                    Spawned::Empty => {
                        finish_step(client, run_id, &step_slug, Ending::Completed { aggregated: false }, strictness)?
                    }
                    Spawned::NotAnArray(error) => match strictness {
                        Strictness::Raise => return Err(error),
                        Strictness::FailStep => step_failed(
                            client,
                            run_id,
                            &step_slug,
                            when_exhausted,
                            &error.message(),
                            Cause::HandlerFailed,
                        )?,
                    },
                }
            }
        };
        if state == RunState::Ended {
            ended.insert(run_id);
        }
    }
    Ok(ended)
}

/// `child runs start`: the step's queued tasks (or those of `task_indexes`) are each handed to a
/// new child run of its sub-flow, whose ready steps start; a child without steps completes, and
/// with it its task. Nothing for a step that is not a started sub-flow fan-out. Returns the state
/// of the parent run, which a child's end may have ended.
fn start_children(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    task_indexes: Option<Vec<i32>>,
) -> Result<RunState> {
    let args = [run_id.into(), step_slug.into(), optional(task_indexes, INT4ARRAYOID)];
    let tasks = plans::rows(client, &plans::CHILD_TASKS, &args)?;
    let Some(first) = tasks.first() else {
        return Ok(RunState::Going);
    };
    let (subflow, subflow_steps) = (first.subflow.clone(), first.subflow_steps);
    let (priority, root_run_id) = (first.priority, first.root_run_id);
    let child_ids = tasks.iter().map(|_| super::runs::random_run_id()).collect::<Result<Vec<_>>>()?;
    let task_indexes: Vec<i32> = tasks.iter().map(|task| task.task_index).collect();
    let args = [run_id.into(), step_slug.into(), task_indexes.clone().into(), child_ids.clone().into()];
    plans::run(client, &plans::HOLD_CHILD_TASKS, &args)?;
    let args = [
        child_ids.clone().into(),
        tasks.into_iter().map(|task| task.item).collect::<Vec<_>>().into(),
        task_indexes.into(),
        subflow.as_str().into(),
        subflow_steps.into(),
        priority.into(),
        run_id.into(),
        step_slug.into(),
        root_run_id.into(),
    ];
    plans::run(client, &plans::CREATE_CHILD_RUNS, &args)?;
    let (empty, children) = if subflow_steps == 0 { (child_ids, Vec::new()) } else { (Vec::new(), child_ids) };
    if !children.is_empty() {
        plans::run(client, &plans::CREATE_STEP_STATES, &[children.clone().into(), subflow.as_str().into()])?;
        start_ready_steps_of(client, children, Strictness::FailStep)?;
    }
    for child in empty {
        pgrx::check_for_interrupts!();
        complete_run(client, child)?;
    }
    let run = plans::row(client, &plans::RUN_STATUS, &[run_id.into()])?;
    Ok(if run.is_some_and(|run| run.status == RunStatus::Started) { RunState::Going } else { RunState::Ended })
}

pub enum Spawned {
    /// `subflow`: the tasks are to be handed to child runs (`start_children`).
    Tasks {
        items: i32,
        subflow: bool,
    },
    Empty,
    NotAnArray(PgflowError),
}

/// `spawn`: creates a started fan-out step's tasks, one per element (or batch), in one statement,
/// with the counters that count them.
pub fn spawn(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    flow_slug: &str,
    priority: i32,
) -> Result<Spawned> {
    let Some(source) = plans::row(client, &plans::FANOUT_SOURCE, &[run_id.into(), step_slug.into()])? else {
        return Err(PgflowError::UnknownStepOfRun { run_id: run_id.to_string(), step_slug: step_slug.to_string() });
    };
    let (Some(items), Some(item_count), Some(tasks), Some(shard_size)) =
        (source.items, source.item_count, source.tasks, source.shard_size)
    else {
        let path = source.fanout_path;
        return Ok(Spawned::NotAnArray(PgflowError::NotAnArray {
            run_id: run_id.to_string(),
            step_slug: step_slug.to_string(),
            dep_slug: source.dep_slug,
            got: source
                .items_type
                .unwrap_or_else(|| if path.is_some() { "nothing there" } else { "nothing" }.to_string()),
            path,
        }));
    };
    if item_count > 0 {
        let lane_head =
            if source.start_delay > 0 { None } else { lane_head(client, run_id, flow_slug, step_slug, priority)? };
        let args = [
            run_id.into(),
            step_slug.into(),
            flow_slug.into(),
            priority.into(),
            items.into(),
            optional(source.batch_size, INT4OID),
            optional(source.max_concurrency, INT4OID),
            shard_size.into(),
            source.start_delay.into(),
            optional(lane_head, TIMESTAMPTZOID),
        ];
        plans::run(client, &plans::SPAWN_FANOUT_TASKS, &args)?;
        if source.parted == Some(true) {
            let args = [
                run_id.into(),
                step_slug.into(),
                item_count.into(),
                tasks.into(),
                optional(source.batch_size, INT4OID),
                shard_size.into(),
            ];
            plans::run(client, &plans::CREATE_STEP_PARTS, &args)?;
        }
    }
    plans::run(client, &plans::SIZE_FANOUT_STEP, &[run_id.into(), step_slug.into(), item_count.into()])?;
    Ok(if item_count == 0 { Spawned::Empty } else { Spawned::Tasks { items: item_count, subflow: source.subflow } })
}

/// When the oldest queued task of the lane a run's fan-out joins was queued (`lane_head.sql`).
/// In the Citus mode, the lane on the run's node when this node holds it (the backlog its tasks
/// queue among: claims take their node's shards), read shard by shard as plain PostgreSQL; from
/// another node, over every node, as this backend read it at most SHARD_READS_KEPT ago.
fn lane_head(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    flow_slug: &str,
    step_slug: &str,
    priority: i32,
) -> Result<Option<TimestampWithTimeZone>> {
    let lane = [flow_slug.into(), step_slug.into(), priority.into()];
    if !citus::distributed(client)? {
        return Ok(plans::row(client, &plans::LANE_HEAD, &lane)?.and_then(|head| head.visible_at));
    }
    if citus::local_shard_of(client, run_id)?.is_some() {
        let heads = plans::rows_on_this_node(client, &plans::LANE_HEAD, &lane)?;
        return Ok(heads.into_iter().filter_map(|head| head.visible_at).min());
    }
    // Over every node: a read of each shard for each of the lane's 16 shards (tens of
    // milliseconds), kept a while, as a hint may be: a head since claimed only puts the tasks
    // first.
    let key = (flow_slug.to_string(), step_slug.to_string(), priority);
    if let Some(head) = LANE_HEADS
        .with(|kept| kept.borrow().get(&key).and_then(|(at, head)| (at.elapsed() < SHARD_READS_KEPT).then_some(*head)))
    {
        return Ok(head);
    }
    let head = plans::row(client, &plans::LANE_HEAD, &lane)?.and_then(|head| head.visible_at);
    LANE_HEADS.with(|kept| {
        let mut kept = kept.borrow_mut();
        if kept.len() >= LANE_HEADS_KEPT {
            kept.clear();
        }
        kept.insert(key, (std::time::Instant::now(), head));
    });
    Ok(head)
}

/// The most lanes whose heads a backend keeps before it forgets them all.
const LANE_HEADS_KEPT: usize = 10_000;

/// A lane's head read over every node, and when (lane_head).
type KeptLaneHead = (std::time::Instant, Option<TimestampWithTimeZone>);

thread_local! {
    // Per lane (flow, step, priority): what this backend last read over every node (lane_head).
    static LANE_HEADS: std::cell::RefCell<HashMap<(String, String, i32), KeptLaneHead>> =
        std::cell::RefCell::new(HashMap::new());
}

/// A fan-out spawned by hand (`spawn_fanout_tasks`): an empty one completes at once.
pub fn spawn_by_hand(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    flow_slug: &str,
    priority: i32,
) -> Result<i32> {
    match spawn(client, run_id, step_slug, flow_slug, priority)? {
        Spawned::Tasks { items, subflow } => {
            if subflow {
                start_children(client, run_id, step_slug, None)?;
            }
            Ok(items)
        }
        Spawned::Empty => {
            finish_step(client, run_id, step_slug, Ending::Completed { aggregated: false }, Strictness::Raise)?;
            Ok(0)
        }
        Spawned::NotAnArray(error) => Err(error),
    }
}

/// `all tasks ended` (Completed) and `skipped` (Skipped): ends a started step, releases its
/// dependents, and completes the run when no step is left or starts what the step released.
fn finish_step(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    ending: Ending<'_>,
    strictness: Strictness,
) -> Result<RunState> {
    let (status, why, skip_reason, aggregated) = match ending {
        Ending::Completed { aggregated } => ("completed", None, None, aggregated),
        Ending::Skipped(why, cause) => ("skipped", Some(why), Some(cause.skip_reason()), false),
    };
    let args = [run_id.into(), step_slug.into(), status.into(), optional(why, TEXTOID), optional(skip_reason, TEXTOID)];
    // A fan-out's output is one JSON array of its items' outputs, which jsonb caps at 256 MB
    // (54000). Past that the step fails, saying why, rather than the answer that ends it: that
    // answer would fail again at every try, and the run never end. In a subtransaction, which only
    // an aggregating fan-out's end takes (a transaction that ends a single step per answer of a big
    // batch would otherwise take one per answer, past the 64 a backend's subtransaction cache holds).
    let ended = if aggregated {
        subtransaction::catching(PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED, || {
            plans::row(client, &plans::FINISH_STEP, &args)
        })?
    } else {
        Ok(plans::row(client, &plans::FINISH_STEP, &args)?)
    };
    let finished = match ended {
        Ok(Some(finished)) => finished,
        Ok(None) => return Ok(RunState::Going), // not started any more: someone else ended it
        // Only answers, failures and deadlines end an aggregating fan-out (a direct call ends an
        // empty one at most), so the step fails whatever the strictness.
        Err(limit) => {
            let key: [DatumWithOid; 2] = [run_id.into(), step_slug.into()];
            let step = plans::row(client, &plans::STEP_FOR_SPAWN, &key)?.ok_or_else(|| {
                PgflowError::UnknownStepOfRun { run_id: run_id.to_string(), step_slug: step_slug.to_string() }
            })?;
            let message = reason::output_too_big(&limit);
            return step_failed(client, run_id, step_slug, step.when_exhausted, &message, Cause::HandlerFailed);
        }
    };
    announce(run_id, &finished.flow_slug, Some(step_slug), status)?;
    if finished.remaining_steps == 0 {
        return complete_run(client, run_id);
    }
    if finished.released_steps > 0 {
        return start_ready_steps(client, run_id, strictness);
    }
    Ok(RunState::Going)
}

/// `step fails`: what the step's `when_exhausted` says: `fail` fails the run; `skip` skips the step
/// (its dependents run without it); `skip-cascade` skips it and everything downstream of it.
/// The caller holds the run's lock exclusively.
fn step_failed(
    client: &mut SpiClient<'_>,
    run_id: Uuid,
    step_slug: &str,
    when_exhausted: WhenFailed,
    message: &str,
    cause: Cause,
) -> Result<RunState> {
    match when_exhausted {
        WhenFailed::Skip | WhenFailed::SkipCascade => {
            let args = [run_id.into(), step_slug.into(), optional(None::<&str>, TEXTOID)];
            plans::run(client, &plans::CANCEL_STEP_TASKS, &args)?;
            cancel_children(client, run_id, Some(step_slug))?;
            if when_exhausted == WhenFailed::SkipCascade {
                // Before the step ends, so that ending it releases no step that is to be skipped.
                let args: [DatumWithOid; 2] = [run_id.into(), step_slug.into()];
                plans::run(client, &plans::SKIP_DOWNSTREAM, &args)?;
            }
            finish_step(client, run_id, step_slug, Ending::Skipped(message, cause), Strictness::FailStep)
        }
        WhenFailed::Fail => {
            let run_message = reason::step_failed_run(step_slug, message);
            fail_run(client, run_id, Some((step_slug, message)), &run_message, false)?;
            Ok(RunState::Ended)
        }
    }
}

/// The tasks of a step that ran out of attempts, and the items each held (a batch holds several).
#[derive(Clone, Default)]
struct Lost {
    task_indexes: Vec<i32>,
    items: Vec<i32>,
}

/// `tasks exhausted`: counts the items of tasks that ran out of attempts off their steps, then
/// applies each step's policy: fail_fast fails the step; threshold fails it past its limit;
/// otherwise a step with no item left completes. A run that ends is not acted on again (it fails
/// once).
fn tasks_exhausted(client: &mut SpiClient<'_>, exhausted: Vec<((Uuid, String), Lost)>) -> Result<()> {
    let mut ended: HashSet<Uuid> = HashSet::new();
    for ((run_id, step_slug), lost) in exhausted {
        pgrx::check_for_interrupts!();
        if ended.contains(&run_id) {
            continue;
        }
        let args: [DatumWithOid; 4] =
            [run_id.into(), step_slug.as_str().into(), lost.task_indexes.into(), lost.items.into()];
        let Some(counted) = plans::row(client, &plans::COUNT_EXHAUSTED, &args)? else {
            continue; // the step ended meanwhile
        };
        let (policy, failed, limit) = (counted.fanout_policy, counted.failed_tasks, counted.failure_limit);
        let step_fails = match policy {
            FanoutPolicy::CollectAll => false,
            FanoutPolicy::Threshold => failed > limit.unwrap_or(i32::MAX),
            FanoutPolicy::FailFast => failed > 0,
        };
        let state = if step_fails {
            let args: [DatumWithOid; 2] = [run_id.into(), step_slug.as_str().into()];
            // A task failed by hand with no message has none to show.
            let first = plans::row(client, &plans::FIRST_FAILURE, &args)?
                .map(|first| (first.task_index, first.error_message.unwrap_or_default()));
            let total = counted.initial_tasks;
            let message = match (counted.step_type.as_str(), first) {
                ("single", Some((index, error))) => reason::task_failed(index, &error),
                (_, first) => {
                    reason::fanout_failed(failed, total, limit.filter(|_| policy == FanoutPolicy::Threshold), first)
                }
            };
            step_failed(client, run_id, &step_slug, counted.when_exhausted, &message, Cause::HandlerFailed)?
        } else if counted.remaining_tasks == 0 {
            finish_step(client, run_id, &step_slug, Ending::Completed { aggregated: true }, Strictness::FailStep)?
        } else {
            RunState::Going
        };
        if state == RunState::Ended {
            ended.insert(run_id);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Tasks

/// `claim`: queued tasks whose time has come become started, leased for `lease_seconds` (NULL:
/// each task's step timeout) and held by `worker_id`; only tasks of `step_slugs` when it is not
/// NULL. A flow with max_concurrency claims nothing unless `holds_capacity` (the caller took
/// `lock_flow_capacity` first). Returns the statement's result, which `claimed_tasks` reads (apart,
/// so that the claim can run in a subtransaction and its rows be read, with the type references
/// that takes, after it). The claim reads the queue from the shard `start_shard` gives.
pub fn claim<'conn>(
    client: &mut SpiClient<'conn>,
    flow_slug: &str,
    lease_seconds: Option<i32>,
    qty: i32,
    worker_id: DatumWithOid<'_>,
    step_slugs: DatumWithOid<'_>,
    holds_capacity: bool,
) -> Result<Claimed<'conn>> {
    let start = start_shard();
    let args = |qty: i32| {
        [
            flow_slug.into(),
            optional(lease_seconds, INT4OID),
            qty.into(),
            plans::copy(&worker_id),
            plans::copy(&step_slugs),
            holds_capacity.into(),
            start.into(),
        ]
    };
    if !citus::distributed(client)? {
        return Ok(Claimed(vec![plans::run(client, &plans::CLAIM_TASKS, &args(qty))?]));
    }
    // The Citus mode: the claim runs on the shards of this node, one after another, highest
    // priority first and among equals from one that moves on at each claim, until it has enough;
    // it never locks a row of another node's.
    let shards = citus::local_shards(client)?;
    let order = claim_order(client, flow_slug, &step_slugs, &shards, start)?;
    let mut tables = Vec::new();
    // Under the flow's capacity lock, at most what its max_concurrency leaves over the cluster: a
    // claim on a shard counts that shard's leases only.
    let mut left = if holds_capacity {
        plans::row(client, &plans::FLOW_LEASES, &[flow_slug.into()])?
            .and_then(|leases| leases.slots)
            .map_or(qty, |slots| slots.min(qty))
    } else {
        qty
    };
    for i in order {
        if left <= 0 {
            break;
        }
        pgrx::check_for_interrupts!();
        let shard = &shards[i];
        let table = plans::run_on_shard(client, &plans::CLAIM_TASKS, shard, &args(left))?;
        left -= table.len() as i32;
        tables.push(table);
    }
    Ok(Claimed(tables))
}

/// How long a backend goes by what it last read over several shards in the Citus mode for an order
/// or a hint: the priorities of its node's shards (claim_order), a lane's head on other nodes
/// (lane_head).
const SHARD_READS_KEPT: std::time::Duration = std::time::Duration::from_secs(1);

/// When a backend looked at its node's shards for a flow, and the highest queued priority of each.
type ShardPriorities = (std::time::Instant, HashMap<i64, i32>);

thread_local! {
    // Per flow: what this backend last found (claim_order).
    static SHARD_PRIORITIES: std::cell::RefCell<HashMap<String, ShardPriorities>> =
        std::cell::RefCell::new(HashMap::new());
}

/// The order in which a claim in the Citus mode takes this node's shards (indexes into `shards`):
/// the shard whose queued tasks have the highest priority first, as this backend found at most
/// SHARD_READS_KEPT ago (top_priority.sql on each shard), and among equals from `start` on.
/// Each shard's claim takes its own tasks in priority order (claim_tasks.sql), so a claim takes
/// the node's higher priorities before its lower ones.
fn claim_order(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    step_slugs: &DatumWithOid<'_>,
    shards: &[citus::LocalShard],
    start: i32,
) -> Result<Vec<usize>> {
    let fresh = SHARD_PRIORITIES
        .with(|kept| kept.borrow().get(flow_slug).is_some_and(|(at, _)| at.elapsed() < SHARD_READS_KEPT));
    if !fresh {
        let mut priorities = HashMap::new();
        for shard in shards {
            let args = [flow_slug.into(), plans::copy(step_slugs)];
            let found = plans::rows_on_shard(client, &plans::TOP_PRIORITY, shard, &args)?;
            if let Some(top) = found.into_iter().next().and_then(|t| t.priority) {
                priorities.insert(shard.id, top);
            }
        }
        SHARD_PRIORITIES
            .with(|kept| kept.borrow_mut().insert(flow_slug.to_string(), (std::time::Instant::now(), priorities)));
    }
    let count = shards.len();
    let mut order: Vec<usize> = (0..count).map(|i| (start.max(0) as usize + i) % count).collect();
    // Stable: among equal priorities the order from `start` stays.
    SHARD_PRIORITIES.with(|kept| {
        let kept = kept.borrow();
        let priorities = kept.get(flow_slug).map(|(_, priorities)| priorities);
        order.sort_by_key(|&i| {
            std::cmp::Reverse(priorities.and_then(|p| p.get(&shards[i].id)).copied().unwrap_or(i32::MIN))
        });
    });
    Ok(order)
}

/// What a claim returned: one statement's rows, or in the Citus mode one per shard it read.
pub struct Claimed<'conn>(Vec<SpiTupleTable<'conn>>);

impl Claimed<'_> {
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|table| table.is_empty())
    }
}

thread_local! {
    static CLAIMS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// The shard of the queue's lanes a claim starts at (see claim_tasks.sql): the backend's pid plus
/// the claims it made, mod 16. Workers connect one after another, so their pids, and their first
/// shards, differ; moving on one shard a claim keeps them apart and reads every shard within 16
/// claims, so that no shard's tasks wait for another's to drain.
fn start_shard() -> i32 {
    // SAFETY: MyProcPid is set once when the backend starts and only read afterwards.
    let pid = unsafe { pgrx::pg_sys::MyProcPid } as u32;
    let claims = CLAIMS.with(|claims| {
        let n = claims.get();
        claims.set(n.wrapping_add(1));
        n
    });
    (pid.wrapping_add(claims) & 15) as i32
}

/// Takes the flow's capacity lock until the transaction ends if the flow has a max_concurrency,
/// waiting for it when `wait`; returns whether the caller holds it (false: the flow has no cap, and
/// claims need no lock, or another holds it and `wait` was false).
pub fn lock_flow_capacity(client: &mut SpiClient<'_>, flow_slug: &str, wait: bool) -> Result<bool> {
    if !citus::distributed(client)? {
        let args: [DatumWithOid; 2] = [flow_slug.into(), wait.into()];
        return Ok(plans::row(client, &plans::LOCK_FLOW_CAPACITY, &args)?.is_some_and(|capacity| capacity.locked));
    }
    // The Citus mode: one lock for the cluster, on the node of the flow's capacity key.
    let args: [DatumWithOid; 3] = [flow_slug.into(), wait.into(), citus::capacity_key(flow_slug).into()];
    Ok(plans::row(client, &plans::LOCK_FLOW_CAPACITY_ON_NODE, &args)?.is_some_and(|capacity| capacity.locked))
}

/// The tasks a claim returned.
pub fn claimed_tasks(claimed: Claimed<'_>) -> Result<Vec<RawTaskRecord>> {
    let mut tasks = Vec::with_capacity(claimed.0.iter().map(|table| table.len()).sum());
    for table in claimed.0 {
        for row in table {
            pgrx::check_for_interrupts!();
            if let Some(task) = plans::column::<RawTaskRecord>(&row, &plans::CLAIM_TASKS, rows::ClaimTasks::TASK)? {
                tasks.push(task);
            }
        }
    }
    Ok(tasks)
}

/// `lease expired` with attempts left: the task goes back to the queue (in the Citus mode, on each
/// shard of this node: it locks the rows it requeues).
pub fn requeue_expired_leases(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<()> {
    if !citus::distributed(client)? {
        plans::run(client, &plans::REQUEUE_EXPIRED_LEASES, &[flow_slug.into()])?;
        return Ok(());
    }
    for shard in citus::local_shards(client)? {
        pgrx::check_for_interrupts!();
        plans::run_on_shard(client, &plans::REQUEUE_EXPIRED_LEASES, &shard, &[flow_slug.into()])?;
    }
    Ok(())
}

/// `lease expired` on the last attempt: no poll can claim the task again, so it fails, through
/// the same path as a worker's failure, lest its run hang.
pub fn fail_expired_last_attempts(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<()> {
    let mut expired = plans::rows_on_this_node(client, &plans::EXPIRED_LAST_ATTEMPTS, &[flow_slug.into()])?;
    if expired.is_empty() {
        return Ok(());
    }
    expired.sort_by(|a, b| {
        (a.run_id.as_bytes(), &a.step_slug, a.task_index).cmp(&(b.run_id.as_bytes(), &b.step_slug, b.task_index))
    });
    // In the Citus mode run by run, each on its run's shard (expired is in run order).
    let by_run = citus::distributed(client)?;
    let mut expired = expired.into_iter().peekable();
    while expired.peek().is_some() {
        let (mut run_ids, mut step_slugs, mut indexes, mut messages) = (vec![], vec![], vec![], vec![]);
        let first = expired.peek().map(|task| task.run_id);
        while let Some(task) = expired.next_if(|task| !by_run || Some(task.run_id) == first) {
            run_ids.push(task.run_id);
            step_slugs.push(task.step_slug);
            indexes.push(task.task_index);
            messages.push(reason::lease_expired(task.attempts_count));
        }
        let one_run = if by_run { first } else { None };
        let args: [DatumWithOid; 7] = [
            run_ids.clone().into(),
            step_slugs.into(),
            indexes.into(),
            messages.into(),
            plans::null(UUIDOID),
            true.into(),
            optional(one_run, UUIDOID),
        ];
        fail_tasks(client, Some(run_ids), &args)?;
    }
    Ok(())
}

/// `answer and claim` (`complete_tasks_and_poll`): `complete_tasks` and one look for tasks to
/// claim, in one call and one transaction, in this lock order. A batch
/// takes three statements: the answers' locks (the runs' shared, then the tasks), the claim, then
/// the answers written and counted on their steps' parts and rows. Those, which a batch of one
/// step's answers locks nearly all of, are then held only from the last statement to the commit,
/// not through the claim: with the claim last, a step's batches ran one at a time under many
/// workers (docs/architecture.md, *Locks*). One answer is written first and the claim follows:
/// it locks one task and one part, which few others wait for. Expired leases are requeued after
/// the answers. The call still gets what the answers released (a dependent started, a fan-out
/// spawned, a capped task let go) or the requeue returned: a batch whose claim took fewer than it
/// asked for claims again after them. It never waits: every lock is held until the caller
/// commits. Nothing claimable, it returns no task and the answers stand.
pub fn answer_and_claim(
    client: &mut SpiClient<'_>,
    tasks: &TaskRefs<'_>,
    outputs: DatumWithOid<'_>,
    answers: i64,
    flow_slug: &str,
    poll: &Poll,
) -> Result<Vec<RawTaskRecord>> {
    // Before the answers lock any task, as in poll_for_tasks.
    tasks::check_due_work(client, flow_slug)?;
    if citus::distributed(client)? {
        // The Citus mode: the answers run by run, each group on its run's node, then the claim on
        // this node's shards (the answers' rows are held through it).
        for (group, outputs) in tasks.by_run(client, &outputs, pgrx::pg_sys::BuiltinOid::JSONBOID.value())? {
            let answers = group.len() as i64;
            tasks::write_answers(client, &group, outputs, answers, false)?;
        }
        tasks::requeue_on_turn(client, flow_slug)?;
        return tasks::claim_without_waiting(client, flow_slug, poll, poll.qty);
    }
    if answers == 1 {
        // One answer locks one task and one part of its step (see step_parts in schema.sql; a
        // step of fewer than 64 tasks, its row): held through the claim, that keeps almost no one
        // waiting, and the claim, made after it, sees what it released. One statement fewer.
        tasks::write_answers(client, tasks, outputs, answers, false)?;
        tasks::requeue_on_turn(client, flow_slug)?;
        return tasks::claim_without_waiting(client, flow_slug, poll, poll.qty);
    }
    if answers > 0 {
        let [run_ids, step_slugs, task_indexes] = tasks.keys();
        let args = [run_ids, step_slugs, task_indexes, plans::copy(&tasks.worker_id), tasks.one_run_arg()];
        lock_answered_tasks(client, &args)?;
    }
    // Plain: a task this look locks without claiming it stays locked only until the caller's
    // commit, which follows at once (there is no sleep to outlast). Such a task is another
    // worker's; its answer locks tasks before steps, so it never holds a step this call waits for.
    // No requeue yet: it would take back an answered task whose lease ran out, whose row this
    // transaction holds (SKIP LOCKED skips only others' locks), and the answer would be lost.
    let mut claimed = tasks::look(client, flow_slug, poll, true, false)?.claimed.unwrap_or_default();
    let completed = tasks::write_answers(client, tasks, outputs, answers, false)?.0;
    let requeued = tasks::requeue_on_turn(client, flow_slug)?;
    let short = poll.qty as usize - claimed.len().min(poll.qty as usize);
    if short > 0 && (completed > 0 || requeued) {
        claimed.extend(tasks::claim_without_waiting(client, flow_slug, poll, short as i32)?);
    }
    Ok(claimed)
}

/// `heartbeat`: the lease of a started task held by the caller ends `seconds` from now.
pub fn extend_lease(client: &mut SpiClient<'_>, args: &[DatumWithOid<'_>; 5]) -> Result<Option<TimestampWithTimeZone>> {
    Ok(plans::row(client, &plans::EXTEND_LEASE, args)?.and_then(|extended| extended.lease_ends_at))
}

/// The locks a batch of answers takes first (`lock_answered_tasks.sql`): the runs' lock shared, then
/// the tasks, writing nothing. `complete_tasks` then takes the steps' rows and writes; between the
/// two the caller may claim (complete_tasks_and_poll), so that a step's row, which every answer of
/// the step locks, is held from the last statement to the commit rather than through the claim.
pub fn lock_answered_tasks(client: &mut SpiClient<'_>, args: &[DatumWithOid<'_>; 5]) -> Result<()> {
    plans::run(client, &plans::LOCK_ANSWERED_TASKS, args)?;
    Ok(())
}

/// `complete`: answers one task (`complete_task.sql`) or a batch (`complete_tasks.sql`), which take
/// the runs' lock shared, then the tasks, then their steps; then ends the steps whose last
/// unfinished task was answered, each with its cascade. `args` are the statement's: keys (arrays for a batch), outputs, worker. Returns
/// how many tasks it completed, and their rows when `keep_rows` (a caller that returns them).
pub fn complete_tasks(
    client: &mut SpiClient<'_>,
    batch: bool,
    args: &[DatumWithOid<'_>; 5],
    one_run: Option<Uuid>,
    keep_rows: bool,
) -> Result<(usize, Vec<RawStepTask>)> {
    if let Some(run_id) = one_run {
        hold_tree_shared(client, run_id)?;
    }
    let statement: &plans::StatementInfo = if batch { &plans::COMPLETE_TASKS } else { &plans::COMPLETE_TASK };
    let table = if batch {
        plans::run(client, statement, &with_one_run(args, one_run))?
    } else {
        plans::run(client, statement, args)?
    };
    let mut count = 0;
    let mut completed = Vec::with_capacity(if keep_rows { table.len() } else { 0 });
    let mut finished_steps = Vec::new();
    for row in table {
        pgrx::check_for_interrupts!();
        // Only the task column's null flag is read when the rows are not kept: no copy of them.
        // complete_task.sql and complete_tasks.sql return the same columns (a test checks).
        if plans::required_column::<bool>(&row, statement, Answer::IS_TASK)? {
            count += 1;
            if keep_rows {
                completed.extend(plans::column::<RawStepTask>(&row, statement, Answer::TASK)?);
            }
        } else {
            // A row of a step this ended.
            finished_steps.push((
                plans::required_column::<Uuid>(&row, statement, Answer::RUN_ID)?,
                plans::required_column::<String>(&row, statement, Answer::STEP_SLUG)?,
                plans::required_column::<bool>(&row, statement, Answer::AGGREGATED)?,
            ));
        }
    }
    for (run_id, step_slug, aggregated) in finished_steps {
        pgrx::check_for_interrupts!();
        finish_step(client, run_id, &step_slug, Ending::Completed { aggregated }, Strictness::FailStep)?;
    }
    Ok((count, completed))
}

/// A batch of answers' arguments (keys, outputs, worker) and the one run they are of, as
/// complete_tasks.sql and wrong_batch_answers.sql take them.
fn with_one_run<'a>(args: &[DatumWithOid<'a>; 5], one_run: Option<Uuid>) -> [DatumWithOid<'a>; 6] {
    let [run_ids, step_slugs, indexes, outputs, worker_id] = args;
    [
        plans::copy(run_ids),
        plans::copy(step_slugs),
        plans::copy(indexes),
        plans::copy(outputs),
        plans::copy(worker_id),
        optional(one_run, UUIDOID),
    ]
}

/// `wrong answer`: a batched fan-out's task answered with something other than one output per
/// item (complete_tasks left it started) fails that attempt, saying what it got, as a worker's
/// failure would. `args` are complete_tasks'. Returns how many answers were such.
pub fn fail_wrong_batch_answers(
    client: &mut SpiClient<'_>,
    args: &[DatumWithOid<'_>; 5],
    one_run: Option<Uuid>,
) -> Result<usize> {
    let wrong_answers = plans::rows(client, &plans::WRONG_BATCH_ANSWERS, &with_one_run(args, one_run))?;
    if wrong_answers.is_empty() {
        return Ok(0);
    }
    let (mut run_ids, mut step_slugs, mut indexes, mut messages) = (vec![], vec![], vec![], vec![]);
    for answer in wrong_answers {
        run_ids.push(answer.run_id);
        step_slugs.push(answer.step_slug);
        indexes.push(answer.task_index);
        messages.push(answer.message);
    }
    let wrong = run_ids.len();
    let args: [DatumWithOid; 7] = [
        run_ids.into(),
        step_slugs.into(),
        indexes.into(),
        messages.into(),
        plans::copy(&args[4]),
        false.into(),
        optional(one_run, UUIDOID),
    ];
    fail_tasks(client, None, &args)?;
    Ok(wrong)
}

/// `fail`: answers a batch of failures (`fail_tasks.sql`): tasks with attempts left are retried
/// after their backoff, the others are exhausted and go to their steps' policies. Exhausting a
/// task may cancel others', so the runs where that happens are locked first: `exhausting` when the
/// caller knows them (expired last attempts), else the runs `exhausting_runs.sql` finds. A retry
/// alone takes no run lock, so it never waits for answers in flight.
pub fn fail_tasks(
    client: &mut SpiClient<'_>,
    exhausting: Option<Vec<Uuid>>,
    args: &[DatumWithOid<'_>; 7],
) -> Result<Vec<RawStepTask>> {
    let locked = match exhausting {
        Some(run_ids) => run_ids,
        None => {
            let [run_ids, step_slugs, task_indexes, _, worker_id, _, one_run] = args;
            let keys = [
                plans::copy(run_ids),
                plans::copy(step_slugs),
                plans::copy(task_indexes),
                plans::copy(worker_id),
                plans::copy(one_run),
            ];
            plans::row(client, &plans::EXHAUSTING_RUNS, &keys)?.map(|found| found.run_ids).unwrap_or_default()
        }
    };
    if !locked.is_empty() {
        lock_runs(client, locked.clone())?;
    }
    let table = plans::run(client, &plans::FAIL_TASKS, args)?;
    let mut answered = Vec::with_capacity(table.len());
    let mut exhausted_tasks: Vec<(Uuid, String, i32, i32)> = Vec::new();
    let statement = &plans::FAIL_TASKS;
    for row in table {
        pgrx::check_for_interrupts!();
        if plans::required_column::<bool>(&row, statement, rows::FailTasks::EXHAUSTED)? {
            exhausted_tasks.push((
                plans::required_column::<Uuid>(&row, statement, rows::FailTasks::RUN_ID)?,
                plans::required_column::<String>(&row, statement, rows::FailTasks::STEP_SLUG)?,
                plans::required_column::<i32>(&row, statement, rows::FailTasks::TASK_INDEX)?,
                plans::required_column::<i32>(&row, statement, rows::FailTasks::ITEMS)?,
            ));
        }
        if let Some(task) = plans::column::<RawStepTask>(&row, statement, rows::FailTasks::TASK)? {
            answered.push(task);
        }
    }
    // What each step lost, steps in the order their first task came.
    let mut exhausted: Vec<((Uuid, String), Lost)> = Vec::new();
    let mut position: HashMap<(Uuid, String), usize> = HashMap::new();
    for (run_id, step_slug, task_index, items) in &exhausted_tasks {
        let key = (*run_id, step_slug.clone());
        let i = *position.entry(key.clone()).or_insert_with(|| {
            exhausted.push((key, Lost::default()));
            exhausted.len() - 1
        });
        exhausted[i].1.task_indexes.push(*task_index);
        exhausted[i].1.items.push(*items);
    }
    // A task claimed again on its last attempt between the look and the answer (an answer
    // without a worker id): its run is locked now, late but before anything is cancelled.
    let unlocked: Vec<Uuid> =
        exhausted.iter().map(|((run_id, _), _)| *run_id).filter(|id| !locked.contains(id)).collect();
    if !unlocked.is_empty() {
        lock_runs(client, unlocked.clone())?;
        // Their result numbers were taken before the lock was held: taken again under it.
        let (mut run_ids, mut step_slugs, mut indexes) = (vec![], vec![], vec![]);
        for (run_id, step_slug, task_index, _) in exhausted_tasks.into_iter().filter(|task| unlocked.contains(&task.0))
        {
            run_ids.push(run_id);
            step_slugs.push(step_slug);
            indexes.push(task_index);
        }
        let args: [DatumWithOid; 4] = [run_ids.into(), step_slugs.into(), indexes.into(), plans::copy(&args[6])];
        plans::run(client, &plans::STAMP_RESULTS, &args)?;
    }
    tasks_exhausted(client, exhausted)?;
    Ok(answered)
}

// ---------------------------------------------------------------------------------------------
// Deadlines

/// `deadline passed`: fails runs past their run_timeout and times out fan-outs past their
/// fanout_timeout (of one flow, or of all). Returns how many deadlines it acted on.
pub fn enforce_deadlines(client: &mut SpiClient<'_>, flow_slug: Option<&str>) -> Result<i32> {
    let mut due: Vec<_> = plans::rows_on_this_node(client, &plans::DUE_DEADLINES, &[optional(flow_slug, TEXTOID)])?
        .into_iter()
        .map(|deadline| (deadline.run_id, deadline.kind != "run", deadline.step_slug, deadline.timeout_seconds))
        .collect();
    // Runs in run_id order, so that two sessions enforcing at once take the locks in one order;
    // a run's own deadline before its steps'.
    due.sort_by(|a, b| (a.0.as_bytes(), a.1).cmp(&(b.0.as_bytes(), b.1)));
    let mut acted = 0;
    for (run_id, is_step, step_slug, seconds) in due {
        pgrx::check_for_interrupts!();
        lock_runs(client, vec![run_id])?;
        match (is_step, step_slug) {
            (false, _) => {
                if fail_run(client, run_id, None, &reason::run_timed_out(seconds), true)? {
                    acted += 1;
                }
            }
            (true, Some(step_slug)) => {
                if step_timed_out(client, run_id, &step_slug)? {
                    acted += 1;
                }
            }
            (true, None) => {}
        }
    }
    Ok(acted)
}

/// `fan-out deadline passed`: the step's unfinished tasks are cancelled, each recording
/// `reason::ITEM_TIMED_OUT`; under collect_all the step completes with them as failed envelopes,
/// otherwise the step fails.
fn step_timed_out(client: &mut SpiClient<'_>, run_id: Uuid, step_slug: &str) -> Result<bool> {
    let args: [DatumWithOid; 2] = [run_id.into(), step_slug.into()];
    let Some(past) = plans::row(client, &plans::STEP_PAST_DEADLINE, &args)? else {
        return Ok(false); // ended, or no longer past its deadline
    };
    let args = [run_id.into(), step_slug.into(), reason::ITEM_TIMED_OUT.into()];
    let unfinished = plans::row(client, &plans::CANCEL_STEP_TASKS, &args)?.map_or(0, |cancelled| cancelled.cancelled);
    cancel_children(client, run_id, Some(step_slug))?;
    if past.fanout_policy == FanoutPolicy::CollectAll {
        finish_step(client, run_id, step_slug, Ending::Completed { aggregated: true }, Strictness::FailStep)?;
    } else {
        let message = reason::fanout_timed_out(past.timeout_seconds, unfinished, past.initial_tasks);
        step_failed(client, run_id, step_slug, past.when_exhausted, &message, Cause::HandlerFailed)?;
    }
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Maintenance

/// A change `repair_run` made: (subject, what, was, now).
pub type Change = (String, String, String, String);

/// `repair`: the run's counters and statuses are set to what its tasks say (repair_run.sql);
/// then, if the run is started, each started step goes to its failure policy (which finishes or
/// fails it if its tasks say so), steps whose dependencies are done start, and a run with no step
/// left completes. Returns every change, those of moving on included; none for a consistent run.
pub fn repair_run(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Vec<Change>> {
    lock_runs(client, vec![run_id])?;
    let mut changes = Vec::new();
    // A value that was or is NULL (initial_tasks before a spawn) shows as empty.
    for change in plans::rows_on_run_shard(client, &plans::REPAIR_RUN, run_id, &[run_id.into()])? {
        changes.push((change.subject, change.what, change.was.unwrap_or_default(), change.now.unwrap_or_default()));
    }
    let repaired = statuses(client, run_id)?;
    if status_of(&repaired, "run") != Some("started") {
        return Ok(changes);
    }
    let mut steps = Vec::new();
    for started in plans::rows(client, &plans::STARTED_STEPS, &[run_id.into()])? {
        steps.push(((run_id, started.step_slug), Lost::default()));
    }
    tasks_exhausted(client, steps)?;
    if status_of(&statuses(client, run_id)?, "run") == Some("started") {
        start_ready_steps(client, run_id, Strictness::FailStep)?;
        complete_run(client, run_id)?; // only if no step is left
    }
    for (subject, now) in statuses(client, run_id)? {
        match status_of(&repaired, &subject) {
            Some(was) if was != now => changes.push((subject, "status".to_string(), was.to_string(), now)),
            _ => {}
        }
    }
    Ok(changes)
}

fn status_of<'a>(statuses: &'a [(String, String)], subject: &str) -> Option<&'a str> {
    statuses.iter().find(|(s, _)| s == subject).map(|(_, status)| status.as_str())
}

/// The run's status and each step's, as (subject, status): subject 'run' or 'step <slug>'.
fn statuses(client: &mut SpiClient<'_>, run_id: Uuid) -> Result<Vec<(String, String)>> {
    Ok(plans::rows(client, &plans::RUN_STATUSES, &[run_id.into()])?
        .into_iter()
        .map(|status| (status.subject, status.status))
        .collect())
}

/// `prune`: finished runs that ended before `older_than` ago are deleted with their steps and
/// tasks, oldest first, at most `max_runs` (prune_runs.sql). Returns how many.
pub fn prune_runs(client: &mut SpiClient<'_>, args: &[DatumWithOid<'_>; 3]) -> Result<i64> {
    if !citus::distributed(client)? {
        return Ok(plans::row(client, &plans::PRUNE_RUNS, args)?.map_or(0, |pruned| pruned.pruned));
    }
    // The Citus mode: the oldest finished top-level runs of every shard, then each tree, spread
    // over the nodes, deleted under its lock if its run is still finished (a redrive may have
    // started it again meanwhile).
    let mut pruned = 0;
    for candidate in plans::rows(client, &plans::PRUNE_CANDIDATES, args)? {
        pgrx::check_for_interrupts!();
        let run_id = candidate.run_id;
        lock_runs(client, vec![run_id])?;
        let finished = plans::row(client, &plans::RUN_STATUS, &[run_id.into()])?
            .is_some_and(|run| run.status != RunStatus::Started);
        if !finished {
            continue;
        }
        delete_trees(client, vec![run_id])?;
        pruned += 1;
    }
    Ok(pruned)
}

/// `delete flow with its data` (pgflow's `delete_flow_and_data`): each unfinished top-level run
/// of the flow as `cancel` (the child runs below it with it), then `delete flow`.
pub fn delete_flow_and_data(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<()> {
    // The flow's row lock first, as delete_flow takes it: no run of it starts meanwhile.
    if plans::row(client, &plans::FIND_FLOW, &[flow_slug.into()])?.is_none() {
        return Err(PgflowError::UnknownFlow(flow_slug.to_string()));
    }
    for unfinished in plans::rows(client, &plans::UNFINISHED_RUNS, &[flow_slug.into()])? {
        pgrx::check_for_interrupts!();
        cancel_run(client, unfinished.run_id)?;
    }
    match delete_flow(client, flow_slug)? {
        0 => Ok(()),
        left => Err(PgflowError::Internal(format!(
            "flow '{flow_slug}' kept {left} unfinished run(s) after they were cancelled"
        ))),
    }
}

/// Deletes a flow with its steps and its runs, which must all have finished: returns how many
/// are unfinished, and deletes nothing when any is.
pub fn delete_flow(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<i64> {
    // The flow's row lock: a run started meanwhile waits for this transaction, then finds no flow.
    if plans::row(client, &plans::FIND_FLOW, &[flow_slug.into()])?.is_none() {
        return Err(PgflowError::UnknownFlow(flow_slug.to_string()));
    }
    if let Some(user) = plans::row(client, &plans::SUBFLOW_USERS, &[flow_slug.into()])? {
        return Err(PgflowError::InUse(format!(
            "flow '{flow_slug}' is the sub-flow of step '{}' of flow '{}'; delete that flow first",
            user.step_slug, user.flow_slug
        )));
    }
    let unfinished =
        plans::row(client, &plans::COUNT_UNFINISHED_RUNS, &[flow_slug.into()])?.map_or(0, |count| count.unfinished);
    if unfinished > 0 {
        return Ok(unfinished);
    }
    if !citus::distributed(client)? {
        plans::run(client, &plans::DELETE_FLOW, &[flow_slug.into()])?;
        return Ok(0);
    }
    // The Citus mode: the runs' trees, spread over the nodes, then the definition.
    let runs: Vec<Uuid> =
        plans::rows(client, &plans::FLOW_RUNS, &[flow_slug.into()])?.into_iter().map(|run| run.run_id).collect();
    delete_trees(client, runs)?;
    plans::run(client, &plans::DELETE_DEFINITION, &[flow_slug.into()])?;
    Ok(0)
}

/// Deletes finished top-level runs with every run below them, and their steps, parts and tasks,
/// in the Citus mode (prune_runs.sql and delete_flow.sql do it in their own statement on one
/// node). The caller holds their trees' locks, or the flow's.
fn delete_trees(client: &mut SpiClient<'_>, runs: Vec<Uuid>) -> Result<()> {
    if runs.is_empty() {
        return Ok(());
    }
    let tree: Vec<Uuid> =
        plans::rows(client, &plans::TREE_RUNS, &[runs.into()])?.into_iter().map(|run| run.run_id).collect();
    plans::run(client, &plans::DELETE_RUNS, &[tree.into()])?;
    Ok(())
}
