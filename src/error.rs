//! The one error type of the extension. Every variant carries the SQLSTATE users match on and a
//! lower-case message naming the flow, step or run at fault.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::PgSqlErrorCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgflowError {
    /// An argument is NULL where a value is required.
    NullArgument {
        function: &'static str,
        argument: &'static str,
    },
    /// An array holds a NULL where every element must be a value (the message says where).
    NullElement(String),
    /// A slug does not follow the slug rule.
    InvalidSlug {
        what: &'static str,
        slug: String,
        problem: &'static str,
    },
    /// A numeric option is out of range.
    InvalidOption {
        subject: String,
        option: &'static str,
        value: i32,
        minimum: i32,
    },
    /// An argument value is refused for another reason (named in the message).
    InvalidArgument(String),
    UnknownFlow(String),
    /// `subject` names the step being added.
    UnknownDependency {
        subject: String,
        dep_slug: String,
    },
    /// `subject` names the step being added.
    UnknownSubflow {
        subject: String,
        flow_slug: String,
    },
    UnknownRun(String),
    UnknownStepOfRun {
        run_id: String,
        step_slug: String,
    },
    UnknownStepOfFlow {
        flow_slug: String,
        step_slug: String,
    },
    UnknownTask {
        run_id: String,
        step_slug: String,
        task_index: i32,
    },
    RunAlreadyExists(String),
    /// What this mode of pgflow does not do yet (the Citus mode: docs/citus.md).
    NotSupported(String),
    /// A fan-out's source (a dependency's output, or the run input when `dep_slug` is None; the
    /// field of it at `path` when the step has a fanout_path) is not a JSON array.
    NotAnArray {
        run_id: String,
        step_slug: String,
        dep_slug: Option<String>,
        path: Option<String>,
        got: String,
    },
    /// A flow or step is already defined, differently: each difference as `name old -> new`.
    DefinedDifferently {
        subject: String,
        differences: Vec<String>,
    },
    /// An object exists but is not in the state the call needs.
    WrongState(String),
    /// An object cannot go while another depends on it (the message names both).
    InUse(String),
    /// A failure of the engine itself, not of the caller's input.
    Internal(String),
}

impl PgflowError {
    pub fn sqlstate(&self) -> PgSqlErrorCode {
        use PgflowError::*;
        match self {
            NullArgument { .. } | NullElement(_) => PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            InvalidSlug { .. } | InvalidOption { .. } | InvalidArgument(_) | NotAnArray { .. } => {
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE
            }
            UnknownFlow(_) | UnknownDependency { .. } | UnknownSubflow { .. } | UnknownStepOfFlow { .. } => {
                PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT
            }
            UnknownRun(_) | UnknownStepOfRun { .. } | UnknownTask { .. } => PgSqlErrorCode::ERRCODE_NO_DATA_FOUND,
            RunAlreadyExists(_) => PgSqlErrorCode::ERRCODE_UNIQUE_VIOLATION,
            DefinedDifferently { .. } => PgSqlErrorCode::ERRCODE_DUPLICATE_OBJECT,
            WrongState(_) => PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            InUse(_) => PgSqlErrorCode::ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
            NotSupported(_) => PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            Internal(_) => PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
        }
    }

    pub fn message(&self) -> String {
        use PgflowError::*;
        match self {
            NullArgument { function, argument } => {
                format!("pgflow.{function}: {argument} must not be null")
            }
            InvalidSlug { what, slug, problem } => format!("invalid {what} slug {slug:?}: {problem}"),
            InvalidOption { subject, option, value, minimum } => {
                format!("{subject}: {option} must be at least {minimum}, got {value}")
            }
            NullElement(message)
            | InvalidArgument(message)
            | WrongState(message)
            | InUse(message)
            | NotSupported(message)
            | Internal(message) => {
                message.clone()
            }
            UnknownFlow(flow) => format!("flow '{flow}' does not exist"),
            UnknownDependency { subject, dep_slug } => {
                format!("{subject} depends on '{dep_slug}', which is not a step of the flow")
            }
            UnknownSubflow { subject, flow_slug } => {
                format!("{subject}: its sub-flow '{flow_slug}' does not exist (create it first)")
            }
            UnknownRun(run) => format!("run {run} does not exist"),
            UnknownStepOfRun { run_id, step_slug } => {
                format!("run {run_id} has no step '{step_slug}'")
            }
            UnknownStepOfFlow { flow_slug, step_slug } => format!("flow '{flow_slug}' has no step '{step_slug}'"),
            UnknownTask { run_id, step_slug, task_index } => {
                format!("run {run_id} has no task {task_index} of step '{step_slug}'")
            }
            RunAlreadyExists(run) => format!("run {run} already exists"),
            DefinedDifferently { subject, differences } => format!(
                "{subject} is already defined differently: {} (nothing was changed; delete_flow or ensure_flow_compiled with allow_replace replaces a flow)",
                differences.join(", ")
            ),
            NotAnArray { run_id, step_slug, dep_slug, path, got } => format!(
                "fan-out step '{step_slug}' of run {run_id} expects {} to be a JSON array, got {got}",
                fanout_source(dep_slug.as_deref(), path.as_deref())
            ),
        }
    }
}

