#!/usr/bin/env bash
# Upgrade test, run by scripts/test.sh against its private cluster (PG* variables set):
#  1. runs in flight across real upgrades (under the last four releases, or every one with
#     PGFLOW_UPGRADE_ALL=1): each released version below is built from its commit and installed; a run is started and leased under it; the current build is installed and
#     ALTER EXTENSION UPDATE run; the leased tasks are answered under the new version and the run
#     completes, consistent. 0.1.1 goes through every script since; 0.2.0's run has finished,
#     failed and leased fan-out tasks, whose results read_results lists after the upgrade; 0.3.0's
#     has leased fan-out tasks whose answers, after the upgrade, start a single step claimed with
#     the new record (flow_input) from the renamed queue column (message_id); 0.4.0's has leased
#     and queued fan-out tasks, claimed after the upgrade through the new queue index (lanes);
#     0.5.0's is a fan-out of 100 (too early for counter parts) with leased tasks, answered after
#     the upgrade on the step's row, while a run started after it counts on parts; 0.6.0's has
#     queued tasks of two priorities and leased ones, claimed after the upgrade through the queue
#     index keyed by a hash of the slugs (in lane order), while a new run spawns under lz4; 0.7.0's
#     is a fan-out of 300 on parts by task_index mod 16, 100 tasks leased and 40 of them answered
#     (on their parts), whose parts are counted again by shard (all its tasks in shard 0), its leases
#     answered and its queued tasks claimed through the sharded queue index; 0.8.0's flow has a root
#     condition in the old form ({"run": ...}), rewritten by the upgrade to pgflow's, and a skipped
#     step, which gets its skip_reason;
#  2. the released 0.1.0 script (frozen here) upgraded through every script to the current
#     version: its catalog, and the in-flight databases', must match a fresh install's line for line;
#  3. the whole pgTAP suite against the database upgraded from 0.1.0.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. scripts/pg-config.sh
SHAREDIR=$("$PG_CONFIG" --sharedir)
OUT=$ROOT/target/upgrade
# The last commits of releases 0.1.1, 0.2.0, 0.3.0, 0.4.0, 0.5.0, 0.6.0, 0.7.0, 0.8.0, 0.9.0 and 0.10.0.
RELEASE_0_1_1=5b67a8d72da933d64b941f03bc0ce8ea470e793d
RELEASE_0_2_0=0b94c377bd1f293b12d8ab34e765653da2c0a843
RELEASE_0_3_0=a39f5308538cffe0de650ca8e160b264897cf973
RELEASE_0_4_0=a491ebfff7a30b163110fdaf13c180fc66884797
RELEASE_0_5_0=99c3fdeb3d3662f4d1a09d73bac4aeb80a8b9042
RELEASE_0_6_0=dbcd52adc7755ed0be5dd69abb8be3ac69ef7088
RELEASE_0_7_0=9c31722393583058a3236e3f60ed2d80db39584b
RELEASE_0_8_0=8196addc540cde90ecd22766ab27408ff6c8d105
RELEASE_0_9_0=70fd5f27ce0477721c1ed339e409de31e47ea34b
RELEASE_0_10_0=373da16e1cd1d361efbc842875a519b18e665dc3
mkdir -p "$OUT"
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
# The released builds below share target/ and overwrite the library there, which cargo does not
# notice: touching a source file makes it build the current one again.
install_current() {
  touch "$ROOT/src/lib.rs"
  cargo pgrx install --release --pg-config "$PG_CONFIG" >"$OUT/install-current.log" 2>&1 \
    || { cat "$OUT/install-current.log" >&2; return 1; }
}
# Builds and installs a released version from its commit, in a worktree sharing target/ (so only
# the crate itself is compiled again).
install_release() {
  local version=$1 commit=$2
  if ! git cat-file -e "$commit^{commit}" 2>/dev/null && [ "$(git rev-parse --is-shallow-repository)" = true ]; then
    git fetch --quiet --unshallow || true
  fi
  git cat-file -e "$commit^{commit}" 2>/dev/null \
    || { echo "commit $commit (release $version) is not in this clone; the upgrade test needs the history" >&2; exit 1; }
  rm -rf "$OUT/v$version"
  git worktree prune
  git worktree add --quiet --detach "$OUT/v$version" "$commit"
  (cd "$OUT/v$version" && CARGO_TARGET_DIR=$ROOT/target cargo pgrx install --release --pg-config "$PG_CONFIG") \
    >"$OUT/install-$version.log" 2>&1 || { cat "$OUT/install-$version.log" >&2; exit 1; }
  git worktree remove --force "$OUT/v$version"
}
# Whatever happens next, the current build is installed again.
trap 'install_current' EXIT
current=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml)
# Builds and installs release VERSION, creates DB and runs there the SQL read from stdin, which
# leaves a run in flight with its id in the psql variable run_id; prints that id.
start_under() {
  local version=$1 commit=$2 db=$3 out found run
  install_release "$version" "$commit"
  createdb "$db"
  out=$({ echo 'create extension pgflow;'; cat
          echo "select extversion || ' ' || :'run_id' from pg_extension where extname = 'pgflow';"; } | q -d "$db" -t -A)
  read -r found run <<<"$(echo "$out" | tail -1)"
  [ "$found" = "$version" ] || { echo "expected the run to start under $version, got $found" >&2; return 1; }
  echo "$run"
}
worker=6f9d2b1e-0000-4000-8000-000000000011
# Runs in flight under the last four releases by default (each release is built from its commit,
# which is most of this test's time, and the scripts of older releases do not change any more);
# PGFLOW_UPGRADE_ALL=1 takes every release below. The catalogs and the pgTAP suite come through
# every script from 0.1.0 either way.
RELEASES="0.1.1 0.2.0 0.3.0 0.4.0 0.5.0 0.6.0 0.7.0 0.8.0 0.9.0 0.10.0"
if [ "${PGFLOW_UPGRADE_ALL:-}" = 1 ]; then IN_FLIGHT=$RELEASES; else IN_FLIGHT=$(echo $RELEASES | tr ' ' '\n' | tail -4 | xargs); fi
# Only the releases built for this server's major: each release's Cargo.toml names the majors it
# builds for (pg15 from the first; 17 and 18 from 0.11.0 on), so on 17 and 18 no earlier release
# has runs in flight yet, and the upgrade test is the catalog and pgTAP checks from 0.1.0's script.
built_for_major() {
  local commit
  commit=RELEASE_${1//./_}
  commit=${!commit}
  if ! git cat-file -e "$commit^{commit}" 2>/dev/null && [ "$(git rev-parse --is-shallow-repository)" = true ]; then
    git fetch --quiet --unshallow || true
  fi
  git show "$commit:Cargo.toml" | grep -q "^pg$PG_MAJOR = "
}
IN_FLIGHT=$(for v in $IN_FLIGHT; do if built_for_major "$v"; then echo "$v"; fi; done | xargs)
in_flight() { case " $IN_FLIGHT " in *" $1 "*) return 0 ;; esac; return 1; }
inflight_dbs=$(for v in $IN_FLIGHT; do if [ "$v" = 0.1.1 ]; then echo pgflow_inflight; else echo "pgflow_inflight_${v//./_}"; fi; done | xargs)

