//! Flow definitions: flows, their steps and the dependencies between steps.

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::BuiltinOid::{INT4OID, NUMERICOID};
use pgrx::spi::SpiClient;
use pgrx::AnyNumeric;

use super::Row;
use crate::error::{PgflowError, Result};
use crate::plans::{self, get, optional};
use crate::validate;

pub struct FlowOptions {
    pub max_attempts: i32,
    pub base_delay: i32,
    pub timeout: i32,
    pub run_timeout: Option<i32>,
    pub max_delay: i32,
}

pub fn create_flow(client: &mut SpiClient<'_>, flow_slug: &str, options: FlowOptions) -> Result<Row> {
    validate::slug("flow", flow_slug)?;
    let subject = format!("flow '{flow_slug}'");
    validate::option(&subject, "max_attempts", Some(options.max_attempts), 1)?;
    validate::option(&subject, "base_delay", Some(options.base_delay), 0)?;
    validate::option(&subject, "timeout", Some(options.timeout), 1)?;
    validate::option(&subject, "run_timeout", options.run_timeout, 1)?;
    validate::option(&subject, "max_delay", Some(options.max_delay), 0)?;
    let args: [DatumWithOid; 6] = [
        flow_slug.into(),
        options.max_attempts.into(),
        options.base_delay.into(),
        options.timeout.into(),
        optional(options.run_timeout, INT4OID),
        options.max_delay.into(),
    ];
    if let Some(flow) = plans::first::<Row>(client, &plans::CREATE_FLOW, &args, "f")? {
        return Ok(flow);
    }
    // A concurrent call inserted the flow after this statement's snapshot was taken; the next
    // statement's snapshot sees it.
    plans::first::<Row>(client, &plans::FIND_FLOW, &[flow_slug.into()], "f")?
        .ok_or_else(|| PgflowError::UnknownFlow(flow_slug.to_string()))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StepType {
    Single,
    Fanout,
}

impl StepType {
    /// `'map'` is pgflow's name for a fan-out step, accepted so its compiled flows load unchanged.
    pub fn parse(step_type: &str, flow_slug: &str, step_slug: &str) -> Result<StepType> {
        match step_type {
            "single" => Ok(StepType::Single),
            "fanout" | "map" => Ok(StepType::Fanout),
            other => Err(PgflowError::InvalidArgument(format!(
                "step '{step_slug}' of flow '{flow_slug}': unknown step_type {other:?} (expected 'single' or 'fanout')"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StepType::Single => "single",
            StepType::Fanout => "fanout",
        }
    }
}

pub struct StepOptions {
    pub max_attempts: Option<i32>,
    pub base_delay: Option<i32>,
    pub timeout: Option<i32>,
    pub start_delay: Option<i32>,
    pub fanout_timeout: Option<i32>,
    pub max_delay: Option<i32>,
}

/// What a step does when its tasks fail: its fan-out policy and what its failure does to the run.
pub struct FailureOptions {
    pub fanout_policy: String,
    pub success_threshold: Option<AnyNumeric>,
    pub when_exhausted: String,
    /// false: a fan-out's output is a summary of counts, its items are read with read_results.
    pub aggregate: bool,
}

impl FailureOptions {
    fn check(&self, subject: &str, step_type: StepType) -> Result<()> {
        let refuse = |message: String| Err(PgflowError::InvalidArgument(format!("{subject}: {message}")));
        match self.fanout_policy.as_str() {
            "fail_fast" | "collect_all" | "threshold" => {}
            other => {
                return refuse(format!(
                    "unknown fanout_policy {other:?} (expected 'fail_fast', 'collect_all' or 'threshold')"
                ))
            }
        }
        if step_type == StepType::Single && self.fanout_policy != "fail_fast" {
            return refuse(format!(
                "fanout_policy '{}' needs a fan-out step; a single step has one task",
                self.fanout_policy
            ));
        }
        match (&self.success_threshold, self.fanout_policy == "threshold") {
            (None, true) => return refuse("fanout_policy 'threshold' needs a success_threshold in (0, 1]".into()),
            (Some(_), false) => {
                return refuse("success_threshold is only for fanout_policy 'threshold'".into())
            }
            (Some(t), true) if *t <= AnyNumeric::from(0) || *t > AnyNumeric::from(1) => {
                return refuse(format!("success_threshold must be in (0, 1], got {t}"))
            }
            _ => {}
        }
        if step_type == StepType::Single && !self.aggregate {
            return refuse("aggregate false needs a fan-out step; a single step's output is its task's".into());
        }
        match self.when_exhausted.as_str() {
            "fail" | "skip" | "skip-cascade" => Ok(()),
            other => refuse(format!(
                "unknown when_exhausted {other:?} (expected 'fail', 'skip' or 'skip-cascade')"
            )),
        }
    }
}

pub fn add_step(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    step_slug: &str,
    deps: &[String],
    options: StepOptions,
    failure: FailureOptions,
    step_type: &str,
) -> Result<Row> {
    validate::slug("flow", flow_slug)?;
    validate::slug("step", step_slug)?;
    let step_type = StepType::parse(step_type, flow_slug, step_slug)?;
    let subject = format!("step '{step_slug}' of flow '{flow_slug}'");
    validate::option(&subject, "max_attempts", options.max_attempts, 1)?;
    validate::option(&subject, "base_delay", options.base_delay, 0)?;
    validate::option(&subject, "timeout", options.timeout, 1)?;
    validate::option(&subject, "start_delay", options.start_delay, 0)?;
    validate::option(&subject, "fanout_timeout", options.fanout_timeout, 1)?;
    validate::option(&subject, "max_delay", options.max_delay, 0)?;
    failure.check(&subject, step_type)?;

    if plans::first::<Row>(client, &plans::FIND_FLOW, &[flow_slug.into()], "f")?.is_none() {
        return Err(PgflowError::UnknownFlow(flow_slug.to_string()));
    }
    let key: [DatumWithOid; 2] = [flow_slug.into(), step_slug.into()];
    if let Some(existing) = plans::first::<Row>(client, &plans::FIND_STEP, &key, "s")? {
        return Ok(existing);
    }

    for (i, dep) in deps.iter().enumerate() {
        if dep == step_slug {
            return Err(PgflowError::InvalidArgument(format!("{subject} cannot depend on itself")));
        }
        if deps[..i].contains(dep) {
            return Err(PgflowError::InvalidArgument(format!(
                "{subject} lists dependency '{dep}' more than once"
            )));
        }
    }
    if step_type == StepType::Fanout && deps.len() > 1 {
        return Err(PgflowError::InvalidArgument(format!(
            "{subject}: a fan-out step has at most one dependency, got {}",
            deps.len()
        )));
    }
    let dep_args: [DatumWithOid; 2] = [flow_slug.into(), deps.to_vec().into()];
    let Some(row) = plans::first_row(client, &plans::MISSING_DEPS, &dep_args)? else {
        return Err(PgflowError::Internal(format!("{subject}: its dependencies could not be checked")));
    };
    if let Some(dep_slug) = get::<String>(&row, "slug")? {
        return Err(PgflowError::UnknownDependency { subject, dep_slug });
    }
    if let (StepType::Fanout, Some(dep_slug)) = (step_type, get::<String>(&row, "summary_dep")?) {
        return Err(PgflowError::InvalidArgument(format!(
            "{subject} cannot fan out over step '{dep_slug}', whose output is a summary (aggregate false); read its items with read_results"
        )));
    }

    let int = |value: Option<i32>| optional(value, INT4OID);
    let args: [DatumWithOid; 14] = [
        flow_slug.into(),
        step_slug.into(),
        deps.to_vec().into(),
        int(options.max_attempts),
        int(options.base_delay),
        int(options.timeout),
        int(options.start_delay),
        step_type.as_str().into(),
        failure.fanout_policy.as_str().into(),
        optional(failure.success_threshold, NUMERICOID),
        failure.when_exhausted.as_str().into(),
        int(options.fanout_timeout),
        int(options.max_delay),
        failure.aggregate.into(),
    ];
    plans::first::<Row>(client, &plans::INSERT_STEP, &args, "s")?
        .ok_or_else(|| PgflowError::Internal(format!("{subject} was not inserted")))
}
