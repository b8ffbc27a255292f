// The crate's documentation is its README (the examples there compile as doc tests).
#![doc = include_str!("../README.md")]

mod client;
mod error;
mod worker;

pub use client::{
    Announcements, ChildRun, Client, FailedItem, FailureGroup, FlowCheck, FlowStats, InspectedTask, Run, RunFilter,
    RunSummary, StartFlow, StepProgress, TaskResult, TimelineBucket, TreeRun,
};
pub use error::{Error, Result};
pub use worker::{TaskContext, Worker, WorkerBuilder, WorkerStats};
