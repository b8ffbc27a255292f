#!/usr/bin/env bash
# One version and one licence: Cargo.toml, the installed extension's default version (the control
# file takes Cargo's), dsl-ts/package.json and its lockfile, and client/Cargo.toml agree; the
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

licence=$(sed -n 's/^license = "\(.*\)"$/\1/p' Cargo.toml)
[ "$(node -p "require('./dsl-ts/package.json').license")" = "$licence" ] || fail "dsl-ts/package.json names another licence than Cargo.toml ($licence)"
grep -qx "license = \"$licence\"" client/Cargo.toml || fail "client/Cargo.toml names another licence than Cargo.toml ($licence)"
case "$licence" in
  Apache-2.0) grep -q "Apache License" LICENSE && grep -q "Version 2.0, January 2004" LICENSE || fail "LICENSE is not the Apache License 2.0" ;;
  *) fail "LICENSE is not checked for $licence" ;;
esac
echo "ok - version $version and licence $licence agree everywhere"
