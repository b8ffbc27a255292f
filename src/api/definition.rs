use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::AnyNumeric;

use crate::engine::definition::{self, FailureOptions, FlowOptions, StepOptions};
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
) -> Result<pgrx::composite_type!('static, "flows"), ErrorReport> {
    const F: &str = "create_flow";
    let flow_slug = required(flow_slug, F, "flow_slug")?;
    let options = FlowOptions {
        max_attempts: required(max_attempts, F, "max_attempts")?,
        base_delay: required(base_delay, F, "base_delay")?,
        timeout: required(timeout, F, "timeout")?,
        run_timeout,
        max_delay: required(max_delay, F, "max_delay")?,
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
) -> Result<pgrx::composite_type!('static, "steps"), ErrorReport> {
    const F: &str = "add_step";
    let flow_slug = required(flow_slug, F, "flow_slug")?;
    let step_slug = required(step_slug, F, "step_slug")?;
    let deps = required(deps_slugs, F, "deps_slugs")?
        .into_iter()
        .map(|dep| required(dep, F, "every element of deps_slugs"))
        .collect::<Result<Vec<String>, _>>()?;
    let step_type = required(step_type, F, "step_type")?;
    let options = StepOptions { max_attempts, base_delay, timeout, start_delay, fanout_timeout, max_delay };
    let failure = FailureOptions {
        fanout_policy: required(fanout_policy, F, "fanout_policy")?,
        success_threshold,
        when_exhausted: required(when_exhausted, F, "when_exhausted")?,
        aggregate: required(aggregate, F, "aggregate")?,
    };
    Ok(Spi::connect_mut(|client| {
        definition::add_step(client, &flow_slug, &step_slug, &deps, options, failure, &step_type)
    })?)
}
