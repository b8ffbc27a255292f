#!/usr/bin/env bash
# With 1,000,000 tasks queued, a claim, an answer and an answer-and-claim each read a bounded
# number of buffers (and so do the reads of a step's progress and failures; its timeline touches a
# bounded number of its rows), from a new connection
# (plans are kept for a backend's life), whatever the planner's statistics say: taken while the
# queue was empty (what a worker that connects right after a quiet night sees), taken of the full
# queue, and none at all (never analyzed).
# (0.7.0: with statistics of the empty queue, a claim's probe of a lane's head became a bitmap scan
# of all its queued tasks plus a sort; a claim of 100 read ~14,000 buffers at 600,000 tasks.)
# Buffers count what a call touched, which is the same on any machine; a time would not be.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/common/database.sh
N=${N:-1000000}
# A call's buffers (shared hit + read, its statements' included), taken on its second call in one
# connection (the first plans every statement, reading the catalogs once), after the 100 ms that
# make a poll or an answer look for due work again (expired leases, deadlines), as a worker's
# calls do all the time. (0.9.0: with statistics of an empty queue, the look for expired last
# attempts read the whole primary key of step_tasks, in the order it was asked to sort by.) About 10 buffers a task
# for a claim, 18 for an answer: the bounds are about 1.5 times that, and a plan that reads the
# queue of 1,000,000 tasks reads tens of thousands.
# Buffers of the second of two calls of $2 (a set-returning call), in one new connection; $1, if
# given, is a query run before each call whose columns become psql variables ($2 reads them).
buffers() {
  local prep=${1:+$1 \\gset}
  psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" -f - <<SQL |
$prep
select count(*) from $2;
select pg_sleep(0.15);
$prep
explain (analyze, buffers, costs off, timing off) select count(*) from $2;
SQL
    awk '/Buffers:/ { n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^(hit|read)=/) { split($i, a, "="); n += a[2] } print n; exit }'
}
# Rows of step_tasks (heap and index entries) that a call of $1 touched, its statements' included:
# the transaction's own counters, read in it.
tasks_touched() {
  psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" -f - <<SQL | tail -1
begin;
select count(*) from $1;
select pg_stat_get_xact_tuples_returned('pgflow.step_tasks'::regclass)
     + (select sum(pg_stat_get_xact_tuples_returned(i.indexrelid)) from pg_index i where i.indrelid = 'pgflow.step_tasks'::regclass);
rollback;
SQL
}
check() { # label buffers limit
  [ -n "$2" ] || fail "$1: no buffer count"
  [ "$2" -le "$3" ] || fail "$1 read $2 buffers (at most $3 expected): a plan reads the queue"
  echo "ok - $1: $2 buffers"
}
# The keys of the first $2 tasks the worker $1 holds, as the variables r, s and i.
held_by() {
  echo "select array_agg(run_id order by task_index) as r, array_agg(step_slug order by task_index) as s,
                array_agg(task_index order by task_index) as i
           from (select run_id, step_slug, task_index from pgflow.step_tasks
                  where status = 'started' and worker_id = '$1' order by task_index limit $2) k"
}

