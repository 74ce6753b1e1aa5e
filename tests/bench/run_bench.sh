#!/usr/bin/env bash
# run_bench.sh: CSV-to-JSON benchmark of nebtop against DuckDB and Miller (`make bench`).
# Generates a deterministic CSV (gen_csv.c), runs the tools interleaved on the same file
# (A B C A B C ...), measures wall time and peak RSS with GNU time, checks each output's
# line count, and prints medians plus nebtop's targets. It never fails on a timing: the
# exit status is non-zero only when a tool crashed or wrote wrong output (or is missing).
# Prerequisites: tests/bench/setup_bench.sh.
#
# Environment: NEBTOP   nebtop binary (default: ./nebtop at the top of the tree)
#              ROWS     rows of the main file (default 1000000)
#              RUNS     runs of each tool (default 3)
#              BENCH_DIR  work folder for data and outputs (default tests/bench/out)
#              SKIP_4M=1  skip nebtop's peak-RSS check on a 4 x ROWS file
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
SKIP_4M=${SKIP_4M:-0}
BIG_ROWS=$((4 * ROWS))

# The tools' command lines. Each sets cmd (argv), cmd_in (stdin) and cmd_out (stdout)
# for input file $1 and output file $2; adapt here when a tool's flags change.
nebtop_cmd() {
	cmd=("$NEBTOP" -source csv -source-config "file_path=$1" -destination json
		-dest-config "file_path=$2" --headless -duration 0 -output "$BENCH_DIR/profiles")
	cmd_in=/dev/null cmd_out=$LOG
}
duckdb_cmd() { cmd=(node "$HERE/duckdb_copy.mjs" "$1" "$2"); cmd_in=/dev/null cmd_out=$LOG; }
# mlr 6.6 (Debian 12) accepts -S (= --infer-none: keep every value a string).
miller_cmd() { cmd=(mlr -S --icsv --ojsonl cat); cmd_in=$1 cmd_out=$2; }

BENCH_NAME=run_bench
. "$HERE/lib.sh"

[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) missing: run tests/bench/setup_bench.sh"
command -v mlr >/dev/null || die "mlr missing: run tests/bench/setup_bench.sh"
[ -d "$HERE/node_modules/@duckdb/node-api" ] || die "@duckdb/node-api missing: run tests/bench/setup_bench.sh"
LOG=$BENCH_DIR/tool.log TIMES=$BENCH_DIR/time.txt

declare -A WALL RSS
run_tool() { # TOOL ROWS IN KEY: one timed run, output checked, then removed
	local tool=$1 rows=$2 in=$3 key=$4 out=$BENCH_DIR/out_$1.json lines wall rss
	rm -f "$out"
	: >"$LOG"
	"${tool}_cmd" "$in" "$out"
	if ! /usr/bin/time -o "$TIMES" -f '%e %M' "${cmd[@]}" <"$cmd_in" >>"$cmd_out" 2>>"$LOG"; then
		tail -n 20 "$LOG" >&2
		die "$tool failed: $(head -n 1 "$TIMES")"
	fi
	read -r wall rss < <(tail -n 1 "$TIMES")
	lines=$(wc -l <"$out")
	[ "$lines" -eq "$rows" ] || die "$tool wrote $lines lines for $rows rows ($out kept)"
	head -n 1 "$out" | grep -q '^{.*}$' || die "$tool: first line is no JSON object ($out kept)"
	tail -n 1 "$out" | grep -q '^{.*}$' || die "$tool: last line is no JSON object ($out kept)"
	rm -f "$out"
	WALL[$key]+=" $wall" RSS[$key]+=" $rss"
	printf '  %-11s %7.2f s %9.1f MiB\n' "$key" "$wall" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')"
}

tools=(nebtop duckdb miller)
NEBTOP=$(command -v "$NEBTOP" || echo "$NEBTOP") # also a name on PATH
if [ ! -x "$NEBTOP" ]; then
	echo "SKIP nebtop: no executable at $NEBTOP (build it, or set NEBTOP=path)"
	tools=(duckdb miller)
