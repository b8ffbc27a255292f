//! A worker: claims a flow's tasks, runs each with its step's handler, and answers. Handlers are
//! async closures over serde types, one per step; the worker claims only the steps it has a
//! handler for. At most `concurrency` handlers run at once; claims and answers go in batches, the
//! answers that free slots riding on the claim that fills them (`complete_tasks_and_poll`). A
//! handler still running at half its lease has the lease extended; one whose lease is lost is
//! dropped unanswered. When the database goes away the worker reconnects with backoff and carries
//! on: answers not yet reported are reported then, and a task claimed by a lost call comes back
//! when its lease runs out.

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, Pool};
use futures_util::future::{BoxFuture, FutureExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_postgres::NoTls;
use uuid::Uuid;

use crate::error::{Error, Result};

/// What a handler learns besides its input.
#[derive(Debug, Clone)]
pub struct TaskContext {
    pub flow_slug: String,
    pub run_id: Uuid,
    pub step_slug: String,
    pub task_index: i32,
    /// The run input, for a single step's task.
    pub flow_input: Option<Value>,
    /// For a task of a batched fan-out, the index of its first item.
    pub first_index: Option<i32>,
}

type Handler = Arc<dyn Fn(Value, TaskContext) -> BoxFuture<'static, std::result::Result<Value, String>> + Send + Sync>;

/// What a worker did, returned when it stops.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WorkerStats {
    pub claimed: u64,
    pub completed: u64,
    pub failed: u64,
    /// Leases extended by heartbeats.
    pub heartbeats: u64,
    /// Handlers dropped unanswered because their lease was lost (another worker took the task,
    /// or its run ended).
    pub leases_lost: u64,
    /// Times the worker connected again after losing its connection.
    pub reconnects: u64,
    /// Handlers still running when the worker gave up waiting for them at stop.
    pub abandoned: u64,
}

impl WorkerStats {
    /// Two loops' stats added up (a worker over several nodes).
    fn add(self, other: &WorkerStats) -> WorkerStats {
        WorkerStats {
            claimed: self.claimed + other.claimed,
            completed: self.completed + other.completed,
            failed: self.failed + other.failed,
            heartbeats: self.heartbeats + other.heartbeats,
            leases_lost: self.leases_lost + other.leases_lost,
            reconnects: self.reconnects + other.reconnects,
            abandoned: self.abandoned + other.abandoned,
        }
    }
}

pub struct Worker;

impl Worker {
    /// A worker of `flow_slug` connecting to `url`; add handlers with `.step()`.
    pub fn builder(url: impl Into<String>, flow_slug: impl Into<String>) -> WorkerBuilder {
        WorkerBuilder {
            url: url.into(),
            nodes: Vec::new(),
            flow_slug: flow_slug.into(),
            handlers: HashMap::new(),
            concurrency: 10,
            batch_size: 10,
            lease_seconds: 30,
            worker_id: Uuid::new_v4(),
            shutdown_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(100),
        }
    }
}

#[derive(Clone)]
pub struct WorkerBuilder {
    url: String,
    /// More nodes to claim from (a Citus cluster's workers), beside `url`.
    nodes: Vec<String>,
    flow_slug: String,
    handlers: HashMap<String, Handler>,
    concurrency: usize,
    batch_size: i32,
    lease_seconds: i32,
    worker_id: Uuid,
    shutdown_timeout: Duration,
    poll_interval: Duration,
}

impl WorkerBuilder {
    /// The handler of a step. It gets the task's item for a fan-out (the items for a batch, with
    /// `first_index` in the context), else the step's input `{"run": ..., "<dep>": ...}`,
    /// deserialised into `I`; its `Ok` is the task's output, its `Err` a failed attempt with that
    /// message.
    pub fn step<I, O, E, F, Fut>(mut self, step_slug: impl Into<String>, handler: F) -> Self
    where
        I: DeserializeOwned + Send + 'static,
        O: Serialize + 'static,
        E: Display + 'static,
        F: Fn(I, TaskContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<O, E>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let erased: Handler = Arc::new(move |input: Value, context: TaskContext| {
            let handler = Arc::clone(&handler);
            Box::pin(async move {
                let input: I =
                    serde_json::from_value(input).map_err(|error| format!("the input does not fit: {error}"))?;
                let output = handler(input, context).await.map_err(|error| error.to_string())?;
                serde_json::to_value(output).map_err(|error| format!("the output is not JSON: {error}"))
            })
        });
        self.handlers.insert(step_slug.into(), erased);
        self
    }