scenario() { # name, what to do to the statistics before the spawn, and after it
  echo "-- statistics: $1"
  fresh_database pgflow_bounded_buffers
  # Nothing analyzes behind the test's back.
  q "do \$\$ declare t regclass; begin
       for t in select c.oid from pg_class c where c.relnamespace = 'pgflow'::regnamespace and c.relkind = 'r' loop
         execute format('alter table %s set (autovacuum_enabled = false)', t);
       end loop; end \$\$" >/dev/null
  q "select pgflow.create_flow('big', timeout => 600);
     select pgflow.add_step('big', 'items', step_type => 'fanout');
     select pgflow.create_flow('small', timeout => 600);
     select pgflow.add_step('small', 'one')" >/dev/null
  eval "$2"
  q "select count(*) from pgflow.start_flow('big', (select jsonb_agg(i) from generate_series(1, $N) i))" >/dev/null
  # Beside the big one: 200 runs of a single step at two priorities (lanes of their own).
  q "select count(*) from generate_series(1, 200) i, pgflow.start_flow('small', '{}', priority => i % 2)" >/dev/null
  eval "$3"
  local w1=00000000-0000-0000-0000-000000000001 w2=00000000-0000-0000-0000-000000000002
  check "a claim of 100" "$(buffers "" "pgflow.poll_for_tasks('big', 600, 100, 0, 10, '$w1')")" 1500
  check "a claim of 1" "$(buffers "" "pgflow.poll_for_tasks('big', 600, 1, 0, 10, '$w2')")" 150
  check "a claim of 1 of a single step" "$(buffers "" "pgflow.poll_for_tasks('small', 600, 1, 0, 10)")" 150
  check "an answer of 100" \
    "$(buffers "$(held_by $w1 100)" "pgflow.complete_tasks(:'r', :'s', :'i', array_fill('1'::jsonb, array[100]), '$w1')")" 3000
  q "select count(*) from pgflow.poll_for_tasks('big', 600, 200, 0, 10, '$w1')" >/dev/null
  check "an answer of 100 and a claim of 100" \
    "$(buffers "$(held_by $w1 100)" "pgflow.complete_tasks_and_poll(:'r', :'s', :'i', array_fill('1'::jsonb, array[100]), 'big', 600, 100, '$w1')")" 5000
  check "an answer of 1" \
    "$(buffers "$(held_by $w2 1)" "pgflow.complete_task((:'r'::uuid[])[1], (:'s'::text[])[1], (:'i'::int[])[1], '1', '$w2')")" 150
  local run
  run=$(q "select run_id from pgflow.runs where flow_slug = 'big'")
  check "the progress of the run" "$(buffers "" "pgflow.progress('$run')")" 150
  check "the failures of its step of $N tasks, by kind" "$(buffers "" "pgflow.failure_groups('$run', 'items')")" 150
  check "a page of its failed items" "$(buffers "" "pgflow.failed_items('$run', 'items')")" 150
  # Its timeline counts on a sample of at most 10,000 tasks (a plan that reads the step: N).
  local touched
  touched=$(tasks_touched "pgflow.step_timeline('$run', 'items')")
  [ "$touched" -le 20002 ] || fail "the timeline of a step of $N tasks touched $touched of its rows (at most 20,002 expected)"
  echo "ok - the timeline of its step of $N tasks: $touched rows of step_tasks"
  check "deadlines of every flow" "$(buffers "" "pgflow.enforce_deadlines() e")" 150
}

# A worker that connected before the work came, to a queue analyzed while empty (as after a
# TRUNCATE and a VACUUM ANALYZE): every plan it keeps, the look for due work's among them, was
# made then, and serves the fan-out that follows in the same connection. (0.9.0: the look for
# expired last attempts then read the whole primary key: 28,000 buffers a claim at 1,000,000.)
planned_while_empty() {
  echo "-- plans made while the queue was empty, in the connection that claims"
  fresh_database pgflow_bounded_buffers
  q "select pgflow.create_flow('big', timeout => 600);
     select pgflow.add_step('big', 'items', step_type => 'fanout')" >/dev/null
  q 'vacuum analyze' >/dev/null
  local w=00000000-0000-0000-0000-000000000003
  check "a claim of 100, its due work included" "$(psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" -f - <<SQL |
select count(*) from pgflow.poll_for_tasks('big', 600, 100, 0, 10, '$w');
select count(*) from pgflow.start_flow('big', (select jsonb_agg(i) from generate_series(1, $N) i));
select count(*) from pgflow.poll_for_tasks('big', 600, 100, 0, 10, '$w');
select pg_sleep(0.15);
explain (analyze, buffers, costs off, timing off) select count(*) from pgflow.poll_for_tasks('big', 600, 100, 0, 10, '$w');
SQL
    awk '/Buffers:/ { n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^(hit|read)=/) { split($i, a, "="); n += a[2] } print n; exit }')" 1500
}

planned_while_empty
scenario "none (never analyzed)" "" ""
scenario "taken while the queue was empty" "q 'vacuum analyze' >/dev/null" ""
scenario "taken of the full queue" "" "q 'vacuum analyze' >/dev/null"
dropdb "$DB"
