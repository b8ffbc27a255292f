#!/usr/bin/env bash
# Every statement of the engine (each file of sql/queries, fragments expanded, as the release build
# compiled it in) is prepared on a distributed coordinator with its header's argument types and
# explained with one value per argument, one run's id wherever it takes runs, as Citus plans a call:
# with the values bound. What Citus makes of it is compared, line by line, with
# tests/citus/statement-plans.txt:
#   utility      a command that is not planned (run as it is by pgflow.distribute)
#   local        no distributed table read or written (plain PostgreSQL on the node)
#   one shard    the whole statement runs as one task on one shard (or one node's copy of the
#                reference tables): routed to the node that holds the run
#   one shard, rows from here   an INSERT whose rows are made on the node the call runs on (from
#                its arguments, or its copy of the reference tables: one task at most) and written
#                to the shard of the run they name, in one go (Citus' "pull to coordinator": Citus
#                routes no INSERT ... SELECT into step_tasks, whose message ids come from a sequence)
#   one shard, in steps   every part of it runs on one shard, but Citus splits it into parts whose
#                results go through the node that planned it (distributed subplans)
#   all shards   it reads more than one shard (the cross-run readers: lists, stats, deadlines)
#   refused: …   Citus' error
# The file is what Citus does today, the ones still refused included: a statement that starts to
# route, or stops to, changes a line, and the test fails until the file says so
# (UPDATE_RECORD=1 writes it). And every statement whose arguments name a run (run_id, run_ids)
# must run whole on its shard (`one shard`, or `one shard, rows from here`), unless its header says
# that the Citus mode runs something else ("One node only:"), that it reads or writes across the
# nodes by nature ("Across nodes:"), or that it runs on the run's shard as plain PostgreSQL ("On
# the run's shard:"): the test fails naming any other.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
. scripts/pg-config.sh
fresh_citus_database pgflow_statements
q "select pgflow.distribute()" >/dev/null

# The statements as compiled from this source: build.rs writes them, fragments expanded, to its
# output folder, which cargo names. target/ holds several such folders (clippy's, the released
# builds of the upgrade test), so cargo is asked which is this source's: with the command
# `cargo pgrx install --release` runs (its -v output), which is a no-op after the install.
out=$(cargo --config "target.'cfg(all(target_family = \"unix\", not(target_os = \"macos\")))'.rustflags = [\"-C\", \"link-arg=-Wl,--no-gc-sections\"]" \
        build --lib --release --features "pg$PG_MAJOR" --no-default-features --message-format=json 2>/dev/null \
      | grep '"reason":"build-script-executed"' | grep '#pgflow@' \
      | sed -n 's/.*"out_dir":"\([^"]*\)".*/\1/p' || true)/sql
[ -d "$out" ] || fail "cargo named no output folder of build.rs holding the statements ($out)"

run=00000000-0000-4000-8000-000000000001
value() { # an argument's SQL type -> a value of it
  case "$1" in
    uuid) echo "'$run'::uuid" ;;
    uuid\[\]) echo "array['$run']::uuid[]" ;;
    text) echo "'x'" ;;
    text\[\]) echo "array['x']" ;;
    integer) echo 1 ;;
    integer\[\]) echo "array[1]" ;;
    bigint) echo 1 ;;
    boolean) echo false ;;
    jsonb) echo "'{}'::jsonb" ;;
    jsonb\[\]) echo "array['{}'::jsonb]" ;;
    numeric) echo 1 ;;
    interval) echo "interval '1 hour'" ;;
    "timestamp with time zone") echo "timestamptz '2026-01-01'" ;;
    *) fail "no value for type $1" ;;
  esac
}

actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
# The statements are the files of sql/queries (the build folder may keep files since removed).
for file in $(cd sql/queries && ls */*.sql | sort); do
  header=$(awk '/^-- args:/ { sub(/^-- args: */, ""); a = $0; on = 1; next }
                on && /^--  / { sub(/^-- +/, ""); a = a " " $0; next }
                { exit } END { print a }' "$out/$file")
  types=() values=()
  if [ "$header" != none ]; then
    IFS=',' read -ra items <<<"$header"
    for item in "${items[@]}"; do
      item=${item# }
      types+=("${item#* }")
      values+=("$(value "${item#* }")")
    done
  fi
  sig=$(IFS=,; echo "${types[*]:-}")
  vals=$(IFS=,; echo "${values[*]:-}")
  if grep -v '^--' "$out/$file" | grep -m1 . | grep -Eqi '^(drop|do|alter|create|set) '; then
    printf '%-42s %s\n' "${file%.sql}" utility >>"$actual"
    continue
  fi
  explained=$(q "begin;
                 prepare s${sig:+($sig)} as $(cat "$out/$file");
                 explain (costs off) execute s${vals:+($vals)};
                 rollback" 2>&1) || true
  if grep -q '^ERROR:' <<<"$explained"; then
    verdict="refused: $(grep -m1 '^ERROR:' <<<"$explained" | sed 's/^ERROR: *//')"
  elif grep -q 'INSERT/SELECT method: pull to coordinator' <<<"$explained" \
       && ! grep -Eq 'Task Count: ([2-9]|[1-9][0-9]+)|Distributed Subplan' <<<"$explained"; then
    verdict="one shard, rows from here"
  elif ! grep -q 'Task Count:' <<<"$explained"; then
    verdict=local
  elif grep -Eq 'Task Count: ([2-9]|[1-9][0-9]+)' <<<"$explained"; then
    verdict="all shards"
  elif grep -q 'Distributed Subplan' <<<"$explained"; then
    verdict="one shard, in steps"
  else
    verdict="one shard"
  fi
  printf '%-42s %s\n' "${file%.sql}" "$verdict" >>"$actual"
done

# UPDATE_RECORD=1 writes today's plans into the record (then read its diff before committing it).
[ "${UPDATE_RECORD:-}" != 1 ] || cp "$actual" tests/citus/statement-plans.txt
if ! diff -u tests/citus/statement-plans.txt "$actual"; then
  fail "Citus plans the statements otherwise than tests/citus/statement-plans.txt records (the diff above; + is today's)"
fi
echo "ok - $(wc -l <"$actual") statements plan as recorded: $(grep -c ' one shard$' "$actual") on one shard," \
  "$(grep -c ' rows from here$' "$actual") writing one shard rows made here," \
  "$(grep -c ' in steps$' "$actual") on one shard in steps, $(grep -c ' all shards$' "$actual") on all, $(grep -c ' local$' "$actual") local, $(grep -c ' refused: ' "$actual") refused"

# The statements that name a run (run_id, run_ids) must run whole on its shard. A statement that
# reads no distributed table (local) runs on the node it is made on, and one whose header says
# "On the run's shard:" runs there as plain PostgreSQL (plans::rows_on_run_shard). Apart: those
# the Citus mode never runs (their header says "One node only:", and what it runs instead) and
# those that read or write across the nodes, a tree's runs or every run ("Across nodes:").
apart() { grep -qE "^-- $2:" "$out/$1.sql"; }
left=$(while read -r file verdict; do
  [ "$verdict" = "one shard" ] && continue
  [ "$verdict" = "one shard, rows from here" ] && continue
  [ "$verdict" = "local" ] && continue
  apart "$file" "On the run's shard" && continue
  apart "$file" "One node only" && continue
  apart "$file" "Across nodes" && continue
  grep -Eq '^-- args:.*\brun_ids? uuid' "$out/$file.sql" && echo "$file"
done <"$actual")
one_node=$(cd sql/queries && grep -lE '^-- One node only:' */*.sql | sed 's/\.sql$//')
across=$(cd sql/queries && grep -lE '^-- Across nodes:' */*.sql | sed 's/\.sql$//')
for file in $one_node $across; do
  grep -q "^$file " "$actual" || fail "$file: no such statement"
done
named=$(cd sql/queries && grep -lE '^-- args:.*\brun_ids? uuid' */*.sql | sed 's/\.sql$//' | grep -cvxF -f <(printf '%s\n' $one_node $across))
[ -z "$left" ] || fail "these statements name a run but do not run whole on its shard:" $left
echo "ok - all $named statements of the Citus mode that name a run run whole on its shard:" \
  "$(grep -cE '^-- args:.*\brun_ids? uuid' <(for f in $(grep ' rows from here$' "$actual" | cut -d' ' -f1); do head -1 "$out/$f.sql"; done)) of them writing rows made on the calling node"
on_shard=$(cd sql/queries && grep -l "^-- On the run's shard:" */*.sql | sed 's/\.sql$//')
echo "ok - of those, run on the run's shard as plain PostgreSQL:" $on_shard
echo "ok - apart: the Citus mode runs others instead of" $one_node "(one node only); read across the nodes:" $across
