#!/usr/bin/env bash
# run_compare_bench.sh: how well `nebtop compare` over repeated runs tells a
# change from noise on this machine (`make bench`). For each pipeline shape,
# TRIALS trials; in each, RUNS runs of the baseline into one folder, RUNS of
# the same configuration into another and RUNS of the configuration with a
# planted slowdown (its bottleneck stage about 11% slower, so that throughput
# drops about 10%) into a third, interleaved (the order rotating each round)
# so that the machine's load falls on all three alike. Then
#   compare BASE SAME --fail-on-regression PCT: exit 1 is a false alarm;
#   compare BASE SLOW --fail-on-regression PCT: exit 1 is the slowdown caught.
# Prints per trial which figures fired or were inconclusive, and the counts
# against the goals (false alarms at most 1 in 20, the slowdown caught at
# least 19 in 20), and the planted change as measured: the change of the
# median throughput and CPU per record over every run of all trials. Figures
# only: it never fails on them (only when nebtop or compare breaks).
#
# Shapes: wait  generate -> delay (sleeps per batch; 1 worker) -> null: a stage
#               that waits (on a disk, a server), as most ETL stages do;
#               planted: us_per_batch 5000 -> 5556
#         cpu   generate -> spin (burns CPU per record; 1 worker) -> null: a
#               stage bound on CPU; planted: us_per_record 9 -> 10
#
# Environment: NEBTOP, BENCH_DIR (tests/bench/out), TRIALS (20), RUNS (5 a
#              side), PCT (5), SHAPES ("wait cpu"), WAIT_ROWS (200000),
#              CPU_ROWS (100000): rows per run, for runs of about a second
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
TRIALS=${TRIALS:-20}
RUNS=${RUNS:-5}
PCT=${PCT:-5}
SHAPES=${SHAPES:-wait cpu}
WAIT_ROWS=${WAIT_ROWS:-200000}
CPU_ROWS=${CPU_ROWS:-100000}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_compare_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP"
command -v python3 >/dev/null || die "python3 is needed to read the metrics"

WORK=$BENCH_DIR/compare_bench
rm -rf "$WORK"
mkdir -p "$WORK"

# ini SHAPE PLANTED: the pipeline file of a shape (PLANTED 1: the slowdown)
ini() {
	local f=$WORK/$1_$2.ini
	case $1 in
	wait)
		printf '[pipeline]\nname = wait\nworkers = 1\n[source]\ntype = generate\nrows = %s\ncolumns = 4\n' "$WAIT_ROWS"
		printf '[stage.work]\ntype = delay\nus_per_batch = %s\n[destination]\ntype = null\n' \
			"$([ "$2" = 1 ] && echo 5556 || echo 5000)"
		;;
	cpu)
		printf '[pipeline]\nname = cpu\nworkers = 1\n[source]\ntype = generate\nrows = %s\ncolumns = 4\n' "$CPU_ROWS"
		printf '[stage.work]\ntype = spin\nus_per_record = %s\n[destination]\ntype = null\n' \
			"$([ "$2" = 1 ] && echo 10 || echo 9)"
		;;
	*) die "unknown shape $1 (wait or cpu)" ;;
	esac >"$f"
	echo "$f"
}

# run INI DIR: one run, its snapshots into DIR
run() {
	"$NEBTOP" --headless -output "$2" "$1" >/dev/null 2>"$WORK/run.err" ||
		{ tail -5 "$WORK/run.err" >&2; die "nebtop failed on $1"; }
}

# judge BASE OTHER OUT: compare --fail-on-regression PCT --json into OUT; prints the exit status
judge() {
	local rc=0
	"$NEBTOP" compare "$1" "$2" --fail-on-regression "$PCT" --json >"$3" 2>"$WORK/compare.err" || rc=$?
	[ "$rc" -le 1 ] || { cat "$WORK/compare.err" >&2; die "nebtop compare failed ($rc)"; }
	echo "$rc"
}

# fired JSON: "throughput.records_per_sec,..." (regressions) and "| inconclusive: ..."
fired() {
	python3 - "$1" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
r = ",".join(j["regressions"]) or "-"
i = ",".join("%s(+%s)" % (n, {x["name"]: x for x in j["figures"]}[n]["more_runs"]) for n in j["inconclusive"])
print(r + ("  inconclusive: " + i if i else ""))
EOF
}

