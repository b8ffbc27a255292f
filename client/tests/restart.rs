//! A worker across an immediate restart of PostgreSQL (PGFLOW_TEST_RESTART, from scripts/test.sh).
//! A test binary of its own: the restart ends every session of the cluster, so nothing else may
//! run beside it (cargo runs test binaries one after another).

use std::time::Duration;

use pgflow_client::{Client, Worker};
use serde_json::json;

mod common;

use common::{database_url, define, spawn_worker};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_survives_a_restart_of_postgres_in_the_middle_of_a_fanout() {
    let restart = std::env::var("PGFLOW_TEST_RESTART")
        .expect("PGFLOW_TEST_RESTART is not set: run these tests through scripts/test.sh (make test T=client)");
    define(&[
        "select pgflow.create_flow('rc_restart')",
        "select pgflow.add_step('rc_restart', 'each', step_type => 'fanout')",
    ])
    .await;
    const N: i64 = 10_000;
    let worker = Worker::builder(database_url(), "rc_restart")
        .step("each", |item: i64, _ctx| async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            Ok::<_, String>(item + 1)
        })
        .concurrency(20)
        .batch_size(20)
        .lease_seconds(3);
    let (stop, worker) = spawn_worker(worker);
    let client = Client::connect(&database_url()).await.unwrap();
    let run = client.start_flow("rc_restart", (0..N).collect::<Vec<_>>()).send().await.unwrap();

    // Restart once a third of the items are done.
    loop {
        let progress = client.progress(run.run_id).await.unwrap();
        if progress[0].completed >= (N / 3) as i32 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = tokio::process::Command::new("sh").arg("-c").arg(&restart).status().await.unwrap();
    assert!(status.success(), "{restart} failed");

    // The client's pooled connections died with the server: a fresh client waits.
    let client = Client::connect(&database_url()).await.unwrap();
    let done = client.wait_for_run(run.run_id, Duration::from_secs(120)).await.unwrap();
    assert_eq!(done.status, "completed");
    assert_eq!(done.output, Some(json!({"each": (1..=N).collect::<Vec<_>>()})), "every output, in item order");
    stop.send(()).unwrap();
    let stats = worker.await.unwrap().unwrap();
    assert!(stats.reconnects >= 1, "the worker reconnected by itself: {stats:?}");
}
