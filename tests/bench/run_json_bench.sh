#!/usr/bin/env bash
# run_json_bench.sh: JSON-to-CSV benchmark of nebtop against DuckDB (`make bench`).
# For JSON Lines, then for one JSON array of the same records (gen_csv -f jsonl / -f array:
# the core benchmark's 12 fields, typed, with escapes, UTF-8, nulls and booleans), runs
# nebtop (json source, csv destination), DuckDB (read_json with the columns given, COPY to
# CSV; duckdb_json.mjs) and nebtop's json -> null alone, interleaved on the same file
# (A B C A B C ...); measures wall time and peak RSS with GNU time, checks each output's
# row count, checks that nebtop's CSV and DuckDB's hold the same data (same bytes, else
# compare_csv.mjs compares them typed and prints the rows that differ), and prints medians
# plus nebtop's targets, then nebtop's peak RSS on a 4 x ROWS file. It never fails on a
# timing or on a difference of data: the exit status is non-zero only when a tool failed
# or wrote a wrong row count (or is missing). Prerequisites: tests/bench/setup_bench.sh.
#
# Environment: NEBTOP   nebtop binary (default: ./nebtop at the top of the tree)
#              ROWS     records of the main file (default 1000000)
#              RUNS     runs of each tool (default 3)
#              FORMATS  the inputs, among jsonl and array (default "jsonl array")
#              BENCH_DIR  work folder for data and outputs (default tests/bench/out)
#              SKIP_4M=1  skip nebtop's peak-RSS check on a 4 x ROWS file
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
FORMATS=${FORMATS:-jsonl array}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
SKIP_4M=${SKIP_4M:-0}
BIG_ROWS=$((4 * ROWS))

# The tools' command lines, for input $1, output $2 and format $3 (jsonl or array);
# each sets cmd (argv). Adapt here when a tool's flags change.
nebtop_cmd() {
	cmd=("$NEBTOP" -source json -source-config "file_path=$1,format=$3" -destination csv
		-dest-config "file_path=$2" --headless -duration 0 -output "$BENCH_DIR/profiles")
}
duckdb_cmd() {
	local f=newline_delimited
	[ "$3" = array ] && f=array
	cmd=(node "$HERE/duckdb_json.mjs" "$1" "$2" "$f")
}
null_cmd() { # nebtop's json -> null: the source alone
	cmd=("$NEBTOP" -source json -source-config "file_path=$1,format=$3" -destination null
		--headless -duration 0 -output "$BENCH_DIR/profiles")
}

BENCH_NAME=run_json_bench
. "$HERE/lib.sh"

[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) missing: run tests/bench/setup_bench.sh"
[ -d "$HERE/node_modules/@duckdb/node-api" ] || die "@duckdb/node-api missing: run tests/bench/setup_bench.sh"
NEBTOP=$(command -v "$NEBTOP" || echo "$NEBTOP") # also a name on PATH
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP (build it, or set NEBTOP=path)"
LOG=$BENCH_DIR/tool.log TIMES=$BENCH_DIR/time.txt

# Records of a CSV file with a header: lines that end outside a quoted field, less one.
csv_rows() { awk -F'"' '{q += NF - 1} q % 2 == 0 {n++} END {print n - 1}' "$1"; }

declare -A WALL RSS CPU
run_tool() { # TOOL FORMAT ROWS IN KEY [KEEP]: one timed run, output checked, then removed (kept as KEEP)
	local tool=$1 fmt=$2 rows=$3 in=$4 key=$5 keep=${6:-} out=$BENCH_DIR/out_json_$1.csv n wall rss user sys
	rm -f "$out"
	: >"$LOG"
	"${tool}_cmd" "$in" "$out" "$fmt"
	if ! /usr/bin/time -o "$TIMES" -f '%e %M %U %S' "${cmd[@]}" </dev/null >>"$LOG" 2>>"$LOG"; then
		tail -n 20 "$LOG" >&2
		die "$key failed: $(head -n 1 "$TIMES")"
	fi
	read -r wall rss user sys < <(tail -n 1 "$TIMES")
	if [ "$tool" != duckdb ]; then # nebtop's closing line: N in, N out, no error
		tr -d , <"$LOG" | grep -q "finished after .* $rows in $rows out 0 filtered 0 errors" ||
			{ grep finished "$LOG" >&2; die "$key: not $rows records in and out without errors"; }
	fi
	if [ "$tool" != null ]; then
		n=$(csv_rows "$out")
		[ "$n" -eq "$rows" ] || die "$key wrote $n rows for $rows records ($out kept)"
		[ "$(head -n 1 "$out")" = "$(head -n 1 "$BENCH_DIR/bench_10.csv")" ] ||
			die "$key: the header is not the 12 fields' names ($out kept)"
		if [ -n "$keep" ]; then mv "$out" "$keep"; else rm -f "$out"; fi
	fi
	WALL[$key]+=" $wall" RSS[$key]+=" $rss" CPU[$key]+=" $(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')"
	printf '  %-18s %7.2f s %9.1f MiB %7.2f s CPU\n' "$key" "$wall" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" \
		"$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')"
}

make_input csv 10 # its header is the one every output must have
echo "$("$NEBTOP" --version 2>&1 | head -n 1), node $(node --version), @duckdb/node-api $(node -p \
	"require('$HERE/node_modules/@duckdb/node-api/package.json').version"); $RUNS runs each, interleaved; $(nproc) cores"
