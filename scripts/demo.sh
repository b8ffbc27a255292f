#!/usr/bin/env bash
# The demo: builds and installs the extension, starts a private cluster under target/, and runs
# a flow that fans out over a few thousand items with two SQL worker sessions, printing progress
# and the aggregated result.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ITEMS=${ITEMS:-5000}
export PGFLOW_CLUSTER=$ROOT/target/demo-cluster PGFLOW_PORT=${PGFLOW_PORT:-5498}

echo "== building and installing the extension (release)"
cargo pgrx install --release --pg-config /usr/lib/postgresql/15/bin/pg_config >/dev/null
echo "== starting a private cluster in $PGFLOW_CLUSTER (port $PGFLOW_PORT)"
scripts/cluster.sh start
trap 'scripts/cluster.sh stop' EXIT
eval "$(scripts/cluster.sh env)"
createdb demo
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d demo -c "$1"; }

q "create extension pgflow"
echo "== flow 'squares': numbers (one task: makes the list) -> square (fan-out, one task per number) -> total"
q "select pgflow.create_flow('squares');
   select pgflow.add_step('squares', 'numbers');
   select pgflow.add_step('squares', 'square', array['numbers'], step_type => 'fanout');
   select pgflow.add_step('squares', 'total', array['square'])" >/dev/null
# A worker written in SQL: claims 50 tasks at a time, does the step's work, commits each batch.
q "create procedure worker() language plpgsql as \$\$
   declare t pgflow.step_task_record; got int;
   begin
     loop
       got := 0;
       for t in select * from pgflow.poll_for_tasks('squares', 30, 50, 1, 50) loop
         perform pgflow.complete_task(t.run_id, t.step_slug, t.task_index, case t.step_slug
           when 'numbers' then (select jsonb_agg(i) from generate_series(1, (t.input -> 'run' ->> 'count')::int) i)
           when 'square' then to_jsonb((t.input ->> 'item')::bigint ^ 2)
           else jsonb_build_object('sum', (select sum(v::numeric) from jsonb_array_elements_text(t.input -> 'square') v),
                                   'count', jsonb_array_length(t.input -> 'square')) end);
         got := got + 1;
       end loop;
       commit;
       exit when got = 0;
     end loop;
   end \$\$"

run=$(q "select run_id from pgflow.start_flow('squares', '{\"count\": $ITEMS}')")
echo "== run $run started over $ITEMS items; two worker sessions"
q "call worker()" & w1=$!
q "call worker()" & w2=$!
start=$(date +%s%N)
while kill -0 $w1 2>/dev/null || kill -0 $w2 2>/dev/null; do
  q "select format('   %s: %s of %s tasks of ''square'' done', ss.status, coalesce(ss.initial_tasks - ss.remaining_tasks, 0), coalesce(ss.initial_tasks::text, '?'))
     from pgflow.step_states ss where ss.run_id = '$run' and ss.step_slug = 'square'"
  sleep 0.5
done
wait $w1 $w2
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "== run finished in ${elapsed_ms} ms (workers stop after 1 s with nothing left to claim)"
q "select format('   status %s, output %s', status, output) from pgflow.runs where run_id = '$run'"
q "select format('   square (ordered by task_index): %s ... %s (%s elements, in order: %s)',
                 output -> 0, output -> -1, jsonb_array_length(output),
                 output = (select jsonb_agg((i::bigint ^ 2)) from generate_series(1, $ITEMS) i))
   from pgflow.step_states where run_id = '$run' and step_slug = 'square'"
