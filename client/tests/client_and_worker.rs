//! The client and the worker against the extension, on the private cluster of scripts/test.sh
//! (PGFLOW_TEST_DATABASE_URL); the restart test is in tests/restart.rs.
//! Each test defines flows of its own, so they run side by side.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use pgflow_client::{Client, Error, Worker};
use serde_json::{json, Value};

mod common;

use common::{database_url, define, spawn_worker};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_run_is_started_waited_for_streamed_and_watched() {
    define(&[
        "select pgflow.create_flow('rc_basic')",
        "select pgflow.add_step('rc_basic', 'list')",
        "select pgflow.add_step('rc_basic', 'each', array['list'], step_type => 'fanout')",
        "select pgflow.add_step('rc_basic', 'total', array['each'])",
    ])
    .await;
    let worker = Worker::builder(database_url(), "rc_basic")
        .step("list", |input: Value, _ctx| async move {
            let n = input["run"]["n"].as_i64().unwrap_or(0);
            Ok::<_, String>((0..n).collect::<Vec<_>>())
        })
        .step("each", |item: i64, _ctx| async move { Ok::<_, String>(item * 2) })
        .step("total", |input: Value, _ctx| async move {
            Ok::<_, String>(
                input["each"].as_array().map_or(0, |each| each.iter().filter_map(Value::as_i64).sum::<i64>()),
            )
        })
        .concurrency(20)
        .batch_size(50);
    let (stop, worker) = spawn_worker(worker);

    let client = Client::connect(&database_url()).await.unwrap();
    let run = client.start_flow("rc_basic", json!({"n": 500})).run_key("rc-basic-1").priority(5).send().await.unwrap();
    assert_eq!(run.priority, 5);
    let again = client.start_flow("rc_basic", json!({"n": 1})).run_key("rc-basic-1").send().await.unwrap();
    assert_eq!(again.run_id, run.run_id, "a second start with the same key returns the first run");

    let done = client.wait_for_run(run.run_id, Duration::from_secs(60)).await.unwrap();
    assert_eq!(done.status, "completed");
    assert_eq!(done.output, Some(json!({"total": (0..500).map(|i| i * 2).sum::<i64>()})));

    let results: Vec<_> = client.stream_results(run.run_id, "each").collect().await;
    let results: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.len(), 500, "the stream gives every item once, then ends");
    let indexes: HashSet<i32> = results.iter().map(|r| r.task_index).collect();
    assert_eq!(indexes.len(), 500);
    assert!(results.iter().all(|r| r.output == Some(json!(r.task_index as i64 * 2))));
    assert!(results.windows(2).all(|pair| pair[0].seq < pair[1].seq), "in the order the items finished");

    let progress = client.progress(run.run_id).await.unwrap();
    assert_eq!(
        progress.iter().map(|s| (s.step_slug.as_str(), s.status.as_str(), s.completed)).collect::<Vec<_>>(),
        vec![("list", "completed", 1), ("each", "completed", 500), ("total", "completed", 1)]
    );
    let stats = client.stats().await.unwrap();
    assert!(stats.iter().any(|s| s.flow_slug == "rc_basic" && s.active_runs == 0));
    let tree = client.run_tree(run.run_id).await.unwrap();
    assert_eq!(tree.len(), 1);
    assert_eq!((tree[0].depth, tree[0].total_tasks, tree[0].completed_tasks), (0, 502, 502));

    stop.send(()).unwrap();
    let stats = worker.await.unwrap().unwrap();
    assert_eq!(stats.completed, 502);
    assert_eq!(stats.failed, 0);
}