    /// Most handlers running at once (default 10).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Most tasks claimed per call (default 10).
    pub fn batch_size(mut self, batch_size: i32) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// The lease of each claim, in seconds (default 30); heartbeats extend it at half.
    pub fn lease_seconds(mut self, seconds: i32) -> Self {
        self.lease_seconds = seconds;
        self
    }

    /// The id recorded on the worker's claims (default: a new one).
    pub fn worker_id(mut self, worker_id: Uuid) -> Self {
        self.worker_id = worker_id;
        self
    }

    /// How long a stop waits for running handlers (default 10 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// How long an idle worker waits before claiming again (default 100 ms).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// More addresses, beside the builder's: the other worker nodes of a Citus cluster
    /// (docs/citus.md), where a claim takes the tasks of the node it is connected to. The worker
    /// runs one claim loop per address, each with this configuration (its concurrency and batch
    /// size), under one worker id, stops them together, and returns their stats added up.
    pub fn nodes<U: Into<String>>(mut self, urls: impl IntoIterator<Item = U>) -> Self {
        self.nodes.extend(urls.into_iter().map(Into::into));
        self
    }

    /// Runs until SIGINT or SIGTERM, then stops gracefully.
    pub async fn run_until_signal(self) -> Result<WorkerStats> {
        self.run(shutdown_signal()).await
    }

    /// Runs until `shutdown` resolves, then stops: claims nothing more, waits for running handlers
    /// (up to the shutdown timeout) and reports their answers.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) -> Result<WorkerStats> {
        if self.nodes.is_empty() {
            return self.run_on_one_node(shutdown).await;
        }
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let nodes = std::mem::take(&mut self.nodes);
        let loops = std::iter::once(self.url.clone()).chain(nodes).map(|url| {
            let mut stopped = stopped.clone();
            let builder = WorkerBuilder { url, ..self.clone() };
            async move {
                builder
                    .run_on_one_node(async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    })
                    .await
            }
        });
        // The loops end on their own (an error), or at the shutdown, which stops them all.
        let mut all = std::pin::pin!(futures_util::future::try_join_all(loops));
        let stats = tokio::select! {
            stats = &mut all => stats?,
            () = shutdown => {
                let _ = stop.send(true);
                all.await?
            }
        };
        Ok(stats.into_iter().fold(WorkerStats::default(), |total, node| total.add(&node)))
    }

    /// The worker's loop on the one node of `url`.
    async fn run_on_one_node(self, shutdown: impl Future<Output = ()>) -> Result<WorkerStats> {
        let config: tokio_postgres::Config =
            self.url.parse().map_err(|error| Error::Config(format!("connection string: {error}")))?;
        if self.handlers.is_empty() {
            return Err(Error::Config(format!(
                "a worker of flow '{}' needs at least one step handler",
                self.flow_slug
            )));
        }
        if self.concurrency == 0 || self.batch_size < 1 || self.lease_seconds < 2 {
            return Err(Error::Config(
                "concurrency and batch_size must be at least 1, lease_seconds at least 2".into(),
            ));
        }
        let heartbeats = Pool::builder(Manager::new(config.clone(), NoTls))
            .max_size(2)
            .build()
            .map_err(|error| Error::Config(format!("connection pool: {error}")))?;
        let mut connection = Reconnecting::new(config);
        let steps = check_steps(connection.get().await?.0, &self.flow_slug, &self.handlers).await?;
        let mut run = Running::new(self, heartbeats, steps);
        let result = run.work(&mut connection, shutdown).await;
        run.stats.reconnects = connection.reconnects;
        result.map(|()| run.into_stats())
    }
}

