#!/usr/bin/env bash
# A crash in the middle of a large fan-out loses nothing that was committed: two SQL workers
# complete tasks of a 20,000-item fan-out, the server is killed with `pg_ctl stop -m immediate`,
# restarted, and the workers carry on. Every output completed before the crash is still there,
# unchanged; the tasks that were leased when it died are claimed again once their leases run out;
# the run completes in order and verify_run finds nothing. Uses a cluster of its own.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PGFLOW_CLUSTER=$PWD/target/crash-cluster PGFLOW_PORT=5495
eval "$(scripts/cluster.sh env)"
ITEMS=20000
OUT=target/crash
mkdir -p "$OUT"
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d crash -c "$1"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

scripts/cluster.sh start
trap 'scripts/cluster.sh stop' EXIT
createdb crash
q "create extension pgflow"
q "select pgflow.create_flow('crash');
   select pgflow.add_step('crash', 'items', step_type => 'fanout');
   select pgflow.add_step('crash', 'total', array['items'])" >/dev/null
# Claims 100 tasks at a time with a 2 s lease and commits the claim, then completes them and
# commits again, as a worker process does; stops when the run has ended (an empty poll alone says
# only that nothing was claimable for a while: leased tasks may still come back).
q "create procedure work() language plpgsql as \$\$
   declare t pgflow.step_task_record; batch pgflow.step_task_record[];
   begin
     loop
       batch := array(select p from pgflow.poll_for_tasks('crash', 2, 100, 1, 50) p);
       commit;
       exit when cardinality(batch) = 0
             and not exists (select from pgflow.runs where flow_slug = 'crash' and status = 'started');
       foreach t in array batch loop
         perform pgflow.complete_task(t.run_id, t.step_slug, t.task_index, case t.step_slug
           when 'items' then to_jsonb((t.input ->> 'item')::int * 2)
           else to_jsonb(jsonb_array_length(t.input -> 'items')) end);
       end loop;
       commit;
     end loop;
   end \$\$"
run=$(q "select run_id from pgflow.start_flow('crash', (select jsonb_agg(i) from generate_series(0, $ITEMS - 1) i))")
workers() { for _ in 1 2; do psql -X -q -d crash -c "call work()" >/dev/null 2>&1 & done; }

workers
for _ in $(seq 600); do
  done_count=$(q "select count(*) from pgflow.step_tasks where run_id = '$run' and status = 'completed'")
  [ "$done_count" -ge 4000 ] && break
  sleep 0.05
done
[ "$done_count" -lt "$ITEMS" ] || fail "the run finished before the crash; nothing was tested"
# Snapshot, then kill: what the snapshot saw was committed, so it must survive.
q "copy (select task_index, output from pgflow.step_tasks
         where run_id = '$run' and status = 'completed' order by task_index) to stdout" > "$OUT/before.txt"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGFLOW_CLUSTER/data" stop -m immediate >/dev/null
wait || true # the workers lost their connections
scripts/cluster.sh restart
q "copy (select task_index, output from pgflow.step_tasks
         where run_id = '$run' and status = 'completed' order by task_index) to stdout" > "$OUT/after.txt"
# comm needs both sides in its own (byte) order; the snapshots are in task order, and with sharded
# claims the tasks completed between the snapshot and the kill are not all past the last one seen.
lost=$(LC_ALL=C comm -23 <(LC_ALL=C sort "$OUT/before.txt") <(LC_ALL=C sort "$OUT/after.txt") | wc -l)
[ "$lost" -eq 0 ] || fail "$lost completed outputs were lost or changed by the crash"
leased=$(q "select count(*) from pgflow.step_tasks where run_id = '$run' and status = 'started'")
echo "ok - $(wc -l < "$OUT/before.txt") outputs completed before the crash are intact; $leased tasks were leased when it died"

workers
for _ in $(seq 600); do
  status=$(q "select status from pgflow.runs where run_id = '$run'")
  [ "$status" = started ] || break
  sleep 0.1
done
wait
[ "$status" = completed ] || fail "the run is $status after the restart"
[ "$(q "select output from pgflow.runs where run_id = '$run'")" = "{\"total\": $ITEMS}" ] || fail "wrong run output"
[ "$(q "select output = (select jsonb_agg(i * 2) from generate_series(0, $ITEMS - 1) i)
        from pgflow.step_states where run_id = '$run' and step_slug = 'items'")" = t ] || fail "items output is not complete and in order"
[ -z "$(q "select * from pgflow.verify_run('$run')")" ] || fail "verify_run: $(q "select * from pgflow.verify_run('$run')")"
echo "ok - after the restart the run completed with all $ITEMS outputs in order, and verify_run finds nothing"