# Throughput and CPU per 1M records of every final snapshot under the given folders, one "rps cpu" a line
figures() {
	python3 - "$@" <<'EOF'
import glob, json, sys
for d in sys.argv[1:]:
    for f in glob.glob(d + "/metrics_*.json"):
        m = json.load(open(f))
        if m.get("final"):
            print(m["throughput"]["records_per_sec"], m["runtime"]["cpu_seconds"] / m["records"]["in"] * 1e6)
EOF
}

echo "compare over repeated runs: $RUNS runs a side, $TRIALS trials a shape, --fail-on-regression $PCT;" \
	"$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
SUMMARY=()
for shape in $SHAPES; do
	base=$(ini "$shape" 0)
	slow=$(ini "$shape" 1)
	alarms=0 caught=0 inconclusive=0
	declare -A why_alarm=() why_caught=()
	: >"$WORK/$shape.base" && : >"$WORK/$shape.slow"
	t0=$(date +%s)
	echo
	echo "== $shape: $(sed -n 's/^type = //p' "$base" | paste -sd' ' | sed 's/ / -> /g'), planted: $(diff "$base" "$slow" | sed -n 's/^> //p')"
	for ((t = 1; t <= TRIALS; t++)); do
		d=$WORK/$shape/trial
		rm -rf "$d"
		mkdir -p "$d"
		for ((r = 0; r < RUNS; r++)); do
			# the order rotates: A A' B, A' B A, B A A', ...
			for k in 0 1 2; do
				case $(((k + r) % 3)) in
				0) run "$base" "$d/base" ;;
				1) run "$base" "$d/same" ;;
				2) run "$slow" "$d/slow" ;;
				esac
			done
		done
		fa=$(judge "$d/base" "$d/same" "$d/same.json")
		ca=$(judge "$d/base" "$d/slow" "$d/slow.json")
		fs=$(fired "$d/same.json")
		cs=$(fired "$d/slow.json")
		alarms=$((alarms + fa))
		caught=$((caught + ca))
		[ "$ca" = 0 ] && [[ $cs == *inconclusive* ]] && inconclusive=$((inconclusive + 1))
		[ "$fa" = 1 ] && why_alarm[${fs%%  *}]=$((${why_alarm[${fs%%  *}]:-0} + 1))
		[ "$ca" = 1 ] && why_caught[${cs%%  *}]=$((${why_caught[${cs%%  *}]:-0} + 1))
		figures "$d/base" "$d/same" >>"$WORK/$shape.base"
		figures "$d/slow" >>"$WORK/$shape.slow"
		printf '  trial %2d  same: %s %-60s  slowdown: %s %s\n' "$t" "$([ "$fa" = 1 ] && echo ALARM || echo ok...)" \
			"$fs" "$([ "$ca" = 1 ] && echo CAUGHT || echo missed)" "$cs"
	done
	# the planted change as measured: medians over every run of every trial
	planted=$(python3 - "$WORK/$shape.base" "$WORK/$shape.slow" <<'EOF'
import statistics as st, sys
a = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
b = [tuple(map(float, l.split())) for l in open(sys.argv[2])]
ta, ca = st.median(x[0] for x in a), st.median(x[1] for x in a)
tb, cb = st.median(x[0] for x in b), st.median(x[1] for x in b)
print("throughput %+.1f%%, CPU per record %+.1f%% (medians of %d and %d runs)" % ((tb / ta - 1) * 100, (cb / ca - 1) * 100, len(a), len(b)))
EOF
)
	spread=$(python3 - "$WORK/$shape.base" <<'EOF'
import statistics as st, sys
t = [float(l.split()[0]) for l in open(sys.argv[1])]
m = st.median(t)
d = sorted(abs(x / m - 1) * 100 for x in t)
print("median absolute deviation %.1f%%, %d of %d runs over 5%% from the median" % (st.median(d), sum(x > 5 for x in d), len(d)))
EOF
)
	reasons() { local -n m=$1; local s="" k; for k in "${!m[@]}"; do s+=" $k x${m[$k]};"; done; echo "${s:- none}"; }
	line1="$shape: identical configurations: --fail-on-regression $PCT fired $alarms of $TRIALS (goal: at most 1 in 20);$(reasons why_alarm)"
	line2="$shape: planted slowdown ($planted): caught $caught of $TRIALS (goal: at least 19 in 20), inconclusive in $inconclusive;$(reasons why_caught)"
	line3="$shape: run-to-run spread of the baseline's throughput: $spread; $(($(date +%s) - t0)) s"
	echo "$line1"
	echo "$line2"
	echo "$line3"
	SUMMARY+=("$line1" "$line2" "$line3")
	unset why_alarm why_caught
done
echo
echo "== summary (figures, not a test)"
printf '%s\n' "${SUMMARY[@]}"