fi

make_csv "$ROWS"
IN=$CSV
BYTES=$(stat -c %s "$IN")
echo "input: $IN, $ROWS rows, $BYTES bytes; $RUNS runs each, interleaved; $(nproc) cores"
echo "versions: $(mlr --version), node $(node --version), @duckdb/node-api $(node -p \
	"require('$HERE/node_modules/@duckdb/node-api/package.json').version")"
cat "$IN" >/dev/null # into the page cache, so that no tool pays for the first read
for ((r = 1; r <= RUNS; r++)); do
	echo "round $r/$RUNS"
	for t in "${tools[@]}"; do run_tool "$t" "$ROWS" "$IN" "$t"; done
done

BIG='nebtop(4x)' # nebtop on the 4 x ROWS file
if [ "${tools[0]}" = nebtop ] && [ "$SKIP_4M" != 1 ]; then
	make_csv "$BIG_ROWS"
	BIG_IN=$CSV
	echo "nebtop on $BIG_IN ($BIG_ROWS rows, $(stat -c %s "$BIG_IN") bytes)"
	cat "$BIG_IN" >/dev/null
	for ((r = 1; r <= RUNS; r++)); do run_tool nebtop "$BIG_ROWS" "$BIG_IN" "$BIG"; done
fi

# Table: medians; MB = 10^6 bytes of input, MiB = 2^20 bytes of RSS.
echo
printf '%-11s %12s %12s %8s %14s %16s %14s\n' tool "median wall s" "records/s" "MB/s" \
	"peak RSS MiB" "nebtop/tool wall" "nebtop x faster"
NW=; NR=; [ "${tools[0]}" = nebtop ] && NW=$(median "${WALL[nebtop]}") NR=$(median "${RSS[nebtop]}")
for key in "${tools[@]}" "$BIG"; do
	[ -n "${WALL[$key]:-}" ] || continue
	rows=$ROWS bytes=$BYTES
	[ "$key" = "$BIG" ] && rows=$BIG_ROWS bytes=$(stat -c %s "$BIG_IN")
	awk -v k="$key" -v w="$(median "${WALL[$key]}")" -v m="$(median "${RSS[$key]}")" \
		-v rows="$rows" -v bytes="$bytes" -v nw="$NW" 'BEGIN {
		ratio = "-"; faster = "-"
		if (nw != "" && k !~ /^nebtop/) { ratio = sprintf("%.2f", nw / w); faster = sprintf("%.2fx", w / nw) }
		printf "%-11s %12.2f %12.0f %8.1f %14.1f %16s %14s\n", k, w, rows / w, bytes / 1e6 / w, m / 1024, ratio, faster
	}'
done

echo
echo "targets (figures only; the benchmark does not fail on them):"
if [ -z "$NW" ]; then
	echo "  n/a: nebtop skipped"
	exit 0
fi
DW=$(median "${WALL[duckdb]}")
awk -v nw="$NW" -v dw="$DW" -v nr="$NR" 'BEGIN {
	printf "  nebtop wall <= 0.5 x DuckDB wall:   %.2f x   %s\n", nw / dw, nw <= 0.5 * dw ? "met" : "NOT met"
	printf "  nebtop peak RSS <= 64 MiB:          %.1f MiB %s\n", nr / 1024, nr <= 64 * 1024 ? "met" : "NOT met"
}'
if [ -n "${RSS[$BIG]:-}" ]; then
	awk -v a="$NR" -v b="$(median "${RSS[$BIG]}")" -v rows="$ROWS" -v big="$BIG_ROWS" 'BEGIN {
		d = (b - a) / a * 100
		printf "  nebtop peak RSS, %d vs %d rows, within 10%%: %+.1f %%  %s\n", big, rows, d,
			(d <= 10 && d >= -10) ? "met" : "NOT met"
	}'
else
	echo "  nebtop peak RSS, $BIG_ROWS vs $ROWS rows: not run (SKIP_4M=1)"
fi
