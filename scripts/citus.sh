#!/usr/bin/env bash
# Citus for the Citus tests (run as root): a coordinator and two workers, each a private cluster of
# scripts/cluster.sh with Citus preloaded, under target/citus/ (ports 5490, 5491, 5492).
#   scripts/citus.sh build   builds Citus 13.2.2 from vendor/citus into the PostgreSQL of
#                            scripts/pg-config.sh, unless that one already has it (1-2 minutes)
#   scripts/citus.sh start   new clusters, Citus preloaded (each database that uses it creates the
#                            extension on every node and registers the workers: tests/citus/common.sh)
#   scripts/citus.sh port [NODE]  a node's port
#   scripts/citus.sh stop
#   scripts/citus.sh supports MAJOR  whether Citus 13.2.2 builds for that PostgreSQL major (15 to 17;
#                            14.0 dropped 15, and 18 needs 14)
#   scripts/citus.sh env [NODE]  the PG* variables that point psql at the coordinator (or at NODE:
#                            worker1, worker2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CITUS_VERSION=13.2.2
CITUS_MAJORS="15 16 17"
if [ "${1:-}" = supports ]; then
  case " $CITUS_MAJORS " in *" ${2:?scripts/citus.sh supports MAJOR} "*) exit 0 ;; esac
  exit 1
fi
. scripts/pg-config.sh
NODES=(coordinator:5490 worker1:5491 worker2:5492)

node_env() { # name:port -> the variables scripts/cluster.sh reads
  echo "PGFLOW_CLUSTER=$ROOT/target/citus/${1%%:*} PGFLOW_PORT=${1##*:}"
}

case "${1:-}" in
  build)
    # The library names its version ("Citus 13.2.2 on ..."): built already, nothing to do.
    if grep -aqs "Citus $CITUS_VERSION on " "$("$PG_CONFIG" --pkglibdir)/citus.so"; then
      exit 0
    fi
    # A server built here (scripts/postgres.sh) has its headers; Debian's needs its -dev package.
    case "$PG_CONFIG" in
      "$ROOT"/target/postgres/*) server_dev=() ;;
      *) server_dev=("postgresql-server-dev-$PG_MAJOR") ;;
    esac
    scripts/install-packages.sh libzstd-dev liblz4-dev libcurl4-openssl-dev libkrb5-dev libssl-dev \
      libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev "${server_dev[@]}"
    build=$ROOT/target/citus-build
    rm -rf "$build"
    mkdir -p "$build"
    tar -xJf vendor/citus/citus-$CITUS_VERSION.tar.xz -C "$build"
    cd "$build/citus-$CITUS_VERSION"
    patch -s -p1 < "$ROOT/vendor/citus/pg15-have-createdb-privilege.patch"
    echo "== building Citus $CITUS_VERSION (1-2 minutes)"
    ./configure -q PG_CONFIG="$PG_CONFIG" >/dev/null
    make -s -j"$(nproc)" >/dev/null
    make -s install >/dev/null
    ;;
  start)
    # TCP on loopback: the nodes reach each other as 127.0.0.1 and a port.
    opts="-c shared_preload_libraries=citus -c listen_addresses=127.0.0.1 -c max_prepared_transactions=50"
    for node in "${NODES[@]}"; do
      env $(node_env "$node") PGFLOW_SERVER_OPTS="$opts" scripts/cluster.sh start
    done
    ;;
  port)
    for node in "${NODES[@]}"; do
      if [ "${node%%:*}" = "${2:-coordinator}" ]; then echo "${node##*:}"; exit 0; fi
    done
    echo "scripts/citus.sh port: no node ${2}" >&2
    exit 2
    ;;
  stop)
    for node in "${NODES[@]}"; do env $(node_env "$node") scripts/cluster.sh stop || true; done
    ;;
  env)
    for node in "${NODES[@]}"; do
      if [ "${node%%:*}" = "${2:-coordinator}" ]; then env $(node_env "$node") scripts/cluster.sh env; exit 0; fi
    done
    echo "scripts/citus.sh env: no node ${2}" >&2
    exit 2
    ;;
  *)
    echo "usage: scripts/citus.sh build|start|stop|port|env|supports" >&2
    exit 2
    ;;
esac
