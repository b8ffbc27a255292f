//! One error type for the client and the worker. Errors the extension raises keep their SQLSTATE,
//! so callers match on it as they would in SQL (`42704` an unknown flow, `55000` a run in the
//! wrong state, ...).

use std::time::Duration;

use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Raised by the extension or by PostgreSQL, with its SQLSTATE and message.
    #[error("{message} (SQLSTATE {sqlstate})")]
    Database { sqlstate: String, message: String },
    /// The connection could not be made, or was lost.
    #[error("connection to PostgreSQL: {0}")]
    Connection(String),
    /// A value could not be turned into JSON or back (a handler's input or output).
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// `wait_for_run` gave up; the run goes on.
    #[error("run {run_id} did not end within {waited:?}")]
    Timeout { run_id: Uuid, waited: Duration },
    /// A connection string or an option that cannot work.
    #[error("{0}")]
    Config(String),
}

impl Error {
    /// The SQLSTATE of an error raised by the database, as `"42704"`.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            Error::Database { sqlstate, .. } => Some(sqlstate),
            _ => None,
        }
    }

    /// Whether the error is the connection's rather than the call's: worth a reconnect.
    pub fn is_connection(&self) -> bool {
        match self {
            Error::Connection(_) => true,
            // The server ends sessions with these when it shuts down or restarts.
            Error::Database { sqlstate, .. } => sqlstate.starts_with("08") || sqlstate.starts_with("57P"),
            _ => false,
        }
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(error: tokio_postgres::Error) -> Self {
        match error.as_db_error() {
            Some(db) => Error::Database { sqlstate: db.code().code().to_string(), message: db.message().to_string() },
            None => Error::Connection(error.to_string()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(error) => error.into(),
            other => Error::Connection(other.to_string()),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
