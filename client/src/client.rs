//! Starting, watching and managing runs. Every call goes through the extension's SQL functions;
//! nothing here reads the tables.

use std::time::{Duration, SystemTime};

use deadpool_postgres::{Manager, Pool};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_postgres::{AsyncMessage, GenericClient, NoTls, Row};
use uuid::Uuid;

use crate::error::{Error, Result};

/// A run, as `pgflow.runs` holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub run_id: Uuid,
    pub flow_slug: String,
    /// `started`, `completed`, `failed` or `cancelled`.
    pub status: String,
    pub input: Value,
    /// The outputs of the flow's leaf steps, by slug, once completed.
    pub output: Option<Value>,
    /// Why a failed run failed.
    pub error_message: Option<String>,
    pub run_key: Option<String>,
    pub priority: i32,
    pub redrive_count: i32,
    /// The run whose sub-flow fan-out this run works for, if any.
    pub parent_run_id: Option<Uuid>,
    /// The top of this run's tree (its own id for a top-level run).
    pub root_run_id: Uuid,
    pub started_at: SystemTime,
}

impl Run {
    pub fn is_finished(&self) -> bool {
        self.status != "started"
    }
}

/// The columns `Run::from_row` reads, selected from a call that returns `pgflow.runs`.
macro_rules! run_columns {
    () => {
        "r.run_id, r.flow_slug::text, r.status, r.input, r.output, r.error_message, r.run_key, \
         r.priority, r.redrive_count, r.parent_run_id, r.root_run_id, r.started_at"
    };
}
const RUN_COLUMNS: &str = run_columns!();
const START_FLOW: &str = concat!(
    "select ",
    run_columns!(),
    " from pgflow.start_flow($1, $2, run_id => $3, run_key => $4, priority => $5) r"
);

impl Run {
    fn from_row(row: &Row) -> Result<Run> {
        Ok(Run {
            run_id: row.try_get(0)?,
            flow_slug: row.try_get(1)?,
            status: row.try_get(2)?,
            input: row.try_get(3)?,
            output: row.try_get(4)?,
            error_message: row.try_get(5)?,
            run_key: row.try_get(6)?,
            priority: row.try_get(7)?,
            redrive_count: row.try_get(8)?,
            parent_run_id: row.try_get(9)?,
            root_run_id: row.try_get(10)?,
            started_at: row.try_get(11)?,
        })
    }
}

/// A step of a run, as `pgflow.progress` counts it (items, for a fan-out).
#[derive(Debug, Clone, PartialEq)]
pub struct StepProgress {
    pub step_slug: String,
    pub step_type: String,
    pub status: String,
    /// None while a fan-out's size is unknown.
    pub total: Option<i32>,
    pub queued: i32,
    pub running: i32,
    pub completed: i32,
    pub failed: i32,
    pub cancelled: i32,
    pub started_at: Option<SystemTime>,
    pub finished_at: Option<SystemTime>,
    pub tasks_per_second: Option<f64>,
    pub eta: Option<Duration>,
}

/// A flow's figures, as `pgflow.stats` gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowStats {
    pub flow_slug: String,
    pub active_runs: i64,
    pub waiting_runs: i64,
    pub active_fanouts: i64,
    pub queued_tasks: i64,
    pub running_tasks: i64,
    /// How long the oldest claimable task has waited (the queue lag).
    pub oldest_queued_age: Option<Duration>,
    pub completed_last_minute: i64,
    pub failed_last_minute: i64,
    pub runs_completed_last_hour: i64,
    pub runs_failed_last_hour: i64,
}

/// A finished item of a step, as `pgflow.read_results` gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskResult {
    /// The cursor: results come in the order their items finished.
    pub seq: i64,
    pub task_index: i32,
    /// `completed`, `failed` or `cancelled`.
    pub status: String,
    pub output: Option<Value>,
    pub error_message: Option<String>,
}

/// A top-level run, as `pgflow.list_runs` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub run_id: Uuid,
    pub flow_slug: String,
    pub status: String,
    pub started_at: SystemTime,
    pub finished_at: Option<SystemTime>,
    pub remaining_steps: i32,
    pub error_message: Option<String>,
    pub priority: i32,
    pub run_key: Option<String>,
    pub redrive_count: i32,
}

