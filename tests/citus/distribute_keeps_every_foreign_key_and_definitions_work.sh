#!/usr/bin/env bash
# pgflow.distribute() on a coordinator and two workers makes flows, steps and deps reference
# tables and runs, step_states, step_parts and step_tasks distributed by run_id in one colocation
# group, keeps every foreign key, and refuses to run
# twice. Definitions then work as on one node: create_flow and add_step (whose INSERTs return
# columns, not rows, which Citus could not return), flow_shape and ensure_flow_compiled on the
# coordinator, and every worker reads the flow from its copy. Every node plans pgflow's
# statements for their values (which Citus needs to route them).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
fresh_citus_database pgflow_distribute

# pgflow's foreign keys, on its own tables (the coordinator also holds placements of the reference
# tables, pgflow.<table>_<shard id>, with keys of their own).
foreign_keys="select string_agg(conrelid::regclass::text || '.' || conname, ' ' order by conrelid::regclass::text, conname) from pg_constraint
               where contype = 'f' and connamespace = 'pgflow'::regnamespace and conrelid::regclass::text !~ '_[0-9]+\$'"
fks=$(q "$foreign_keys")
[ "$(wc -w <<<"$fks")" -ge 6 ] || fail "expected pgflow's foreign keys before distribute, found: $fks"
[ "$(q "select pgflow.distribute()")" = 7 ] || fail "distribute did not report 7 tables"
echo "ok - distribute reports 7 tables"
[ "$(q "select string_agg(logicalrelid::text || ':' || partmethod::text, ' ' order by logicalrelid::text)
         from pg_dist_partition where logicalrelid::text like 'pgflow.%'")" = \
  "pgflow.deps:n pgflow.flows:n pgflow.runs:h pgflow.step_parts:h pgflow.step_states:h pgflow.step_tasks:h pgflow.steps:n" ] ||
  fail "the tables are not distributed as they should be: $(q "select string_agg(logicalrelid::text || ':' || partmethod::text, ' ') from pg_dist_partition")"
echo "ok - flows, steps, deps are reference tables; runs, step_states, step_parts, step_tasks are hash-distributed"
[ "$(q "select count(distinct colocationid) from pg_dist_partition where partmethod = 'h' and logicalrelid::text like 'pgflow.%'")" = 1 ] ||
  fail "the run tables are not colocated"
[ "$(q "select string_agg(distinct a.attname, ',') from pg_dist_partition p
          join pg_attribute a on a.attrelid = p.logicalrelid and a.attnum = (select (regexp_match(p.partkey, ':varattno (\d+)'))[1]::int)
         where p.partmethod = 'h' and p.logicalrelid::text like 'pgflow.%'")" = run_id ] || fail "the run tables are not distributed by run_id"
echo "ok - by run_id, in one colocation group"
[ "$(q "$foreign_keys")" = "$fks" ] || fail "distribute changed the foreign keys: $(q "$foreign_keys")"
echo "ok - every foreign key kept ($(wc -w <<<"$fks"))"
# Every statement is planned for its values on every node (finalize.sql asks one node for generic
# plans, which Citus cannot route): a worker answers a call whose statement it routes by run_id.
for node in worker1 worker2; do
  [ "$(q_on $node "select pgflow.get_run_with_states(gen_random_uuid()) is null")" = t ] ||
    fail "$node does not plan pgflow's statements for their values"
done
echo "ok - every node plans pgflow's statements for their values"
out=$(q "select pgflow.distribute()" 2>&1) && fail "distribute ran twice"
grep -q "are distributed already" <<<"$out" || fail "a second distribute said: $out"
echo "ok - a second distribute is refused"

q "select pgflow.create_flow('cf', max_attempts => 2);
   select pgflow.add_step('cf', 'list');
   select pgflow.add_step('cf', 'work', array['list'], step_type => 'fanout');
   select pgflow.add_step('cf', 'total', array['work'])" >/dev/null
[ "$(q "select jsonb_array_length(pgflow.flow_shape('cf') -> 'steps')")" = 3 ] || fail "flow_shape does not read the flow"
[ "$(q "select pgflow.ensure_flow_compiled('cf', pgflow.flow_shape('cf')) ->> 'status'")" = verified ] ||
  fail "ensure_flow_compiled does not verify the stored flow"
echo "ok - create_flow, add_step, flow_shape, ensure_flow_compiled"
for worker in worker1 worker2; do
  [ "$(q_on $worker "select count(*) from pgflow.steps where flow_slug = 'cf'")" = 3 ] || fail "$worker has no copy of the flow"
done
echo "ok - both workers read the flow from their copies"

# The functions that name one run first are delegated to the run's node: a call on the
# coordinator, outside a transaction block, runs there whole (Citus sends the node the call itself
# rather than its statements), sets of rows too.
delegated=$(q "select string_agg(objid::regprocedure::text, ' ' order by objid::regprocedure::text) from pg_dist_object
                where classid = 'pg_proc'::regclass and distribution_argument_index = 0
                  and colocationid = (select colocationid from pg_dist_partition where logicalrelid = 'pgflow.runs'::regclass)")
named=$(q "select string_agg(p.oid::regprocedure::text, ' ' order by p.oid::regprocedure::text) from pg_proc p
            where p.pronamespace = 'pgflow'::regnamespace and p.proargnames[1] = 'run_id'")
[ "$(wc -w <<<"$named")" -ge 10 ] || fail "pgflow's functions of one run: $named"
[ "$delegated" = "$named" ] || fail "delegated: $delegated; of one run: $named"
echo "ok - every function whose first argument is run_id is delegated by it ($(wc -w <<<"$delegated"))"
run=$(q "select run_id from pgflow.start_flow('cf', '{}')")
log=$( (eval "$(scripts/citus.sh env)"
        psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" -c "set citus.log_remote_commands = on" \
          -c "select status from pgflow.cancel_run('$run')") 2>&1)
grep -q "issuing SELECT .*pgflow.cancel_run('$run'::uuid)" <<<"$log" || fail "cancel_run on the coordinator was not pushed down: $log"
[ "$(tail -1 <<<"$log")" = cancelled ] || fail "the delegated cancel_run returned: $log"
[ "$(q "select status from pgflow.runs where run_id = '$run'")" = cancelled ] || fail "the delegated cancel_run cancelled nothing"
echo "ok - cancel_run on the coordinator runs whole on the run's node"
log=$( (eval "$(scripts/citus.sh env)"
        psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" -c "set citus.log_remote_commands = on" \
          -c "select string_agg(step_slug || ':' || status, ' ' order by step_slug) from pgflow.progress('$run')") 2>&1)
grep -q "issuing SELECT .*pgflow.progress('$run'::uuid)" <<<"$log" || fail "progress on the coordinator was not pushed down: $log"
[ "$(tail -1 <<<"$log")" = "list:cancelled total:cancelled work:cancelled" ] || fail "the delegated progress returned: $log"
echo "ok - so does progress, a set of rows"
