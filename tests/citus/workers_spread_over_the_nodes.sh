#!/usr/bin/env bash
# The shipped workers given the addresses of both worker nodes spread over them: one claim loop per
# node, each claiming the tasks of its node's shards. Runs started on the coordinator, whose rows
# are on both nodes, all complete: the dsl-ts worker's (connectionString: a list), then the Rust
# worker's (WorkerBuilder::nodes, through the bench's noop_worker), each under one worker id.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
fresh_citus_database pgflow_spread
q "select pgflow.distribute()" >/dev/null
node_url() { echo "postgres://postgres@127.0.0.1:$(scripts/citus.sh port "$1")/$DB"; }
nodes=("$(node_url worker1)" "$(node_url worker2)")
wait_for_runs() { # flow: until every run of the flow completed (60 s at most)
  for _ in $(seq 600); do
    [ "$(q "select count(*) from pgflow.runs where flow_slug = '$1' and status <> 'completed'")" = 0 ] && return 0
    sleep 0.1
  done
  fail "the runs of $1 did not complete: $(q "select string_agg(status, ' ') from pgflow.runs where flow_slug = '$1'")"
}

# The dsl-ts worker: its flow compiled by the worker itself.
cat >"$DB.mjs" <<JS
import { Flow, startWorker } from '$PWD/dsl-ts/dist/src/index.js';
const flow = new Flow({ slug: 'spread_ts' }).map({ slug: 'items' }, (item) => item * 2);
const worker = startWorker({ flow, compile: true, connectionString: process.argv.slice(2), handleSignals: false });
await worker.ready;
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  await worker.stop();
  process.stdout.write(JSON.stringify({ id: worker.id, claimed: worker.stats.claimed }) + '\n');
  process.exit(0);
});
JS
coproc TS { node "$DB.mjs" "${nodes[@]}"; }
read -r line <&"${TS[0]}"
[ "$line" = ready ] || fail "the dsl-ts worker did not start: $line"
items=$(q "select jsonb_agg(i) from generate_series(1, 20) i")
start_runs spread_ts "$items" 8
runs=$(q "select count(*) from pgflow.runs where flow_slug = 'spread_ts'")
wait_for_runs spread_ts
echo stop >&"${TS[1]}"
read -r stats <&"${TS[0]}"
wait "$TS_PID" 2>/dev/null || true
rm -f "$DB.mjs"
[ "$(node -e "const s = JSON.parse(process.argv[1]); console.log(s.claimed)" "$stats")" = $((runs * 20)) ] || fail "the dsl-ts worker's stats: $stats"
[ "$(q "select count(distinct worker_id) from pgflow.step_tasks where flow_slug = 'spread_ts'")" = 1 ] ||
  fail "the dsl-ts worker's loops claimed under several ids"
[ "$(q "select count(*) from pgflow.runs where flow_slug = 'spread_ts' and output -> 'items' = (select jsonb_agg(i * 2) from generate_series(1, 20) i)")" = "$runs" ] ||
  fail "the dsl-ts worker's runs have other outputs"
echo "ok - the dsl-ts worker over both nodes completed $runs runs spread over them ($((runs * 20)) tasks, one worker id)"

# The Rust worker (the bench's noop_worker: each task's output is its item).
q "select pgflow.create_flow('spread_rs'); select pgflow.add_step('spread_rs', 'items', step_type => 'fanout')" >/dev/null
start_runs spread_rs "$items" 8
runs=$(q "select count(*) from pgflow.runs where flow_slug = 'spread_rs'")
NOOP_NODES="${nodes[1]}" client/target/release/examples/noop_worker "${nodes[0]}" spread_rs items 10 10 2>"$DB.rs" &
rust=$!
wait_for_runs spread_rs
kill -TERM "$rust"
wait "$rust" || fail "the Rust worker did not stop cleanly: $(cat "$DB.rs")"
grep -q "claimed: $((runs * 20))," "$DB.rs" || fail "the Rust worker's stats: $(cat "$DB.rs")"
rm -f "$DB.rs"
[ "$(q "select count(distinct worker_id) from pgflow.step_tasks where flow_slug = 'spread_rs'")" = 1 ] ||
  fail "the Rust worker's loops claimed under several ids"
echo "ok - the Rust worker over both nodes completed $runs runs spread over them ($((runs * 20)) tasks, one worker id)"
