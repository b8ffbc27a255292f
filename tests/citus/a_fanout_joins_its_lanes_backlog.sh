#!/usr/bin/env bash
# Fairness in the Citus mode: a fan-out spawned without a start delay joins its lane at the time of
# the lane's oldest queued task, as on one node (spawn_fanout_tasks.sql). Spawned on the node that
# holds its run, the lane is that node's (its shards, where its tasks are claimed among that
# backlog); spawned from another node, the lane over every node.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
fresh_citus_database pgflow_lane_head
q "select pgflow.distribute()" >/dev/null
q "select pgflow.create_flow('lane'); select pgflow.add_step('lane', 'work', step_type => 'fanout')" >/dev/null
# A run id whose shard is on NODE.
id_on() {
  local port id
  port=$(scripts/citus.sh port "$1")
  while :; do
    id=$(q "select gen_random_uuid()")
    [ "$(q "select n.nodeport from pg_dist_placement p join pg_dist_node n on n.groupid = p.groupid
             where p.shardid = get_shard_id_for_distribution_column('pgflow.runs', '$id'::uuid)")" = "$port" ] \
      && { echo "$id"; return; }
  done
}
queued_at() { q "select min(visible_at) from pgflow.step_tasks where run_id = '$1'"; }

# The backlog: 50 items of a run on worker1, started there.
backlog=$(id_on worker1)
q_on worker1 "select pgflow.start_flow('lane', (select jsonb_agg(i) from generate_series(1, 50) i), '$backlog')" >/dev/null
backlog_at=$(queued_at "$backlog")
sleep 0.2

joined=$(id_on worker1)
q_on worker1 "select pgflow.start_flow('lane', '[1, 2, 3]', '$joined')" >/dev/null
[ "$(queued_at "$joined")" = "$backlog_at" ] ||
  fail "a run started on its node (worker1) queued at $(queued_at "$joined"), not at its lane's backlog ($backlog_at)"
echo "ok - a fan-out spawned on its run's node joins that node's backlog of its lane"

alone=$(id_on worker2)
q_on worker2 "select pgflow.start_flow('lane', '[1, 2, 3]', '$alone')" >/dev/null
[ "$(q "select min(visible_at) > '$backlog_at' from pgflow.step_tasks where run_id = '$alone'")" = t ] ||
  fail "a run started on worker2, where its lane has no backlog, queued at $(queued_at "$alone"), not at its own start"
echo "ok - on a node where its lane has no backlog, a fan-out queues at its own start"

from_coordinator=$(q "select run_id from pgflow.start_flow('lane', '[1, 2, 3]')")
[ "$(queued_at "$from_coordinator")" = "$backlog_at" ] ||
  fail "a run started from the coordinator queued at $(queued_at "$from_coordinator"), not at the lane's oldest task ($backlog_at)"
echo "ok - a fan-out spawned from another node joins its lane's oldest task over every node"
