#!/usr/bin/env bash
# run_http_bench.sh: the http source's throughput (`make bench`). Starts http_pages.c
# (pages of PER_PAGE records of gen_record.c, rendered in memory: next links at
# links.next, records at data.items, keep-alive), then, interleaved RUNS times: (a) the
# server alone, read by http_pages --client on one kept-alive connection (and by curl,
# all pages on one connection, into /dev/null), (b) nebtop -source http ... -destination
# null over the same pages. Prints the medians in records/s and nebtop's target (at least
# 1,000,000 records/s, from its wall time). Figures only: the exit status is non-zero only
# when a tool failed or did not deliver every record.
#
# Environment: NEBTOP, RECORDS (1000000), PER_PAGE (1000), RUNS (3),
#              BENCH_DIR (tests/bench/out)
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
RECORDS=${RECORDS:-1000000}
PER_PAGE=${PER_PAGE:-1000}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_http_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP (build it, or set NEBTOP=path)"
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) missing: run tests/bench/setup_bench.sh"
command -v curl >/dev/null || die "curl missing: run tests/bench/setup_bench.sh"
PAGES=$(((RECORDS + PER_PAGE - 1) / PER_PAGE))

SRV=$BENCH_DIR/http_pages
if [ ! -x "$SRV" ] || [ "$HERE/http_pages.c" -nt "$SRV" ] || gen_stale "$SRV"; then
	gcc -std=c11 -O2 -pthread -o "$SRV" "$HERE/http_pages.c" "$HERE/gen_record.c"
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/nebtop-httpbench.XXXXXX")
"$SRV" -n "$RECORDS" -s "$PER_PAGE" "$T/port" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
# the server writes its port once its pages are rendered (60 s at most)
timeout 60 sh -c 'until [ -s "$1" ]; do sleep 0.1; done' _ "$T/port" || die "http_pages did not start"
PORT=$(cat "$T/port")
URL="http://127.0.0.1:$PORT/pages?page=1"
echo "$RECORDS records in $PAGES pages of $PER_PAGE at $URL; $RUNS runs each, interleaved; $(nproc) cores"

declare -A RATE
RSS= CPU=
"$SRV" --client "$PORT" "$PAGES" >/dev/null || die "http_pages --client failed" # warm-up, not counted
rate() { awk -v n="$RECORDS" -v s="$1" 'BEGIN {printf "%.0f", n / s}'; }
for ((r = 1; r <= RUNS; r++)); do
	echo "round $r/$RUNS"
	# (a) the server alone: its own client, then curl (URL globbing: one connection)
	read -r pages bytes secs < <("$SRV" --client "$PORT" "$PAGES") || die "http_pages --client failed"
	[ "$pages" -eq "$PAGES" ] || die "the client read $pages pages of $PAGES"
	RATE[client]+=" $(rate "$secs")"
	printf '  %-22s %8.3f s %12s records/s (%d bytes)\n' "server, C client" "$secs" "$(rate "$secs")" "$bytes"
	/usr/bin/time -o "$T/time" -f '%e' curl -sS --fail "http://127.0.0.1:$PORT/pages?page=[1-$PAGES]" >"$T/curl.out" ||
		die "curl failed"
	n=$(stat -c %s "$T/curl.out")
	[ "$n" -eq "$bytes" ] || die "curl read $n bytes, the client $bytes"
	secs=$(tail -n 1 "$T/time")
	RATE[curl]+=" $(rate "$secs")"
	printf '  %-22s %8.3f s %12s records/s\n' "server, curl" "$secs" "$(rate "$secs")"
	rm -f "$T/curl.out"
	# (b) nebtop, the http source to the null destination
	if ! /usr/bin/time -o "$T/time" -f '%e %M %U %S' "$NEBTOP" -source http -source-config \
		"url=$URL,records_path=data.items,pagination=next_link,next_path=links.next" \
		-destination null --headless -duration 0 -output "$BENCH_DIR/profiles" </dev/null >"$T/log" 2>&1; then
		tail -n 20 "$T/log" >&2
		die "nebtop failed: $(head -n 1 "$T/time")"
	fi
	tr -d , <"$T/log" | grep -q "finished after .* $RECORDS in $RECORDS out 0 filtered 0 errors" ||
		{ grep finished "$T/log" >&2; die "nebtop: not $RECORDS records in and out without errors"; }
	read -r secs rss user sys < <(tail -n 1 "$T/time")
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')
	RATE[nebtop]+=" $(rate "$secs")" RSS+=" $rss" CPU+=" $cpu"
	printf '  %-22s %8.3f s %12s records/s %9.1f MiB %6.2f s CPU (its own figure: %s)\n' "nebtop http -> null" \
		"$secs" "$(rate "$secs")" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$cpu" \
		"$(sed -n 's/.*0 errors (\([0-9,]* records\/s\).*/\1/p' "$T/log")"
done

echo
echo "medians of $RUNS runs, records/s (wall time, start-up and final snapshot included for nebtop):"
printf '  %-22s %12.0f\n' "server, C client" "$(median "${RATE[client]}")" "server, curl" \
	"$(median "${RATE[curl]}")" "nebtop http -> null" "$(median "${RATE[nebtop]}")"
echo "  nebtop peak RSS: $(awk -v k="$(median "$RSS")" 'BEGIN {printf "%.1f MiB", k / 1024}'), CPU (user + system): $(median "$CPU") s"
echo "target (figures only; the benchmark does not fail on it):"
awk -v n="$(median "${RATE[nebtop]}")" 'BEGIN {
	printf "  nebtop http -> null >= 1,000,000 records/s: %.0f  %s\n", n, (n >= 1000000 ? "met" : "NOT met")
}'
