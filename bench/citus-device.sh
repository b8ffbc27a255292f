#!/usr/bin/env bash
# One node against Citus on a machine with more cores: the device tool's, which has no PostgreSQL
# and reaches no registry (../shared/scaling-bench/README.md does the same for one node).
#   bench/citus-device.sh bundle
#       here, as root, once `make test-citus` has built Citus: packs Debian's PostgreSQL 15
#       binaries, the installed pgflow and Citus, every shared library they load (the loader too)
#       and data dirs prepared here (one node; a coordinator and WORKERS workers, default 2) into
#       .devbundle/citus.tar.xz (add /.devbundle/ to .git/info/exclude).
#   bash bench/citus-device.sh run
#       there (device tool: carry [".devbundle"]), or here to try it: unpacks the bundle into
#       /opt/pgflow-citus-bench, starts the nodes from it, and measures bench/citus-lib.sh's work on
#       one node, then on the coordinator and its workers: one markdown row per system, as
#       bench/citus.sh. For example, on 16 cores:
#         W=16 R=64 M=20000 T=10 PGOPTS="-c shared_buffers=4GB -c max_wal_size=16GB" \
#           bash bench/citus-device.sh run
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUNDLE=${BUNDLE:-$ROOT/.devbundle/citus.tar.xz}
P=/usr/lib/postgresql/15
WORKERS=${WORKERS:-2}
PORT_SINGLE=5610 PORT_COORDINATOR=5611 # the workers 5612 on
CITUS_OPTS="-c shared_preload_libraries=citus -c max_prepared_transactions=200"

# The nodes' data dirs, by name.
nodes() { echo single coordinator; seq -f 'worker%g' 1 "$WORKERS"; }

