-- args: run_id uuid
-- returns: subject text, status text
-- $1 run_id. The run's status and each step's, as (subject, status): what repair_run compares
-- before and after moving the run on.
select 'run' as subject, r.status from pgflow.runs r where r.run_id = $1
union all
select format('step %s', ss.step_slug), ss.status from pgflow.step_states ss where ss.run_id = $1
