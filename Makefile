# The README's commands. Each installs what is missing first (run as root).
.PHONY: deps test test-pgtap test-dsl test-citus lint demo bench package

deps:
	scripts/ensure-deps.sh

# Everything: dsl-ts unit, type and end-to-end tests, Rust tests, pgTAP, races, upgrades, shell
# tests, on each PostgreSQL major of PG_VERSIONS (default 15, 17 and 18, built when missing: see
# scripts/postgres.sh; `make test PG_VERSIONS=18` for one). One part or path:
# `make test T=tests/pgtap/fail_task` (a folder or a file; see scripts/test.sh).
export PG_VERSIONS
test: deps
	scripts/test-majors.sh $(T)

test-pgtap: deps
	scripts/test-majors.sh pgtap

test-dsl: deps
	scripts/test-majors.sh dsl

# The Citus mode on a coordinator and two workers: Citus built from vendor/citus if missing (1-2
# minutes), then every test under tests/citus/ (`make test-citus T=tests/citus/<file>` for one),
# on each major of PG_VERSIONS that Citus 13.2.2 supports (15 and 17).
test-citus: deps
	scripts/test-citus.sh $(T)

# cargo fmt --check, cargo clippy -D warnings, tsc --noEmit.
lint: deps
	scripts/test.sh lint

# A fan-out flow over a few thousand items on a private cluster: defined with the TypeScript DSL,
# run by two workers (dsl-ts/examples/demo.ts). It runs on one server (Debian's 15, or
# PG_CONFIG's), so its dependencies are that server's, not every major's builds.
demo:
	PG_VERSIONS=15 scripts/ensure-deps.sh
	scripts/demo.sh

# Debian packages into target/packages/: postgresql-NN-pgflow for each major of PG_VERSIONS and
# pgflow (the command); see scripts/package.sh. `make test T=package` installs them on a fresh Debian.
package: deps
	scripts/package.sh

# Throughput of the extension against the minimal SQL for the same work; writes BENCHMARKS.md.
# `make bench BENCH_ARGS=--quick` runs a small subset.
bench: deps
	scripts/bench.sh $(BENCH_ARGS)