#[tokio::test]
async fn a_flow_is_stored_from_its_shape_and_a_refused_shape_says_why() {
    let client = Client::connect(&database_url()).await.unwrap();
    let shape = json!({"steps": [{"slug": "list", "stepType": "single", "dependencies": []},
                                 {"slug": "each", "stepType": "map", "dependencies": ["list"]}],
                       "options": {"maxAttempts": 2, "baseDelay": 5, "timeout": 30}});
    let compiled = client.ensure_flow_compiled("rc_shaped", &shape, false).await.unwrap();
    assert_eq!((compiled.status.as_str(), compiled.differences.len()), ("compiled", 0));
    assert_eq!(client.ensure_flow_compiled("rc_shaped", &shape, false).await.unwrap().status, "verified");
    assert_eq!(client.flow_shape("rc_shaped").await.unwrap()["options"]["maxAttempts"], 2);
    let mut changed = shape.clone();
    changed["options"]["timeout"] = json!(45);
    let mismatch = client.ensure_flow_compiled("rc_shaped", &changed, false).await.unwrap();
    assert_eq!(mismatch.status, "mismatch");
    assert!(mismatch.differences.iter().any(|d| d.contains("timeout")), "{:?}", mismatch.differences);
    let mut refused = shape.clone();
    refused["steps"][1]["options"] = json!({"maxConcurrency": 0});
    let error = client.ensure_flow_compiled("rc_shaped_bad", &refused, false).await.unwrap_err();
    assert_eq!(error.sqlstate(), Some("22023"), "{error}");
    assert!(error.to_string().contains("step 'each' of flow 'rc_shaped_bad'"), "{error}");
    assert!(client.flow_shape("rc_shaped_bad").await.is_err(), "a refused shape stores nothing");
}