/// Refuses handlers for steps the flow does not have (`42704` for an unknown flow). Returns the
/// steps to claim: None when the handlers cover every step workers run (a claim of all steps
/// costs the extension no check of the list).
async fn check_steps(
    client: &tokio_postgres::Client,
    flow_slug: &str,
    handlers: &HashMap<String, Handler>,
) -> Result<Option<Vec<String>>> {
    let row = client.query_one("select pgflow.flow_shape($1)", &[&flow_slug]).await?;
    let shape: Value = row.try_get(0)?;
    let steps: Vec<&Value> = shape["steps"].as_array().map(|steps| steps.iter().collect()).unwrap_or_default();
    let slugs: Vec<&str> = steps.iter().filter_map(|step| step["slug"].as_str()).collect();
    for step in handlers.keys() {
        if !slugs.contains(&step.as_str()) {
            return Err(Error::Config(format!(
                "flow '{flow_slug}' has no step '{step}' (it has: {})",
                slugs.join(", ")
            )));
        }
    }
    // Sub-flow steps are run by child runs, never claimed.
    let all = steps
        .iter()
        .filter(|step| step.get("subflow").is_none())
        .filter_map(|step| step["slug"].as_str())
        .all(|slug| handlers.contains_key(slug));
    Ok(if all { None } else { Some(handlers.keys().cloned().collect()) })
}

/// A connection that is made again, with backoff, after it is lost.
struct Reconnecting {
    config: tokio_postgres::Config,
    client: Option<tokio_postgres::Client>,
    backoff: Duration,
    reconnects: u64,
    ever_connected: bool,
    /// One more for each connection made: statements prepared on an earlier one are gone.
    generation: u64,
}

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

impl Reconnecting {
    fn new(config: tokio_postgres::Config) -> Self {
        Reconnecting {
            config,
            client: None,
            backoff: FIRST_BACKOFF,
            reconnects: 0,
            ever_connected: false,
            generation: 0,
        }
    }

    /// The connection, and its generation (see `Prepared`).
    async fn get(&mut self) -> Result<(&tokio_postgres::Client, u64)> {
        if self.client.as_ref().is_none_or(tokio_postgres::Client::is_closed) {
            let (client, connection) = self.config.connect(NoTls).await?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            if self.ever_connected {
                self.reconnects += 1;
            }
            self.ever_connected = true;
            self.backoff = FIRST_BACKOFF;
            self.generation += 1;
            self.client = Some(client);
        }
        Ok((self.client.as_ref().expect("connected above"), self.generation))
    }

    /// After a connection error: drops the connection and waits before the next attempt.
    async fn lost(&mut self) {
        self.client = None;
        tokio::time::sleep(self.backoff).await;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }
}

struct Claimed {
    flow_slug: String,
    run_id: Uuid,
    step_slug: String,
    task_index: i32,
    input: Value,
    flow_input: Option<Value>,
}

/// A handler's outcome: the output, the error message, or None when its lease was lost.
struct Answer {
    run_id: Uuid,
    step_slug: String,
    task_index: i32,
    outcome: Option<std::result::Result<Value, String>>,
}

struct Running {
    builder: WorkerBuilder,
    /// The steps to claim (None: every step).
    steps: Option<Vec<String>>,
    heartbeats: Pool,
    heartbeat_count: Arc<AtomicU64>,
    answers_tx: mpsc::UnboundedSender<Answer>,
    answers: mpsc::UnboundedReceiver<Answer>,
    running: usize,
    completions: Vec<Answer>,
    /// When the oldest of `completions` arrived.
    completions_since: Instant,
    failures: Vec<Answer>,
    stats: WorkerStats,
    prepared: Prepared,
}

/// The longest a completion waits for others to ride with it on one claim.
const MAX_HOLD: Duration = Duration::from_millis(50);

const CLAIM: &str = "select flow_slug, run_id, step_slug, task_index, input, flow_input \
                     from pgflow.poll_for_tasks($1, $2, $3, 0, 100, $4, $5)";
const ANSWER_AND_CLAIM: &str = "select flow_slug, run_id, step_slug, task_index, input, flow_input \
                                from pgflow.complete_tasks_and_poll($1, $2, $3, $4, $5, $6, $7, $8, $9)";
const COMPLETE: &str = "select 1 from pgflow.complete_tasks($1, $2, $3, $4, $5)";
const FAIL: &str = "select 1 from pgflow.fail_tasks($1, $2, $3, $4, $5)";

/// The worker's statements, each prepared once on its connection (a string query would be
/// prepared again on every call: one more round trip a batch), and again after a reconnect.
#[derive(Default)]
struct Prepared {
    generation: u64,
    statements: std::collections::HashMap<&'static str, tokio_postgres::Statement>,
}

