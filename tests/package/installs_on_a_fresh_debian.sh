#!/usr/bin/env bash
# The packages of `make package` as a database host installs them. A fresh minimal Debian of the
# release that packages PostgreSQL $PG_MAJOR (debootstrap into target/package-test/MAJOR: nothing
# was ever built there, no Rust toolchain) installs postgresql-MAJOR-pgflow and pgflow with apt-get,
# which brings in Debian's own postgresql-MAJOR; `create extension pgflow` and a fan-out of 100
# items run to the end with SQL as a worker runs them; the pgflow command reads the run; then the
# extension is dropped and the packages removed, leaving the server. Run as root, after
# `scripts/package.sh MAJOR` (`make test T=package` does both).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. scripts/pg-config.sh
fail() { echo "not ok - $*" >&2; exit 1; }

major=$PG_MAJOR
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml)
extension=$(scripts/package.sh path "postgresql-$major-pgflow")
command=$(scripts/package.sh path pgflow)
for deb in "$extension" "$command"; do
  [ -f "$deb" ] || fail "no $deb: run scripts/package.sh $major first"
done
suite=$(scripts/postgres.sh suite "$major")
HOST=$ROOT/target/package-test/$major
PORT=5494
DATA=/var/lib/postgresql/pgflow-test

inside() { chroot "$HOST" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
as_postgres() {
  chroot --userspec=postgres:postgres "$HOST" env -i PATH="/usr/lib/postgresql/$major/bin:/usr/bin:/bin" \
    HOME=/var/lib/postgresql LANG=C.UTF-8 PGHOST=/tmp PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres "$@"
}
sql() { as_postgres psql -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }
# Every mount under the folder, deepest first: the folder is removed only with none left.
unmount_all() {
  awk -v host="$HOST/" 'index($2, host) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l
}
cleanup() {
  [ -f "$HOST$DATA/postmaster.pid" ] && as_postgres pg_ctl -D "$DATA" -m immediate stop >/dev/null 2>&1
  unmount_all
}
trap cleanup EXIT

[ -d "$HOST" ] && { unmount_all; rm -rf --one-file-system "$HOST"; }
mkdir -p "$(dirname "$HOST")"
scripts/install-packages.sh debootstrap >/dev/null
# debootstrap knows the releases up to its own; a later one is made as unstable is.
script=/usr/share/debootstrap/scripts/$suite
[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
echo "-- a fresh Debian $suite in $HOST"
debootstrap --variant=minbase "$suite" "$HOST" "$(scripts/postgres.sh mirror)" "$script" >"$HOST.debootstrap.log" 2>&1 ||
  { tail -20 "$HOST.debootstrap.log" >&2; fail "debootstrap of $suite"; }
cp /etc/resolv.conf "$HOST/etc/resolv.conf"
# It reaches the registry as this machine does (its apt settings for fetching).
apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy) ' >"$HOST/etc/apt/apt.conf.d/99this-machine" || true
mount -t proc proc "$HOST/proc"
mount -t tmpfs shm "$HOST/dev/shm"
# No service starts inside, and the server's package makes no cluster: the test makes its own.
printf '#!/bin/sh\nexit 101\n' >"$HOST/usr/sbin/policy-rc.d"
chmod +x "$HOST/usr/sbin/policy-rc.d"
mkdir -p "$HOST/etc/postgresql-common" "$HOST/tmp/packages"
echo 'create_main_cluster = false' >"$HOST/etc/postgresql-common/createcluster.conf"
cp "$extension" "$command" "$HOST/tmp/packages/"

echo "-- apt-get install ./$(basename "$extension") ./$(basename "$command")"
inside apt-get -q update >/dev/null
inside apt-get install -y -q --no-install-recommends "/tmp/packages/$(basename "$extension")" \
  "/tmp/packages/$(basename "$command")" >"$HOST.apt.log" 2>&1 || { tail -20 "$HOST.apt.log" >&2; fail "apt-get install"; }
[ "$(inside dpkg-query -W -f '${Version}' "postgresql-$major-pgflow")" = "$version" ] || fail "postgresql-$major-pgflow is not version $version"
[ "$(inside dpkg-query -W -f '${Version}' pgflow)" = "$version" ] || fail "pgflow is not version $version"
inside dpkg-query -W -f '${Status}' "postgresql-$major" | grep -q 'install ok installed' || fail "apt-get did not bring in postgresql-$major"
inside sh -c 'command -v cargo rustc' && fail "a Rust toolchain is there"
[ "$(inside pgflow --version)" = "pgflow $version" ] || fail "pgflow --version says $(inside pgflow --version)"

as_postgres initdb -D "$DATA" -A trust -U postgres >/dev/null
as_postgres pg_ctl -D "$DATA" -w -l "$DATA/log" -o "-p $PORT -k /tmp -c listen_addresses=''" start >/dev/null
[ "$(sql "create extension pgflow; select extversion from pg_extension where extname = 'pgflow'")" = "$version" ] ||
  fail "create extension pgflow did not install $version"
sql "select pgflow.create_flow('fan');
     select pgflow.add_step('fan', 'list');
     select pgflow.add_step('fan', 'double', array['list'], step_type => 'fanout');
     select pgflow.add_step('fan', 'sum', array['double'])" >/dev/null
run=$(sql "select run_id from pgflow.start_flow('fan', '{\"n\": 100}')")
# A worker's loop: list makes 1..n, each of the 100 items is doubled by its own task, sum adds the
# ordered array up.
sql "do \$\$
  declare t pgflow.step_task_record; claimed int;
  begin
    loop
      claimed := 0;
      for t in select * from pgflow.poll_for_tasks('fan', 30, 10, 0) loop
        claimed := claimed + 1;
        perform pgflow.complete_task(t.run_id, t.step_slug, t.task_index, case t.step_slug
          when 'list' then (select jsonb_agg(i) from generate_series(1, (t.input -> 'run' ->> 'n')::int) i)
          when 'double' then to_jsonb((t.input ->> 'item')::int * 2)
          else to_jsonb((select sum(value::int) from jsonb_array_elements_text(t.input -> 'double'))) end);
      end loop;
      exit when claimed = 0;
    end loop;
  end \$\$"
[ "$(sql "select status || ' ' || output::text from pgflow.runs where run_id = '$run'")" = 'completed {"sum": 10100}' ] ||
  fail "the fan-out run did not complete with the sum of 2..200: $(sql "select status, output from pgflow.runs where run_id = '$run'")"
[ "$(sql "select jsonb_array_length(output) from pgflow.step_states where run_id = '$run' and step_slug = 'double'")" = 100 ] ||
  fail "the fan-out step's output is not an array of 100"
shown=$(as_postgres pgflow --database-url "host=/tmp port=$PORT user=postgres dbname=postgres" show "$run")
grep -q "^run $run  flow fan  completed" <<<"$shown" || fail "pgflow show: $shown"
grep -Eq '^double +fanout +completed +100 +0 +0 +100 ' <<<"$shown" || fail "pgflow show has no row of 100 completed items: $shown"

echo "-- drop extension; apt-get purge"
sql "drop extension pgflow"
inside apt-get purge -y -q "postgresql-$major-pgflow" pgflow >>"$HOST.apt.log" 2>&1 || fail "apt-get purge"
for file in "/usr/lib/postgresql/$major/lib/pgflow.so" "/usr/share/postgresql/$major/extension/pgflow.control" \
  "/usr/share/postgresql/$major/extension/pgflow--$version.sql" /usr/bin/pgflow; do
  [ ! -e "$HOST$file" ] || fail "$file is left after the packages were removed"
done
refused=$(sql "create extension pgflow" 2>&1) && fail "create extension pgflow worked after the package was removed"
grep -q 'extension "pgflow" is not available\|could not open extension control file' <<<"$refused" || fail "create extension said: $refused"
[ "$(sql "select 1")" = 1 ] || fail "the server stopped working when the packages were removed"
as_postgres pg_ctl -D "$DATA" -m fast stop >/dev/null
unmount_all
rm -rf --one-file-system "$HOST"
echo "ok - postgresql-$major-pgflow and pgflow $version install on a fresh Debian $suite, run a fan-out of 100 and remove cleanly"
