use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{AnyNumeric, JsonB};

use crate::engine::definition;
use crate::engine::shape::{Condition, FailureOptions, FlowOptions, StepDefinition, StepOptions, StepType};
use crate::error::required;
use crate::validate;

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn create_flow(
    flow_slug: Option<String>,
    max_attempts: default!(Option<i32>, "NULL"),
    base_delay: default!(Option<i32>, "NULL"),
    timeout: default!(Option<i32>, "NULL"),
    run_timeout: default!(Option<i32>, "NULL"),
    max_delay: default!(Option<i32>, "NULL"),
    max_concurrency: default!(Option<i32>, "NULL"),
) -> Result<pgrx::composite_type!('static, "flows"), ErrorReport> {
    let flow_slug = required(flow_slug, "create_flow", "flow_slug")?;
    // As in pgflow, an option passed as NULL takes its default (the defaults live in FlowOptions).
    let options = FlowOptions {
        max_attempts: max_attempts.unwrap_or(FlowOptions::DEFAULT_MAX_ATTEMPTS),
        base_delay: base_delay.unwrap_or(FlowOptions::DEFAULT_BASE_DELAY),
        timeout: timeout.unwrap_or(FlowOptions::DEFAULT_TIMEOUT),
        run_timeout,
        max_delay: max_delay.unwrap_or(FlowOptions::DEFAULT_MAX_DELAY),
        max_concurrency,
    };
    Ok(Spi::connect_mut(|client| definition::create_flow(client, &flow_slug, options))?)
}

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
#[allow(clippy::too_many_arguments)]
fn add_step(
    flow_slug: Option<String>,
    step_slug: Option<String>,
    deps_slugs: default!(Option<Vec<Option<String>>>, "'{}'"),
    max_attempts: default!(Option<i32>, "NULL"),
    base_delay: default!(Option<i32>, "NULL"),
    timeout: default!(Option<i32>, "NULL"),
    start_delay: default!(Option<i32>, "NULL"),
    step_type: default!(Option<String>, "'single'"),
    fanout_policy: default!(Option<String>, "'fail_fast'"),
    success_threshold: default!(Option<AnyNumeric>, "NULL"),
    when_exhausted: default!(Option<String>, "'fail'"),
    fanout_timeout: default!(Option<i32>, "NULL"),
    max_delay: default!(Option<i32>, "NULL"),
    aggregate: default!(Option<bool>, true),
    required_input_pattern: default!(Option<JsonB>, "NULL"),
    forbidden_input_pattern: default!(Option<JsonB>, "NULL"),
    when_unmet: default!(Option<String>, "'skip'"),
    fanout_path: default!(Option<String>, "NULL"),
    max_concurrency: default!(Option<i32>, "NULL"),
    batch_size: default!(Option<i32>, "NULL"),
    subflow: default!(Option<String>, "NULL"),
) -> Result<pgrx::composite_type!('static, "steps"), ErrorReport> {
    const F: &str = "add_step";
    let flow_slug = required(flow_slug, F, "flow_slug")?;
    let step_slug = required(step_slug, F, "step_slug")?;
    // As in pgflow, an argument passed as NULL takes its default: no dependencies, a single step,
    // and the failure and condition defaults of FailureOptions and Condition.
    let deps = deps_slugs
        .unwrap_or_default()
        .into_iter()
        .map(|dep| required(dep, F, "every element of deps_slugs"))
        .collect::<Result<Vec<String>, _>>()?;
    // The slugs first, as the step's check would: a bad slug is named before a bad step_type.
    validate::slug("flow", &flow_slug)?;
    validate::slug("step", &step_slug)?;
    let step_type = StepType::parse(step_type.as_deref().unwrap_or(StepType::Single.as_str()), &flow_slug, &step_slug)?;
    let options = StepOptions {
        max_attempts,
        base_delay,
        timeout,
        start_delay,
        fanout_timeout,
        max_delay,
        max_concurrency,
        batch_size,
    };
    let failure = FailureOptions {
        fanout_policy: fanout_policy.unwrap_or_else(|| FailureOptions::DEFAULT_FANOUT_POLICY.into()),
        success_threshold,
        when_exhausted: when_exhausted.unwrap_or_else(|| FailureOptions::DEFAULT_WHEN_EXHAUSTED.into()),
        aggregate: aggregate.unwrap_or(FailureOptions::DEFAULT_AGGREGATE),
    };
    let condition = Condition {
        required: required_input_pattern.map(|p| p.0),
        forbidden: forbidden_input_pattern.map(|p| p.0),
        when_unmet: when_unmet.unwrap_or_else(|| Condition::DEFAULT_WHEN_UNMET.into()),
    };
    let step = StepDefinition { slug: step_slug, step_type, deps, options, failure, condition, fanout_path, subflow };
    Ok(Spi::connect_mut(|client| definition::add_step(client, &flow_slug, step))?)
}

