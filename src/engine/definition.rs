//! Flow definitions: flows, their steps and the dependencies between steps.

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::BuiltinOid::{INT4OID, JSONBOID, NUMERICOID, TEXTOID};
use pgrx::spi::SpiClient;
use pgrx::JsonB;
use serde_json::Value;

use super::citus;
use super::machine;
use super::shape::{
    self, Condition, FailureOptions, FlowDefinition, FlowOptions, StepDefinition, StepOptions, StepType,
};
use super::Row;
use crate::error::{PgflowError, Result};
use crate::plans::{self, optional};
use crate::validate;

/// Creates a flow, or returns it when it exists with the same options; one with other options is
/// refused, naming each difference.
pub fn create_flow(client: &mut SpiClient<'_>, flow_slug: &str, options: FlowOptions) -> Result<Row> {
    options.check(flow_slug)?;
    let subject = format!("flow '{flow_slug}'");
    let args: [DatumWithOid; 7] = [
        flow_slug.into(),
        options.max_attempts.into(),
        options.base_delay.into(),
        options.timeout.into(),
        optional(options.run_timeout, INT4OID),
        options.max_delay.into(),
        optional(options.max_concurrency, INT4OID),
    ];
    let flow = match plans::row(client, &plans::CREATE_FLOW, &args)?.and_then(|created| created.f) {
        Some(flow) => flow,
        // A concurrent call inserted the flow after this statement's snapshot was taken; the next
        // statement's snapshot sees it.
        None => plans::row(client, &plans::FIND_FLOW, &[flow_slug.into()])?
            .map(|found| found.f)
            .ok_or_else(|| PgflowError::UnknownFlow(flow_slug.to_string()))?,
    };
    let stored = read_definition(client, flow_slug)?.ok_or_else(|| PgflowError::UnknownFlow(flow_slug.to_string()))?;
    let changes = shape::flow_changes(&stored.options, &options);
    if !changes.is_empty() {
        return Err(PgflowError::DefinedDifferently { subject, differences: changes });
    }
    Ok(flow)
}

/// Adds a step to a flow, or returns it when it exists with the same definition; one defined
/// otherwise is refused, naming each difference. `step.deps` in the order given.
pub fn add_step(client: &mut SpiClient<'_>, flow_slug: &str, step: StepDefinition) -> Result<Row> {
    step.check(flow_slug)?;
    let subject = format!("step '{}' of flow '{flow_slug}'", step.slug);

    if plans::row(client, &plans::FIND_FLOW, &[flow_slug.into()])?.is_none() {
        return Err(PgflowError::UnknownFlow(flow_slug.to_string()));
    }
    let key: [DatumWithOid; 2] = [flow_slug.into(), step.slug.as_str().into()];
    if let Some(existing) = plans::row(client, &plans::FIND_STEP, &key)?.map(|found| found.s) {
        let mut wanted = step;
        wanted.deps.sort();
        let stored = read_definition(client, flow_slug)?
            .and_then(|flow| flow.steps.into_iter().find(|stored| stored.slug == wanted.slug))
            .ok_or_else(|| PgflowError::Internal(format!("{subject} was found but could not be read")))?;
        let changes = shape::step_changes(&stored, &wanted);
        if !changes.is_empty() {
            return Err(PgflowError::DefinedDifferently { subject, differences: changes });
        }
        return Ok(existing);
    }

    let StepDefinition { slug, step_type, deps, options, failure, condition, fanout_path, subflow } = step;
    let (fanout_path, subflow) = (fanout_path.as_deref(), subflow.as_deref());
    let dep_args: [DatumWithOid; 2] = [flow_slug.into(), deps.clone().into()];
    let Some(missing) = plans::row(client, &plans::MISSING_DEPS, &dep_args)? else {
        return Err(PgflowError::Internal(format!("{subject}: its dependencies could not be checked")));
    };
    if let Some(dep_slug) = missing.slug {
        return Err(PgflowError::UnknownDependency { subject, dep_slug });
    }
    if let (StepType::Fanout, Some(dep_slug)) = (step_type, missing.summary_dep) {
        return Err(PgflowError::InvalidArgument(format!(
            "{subject} cannot fan out over step '{dep_slug}', whose output is a summary (aggregate false); read its items with read_results"
        )));
    }

    let int = |value: Option<i32>| optional(value, INT4OID);
    let pattern = |value: Option<Value>| optional(value.map(JsonB), JSONBOID);
    if let Some(subflow) = subflow {
        check_subflow(client, &subject, flow_slug, subflow, step_type, &options)?;
    }
    let args: [DatumWithOid; 21] = [
        flow_slug.into(),
        slug.as_str().into(),
        deps.into(),
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
        pattern(condition.required),
        pattern(condition.forbidden),
        condition.when_unmet.as_str().into(),
        optional(fanout_path, TEXTOID),
        int(options.max_concurrency),
        int(options.batch_size),
        optional(subflow, TEXTOID),
    ];
    plans::row(client, &plans::INSERT_STEP, &args)?
        .map(|inserted| inserted.s)
        .ok_or_else(|| PgflowError::Internal(format!("{subject} was not inserted")))
}