impl Prepared {
    /// The statements belong to the connection of this generation from now on.
    fn on(&mut self, generation: u64) {
        if generation != self.generation {
            self.statements.clear();
            self.generation = generation;
        }
    }

    async fn get(&mut self, client: &tokio_postgres::Client, sql: &'static str) -> Result<tokio_postgres::Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = client.prepare(sql).await?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }
}

impl Running {
    fn new(builder: WorkerBuilder, heartbeats: Pool, steps: Option<Vec<String>>) -> Self {
        let (answers_tx, answers) = mpsc::unbounded_channel();
        Running {
            builder,
            steps,
            heartbeats,
            heartbeat_count: Arc::new(AtomicU64::new(0)),
            answers_tx,
            answers,
            running: 0,
            completions: Vec::new(),
            completions_since: Instant::now(),
            failures: Vec::new(),
            stats: WorkerStats::default(),
            prepared: Prepared::default(),
        }
    }

    fn into_stats(mut self) -> WorkerStats {
        self.stats.heartbeats = self.heartbeat_count.load(Ordering::Relaxed);
        self.stats
    }

    fn absorb(&mut self, answer: Answer) {
        self.running -= 1;
        match &answer.outcome {
            Some(Ok(_)) => {
                if self.completions.is_empty() {
                    self.completions_since = Instant::now();
                }
                self.completions.push(answer)
            }
            Some(Err(_)) => self.failures.push(answer),
            None => self.stats.leases_lost += 1,
        }
    }

    async fn work(&mut self, connection: &mut Reconnecting, shutdown: impl Future<Output = ()>) -> Result<()> {
        tokio::pin!(shutdown);
        let mut stop_by: Option<Instant> = None;
        loop {
            while let Ok(answer) = self.answers.try_recv() {
                self.absorb(answer);
            }
            let stopping = stop_by.is_some();
            let nothing_to_report = self.completions.is_empty() && self.failures.is_empty();
            if let Some(deadline) = stop_by {
                if nothing_to_report && (self.running == 0 || Instant::now() >= deadline) {
                    self.stats.abandoned = self.running as u64;
                    return Ok(());
                }
            }
            let client = match connection.get().await {
                Ok((client, generation)) => {
                    self.prepared.on(generation);
                    client
                }
                Err(error) if error.is_connection() => {
                    connection.lost().await;
                    continue;
                }
                Err(error) => return Err(error),
            };
            // Failures go at once, in their own call (a failure that exhausts a task takes its
            // run's lock, which answers in the same call would already hold shared), after the
            // completions waiting beside them: a failure may end the run, and what completed
            // before it is then kept.
            if !self.failures.is_empty() {
                let reported = if self.completions.is_empty() { Ok(()) } else { self.report_completions(client).await };
                let reported = match reported {
                    Ok(()) => self.report_failures(client).await,
                    Err(error) => Err(error),
                };
                match reported {
                    Ok(()) => {}
                    Err(error) if error.is_connection() => {
                        connection.lost().await;
                        continue;
                    }
                    Err(error) => return Err(error),
                }
            }
            let free = if stopping { 0 } else { self.builder.concurrency - self.running };
            // With handlers running, claim only once half a batch of slots is free: the answers
            // that freed them then ride on one claim instead of one claim each.
            // ... but not for long: a completion waiting for others must be reported well within
            // its task's lease, however long the other handlers run.
            let refill = (self.builder.batch_size as usize).min(self.builder.concurrency).div_ceil(2);
            let held_too_long = !self.completions.is_empty() && self.completions_since.elapsed() >= MAX_HOLD;
            if free > 0 && (self.running == 0 || free >= refill || held_too_long) {
                let qty = self.builder.batch_size.min(free as i32);
                let claimed = match self.claim(client, qty).await {
                    Ok(claimed) => claimed,
                    Err(error) if error.is_connection() => {
                        connection.lost().await;
                        continue;
                    }
                    Err(error) => return Err(error),
                };
                let full = claimed.len() as i32 == qty;
                for task in claimed {
                    self.spawn(task);
                }
                if full {
                    continue;
                }
            } else if stopping && !self.completions.is_empty() {
                match self.report_completions(client).await {
                    Ok(()) => continue,
                    Err(error) if error.is_connection() => {
                        connection.lost().await;
                        continue;
                    }
                    Err(error) => return Err(error),
                }
            }
            // Wait for a handler to end, the stop, or (idle) the poll interval.
            let idle = self.running == 0 && free > 0;
            let wait_until = match stop_by {
                Some(deadline) => deadline,
                None if idle => Instant::now() + self.builder.poll_interval,
                None if !self.completions.is_empty() => self.completions_since + MAX_HOLD,
                None => Instant::now() + Duration::from_secs(3600),
            };
            tokio::select! {
                answer = self.answers.recv() => {
                    if let Some(answer) = answer {
                        self.absorb(answer);
                    }
                }
                () = &mut shutdown, if stop_by.is_none() => {
                    stop_by = Some(Instant::now() + self.builder.shutdown_timeout);
                }
                () = tokio::time::sleep_until(wait_until) => {}
            }
        }
    }

