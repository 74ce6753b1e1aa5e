#!/usr/bin/env bash
# run_symbolize_bench.sh: what symbolizing costs (`make bench`): nebtop's own
# ELF/DWARF reader (src/symbols) against elfutils' libdwfl, both inside
# tests/bench/symbolize_startup (a program linked like nebtop). Takes N
# return addresses of that program (the instruction after a call, from
# objdump), runs each way RUNS times, interleaved (own libdw own libdw ...),
# and prints min / median / max of: start-up (the process's mappings read
# and their ELF files opened), the first pass over the N addresses (each
# way reads symbols and line tables on first use), a second pass, the
# process's wall time and peak RSS. Checks once that both ways name the same
# functions and lines. The libdw way is skipped (said so) when configure did
# not find libdw (apt-get install libdw-dev, then configure again): nebtop
# does not depend on elfutils.
# With NEBTOP set, then what profiling adds to a one-row run of nebtop
# (start-up, the run, the final snapshot with its profiles): `-types
# cpu,memory` against `-types none`, STARTUP_RUNS runs of each,
# interleaved; prints the medians, their difference in ms and whether it is
# under 15 ms ("met" / "NOT met"), after a first run that fills the
# symbolizer's cache. Figures only: it never fails on a timing.
#
# Usage: run_symbolize_bench.sh [PROGRAM]  (default: tests/bench/symbolize_startup)
# Environment: N (1000), RUNS (7), BENCH_DIR (tests/bench/out), NEBTOP (unset:
# no start-up figure), STARTUP_RUNS (21), STARTUP_ONLY (1: only the start-up figure)
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=${1:-$HERE/symbolize_startup}
N=${N:-1000}
RUNS=${RUNS:-7}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_symbolize_bench
. "$HERE/lib.sh"

# what profiling adds to a one-row run: wall ms of -types cpu,memory against -types none
startup_figure() {
	[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP"
	local one=$BENCH_DIR/startup_one_row.csv out=$BENCH_DIR/startup_out runs=${STARTUP_RUNS:-21} r t
	local -A ms=()
	printf 'a\n1\n' >"$one"
	# a first run, not counted, fills the symbolizer's cache (nebtop(1),
	# PROFILES): the figure is that of the runs after it
	"$NEBTOP" -source csv -source-config "file_path=$one" -destination null --headless -duration 0 \
		-types cpu,memory -output "$out" 2>/dev/null || die "the one-row run with -types cpu,memory failed"
	for ((r = 1; r <= runs; r++)); do
		for t in none cpu,memory; do
			rm -rf "$out"
			local t0 t1
			t0=$(date +%s%N)
			"$NEBTOP" -source csv -source-config "file_path=$one" -destination null --headless -duration 0 \
				-types "$t" -output "$out" 2>/dev/null || die "the one-row run with -types $t failed"
			t1=$(date +%s%N)
			ms[$t]+=" $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e6}')"
		done
	done
	rm -rf "$out"
	local none cm
	none=$(median "${ms[none]}")
	cm=$(median "${ms[cpu,memory]}")
	awk -v n="$none" -v c="$cm" -v r="$runs" 'BEGIN {
		d = c - n
		printf "start-up: a one-row run, medians of %d interleaved runs: -types none %.1f ms, -types cpu,memory %.1f ms;", r, n, c
		printf " difference %.1f ms: %s (under 15 ms)\n", d, d < 15 ? "met" : "NOT met" }'
}
if [ "${STARTUP_ONLY:-0}" = 1 ]; then
	[ -n "${NEBTOP:-}" ] || die "STARTUP_ONLY=1 needs NEBTOP"
	startup_figure
	exit 0
fi

[ -x "$PROG" ] || die "no program at $PROG (make tests/bench/symbolize_startup)"
command -v objdump >/dev/null || die "objdump missing (apt-get install binutils)"

# N return addresses spread evenly over the program's calls (link-time, hex)
ADDRS=$BENCH_DIR/symbolize_addresses.txt
objdump -d --no-show-raw-insn "$PROG" |
	awk 'call { if (match($0, /^ *[0-9a-f]+:/)) { a = substr($0, RSTART, RLENGTH); gsub(/[ :]/, "", a); print a }; call = 0 }
	     /^ *[0-9a-f]+:\t *call/ { call = 1 }' >"$ADDRS.all"
total=$(wc -l <"$ADDRS.all")
[ "$total" -ge "$N" ] || die "only $total call sites in $PROG, fewer than N=$N"
awk -v n="$N" -v t="$total" 'BEGIN { step = t / n } NR > next_at { print; k++; next_at = k * step }' \
	"$ADDRS.all" | head -n "$N" >"$ADDRS"
rm -f "$ADDRS.all"

ways=(own)
if "$PROG" probe "$ADDRS"; then
	ways+=(libdw)
	libdw_version=$(pkg-config --modversion libdw 2>/dev/null || echo "?")
else
	echo "SKIP libdw: the program was built without libdw (install libdw-dev and run configure again)"
fi
echo "symbolizer: $(wc -l <"$ADDRS") return addresses of $PROG ($(stat -c %s "$PROG") bytes, with" \
	"$(ldd "$PROG" | wc -l) mapped objects); $RUNS runs of each way, interleaved;" \
	"$(nproc) cores${libdw_version:+; libdw $libdw_version}"

# agreement: the same function and file:line for each address?
if [ "${#ways[@]}" -eq 2 ]; then
	"$PROG" own "$ADDRS" --dump >"$BENCH_DIR/symbolize_own.txt"
	"$PROG" libdw "$ADDRS" --dump >"$BENCH_DIR/symbolize_libdw.txt"
	paste -d ' ' "$BENCH_DIR/symbolize_own.txt" "$BENCH_DIR/symbolize_libdw.txt" | awk '
		{ f += $2 == $5; l += $3 == $6 || ($3 ~ /\// && $6 ~ /\// && substr($3, length($3) - length($6) + 1) == $6) }
		END { printf "agreement: same function for %d of %d addresses, same file:line for %d\n", f, NR, l }'
fi

declare -A FIG
keys=(start_ms first_ms again_ms wall_ms peak_rss_kib added_rss_kib)
for ((r = 1; r <= RUNS; r++)); do
	for w in "${ways[@]}"; do
		t0=$(date +%s%N)
		line=$("$PROG" "$w" "$ADDRS") || die "$w failed"
		t1=$(date +%s%N)
		line="$line wall_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b - a) / 1e6}')"
		for k in "${keys[@]}"; do
			v=$(tr ' ' '\n' <<<"$line" | sed -n "s/^$k=//p")
			FIG[$w.$k]+=" $v"
		done
		[ "$r" -gt 1 ] || echo "  first run: $line"
	done
done

spread() { # VALUES: min / median / max
	local s
	s=$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | sed -n '1p;$p' | paste -sd ' ')
	awk -v m="$(median "$1")" -v s="$s" 'BEGIN { split(s, v, " "); printf "%10.3f %10.3f %10.3f", v[1], m, v[2] }'
}
printf '%-15s %-6s %10s %10s %10s\n' figure way min median max
for k in "${keys[@]}"; do
	for w in "${ways[@]}"; do
		printf '%-15s %-6s %s\n' "$k" "$w" "$(spread "${FIG[$w.$k]}")"
	done
done
echo "(start_ms: mappings read and ELF files opened; first_ms / again_ms: the $N addresses, first and"
echo " second time; wall_ms: the whole process; added_rss_kib: peak RSS over the program's own before start-up)"
[ -z "${NEBTOP:-}" ] || startup_figure
