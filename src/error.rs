//! The one error type of the extension. Every variant carries the SQLSTATE users match on and a
//! lower-case message naming the flow, step or run at fault.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgflowError {
    /// An argument is NULL where a value is required.
    NullArgument { function: &'static str, argument: &'static str },
    /// An array holds a NULL where every element must be a value (the message says where).
    NullElement(String),
    /// A slug does not follow the slug rule.
    InvalidSlug { what: &'static str, slug: String, problem: &'static str },
    /// A numeric option is out of range.
    InvalidOption { subject: String, option: &'static str, value: i32, minimum: i32 },
    /// An argument value is refused for another reason (named in the message).
    InvalidArgument(String),
    UnknownFlow(String),
    /// `subject` names the step being added.
    UnknownDependency { subject: String, dep_slug: String },
    UnknownRun(String),
    UnknownStepOfRun { run_id: String, step_slug: String },
    UnknownTask { run_id: String, step_slug: String, task_index: i32 },
    RunAlreadyExists(String),
    /// An object exists but is not in the state the call needs.
    WrongState(String),
    /// A failure of the engine itself, not of the caller's input.
    Internal(String),
}

impl PgflowError {
    pub fn sqlstate(&self) -> PgSqlErrorCode {
        use PgflowError::*;
        match self {
            NullArgument { .. } | NullElement(_) => PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            InvalidSlug { .. } | InvalidOption { .. } | InvalidArgument(_) => {
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE
            }
            UnknownFlow(_) | UnknownDependency { .. } => {
                PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT
            }
            UnknownRun(_) | UnknownStepOfRun { .. } | UnknownTask { .. } => {
                PgSqlErrorCode::ERRCODE_NO_DATA_FOUND
            }
            RunAlreadyExists(_) => PgSqlErrorCode::ERRCODE_UNIQUE_VIOLATION,
            WrongState(_) => PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
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
            NullElement(message) | InvalidArgument(message) | WrongState(message) | Internal(message) => {
                message.clone()
            }
            UnknownFlow(flow) => format!("flow '{flow}' does not exist"),
            UnknownDependency { subject, dep_slug } => {
                format!("{subject} depends on '{dep_slug}', which is not a step of the flow")
            }
            UnknownRun(run) => format!("run {run} does not exist"),
            UnknownStepOfRun { run_id, step_slug } => {
                format!("run {run_id} has no step '{step_slug}'")
            }
            UnknownTask { run_id, step_slug, task_index } => {
                format!("run {run_id} has no task {task_index} of step '{step_slug}'")
            }
            RunAlreadyExists(run) => format!("run {run} already exists"),
        }
    }

    /// Raises the error as a Postgres ERROR; the transaction rolls back.
    pub fn raise(self) -> ! {
        ErrorReport::new(self.sqlstate(), self.message(), "pgflow").report(PgLogLevel::ERROR);
        unreachable!("an ERROR report does not return")
    }
}

impl From<pgrx::spi::SpiError> for PgflowError {
    fn from(error: pgrx::spi::SpiError) -> Self {
        PgflowError::Internal(format!("pgflow internal query failed: {error}"))
    }
}

pub type Result<T> = std::result::Result<T, PgflowError>;

/// Unwraps an engine result in a `#[pg_extern]` shim, raising the error with its SQLSTATE.
pub trait OrRaise<T> {
    fn or_raise(self) -> T;
}

impl<T> OrRaise<T> for Result<T> {
    fn or_raise(self) -> T {
        self.unwrap_or_else(|error| error.raise())
    }
}

/// A required argument: NULL is refused with SQLSTATE 22004, naming the function and argument.
pub fn required<T>(value: Option<T>, function: &'static str, argument: &'static str) -> Result<T> {
    value.ok_or(PgflowError::NullArgument { function, argument })
}