declare -A SAME BYTES BIG_BYTES
for fmt in $FORMATS; do
	case $fmt in jsonl | array) ;; *) die "FORMATS: '$fmt' is neither jsonl nor array" ;; esac
	make_input "$fmt" "$ROWS"
	IN=$INPUT
	echo
	echo "== $fmt: $IN, $ROWS records, $(stat -c %s "$IN") bytes"
	cat "$IN" >/dev/null # into the page cache, so that no tool pays for the first read
	for ((r = 1; r <= RUNS; r++)); do
		echo "round $r/$RUNS"
		k1='' k2=''
		[ "$r" -eq 1 ] && k1=$BENCH_DIR/kept_nebtop_$fmt.csv k2=$BENCH_DIR/kept_duckdb_$fmt.csv
		run_tool nebtop "$fmt" "$ROWS" "$IN" "$fmt nebtop" "$k1"
		run_tool duckdb "$fmt" "$ROWS" "$IN" "$fmt duckdb" "$k2"
		run_tool null "$fmt" "$ROWS" "$IN" "$fmt nebtop->null"
	done
	a=$BENCH_DIR/kept_nebtop_$fmt.csv b=$BENCH_DIR/kept_duckdb_$fmt.csv
	if cmp -s "$a" "$b"; then
		SAME[$fmt]="the same bytes"
	elif node "$HERE/compare_csv.mjs" "$a" "$b"; then
		SAME[$fmt]="the same data (typed), not the same bytes: see above"
	else
		SAME[$fmt]="NOT the same data: see above"
	fi
	echo "nebtop's CSV and DuckDB's: ${SAME[$fmt]}"
	rm -f "$a" "$b"
	if [ "$SKIP_4M" != 1 ]; then
		make_input "$fmt" "$BIG_ROWS"
		BIG_IN=$INPUT BIG_BYTES[$fmt]=$(stat -c %s "$INPUT")
		echo "nebtop on $BIG_IN ($BIG_ROWS records, $(stat -c %s "$BIG_IN") bytes)"
		cat "$BIG_IN" >/dev/null
		for ((r = 1; r <= RUNS; r++)); do run_tool nebtop "$fmt" "$BIG_ROWS" "$BIG_IN" "$fmt nebtop(4x)"; done
	fi
	BYTES[$fmt]=$(stat -c %s "$IN")
done

# Tables: medians; MB = 10^6 bytes of input, MiB = 2^20 bytes of RSS; CPU = user + system
# seconds (all threads), steadier than the wall time on a loaded machine.
for fmt in $FORMATS; do
	echo
	echo "== $fmt, medians of $RUNS runs"
	printf '%-18s %12s %12s %8s %14s %11s %16s\n' tool "median wall s" "records/s" "MB/s" "peak RSS MiB" \
		"CPU s" "nebtop/tool wall"
	NW=$(median "${WALL[$fmt nebtop]}")
	for key in "$fmt nebtop" "$fmt duckdb" "$fmt nebtop->null" "$fmt nebtop(4x)"; do
		[ -n "${WALL[$key]:-}" ] || continue
		rows=$ROWS bytes=${BYTES[$fmt]}
		[ "$key" = "$fmt nebtop(4x)" ] && rows=$BIG_ROWS bytes=${BIG_BYTES[$fmt]}
		awk -v k="$key" -v w="$(median "${WALL[$key]}")" -v m="$(median "${RSS[$key]}")" -v c="$(median "${CPU[$key]}")" \
			-v rows="$rows" -v bytes="$bytes" -v nw="$NW" 'BEGIN {
			ratio = k ~ /duckdb/ ? sprintf("%.2f", nw / w) : "-"
			printf "%-18s %12.2f %12.0f %8.1f %14.1f %11.2f %16s\n", k, w, rows / w, bytes / 1e6 / w, m / 1024, c, ratio
		}'
	done
	echo "targets (figures only; the benchmark does not fail on them):"
	awk -v nw="$NW" -v dw="$(median "${WALL[$fmt duckdb]}")" -v nr="$(median "${RSS[$fmt nebtop]}")" 'BEGIN {
		printf "  nebtop wall <= 0.5 x DuckDB wall:        %.2f x    %s\n", nw / dw, nw <= 0.5 * dw ? "met" : "NOT met"
		printf "  nebtop peak RSS <= 64 MiB:               %.1f MiB %s\n", nr / 1024, nr <= 64 * 1024 ? "met" : "NOT met"
	}'
	if [ -n "${RSS[$fmt nebtop(4x)]:-}" ]; then
		awk -v a="$(median "${RSS[$fmt nebtop]}")" -v b="$(median "${RSS[$fmt nebtop(4x)]}")" -v big="$BIG_ROWS" 'BEGIN {
			printf "  nebtop peak RSS <= 64 MiB, %d records: %.1f MiB %s (%+.1f %% against the 1x file)\n",
				big, b / 1024, b <= 64 * 1024 ? "met" : "NOT met", (b - a) / a * 100
		}'
	else
		echo "  nebtop peak RSS, $BIG_ROWS records: not run (SKIP_4M=1)"
	fi
	echo "  json -> null alone (diagnostic): $(awk -v w="$(median "${WALL[$fmt nebtop->null]}")" \
		-v rows="$ROWS" -v bytes="${BYTES[$fmt]}" 'BEGIN { printf "%.0f records/s, %.1f MB/s", rows / w, bytes / 1e6 / w }')"
	echo "  nebtop's CSV and DuckDB's hold ${SAME[$fmt]}"
done
