# Sourced by the scripts: which PostgreSQL they build against and run. $PG_CONFIG when set, else
# the pg_config on PATH, else Debian's PostgreSQL 15 (what scripts/ensure-deps.sh installs). Sets
# PG_CONFIG (the server's own, not a wrapper), PG_MAJOR and PGBIN.
if [ -z "${PG_CONFIG:-}" ]; then
  PG_CONFIG=$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)
fi
# Debian's /usr/bin/pg_config is a wrapper: use the one beside the server it points at.
if [ -x "$("$PG_CONFIG" --bindir)/pg_config" ]; then PG_CONFIG=$("$PG_CONFIG" --bindir)/pg_config; fi
PG_MAJOR=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
PGBIN=${PGBIN:-$("$PG_CONFIG" --bindir)}
export PG_CONFIG PG_MAJOR PGBIN