/// Which runs `Client::list_runs` lists: all by default, newest first, 50 at a time.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub flow_slug: Option<String>,
    pub status: Option<String>,
    pub started_since: Option<SystemTime>,
    /// At most this many (default 50).
    pub max_rows: Option<i32>,
    /// The last run of the previous page.
    pub before_run_id: Option<Uuid>,
}

/// A run of a tree, as `pgflow.run_tree` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeRun {
    pub run_id: Uuid,
    pub parent_run_id: Option<Uuid>,
    pub depth: i32,
    pub flow_slug: String,
    pub status: String,
    pub parent_step_slug: Option<String>,
    pub parent_task_index: Option<i32>,
    pub total_tasks: i64,
    pub completed_tasks: i64,
    pub failed_tasks: i64,
}

/// What `Client::ensure_flow_compiled` did with a shape: `compiled` (the flow was missing),
/// `verified` (the stored flow is the same), `replaced` or `mismatch`, with the differences named.
/// A child run of a sub-flow fan-out, as `child_runs` pages them.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildRun {
    pub run_id: Uuid,
    pub flow_slug: String,
    pub status: String,
    pub parent_step_slug: String,
    pub parent_task_index: i32,
    pub started_at: SystemTime,
    pub finished_at: Option<SystemTime>,
    pub error_message: Option<String>,
    pub total_tasks: i64,
    pub completed_tasks: i64,
    pub failed_tasks: i64,
}

/// A step's failed items that failed with one error.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureGroup {
    pub error_message: Option<String>,
    pub items: i64,
    pub first_task_index: i32,
    pub last_failed_at: Option<SystemTime>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FailedItem {
    pub task_index: i32,
    pub error_message: Option<String>,
    pub attempts_count: i32,
    pub failed_at: Option<SystemTime>,
}

/// One task: what `inspect_task` shows. `attempt_errors` lists the failed attempts, oldest first
/// (`{"attempt", "error", "worker_id", "at"}`, the last 20); `lease_until` is set while it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectedTask {
    pub flow_slug: String,
    pub status: String,
    pub input: Value,
    pub output: Option<Value>,
    pub error_message: Option<String>,
    pub attempts_count: i32,
    pub attempt_errors: Value,
    pub worker_id: Option<Uuid>,
    pub queued_at: SystemTime,
    pub started_at: Option<SystemTime>,
    pub lease_until: Option<SystemTime>,
    pub completed_at: Option<SystemTime>,
    pub failed_at: Option<SystemTime>,
    pub first_index: Option<i32>,
}

/// A slice of a step's span and the tasks that completed and failed in it.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineBucket {
    pub start: SystemTime,
    pub end: SystemTime,
    pub completed: i64,
    pub failed: i64,
    /// 1 when every task of the step was counted; past 10,000 tasks, the counts are every
    /// `every_nth` task's, scaled to the step's size (its failures are each counted up to 10,000).
    pub every_nth: i32,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct FlowCheck {
    pub status: String,
    pub differences: Vec<String>,
}

/// A handle on the database: a small pool of connections. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    pool: Pool,
    config: tokio_postgres::Config,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("status", &self.pool.status()).finish_non_exhaustive()
    }
}

/// How long `stream_results` waits before reading a running step's results again.
const RESULTS_POLL: Duration = Duration::from_millis(100);

impl Client {
    /// Connects to `url` (`postgres://user@host/db`, or `host=/socket dbname=db` pairs) and checks
    /// that a connection can be made.
    pub async fn connect(url: &str) -> Result<Client> {
        let config: tokio_postgres::Config =
            url.parse().map_err(|error| Error::Config(format!("connection string: {error}")))?;
        let pool = Pool::builder(Manager::new(config.clone(), NoTls))
            .max_size(4)
            .build()
            .map_err(|error| Error::Config(format!("connection pool: {error}")))?;
        drop(pool.get().await?);
        Ok(Client { pool, config })
    }

