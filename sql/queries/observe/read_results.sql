-- args: run_id uuid, step_slug text, after_seq bigint, max_rows integer, horizon bigint
-- returns: seq bigint, task_index integer, status text, output jsonb null,
--   error_message text null
-- $1 run_id, $2 step_slug, $3 after this result_seq, $4 at most this many rows, $5 the horizon
-- (read_results_horizon.sql). The step's tasks that reached a terminal state, in the order they
-- did, after the cursor and up to the horizon. A batch's items come
-- together, one row each (its item index, its own output), under the batch's seq: a page holds at
-- most $4 tasks, and a cursor stops between batches, never inside one.
-- Every result_seq up to the horizon was committed or rolled back when it was read, and this
-- statement's snapshot comes after, so a reader that has seen seq s will not later see a smaller
-- one of the step appear: a cursor never skips a result. The page is read from
-- step_tasks_results_idx, so it costs the same wherever the cursor is.
select t.result_seq as seq, coalesce(t.first_index + i.ord - 1, t.task_index)::int as task_index, t.status,
       case when t.first_index is null then t.output else t.output -> (i.ord - 1)::int end as output,
       t.error_message
from (select t.* from pgflow.step_tasks t
       where t.run_id = $1 and t.step_slug = $2 and t.result_seq > $3 and t.result_seq <= $5
       order by t.result_seq
       limit $4) t
cross join lateral generate_series(1, case when t.first_index is null then 1 else jsonb_array_length(t.item) end)
  as i (ord)
order by t.result_seq, i.ord
