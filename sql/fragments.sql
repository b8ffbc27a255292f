-- Fragments the statements under sql/queries/ share, each written once here. A statement names
-- one as a function call, `pgflow_lane_key(q.flow_slug, q.step_slug)`; build.rs replaces the call
-- by the body below with {1}, {2}, ... the call's arguments, before the statement is compiled in.
-- The lines `name(parameters) = body`, each after a comment saying why it is so; a body goes on
-- over the indented lines below it (and holds no comment).

-- The first queued task of a lane (flow {1}, step {2}, priority {3}) in one shard {4} of the
-- queue (lane_head.sql): one probe of step_tasks_queued_idx, in its order.
pgflow_lane_shard_head(flow_slug, step_slug, priority, shard) = (select q.visible_at from pgflow.step_tasks q
   where pgflow_lane_key(q.flow_slug, q.step_slug) = pgflow_lane_key({1}, {2})
     and q.flow_slug = {1} and q.step_slug = {2} and q.status = 'queued' and q.priority = {3} and q.shard = {4}
   order by q.visible_at limit 1)

-- The head of a step's lanes (flow {1}, step {2}) at their highest queued priority: one probe of
-- step_tasks_queued_idx, in its order (claim_tasks.sql, top_priority.sql, stats.sql start their
-- walks of the lanes from it). Its step, priority, time and message id.
pgflow_lane_top(flow_slug, step_slug) = (select q.step_slug, q.priority, q.visible_at, q.message_id
   from pgflow.step_tasks q
   where pgflow_lane_key(q.flow_slug, q.step_slug) = pgflow_lane_key({1}, {2})
     and q.flow_slug = {1} and q.step_slug = {2} and q.status = 'queued'
   order by q.priority desc, q.shard, q.visible_at, q.task_index
   limit 1)

-- The input a task's handler gets (claim_tasks.sql hands it out, inspect_task.sql shows it), of a
-- task with item {1} and first_index {2}, of run {4} with input {3}, of step {6} of flow {5}: a
-- batch's items, a fan-out item, or the run's input with the outputs of the step's dependencies.
pgflow_task_input(item, first_index, run_input, run_id, flow_slug, step_slug) = case
    when {2} is not null then jsonb_build_object('items', {1}, 'first_index', {2})
    when {1} is not null then jsonb_build_object('item', {1})
    else jsonb_build_object('run', {3})
         || coalesce((select jsonb_object_agg(d.dep_slug, dep.output)
                        from pgflow.deps d
                        join pgflow.step_states dep on dep.run_id = {4} and dep.step_slug = d.dep_slug
                       where d.flow_slug = {5} and d.step_slug = {6}
                         and dep.status = 'completed'),
                     '{}'::jsonb)
  end