if in_flight 0.1.1; then
# 1a. Under 0.1.1: a fan-out of three, one task answered, two leased.
run=$(start_under 0.1.1 "$RELEASE_0_1_1" pgflow_inflight <<SQL
select pgflow.create_flow('kept', max_attempts => 2);
select pgflow.add_step('kept', 'list');
select pgflow.add_step('kept', 'each', array['list'], step_type => 'fanout');
select run_id from pgflow.start_flow('kept', '{}') \gset
select count(*) from pgflow.poll_for_tasks('kept', 300, 10, 0);
select count(*) from pgflow.complete_task(:'run_id', 'list', 0, '[1, 2, 3]');
select count(*) from pgflow.poll_for_tasks('kept', 300, 10, 0, 100, '$worker');
select count(*) from pgflow.complete_task(:'run_id', 'each', 0, '"one"', '$worker');
SQL
)
echo "ok - under 0.1.1: run $run started, two of its three fan-out tasks leased and unanswered"
fi

if in_flight 0.2.0; then
# 1b. Under 0.2.0: a collect_all fan-out of four, one task completed, one failed, two leased.
run2=$(start_under 0.2.0 "$RELEASE_0_2_0" pgflow_inflight_0_2_0 <<SQL
select pgflow.create_flow('kept', max_attempts => 1);
select pgflow.add_step('kept', 'each', step_type => 'fanout', fanout_policy => 'collect_all');
select run_id from pgflow.start_flow('kept', '[1, 2, 3, 4]') \gset
select count(*) from pgflow.poll_for_tasks('kept', 300, 10, 0, 100, '$worker');
select count(*) from pgflow.complete_task(:'run_id', 'each', 0, '"one"', '$worker');
select count(*) from pgflow.fail_task(:'run_id', 'each', 1, 'broken', '$worker');
SQL
)
echo "ok - under 0.2.0: run $run2 started, one task completed, one failed, two leased and unanswered"
fi

