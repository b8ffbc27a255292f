use pgrx::prelude::*;

use crate::engine::definition::{self, FlowOptions, StepOptions};
use crate::error::{required, OrRaise, Result};

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, @extschema@, pg_temp)]
fn create_flow(
    flow_slug: Option<String>,
    max_attempts: default!(Option<i32>, 3),
    base_delay: default!(Option<i32>, 1),
    timeout: default!(Option<i32>, 60),
) -> pgrx::composite_type!('static, "flows") {
    let call = || -> Result<_> {
        const F: &str = "create_flow";
        let flow_slug = required(flow_slug, F, "flow_slug")?;
        let options = FlowOptions {
            max_attempts: required(max_attempts, F, "max_attempts")?,
            base_delay: required(base_delay, F, "base_delay")?,
            timeout: required(timeout, F, "timeout")?,
        };
        Spi::connect_mut(|client| definition::create_flow(client, &flow_slug, options))
    };
    call().or_raise()
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
) -> pgrx::composite_type!('static, "steps") {
    let call = || -> Result<_> {
        const F: &str = "add_step";
        let flow_slug = required(flow_slug, F, "flow_slug")?;
        let step_slug = required(step_slug, F, "step_slug")?;
        let deps = required(deps_slugs, F, "deps_slugs")?
            .into_iter()
            .map(|dep| required(dep, F, "every element of deps_slugs"))
            .collect::<Result<Vec<String>>>()?;
        let step_type = required(step_type, F, "step_type")?;
        let options = StepOptions { max_attempts, base_delay, timeout, start_delay };
        Spi::connect_mut(|client| {
            definition::add_step(client, &flow_slug, &step_slug, &deps, options, &step_type)
        })
    };
    call().or_raise()
}
