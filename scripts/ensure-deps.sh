#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already there:
# Debian packages, cargo-pgrx 0.18.1 and its configuration for the PostgreSQL of
# scripts/pg-config.sh. Without PG_CONFIG that is Debian's PostgreSQL 15, installed here; with it,
# that server is the caller's and only pgTAP's Debian package for its version is added.
set -euo pipefail
PGRX_VERSION=0.18.1
PG_CONFIG_GIVEN=${PG_CONFIG:-}
major=${PG_CONFIG:+$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')}
major=${major:-15}

# chromium: the dashboard's browser test (headless, driven by playwright-core).
# postgresql-15-pgtap: pgTAP for 15, and the SQL scripts/postgres.sh copies into 17 and 18.
pkgs=(pgtap clang libclang-dev pkg-config build-essential sudo chromium postgresql-15-pgtap)
# A caller's server of another major gets its pgTAP from Debian too (one built here has it).
case "${PG_CONFIG:-}" in
  "" | "$(cd "$(dirname "$0")/.." && pwd)"/target/postgres/*) ;;
  *) pkgs+=("postgresql-$major-pgtap") ;;
esac
[ -n "${PG_CONFIG:-}" ] || pkgs+=("postgresql-$major" "postgresql-server-dev-$major")
"$(dirname "$0")/install-packages.sh" "${pkgs[@]}"

if [ "$(cargo pgrx --version 2>/dev/null)" != "cargo-pgrx $PGRX_VERSION" ]; then
  echo "== installing cargo-pgrx $PGRX_VERSION (about 7 minutes)"
  cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
fi

# A plain `cargo pgrx init` would try to download PostgreSQL; point it at the servers: the one of
# PG_CONFIG, else every major `make test` runs on (scripts/postgres.sh builds 17 and 18), all in
# one init, which writes pgrx's configuration anew.
. "$(dirname "$0")/pg-config.sh"
if [ -n "${PG_CONFIG_GIVEN:-}" ]; then
  init=("--pg$PG_MAJOR" "$PG_CONFIG")
else
  init=()
  for v in $("$(dirname "$0")/postgres.sh" versions); do
    init+=("--pg$v" "$("$(dirname "$0")/postgres.sh" pg-config "$v")")
  done
fi
for ((i = 0; i < ${#init[@]}; i += 2)); do
  if ! grep -qsF "${init[i]#--} = \"${init[i + 1]}\"" "${PGRX_HOME:-$HOME/.pgrx}/config.toml"; then
    cargo pgrx init "${init[@]}"
    break
  fi
done

# The dsl-ts package and the benchmark driver need Node.js 20 or later with npm. Debian 12's own
# nodejs is 18, too old for vitest 4, so this only checks and says what is wrong.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] || ! command -v npm >/dev/null; then
  echo "ensure-deps: Node.js >= 20 with npm is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
