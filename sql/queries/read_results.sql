-- $1 run_id, $2 step_slug, $3 after this result_seq, $4 at most this many rows. The step's tasks
-- that reached a terminal state, in the order they did, after the cursor. A batch's items come
-- together, one row each (its item index, its own output), under the batch's seq: a page holds at
-- most $4 tasks, and a cursor stops between batches, never inside one.
-- A step's result_seq grows in the order its changes commit (each is taken under a lock that
-- orders them: the step's row for answers, the run's lock held exclusively for failures and
-- cancellations), so a reader that has seen seq s has already seen every smaller one of the step:
-- a cursor never skips a result that commits later. The page is read from step_tasks_results_idx,
-- so it costs the same wherever the cursor is.
select t.result_seq as seq, coalesce(t.first_index + i.ord - 1, t.task_index)::int as task_index, t.status,
       case when t.first_index is null then t.output else t.output -> (i.ord - 1)::int end as output,
       t.error_message
from (select t.* from pgflow.step_tasks t
       where t.run_id = $1 and t.step_slug = $2 and t.result_seq > $3
       order by t.result_seq
       limit $4) t
cross join lateral generate_series(1, case when t.first_index is null then 1 else jsonb_array_length(t.item) end)
  as i (ord)
order by t.result_seq, i.ord