if in_flight 0.3.0; then
# 1c. Under 0.3.0: list -> each (a fan-out of three) -> total; list answered, the fan-out leased,
#     one of its tasks answered.
run3=$(start_under 0.3.0 "$RELEASE_0_3_0" pgflow_inflight_0_3_0 <<SQL
select pgflow.create_flow('kept');
select pgflow.add_step('kept', 'list');
select pgflow.add_step('kept', 'each', array['list'], step_type => 'fanout');
select pgflow.add_step('kept', 'total', array['each']);
select run_id from pgflow.start_flow('kept', '{"n": 3}') \gset
select count(*) from pgflow.poll_for_tasks('kept', 300, 10, 0);
select count(*) from pgflow.complete_task(:'run_id', 'list', 0, '[1, 2, 3]');
select count(*) from pgflow.poll_for_tasks('kept', 300, 10, 0, 100, '$worker');
select count(*) from pgflow.complete_task(:'run_id', 'each', 0, '10', '$worker');
SQL
)
echo "ok - under 0.3.0: run $run3 started, one of its three fan-out tasks answered, two leased"
fi

if in_flight 0.4.0; then
# 1d. Under 0.4.0: list -> each (a fan-out of four) -> total; two tasks of the fan-out leased (one
#     of them answered), two still queued.
run4=$(start_under 0.4.0 "$RELEASE_0_4_0" pgflow_inflight_0_4_0 <<SQL
select pgflow.create_flow('kept');
select pgflow.add_step('kept', 'list');
select pgflow.add_step('kept', 'each', array['list'], step_type => 'fanout');
select pgflow.add_step('kept', 'total', array['each']);
select run_id from pgflow.start_flow('kept', '{"n": 4}') \gset
select count(*) from pgflow.poll_for_tasks('kept', 300, 10, 0);
select count(*) from pgflow.complete_task(:'run_id', 'list', 0, '[1, 2, 3, 4]');
select count(*) from pgflow.poll_for_tasks('kept', 300, 2, 0, 100, '$worker');
select count(*) from pgflow.complete_task(:'run_id', 'each', 0, '10', '$worker');
SQL
)
echo "ok - under 0.4.0: run $run4 started, two of its four fan-out tasks leased (one answered), two queued"
fi

if in_flight 0.5.0; then
# 1e. Under 0.5.0: items (a fan-out of 100 over the run input); all leased, 40 answered.
run5=$(start_under 0.5.0 "$RELEASE_0_5_0" pgflow_inflight_0_5_0 <<SQL
select pgflow.create_flow('kept');
select pgflow.add_step('kept', 'items', step_type => 'fanout');
select run_id from pgflow.start_flow('kept', (select jsonb_agg(i) from generate_series(0, 99) i)) \gset
select count(*) from pgflow.poll_for_tasks('kept', 300, 100, 0, 100, '$worker');
select count(*) from pgflow.complete_tasks(array_fill(:'run_id'::uuid, array[40]), array_fill('items'::text, array[40]),
                                           array(select generate_series(0, 39)), array(select to_jsonb(i) from generate_series(0, 39) i),
                                           '$worker');
SQL
)
echo "ok - under 0.5.0: run $run5 started, its 100 fan-out tasks leased, 40 answered"
fi

if in_flight 0.6.0; then
# 1f. Under 0.6.0: a fan-out of 100 at priority 0 with 30 tasks leased, and one of 3 at priority 5
#     (started later, so claimed first), all of it queued under the old queue index.
run6=$(start_under 0.6.0 "$RELEASE_0_6_0" pgflow_inflight_0_6_0 <<SQL
select pgflow.create_flow('kept');
select pgflow.add_step('kept', 'items', step_type => 'fanout');
select run_id from pgflow.start_flow('kept', (select jsonb_agg(i) from generate_series(0, 99) i)) \gset
select count(*) from pgflow.poll_for_tasks('kept', 300, 30, 0, 100, '$worker');
select pgflow.start_flow('kept', '[1000, 1001, 1002]', priority => 5) is not null;
SQL
)
echo "ok - under 0.6.0: run $run6 started, 30 of its 100 fan-out tasks leased; a run of priority 5 queued"
fi

if in_flight 0.7.0; then
# 1g. Under 0.7.0: a fan-out of 300 (16 parts, task_index mod 16): tasks 0 to 99 leased, 0 to 39
#     answered (their completions still on the parts), 200 queued.
run7=$(start_under 0.7.0 "$RELEASE_0_7_0" pgflow_inflight_0_7_0 <<SQL
select pgflow.create_flow('kept');
select pgflow.add_step('kept', 'items', step_type => 'fanout');
select run_id from pgflow.start_flow('kept', (select jsonb_agg(i) from generate_series(0, 299) i)) \gset
select count(*) from pgflow.poll_for_tasks('kept', 300, 100, 0, 100, '$worker');
select count(*) from pgflow.complete_tasks(array_fill(:'run_id'::uuid, array[40]), array_fill('items'::text, array[40]),
                                           array(select generate_series(0, 39)), array(select to_jsonb(i) from generate_series(0, 39) i),
                                           '$worker');
SQL
)
echo "ok - under 0.7.0: run $run7 started, 100 of its 300 fan-out tasks leased, 40 answered"
fi

