# The two commands of the README. Both install what is missing first (run as root).
.PHONY: deps test demo bench

deps:
	scripts/ensure-deps.sh

# Everything: dsl-ts unit, type and end-to-end tests, Rust tests, pgTAP, shell tests.
test: deps
	scripts/test.sh

# A fan-out flow over a few thousand items on a private cluster: defined with the TypeScript DSL,
# run by two workers (dsl-ts/examples/demo.ts).
demo: deps
	scripts/demo.sh

# Throughput of the extension against the minimal SQL for the same work; writes BENCHMARKS.md.
# `make bench BENCH_ARGS=--quick` runs a small subset.
bench: deps
	scripts/bench.sh $(BENCH_ARGS)
