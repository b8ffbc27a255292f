//! Flow definitions: flows, their steps and the dependencies between steps.

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::BuiltinOid::INT4OID;
use pgrx::spi::SpiClient;

use super::Row;
use crate::error::{PgflowError, Result};
use crate::plans::{self, null};
use crate::validate;

pub struct FlowOptions {
    pub max_attempts: i32,
    pub base_delay: i32,
    pub timeout: i32,
}

pub fn create_flow(client: &mut SpiClient<'_>, flow_slug: &str, options: FlowOptions) -> Result<Row> {
    validate::slug("flow", flow_slug)?;
    let subject = format!("flow '{flow_slug}'");
    validate::option(&subject, "max_attempts", Some(options.max_attempts), 1)?;
    validate::option(&subject, "base_delay", Some(options.base_delay), 0)?;
    validate::option(&subject, "timeout", Some(options.timeout), 1)?;
    let args: [DatumWithOid; 4] = [
        flow_slug.into(),
        options.max_attempts.into(),
        options.base_delay.into(),
        options.timeout.into(),
    ];
    if let Some(flow) = plans::first::<Row>(client, &plans::CREATE_FLOW, &args)? {
        return Ok(flow);
    }
    // A concurrent call inserted the flow after this statement's snapshot was taken; the next
    // statement's snapshot sees it.
    plans::first::<Row>(client, &plans::FIND_FLOW, &[flow_slug.into()])?
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
}

pub fn add_step(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    step_slug: &str,
    deps: &[String],
    options: StepOptions,
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

    if plans::first::<Row>(client, &plans::FIND_FLOW, &[flow_slug.into()])?.is_none() {
        return Err(PgflowError::UnknownFlow(flow_slug.to_string()));
    }
    let key: [DatumWithOid; 2] = [flow_slug.into(), step_slug.into()];
    if let Some(existing) = plans::first::<Row>(client, &plans::FIND_STEP, &key)? {
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
    if let Some(dep_slug) = plans::first::<String>(client, &plans::MISSING_DEPS, &dep_args)? {
        return Err(PgflowError::UnknownDependency { subject, dep_slug });
    }

    let int = |value: Option<i32>| value.map(DatumWithOid::from).unwrap_or_else(|| null(INT4OID));
    let args: [DatumWithOid; 8] = [
        flow_slug.into(),
        step_slug.into(),
        deps.to_vec().into(),
        int(options.max_attempts),
        int(options.base_delay),
        int(options.timeout),
        int(options.start_delay),
        step_type.as_str().into(),
    ];
    plans::first::<Row>(client, &plans::INSERT_STEP, &args)?
        .ok_or_else(|| PgflowError::Internal(format!("{subject} was not inserted")))
}