if in_flight 0.8.0; then
# 1h. Under 0.8.0, conditions were matched against {"run": <input>, <deps>...}: a root step
#     'admin' requires {"run": {"role": "admin"}} (the upgrade rewrites it to {"role": "admin"}),
#     a dependent step 'notify' requires {"first": {"ok": true}} (same meaning before and after),
#     and 'audit' requires {"run": ...} after 'first' (no longer matchable: the upgrade warns). A
#     run for an admin has its two root tasks leased; a guest's run skipped 'admin' under 0.8.0.
run8=$(start_under 0.8.0 "$RELEASE_0_8_0" pgflow_inflight_0_8_0 <<SQL
select pgflow.create_flow('gated');
select pgflow.add_step('gated', 'admin', required_input_pattern => '{"run": {"role": "admin"}}');
select pgflow.add_step('gated', 'first');
select pgflow.add_step('gated', 'notify', array['first'], required_input_pattern => '{"first": {"ok": true}}');
select pgflow.add_step('gated', 'audit', array['first'], required_input_pattern => '{"run": {"role": "admin"}}');
select run_id as guest from pgflow.start_flow('gated', '{"role": "guest"}') \gset
select run_id from pgflow.start_flow('gated', '{"role": "admin"}') \gset
select count(*) from pgflow.poll_for_tasks('gated', 300, 10, 0, 100, '$worker');
SQL
)
echo "ok - under 0.8.0: run $run8 started with a root condition in the old form, its two tasks leased"
fi

if in_flight 0.9.0; then
# 1i. Under 0.9.0: list -> each (a fan-out of 60, batches of 10 items per task) -> total; list
#     answered, four of the six batch tasks leased, one of them answered.
run9=$(start_under 0.9.0 "$RELEASE_0_9_0" pgflow_inflight_0_9_0 <<SQL
select pgflow.create_flow('kept');
select pgflow.add_step('kept', 'list');
select pgflow.add_step('kept', 'each', array['list'], step_type => 'fanout', batch_size => 10);
select pgflow.add_step('kept', 'total', array['each']);
select run_id from pgflow.start_flow('kept', '{}') \gset
select count(*) from pgflow.poll_for_tasks('kept', 300, 1, 0);
select count(*) from pgflow.complete_task(:'run_id', 'list', 0, (select jsonb_agg(i) from generate_series(1, 60) i));
select count(*) from pgflow.poll_for_tasks('kept', 300, 4, 0, 100, '$worker');
select count(*) from pgflow.complete_task(:'run_id', 'each', 0, (select jsonb_agg(i * 2) from generate_series(1, 10) i), '$worker');
SQL
)
echo "ok - under 0.9.0: run $run9 started, four of its six batch tasks leased, one answered"
fi

if in_flight 0.10.0; then
# 1j. Under 0.10.0: a keyed run (its id random, as keyed runs' were) of list -> each (a fan-out of
#     four); list answered, two items answered, both read by read_results (the cursor is kept).
run10=$(start_under 0.10.0 "$RELEASE_0_10_0" pgflow_inflight_0_10_0 <<SQL
select pgflow.create_flow('kept');
select pgflow.add_step('kept', 'list');
select pgflow.add_step('kept', 'each', array['list'], step_type => 'fanout');
select run_id from pgflow.start_flow('kept', '{}', run_key => 'order-10') \gset
select count(*) from pgflow.poll_for_tasks('kept', 300, 1, 0);
select count(*) from pgflow.complete_task(:'run_id', 'list', 0, '[1, 2, 3, 4]');
select count(*) from pgflow.poll_for_tasks('kept', 300, 10, 0, 100, '$worker');
select count(*) from pgflow.complete_task(:'run_id', 'each', 0, '10', '$worker');
select count(*) from pgflow.complete_task(:'run_id', 'each', 1, '20', '$worker');
create table kept_cursor as select max(seq) as seq from pgflow.read_results(:'run_id', 'each');
SQL
)
echo "ok - under 0.10.0: keyed run $run10 started, two of its four items answered and read"
fi

install_current
if in_flight 0.1.1; then
q -d pgflow_inflight -c "alter extension pgflow update"
result=$(q -d pgflow_inflight -t -A <<SQL
select extversion from pg_extension where extname = 'pgflow';
select count(*) from pgflow.complete_task('$run', 'each', 2, '"three"', '$worker');
select count(*) from pgflow.complete_tasks(array['$run']::uuid[], array['each'], array[1], array['"two"']::jsonb[], '$worker');
select status || ' ' || output::text from pgflow.runs where run_id = '$run';
select count(*) from pgflow.verify_run('$run');
SQL
)
expected=$(printf '%s\n' "$current" 1 1 'completed {"each": ["one", "two", "three"]}' 0)
[ "$result" = "$expected" ] || { printf 'after the upgrade from 0.1.1:\n%s\nexpected:\n%s\n' "$result" "$expected" >&2; exit 1; }
echo "ok - upgraded from 0.1.1 to $current with the run in flight; its leases were answered and it completed, consistent"
fi

