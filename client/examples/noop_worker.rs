//! The benchmark's Rust worker (bench/run.mjs): a worker of FLOW whose handler for STEP returns its
//! item (after NOOP_DELAY_MS milliseconds, 0 by default), with BATCH tasks per claim and CONCURRENCY
//! handlers, until SIGTERM. Usage: noop_worker URL FLOW STEP BATCH CONCURRENCY; NOOP_NODES, more
//! addresses separated by spaces, spreads it over those nodes too (the Citus tests).

use pgflow_client::Worker;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, flow, step, batch, concurrency] = args.as_slice() else {
        return Err("usage: noop_worker URL FLOW STEP BATCH CONCURRENCY".into());
    };
    let delay =
        std::time::Duration::from_millis(std::env::var("NOOP_DELAY_MS").ok().and_then(|d| d.parse().ok()).unwrap_or(0));
    let stats = Worker::builder(url.as_str(), flow.as_str())
        .step(step.as_str(), move |item: Value, _ctx| async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Ok::<_, String>(item)
        })
        .nodes(std::env::var("NOOP_NODES").unwrap_or_default().split_whitespace().map(str::to_string))
        .batch_size(batch.parse()?)
        .concurrency(concurrency.parse()?)
        .run_until_signal()
        .await?;
    eprintln!("{stats:?}");
    Ok(())
}