-- An error as failures are grouped by (failure_groups.sql, failed_items.sql): the message with the
-- ids in it (a sub-flow's failed child run names itself) put as '…', so that errors that differ
-- only in the run they name are one kind.
pgflow_error_kind(error_message) = regexp_replace({1}, '[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+', '…', 'g')

-- A step's lane of the queue: one 8-byte hash of 'flow_slug/step_slug' (slugs have no '/'), the
-- first key of step_tasks_queued_idx (sql/schema.sql, whose expression a test compares with this).
pgflow_lane_key(flow_slug, step_slug) = hashtextextended({1} || '/' || {2}, 0)

-- The run lock (docs/architecture.md, "Locks"): one advisory lock per run tree, keyed by the
-- tree's root run. Transitions that may cancel or reset others' tasks take it exclusively, in key
-- order (lock_runs.sql); answers take it shared.
pgflow_run_tree_lock(root_run_id) = pg_advisory_xact_lock(1885824620, hashtext({1}::text))
pgflow_run_tree_lock_shared(root_run_id) = pg_advisory_xact_lock_shared(1885824620, hashtext({1}::text))
pgflow_run_tree_try_lock(root_run_id) = pg_try_advisory_xact_lock(1885824620, hashtext({1}::text))

-- A waiter of wait_for_run, keyed by the first four bytes of its run id (src/engine/wait.rs).
pgflow_waiter_lock_shared(key) = pg_advisory_xact_lock_shared(1885824621, {1})

-- Calls of ensure_flow_compiled for one slug run one after another.
pgflow_flow_slug_lock(flow_slug) = pg_advisory_xact_lock(1885824622, hashtext({1}))

-- The capacity lock of a flow with max_concurrency: claims of the flow count its leases under it.
pgflow_flow_capacity_lock(flow_slug) = pg_advisory_xact_lock(1885824623, hashtext({1}))
pgflow_flow_capacity_try_lock(flow_slug) = pg_try_advisory_xact_lock(1885824623, hashtext({1}))

-- A run's items, which verify_run.sql checks the run against and repair_run.sql mends it from:
-- a task of one item as it is, a batch as one row per item (its index, its own output), so that
-- counts and outputs are the items' as the counters and finish_step.sql keep them. aggregated:
-- the step is a completed fan-out whose output is its items' outputs (or envelopes): only those
-- are aggregated (pgflow_item_counts). A fan-out's outputs may be past what one JSON value
-- holds, which failed the step (machine::finish_step), and must not fail the statement.
pgflow_run_items(run_id) = (
  select t.step_slug, t.status, t.error_message, t.attempts_count, t.shard as part,
         coalesce(t.first_index + i.ord - 1, t.task_index)::int as task_index,
         case when t.first_index is null then t.output else t.output -> (i.ord - 1)::int end as output,
         w.aggregated
  from pgflow.step_tasks t
  join (select ss.step_slug, ss.status = 'completed' and s.step_type = 'fanout' and s.aggregate as aggregated
          from pgflow.step_states ss
          join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
         where ss.run_id = {1}) w on w.step_slug = t.step_slug
  cross join lateral generate_series(1, case when t.first_index is null then 1 else jsonb_array_length(t.item) end)
    as i (ord)
  where t.run_id = {1})

-- What a step's items (rows of pgflow_run_items, named {1}) add up to: their counts by status, the
-- first output (a single step's), and a completed fan-out's output as finish_step.sql makes it,
-- outputs or envelopes.
pgflow_item_counts(items) = (
  select t.step_slug,
         count(*)::int as total,
         count(*) filter (where t.status = 'completed')::int as completed,
         count(*) filter (where t.status = 'failed')::int as failed,
         count(*) filter (where t.status in ('queued', 'started'))::int as live,
         max(t.task_index) as max_index,
         (array_agg(t.output) filter (where t.task_index = 0))[1] as first_output,
         coalesce(jsonb_agg(t.output order by t.task_index) filter (where t.aggregated), '[]') as outputs,
         coalesce(jsonb_agg(case when t.status = 'completed' then jsonb_build_object('ok', true, 'value', t.output)
                                 else jsonb_build_object('ok', false, 'error', t.error_message, 'attempts', t.attempts_count) end
                            order by t.task_index) filter (where t.aggregated), '[]') as envelopes
  from {1} t
  group by t.step_slug)

-- The Citus mode (citus/local_shards.sql): the name of the shard of run table {1} that holds the
-- hash range starting at {2} (colocated tables share ranges), and of the one shard of reference
-- table {1}, whose copy every node holds.
pgflow_colocated_shard(table_name, range_start) = (select pg_catalog.shard_name({1}::regclass, c.shardid)
   from pg_catalog.pg_dist_shard c where c.logicalrelid = {1}::regclass and c.shardminvalue = {2})
pgflow_reference_copy(table_name) = (select pg_catalog.shard_name({1}::regclass, c.shardid)
   from pg_catalog.pg_dist_shard c where c.logicalrelid = {1}::regclass)

-- A batch statement's table pinned to the one run of its answers ({2}: the Citus mode passes it,
-- grouping a batch by run, so that Citus routes the statement to that run's shard; NULL on one
-- node, where it filters nothing).
pgflow_in_run(run_id, one_run) = ({2}::uuid is null or {1} = {2}::uuid)