/// A sub-flow fan-out: over a flow that exists, that does not lead back to this one, and
/// without a cap or batches (its tasks are held by child runs, not claimed).
fn check_subflow(
    client: &mut SpiClient<'_>,
    subject: &str,
    flow_slug: &str,
    subflow: &str,
    step_type: StepType,
    options: &StepOptions,
) -> Result<()> {
    let refuse = |message: String| Err(PgflowError::InvalidArgument(format!("{subject}: {message}")));
    if step_type != StepType::Fanout {
        return refuse("subflow needs a fan-out step (each item becomes a run of the sub-flow)".into());
    }
    if options.max_concurrency.is_some() || options.batch_size.is_some() {
        return refuse("a sub-flow fan-out takes neither max_concurrency nor batch_size".into());
    }
    if plans::row(client, &plans::FIND_FLOW, &[subflow.into()])?.is_none() {
        return Err(PgflowError::UnknownSubflow { subject: subject.to_string(), flow_slug: subflow.to_string() });
    }
    let args: [DatumWithOid; 2] = [flow_slug.into(), subflow.into()];
    if let Some(cycle) = plans::row(client, &plans::SUBFLOW_CYCLE, &args)?.map(|found| found.cycle) {
        return refuse(format!("sub-flow '{subflow}' would make a cycle of flows: {cycle}"));
    }
    Ok(())
}

