# Sourced by the Citus tests, from the repository root (scripts/test-citus.sh has started the
# nodes): q (one query on the coordinator's database $DB, unaligned), q_on NODE (the same on a
# worker's), fail, and fresh_citus_database NAME: a database of that name on every node with citus
# created, the workers registered with the coordinator (Citus keeps its nodes per database), and
# pgflow created on the coordinator, from where Citus creates it on the workers.
q() { (eval "$(scripts/citus.sh env)"; psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" -c "$1"); }
q_on() { (eval "$(scripts/citus.sh env "$1")"; psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" -c "$2"); }
fail() { echo "FAIL: $*" >&2; exit 1; }
fresh_citus_database() {
  DB=$1
  local node
  for node in coordinator worker1 worker2; do
    (eval "$(scripts/citus.sh env $node)"
     dropdb --if-exists --force "$DB" 2>/dev/null
     createdb "$DB"
     psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "create extension citus" >/dev/null)
  done
  q "select citus_set_coordinator_host('127.0.0.1', $(scripts/citus.sh port coordinator));
     select citus_add_node('127.0.0.1', $(scripts/citus.sh port worker1));
     select citus_add_node('127.0.0.1', $(scripts/citus.sh port worker2))" >/dev/null
  q "create extension pgflow" >/dev/null
}
