#!/usr/bin/env bash
# Race tests: every spec under tests/isolation/specs, run by PostgreSQL's isolation tester against
# the private cluster that scripts/test.sh started (PG* variables set). Each spec creates the
# extension in its setup and drops it in its teardown; output must match tests/isolation/expected.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. scripts/pg-config.sh
PGXS=$(dirname "$(dirname "$(dirname "$("$PG_CONFIG" --pgxs)")")")
# Every spec, or the ones named as arguments (without .spec).
specs=${*:-$(cd tests/isolation/specs && ls *.spec | sed 's/\.spec$//')}
rm -rf target/isolation
if ! "$PGXS/src/test/isolation/pg_isolation_regress" --inputdir=tests/isolation --outputdir=target/isolation \
     --host="$PGHOST" --port="$PGPORT" --user=postgres --dbname=pgflow_isolation $specs; then
  cat target/isolation/regression.diffs >&2
  exit 1
fi
