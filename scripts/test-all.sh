#!/bin/sh
# test-all.sh: the whole test suite, as CI runs it: set-up and build (warnings
# are errors), every fuzz harness for 60 s, `make distcheck` (the unit,
# integration and fuzz tests, built from the distribution tarball out of its
# tree: the plain build's one pass), then the suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer,
# each built from the same tarball. Each part says how long it took.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)

t0=$(date +%s)
took() { echo "== $1 took $(($(date +%s) - t0)) s"; t0=$(date +%s); }

echo "== set-up and build"
scripts/setup.sh --enable-werror
took "set-up and build"
# a failing suite prints the logs of its failed tests, so that CI shows why
show_failures() {
	for log in $(grep -l -E '^:test-result: (FAIL|ERROR)' "$1"/tests/*/*.trs 2>/dev/null); do
		echo "--- ${log%.trs}.log"
		tail -n 60 "${log%.trs}.log"
	done
	return 1
}

echo "== fuzz"
# make check runs each fuzz harness for 15 s; here each runs for 60 s, as
# many at once as there are cores (without clang: 200,000 replayed mutations)
FUZZ_SECONDS=60 FUZZ_RUNS=200000 make -j"$jobs" check TESTS="$(echo tests/fuzz/fuzz_*.sh)" || show_failures .
took "fuzz"

echo "== distcheck: the test suite"
# the plain build's pass runs the profilers' soak test for minutes
# (snapshots twice a second, every type); the passes under the sanitizers
# run it for seconds
SOAK_SECONDS=150 make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror ||
	show_failures "$(ls -d nebtop-*/_build/sub 2>/dev/null | head -n 1)"
took "distcheck"

tarball=$(ls -t nebtop-*.tar.gz | head -n 1)
for kind in sanitizers tsan; do
	echo "== test suite under --enable-$kind"
	dir="_build-$kind"
	rm -rf "$dir"
	mkdir "$dir"
	tar -C "$dir" -xzf "$tarball" --strip-components=1
	(cd "$dir" && ./configure -q --enable-werror --enable-$kind && make -j"$jobs" check) || show_failures "$dir"
	rm -rf "$dir"
	took "the suite under --enable-$kind"
done
echo "== all tests passed"
