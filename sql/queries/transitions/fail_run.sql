-- args: run_id uuid, error_message text, only_if_due boolean, now timestamp with time zone
-- returns: run_id uuid, parent_run_id uuid null, parent_step_slug text null,
--   parent_task_index integer null, flow_slug text
-- $1 run_id, $2 why it failed, $3 only if its run_timeout has passed (a deadline re-checked
-- under the run's lock), $4 the clock. Marks a started run failed; returns nothing when
-- it is not started any more (or not past its deadline), and the caller then changes nothing else;
-- for a child run, the task it works for; and its flow.
with failed as (
  update pgflow.runs r
  set status = 'failed', failed_at = $4, error_message = $2
  where r.run_id = $1 and r.status = 'started'
    -- In a subquery: Citus refuses a stable function (timestamp arithmetic) applied to a column
    -- of the row an UPDATE writes, and leaves a subquery's to the shard.
    and (not $3 or exists (select from pgflow.flows f
                            where f.flow_slug = r.flow_slug
                              and r.started_at <= $4 - make_interval(secs => f.opt_run_timeout)))
  returning r.run_id, r.flow_slug, r.parent_run_id, r.parent_step_slug, r.parent_task_index
)
select f.run_id, f.parent_run_id, f.parent_step_slug, f.parent_task_index, f.flow_slug from failed f