    /// Claims up to `qty` tasks of the worker's steps, carrying the completions waiting to be
    /// reported (one call, one commit).
    async fn claim(&mut self, client: &tokio_postgres::Client, qty: i32) -> Result<Vec<Claimed>> {
        let b = &self.builder;
        let rows = if self.completions.is_empty() {
            let statement = self.prepared.get(client, CLAIM).await?;
            client.query(&statement, &[&b.flow_slug, &b.lease_seconds, &qty, &b.worker_id, &self.steps]).await?
        } else {
            let (run_ids, step_slugs, task_indexes, outputs) = keys_and(&self.completions, output_of);
            let statement = self.prepared.get(client, ANSWER_AND_CLAIM).await?;
            let rows = client
                .query(
                    &statement,
                    &[
                        &run_ids,
                        &step_slugs,
                        &task_indexes,
                        &outputs,
                        &b.flow_slug,
                        &b.lease_seconds,
                        &qty,
                        &b.worker_id,
                        &self.steps,
                    ],
                )
                .await?;
            self.stats.completed += self.completions.len() as u64;
            self.completions.clear();
            rows
        };
        let claimed: Vec<Claimed> = rows
            .iter()
            .map(|row| {
                Ok(Claimed {
                    flow_slug: row.try_get(0)?,
                    run_id: row.try_get(1)?,
                    step_slug: row.try_get(2)?,
                    task_index: row.try_get(3)?,
                    input: row.try_get(4)?,
                    flow_input: row.try_get(5)?,
                })
            })
            .collect::<Result<_>>()?;
        self.stats.claimed += claimed.len() as u64;
        Ok(claimed)
    }

    async fn report_completions(&mut self, client: &tokio_postgres::Client) -> Result<()> {
        let (run_ids, step_slugs, task_indexes, outputs) = keys_and(&self.completions, output_of);
        let statement = self.prepared.get(client, COMPLETE).await?;
        client.query(&statement, &[&run_ids, &step_slugs, &task_indexes, &outputs, &self.builder.worker_id]).await?;
        self.stats.completed += self.completions.len() as u64;
        self.completions.clear();
        Ok(())
    }

    async fn report_failures(&mut self, client: &tokio_postgres::Client) -> Result<()> {
        let (run_ids, step_slugs, task_indexes, messages) = keys_and(&self.failures, |outcome| match outcome {
            Some(Err(message)) => message.clone(),
            _ => String::new(),
        });
        let statement = self.prepared.get(client, FAIL).await?;
        client.query(&statement, &[&run_ids, &step_slugs, &task_indexes, &messages, &self.builder.worker_id]).await?;
        self.stats.failed += self.failures.len() as u64;
        self.failures.clear();
        Ok(())
    }

