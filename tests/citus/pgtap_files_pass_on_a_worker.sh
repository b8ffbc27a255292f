#!/usr/bin/env bash
# The pgTAP files in the Citus mode: pgflow distributed with one shard per table, so that every
# run of a file is on the worker the file runs on (a file starts runs and claims them in one
# session, and a claim takes the tasks of its own node's shards), pgTAP and the fixtures created
# from the coordinator. Every file passes but those tests/citus/pgtap-one-node-only.txt lists, each
# with why, and each of those still fails (a file that starts to pass leaves the list).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
fresh_citus_database pgflow_pgtap
q "set citus.shard_count = 1; select pgflow.distribute()" >/dev/null
q "create extension pgtap" >/dev/null
(eval "$(scripts/citus.sh env)"; psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -f tests/fixtures.sql >/dev/null)
port=$(q "select n.nodeport from pg_dist_placement p join pg_dist_node n on n.groupid = p.groupid
          where p.shardid = get_shard_id_for_distribution_column('pgflow.runs', gen_random_uuid())")
node=$(for n in worker1 worker2; do if [ "$(scripts/citus.sh port $n)" = "$port" ]; then echo $n; fi; done)
[ -n "$node" ] || fail "the one shard is on no worker"

report=$(mktemp)
trap 'rm -f "$report"' EXIT
# The files' own helpers (functions and tables in pg_temp) are created on the worker alone: Citus
# would send DDL to every node, which it allows from the coordinator only.
(eval "$(scripts/citus.sh env "$node")"
 PGOPTIONS="-c citus.enable_ddl_propagation=off" pg_prove -d "$DB" --recurse --ext .sql tests/pgtap >"$report" 2>&1) || true
failed=$(sed -n -E 's|^tests/pgtap/([^ ]+)\.sql +\(Wstat.*|\1|p' "$report" | sort)
listed=$(grep -v '^#' tests/citus/pgtap-one-node-only.txt | cut -d: -f1 | sort)
files=$(cd tests/pgtap && ls */*.sql | wc -l)
[ "$(grep -c '' <<<"$listed")" -lt "$files" ] || fail "no file left to run"
for file in $listed; do
  [ -f "tests/pgtap/$file.sql" ] || fail "tests/citus/pgtap-one-node-only.txt lists $file, which is no pgTAP file"
done
if [ "$failed" != "$listed" ]; then
  echo "failed on $node, not listed:" $(comm -23 <(echo "$failed") <(echo "$listed"))
  echo "listed, passed:" $(comm -13 <(echo "$failed") <(echo "$listed"))
  grep -E -A4 '^(not ok|# +Failed|.*ERROR)' "$report" | head -40
  fail "the pgTAP files on $node do not pass as tests/citus/pgtap-one-node-only.txt says"
fi
echo "ok - $((files - $(grep -c '' <<<"$listed"))) of $files pgTAP files pass on a worker in the Citus mode;" \
  "the $(grep -c '' <<<"$listed") others fail as tests/citus/pgtap-one-node-only.txt says why"