    async fn query(&self, sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> Result<Vec<Row>> {
        let connection = self.pool.get().await?;
        let statement = connection.prepare_cached(sql).await?;
        Ok(connection.query(&statement, params).await?)
    }

    async fn query_run(&self, sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> Result<Run> {
        let rows = self.query(sql, params).await?;
        let row = rows.first().ok_or_else(|| Error::Connection("the call returned no run".into()))?;
        Run::from_row(row)
    }

    /// A run of `flow_slug` with `input`, started by `.send()`; `.run_key(k)` makes it idempotent
    /// (a second start with the key returns the first run), `.priority(p)` orders its claims.
    pub fn start_flow<'a>(&'a self, flow_slug: &'a str, input: impl Serialize) -> StartFlow<'a> {
        StartFlow {
            client: self,
            flow_slug,
            input: serde_json::to_value(input).map_err(Error::from),
            run_key: None,
            run_id: None,
            priority: 0,
        }
    }

    /// The run as it is now (`P0002` for an unknown run).
    pub async fn run(&self, run_id: Uuid) -> Result<Run> {
        let sql = format!("select {RUN_COLUMNS} from pgflow.wait_for_run($1, 0) r");
        self.query_run(&sql, &[&run_id]).await
    }

    /// Waits for the run to end and returns it (completed, failed or cancelled). Listens on the
    /// `pgflow` channel, where the extension announces each run's end at its commit, and looks at
    /// the run only at the start and when its end is announced: no polling.
    pub async fn wait_for_run(&self, run_id: Uuid, timeout: Duration) -> Result<Run> {
        let deadline = Instant::now() + timeout;
        let mut announcements = self.announcements().await?;
        loop {
            let run = self.run(run_id).await?;
            if run.is_finished() {
                return Ok(run);
            }
            loop {
                let announcement = tokio::time::timeout_at(deadline, announcements.recv())
                    .await
                    .map_err(|_| Error::Timeout { run_id, waited: timeout })?
                    .ok_or_else(|| Error::Connection("the listening connection was lost".into()))?;
                if ends_run(&announcement, run_id) {
                    break;
                }
            }
        }
    }

    /// One row per step of the run, in definition order.
    pub async fn progress(&self, run_id: Uuid) -> Result<Vec<StepProgress>> {
        let rows = self
            .query(
                "select step_slug, step_type, status, total, queued, running, completed, failed, cancelled, \
                        tasks_per_second::float8, extract(epoch from eta)::float8, started_at, finished_at \
                   from pgflow.progress($1)",
                &[&run_id],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(StepProgress {
                    step_slug: row.try_get(0)?,
                    step_type: row.try_get(1)?,
                    status: row.try_get(2)?,
                    total: row.try_get(3)?,
                    queued: row.try_get(4)?,
                    running: row.try_get(5)?,
                    completed: row.try_get(6)?,
                    failed: row.try_get(7)?,
                    cancelled: row.try_get(8)?,
                    tasks_per_second: row.try_get(9)?,
                    eta: seconds(row.try_get(10)?),
                    started_at: row.try_get(11)?,
                    finished_at: row.try_get(12)?,
                })
            })
            .collect()
    }

    /// One row per flow.
    pub async fn stats(&self) -> Result<Vec<FlowStats>> {
        let rows = self
            .query(
                "select flow_slug, active_runs, waiting_runs, active_fanouts, queued_tasks, running_tasks, \
                        extract(epoch from oldest_queued_age)::float8, completed_last_minute, failed_last_minute, \
                        runs_completed_last_hour, runs_failed_last_hour from pgflow.stats()",
                &[],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(FlowStats {
                    flow_slug: row.try_get(0)?,
                    active_runs: row.try_get(1)?,
                    waiting_runs: row.try_get(2)?,
                    active_fanouts: row.try_get(3)?,
                    queued_tasks: row.try_get(4)?,
                    running_tasks: row.try_get(5)?,
                    oldest_queued_age: seconds(row.try_get(6)?),
                    completed_last_minute: row.try_get(7)?,
                    failed_last_minute: row.try_get(8)?,
                    runs_completed_last_hour: row.try_get(9)?,
                    runs_failed_last_hour: row.try_get(10)?,
                })
            })
            .collect()
    }

