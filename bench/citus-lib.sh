# Sourced by bench/citus.sh (this machine) and bench/citus-device.sh (a machine with more cores):
# the work both measure and how. R runs of a root fan-out of M items each, drained for T seconds
# by W pgbench clients that answer their last batch and claim the next in one call
# (complete_tasks_and_poll, B tasks a batch, bench/citus.pgb), split evenly over the nodes given.
# Needs PGBENCH and PSQL (commands, which may start with a loader); a node is given as a string of
# PG* assignments (its environment), and its database is bench.
R=${R:-32} M=${M:-10000} W=${W:-4} B=${B:-100} T=${T:-10}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
setup_sql="select pgflow.create_flow('bench', max_attempts => 3, base_delay => 1, timeout => 60);
           select pgflow.add_step('bench', 'work', step_type => 'fanout');
           select count(pgflow.start_flow('bench', (select jsonb_agg(i) from generate_series(1, $M) i))) from generate_series(1, $R);"
completed="select count(*) from pgflow.step_tasks where status = 'completed'"

# sql_on ENV SQL: one statement on that node's database bench, its rows unaligned.
sql_on() { (eval "$1"; $PSQL -X -q -t -A -v ON_ERROR_STOP=1 -d bench -c "$2"); }

# drain ENV...: W pgbench clients, W/N of them against each node given, for T seconds.
drain() {
  local per=$((W / $#)) pids=() env
  for env in "$@"; do
    (eval "$env"; $PGBENCH -n -M prepared -f "$BENCH_DIR/citus.pgb" -D b="$B" -D r='{}' -D s='{}' -D i='{}' \
       -c "$per" -j "$per" -T "$T" -d bench >/dev/null 2>&1) &
    pids+=($!)
  done
  wait "${pids[@]}"
}

bench_header() {
  echo "| system | runs x items | clients | batch | tasks/s |"
  echo "| --- | --- | --- | --- | --- |"
}

# bench_row SYSTEM CLIENTS COMPLETED: the row of one system.
bench_row() {
  local dry=""
  [ "$3" -lt $((R * M)) ] || dry=" (the queue ran dry: raise R x M)"
  echo "| $1 | $R x $M | $2 | $B | $(($3 / T))$dry |"
}

# bench_one_node ENV: pgflow created on that node's database bench, the runs started, drained.
bench_one_node() {
  sql_on "$1" "create extension pgflow" >/dev/null
  sql_on "$1" "$setup_sql" >/dev/null
  drain "$1"
  bench_row "one node" "$W" "$(sql_on "$1" "$completed")"
}

# bench_citus COORDINATOR WORKER...: on a coordinator whose database bench has pgflow created and
# distributed, the runs started there (spread over the workers by their ids), drained by clients
# on the workers.
bench_citus() {
  local coordinator=$1
  shift
  sql_on "$coordinator" "$setup_sql" >/dev/null
  drain "$@"
  bench_row "Citus, coordinator and $# workers" "$W ($((W / $#)) on each worker)" "$(sql_on "$coordinator" "$completed")"
}
