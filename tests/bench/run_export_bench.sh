#!/usr/bin/env bash
# run_export_bench.sh: what serving /metrics costs the pipeline (`make
# bench`). A 50-stage pipeline (generate -> 48 select stages -> null, one
# worker each) runs SECONDS_RUN seconds headless with -listen, ROUNDS times
# scraped once a second (curl, as Prometheus would) and ROUNDS times not,
# interleaved; prints the median throughput of each (records in over the
# run's duration_s), the scraped run's cost in percent and the spread of the
# per-pair costs, and what one scrape takes, weighs and costs in CPU. The
# target (under 0.5%) is judged on the CPU a scrape a second takes from the
# machine, the most it can take from a CPU-bound pipeline: on a 2-core
# machine the throughput of 50 threads varies by more than that from run to
# run. Figures only: it never fails on a timing.
#
# Environment: NEBTOP, SECONDS_RUN (10), ROUNDS (5), BENCH_DIR (tests/bench/out)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
SECONDS_RUN=${SECONDS_RUN:-10}
ROUNDS=${ROUNDS:-5}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_export_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP"
command -v curl >/dev/null || die "curl is needed (Debian package curl)"
mkdir -p "$BENCH_DIR"

INI=$BENCH_DIR/export_bench.ini
{
	printf '[pipeline]\nname = fifty\nworkers = 1\n\n[source]\ntype = generate\nrows = 0\ncolumns = 4\n\n'
	for i in $(seq 48); do
		printf '[stage.s%02d]\ntype = select\nfields = col1,col2,col3,col4\n\n' "$i"
	done
	printf '[destination]\ntype = null\n'
} >"$INI"

# listening_url ERR: the http://HOST:PORT a nebtop started with -listen 0
# says on its stderr (the file ERR), once it has said it
listening_url() {
	local url=""
	for _ in $(seq 200); do
		url=$(grep -a -o 'listening on http://[^/ ]*' "$1" 2>/dev/null | head -n 1 | sed 's/^listening on //') || true
		[ -n "$url" ] && break
		sleep 0.05
	done
	[ -n "$url" ] || die "nebtop did not start listening: $(head -c 600 "$1")"
	echo "$url"
}

# one_run MODE (scrape|quiet): prints the run's records/s; a scraped run
# also appends "seconds bytes" of each scrape to $BENCH_DIR/scrapes.txt
one_run() {
	local mode=$1 out=$BENCH_DIR/export_run err=$BENCH_DIR/export_run.err url
	rm -rf "$out"
	"$NEBTOP" "$INI" --headless -duration "${SECONDS_RUN}s" -listen 0 -types none -output "$out" 2>"$err" &
	local pid=$!
	url=$(listening_url "$err")
	if [ "$mode" = scrape ]; then
		while kill -0 "$pid" 2>/dev/null; do
			curl -s -m 5 -o /dev/null -w '%{time_total} %{size_download}\n' "$url/metrics" >>"$BENCH_DIR/scrapes.txt" ||
				true
			sleep 1
		done
	fi
	wait "$pid" || die "the $mode run failed: $(tail -c 600 "$err")"
	run_rate "$out"
}

# cpu_per_scrape: the process's CPU time per scrape, ms: an idle copy of the
# pipeline (its source held at 1,000 records/s) scraped 10 times a second
# for 5 s, against 5 s unscraped, from /proc/PID/stat
cpu_per_scrape() {
	local idle=$BENCH_DIR/export_idle.ini err=$BENCH_DIR/export_idle.err url
	sed 's/^rows = 0$/rows = 0\nrate = 1000/' "$INI" >"$idle"
	"$NEBTOP" "$idle" --headless -duration 20s -listen 0 -types none -output none 2>"$err" &
	local pid=$!
	url=$(listening_url "$err")
	sleep 2
	local tck c0 c1 c2 n=0
	tck=$(getconf CLK_TCK)
	cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
	c0=$(cpu)
	sleep 5
	c1=$(cpu)
	local end=$(($(date +%s%N) + 5000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		curl -s -m 5 -o /dev/null "$url/metrics" && n=$((n + 1))
		sleep 0.1
	done
	c2=$(cpu)
	kill -INT "$pid" 2>/dev/null
	wait "$pid" || true
	awk -v a="$c0" -v b="$c1" -v c="$c2" -v n="$n" -v t="$tck" 'BEGIN {
		printf "%.2f", ((c - b) - (b - a)) * 1000 / t / n }'
}

rm -f "$BENCH_DIR/scrapes.txt"
scraped="" quiet="" costs=""
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then
		s=$(one_run scrape)
		q=$(one_run quiet)
	else
		q=$(one_run quiet)
		s=$(one_run scrape)
	fi
	scraped+=" $s"
	quiet+=" $q"
	costs+=" $(awk -v s="$s" -v q="$q" 'BEGIN {printf "%.3f", 100 * (q - s) / q}')"
done
ms=$(median "$scraped")
mq=$(median "$quiet")
mc=$(median "$costs")
lo=$(tr ' ' '\n' <<<"$costs" | sed '/^$/d' | sort -g | head -n 1)
hi=$(tr ' ' '\n' <<<"$costs" | sed '/^$/d' | sort -g | tail -n 1)
st=$(median "$(awk '{printf " %.3f", 1000 * $1}' "$BENCH_DIR/scrapes.txt")")
sb=$(tail -n 1 "$BENCH_DIR/scrapes.txt" | awk '{print $2}')
cps=$(cpu_per_scrape)
share=$(awk -v c="$cps" -v n="$(nproc)" 'BEGIN {printf "%.3f", c / 10 / n}')
echo "export: a 50-stage pipeline scraped once a second vs not, $ROUNDS interleaved pairs of ${SECONDS_RUN}s:" \
	"median $(printf '%.0f' "$ms") vs $(printf '%.0f' "$mq") records/s, a cost of $mc% (pairs from $lo% to $hi%:" \
	"the pipeline's own spread); one scrape ${st} ms median, $sb bytes, ${cps} ms of CPU (idle pipeline," \
	"10 scrapes/s vs none): at one scrape a second, ${share}% of the machine's $(nproc) cores, the most it can" \
	"take from a CPU-bound pipeline: $(awk -v c="$share" 'BEGIN {print (c < 0.5 ? "met" : "NOT met")}') (under 0.5%)"