if in_flight 0.2.0; then
q -d pgflow_inflight_0_2_0 -c "alter extension pgflow update"
result=$(q -d pgflow_inflight_0_2_0 -t -A <<SQL
select extversion from pg_extension where extname = 'pgflow';
select string_agg(task_index || ':' || status, ' ' order by seq) from pgflow.read_results('$run2', 'each');
select format('%s %s/%s', status, completed, total) from pgflow.progress('$run2');
select count(*) from pgflow.complete_tasks(array['$run2', '$run2']::uuid[], array['each', 'each'], array[3, 2],
                                           array['"four"', '"three"']::jsonb[], '$worker');
select string_agg(task_index || ':' || status, ' ' order by seq) from pgflow.read_results('$run2', 'each');
select status || ' ' || output::text from pgflow.runs where run_id = '$run2';
select count(*) from pgflow.verify_run('$run2');
SQL
)
expected=$(printf '%s\n' "$current" '0:completed 1:failed' 'started 1/4' 2 '0:completed 1:failed 2:completed 3:completed' \
  'completed {"each": [{"ok": true, "value": "one"}, {"ok": false, "error": "broken", "attempts": 1}, {"ok": true, "value": "three"}, {"ok": true, "value": "four"}]}' 0)
[ "$result" = "$expected" ] || { printf 'after the upgrade from 0.2.0:\n%s\nexpected:\n%s\n' "$result" "$expected" >&2; exit 1; }
echo "ok - upgraded from 0.2.0 to $current with the run in flight; read_results listed what had finished before, its leases were answered and it completed, consistent"
fi

if in_flight 0.3.0; then
q -d pgflow_inflight_0_3_0 -c "alter extension pgflow update"
result=$(q -d pgflow_inflight_0_3_0 -t -A <<SQL
select extversion from pg_extension where extname = 'pgflow';
select count(*) from pgflow.complete_tasks(array['$run3', '$run3']::uuid[], array['each', 'each'], array[1, 2],
                                           array['20', '30']::jsonb[], '$worker');
select step_slug || ' ' || input::text || ' ' || flow_input::text || ' ' || (msg_id is not null)
  from pgflow.poll_for_tasks('kept', 300, 10, 0);
select count(*) from pgflow.complete_task('$run3', 'total', 0, '60');
select status || ' ' || output::text from pgflow.runs where run_id = '$run3';
select count(*) = count(distinct message_id) from pgflow.step_tasks;
select count(*) from pgflow.verify_run('$run3');
SQL
)
expected=$(printf '%s\n' "$current" 2 'total {"run": {"n": 3}, "each": [10, 20, 30]} {"n": 3} true' 1 'completed {"total": 60}' t 0)
[ "$result" = "$expected" ] || { printf 'after the upgrade from 0.3.0:\n%s\nexpected:\n%s\n' "$result" "$expected" >&2; exit 1; }
echo "ok - upgraded from 0.3.0 to $current with the run in flight; its leases were answered, the next step was claimed with its flow_input, and it completed, consistent"
fi

if in_flight 0.4.0; then
q -d pgflow_inflight_0_4_0 -c "alter extension pgflow update"
result=$(q -d pgflow_inflight_0_4_0 -t -A <<SQL
select extversion from pg_extension where extname = 'pgflow';
select count(*) from pgflow.complete_task('$run4', 'each', 1, '20', '$worker');
select string_agg(task_index::text, ' ' order by task_index) from pgflow.poll_for_tasks('kept', 300, 10, 0, 100, '$worker');
select count(*) from pgflow.complete_tasks(array['$run4', '$run4']::uuid[], array['each', 'each'], array[2, 3],
                                           array['30', '40']::jsonb[], '$worker');
select count(*) from pgflow.complete_tasks_and_poll('{}', '{}', '{}', '{}', 'kept', 300, 10, poll_step_slugs => array['total']);
select count(*) from pgflow.complete_task('$run4', 'total', 0, '100');
select status || ' ' || output::text from pgflow.runs where run_id = '$run4';
select format('%s %s', depth, flow_slug) from pgflow.run_tree('$run4');
select count(*) from pgflow.verify_run('$run4');
SQL
)
expected=$(printf '%s\n' "$current" 1 '2 3' 2 1 1 'completed {"total": 100}' '0 kept' 0)
[ "$result" = "$expected" ] || { printf 'after the upgrade from 0.4.0:\n%s\nexpected:\n%s\n' "$result" "$expected" >&2; exit 1; }
echo "ok - upgraded from 0.4.0 to $current with the run in flight; its queued tasks were claimed through the new queue index, its leases answered, and it completed as the root of its own tree, consistent"
fi

