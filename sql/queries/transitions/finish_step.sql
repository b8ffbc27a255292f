-- args: run_id uuid, step_slug text, status text, why text, skip_reason text,
--   now timestamp with time zone
-- returns: remaining_steps integer, released_steps integer, flow_slug text
-- $1 run_id, $2 step_slug, $3 'completed' or 'skipped', $4 why it was skipped and $5 pgflow's
-- skip_reason ('condition_unmet' or 'handler_failed'), both NULL when completed; $6 the clock.
-- Ends a started step, releases its dependents (a skipped dependency counts as done: dependents
-- run without it) and counts the step off the run.
-- A completed step's output: a single step's task output; a fail_fast fan-out's task outputs as
-- one array in task_index order; under collect_all and threshold, one envelope per task in that
-- order, {"ok": true, "value": ...} or {"ok": false, "error": ..., "attempts": n}; a fan-out with
-- aggregate false, {"total": N, "completed": c, "failed": f} (its items stay in its tasks, for
-- read_results). A batched fan-out's outputs are its items' (one task's array spread in place), and
-- its envelopes one per item. A skipped step's output is NULL.
-- Returns the run's remaining steps, how many steps this released (now ready to start), and the
-- run's flow.
with ending as materialized (
  -- The step's row, locked, and its output, computed here rather than in the UPDATE: Citus
  -- refuses a function that is not immutable (jsonb_build_object) inside a CASE of an UPDATE.
  select ss.step_slug,
         case
           when $3 <> 'completed' then null
           when s.step_type = 'single' then
             (select t.output from pgflow.step_tasks t
               where t.run_id = $1 and t.step_slug = ss.step_slug and t.task_index = 0)
           when not s.aggregate then jsonb_build_object(
             'total', coalesce(ss.initial_tasks, 0),
             -- With the completions that wait in its parts (see step_parts in schema.sql), which a
             -- deadline under collect_all leaves there.
             'completed', ss.completed_tasks + (select coalesce(sum(p.completed) filter (where p.remaining > 0), 0)
                                                  from pgflow.step_parts p
                                                 where p.run_id = $1 and p.step_slug = ss.step_slug),
             'failed', ss.failed_tasks)
           -- verify_run and repair_run compute the same (with their per-step task counts) to check
           -- and set it. A shared SQL function was planned on every call and tripled the time of
           -- aggregating 100,000 outputs (111 ms -> 310 ms), and it would be public API.
           -- A batch's items: each completed task's outputs in order, or its error once per item.
           when s.batch_size is not null then coalesce(
             (select jsonb_agg(case when s.fanout_policy = 'fail_fast' then i.output
                                    when t.status = 'completed' then jsonb_build_object('ok', true, 'value', i.output)
                                    else jsonb_build_object('ok', false, 'error', t.error_message,
                                                            'attempts', t.attempts_count) end
                               order by t.task_index, i.ord)
                from pgflow.step_tasks t
                cross join lateral (
                  select t.output -> (g.ord - 1)::int as output, g.ord
                  from generate_series(1, jsonb_array_length(t.item)) as g (ord)) i
               where t.run_id = $1 and t.step_slug = ss.step_slug),
             '[]'::jsonb)
           when s.fanout_policy = 'fail_fast' then coalesce(
             (select jsonb_agg(t.output order by t.task_index)
                from pgflow.step_tasks t
               where t.run_id = $1 and t.step_slug = ss.step_slug),
             '[]'::jsonb)
           else coalesce(
             (select jsonb_agg(case when t.status = 'completed'
                                    then jsonb_build_object('ok', true, 'value', t.output)
                                    else jsonb_build_object('ok', false, 'error', t.error_message,
                                                            'attempts', t.attempts_count) end
                               order by t.task_index)
                from pgflow.step_tasks t
               where t.run_id = $1 and t.step_slug = ss.step_slug),
             '[]'::jsonb)
         end as output
  from pgflow.step_states ss
  join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  where ss.run_id = $1 and ss.step_slug = $2 and ss.status = 'started'
  for update of ss
), done as (
  update pgflow.step_states ss
  set status = $3,
      completed_at = case when $3 = 'completed' then $6 end,
      failed_at = case when $3 = 'skipped' then $6 end,
      skipped_at = case when $3 = 'skipped' then $6 end,
      skip_reason = $5,
      remaining_tasks = case when $3 = 'completed' then 0 else ss.remaining_tasks end,
      error_message = $4,
      output = e.output
  from ending e
  where ss.run_id = $1 and ss.step_slug = $2 and ss.status = 'started'
  returning ss.flow_slug, ss.status
), released as (
  update pgflow.step_states ss
  set remaining_deps = ss.remaining_deps - 1
  from done, pgflow.deps d
  where d.flow_slug = done.flow_slug and d.dep_slug = $2
    and ss.run_id = $1 and ss.step_slug = d.step_slug
  returning ss.remaining_deps, ss.status
), run as (
  update pgflow.runs r
  set remaining_steps = r.remaining_steps - 1
  from done
  where r.run_id = $1
  returning r.remaining_steps
)
select run.remaining_steps,
       (select count(*)::int from released where released.remaining_deps = 0 and released.status = 'created')
         as released_steps,
       (select done.flow_slug from done) as flow_slug
from run
