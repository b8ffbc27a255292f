-- args: run_id uuid
-- returns: step_slug text
-- $1 run_id. The run's started steps that have tasks, in key order: repair_run hands each to the
-- failure policy, which finishes or fails it if its tasks say so.
select ss.step_slug from pgflow.step_states ss
where ss.run_id = $1 and ss.status = 'started' and ss.initial_tasks is not null
order by ss.step_slug
