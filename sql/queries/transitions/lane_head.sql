-- args: flow_slug text, step_slug text, priority integer
-- returns: visible_at timestamp with time zone null
-- $1 flow_slug and $2 step_slug of a fan-out step about to be spawned without a start delay
-- (spawn_fanout_tasks.sql), $3 its run's priority: with the step, the lane its tasks join. The
-- time of the lane's oldest queued task, the oldest of its 16 shards' heads (NULL: none queued).
-- A lane is the flow's, not a run's: on Citus the engine runs this on each shard of the run's node
-- when the call runs there (machine::lane_head), and from another node reads every node's shards.
select min(h.visible_at) as visible_at
from (pgflow_lane_shard_head($1, $2, $3, 0) union all pgflow_lane_shard_head($1, $2, $3, 1)
      union all pgflow_lane_shard_head($1, $2, $3, 2) union all pgflow_lane_shard_head($1, $2, $3, 3)
      union all pgflow_lane_shard_head($1, $2, $3, 4) union all pgflow_lane_shard_head($1, $2, $3, 5)
      union all pgflow_lane_shard_head($1, $2, $3, 6) union all pgflow_lane_shard_head($1, $2, $3, 7)
      union all pgflow_lane_shard_head($1, $2, $3, 8) union all pgflow_lane_shard_head($1, $2, $3, 9)
      union all pgflow_lane_shard_head($1, $2, $3, 10) union all pgflow_lane_shard_head($1, $2, $3, 11)
      union all pgflow_lane_shard_head($1, $2, $3, 12) union all pgflow_lane_shard_head($1, $2, $3, 13)
      union all pgflow_lane_shard_head($1, $2, $3, 14) union all pgflow_lane_shard_head($1, $2, $3, 15)) h