/// The stored definition of a flow, or None when there is no such flow.
pub fn read_definition(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<Option<FlowDefinition>> {
    let mut definition: Option<FlowDefinition> = None;
    for row in plans::rows(client, &plans::FLOW_DEFINITION, &[flow_slug.into()])? {
        let flow = match &mut definition {
            Some(flow) => flow,
            None => definition.insert(FlowDefinition {
                options: FlowOptions {
                    max_attempts: row.flow_max_attempts,
                    base_delay: row.flow_base_delay,
                    timeout: row.flow_timeout,
                    run_timeout: row.flow_run_timeout,
                    max_delay: row.flow_max_delay,
                    max_concurrency: row.flow_max_concurrency,
                },
                steps: Vec::new(),
            }),
        };
        // A flow without steps has one row, its step columns NULL (the left join); a step's row
        // has every column its table does not leave NULL.
        let Some(slug) = row.step_slug else { continue };
        let present = |value: Option<String>, column: &str| {
            value.ok_or_else(|| PgflowError::Internal(format!("step '{slug}' of flow '{flow_slug}' has no {column}")))
        };
        let step_type = StepType::parse(&present(row.step_type, "step_type")?, flow_slug, &slug)?;
        let fanout_policy = present(row.fanout_policy, "fanout_policy")?;
        let when_exhausted = present(row.when_exhausted, "when_exhausted")?;
        let when_unmet = present(row.when_unmet, "when_unmet")?;
        let aggregate = row
            .aggregate
            .ok_or_else(|| PgflowError::Internal(format!("step '{slug}' of flow '{flow_slug}' has no aggregate")))?;
        flow.steps.push(StepDefinition {
            step_type,
            deps: row.deps,
            options: StepOptions {
                max_attempts: row.opt_max_attempts,
                base_delay: row.opt_base_delay,
                timeout: row.opt_timeout,
                start_delay: row.opt_start_delay,
                fanout_timeout: row.opt_fanout_timeout,
                max_delay: row.opt_max_delay,
                max_concurrency: row.max_concurrency,
                batch_size: row.batch_size,
            },
            failure: FailureOptions {
                fanout_policy,
                success_threshold: row.success_threshold,
                when_exhausted,
                aggregate,
            },
            fanout_path: row.fanout_path,
            subflow: row.subflow,
            condition: Condition {
                required: row.required_input_pattern.map(|p| p.0),
                forbidden: row.forbidden_input_pattern.map(|p| p.0),
                when_unmet,
            },
            slug,
        });
    }
    Ok(definition)
}

/// `pgflow.flow_shape`: the stored definition as a shape.
pub fn flow_shape(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<serde_json::Value> {
    let stored = read_definition(client, flow_slug)?.ok_or_else(|| PgflowError::UnknownFlow(flow_slug.to_string()))?;
    Ok(shape::to_shape(&stored))
}

fn outcome(status: &str, differences: &[String]) -> serde_json::Value {
    serde_json::json!({ "status": status, "differences": differences })
}

/// `pgflow.compare_flow_shape`: "verified", "mismatch" with the differences, or "missing";
/// changes nothing.
pub fn compare_flow_shape(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    shape: &serde_json::Value,
) -> Result<serde_json::Value> {
    validate::slug("flow", flow_slug)?;
    let wanted = shape::from_shape(flow_slug, shape)?;
    Ok(match read_definition(client, flow_slug)? {
        None => outcome("missing", &[]),
        Some(stored) => {
            let differences = shape::differences(&stored, &wanted);
            outcome(if differences.is_empty() { "verified" } else { "mismatch" }, &differences)
        }
    })
}

/// `pgflow.ensure_flow_compiled`: creates a missing flow from the shape ("compiled"), verifies an
/// equal one ("verified"), and reports a different one ("mismatch", nothing changed) unless
/// `allow_replace` and the flow has no unfinished run, when it is deleted with its finished runs
/// and created again ("replaced"). Calls for one slug run one after another.
pub fn ensure_flow_compiled(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    shape: &serde_json::Value,
    allow_replace: bool,
) -> Result<serde_json::Value> {
    validate::slug("flow", flow_slug)?;
    let wanted = shape::from_shape(flow_slug, shape)?;
    plans::run(client, &plans::LOCK_FLOW_SLUG, &[flow_slug.into()])?;
    let Some(stored) = read_definition(client, flow_slug)? else {
        create_from_definition(client, flow_slug, wanted)?;
        return Ok(outcome("compiled", &[]));
    };
    let differences = shape::differences(&stored, &wanted);
    if differences.is_empty() {
        return Ok(outcome("verified", &[]));
    }
    if !allow_replace {
        return Ok(outcome("mismatch", &differences));
    }
    citus::one_connection_per_node(client, |client| {
        if machine::delete_flow(client, flow_slug)? > 0 {
            return Ok(outcome("mismatch", &differences));
        }
        create_from_definition(client, flow_slug, wanted)?;
        Ok(outcome("replaced", &differences))
    })
}

/// `pgflow._compare_flow_shapes` (pgflow's): the differences between two shapes, as
/// ensure_flow_compiled names them (the database's shape is the stored side).
pub fn compare_shapes(local: &Value, database: &Value) -> Result<Vec<String>> {
    let wanted = shape::from_shape("(local)", local)?;
    let stored = shape::from_shape("(database)", database)?;
    Ok(shape::differences(&stored, &wanted))
}

/// `pgflow._create_flow_from_shape` (pgflow's): creates a flow from a shape, as
/// ensure_flow_compiled does for a missing one (an existing equal flow is left as it is; a
/// different one is refused, naming the differences).
pub fn create_flow_from_shape(client: &mut SpiClient<'_>, flow_slug: &str, shape: &Value) -> Result<()> {
    validate::slug("flow", flow_slug)?;
    let wanted = shape::from_shape(flow_slug, shape)?;
    create_from_definition(client, flow_slug, wanted)
}

fn create_from_definition(client: &mut SpiClient<'_>, flow_slug: &str, definition: FlowDefinition) -> Result<()> {
    create_flow(client, flow_slug, definition.options)?;
    for step in definition.steps {
        add_step(client, flow_slug, step)?;
    }
    Ok(())
}

/// `pgflow.delete_flow_and_data` (pgflow's): cancels the flow's unfinished runs, then deletes it
/// with all its runs, as delete_flow does. Like pgflow's, meant for development: what the
/// cancelled runs were doing is lost. A flow another flow uses as its sub-flow is refused.
pub fn delete_flow_and_data(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<()> {
    validate::slug("flow", flow_slug)?;
    citus::one_connection_per_node(client, |client| machine::delete_flow_and_data(client, flow_slug))
}

/// `pgflow.delete_flow`: removes a flow with its steps, finished runs and their tasks; refused
/// while a run of it is unfinished.
pub fn delete_flow(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<()> {
    validate::slug("flow", flow_slug)?;
    let unfinished = citus::one_connection_per_node(client, |client| machine::delete_flow(client, flow_slug))?;
    if unfinished > 0 {
        return Err(PgflowError::WrongState(format!(
            "flow '{flow_slug}' has {unfinished} unfinished run(s); cancel them or let them finish before deleting it"
        )));
    }
    Ok(())
}