#[tokio::test]
async fn errors_keep_the_extension_sqlstate() {
    let client = Client::connect(&database_url()).await.unwrap();
    let unknown_flow = client.start_flow("rc_nowhere", json!({})).send().await.unwrap_err();
    assert_eq!(unknown_flow.sqlstate(), Some("42704"), "{unknown_flow}");
    assert!(unknown_flow.to_string().contains("flow 'rc_nowhere' does not exist"));
    let unknown_run = client.run(uuid::Uuid::nil()).await.unwrap_err();
    assert_eq!(unknown_run.sqlstate(), Some("P0002"));
    let timeout = client.wait_for_run(uuid::Uuid::nil(), Duration::from_millis(10)).await.unwrap_err();
    assert!(matches!(timeout, Error::Database { .. }), "an unknown run is refused before any wait: {timeout}");
    let worker =
        Worker::builder(database_url(), "rc_nowhere").step("x", |v: Value, _| async move { Ok::<_, String>(v) });
    assert_eq!(worker.run(async {}).await.unwrap_err().sqlstate(), Some("42704"));
    let bad_url = Client::connect("not a connection string ===").await.unwrap_err();
    assert!(matches!(bad_url, Error::Config(_)), "{bad_url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_run_is_redriven_and_a_running_one_cancelled() {
    define(&[
        "select pgflow.create_flow('rc_redrive', max_attempts => 1)",
        "select pgflow.add_step('rc_redrive', 'each', step_type => 'fanout')",
    ])
    .await;
    let broken = Arc::new(AtomicBool::new(true));
    let calls = Arc::new(AtomicU64::new(0));
    let (b, c) = (Arc::clone(&broken), Arc::clone(&calls));
    let worker = Worker::builder(database_url(), "rc_redrive").step("each", move |item: i64, _ctx| {
        let (broken, calls) = (Arc::clone(&b), Arc::clone(&c));
        async move {
            calls.fetch_add(1, Ordering::SeqCst);
            if item == 3 && broken.load(Ordering::SeqCst) {
                // After the other items, so that what they completed is recorded before the run fails.
                tokio::time::sleep(Duration::from_millis(300)).await;
                return Err(format!("item {item} is broken"));
            }
            if item == 7 {
                panic!("item 7 panics");
            }
            if item >= 100 {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            Ok(item)
        }
    });
    let (stop, worker) = spawn_worker(worker.concurrency(5));
    let client = Client::connect(&database_url()).await.unwrap();

    let run = client.start_flow("rc_redrive", json!([0, 1, 2, 3, 4])).send().await.unwrap();
    let failed = client.wait_for_run(run.run_id, Duration::from_secs(30)).await.unwrap();
    assert_eq!(failed.status, "failed");
    assert!(failed.error_message.unwrap_or_default().contains("item 3 is broken"));
    broken.store(false, Ordering::SeqCst);
    let before = calls.load(Ordering::SeqCst);
    let redriven = client.redrive_run(run.run_id).await.unwrap();
    assert_eq!((redriven.status.as_str(), redriven.redrive_count), ("started", 1));
    let done = client.wait_for_run(run.run_id, Duration::from_secs(30)).await.unwrap();
    assert_eq!(done.output, Some(json!({"each": [0, 1, 2, 3, 4]})));
    assert!(calls.load(Ordering::SeqCst) - before < 5, "the items that had completed did not run again");

    let panicking = client.start_flow("rc_redrive", json!([0, 7])).send().await.unwrap();
    let failed = client.wait_for_run(panicking.run_id, Duration::from_secs(30)).await.unwrap();
    assert_eq!(failed.status, "failed", "a handler that panics fails its attempt");
    assert!(failed.error_message.unwrap_or_default().contains("the handler panicked: item 7 panics"));

    let slow = client.start_flow("rc_redrive", json!([100, 101])).send().await.unwrap();
    let cancelled = client.cancel_run(slow.run_id).await.unwrap();
    assert_eq!(cancelled.status, "cancelled");
    assert_eq!(client.cancel_run(done.run_id).await.unwrap_err().sqlstate(), Some("55000"));
    assert_eq!(client.prune_runs(Duration::ZERO, Some("rc_redrive"), 100).await.unwrap(), 3);

    stop.send(()).unwrap();
    worker.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn completions_do_not_wait_behind_long_handlers() {
    define(&[
        "select pgflow.create_flow('rc_hold')",
        "select pgflow.add_step('rc_hold', 'each', step_type => 'fanout')",
    ])
    .await;
    let calls = Arc::new(AtomicU64::new(0));
    // Eight items run 5 s, two finish at once; leases are 2 s. The two answers must not wait for
    // the slow ones (whose leases heartbeats keep): the other worker would find their leases run
    // out, claim them and run them again.
    let worker = |calls: Arc<AtomicU64>| {
        Worker::builder(database_url(), "rc_hold")
            .step("each", move |item: i64, _ctx| {
                let calls = Arc::clone(&calls);
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    if item < 8 {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                    Ok::<_, String>(item)
                }
            })
            .concurrency(10)
            .batch_size(10)
            .lease_seconds(2)
    };
    let (stop_one, one) = spawn_worker(worker(Arc::clone(&calls)));
    let (stop_two, two) = spawn_worker(worker(Arc::clone(&calls)));
    let client = Client::connect(&database_url()).await.unwrap();
    let run = client.start_flow("rc_hold", (0..10).collect::<Vec<i64>>()).send().await.unwrap();
    let done = client.wait_for_run(run.run_id, Duration::from_secs(30)).await.unwrap();
    assert_eq!(done.output, Some(json!({"each": (0..10).collect::<Vec<i64>>()})));
    assert_eq!(calls.load(Ordering::SeqCst), 10, "each item ran once");
    stop_one.send(()).unwrap();
    stop_two.send(()).unwrap();
    let heartbeats = one.await.unwrap().unwrap().heartbeats + two.await.unwrap().unwrap().heartbeats;
    assert!(heartbeats >= 8, "the slow items' leases were extended ({heartbeats} heartbeats)");
}

/// A run started inside the caller's transaction exists only if that transaction commits, with
/// what else it wrote; rolled back, it leaves nothing, not even a task a worker could claim.
#[tokio::test]
async fn a_run_started_in_the_callers_transaction_commits_or_rolls_back_with_it() {
    define(&[
        "select pgflow.create_flow('rc_in_tx')",
        "select pgflow.add_step('rc_in_tx', 'only')",
        "create table if not exists rc_orders (id int primary key, run_id uuid)",
    ])
    .await;
    let client = Client::connect(&database_url()).await.unwrap();
    let (mut connection, io) = tokio_postgres::connect(&database_url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(io);

    let transaction = connection.transaction().await.unwrap();
    let kept = client.start_flow("rc_in_tx", json!({"order": 1})).send_in(&transaction).await.unwrap();
    transaction.execute("insert into rc_orders values (1, $1)", &[&kept.run_id]).await.unwrap();
    let seen_outside = client.run(kept.run_id).await;
    assert!(seen_outside.is_err(), "before the commit, no other session sees the run");
    transaction.commit().await.unwrap();
    assert_eq!(client.run(kept.run_id).await.unwrap().status, "started");

    let transaction = connection.transaction().await.unwrap();
    let dropped = client.start_flow("rc_in_tx", json!({"order": 2})).send_in(&transaction).await.unwrap();
    transaction.rollback().await.unwrap();
    assert!(client.run(dropped.run_id).await.is_err(), "a rolled back start leaves no run");
    let tasks: i64 = connection
        .query_one("select count(*) from pgflow.step_tasks where run_id = $1", &[&dropped.run_id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tasks, 0, "and no task to claim");
}