if in_flight 0.5.0; then
q -d pgflow_inflight_0_5_0 -c "alter extension pgflow update"
result=$(q -d pgflow_inflight_0_5_0 -t -A <<SQL
select extversion from pg_extension where extname = 'pgflow';
select count(*) from pgflow.step_parts;
select count(*) from pgflow.complete_tasks(array_fill('$run5'::uuid, array[60]), array_fill('items'::text, array[60]),
                                           array(select generate_series(40, 99)), array(select to_jsonb(i) from generate_series(40, 99) i),
                                           '$worker');
select count(*) from pgflow.read_results('$run5', 'items');
select status || ' ' || (output -> 'items' = (select jsonb_agg(i) from generate_series(0, 99) i)) from pgflow.runs where run_id = '$run5';
select count(*) from pgflow.verify_run('$run5');
select run_id from pgflow.start_flow('kept', (select jsonb_agg(i) from generate_series(0, 99) i)) \gset
select count(*) from pgflow.step_parts where run_id = :'run_id';
select count(*) from pgflow.poll_for_tasks('kept', 300, 100, 0);
select count(*) from pgflow.complete_tasks(array_fill(:'run_id'::uuid, array[100]), array_fill('items'::text, array[100]),
                                           array(select generate_series(0, 99)), array(select to_jsonb(i) from generate_series(0, 99) i));
select status from pgflow.runs where run_id = :'run_id';
select count(*) from pgflow.verify_run(:'run_id');
SQL
)
expected=$(printf '%s\n' "$current" 0 60 100 'completed true' 0 2 100 100 completed 0)
[ "$result" = "$expected" ] || { printf 'after the upgrade from 0.5.0:\n%s\nexpected:\n%s\n' "$result" "$expected" >&2; exit 1; }
echo "ok - upgraded from 0.5.0 to $current with the run in flight; its leases were answered on the step's row and it completed, consistent; a run started after the upgrade counted on parts"
fi

if in_flight 0.6.0; then
q -d pgflow_inflight_0_6_0 -c "alter extension pgflow update"
result=$(q -d pgflow_inflight_0_6_0 -t -A <<SQL
select extversion from pg_extension where extname = 'pgflow';
select queued_tasks || ' ' || running_tasks from pgflow.stats('kept');
select string_agg(input ->> 'item', ' ' order by task_index) from pgflow.poll_for_tasks('kept', 300, 5, 0, 100, '$worker');
select count(*) from pgflow.complete_tasks(array_fill('$run6'::uuid, array[32]), array_fill('items'::text, array[32]),
                                           array(select generate_series(0, 31)), array(select to_jsonb(i) from generate_series(0, 31) i),
                                           '$worker');
select count(*) from pgflow.poll_for_tasks('kept', 300, 100, 0, 100, '$worker');
select count(*) from pgflow.complete_tasks(array_fill('$run6'::uuid, array[68]), array_fill('items'::text, array[68]),
                                           array(select generate_series(32, 99)), array(select to_jsonb(i) from generate_series(32, 99) i),
                                           '$worker');
select status || ' ' || (output -> 'items' = (select jsonb_agg(i) from generate_series(0, 99) i)) from pgflow.runs where run_id = '$run6';
select count(*) from pgflow.verify_run('$run6');
select run_id from pgflow.start_flow('kept', (select jsonb_agg(jsonb_build_object('i', i, 'pad', repeat('x', 40))) from generate_series(0, 9999) i)) \gset
select pg_column_compression(input) from pgflow.runs where run_id = :'run_id';
select count(*) from pgflow.step_tasks where run_id = :'run_id' and status = 'queued';
SQL
)
# lz4 where the server was built with it, else pglz.
compression=$(q -d pgflow_inflight_0_6_0 -t -A -c "create temp table probe (t text compression lz4)" -c "select 'lz4'" 2>/dev/null || echo pglz)
expected=$(printf '%s\n' "$current" '73 30' '1000 1001 1002 30 31' 32 68 68 'completed true' 0 "$compression" 10000)
[ "$result" = "$expected" ] || { printf 'after the upgrade from 0.6.0:\n%s\nexpected:\n%s\n' "$result" "$expected" >&2; exit 1; }
echo "ok - upgraded from 0.6.0 to $current with the runs in flight; their queued tasks were claimed through the re-keyed queue index in lane order, its leases answered, and it completed, consistent; a new run's input stored with $compression"
fi

