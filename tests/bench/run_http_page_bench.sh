#!/usr/bin/env bash
# run_http_page_bench.sh: one huge HTTP page (`make bench`): the http source
# reads one page of RECORDS records (~300 bytes each: ~300 MB for the
# default 1,000,000) from tests/integration/http_server.py's /huge (made as
# it is sent), then a second small page linked after the records, to the null
# destination, under /usr/bin/time -v. Prints the page's size, the records,
# the wall time and the peak RSS against the target (at most 128 MiB, flat
# whatever the page's size). Figures only: it fails when nebtop fails or
# delivers the wrong record count.
#
# Environment: NEBTOP, RECORDS (1000000), BENCH_DIR (tests/bench/out)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
RECORDS=${RECORDS:-1000000}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_http_page_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP"
[ -x /usr/bin/time ] || { echo "SKIP http page bench: no /usr/bin/time (apt-get install time)"; exit 0; }

T=$(mktemp -d "${TMPDIR:-/tmp}/nebtop-httpbench.XXXXXX")
python3 "$HERE/../integration/http_server.py" "$T/port" "$T/log" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
# the server writes its port once it listens (10 s at most)
timeout 10 sh -c 'until [ -s "$1" ]; do sleep 0.1; done' _ "$T/port" || die "the HTTP server did not start"
url="http://127.0.0.1:$(cat "$T/port")/huge?n=$RECORDS&pad=230"
bytes=$(curl -s "$url" | wc -c)
cat >"$T/huge.ini" <<EOF2
[pipeline]
duration = 0
[source]
type = http
url = $url
records_path = items
pagination = next_link
next_path = next
[destination]
type = null
EOF2
/usr/bin/time -v "$NEBTOP" -output none "$T/huge.ini" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; die "nebtop failed"; }
tr -d , <"$T/err" | grep -q "finished after .* $((RECORDS + 1)) in $((RECORDS + 1)) out" ||
	{ grep finished "$T/err" >&2; die "not every record delivered"; }
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/err")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$T/err")
echo "one page of $bytes bytes, $((RECORDS + 1)) records delivered in $wall; peak RSS $((rss_kb / 1024)) MiB (target: at most 128 MiB)"
