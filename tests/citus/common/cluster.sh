# Sourced by the Citus tests, from the repository root (scripts/test-citus.sh has started the
# nodes): q (one query on the coordinator's database $DB, unaligned), q_on NODE (the same on a
# worker's), fail, and fresh_citus_database NAME: a database of that name on every node with citus
# created, the workers registered with the coordinator (Citus keeps its nodes per database), and
# pgflow created on the coordinator, from where Citus creates it on the workers.
q() { (eval "$(scripts/citus.sh env)"; psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" -c "$1"); }
q_on() { (eval "$(scripts/citus.sh env "$1")"; psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" -c "$2"); }
fail() { echo "FAIL: $*" >&2; exit 1; }
fresh_citus_database() {
  DB=$1
  local node
  for node in coordinator worker1 worker2; do
    (eval "$(scripts/citus.sh env $node)"
     dropdb --if-exists --force "$DB" 2>/dev/null
     createdb "$DB"
     psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "create extension citus" >/dev/null)
  done
  q "select citus_set_coordinator_host('127.0.0.1', $(scripts/citus.sh port coordinator));
     select citus_add_node('127.0.0.1', $(scripts/citus.sh port worker1));
     select citus_add_node('127.0.0.1', $(scripts/citus.sh port worker2))" >/dev/null
  q "create extension pgflow" >/dev/null
}
# nodes_holding FLOW: how many worker nodes hold runs of the flow (Citus' placements of their shards).
nodes_holding() {
  local id
  for id in $(q "select run_id from pgflow.runs where flow_slug = '$1'"); do
    q "select n.nodeport from pg_dist_placement p join pg_dist_node n on n.groupid = p.groupid
        where p.shardid = get_shard_id_for_distribution_column('pgflow.runs', '$id'::uuid)"
  done | sort -u | wc -l
}
# start_runs FLOW INPUT N: N runs of the flow started on the coordinator, and more, one at a time,
# until both worker nodes hold some (run ids are random: eight land on one node once in 128 tries).
start_runs() {
  local i
  for i in $(seq "$3"); do q "select run_id from pgflow.start_flow('$1', '$2')" >/dev/null; done
  while [ "$(nodes_holding "$1")" -lt 2 ]; do q "select run_id from pgflow.start_flow('$1', '$2')" >/dev/null; done
}
