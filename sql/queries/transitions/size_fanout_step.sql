-- args: run_id uuid, step_slug text, item_count integer
-- returns: none
-- $1 run_id, $2 step_slug: a fan-out step just spawned, whose counters count its $3 items
-- (whatever its tasks hold: batches count their items).
update pgflow.step_states
set initial_tasks = $3, remaining_tasks = $3
where run_id = $1 and step_slug = $2
