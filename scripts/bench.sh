#!/usr/bin/env bash
# The benchmark (never part of make test): release build, a private cluster under target/
# (port 5497), the Node driver under bench/, results in BENCHMARKS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/pg-config.sh
export PGFLOW_CLUSTER=$ROOT/target/bench-cluster PGFLOW_PORT=${PGFLOW_PORT:-5497}
cargo pgrx install --release --pg-config "$PG_CONFIG"
scripts/npm-ci-if-needed.sh bench
# The soak runs the shipped dsl-ts worker.
scripts/npm-ci-if-needed.sh dsl-ts
(cd dsl-ts && npm run --silent build)
# The Rust worker of client/, measured beside the dsl-ts worker.
cargo build --release --locked --manifest-path client/Cargo.toml --example noop_worker
export BENCH_RUST_WORKER=$ROOT/client/target/release/examples/noop_worker
# pgflow from npm needs pgmq: its install script comes from the pgmq crate's source (cargo fetch
# unpacks it into the cargo registry) and is installed as an extension with a control file.
cargo fetch --locked --manifest-path bench/pgmq-source/Cargo.toml
PGMQ_SQL=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/src" -path '*/pgmq-0.33.7/src/install/embedded/sql/pgmq.sql' | head -1)
[ -n "$PGMQ_SQL" ] || { echo "pgmq's install script was not found in the cargo registry" >&2; exit 1; }
EXTDIR=$("$PG_CONFIG" --sharedir)/extension
install -m 644 "$PGMQ_SQL" "$EXTDIR/pgmq--1.11.1.sql"
printf "comment = 'pgmq 1.11.1, from the pgmq crate, for the benchmark'\ndefault_version = '1.11.1'\nschema = 'pgmq'\nrelocatable = false\n" \
  > "$EXTDIR/pgmq.control"
# autovacuum_naptime 10 s, as docs/operations.md advises for a database that hosts the queue: the
# default minute lets a busy queue pile up dead tuples between visits.
PGFLOW_SERVER_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c autovacuum_naptime=10s" \
  scripts/cluster.sh start
trap 'scripts/cluster.sh stop' EXIT
eval "$(scripts/cluster.sh env)"
createdb bench
createdb bench_pgflow
PGDATABASE=bench node bench/run.mjs --out "$ROOT/BENCHMARKS.md" "$@"