if in_flight 0.7.0; then
q -d pgflow_inflight_0_7_0 -c "alter extension pgflow update"
result=$(q -d pgflow_inflight_0_7_0 -t -A <<SQL
select extversion from pg_extension where extname = 'pgflow';
select count(*) from pgflow.verify_run('$run7');
select completed from pgflow.progress('$run7');
select string_agg(part || ':' || remaining, ' ' order by part) from pgflow.step_parts where run_id = '$run7' and remaining > 0;
select count(*) from pgflow.complete_tasks(array_fill('$run7'::uuid, array[60]), array_fill('items'::text, array[60]),
                                           array(select generate_series(40, 99)), array(select to_jsonb(i) from generate_series(40, 99) i),
                                           '$worker');
select count(*) from pgflow.poll_for_tasks('kept', 300, 300, 0, 100, '$worker');
select count(*) from pgflow.complete_tasks(array_fill('$run7'::uuid, array[200]), array_fill('items'::text, array[200]),
                                           array(select generate_series(100, 299)), array(select to_jsonb(i) from generate_series(100, 299) i),
                                           '$worker');
select status || ' ' || (output -> 'items' = (select jsonb_agg(i) from generate_series(0, 299) i)) from pgflow.runs where run_id = '$run7';
select count(*) from pgflow.verify_run('$run7');
SQL
)
expected=$(printf '%s\n' "$current" 0 40 '0:260' 60 200 200 'completed true' 0)
[ "$result" = "$expected" ] || { printf 'after the upgrade from 0.7.0:\n%s\nexpected:\n%s\n' "$result" "$expected" >&2; exit 1; }
echo "ok - upgraded from 0.7.0 to $current with the run in flight; its parts were counted again by shard, its leases answered, its queued tasks claimed through the sharded queue index, and it completed, consistent"
fi

if in_flight 0.8.0; then
warnings=$(q -d pgflow_inflight_0_8_0 -c "alter extension pgflow update" 2>&1 | grep -c "WARNING:.*step 'audit' of flow 'gated'" || true)
[ "$warnings" = 1 ] || { echo "the upgrade from 0.8.0 should warn once about step 'audit', warned $warnings times" >&2; exit 1; }
result=$(q -d pgflow_inflight_0_8_0 -t -A <<SQL
select extversion from pg_extension where extname = 'pgflow';
select required_input_pattern from pgflow.steps where flow_slug = 'gated' and step_slug = 'admin';
select string_agg(step_slug || ':' || skip_reason, ' ') from pgflow.step_states where status = 'skipped';
select count(*) from pgflow.complete_task('$run8', 'first', 0, '{"ok": true}', '$worker');
select count(*) from pgflow.complete_task('$run8', 'admin', 0, '"yes"', '$worker');
select string_agg(step_slug || ':' || status, ' ' order by step_slug) from pgflow.step_states where run_id = '$run8';
select count(*) from pgflow.poll_for_tasks('gated', 300, 10, 0, 100, '$worker') where run_id = '$run8';
select count(*) from pgflow.complete_task('$run8', 'notify', 0, '"sent"', '$worker');
select status || ' ' || output::text from pgflow.runs where run_id = '$run8';
select count(*) from pgflow.verify_run('$run8');
select run_id as after from pgflow.start_flow('gated', '{"role": "admin"}') \gset
select status from pgflow.step_states where step_slug = 'admin' and run_id = :'after';
SQL
)
expected=$(printf '%s\n' "$current" '{"role": "admin"}' 'admin:condition_unmet' 1 1 \
  'admin:completed audit:skipped first:completed notify:started' 1 1 'completed {"admin": "yes", "notify": "sent"}' 0 started)
[ "$result" = "$expected" ] || { printf 'after the upgrade from 0.8.0:\n%s\nexpected:\n%s\n' "$result" "$expected" >&2; exit 1; }
echo "ok - upgraded from 0.8.0 to $current with the run in flight; its root condition keeps its meaning in pgflow's form, its skipped step says why, a dependent condition naming run is reported and no longer met, and it completed, consistent"
fi

