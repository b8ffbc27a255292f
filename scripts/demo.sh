#!/usr/bin/env bash
# The demo: builds and installs the extension, starts a private cluster under target/, and runs
# the `squares` flow from dsl-ts/examples: defined with the TypeScript DSL, compiled to SQL, and
# run by two workers over a few thousand items, printing progress and the ordered result.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/pg-config.sh
export ITEMS=${ITEMS:-5000}
export PGFLOW_CLUSTER=$ROOT/target/demo-cluster PGFLOW_PORT=${PGFLOW_PORT:-5498}

echo "== building and installing the extension (release)"
cargo pgrx install --release --pg-config "$PG_CONFIG" >/dev/null
echo "== building the dsl-ts package"
scripts/npm-ci-if-needed.sh dsl-ts
(cd dsl-ts && npm run --silent build)
echo "== starting a private cluster in $PGFLOW_CLUSTER (port $PGFLOW_PORT)"
scripts/cluster.sh start
trap 'scripts/cluster.sh stop' EXIT
eval "$(scripts/cluster.sh env)"
createdb demo
psql -X -q -v ON_ERROR_STOP=1 -d demo -c 'create extension pgflow'

DATABASE_URL=postgres:///demo node dsl-ts/dist/examples/demo.js
