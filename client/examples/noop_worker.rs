//! The benchmark's Rust worker (bench/run.mjs): a worker of FLOW whose handler for STEP returns its
//! item, with BATCH tasks per claim and CONCURRENCY handlers, until SIGTERM.
//! Usage: noop_worker URL FLOW STEP BATCH CONCURRENCY

use pgflow_client::Worker;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, flow, step, batch, concurrency] = args.as_slice() else {
        return Err("usage: noop_worker URL FLOW STEP BATCH CONCURRENCY".into());
    };
    let stats = Worker::builder(url.as_str(), flow.as_str())
        .step(step.as_str(), |item: Value, _ctx| async move { Ok::<_, String>(item) })
        .batch_size(batch.parse()?)
        .concurrency(concurrency.parse()?)
        .run_until_signal()
        .await?;
    eprintln!("{stats:?}");
    Ok(())
}
