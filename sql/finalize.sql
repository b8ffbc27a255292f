-- Generic plans for every query the engine keeps: all of them are key lookups whose best plan
-- does not depend on the values, and a custom plan would be re-planned on every call (the plan
-- cache keeps choosing custom plans for array parameters), which costs more than running them.
alter function pgflow.create_flow set plan_cache_mode = force_generic_plan;
alter function pgflow.add_step set plan_cache_mode = force_generic_plan;
alter function pgflow.start_flow set plan_cache_mode = force_generic_plan;
alter function pgflow.start_ready_steps set plan_cache_mode = force_generic_plan;
alter function pgflow.spawn_fanout_tasks set plan_cache_mode = force_generic_plan;
alter function pgflow.poll_for_tasks set plan_cache_mode = force_generic_plan;
alter function pgflow.complete_task set plan_cache_mode = force_generic_plan;
alter function pgflow.complete_tasks set plan_cache_mode = force_generic_plan;
alter function pgflow.fail_task set plan_cache_mode = force_generic_plan;
alter function pgflow.fail_tasks set plan_cache_mode = force_generic_plan;
