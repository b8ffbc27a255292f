#!/usr/bin/env bash
# A private PostgreSQL cluster (scripts/pg-config.sh) for tests and the demo, under target/ (ignored by git).
# Usage: scripts/cluster.sh start|stop|restart|crash-restart|env. Runs as root; the server runs as the
# postgres user. `start` makes a new cluster; `restart` starts the existing one again (after a crash,
# say); `crash-restart` stops a running one at once, as a crash would, and starts it again.
# `env` prints the PG* variables that point psql at the cluster. PGFLOW_SERVER_OPTS adds server
# options (the benchmark preloads pg_stat_statements with it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/pg-config.sh"
CLUSTER=${PGFLOW_CLUSTER:-$ROOT/target/cluster}
PORT=${PGFLOW_PORT:-5499}
# The socket directory sits under /tmp when the checkout's path would make the socket path too long.
SOCK=$CLUSTER/sock
if [ $(( ${#SOCK} + 20 )) -gt 100 ]; then SOCK=/tmp/pgflow-sock-$PORT; fi

as_postgres() { runuser -u postgres -- "$@"; }
start_server() {
  as_postgres "$PGBIN/pg_ctl" -D "$CLUSTER/data" -l "$CLUSTER/server.log" \
    -o "-p $PORT -k $SOCK -c listen_addresses='' -c max_connections=50 ${PGFLOW_SERVER_OPTS:-}" -w start >/dev/null
}

case "${1:-}" in
  start)
    unset RUST_BACKTRACE # else every error raised from Rust carries a backtrace in DETAIL
    if [ -f "$CLUSTER/data/postmaster.pid" ]; then
      as_postgres "$PGBIN/pg_ctl" -D "$CLUSTER/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$CLUSTER"
    # postgres must be able to traverse every parent of the cluster directory.
    dir=$CLUSTER
    while dir=$(dirname "$dir"); [ "$dir" != / ]; do chmod o+x "$dir" 2>/dev/null || true; done
    install -d -o postgres -g postgres -m 700 "$CLUSTER" "$CLUSTER/data"
    install -d -o postgres -g postgres -m 700 "$SOCK"
    as_postgres "$PGBIN/initdb" -D "$CLUSTER/data" -U postgres --auth=trust -E UTF8 \
      --locale=C.UTF-8 --no-instructions >/dev/null
    start_server
    ;;
  restart)
    unset RUST_BACKTRACE
    start_server
    ;;
  crash-restart)
    unset RUST_BACKTRACE
    as_postgres "$PGBIN/pg_ctl" -D "$CLUSTER/data" -m immediate -w stop >/dev/null
    start_server
    ;;
  stop)
    if [ -f "$CLUSTER/data/postmaster.pid" ]; then
      as_postgres "$PGBIN/pg_ctl" -D "$CLUSTER/data" -m fast -w stop >/dev/null
    fi
    ;;
  env)
    echo "export PGHOST=$SOCK PGPORT=$PORT PGUSER=postgres PGBIN=$PGBIN PGFLOW_CLUSTER=$CLUSTER"
    ;;
  *)
    echo "usage: $0 start|stop|restart|crash-restart|env" >&2
    exit 2
    ;;
esac