    /// One page of the step's finished items after the cursor `after_seq`.
    pub async fn read_results(
        &self,
        run_id: Uuid,
        step_slug: &str,
        after_seq: i64,
        max_rows: i32,
    ) -> Result<Vec<TaskResult>> {
        let rows = self
            .query(
                "select seq, task_index, status, output, error_message from pgflow.read_results($1, $2, $3, $4)",
                &[&run_id, &step_slug, &after_seq, &max_rows],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(TaskResult {
                    seq: row.try_get(0)?,
                    task_index: row.try_get(1)?,
                    status: row.try_get(2)?,
                    output: row.try_get(3)?,
                    error_message: row.try_get(4)?,
                })
            })
            .collect()
    }

    /// The step's items as they finish, in the order they did, ending once the step has finished
    /// and every result has been read. A cursor never skips a result that commits later.
    pub fn stream_results(&self, run_id: Uuid, step_slug: &str) -> impl Stream<Item = Result<TaskResult>> + '_ {
        struct Cursor {
            after: i64,
            ended: bool,
        }
        let step_slug = step_slug.to_string();
        stream::unfold(Cursor { after: 0, ended: false }, move |mut cursor| {
            let step_slug = step_slug.clone();
            async move {
                if cursor.ended {
                    return None;
                }
                loop {
                    // Whether the step had finished is read before the page: a page read after
                    // it holds every result the step will ever have.
                    let finished = match self.progress(run_id).await {
                        Ok(steps) => steps
                            .iter()
                            .find(|step| step.step_slug == step_slug)
                            .is_none_or(|step| step.status != "started" && step.status != "created"),
                        Err(error) => return Some((vec![Err(error)], Cursor { after: cursor.after, ended: true })),
                    };
                    match self.read_results(run_id, &step_slug, cursor.after, 1000).await {
                        Err(error) => return Some((vec![Err(error)], Cursor { after: cursor.after, ended: true })),
                        Ok(page) if !page.is_empty() => {
                            cursor.after = page.last().map_or(cursor.after, |last| last.seq);
                            return Some((page.into_iter().map(Ok).collect(), cursor));
                        }
                        Ok(_) if finished => return None,
                        Ok(_) => tokio::time::sleep(RESULTS_POLL).await,
                    }
                }
            }
        })
        .flat_map(stream::iter)
    }

    /// Cancels a started run and every run below it (`55000` for a finished one).
    pub async fn cancel_run(&self, run_id: Uuid) -> Result<Run> {
        let sql = format!("select {RUN_COLUMNS} from pgflow.cancel_run($1) r");
        self.query_run(&sql, &[&run_id]).await
    }

    /// Starts a failed or cancelled run again where it stopped (`55000` otherwise).
    pub async fn redrive_run(&self, run_id: Uuid) -> Result<Run> {
        let sql = format!("select {RUN_COLUMNS} from pgflow.redrive_run($1) r");
        self.query_run(&sql, &[&run_id]).await
    }

    /// Deletes finished top-level runs (with the runs below them) that ended more than
    /// `older_than` ago, oldest first, at most `max_runs`; of one flow, or of all. Returns how many.
    pub async fn prune_runs(&self, older_than: Duration, flow_slug: Option<&str>, max_runs: i32) -> Result<i64> {
        let rows = self
            .query(
                "select pgflow.prune_runs(make_interval(secs => $1), $2, $3)",
                &[&older_than.as_secs_f64(), &flow_slug, &max_runs],
            )
            .await?;
        Ok(rows.first().map(|row| row.try_get::<_, i64>(0)).transpose()?.unwrap_or(0))
    }

    /// Top-level runs, newest first, a page at a time.
    pub async fn list_runs(&self, filter: &RunFilter) -> Result<Vec<RunSummary>> {
        let rows = self
            .query(
                "select run_id, flow_slug, status, started_at, finished_at, remaining_steps, error_message, priority, \
                        run_key, redrive_count from pgflow.list_runs($1, $2, $3, $4, $5)",
                &[
                    &filter.flow_slug,
                    &filter.status,
                    &filter.started_since,
                    &filter.max_rows.unwrap_or(50),
                    &filter.before_run_id,
                ],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(RunSummary {
                    run_id: row.try_get(0)?,
                    flow_slug: row.try_get(1)?,
                    status: row.try_get(2)?,
                    started_at: row.try_get(3)?,
                    finished_at: row.try_get(4)?,
                    remaining_steps: row.try_get(5)?,
                    error_message: row.try_get(6)?,
                    priority: row.try_get(7)?,
                    run_key: row.try_get(8)?,
                    redrive_count: row.try_get(9)?,
                })
            })
            .collect()
    }

    /// A page of the step's failed items in task order, of one error or any: at most `max_rows`
    /// after task `after_task_index` (-1: from the first).
    pub async fn failed_items(
        &self,
        run_id: Uuid,
        step_slug: &str,
        error_message: Option<&str>,
        after_task_index: i32,
        max_rows: i32,
    ) -> Result<Vec<FailedItem>> {
        let rows = self
            .query(
                "select task_index, error_message, attempts_count, failed_at from pgflow.failed_items($1, $2, $3, $4, $5)",
                &[&run_id, &step_slug, &error_message, &after_task_index, &max_rows],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(FailedItem {
                    task_index: row.try_get(0)?,
                    error_message: row.try_get(1)?,
                    attempts_count: row.try_get(2)?,
                    failed_at: row.try_get(3)?,
                })
            })
            .collect()
    }

    /// The step's failed items grouped by error, the biggest group first (at most `max_groups`).
    pub async fn failure_groups(&self, run_id: Uuid, step_slug: &str, max_groups: i32) -> Result<Vec<FailureGroup>> {
        let rows = self
            .query(
                "select error_message, items, first_task_index, last_failed_at from pgflow.failure_groups($1, $2, $3)",
                &[&run_id, &step_slug, &max_groups],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(FailureGroup {
                    error_message: row.try_get(0)?,
                    items: row.try_get(1)?,
                    first_task_index: row.try_get(2)?,
                    last_failed_at: row.try_get(3)?,
                })
            })
            .collect()
    }

    /// A page of the run's child runs in task order, of one status or any: at most `max_rows`
    /// after `after_run_id` (the last child of the page before).
    pub async fn child_runs(
        &self,
        parent_run_id: Uuid,
        status: Option<&str>,
        after_run_id: Option<Uuid>,
        max_rows: i32,
    ) -> Result<Vec<ChildRun>> {
        let rows = self
            .query(
                "select run_id, flow_slug, status, parent_step_slug, parent_task_index, started_at, finished_at, \
                        error_message, total_tasks, completed_tasks, failed_tasks from pgflow.child_runs($1, $2, $3, $4)",
                &[&parent_run_id, &status, &after_run_id, &max_rows],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ChildRun {
                    run_id: row.try_get(0)?,
                    flow_slug: row.try_get(1)?,
                    status: row.try_get(2)?,
                    parent_step_slug: row.try_get(3)?,
                    parent_task_index: row.try_get(4)?,
                    started_at: row.try_get(5)?,
                    finished_at: row.try_get(6)?,
                    error_message: row.try_get(7)?,
                    total_tasks: row.try_get(8)?,
                    completed_tasks: row.try_get(9)?,
                    failed_tasks: row.try_get(10)?,
                })
            })
            .collect()
    }

    /// How many of the run's child runs are in each status.
    pub async fn child_run_counts(&self, parent_run_id: Uuid) -> Result<Vec<(String, i64)>> {
        let rows = self.query("select status, runs from pgflow.child_run_counts($1)", &[&parent_run_id]).await?;
        rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
    }

    /// One task as a person inspects it: input, output or error, attempts, worker and lease.
    pub async fn inspect_task(&self, run_id: Uuid, step_slug: &str, task_index: i32) -> Result<InspectedTask> {
        let rows = self
            .query(
                "select flow_slug, status, input, output, error_message, attempts_count, attempt_errors, worker_id, \
                        queued_at, started_at, lease_until, completed_at, failed_at, first_index \
                 from pgflow.inspect_task($1, $2, $3)",
                &[&run_id, &step_slug, &task_index],
            )
            .await?;
        let row = rows.first().ok_or_else(|| Error::Connection("the call returned no task".into()))?;
        Ok(InspectedTask {
            flow_slug: row.try_get(0)?,
            status: row.try_get(1)?,
            input: row.try_get(2)?,
            output: row.try_get(3)?,
            error_message: row.try_get(4)?,
            attempts_count: row.try_get(5)?,
            attempt_errors: row.try_get::<_, Option<Value>>(6)?.unwrap_or(Value::Array(Vec::new())),
            worker_id: row.try_get(7)?,
            queued_at: row.try_get(8)?,
            started_at: row.try_get(9)?,
            lease_until: row.try_get(10)?,
            completed_at: row.try_get(11)?,
            failed_at: row.try_get(12)?,
            first_index: row.try_get(13)?,
        })
    }

    /// How the step's tasks finished over time: its span in `buckets` equal parts.
    pub async fn step_timeline(&self, run_id: Uuid, step_slug: &str, buckets: i32) -> Result<Vec<TimelineBucket>> {
        let rows = self
            .query(
                "select bucket_start, bucket_end, completed, failed, every_nth from pgflow.step_timeline($1, $2, $3)",
                &[&run_id, &step_slug, &buckets],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(TimelineBucket {
                    start: row.try_get(0)?,
                    end: row.try_get(1)?,
                    completed: row.try_get(2)?,
                    failed: row.try_get(3)?,
                    every_nth: row.try_get(4)?,
                })
            })
            .collect()
    }

    /// The runs started with this key, of every flow, newest first.
    pub async fn runs_by_key(&self, run_key: &str, max_rows: i32) -> Result<Vec<(Uuid, String, String, SystemTime)>> {
        let rows = self
            .query(
                "select run_id, flow_slug, status, started_at from pgflow.runs_by_key($1, $2)",
                &[&run_key, &max_rows],
            )
            .await?;
        rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?))).collect()
    }

    /// A listener on the `pgflow` channel: each payload the extension announces (a run's or a
    /// step's end). Ends when its connection is lost.
    pub async fn announcements(&self) -> Result<Announcements> {
        let (connection, mut driver) = self.config.connect(NoTls).await?;
        let (sender, payloads) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = stream::poll_fn(move |context| driver.poll_message(context));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(AsyncMessage::Notification(notification)) => {
                        if sender.send(notification.payload().to_string()).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        });
        connection.batch_execute("listen pgflow").await?;
        Ok(Announcements { _connection: connection, payloads })
    }

    /// Stores a flow from its shape (pgflow's FlowShape JSON with this extension's options, as
    /// `flow_shape` gives it and dsl-ts's `flowShape` writes it): creates a missing flow, verifies
    /// an equal one, reports a different one, replacing it only with `allow_replace` and no
    /// unfinished run. The extension is the one that checks the shape: a shape it refuses comes
    /// back as its error (SQLSTATE 22023, naming the flow and the step).
    pub async fn ensure_flow_compiled(&self, flow_slug: &str, shape: &Value, allow_replace: bool) -> Result<FlowCheck> {
        let rows =
            self.query("select pgflow.ensure_flow_compiled($1, $2, $3)", &[&flow_slug, shape, &allow_replace]).await?;
        let outcome: Value = rows.first().map(|row| row.try_get(0)).transpose()?.unwrap_or(Value::Null);
        Ok(serde_json::from_value(outcome)?)
    }

    /// The flow's definition in pgflow's FlowShape JSON, with this extension's options.
    pub async fn flow_shape(&self, flow_slug: &str) -> Result<Value> {
        let rows = self.query("select pgflow.flow_shape($1)", &[&flow_slug]).await?;
        Ok(rows.first().map(|row| row.try_get::<_, Value>(0)).transpose()?.unwrap_or(Value::Null))
    }

    /// The run and every run below it, depth first.
    pub async fn run_tree(&self, run_id: Uuid) -> Result<Vec<TreeRun>> {
        let rows = self
            .query(
                "select run_id, parent_run_id, depth, flow_slug, status, parent_step_slug, parent_task_index, \
                        total_tasks, completed_tasks, failed_tasks from pgflow.run_tree($1)",
                &[&run_id],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(TreeRun {
                    run_id: row.try_get(0)?,
                    parent_run_id: row.try_get(1)?,
                    depth: row.try_get(2)?,
                    flow_slug: row.try_get(3)?,
                    status: row.try_get(4)?,
                    parent_step_slug: row.try_get(5)?,
                    parent_task_index: row.try_get(6)?,
                    total_tasks: row.try_get(7)?,
                    completed_tasks: row.try_get(8)?,
                    failed_tasks: row.try_get(9)?,
                })
            })
            .collect()
    }
}

