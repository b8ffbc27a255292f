//! `pgflow dashboard`: a web page served by the command (its assets are in the binary), fed by
//! JSON calls that go through the client and by server-sent events that carry the engine's
//! notifications and a tick twice a second (fan-out items end without a notification, so an open
//! run's bars move on the tick).
//!
//! Safe by default: it listens on loopback only; another address needs `--token`, and every action
//! then needs it (`X-Pgflow-Token`). Actions are POSTs with a JSON body, refused when the request
//! comes from another origin (its `Origin` or `Sec-Fetch-Site` says so), which a page elsewhere
//! cannot forge; `--read-only` hides and refuses them.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream};
use pgflow_client::{Client, Error, RunFilter};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::child_counts::ManyRuns;

const PAGE: &str = include_str!("dashboard.html");

pub struct Options {
    pub listen: SocketAddr,
    pub token: Option<String>,
    pub read_only: bool,
}

struct Dashboard {
    client: Client,
    children: ManyRuns,
    token: Option<String>,
    read_only: bool,
    events: broadcast::Sender<String>,
}

/// Serves until the process is stopped. Refuses a non-loopback address without a token.
pub async fn serve(client: Client, options: Options) -> Result<(), String> {
    if !options.listen.ip().is_loopback() && options.token.is_none() {
        return Err(format!(
            "listening on {} (not loopback) needs --token: every action will then have to carry it",
            options.listen
        ));
    }
    let (events, _) = broadcast::channel(1024);
    let mut announcements = client.announcements().await.map_err(|e| e.to_string())?;
    let forward = events.clone();
    tokio::spawn(async move {
        while let Some(payload) = announcements.recv().await {
            let _ = forward.send(payload);
        }
    });
    let state = Arc::new(Dashboard {
        client,
        children: ManyRuns::default(),
        token: options.token,
        read_only: options.read_only,
        events,
    });
    let app = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/api/config", get(config))
        .route("/api/stats", get(stats))
        .route("/api/runs", get(runs))
        .route("/api/runs/{run_id}", get(run))
        .route("/api/runs/{run_id}/children", get(children))
        .route("/api/runs/{run_id}/timeline", get(timeline))
        .route("/api/runs/{run_id}/steps/{step}/failures", get(failure_groups))
        .route("/api/runs/{run_id}/steps/{step}/failed", get(failed_items))
        .route("/api/runs/{run_id}/steps/{step}/items/{index}", get(item))
        .route("/api/search", get(search))
        .route("/api/actions/{action}", post(act))
        .route("/api/events", get(events_stream))
        .with_state(state);
    let listener =
        tokio::net::TcpListener::bind(options.listen).await.map_err(|e| format!("{}: {e}", options.listen))?;
    // One write, so that a reader of stderr never sees the address cut short.
    let line = format!("pgflow dashboard on http://{}\n", listener.local_addr().map_err(|e| e.to_string())?);
    std::io::stderr().write_all(line.as_bytes()).map_err(|e| e.to_string())?;
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

fn refused(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn failed(error: Error) -> Response {
    let status = match error.sqlstate() {
        Some("P0002") | Some("42704") => StatusCode::NOT_FOUND,
        Some(_) => StatusCode::CONFLICT,
        None => StatusCode::BAD_GATEWAY,
    };
    (status, Json(json!({ "error": error.to_string(), "sqlstate": error.sqlstate() }))).into_response()
}

async fn config(State(d): State<Arc<Dashboard>>) -> Json<Value> {
    Json(json!({ "read_only": d.read_only, "token_required": d.token.is_some() }))
}

fn seconds(duration: Option<Duration>) -> Value {
    duration.map_or(Value::Null, |d| json!(d.as_secs_f64()))
}

fn epoch(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

async fn stats(State(d): State<Arc<Dashboard>>) -> Response {
    match d.client.stats().await {
        Ok(flows) => Json(
            flows
                .into_iter()
                .map(|f| {
                    json!({
                        "flow_slug": f.flow_slug, "active_runs": f.active_runs, "waiting_runs": f.waiting_runs,
                        "active_fanouts": f.active_fanouts, "queued_tasks": f.queued_tasks,
                        "running_tasks": f.running_tasks, "lag_seconds": seconds(f.oldest_queued_age),
                        "completed_last_minute": f.completed_last_minute, "failed_last_minute": f.failed_last_minute,
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(error) => failed(error),
    }
}

#[derive(Deserialize)]
struct RunsQuery {
    flow: Option<String>,
    status: Option<String>,
    since_seconds: Option<u64>,
    before: Option<Uuid>,
    limit: Option<i32>,
}

async fn runs(State(d): State<Arc<Dashboard>>, Query(q): Query<RunsQuery>) -> Response {
    let filter = RunFilter {
        flow_slug: q.flow.filter(|f| !f.is_empty()),
        status: q.status.filter(|s| !s.is_empty()),
        started_since: q.since_seconds.map(|s| SystemTime::now() - Duration::from_secs(s)),
        max_rows: Some(q.limit.unwrap_or(25)),
        before_run_id: q.before,
    };
    match d.client.list_runs(&filter).await {
        Ok(runs) => Json(
            runs.into_iter()
                .map(|r| {
                    json!({
                        "run_id": r.run_id, "flow_slug": r.flow_slug, "status": r.status,
                        "started_at": epoch(r.started_at), "finished_at": r.finished_at.map(epoch),
                        "run_key": r.run_key, "error_message": r.error_message,
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(error) => failed(error),
    }
}

/// A run with what its page shows at every refresh: its steps' counts and times, its flow's graph
/// and how many child runs it has in each status. What grows with the run (its children, failed
/// items, timeline) comes a page at a time from the routes below.
async fn run(State(d): State<Arc<Dashboard>>, Path(run_id): Path<Uuid>) -> Response {
    let c = &d.client;
    let run = match c.run(run_id).await {
        Ok(run) => run,
        Err(error) => return failed(error),
    };
    let (steps, shape) = match tokio::try_join!(c.progress(run_id), c.flow_shape(&run.flow_slug)) {
        Ok(both) => both,
        Err(error) => return failed(error),
    };
    let children = match d.children.get(c, &run, &steps).await {
        Ok(counts) => counts,
        Err(error) => return failed(error),
    };
    Json(json!({
        "run": {
            "run_id": run.run_id, "flow_slug": run.flow_slug, "status": run.status, "input": run.input,
            "output": run.output, "error_message": run.error_message, "priority": run.priority,
            "redrive_count": run.redrive_count, "started_at": epoch(run.started_at), "run_key": run.run_key,
            "parent_run_id": run.parent_run_id, "root_run_id": run.root_run_id,
        },
        "steps": steps.iter().map(|s| json!({
            "step_slug": s.step_slug, "step_type": s.step_type, "status": s.status, "total": s.total,
            "queued": s.queued, "running": s.running, "completed": s.completed, "failed": s.failed,
            "cancelled": s.cancelled, "started_at": s.started_at.map(epoch), "finished_at": s.finished_at.map(epoch),
        })).collect::<Vec<_>>(),
        "graph": shape["steps"].as_array().map(|steps| steps.iter().map(|s| json!({
            "slug": s["slug"], "deps": s["dependencies"], "type": s["stepType"], "subflow": s.get("subflow"),
        })).collect::<Vec<_>>()).unwrap_or_default(),
        "children": children.into_iter().map(|(status, runs)| (status, json!(runs))).collect::<serde_json::Map<String, Value>>(),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct ChildrenQuery {
    status: Option<String>,
    after: Option<Uuid>,
    limit: Option<i32>,
}

/// A page of the run's child runs in task order (`after`: the last child of the page before).
async fn children(
    State(d): State<Arc<Dashboard>>,
    Path(run_id): Path<Uuid>,
    Query(q): Query<ChildrenQuery>,
) -> Response {
    let status = q.status.filter(|s| !s.is_empty());
    match d.client.child_runs(run_id, status.as_deref(), q.after, q.limit.unwrap_or(50)).await {
        Ok(page) => Json(
            page.into_iter()
                .map(|c| {
                    json!({
                        "run_id": c.run_id, "flow_slug": c.flow_slug, "status": c.status,
                        "parent_step_slug": c.parent_step_slug, "parent_task_index": c.parent_task_index,
                        "started_at": epoch(c.started_at), "finished_at": c.finished_at.map(epoch),
                        "error_message": c.error_message, "total_tasks": c.total_tasks,
                        "completed_tasks": c.completed_tasks, "failed_tasks": c.failed_tasks,
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(error) => failed(error),
    }
}

/// The step's failed items grouped by error, the biggest group first.
async fn failure_groups(State(d): State<Arc<Dashboard>>, Path((run_id, step)): Path<(Uuid, String)>) -> Response {
    match d.client.failure_groups(run_id, &step, 20).await {
        Ok(groups) => Json(
            groups
                .into_iter()
                .map(|g| {
                    json!({
                        "error_message": g.error_message, "items": g.items, "first_task_index": g.first_task_index,
                        "last_failed_at": g.last_failed_at.map(epoch),
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(error) => failed(error),
    }
}

#[derive(Deserialize)]
struct FailedQuery {
    error: Option<String>,
    after: Option<i32>,
    limit: Option<i32>,
}

/// A page of the step's failed items in task order, of one error or any.
async fn failed_items(
    State(d): State<Arc<Dashboard>>,
    Path((run_id, step)): Path<(Uuid, String)>,
    Query(q): Query<FailedQuery>,
) -> Response {
    let page = d.client.failed_items(run_id, &step, q.error.as_deref(), q.after.unwrap_or(-1), q.limit.unwrap_or(50));
    match page.await {
        Ok(items) => Json(
            items
                .into_iter()
                .map(|i| {
                    json!({
                        "task_index": i.task_index, "error_message": i.error_message,
                        "attempts_count": i.attempts_count, "failed_at": i.failed_at.map(epoch),
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(error) => failed(error),
    }
}

/// One item: its input, output or error, attempts and their errors, worker and lease.
async fn item(State(d): State<Arc<Dashboard>>, Path((run_id, step, index)): Path<(Uuid, String, i32)>) -> Response {
    match d.client.inspect_task(run_id, &step, index).await {
        Ok(t) => Json(json!({
            "flow_slug": t.flow_slug, "status": t.status, "input": t.input, "output": t.output,
            "error_message": t.error_message, "attempts_count": t.attempts_count, "attempt_errors": t.attempt_errors,
            "worker_id": t.worker_id, "queued_at": epoch(t.queued_at), "started_at": t.started_at.map(epoch),
            "lease_until": t.lease_until.map(epoch), "completed_at": t.completed_at.map(epoch),
            "failed_at": t.failed_at.map(epoch), "first_index": t.first_index,
        }))
        .into_response(),
        Err(error) => failed(error),
    }
}

/// How each started step's tasks finished over time, from the database: its span in 60 buckets.
async fn timeline(State(d): State<Arc<Dashboard>>, Path(run_id): Path<Uuid>) -> Response {
    let steps = match d.client.progress(run_id).await {
        Ok(steps) => steps,
        Err(error) => return failed(error),
    };
    let mut rows = Vec::new();
    for step in steps.iter().filter(|s| s.started_at.is_some()) {
        let buckets = match d.client.step_timeline(run_id, &step.step_slug, 60).await {
            Ok(buckets) => buckets,
            Err(error) => return failed(error),
        };
        rows.push(json!({
            "step_slug": step.step_slug, "started_at": step.started_at.map(epoch),
            "finished_at": step.finished_at.map(epoch), "status": step.status,
            "every_nth": buckets.first().map_or(1, |b| b.every_nth),
            "buckets": buckets.iter().map(|b| json!([epoch(b.start), epoch(b.end), b.completed, b.failed])).collect::<Vec<_>>(),
        }));
    }
    Json(rows).into_response()
}

#[derive(Deserialize)]
struct SearchQuery {
    q: String,
}

/// Runs by id, or by run key.
async fn search(State(d): State<Arc<Dashboard>>, Query(q): Query<SearchQuery>) -> Response {
    let text = q.q.trim();
    if let Ok(run_id) = text.parse::<Uuid>() {
        return match d.client.run(run_id).await {
            Ok(run) => Json(json!([{
                "run_id": run.run_id, "flow_slug": run.flow_slug, "status": run.status, "started_at": epoch(run.started_at),
            }]))
            .into_response(),
            Err(error) if error.sqlstate() == Some("P0002") => Json(json!([])).into_response(),
            Err(error) => failed(error),
        };
    }
    match d.client.runs_by_key(text, 20).await {
        Ok(runs) => Json(
            runs.into_iter()
                .map(|(run_id, flow_slug, status, started_at)| {
                    json!({ "run_id": run_id, "flow_slug": flow_slug, "status": status, "started_at": epoch(started_at) })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(error) => failed(error),
    }
}

#[derive(Deserialize)]
struct ActionBody {
    run_ids: Vec<Uuid>,
}

/// Why a request is refused, unless it comes from this page: same origin (or a client that sends no
/// `Origin`, such as curl), and, with a token, carrying it.
fn refusal(d: &Dashboard, headers: &HeaderMap) -> Option<Response> {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "cross-site" || site == "same-site")
    {
        return Some(refused(StatusCode::FORBIDDEN, "refused: the request comes from another site"));
    }
    if let Some(origin) = text(header::ORIGIN) {
        let host = text(header::HOST).unwrap_or_default();
        if origin != format!("http://{host}") {
            return Some(refused(StatusCode::FORBIDDEN, "refused: the request comes from another origin"));
        }
    }
    if !text(header::CONTENT_TYPE).is_some_and(|t| t.starts_with("application/json")) {
        return Some(refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "refused: an action is a JSON body"));
    }
    if let Some(token) = &d.token {
        if headers.get("x-pgflow-token").and_then(|v| v.to_str().ok()) != Some(token.as_str()) {
            return Some(refused(StatusCode::UNAUTHORIZED, "refused: this dashboard needs its token"));
        }
    }
    None
}

async fn act(
    State(d): State<Arc<Dashboard>>,
    Path(action): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if d.read_only {
        return refused(StatusCode::FORBIDDEN, "refused: this dashboard is read-only");
    }
    if let Some(response) = refusal(&d, &headers) {
        return response;
    }
    let Ok(body) = serde_json::from_slice::<ActionBody>(&body) else {
        return refused(StatusCode::BAD_REQUEST, "expected {\"run_ids\": [...]}");
    };
    let mut results = Vec::new();
    for run_id in body.run_ids {
        let outcome = match action.as_str() {
            "cancel" => d.client.cancel_run(run_id).await,
            "redrive" => d.client.redrive_run(run_id).await,
            _ => return refused(StatusCode::NOT_FOUND, "unknown action (cancel or redrive)"),
        };
        results.push(match outcome {
            Ok(run) => json!({ "run_id": run_id, "status": run.status }),
            Err(error) => json!({ "run_id": run_id, "error": error.to_string(), "sqlstate": error.sqlstate() }),
        });
    }
    Json(results).into_response()
}

/// The engine's notifications as they come, and a tick twice a second.
async fn events_stream(
    State(d): State<Arc<Dashboard>>,
) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
    let receiver = d.events.subscribe();
    let ticks = tokio::time::interval(Duration::from_millis(500));
    let stream = stream::unfold((receiver, ticks), |(mut receiver, mut ticks)| async move {
        let event = tokio::select! {
            payload = receiver.recv() => match payload {
                Ok(payload) => Event::default().event("pgflow").data(payload),
                Err(broadcast::error::RecvError::Lagged(_)) => Event::default().event("tick").data("lagged"),
                Err(broadcast::error::RecvError::Closed) => return None,
            },
            // Not empty: a browser drops an event without data.
            _ = ticks.tick() => Event::default().event("tick").data("tick"),
        };
        Some((Ok(event), (receiver, ticks)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
