#!/usr/bin/env bash
# The Rust client as a crate: `cargo package` of client/ succeeds, and the package holds the README
# that shows the client and the worker (the crate's documentation: its examples are doc tests,
# run with the client's tests). Not verified by building the package again: the client's tests
# build the same sources.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "FAIL: $*" >&2; exit 1; }
cargo package --quiet --locked --no-verify --allow-dirty --manifest-path client/Cargo.toml 2>/dev/null ||
  fail "cargo package of client/: $(cargo package --locked --no-verify --allow-dirty --manifest-path client/Cargo.toml 2>&1 | tail -5)"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' client/Cargo.toml)
crate=client/target/package/pgflow-client-$version.crate
[ -f "$crate" ] || fail "no $crate"
listed=$(tar -tzf "$crate")
for file in README.md Cargo.toml src/lib.rs src/bin/pgflow/main.rs; do
  grep -qx "pgflow-client-$version/$file" <<<"$listed" || fail "$crate lacks $file"
done
for shown in 'Client::connect' 'Worker::builder'; do
  tar -xzOf "$crate" "pgflow-client-$version/README.md" | grep -q "$shown" || fail "the packaged README shows no $shown"
done
echo "ok - cargo package of client/ makes pgflow-client-$version.crate, its README showing the client and the worker"