/// A run about to start: see `Client::start_flow`.
pub struct StartFlow<'a> {
    client: &'a Client,
    flow_slug: &'a str,
    input: Result<Value>,
    run_key: Option<String>,
    run_id: Option<Uuid>,
    priority: i32,
}

impl StartFlow<'_> {
    pub fn run_key(mut self, key: impl Into<String>) -> Self {
        self.run_key = Some(key.into());
        self
    }

    pub fn run_id(mut self, run_id: Uuid) -> Self {
        self.run_id = Some(run_id);
        self
    }

    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    pub async fn send(self) -> Result<Run> {
        let input = self.input?;
        self.client.query_run(START_FLOW, &[&self.flow_slug, &input, &self.run_id, &self.run_key, &self.priority]).await
    }

    /// Starts the run on the caller's connection or transaction (a `tokio_postgres::Transaction`,
    /// or a pooled client): the run, and the tasks its root steps queue, exist only if that
    /// transaction commits, together with whatever else it wrote (an order row and the run that
    /// processes it, say). Workers cannot claim its tasks before then.
    pub async fn send_in(self, connection: &impl GenericClient) -> Result<Run> {
        let input = self.input?;
        let rows = connection
            .query(START_FLOW, &[&self.flow_slug, &input, &self.run_id, &self.run_key, &self.priority])
            .await?;
        let row = rows.first().ok_or_else(|| Error::Connection("the call returned no run".into()))?;
        Run::from_row(row)
    }
}

