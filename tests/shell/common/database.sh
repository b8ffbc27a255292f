# Sourced by the shell tests, from the repository root: the private cluster's environment (of
# scripts/test.sh), q (one query on the database $DB, unaligned), fail, and fresh_database NAME,
# which makes $DB a new database of that name with the extension created.
eval "$(scripts/cluster.sh env)"
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
fresh_database() {
  DB=$1
  dropdb --if-exists "$DB" 2>/dev/null
  createdb "$DB"
  q "create extension pgflow" >/dev/null
}