/// The stored definition of a flow in pgflow's FlowShape format, with this engine's options.
// SECURITY DEFINER for pgflow_worker, which has no table privileges: a worker compares its flow
// with the database's at start. It reads only the named flow's definition.
#[pg_extern(stable, parallel_safe, security_definer)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn flow_shape(flow_slug: Option<String>) -> Result<JsonB, ErrorReport> {
    let flow_slug = required(flow_slug, "flow_shape", "flow_slug")?;
    Ok(JsonB(Spi::connect_mut(|client| definition::flow_shape(client, &flow_slug))?))
}

/// `{"status": "verified" | "mismatch" | "missing", "differences": [...]}`: how the stored flow
/// differs from a shape. Changes nothing.
// SECURITY DEFINER for pgflow_worker, as flow_shape.
#[pg_extern(stable, parallel_safe, security_definer)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn compare_flow_shape(flow_slug: Option<String>, shape: Option<JsonB>) -> Result<JsonB, ErrorReport> {
    let flow_slug = required(flow_slug, "compare_flow_shape", "flow_slug")?;
    let shape = required(shape, "compare_flow_shape", "shape")?;
    Ok(JsonB(Spi::connect_mut(|client| definition::compare_flow_shape(client, &flow_slug, &shape.0))?))
}

/// Creates a missing flow from a shape, verifies an equal one, and reports a different one
/// (replacing it only with `allow_replace` and no unfinished run):
/// `{"status": "compiled" | "verified" | "replaced" | "mismatch", "differences": [...]}`.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn ensure_flow_compiled(
    flow_slug: Option<String>,
    shape: Option<JsonB>,
    allow_replace: default!(Option<bool>, false),
) -> Result<JsonB, ErrorReport> {
    const F: &str = "ensure_flow_compiled";
    let flow_slug = required(flow_slug, F, "flow_slug")?;
    let shape = required(shape, F, "shape")?;
    let allow_replace = allow_replace.unwrap_or(false);
    Ok(JsonB(Spi::connect_mut(|client| definition::ensure_flow_compiled(client, &flow_slug, &shape.0, allow_replace))?))
}

/// Removes a flow with its steps and its finished runs; refused (55000) while a run is unfinished.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn delete_flow(flow_slug: Option<String>) -> Result<(), ErrorReport> {
    let flow_slug = required(flow_slug, "delete_flow", "flow_slug")?;
    Ok(Spi::connect_mut(|client| definition::delete_flow(client, &flow_slug))?)
}

/// Removes a flow with everything of it, cancelling its unfinished runs first (pgflow's name and
/// meaning; delete_flow refuses while a run is unfinished instead).
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn delete_flow_and_data(flow_slug: Option<String>) -> Result<(), ErrorReport> {
    let flow_slug = required(flow_slug, "delete_flow_and_data", "flow_slug")?;
    Ok(Spi::connect_mut(|client| definition::delete_flow_and_data(client, &flow_slug))?)
}

/// Whether a text is a valid flow or step slug (pgflow's; NULL is not).
#[pg_extern(immutable, parallel_safe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn is_valid_slug(slug: Option<String>) -> bool {
    slug.is_some_and(|slug| validate::slug_problem(&slug).is_none())
}

/// pgflow's name for flow_shape.
#[pg_extern(stable, parallel_safe, name = "_get_flow_shape")]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn get_flow_shape_as_pgflow(p_flow_slug: Option<String>) -> Result<JsonB, ErrorReport> {
    let flow_slug = required(p_flow_slug, "_get_flow_shape", "p_flow_slug")?;
    Ok(JsonB(Spi::connect_mut(|client| definition::flow_shape(client, &flow_slug))?))
}

/// pgflow's: the differences between a local shape and the database's, empty when they agree.
#[pg_extern(immutable, parallel_safe, name = "_compare_flow_shapes")]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn compare_flow_shapes_as_pgflow(p_local: Option<JsonB>, p_db: Option<JsonB>) -> Result<Vec<String>, ErrorReport> {
    let local = required(p_local, "_compare_flow_shapes", "p_local")?;
    let database = required(p_db, "_compare_flow_shapes", "p_db")?;
    Ok(definition::compare_shapes(&local.0, &database.0)?)
}

/// pgflow's: creates a flow from a shape.
#[pg_extern(volatile, parallel_unsafe, name = "_create_flow_from_shape")]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn create_flow_from_shape_as_pgflow(p_flow_slug: Option<String>, p_shape: Option<JsonB>) -> Result<(), ErrorReport> {
    let flow_slug = required(p_flow_slug, "_create_flow_from_shape", "p_flow_slug")?;
    let shape = required(p_shape, "_create_flow_from_shape", "p_shape")?;
    Ok(Spi::connect_mut(|client| definition::create_flow_from_shape(client, &flow_slug, &shape.0))?)
}