/// What a fan-out fans out over, in words: `the field 'items' of the output of step 'list'`.
pub fn fanout_source(dep_slug: Option<&str>, path: Option<&str>) -> String {
    let source = match dep_slug {
        Some(dep) => format!("the output of step '{dep}'"),
        None => "the run input".to_string(),
    };
    match path {
        Some(path) => format!("the field '{path}' of {source}"),
        None => source,
    }
}

/// What a `#[pg_extern]` shim returns on error: pgrx raises it with its SQLSTATE and message.
impl From<PgflowError> for ErrorReport {
    fn from(error: PgflowError) -> Self {
        ErrorReport::new(error.sqlstate(), error.message(), "pgflow")
    }
}

impl From<pgrx::spi::SpiError> for PgflowError {
    fn from(error: pgrx::spi::SpiError) -> Self {
        PgflowError::Internal(format!("pgflow internal query failed: {error}"))
    }
}

pub type Result<T> = std::result::Result<T, PgflowError>;

/// A required argument: NULL is refused with SQLSTATE 22004, naming the function and argument.
pub fn required<T>(value: Option<T>, function: &'static str, argument: &'static str) -> Result<T> {
    value.ok_or(PgflowError::NullArgument { function, argument })
}

/// The reasons the engine stores on the steps and runs that fail (they are data, not raised).
pub mod reason {
    /// A child run of a sub-flow fan-out failed: the failure of its task's attempt.
    pub fn subflow_failed(child: pgrx::Uuid, message: &str) -> String {
        format!("sub-flow run {child} failed: {message}")
    }

    /// A child run of a sub-flow fan-out was cancelled (not by its parent's end).
    pub fn subflow_cancelled(child: pgrx::Uuid) -> String {
        format!("sub-flow run {child} was cancelled")
    }

    /// A single step's task ran out of attempts.
    pub fn task_failed(task_index: i32, message: &str) -> String {
        format!("task {task_index} failed: {message}")
    }

    /// A fan-out failed under its policy: how many of its tasks failed and the first error.
    pub fn fanout_failed(failed: i32, total: i32, limit: Option<i32>, first: Option<(i32, String)>) -> String {
        let allowed = match limit {
            Some(limit) => format!(" (more than the {limit} its success_threshold allows)"),
            None => String::new(),
        };
        let first = match first {
            Some((index, message)) => format!("; first error (task {index}): {message}"),
            None => String::new(),
        };
        format!("{failed} of {total} tasks failed{allowed}{first}")
    }

    /// A fan-out's outputs do not fit in the one JSON array its output is (`limit`: PostgreSQL's
    /// message).
    pub fn output_too_big(limit: &str) -> String {
        format!(
            "its items' outputs do not fit in one JSON value ({limit}); add the step with aggregate => false \
             and read its items with read_results"
        )
    }

    /// What each task a fan-out deadline cancelled records (its envelope's error under collect_all).
    pub const ITEM_TIMED_OUT: &str = "timed out";

    pub fn fanout_timed_out(seconds: i32, unfinished: i32, total: i32) -> String {
        format!("timed out after {seconds} s (fanout_timeout) with {unfinished} of {total} tasks unfinished")
    }

    pub fn run_timed_out(seconds: i32) -> String {
        format!("timed out: the run did not finish within {seconds} s of its start (run_timeout)")
    }

    /// Why a step whose condition did not hold was skipped (or failed its run).
    pub fn condition_unmet(required: Option<&str>, forbidden: Option<&str>) -> String {
        let mut parts = Vec::new();
        if let Some(pattern) = required {
            parts.push(format!("contain {pattern}"));
        }
        if let Some(pattern) = forbidden {
            parts.push(format!("not contain {pattern}"));
        }
        format!("condition not met: its input must {}", parts.join(" and must "))
    }

    /// The run's reason when one of its steps failed it.
    pub fn step_failed_run(step_slug: &str, message: &str) -> String {
        format!("step '{step_slug}' failed: {message}")
    }

    pub fn lease_expired(attempts: i32) -> String {
        format!("lease expired on the last attempt ({attempts} of {attempts})")
    }
}
