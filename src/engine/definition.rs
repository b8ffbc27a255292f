//! Flow definitions: flows, their steps and the dependencies between steps.

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::BuiltinOid::{INT4OID, JSONBOID, NUMERICOID, TEXTOID};
use pgrx::spi::SpiClient;
use pgrx::{AnyNumeric, JsonB};
use serde_json::Value;

use super::machine;
use super::shape::{self, FlowDefinition, StepDefinition};
use super::Row;
use crate::error::{PgflowError, Result};
use crate::plans::{self, optional};
use crate::validate;

#[derive(Clone, Debug, PartialEq)]
pub struct FlowOptions {
    pub max_attempts: i32,
    pub base_delay: i32,
    pub timeout: i32,
    pub run_timeout: Option<i32>,
    pub max_delay: i32,
    /// At most this many tasks of the flow leased at a time, across its runs.
    pub max_concurrency: Option<i32>,
}

impl FlowOptions {
    /// pgflow's defaults (a NULL argument or a key missing from a shape takes them), and this
    /// engine's for its own options. The table defaults in sql/schema.sql are checked against
    /// these by a test (`defaults_match_the_schema`).
    pub const DEFAULT_MAX_ATTEMPTS: i32 = 3;
    pub const DEFAULT_BASE_DELAY: i32 = 5;
    pub const DEFAULT_TIMEOUT: i32 = 60;
    pub const DEFAULT_MAX_DELAY: i32 = 300;
}

/// Creates a flow, or returns it when it exists with the same options; one with other options is
/// refused, naming each difference.
pub fn create_flow(client: &mut SpiClient<'_>, flow_slug: &str, options: FlowOptions) -> Result<Row> {
    validate::slug("flow", flow_slug)?;
    let subject = format!("flow '{flow_slug}'");
    validate::definition_option(&subject, "max_attempts", Some(options.max_attempts))?;
    validate::definition_option(&subject, "base_delay", Some(options.base_delay))?;
    validate::definition_option(&subject, "timeout", Some(options.timeout))?;
    validate::definition_option(&subject, "run_timeout", options.run_timeout)?;
    validate::definition_option(&subject, "max_delay", Some(options.max_delay))?;
    validate::definition_option(&subject, "max_concurrency", options.max_concurrency)?;
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

#[derive(Clone, Debug, PartialEq)]
pub struct StepOptions {
    pub max_attempts: Option<i32>,
    pub base_delay: Option<i32>,
    pub timeout: Option<i32>,
    pub start_delay: Option<i32>,
    pub fanout_timeout: Option<i32>,
    pub max_delay: Option<i32>,
    /// A fan-out's cap: at most this many of its tasks of one run queued or leased at a time.
    pub max_concurrency: Option<i32>,
    /// A fan-out's items per task.
    pub batch_size: Option<i32>,
}

/// What a step does when its tasks fail: its fan-out policy and what its failure does to the run.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureOptions {
    pub fanout_policy: String,
    pub success_threshold: Option<AnyNumeric>,
    pub when_exhausted: String,
    /// false: a fan-out's output is a summary of counts, its items are read with read_results.
    pub aggregate: bool,
}

impl FailureOptions {
    pub const DEFAULT_FANOUT_POLICY: &'static str = "fail_fast";
    pub const DEFAULT_WHEN_EXHAUSTED: &'static str = "fail";

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
        if step_type == StepType::Single && self.fanout_policy != Self::DEFAULT_FANOUT_POLICY {
            return refuse(format!(
                "fanout_policy '{}' needs a fan-out step; a single step has one task",
                self.fanout_policy
            ));
        }
        match (&self.success_threshold, self.fanout_policy == "threshold") {
            (None, true) => return refuse("fanout_policy 'threshold' needs a success_threshold in (0, 1]".into()),
            (Some(_), false) => return refuse("success_threshold is only for fanout_policy 'threshold'".into()),
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
            other => refuse(format!("unknown when_exhausted {other:?} (expected 'fail', 'skip' or 'skip-cascade')")),
        }
    }
}

/// A condition on a step's input: it runs only if its input contains `required` and does not
/// contain `forbidden`; otherwise `when_unmet` says what happens, in the words of when_exhausted.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub required: Option<Value>,
    pub forbidden: Option<Value>,
    pub when_unmet: String,
}

impl Condition {
    pub const DEFAULT_WHEN_UNMET: &'static str = "skip";

