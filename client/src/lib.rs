//! A client and a worker for the pgflow PostgreSQL extension.
//!
//! ```no_run
//! # async fn example() -> pgflow_client::Result<()> {
//! use std::time::Duration;
//! use pgflow_client::{Client, Worker};
//!
//! let client = Client::connect("postgres://app@localhost/app").await?;
//! let run = client.start_flow("crawl", serde_json::json!(["https://example.org"])).run_key("grp-123").priority(5).send().await?;
//! let done = client.wait_for_run(run.run_id, Duration::from_secs(3600)).await?;
//! println!("{:?}", done.output);
//!
//! let stats = Worker::builder("postgres://app@localhost/app", "crawl")
//!     .step("fetch", |url: String, _ctx| async move { Ok::<_, std::io::Error>(url.len()) })
//!     .concurrency(20)
//!     .run_until_signal()
//!     .await?;
//! # Ok(()) }
//! ```

mod client;
mod error;
mod worker;

pub use client::{
    Announcements, Client, FlowCheck, FlowStats, Run, RunFilter, RunSummary, StartFlow, StepProgress, TaskResult,
    TreeRun,
};
pub use error::{Error, Result};
pub use worker::{TaskContext, Worker, WorkerBuilder, WorkerStats};