    /// Runs a claimed task's handler on its own tokio task, beside a heartbeat that extends its
    /// lease at half; a lost lease drops the handler unanswered.
    fn spawn(&mut self, task: Claimed) {
        self.running += 1;
        let (input, first_index) = handler_input(task.input);
        let context = TaskContext {
            flow_slug: task.flow_slug,
            run_id: task.run_id,
            step_slug: task.step_slug.clone(),
            task_index: task.task_index,
            flow_input: task.flow_input,
            first_index,
        };
        let handler = self.builder.handlers.get(&task.step_slug).cloned();
        let answers = self.answers_tx.clone();
        let heartbeats = self.heartbeats.clone();
        let heartbeat_count = Arc::clone(&self.heartbeat_count);
        let lease = self.builder.lease_seconds;
        let worker_id = self.builder.worker_id;
        let (run_id, step_slug, task_index) = (task.run_id, task.step_slug, task.task_index);
        tokio::spawn(async move {
            let work = async {
                match handler {
                    // A handler that panics fails its attempt, and its slot is freed, as with an error.
                    Some(handler) => {
                        AssertUnwindSafe(handler(input, context)).catch_unwind().await.unwrap_or_else(|panic| {
                            let message = panic
                                .downcast_ref::<&str>()
                                .map(|s| s.to_string())
                                .or_else(|| panic.downcast_ref::<String>().cloned())
                                .unwrap_or_default();
                            Err(format!("the handler panicked: {message}"))
                        })
                    }
                    None => Err(format!("this worker has no handler for step '{}'", context.step_slug)),
                }
            };
            let heartbeat = async {
                loop {
                    tokio::time::sleep(Duration::from_millis(lease as u64 * 500)).await;
                    match extend_lease(&heartbeats, run_id, &step_slug, task_index, lease, worker_id).await {
                        Ok(true) => {
                            heartbeat_count.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(false) => return,
                        // Unknown (the database is away): the lease runs on as it was.
                        Err(_) => {}
                    }
                }
            };
            let outcome = tokio::select! {
                outcome = work => Some(outcome),
                () = heartbeat => None,
            };
            let _ = answers.send(Answer { run_id, step_slug, task_index, outcome });
        });
    }
}

async fn extend_lease(
    pool: &Pool,
    run_id: Uuid,
    step_slug: &str,
    task_index: i32,
    seconds: i32,
    worker_id: Uuid,
) -> Result<bool> {
    let client = pool.get().await?;
    let row = client
        .query_one(
            "select pgflow.extend_lease($1, $2, $3, $4, $5) is not null",
            &[&run_id, &step_slug, &task_index, &seconds, &worker_id],
        )
        .await?;
    Ok(row.try_get(0)?)
}

/// The answers' keys as the batch calls take them, with one more array made by `fourth`.
fn keys_and<T>(
    answers: &[Answer],
    fourth: impl Fn(&Option<std::result::Result<Value, String>>) -> T,
) -> (Vec<Uuid>, Vec<String>, Vec<i32>, Vec<T>) {
    (
        answers.iter().map(|a| a.run_id).collect(),
        answers.iter().map(|a| a.step_slug.clone()).collect(),
        answers.iter().map(|a| a.task_index).collect(),
        answers.iter().map(|a| fourth(&a.outcome)).collect(),
    )
}

/// A completion's output, for the batch calls (`completions` hold only successful outcomes).
fn output_of(outcome: &Option<std::result::Result<Value, String>>) -> Value {
    match outcome {
        Some(Ok(output)) => output.clone(),
        _ => Value::Null,
    }
}

/// What a handler is given: a fan-out task's item, a batch's items (and the index of the first),
/// or a single step's whole input.
fn handler_input(input: Value) -> (Value, Option<i32>) {
    match input {
        Value::Object(mut fields) if fields.len() == 1 && fields.contains_key("item") => {
            (fields.remove("item").unwrap_or(Value::Null), None)
        }
        Value::Object(mut fields) if fields.len() == 2 && fields.contains_key("items") => {
            let first = fields.get("first_index").and_then(Value::as_i64).and_then(|i| i32::try_from(i).ok());
            (fields.remove("items").unwrap_or(Value::Null), first)
        }
        other => (other, None),
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
        (Ok(mut interrupt), Ok(mut terminate)) => {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handler_gets_the_item_the_items_or_the_whole_input() {
        assert_eq!(handler_input(serde_json::json!({"item": 3})), (serde_json::json!(3), None));
        assert_eq!(
            handler_input(serde_json::json!({"items": [1, 2], "first_index": 10})),
            (serde_json::json!([1, 2]), Some(10))
        );
        let single = serde_json::json!({"run": {"a": 1}, "list": [1]});
        assert_eq!(handler_input(single.clone()), (single, None));
    }
}
