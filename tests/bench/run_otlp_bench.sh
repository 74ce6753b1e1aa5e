#!/usr/bin/env bash
# run_otlp_bench.sh: what an OTLP collector that refuses costs the pipeline
# (`make bench`). The same pipeline (generate ROWS records -> select -> null,
# one worker each; with export, metrics every second and the steps of one
# batch in SAMPLE as spans) runs headless ROUNDS times each, interleaved:
# without export, with
# a collector that answers every request 503 with Retry-After: 1 (the
# receiver of the OTLP tests, told to fail always: the export retries and
# drops), and with nothing listening at the endpoint. Prints the median
# throughput (records over the run's duration_s) of each and the ratios to
# the run without export: the issue's "the pipeline's throughput does not
# drop" when the collector refuses. Figures only: never fails on a timing.
#
# Environment: NEBTOP, ROWS (20000000), ROUNDS (3), SAMPLE (otlp_sample, 100: the
# default), BENCH_DIR (tests/bench/out)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
NEBTOP=${NEBTOP:-$SRC/nebtop}
ROWS=${ROWS:-20000000}
ROUNDS=${ROUNDS:-3}
SAMPLE=${SAMPLE:-100}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_otlp_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP"
command -v node >/dev/null || { echo "$BENCH_NAME: skipped: no node (scripts/setup.sh installs nodejs)"; exit 0; }
mkdir -p "$BENCH_DIR"
D=$BENCH_DIR/otlp
rm -rf "$D"
mkdir -p "$D"

node "$SRC/tests/integration/otlp/receiver.mjs" "$SRC/tests/data/opentelemetry-proto" "$D/port" "$D/log" \
	1000000000 503 >"$D/receiver.out" 2>&1 &
RPID=$!
trap 'kill $RPID 2>/dev/null || true' EXIT
for _ in $(seq 300); do [ -s "$D/port" ] && break; sleep 0.1; done
[ -s "$D/port" ] || die "the receiver did not start: $(cat "$D/receiver.out")"
refusing="http://127.0.0.1:$(cat "$D/port")"
absent="http://127.0.0.1:$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

# ini FILE [ENDPOINT]
ini() {
	{
		printf '[pipeline]\nname = otlpbench\nworkers = 1\n\n[source]\ntype = generate\nrows = %s\ncolumns = 4\n\n' "$ROWS"
		printf '[stage.pick]\ntype = select\nfields = col1,col2,col3\n\n[destination]\ntype = null\n'
		[ -z "${2:-}" ] || printf '\n[export]\notlp_endpoint = %s\notlp_interval = 1s\notlp_sample = %s\n' "$2" "$SAMPLE"
	} >"$1"
}
ini "$D/none.ini"
ini "$D/refusing.ini" "$refusing"
ini "$D/absent.ini" "$absent"

# one_run NAME: the run's records/s
one_run() {
	rm -rf "$D/out"
	"$NEBTOP" "$D/$1.ini" --headless -types none -output "$D/out" 2>"$D/$1.err" || die "the $1 run failed: $(tail -c 600 "$D/$1.err")"
	run_rate "$D/out"
}

declare -A got=([none]="" [refusing]="" [absent]="")
for ((r = 1; r <= ROUNDS; r++)); do
	order="none refusing absent"
	((r % 2)) || order="absent refusing none"
	for k in $order; do
		got[$k]+=" $(one_run "$k")"
	done
done
n=$(median "${got[none]}")
f=$(median "${got[refusing]}")
a=$(median "${got[absent]}")
refused=$(grep -c '"status": *503' "$D/log" 2>/dev/null || true)
printf 'OTLP export and the pipeline (%s rows, otlp_sample = %s, %d rounds interleaved, medians):\n' "$ROWS" "$SAMPLE" "$ROUNDS"
printf '  no export:                       %12.0f records/s  (runs:%s)\n' "$n" "${got[none]}"
printf '  collector answering 503 always:  %12.0f records/s  %.3fx  (runs:%s; %s requests refused)\n' "$f" \
	"$(awk -v a="$f" -v b="$n" 'BEGIN {print a / b}')" "${got[refusing]}" "${refused:-0}"
printf '  no collector at the endpoint:    %12.0f records/s  %.3fx  (runs:%s)\n' "$a" \
	"$(awk -v a="$a" -v b="$n" 'BEGIN {print a / b}')" "${got[absent]}"
