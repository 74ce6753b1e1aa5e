#!/usr/bin/env bash
# run_prof_bench.sh: what the profilers cost (`make bench`). On the core
# benchmark's 1M-row CSV, nebtop converts to JSON with profiling off
# (-types none), with cpu,memory (the default) and with every type but trace,
# interleaved A B C A B C ... so machine noise hits all alike; prints, per
# mode, the median pipeline time (duration_s of the run's metrics: from the
# start of the pipeline to its end, the throughput users see), the median
# wall time of the process (which adds starting the profilers and writing
# the final snapshot, fixed costs of a run), and each mode's cost in
# throughput against "none". Then a steady
# run with every type takes a snapshot mid-way: how long the snapshot took
# and how much that second's throughput fell against the seconds around it.
# Figures only: it never fails on a timing.
#
# Environment: NEBTOP, ROWS (1000000), RUNS (7), BENCH_DIR (tests/bench/out)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-7}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_prof_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP"

make_csv "$ROWS"
IN=$CSV OUT=$BENCH_DIR/out_prof.json
cat "$IN" >/dev/null
modes=(none cpu,memory cpu,memory,block,mutex,goroutine)
declare -A WALL RUN
RUNDIR=$BENCH_DIR/profiles_run
echo "profiling cost: $IN ($ROWS rows), $RUNS runs of each mode, interleaved; $(nproc) cores"
for ((r = 1; r <= RUNS; r++)); do
	for m in "${modes[@]}"; do
		rm -rf "$OUT" "$RUNDIR"
		t0=$(date +%s.%N)
		"$NEBTOP" -types "$m" -duration 0 -output "$RUNDIR" -source csv \
			-source-config "file_path=$IN" -destination json -dest-config "file_path=$OUT" 2>"$BENCH_DIR/prof.log" ||
			{ tail -5 "$BENCH_DIR/prof.log"; die "nebtop -types $m failed"; }
		t1=$(date +%s.%N)
		w=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
		WALL[$m]+=" $w"
		d=$(sed -n 's/^  "duration_s": \([0-9.]*\),*$/\1/p' "$RUNDIR"/metrics_*.json | head -n 1)
		[ -n "$d" ] || die "no duration_s in the metrics of -types $m"
		RUN[$m]+=" $d"
		printf '  round %d  %-44s pipeline %6.3f s, wall %6.3f s\n' "$r" "-types $m" "$d" "$w"
	done
done
rm -rf "$OUT" "$RUNDIR"
base=$(median "${RUN[none]}")
basew=$(median "${WALL[none]}")
echo
printf '%-44s %10s %12s %9s %10s %9s\n' mode "pipeline s" "records/s" "cost" "wall s" "wall cost"
for m in "${modes[@]}"; do
	awk -v m="-types $m" -v d="$(median "${RUN[$m]}")" -v b="$base" -v w="$(median "${WALL[$m]}")" -v bw="$basew" \
		-v rows="$ROWS" 'BEGIN {
		printf "%-44s %10.3f %12.0f %+8.1f%% %10.3f %+8.1f%%\n", m, d, rows / d, (b / d - 1) * -100, w,
			(w / bw - 1) * 100 }'
done
echo "cost: throughput lost against -types none; wall cost adds starting the profilers and the final snapshot"
echo "targets: cpu,memory costs at most 1.5%; all types (but trace) at most 3%"

# A snapshot of every type in the middle of a steady run: generate -> cast -> null.
echo
LOG=$BENCH_DIR/snap.log
"$NEBTOP" -types all -duration 0 -output "$BENCH_DIR/profiles" -source generate \
	-source-config rows=0,columns=8 -destination null -workers 2 2>"$LOG" &
pid=$!
sleep 5.5
kill -USR1 "$pid"
sleep 4
kill -INT "$pid"
wait "$pid" || true
ms=$(grep -m1 -o 'snapshot [0-9_]* in .* (\([0-9.]*\) ms)' "$LOG" | sed 's/.*(\([0-9.]*\) ms)/\1/')
# per-second input rates from the progress lines; the snapshot falls in second 6
rates=$(grep -o 'in [0-9,]* ([0-9,]*/s' "$LOG" | sed 's/.*(\([0-9,]*\)\/s/\1/; s/,//g')
awk -v ms="$ms" -v rates="$(echo $rates)" 'BEGIN {
	n = split(rates, r, " ")
	if (n < 8) { print "snapshot: not enough progress lines"; exit }
	s = r[6] < r[7] ? r[6] : r[7]          # the second the snapshot fell in (the lower of the two)
	m = 0; k = 0
	for (i = 2; i <= n - 1; i++) if (i != 6 && i != 7) { m += r[i]; k++ }
	m /= k
	printf "snapshot of every type: %.1f ms; throughput in its second %.0f/s against %.0f/s around it (%+.1f%%)\n",
		ms, s, m, (s / m - 1) * 100
	printf "targets: at most 300 ms; at most 5%% lower in that second\n"
}'
