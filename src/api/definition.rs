use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{AnyNumeric, JsonB};

use crate::engine::definition::{self, Condition, FailureOptions, FlowOptions, StepOptions};
use crate::error::required;

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn create_flow(
    flow_slug: Option<String>,
    max_attempts: default!(Option<i32>, 3),
    base_delay: default!(Option<i32>, 1),
    timeout: default!(Option<i32>, 60),
    run_timeout: default!(Option<i32>, "NULL"),
    max_delay: default!(Option<i32>, 300),
    max_concurrency: default!(Option<i32>, "NULL"),
) -> Result<pgrx::composite_type!('static, "flows"), ErrorReport> {
    const F: &str = "create_flow";
    let flow_slug = required(flow_slug, F, "flow_slug")?;
    let options = FlowOptions {
        max_attempts: required(max_attempts, F, "max_attempts")?,
        base_delay: required(base_delay, F, "base_delay")?,
        timeout: required(timeout, F, "timeout")?,
        run_timeout,
        max_delay: required(max_delay, F, "max_delay")?,
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
    let deps = required(deps_slugs, F, "deps_slugs")?
        .into_iter()
        .map(|dep| required(dep, F, "every element of deps_slugs"))
        .collect::<Result<Vec<String>, _>>()?;
    let step_type = required(step_type, F, "step_type")?;
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
        fanout_policy: required(fanout_policy, F, "fanout_policy")?,
        success_threshold,
        when_exhausted: required(when_exhausted, F, "when_exhausted")?,
        aggregate: required(aggregate, F, "aggregate")?,
    };
    let condition = Condition {
        required: required_input_pattern.map(|p| p.0),
        forbidden: forbidden_input_pattern.map(|p| p.0),
        when_unmet: required(when_unmet, F, "when_unmet")?,
    };
    Ok(Spi::connect_mut(|client| {
        definition::add_step(
            client,
            &flow_slug,
            &step_slug,
            &deps,
            options,
            failure,
            condition,
            fanout_path.as_deref(),
            subflow.as_deref(),
            &step_type,
        )
    })?)
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
    let allow_replace = required(allow_replace, F, "allow_replace")?;
    Ok(JsonB(Spi::connect_mut(|client| definition::ensure_flow_compiled(client, &flow_slug, &shape.0, allow_replace))?))
}

/// Removes a flow with its steps and its finished runs; refused (55000) while a run is unfinished.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn delete_flow(flow_slug: Option<String>) -> Result<(), ErrorReport> {
    let flow_slug = required(flow_slug, "delete_flow", "flow_slug")?;
    Ok(Spi::connect_mut(|client| definition::delete_flow(client, &flow_slug))?)
}
