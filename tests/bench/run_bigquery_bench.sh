#!/usr/bin/env bash
# run_bigquery_bench.sh: the bigquery destination's throughput (`make bench`) against
# the local BigQuery server of the tests (tests/integration/bq_server.py, Python, one
# process), at the default batch: generate (RECORDS rows of COLUMNS fields) -> bigquery
# (max_rows 500, max_request_bytes 10MB), RUNS times. Prints, per run and as medians:
# records/s (nebtop's wall time), the insertAll requests, the share of the destination's
# time spent waiting on the server, and the server's CPU time per request, from which the
# most the server alone could take (500 rows / CPU time of a request): when nebtop's rate
# comes near it, the server is the limit, not nebtop. Figures only: the exit status is
# non-zero only when a tool failed or did not deliver every record.
#
# Environment: NEBTOP, RECORDS (100000), COLUMNS (8), RUNS (3), BENCH_DIR (tests/bench/out)
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
RECORDS=${RECORDS:-100000}
COLUMNS=${COLUMNS:-8}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_bigquery_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP (build it, or set NEBTOP=path)"
command -v openssl >/dev/null || die "openssl missing"

T=$(mktemp -d "${TMPDIR:-/tmp}/nebtop-bqbench.XXXXXX")
TOKEN=bench-$RANDOM$RANDOM-token
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/key.pem" 2>/dev/null
openssl pkey -in "$T/key.pem" -pubout -out "$T/pub.pem"
python3 "$HERE/../integration/bq_server.py" "$T/port" "$T/log" "$T/pub.pem" bench@example.com "$T/tokens" "$TOKEN" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
timeout 30 sh -c 'until [ -s "$1" ]; do sleep 0.1; done' _ "$T/port" || die "bq_server.py did not start"
BASE=http://127.0.0.1:$(cat "$T/port")
echo "$RECORDS records of $COLUMNS fields into $BASE (bq_server.py), $RUNS runs; $(nproc) cores"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
RATES= REQS= WAITS= CAPS=
for ((r = 1; r <= RUNS; r++)); do
	c0=$(cpu_ticks $srv)
	export BQ_BENCH_TOKEN=$TOKEN
	# shellcheck disable=SC2016
	"$NEBTOP" -source generate -source-config "rows=$RECORDS,columns=$COLUMNS" -destination bigquery \
		-dest-config "endpoint=$BASE,project=bench,dataset=d,table=bench$r"',access_token=${BQ_BENCH_TOKEN}' \
		--headless -duration 0 -output "$T/prof$r" </dev/null >"$T/out" 2>&1 || { tail "$T/out" >&2; die "nebtop failed"; }
	c1=$(cpu_ticks $srv)
	tr -d , <"$T/out" | grep -q "finished after .* $RECORDS in $RECORDS out 0 filtered 0 errors" ||
		{ grep finished "$T/out" >&2; die "not $RECORDS records in and out"; }
	m=$(ls "$T/prof$r"/metrics_*.json)
	read -r rate reqs wait < <(python3 -c 'import json,sys
m = json.load(open(sys.argv[1])); d = m["connectors"]["destination"]
print("%.0f %d %.1f" % (m["records"]["in"] / m["duration_s"], d["batches"], d["wait_pct"]))' "$m")
	cap=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v q="$reqs" -v n="$RECORDS" 'BEGIN {
		printf "%.0f", (t > 0 ? n / (t / hz) : 0) }')
	printf '  run %d: %9s records/s  %5d requests  destination waiting %5s%%  server CPU %.2f s (%.2f ms a request: alone it could take %s records/s)\n' \
		"$r" "$rate" "$reqs" "$wait" "$(awk -v t=$((c1 - c0)) -v hz="$HZ" 'BEGIN {print t / hz}')" \
		"$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v q="$reqs" 'BEGIN {print 1000 * t / hz / q}')" "$cap"
	RATES+=" $rate" REQS+=" $reqs" WAITS+=" $wait" CAPS+=" $cap"
done
echo "medians: $(median "$RATES") records/s, $(median "$REQS") requests, destination waiting $(median "$WAITS")%," \
	"server alone at most $(median "$CAPS") records/s"
echo "a load of 1,000,000 rows at max_rows = 500: $((1000000 / 500)) insertAll requests (plus one tables.get and one token)"
