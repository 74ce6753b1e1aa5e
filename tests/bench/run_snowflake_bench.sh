#!/usr/bin/env bash
# run_snowflake_bench.sh: the snowflake destination's throughput (`make bench`) against
# the local Snowflake server of the tests (tests/integration/sf_server.py, Python, one
# process, which checks every binding), at the defaults: generate (RECORDS rows of COLUMNS
# fields, col1 cast to int) -> snowflake (max_rows 1000, max_request_bytes 4MiB, a key-pair
# JWT), RUNS times, then once with BIG_RECORDS rows. Prints, per run and as medians:
# records/s (nebtop's wall time), the INSERT statements, the share of the destination's
# time spent waiting on the server, and the server's CPU time per statement, from which
# the most the server alone could take (rows / server CPU time): when nebtop's rate comes
# near it, the server is the limit, not nebtop. Figures only: the exit status is non-zero
# only when a tool failed or did not deliver every record.
#
# Environment: NEBTOP, RECORDS (100000), BIG_RECORDS (1000000; 0: no such run), COLUMNS (8),
# RUNS (3), BENCH_DIR (tests/bench/out)
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
RECORDS=${RECORDS:-100000}
BIG_RECORDS=${BIG_RECORDS:-1000000}
COLUMNS=${COLUMNS:-8}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_snowflake_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP (build it, or set NEBTOP=path)"
command -v openssl >/dev/null || die "openssl missing"

T=$(mktemp -d "${TMPDIR:-/tmp}/nebtop-sfbench.XXXXXX")
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/key.pem" 2>/dev/null
openssl pkey -in "$T/key.pem" -pubout -out "$T/pub.pem"
python3 "$HERE/../integration/sf_server.py" "$T/port" "$T/log" "$T/pub.pem" BENCH LOADER "$T/jwts" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
timeout 30 sh -c 'until [ -s "$1" ]; do sleep 0.1; done' _ "$T/port" || die "sf_server.py did not start"
BASE=http://127.0.0.1:$(cat "$T/port")
echo "$RECORDS records of $COLUMNS fields into $BASE (sf_server.py), $RUNS runs; $(nproc) cores"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# one_run N NAME: prints "rate statements wait% server_cpu_s cap"
one_run() {
	local n=$1 name=$2 c0 c1 m
	c0=$(cpu_ticks $srv)
	printf '[source]\ntype = generate\nrows = %s\ncolumns = %s\n[stage.typed]\ntype = cast\nfield = col1\nto = int\n' \
		"$n" "$COLUMNS" >"$T/p.ini"
	printf '[destination]\ntype = snowflake\nendpoint = %s\naccount = bench\nuser = loader\n' "$BASE" >>"$T/p.ini"
	printf 'private_key_file = %s/key.pem\ntable = %s\n' "$T" "$name" >>"$T/p.ini"
	"$NEBTOP" --headless -duration 0 -output "$T/prof_$name" "$T/p.ini" </dev/null >"$T/out" 2>&1 ||
		{ tail "$T/out" >&2; die "nebtop failed"; }
	c1=$(cpu_ticks $srv)
	tr -d , <"$T/out" | grep -q "finished after .* $n in $n out 0 filtered 0 errors" ||
		{ grep finished "$T/out" >&2; die "not $n records in and out"; }
	m=$(ls "$T/prof_$name"/metrics_*.json)
	python3 -c 'import json,sys
m = json.load(open(sys.argv[1])); d = m["connectors"]["destination"]; t = int(sys.argv[2]) / int(sys.argv[3])
print("%.0f %d %.1f %.2f %.0f" % (m["records"]["in"] / m["duration_s"], d["batches"], d["wait_pct"], t,
      int(sys.argv[4]) / t if t > 0 else 0))' "$m" $((c1 - c0)) "$HZ" "$n"
}

RATES= REQS= WAITS= CAPS=
for ((r = 1; r <= RUNS; r++)); do
	read -r rate reqs wait cpu cap < <(one_run "$RECORDS" "bench$r")
	printf '  run %d: %9s records/s  %5d statements  destination waiting %5s%%  server CPU %s s (%.2f ms a statement: alone it could take %s records/s)\n' \
		"$r" "$rate" "$reqs" "$wait" "$cpu" "$(awk -v t="$cpu" -v q="$reqs" 'BEGIN {print 1000 * t / q}')" "$cap"
	RATES+=" $rate" REQS+=" $reqs" WAITS+=" $wait" CAPS+=" $cap"
done
echo "medians: $(median "$RATES") records/s, $(median "$REQS") statements, destination waiting $(median "$WAITS")%," \
	"server alone at most $(median "$CAPS") records/s"
if [ "$BIG_RECORDS" -gt 0 ]; then
	read -r rate reqs wait cpu cap < <(one_run "$BIG_RECORDS" bench_big)
	echo "$BIG_RECORDS rows: $rate records/s, $reqs INSERT statements (plus one check at open), destination" \
		"waiting $wait%, server CPU $cpu s (alone at most $cap records/s)"
fi