if in_flight 0.9.0; then
q -d pgflow_inflight_0_9_0 -c "alter extension pgflow update"
result=$(q -d pgflow_inflight_0_9_0 -t -A <<SQL
select extversion from pg_extension where extname = 'pgflow';
select count(*) from pgflow.complete_tasks(
  array(select '$run9'::uuid from generate_series(1, 3)), array['each', 'each', 'each'], array[1, 2, 3],
  array(select (select jsonb_agg(i * 2) from generate_series(t * 10 + 1, t * 10 + 10) i) from generate_series(1, 3) t),
  '$worker');
select count(*) from pgflow.poll_for_tasks('kept', 300, 10, 0, 100, '$worker') where run_id = '$run9';
select count(*) from pgflow.complete_tasks(
  array['$run9', '$run9']::uuid[], array['each', 'each'], array[4, 5],
  array(select (select jsonb_agg(i * 2) from generate_series(t * 10 + 1, t * 10 + 10) i) from generate_series(4, 5) t),
  '$worker');
select count(*) from pgflow.poll_for_tasks('kept', 300, 10, 0, 100, '$worker') where run_id = '$run9';
select count(*) from pgflow.complete_task('$run9', 'total', 0, '"done"', '$worker');
select status, (select output = (select jsonb_agg(i * 2) from generate_series(1, 60) i)
                  from pgflow.step_states where run_id = '$run9' and step_slug = 'each')
from pgflow.runs where run_id = '$run9';
select count(*) from pgflow.verify_run('$run9');
SQL
)
expected=$(printf '%s
' "$current" 3 2 2 1 1 'completed|t' 0)
[ "$result" = "$expected" ] || { printf 'after the upgrade from 0.9.0:
%s
expected:
%s
' "$result" "$expected" >&2; exit 1; }
echo "ok - upgraded from 0.9.0 to $current with the run in flight; its batches were answered, and it completed with every item's output in order, consistent"
fi

if in_flight 0.10.0; then
q -d pgflow_inflight_0_10_0 -c "alter extension pgflow update"
result=$(q -d pgflow_inflight_0_10_0 -t -A <<SQL
select extversion from pg_extension where extname = 'pgflow';
select run_id = '$run10' from pgflow.start_flow('kept', '{}', run_key => 'order-10');
select count(*) from pgflow.runs;
select count(*) from pgflow.complete_task('$run10', 'each', 2, '30', '$worker');
select count(*) from pgflow.complete_task('$run10', 'each', 3, '40', '$worker');
select string_agg(task_index || ':' || output::text, ' ' order by seq)
from pgflow.read_results('$run10', 'each', (select seq from kept_cursor));
select status, output from pgflow.runs where run_id = '$run10';
select count(*) from pgflow.verify_run('$run10');
SQL
)
expected=$(printf '%s\n' "$current" t 1 1 1 '2:30 3:40' 'completed|{"each": [10, 20, 30, 40]}' 0)
[ "$result" = "$expected" ] || { printf 'after the upgrade from 0.10.0:\n%s\nexpected:\n%s\n' "$result" "$expected" >&2; exit 1; }
echo "ok - upgraded from 0.10.0 to $current with the keyed run in flight: its key still finds it (its id random), the cursor read before goes on with the items answered after, and it completed, consistent"
fi

# 2. Catalogs. The 0.1.0 install script is frozen here; its definition functions have other
#    signatures than the installed library's, so that database gets no flow before the update.
install -m 644 tests/upgrade/pgflow--0.1.0.sql "$SHAREDIR/extension/pgflow--0.1.0.sql"
for script in pgflow--0.1.0--0.1.1.sql pgflow--0.1.1--0.2.0.sql pgflow--0.2.0--0.3.0.sql pgflow--0.3.0--0.4.0.sql \
              pgflow--0.4.0--0.5.0.sql pgflow--0.5.0--0.6.0.sql pgflow--0.6.0--0.7.0.sql pgflow--0.7.0--0.8.0.sql \
              pgflow--0.8.0--0.9.0.sql pgflow--0.9.0--0.10.0.sql pgflow--0.10.0--0.11.0.sql; do
  test -f "$SHAREDIR/extension/$script" || { echo "the upgrade script $script is not installed" >&2; exit 1; }
done
createdb pgflow_upgraded
q -d pgflow_upgraded -c "create extension pgflow version '0.1.0'" -c "alter extension pgflow update"
createdb pgflow_fresh
q -d pgflow_fresh -c 'create extension pgflow'
q -d pgflow_fresh -f tests/upgrade/catalog.sql > "$OUT/fresh.txt"
for db in pgflow_upgraded $inflight_dbs; do
  q -d "$db" -f tests/upgrade/catalog.sql > "$OUT/$db.txt"
  if ! diff -u "$OUT/fresh.txt" "$OUT/$db.txt"; then
    echo "the catalog of $db differs from a fresh install's (- fresh, + upgraded)" >&2
    exit 1
  fi
done
echo "ok - upgraded from 0.1.0 and, with runs in flight, from ${IN_FLIGHT:-no release built for PostgreSQL $PG_MAJOR before this one}: the catalog matches a fresh install's ($(wc -l < "$OUT/fresh.txt") lines)"

# 3. The suite expects an empty database, as a fresh one is.
q -d pgflow_upgraded -c 'create extension pgtap' -f tests/fixtures.sql
pg_prove -d pgflow_upgraded --recurse --ext .sql ${PG_PROVE_FLAGS:-} tests/pgtap