    fn check(&self, subject: &str) -> Result<()> {
        for (name, pattern) in
            [("required_input_pattern", &self.required), ("forbidden_input_pattern", &self.forbidden)]
        {
            if let Some(pattern) = pattern.as_ref().filter(|p| !p.is_object()) {
                return Err(PgflowError::InvalidArgument(format!(
                    "{subject}: {name} must be a JSON object (matched with @>), got {pattern}"
                )));
            }
        }
        match self.when_unmet.as_str() {
            "skip" | "skip-cascade" | "fail" => Ok(()),
            other => Err(PgflowError::InvalidArgument(format!(
                "{subject}: unknown when_unmet {other:?} (expected 'skip', 'skip-cascade' or 'fail')"
            ))),
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn add_step(
    client: &mut SpiClient<'_>,
    flow_slug: &str,
    step_slug: &str,
    deps: &[String],
    options: StepOptions,
    failure: FailureOptions,
    condition: Condition,
    fanout_path: Option<&str>,
    subflow: Option<&str>,
    step_type: &str,
) -> Result<Row> {
    validate::slug("flow", flow_slug)?;
    validate::slug("step", step_slug)?;
    let step_type = StepType::parse(step_type, flow_slug, step_slug)?;
    let subject = format!("step '{step_slug}' of flow '{flow_slug}'");
    validate::definition_option(&subject, "max_attempts", options.max_attempts)?;
    validate::definition_option(&subject, "base_delay", options.base_delay)?;
    validate::definition_option(&subject, "timeout", options.timeout)?;
    validate::definition_option(&subject, "start_delay", options.start_delay)?;
    validate::definition_option(&subject, "fanout_timeout", options.fanout_timeout)?;
    validate::definition_option(&subject, "max_delay", options.max_delay)?;
    validate::definition_option(&subject, "max_concurrency", options.max_concurrency)?;
    validate::definition_option(&subject, "batch_size", options.batch_size)?;
    for (name, set) in
        [("max_concurrency", options.max_concurrency.is_some()), ("batch_size", options.batch_size.is_some())]
    {
        if set && step_type != StepType::Fanout {
            return Err(PgflowError::InvalidArgument(format!(
                "{subject}: {name} needs a fan-out step; a single step has one task"
            )));
        }
    }
    failure.check(&subject, step_type)?;
    condition.check(&subject)?;
    if let Some(path) = fanout_path {
        if step_type != StepType::Fanout {
            return Err(PgflowError::InvalidArgument(format!(
                "{subject}: fanout_path needs a fan-out step; a single step gets its input whole"
            )));
        }
        if path.split('.').any(str::is_empty) {
            return Err(PgflowError::InvalidArgument(format!(
                "{subject}: fanout_path {path:?} must be field names joined by dots, such as 'items' or 'page.rows'"
            )));
        }
    }

    if plans::row(client, &plans::FIND_FLOW, &[flow_slug.into()])?.is_none() {
        return Err(PgflowError::UnknownFlow(flow_slug.to_string()));
    }
    let key: [DatumWithOid; 2] = [flow_slug.into(), step_slug.into()];
    if let Some(existing) = plans::row(client, &plans::FIND_STEP, &key)?.map(|found| found.s) {
        let mut sorted = deps.to_vec();
        sorted.sort();
        let wanted = StepDefinition {
            slug: step_slug.to_string(),
            step_type,
            deps: sorted,
            options,
            failure,
            condition,
            fanout_path: fanout_path.map(str::to_string),
            subflow: subflow.map(str::to_string),
        };
        let stored = read_definition(client, flow_slug)?
            .and_then(|flow| flow.steps.into_iter().find(|step| step.slug == step_slug))
            .ok_or_else(|| PgflowError::Internal(format!("{subject} was found but could not be read")))?;
        let changes = shape::step_changes(&stored, &wanted);
        if !changes.is_empty() {
            return Err(PgflowError::DefinedDifferently { subject, differences: changes });
        }
        return Ok(existing);
    }

    for (i, dep) in deps.iter().enumerate() {
        if dep == step_slug {
            return Err(PgflowError::InvalidArgument(format!("{subject} cannot depend on itself")));
        }
        if deps[..i].contains(dep) {
            return Err(PgflowError::InvalidArgument(format!("{subject} lists dependency '{dep}' more than once")));
        }
    }
    if step_type == StepType::Fanout && deps.len() > 1 {
        return Err(PgflowError::InvalidArgument(format!(
            "{subject}: a fan-out step has at most one dependency, got {}",
            deps.len()
        )));
    }
    let dep_args: [DatumWithOid; 2] = [flow_slug.into(), deps.to_vec().into()];
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
    if !allow_replace || machine::delete_flow(client, flow_slug)? > 0 {
        return Ok(outcome("mismatch", &differences));
    }
    create_from_definition(client, flow_slug, wanted)?;
    Ok(outcome("replaced", &differences))
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
        add_step(
            client,
            flow_slug,
            &step.slug,
            &step.deps,
            step.options,
            step.failure,
            step.condition,
            step.fanout_path.as_deref(),
            step.subflow.as_deref(),
            step.step_type.as_str(),
        )?;
    }
    Ok(())
}

/// `pgflow.delete_flow_and_data` (pgflow's): cancels the flow's unfinished runs, then deletes it
/// with all its runs, as delete_flow does. Like pgflow's, meant for development: what the
/// cancelled runs were doing is lost. A flow another flow uses as its sub-flow is refused.
pub fn delete_flow_and_data(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<()> {
    validate::slug("flow", flow_slug)?;
    machine::delete_flow_and_data(client, flow_slug)
}

/// `pgflow.delete_flow`: removes a flow with its steps, finished runs and their tasks; refused
/// while a run of it is unfinished.
pub fn delete_flow(client: &mut SpiClient<'_>, flow_slug: &str) -> Result<()> {
    validate::slug("flow", flow_slug)?;
    let unfinished = machine::delete_flow(client, flow_slug)?;
    if unfinished > 0 {
        return Err(PgflowError::WrongState(format!(
            "flow '{flow_slug}' has {unfinished} unfinished run(s); cancel them or let them finish before deleting it"
        )));
    }
    Ok(())
}