bundle() {
  local stage=$ROOT/.devbundle/citus-stage node sock
  [ -f "$P/lib/citus.so" ] || { echo "Citus is not built into $P: run make test-citus first" >&2; exit 1; }
  rm -rf "$stage"
  mkdir -p "$stage/lib" "$stage$P/bin" "$stage$P/lib" "$stage/usr/share/postgresql" "$stage/zoneinfo"
  cp "$P/bin/postgres" "$P/bin/pgbench" "$P/bin/psql" "$stage$P/bin/"
  cp "$P/lib/plpgsql.so" "$P/lib/pgflow.so" "$P/lib"/citus*.so "$stage$P/lib/"
  cp -r /usr/share/postgresql/15 "$stage/usr/share/postgresql/15"
  cp /usr/share/zoneinfo/UTC "$stage/zoneinfo/UTC"
  for f in "$stage$P"/bin/* "$stage$P"/lib/*.so; do
    ldd "$f" | awk '/=> \//{print $3} /ld-linux/{print $1}'
  done | sort -u | while read -r lib; do cp -L "$lib" "$stage/lib/"; done
  # The data dirs, each with its database bench (and Citus created in it, but on the single node).
  sock=$(mktemp -d)
  chown postgres "$sock"
  for node in $(nodes); do
    install -d -o postgres -g postgres -m 700 "$stage/data/$node"
    runuser -u postgres -- "$P/bin/initdb" -D "$stage/data/$node" -U postgres --auth=trust -E UTF8 \
      --locale=C.UTF-8 --no-instructions >/dev/null
    opts="-p 5609 -k $sock -c listen_addresses="
    [ "$node" = single ] || opts="$opts $CITUS_OPTS"
    runuser -u postgres -- "$P/bin/pg_ctl" -D "$stage/data/$node" -o "$opts" -w start >/dev/null
    "$P/bin/createdb" -h "$sock" -p 5609 -U postgres bench
    [ "$node" = single ] || "$P/bin/psql" -X -q -h "$sock" -p 5609 -U postgres -d bench -c "create extension citus"
    runuser -u postgres -- "$P/bin/pg_ctl" -D "$stage/data/$node" -m fast -w stop >/dev/null
  done
  rm -rf "$sock"
  (cd "$stage" && tar -cJf "$BUNDLE" .)
  rm -rf "$stage"
  du -sh "$BUNDLE"
}

run() {
  local i envs=()
  # Global: the trap reads them once this function has returned.
  base=/opt/pgflow-citus-bench sock=/tmp/pgflow-citus-bench
  # Servers a run stopped midway left behind.
  pkill -INT -f "$base/usr" 2>/dev/null && sleep 2 || true
  rm -rf "$base"
  mkdir -p "$base"
  python3 -c 'import tarfile, sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$BUNDLE" "$base"
  # A user to run the servers as (PostgreSQL refuses root), and the time zone they read.
  id 7777 >/dev/null 2>&1 || { echo "pgb:x:7777:7777::/tmp:/bin/sh" >>/etc/passwd; echo "pgb:x:7777:" >>/etc/group; }
  [ -f /usr/share/zoneinfo/UTC ] || { mkdir -p /usr/share/zoneinfo/Etc; cp "$base/zoneinfo/UTC" /usr/share/zoneinfo/UTC;
                                      cp "$base/zoneinfo/UTC" /usr/share/zoneinfo/Etc/UTC; }
  chown -R 7777:7777 "$base/data"
  chmod 700 "$base"/data/*
  rm -rf "$sock"
  mkdir -p "$sock"
  chown 7777 "$sock"
  LDX="$base/lib/ld-linux-x86-64.so.2 --library-path $base/lib"
  PGBENCH="$LDX $base$P/bin/pgbench" PSQL="$LDX $base$P/bin/psql"
  . "$ROOT/bench/citus-lib.sh"
  # HOME is the sockets' folder: a node's connections to the others look for client certificates there.
  asuser() { HOME=$sock python3 -c 'import os, sys; os.setgid(7777); os.setuid(7777); os.execvp(sys.argv[1], sys.argv[1:])' "$@"; }
  start() { # NODE PORT OPTS...
    local node=$1 port=$2
    shift 2
    asuser $LDX "$base$P/bin/postgres" -D "$base/data/$node" -p "$port" -k "$sock" -c listen_addresses=127.0.0.1 \
      -c max_connections=300 "$@" ${PGOPTS:-} >"$sock/$node.log" 2>&1 &
    for _ in $(seq 1 120); do
      sql_on "$(env_of "$port")" "select 1" >/dev/null 2>&1 && return 0
      sleep 0.5
    done
    echo "$node did not start" >&2
    tail -20 "$sock/$node.log" >&2
    exit 1
  }
  stop() { kill -INT "$(head -1 "$base/data/$1/postmaster.pid")"; while [ -f "$base/data/$1/postmaster.pid" ]; do sleep 0.2; done; }
  env_of() { echo "export PGHOST=$sock PGPORT=$1 PGUSER=postgres"; }
  trap 'for n in $(nodes); do [ -f "$base/data/$n/postmaster.pid" ] && stop "$n"; done' EXIT

  echo "cpus $(nproc); $($LDX "$base$P/bin/postgres" --version); workers $WORKERS; settings: ${PGOPTS:-none}"
  bench_header
  start single "$PORT_SINGLE"
  bench_one_node "$(env_of "$PORT_SINGLE")"
  stop single

  start coordinator "$PORT_COORDINATOR" $CITUS_OPTS
  for i in $(seq 1 "$WORKERS"); do
    start "worker$i" $((PORT_COORDINATOR + i)) $CITUS_OPTS
    envs+=("$(env_of $((PORT_COORDINATOR + i)))")
  done
  coordinator=$(env_of "$PORT_COORDINATOR")
  sql_on "$coordinator" "select citus_set_coordinator_host('127.0.0.1', $PORT_COORDINATOR)" >/dev/null
  for i in $(seq 1 "$WORKERS"); do
    sql_on "$coordinator" "select citus_add_node('127.0.0.1', $((PORT_COORDINATOR + i)))" >/dev/null
  done
  sql_on "$coordinator" "create extension pgflow" >/dev/null
  sql_on "$coordinator" "select pgflow.distribute()" >/dev/null
  bench_citus "$coordinator" "${envs[@]}"
}

case "${1:-}" in
  bundle) bundle ;;
  run) run ;;
  *) echo "usage: bench/citus-device.sh bundle | run" >&2; exit 2 ;;
esac
