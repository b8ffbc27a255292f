#!/usr/bin/env bash
# One version and one licence: Cargo.toml, the installed extension's default version (the control
# file takes Cargo's), dsl-ts/package.json and its lockfile, client/Cargo.toml and the Debian
# packages of `make package` (their file names, metadata and the control file inside) agree; the
# release has an upgrade script into it and a CHANGELOG section; LICENSE is the licence they name.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "not ok - $*" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml)
[ -n "$version" ] || fail "Cargo.toml has no version"
grep -qx "default_version = '@CARGO_VERSION@'" pgflow.control || fail "pgflow.control must take Cargo's version"
available=$(psql -X -A -t -d pgflow_test -c "select default_version from pg_available_extensions where name = 'pgflow'")
[ "$available" = "$version" ] || fail "the installed extension's default version is $available, Cargo.toml says $version"
for file in dsl-ts/package.json dsl-ts/package-lock.json; do
  found=$(node -p "require('./$file').version")
  [ "$found" = "$version" ] || fail "$file says version $found, Cargo.toml $version"
done
client=$(sed -n 's/^version = "\(.*\)"$/\1/p' client/Cargo.toml)
[ "$client" = "$version" ] || fail "client/Cargo.toml says version $client, Cargo.toml $version"
ls sql/pgflow--*--"$version".sql >/dev/null 2>&1 || fail "no upgrade script into $version under sql/"
grep -qx "## $version" CHANGELOG.md || fail "CHANGELOG.md has no section '## $version'"

# The packages of this major, built afresh.
. scripts/pg-config.sh
log=$(mktemp)
scripts/package.sh "$PG_MAJOR" >"$log" 2>&1 || { tail -20 "$log" >&2; fail "scripts/package.sh $PG_MAJOR"; }
rm -f "$log"
for name in "postgresql-$PG_MAJOR-pgflow" pgflow; do
  deb=$(scripts/package.sh path "$name")
  [[ $(basename "$deb") == "${name}_${version}_"*.deb ]] || fail "the package $name is written as $deb, not named by its version $version"
  [ -f "$deb" ] || fail "scripts/package.sh made no $deb"
  [ "$(dpkg-deb -f "$deb" Package)" = "$name" ] || fail "$deb is the package $(dpkg-deb -f "$deb" Package)"
  [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "$deb says version $(dpkg-deb -f "$deb" Version), Cargo.toml $version"
done
deb=$(scripts/package.sh path "postgresql-$PG_MAJOR-pgflow")
dpkg-deb -f "$deb" Depends | grep -Eq "(^|, )postgresql-$PG_MAJOR(,|$)" || fail "$deb does not depend on postgresql-$PG_MAJOR"
extension=./usr/share/postgresql/$PG_MAJOR/extension
# Read whole before they are searched (grep -q stopping early would break dpkg-deb's pipe).
file_in() { dpkg-deb --fsys-tarfile "$1" | tar -xOf - "$2"; }
control=$(file_in "$deb" "$extension/pgflow.control")
grep -qx "default_version = '$version'" <<<"$control" || fail "the control file in $deb does not have default_version '$version'"
listing=$(dpkg-deb -c "$deb")
grep -q " $extension/pgflow--$version.sql\$" <<<"$listing" || fail "$deb has no pgflow--$version.sql"
grep -q " $extension/$(basename "$(ls sql/pgflow--*--"$version".sql)")\$" <<<"$listing" || fail "$deb has no upgrade script into $version"

licence=$(sed -n 's/^license = "\(.*\)"$/\1/p' Cargo.toml)
[ "$(node -p "require('./dsl-ts/package.json').license")" = "$licence" ] || fail "dsl-ts/package.json names another licence than Cargo.toml ($licence)"
grep -qx "license = \"$licence\"" client/Cargo.toml || fail "client/Cargo.toml names another licence than Cargo.toml ($licence)"
case "$licence" in
  Apache-2.0) grep -q "Apache License" LICENSE && grep -q "Version 2.0, January 2004" LICENSE || fail "LICENSE is not the Apache License 2.0" ;;
  *) fail "LICENSE is not checked for $licence" ;;
esac
for name in "postgresql-$PG_MAJOR-pgflow" pgflow; do
  copyright=$(file_in "$(scripts/package.sh path "$name")" "./usr/share/doc/$name/copyright")
  grep -qx "License: $licence" <<<"$copyright" || fail "the $name package names another licence than Cargo.toml ($licence)"
done
echo "ok - version $version and licence $licence agree everywhere, the Debian packages of PostgreSQL $PG_MAJOR included"
