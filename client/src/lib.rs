// The crate's documentation is its README (the examples there compile as doc tests).
#![doc = include_str!("../README.md")]

mod client;
mod error;
mod worker;

pub use client::{
    Announcements, Client, FlowCheck, FlowStats, Run, RunFilter, RunSummary, StartFlow, StepProgress, TaskResult,
    TreeRun,
};
pub use error::{Error, Result};
pub use worker::{TaskContext, Worker, WorkerBuilder, WorkerStats};