fn seconds(value: Option<f64>) -> Option<Duration> {
    value.filter(|s| s.is_finite() && *s >= 0.0).map(Duration::from_secs_f64)
}

/// Whether an announcement on the `pgflow` channel is the end of `run_id` (not of one of its steps).
fn ends_run(payload: &str, run_id: Uuid) -> bool {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(payload) else { return false };
    fields.get("step_slug").is_none_or(Value::is_null)
        && fields.get("run_id").and_then(Value::as_str).and_then(|id| id.parse::<Uuid>().ok()) == Some(run_id)
}

/// What the engine announces on the `pgflow` channel, from a connection of its own that closes
/// when this is dropped.
pub struct Announcements {
    _connection: tokio_postgres::Client,
    payloads: mpsc::UnboundedReceiver<String>,
}

impl Announcements {
    /// The next payload, as `{"run_id", "flow_slug", "step_slug", "status"}` JSON text; None once
    /// the connection is lost.
    pub async fn recv(&mut self) -> Option<String> {
        self.payloads.recv().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_end_is_told_from_a_step_end_and_from_another_run() {
        let run = Uuid::new_v4();
        let end = format!(r#"{{"run_id": "{run}", "flow_slug": "f", "step_slug": null, "status": "completed"}}"#);
        let step = format!(r#"{{"run_id": "{run}", "flow_slug": "f", "step_slug": "a", "status": "completed"}}"#);
        assert!(ends_run(&end, run));
        assert!(!ends_run(&step, run));
        assert!(!ends_run(&end, Uuid::new_v4()));
        assert!(!ends_run("not json", run));
    }
}
