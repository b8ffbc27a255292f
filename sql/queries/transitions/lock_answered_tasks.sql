-- args: run_ids uuid[], step_slugs text[], task_indexes integer[], worker_id uuid, one_run uuid
-- returns: locked integer null
-- $1 run_ids, $2 step_slugs, $3 task_indexes (parallel arrays, as complete_tasks.sql takes them),
-- $4 worker_id. complete_tasks_and_poll's first statement: takes the locks complete_tasks.sql
-- takes first, each run tree's lock shared and then each answered task, in key order, and writes
-- nothing. Its claim comes next, and complete_tasks.sql last, so that the parts and steps' rows
-- the answers count on are held only from that last statement to the commit: under many workers
-- they were held through the claim as well, and the answers of one step ran one at a time. Returns how many tasks it locked.
select count(*)::int as locked
from (select distinct a.run_id, a.step_slug, a.task_index
        from unnest($1::uuid[], $2::text[], $3::int[]) as a (run_id, step_slug, task_index)
       where (select count(pgflow_run_tree_lock_shared(k.root_run_id))
                from (select distinct r.root_run_id from pgflow.runs r
                       where r.run_id = any ($1::uuid[]) and pgflow_in_run(r.run_id, $5) order by 1) k) >= 0
       order by 1, 2, 3) a
cross join lateral (
  select 1
  from pgflow.step_tasks t
  where t.run_id = a.run_id and t.step_slug = a.step_slug and t.task_index = a.task_index
    and t.status is not distinct from 'started' and ($4::uuid is null or t.worker_id = $4)
    and pgflow_in_run(t.run_id, $5)
  for update of t
) t
