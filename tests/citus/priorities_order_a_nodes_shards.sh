#!/usr/bin/env bash
# Priorities in the Citus mode: a claim on a node takes its shards highest priority first, so a
# task of a higher-priority run is claimed before the node's lower-priority backlog, whichever
# shard of the node holds it and whichever shard the claim would have started at.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
fresh_citus_database pgflow_priorities
q "select pgflow.distribute()" >/dev/null
q "select pgflow.create_flow('pri'); select pgflow.add_step('pri', 'only')" >/dev/null
# A backlog of priority 0 on both workers' shards.
start_runs pri '{}' 16
backlog=$(q_on worker1 "select count(*) from pgflow.step_tasks where status = 'queued'")
[ "$backlog" -ge 2 ] || fail "worker1 holds $backlog queued tasks"
node_of() {
  q "select n.nodeport from pg_dist_placement p join pg_dist_node n on n.groupid = p.groupid
      where p.shardid = get_shard_id_for_distribution_column('pgflow.runs', '$1'::uuid)"
}
for trial in 1 2 3 4 5; do
  # A run of priority 5 on worker1 (started until one lands there).
  while :; do
    urgent=$(q "select run_id from pgflow.start_flow('pri', '{}', priority => 5)")
    [ "$(node_of "$urgent")" = "$(scripts/citus.sh port worker1)" ] && break
    q "select pgflow.cancel_run('$urgent')" >/dev/null
  done
  claimed=$(q_on worker1 "select run_id from pgflow.poll_for_tasks('pri', 30, 1, 0)")
  [ "$claimed" = "$urgent" ] ||
    fail "trial $trial: worker1 claimed $claimed (priority $(q "select priority from pgflow.runs where run_id = '$claimed'")) before the priority 5 run $urgent"
done
echo "ok - five times, a priority 5 run's task is claimed on its node before the backlog of priority 0 ($backlog tasks over both nodes)"
