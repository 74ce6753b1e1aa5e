#!/usr/bin/env bash
# run_latency_bench.sh: the latency anatomy's accuracy and cost (`make
# bench`). Accuracy: a delay stage (20 ms a batch) planted between two fast
# select stages of a generate -> null pipeline whose source runs at 20
# batches a second, below the delay stage's 50 (nothing queues); prints the
# share of the end-to-end mean that the delay stage's work takes, and how
# close the parts' means add up to the end-to-end mean (goal: the stage at
# least 90%, the parts within 5%); and the same pipeline with the source
# unpaced, where the batches queue in front of the delay stage (and, as it
# backs up, in front of the stage before it). Cost: a CPU-bound pipeline (generate ROWS
# records -> select -> null) with latency_sample = 64 (the default) and 0,
# ROUNDS each, interleaved; the median throughputs and their ratio (goal:
# the sampling costs under 0.5%). Figures only: never fails on a timing.
#
# Environment: NEBTOP, ROWS (20000000), ROUNDS (5), BENCH_DIR (tests/bench/out)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
ROWS=${ROWS:-20000000}
ROUNDS=${ROUNDS:-5}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_latency_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP"
D=$BENCH_DIR/latency
rm -rf "$D"
mkdir -p "$D"

# --- accuracy ---
planted() { # NAME RATE
	{
		printf '[pipeline]\nname = planted\nworkers = 1\n\n[source]\ntype = generate\nrows = %s\nrate = %s\n\n' \
			"$([ "$2" = 0 ] && echo 600000 || echo 100000)" "$2"
		printf '[stage.a]\ntype = select\nfields = col1,col2,col3\n\n[stage.slow]\ntype = delay\nus_per_batch = 20000\n\n'
		printf '[stage.b]\ntype = select\nfields = col1,col2\n\n[destination]\ntype = null\n\n[profile]\nlatency_sample = 1\n'
	} >"$D/$1.ini"
	"$NEBTOP" "$D/$1.ini" --headless -types none -output "$D/$1" 2>"$D/$1.err" ||
		die "the $1 run failed: $(tail -c 600 "$D/$1.err")"
	python3 - "$D/$1" "$1" <<'PY'
import glob, json, sys
m = json.load(open(sorted(glob.glob(sys.argv[1] + "/metrics_*.json"))[-1]))
lat = m["latency"]
e = lat["end_to_end"]
work = sum(p["share_pct"] for p in lat["parts"] if p["stage"] == "slow" and p["kind"] == "work")
both = sum(p["share_pct"] for p in lat["parts"] if p["stage"] == "slow")
queued = sum(p["share_pct"] for p in lat["parts"] if p["kind"] == "queue")
parts = sum(p["mean_us"] for p in lat["parts"])
paced = sys.argv[2] == "paced"
print("latency anatomy, a delay stage of 20 ms a batch in generate -> select -> delay -> select -> null, %s:"
      % ("the source at 20 batches/s (nothing queues)" if paced else "the source unpaced (batches queue)"))
print("  %d batches followed; end to end mean %.1f ms, p99 %.1f ms" % (lat["batches"], e["mean_us"] / 1000, e["p99_us"] / 1000))
print("  the delay stage's work: %.1f%% of the mean; with the wait in front of it %.1f%%; all waits %.1f%%"
      % (work, both, queued) + ("  (goal: its work at least 90%%: %s)" % ("met" if work >= 90 else "NOT met") if paced else ""))
print("  the parts' means add up to %.2f%% of the end-to-end mean (goal: within 5%%): %s"
      % (100 * parts / e["mean_us"], "met" if abs(parts / e["mean_us"] - 1) <= 0.05 else "NOT met"))
PY
}
planted paced 20000
planted unpaced 0

# --- cost ---
ini() { # FILE SAMPLE
	printf '[pipeline]\nname = cost\nworkers = 1\n\n[source]\ntype = generate\nrows = %s\ncolumns = 4\n\n' "$ROWS" >"$1"
	printf '[stage.pick]\ntype = select\nfields = col1,col2,col3\n\n[destination]\ntype = null\n\n' >>"$1"
	printf '[profile]\nlatency_sample = %s\n' "$2" >>"$1"
}
ini "$D/on.ini" 64
ini "$D/off.ini" 0
one_run() { # NAME: records/s
	rm -rf "$D/out"
	"$NEBTOP" "$D/$1.ini" --headless -types none -output "$D/out" 2>"$D/$1.err" || die "the $1 run failed"
	run_rate "$D/out"
}
on="" off=""
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then
		on+=" $(one_run on)"
		off+=" $(one_run off)"
	else
		off+=" $(one_run off)"
		on+=" $(one_run on)"
	fi
done
mon=$(median "$on")
moff=$(median "$off")
printf 'latency anatomy cost (%s rows, generate -> select -> null, %d rounds interleaved, medians):\n' "$ROWS" "$ROUNDS"
printf '  latency_sample = 0:   %12.0f records/s  (runs:%s)\n' "$moff" "$off"
printf '  latency_sample = 64:  %12.0f records/s  (runs:%s)  cost %.2f%% (goal: under 0.5%%)\n' "$mon" "$on" \
	"$(awk -v a="$mon" -v b="$moff" 'BEGIN {print 100 * (b - a) / b}')"
