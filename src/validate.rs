//! Checks on arguments made before anything is written, so that a refused call names what is
//! wrong instead of tripping a table constraint.

use crate::error::{PgflowError, Result};

/// The longest slug, and the slugs that are taken (the `pgflow.slug` domain says the same).
pub const SLUG_MAX_LENGTH: usize = 128;
pub const SLUG_RESERVED: &[&str] = &["run"];

/// The slug rule of the `pgflow.slug` domain: `^[a-zA-Z_][a-zA-Z0-9_]*$`, at most 128
/// characters, and not `run` (single-step payloads use that key for the run input).
pub fn slug_problem(slug: &str) -> Option<&'static str> {
    let mut chars = slug.chars();
    match chars.next() {
        None => return Some("it is empty"),
        Some(c) if !(c.is_ascii_alphabetic() || c == '_') => {
            return Some("it must start with a letter or an underscore")
        }
        _ => {}
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some("it may contain only letters, digits and underscores");
    }
    if slug.len() > SLUG_MAX_LENGTH {
        return Some("it is longer than 128 characters");
    }
    if SLUG_RESERVED.contains(&slug) {
        return Some("'run' is reserved for the run input");
    }
    None
}

pub fn slug(what: &'static str, slug: &str) -> Result<()> {
    match slug_problem(slug) {
        None => Ok(()),
        Some(problem) => Err(PgflowError::InvalidSlug { what, slug: slug.to_string(), problem }),
    }
}

/// The least value of each numeric option, flow and step alike (the schema's checks say the same).
/// `max_attempts` 0 is pgflow's "no retry", the same as 1.
pub const OPTION_MINIMUMS: &[(&str, i32)] = &[
    ("max_attempts", 0),
    ("base_delay", 0),
    ("timeout", 1),
    ("run_timeout", 1),
    ("start_delay", 0),
    ("fanout_timeout", 1),
    ("max_delay", 0),
    ("max_concurrency", 1),
    ("batch_size", 1),
];

/// An option of a flow or a step: NULL means "inherit" (or the default), anything else must be
/// at least its minimum.
pub fn definition_option(subject: &str, option: &'static str, value: Option<i32>) -> Result<()> {
    let minimum = OPTION_MINIMUMS
        .iter()
        .find(|(name, _)| *name == option)
        .map(|(_, minimum)| *minimum)
        .ok_or_else(|| PgflowError::Internal(format!("no minimum is known for option {option}")))?;
    self::option(subject, option, value, minimum)
}

/// An optional argument: NULL means "inherit", anything else must be at least `minimum`.
pub fn option(subject: &str, option: &'static str, value: Option<i32>, minimum: i32) -> Result<()> {
    match value {
        Some(value) if value < minimum => {
            Err(PgflowError::InvalidOption { subject: subject.to_string(), option, value, minimum })
        }
        _ => Ok(()),
    }
}
