-- args: run_id uuid, step_slug text, error_message text
-- returns: cancelled integer
-- $1 run_id, $2 step_slug, $3 the reason each cancelled task records (NULL: none). Cancels the
-- step's tasks still queued or running; the caller holds the run's lock, so only a claim can be
-- holding one of them, and that is waited for. Returns how many items it cancelled (a batch's
-- items all count).
with cancelled as (
  update pgflow.step_tasks t
  set status = 'cancelled', error_message = coalesce($3, t.error_message),
      result_seq = nextval('pgflow.step_tasks_result_seq')
  where t.run_id = $1 and t.step_slug = $2 and t.status in ('queued', 'started')
  returning case when t.first_index is null then 1 else jsonb_array_length(t.item) end as items
)
select coalesce(sum(c.items), 0)::int as cancelled from cancelled c
