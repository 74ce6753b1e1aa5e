#!/usr/bin/env bash
# run_tui_bench.sh: what the front end costs (`make bench`). A steady
# pipeline (generate -> cast -> null, 8 columns) runs for SECONDS headless
# and in the TUI in a 200x60 tmux terminal, interleaved, ROUNDS times each:
# prints the medians of the pipeline's throughput (records in over the
# run's duration_s) in both modes and their ratio, and the CPU the TUI's
# thread (the main thread) used over the middle of each TUI run, as a share
# of one core (from /proc/PID/task/PID/schedstat). Figures only: it never fails
# on a timing.
#
# Environment: NEBTOP, SECONDS_RUN (8), ROUNDS (3), BENCH_DIR (tests/bench/out)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
SECONDS_RUN=${SECONDS_RUN:-8}
ROUNDS=${ROUNDS:-3}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_tui_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP"
command -v tmux >/dev/null || die "tmux is needed (Debian package tmux)"

INI=$BENCH_DIR/tui_bench.ini
cat >"$INI" <<'INI'
[source]
type = generate
rows = 0
columns = 8

[stage.typed]
type = cast
field = col1
to = int

[destination]
type = null
INI
SOCK=nebtop-bench-$$
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true' EXIT

# rate DIR: records in per second of the run whose metrics are in DIR
rate() {
	python3 -c 'import glob, json, sys
m = json.load(open(sorted(glob.glob(sys.argv[1] + "/metrics_*.json"))[-1]))
print("%.0f" % (m["records"]["in"] / m["duration_s"]))' "$1"
}

# cpu_ns PID: CPU nanoseconds of the process's main thread (schedstat)
cpu_ns() { awk '{print $1}' "/proc/$1/task/$1/schedstat"; }

declare -a HEADLESS TUI TUICPU
echo "front-end cost: generate -> cast -> null, ${SECONDS_RUN}s runs, $ROUNDS rounds interleaved; $(nproc) cores"
for ((r = 1; r <= ROUNDS; r++)); do
	out=$BENCH_DIR/tui_headless
	rm -rf "$out"
	"$NEBTOP" --headless -duration "${SECONDS_RUN}s" -output "$out" "$INI" 2>/dev/null
	HEADLESS+=("$(rate "$out")")

	out=$BENCH_DIR/tui_screen
	rm -rf "$out"
	rm -f "$BENCH_DIR/tui.pid"
	tmux -L "$SOCK" -f /dev/null new-session -d -x 200 -y 60 \
		"sh -c 'echo \$\$ >$BENCH_DIR/tui.pid; exec env LC_ALL=C.UTF-8 TERM=xterm-256color $NEBTOP -duration ${SECONDS_RUN}s -output $out $INI'; sleep 1"
	pid=""
	for _ in $(seq 50); do
		pid=$(cat "$BENCH_DIR/tui.pid" 2>/dev/null || true)
		[ -n "$pid" ] && [ -e "/proc/$pid/task/$pid/schedstat" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] || die "the TUI run did not start"
	sleep 2
	t0=$(cpu_ns "$pid")
	sleep $((SECONDS_RUN - 4))
	t1=$(cpu_ns "$pid")
	cpu=$(awk -v a="$t0" -v b="$t1" -v s=$((SECONDS_RUN - 4)) 'BEGIN {printf "%.2f", (b - a) / 1e9 / s * 100}')
	while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
	sleep 1.2
	TUI+=("$(rate "$out")")
	TUICPU+=("$cpu")
	printf '  round %d  headless %s records/s, TUI %s records/s, TUI thread %s%% of a core\n' "$r" \
		"${HEADLESS[-1]}" "${TUI[-1]}" "$cpu"
done
h=$(median "${HEADLESS[*]}")
t=$(median "${TUI[*]}")
c=$(median "${TUICPU[*]}")
awk -v h="$h" -v t="$t" -v c="$c" 'BEGIN {
	printf "headless %.0f records/s, TUI %.0f records/s: %+.1f%%; the TUI thread used %.2f%% of one core (200x60, 500 ms refresh)\n",
		h, t, (t / h - 1) * 100, c
	print "targets: the TUI thread at most 1% of one core; throughput with the TUI within 2% of headless"
}'
rm -rf "$BENCH_DIR/tui_headless" "$BENCH_DIR/tui_screen"
