//! What the integration tests share: the database of scripts/test.sh, flows defined through SQL,
//! and workers stopped by a channel.
#![allow(dead_code)]

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use pgflow_client::WorkerStats;

pub fn database_url() -> String {
    std::env::var("PGFLOW_TEST_DATABASE_URL")
        .expect("PGFLOW_TEST_DATABASE_URL is not set: run these tests through scripts/test.sh (make test T=client)")
}

/// Defines a flow through the extension's SQL functions.
pub async fn define(statements: &[&str]) {
    let (client, connection) = tokio_postgres::connect(&database_url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    for statement in statements {
        client.batch_execute(statement).await.unwrap();
    }
}

/// A worker running until the returned sender is used or dropped.
pub fn spawn_worker(
    worker: pgflow_client::WorkerBuilder,
) -> (oneshot::Sender<()>, JoinHandle<pgflow_client::Result<WorkerStats>>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));
    (stop, handle)
}
