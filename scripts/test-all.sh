#!/bin/sh
# test-all.sh: the whole test suite, as CI runs it: set-up and build (warnings
# are errors), the test suite on that build (unit, integration and TUI tests,
# every fuzz harness for 45 s, the profilers' soak test for 60 s) and a
# trial install, then the distribution tarball, and the suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer,
# each built out of its tree from that tarball (so the tarball is checked to
# hold everything the suite needs, as `make distcheck` would). Each part says
# how long it took, how many of the machine's cores were busy meanwhile, and
# its ten slowest tests: CI gives the whole script 45 minutes on 2 cores.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)
# the passes of the suite run one test more than there are cores (but the
# ThreadSanitizer pass, below): most tests spend part of their time waiting
# (for a pace, a server, a terminal)
tjobs=$((jobs + 1))

# cpu_busy: jiffies the machine's cores were busy and in all, from /proc/stat
cpu_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat 2>/dev/null || echo "0 0"; }
t0=$(date +%s)
busy0=$(cpu_busy)
took() {
	echo "$busy0 $(cpu_busy) $jobs" | awk -v what="$1" -v s="$(($(date +%s) - t0))" '{
		b = $3 - $1; a = $4 - $2
		printf "== %s took %d s (%.1f of %d cores busy)\n", what, s, (a > 0 ? b / a * $5 : 0), $5 }'
	t0=$(date +%s)
	busy0=$(cpu_busy)
}
# a failing suite prints the logs of its failed tests, so that CI shows why
show_failures() {
	for log in $(grep -l -E '^:test-result: (FAIL|ERROR)' "$1"/tests/*/*.trs 2>/dev/null); do
		echo "--- ${log%.trs}.log"
		tail -n 60 "${log%.trs}.log"
	done
	return 1
}
# the ten tests of a pass that took longest (from each log's birth time to
# its result's last write, where the file system keeps birth times)
show_slowest() {
	for trs in "$1"/tests/*/*.trs; do
		[ -e "$trs" ] || continue
		born=$(stat -c %W "${trs%.trs}.log" 2>/dev/null) || continue
		[ "$born" -gt 0 ] 2>/dev/null || continue
		echo "$(($(stat -c %Y "$trs") - born)) ${trs#"$1"/}"
	done | sort -rn | head -n 10 | awk '{printf "   slowest: %4d s %s\n", $1, $2}'
}

echo "== set-up and build"
scripts/setup.sh --enable-werror
took "set-up and build"

echo "== the test suite"
# each fuzz harness runs for 30 s here, beside the other tests (without
# clang: 100,000 replayed mutations); the soak test snapshots every profile
# twice a second for 40 s (in the passes under the sanitizers, their
# defaults: 15 s and 8 s; under ThreadSanitizer the harnesses run 3 s, as
# the parsers they drive run in one thread: there, the harnesses are only
# checked to build and run)
FUZZ_SECONDS=30 FUZZ_RUNS=100000 SOAK_SECONDS=40 make -j"$tjobs" check || { show_slowest .; show_failures .; }
show_slowest .
# a trial install into a scratch root: the program and its three pages
dest=$(mktemp -d)
make -s install DESTDIR="$dest" >"$dest.log" 2>&1 || { cat "$dest.log"; exit 1; }
for f in bin/nebtop share/man/man1/nebtop.1 share/man/man5/nebtop.ini.5 share/man/man3/libnebula.3; do
	[ -e "$dest/usr/local/$f" ] || { echo "make install left out $f" >&2; exit 1; }
done
rm -rf "$dest" "$dest.log"
took "the test suite"

echo "== the distribution tarball"
rm -f nebtop-*.tar.gz
make -s dist >/dev/null
tarball=$(ls -t nebtop-*.tar.gz | head -n 1)
took "the distribution tarball ($tarball)"

for kind in sanitizers tsan; do
	echo "== test suite under --enable-$kind"
	dir="_build-$kind"
	rm -rf "$dir"
	mkdir -p "$dir/src" "$dir/build"
	tar -C "$dir/src" -xzf "$tarball" --strip-components=1
	# under ThreadSanitizer the tests run one per core: it keeps the cores
	# busy as it is, and one more test at once starved the analyzer's
	# planted pipelines of CPU (a verdict of "the CPU is the limit")
	kjobs=$tjobs fuzz_s=15
	[ "$kind" = tsan ] && kjobs=$jobs fuzz_s=3
	(cd "$dir/build" && ../src/configure -q --enable-werror --enable-$kind && make -j"$jobs" &&
		FUZZ_SECONDS=$fuzz_s make -j"$kjobs" check) || { show_slowest "$dir/build"; show_failures "$dir/build"; }
	show_slowest "$dir/build"
	rm -rf "$dir"
	took "the suite under --enable-$kind"
done
echo "== all tests passed"
