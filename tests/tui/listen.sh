# listen.sh: the listener while the screen is up. The header says where it
# listens ("serving 127.0.0.1:PORT", port 0: the one the system chose);
# /metrics there answers with the screen's pipeline; POST /api/v1/snapshot
# writes a snapshot through the front end (the header counts it, the
# status line names it, the answer names its files, which exist); and q
# still quits with status 0 and the final snapshot.
. "$(dirname "$0")/lib.sh"
need_utf8_locale
command -v curl >/dev/null || { echo "SKIP: no curl" >&2; exit 77; }

write_ini "$T/p.ini"
tui_start "$T/p.ini" -listen 0
wait_running
wait_for "the listener's address in the header" header_has "serving 127.0.0.1:"
addr=$(screen | head -n 1 | grep -o 'serving 127\.0\.0\.1:[0-9]*' | sed 's/^serving //')
[ -n "$addr" ] || fail "no address in the header: $(screen | head -n 1)"
code=$(curl -s -m 30 -o "$T/metrics.txt" -w '%{http_code}' "http://$addr/metrics")
[ "$code" = 200 ] || fail "/metrics at the header's address: status $code"
grep -q '^nebtop_records_total{pipeline="tuitest",stage="score",direction="out"}' "$T/metrics.txt" ||
	fail "/metrics does not show the screen's pipeline: $(head -c 600 "$T/metrics.txt")"
code=$(curl -s -m 60 -X POST -o "$T/snap.json" -w '%{http_code}' "http://$addr/api/v1/snapshot")
[ "$code" = 200 ] || fail "POST /api/v1/snapshot: status $code: $(cat "$T/snap.json")"
wait_for "the snapshot counted in the header" header_has "snapshots 1"
"$PYTHON3" - "$T/snap.json" "$T/prof" <<'PY' || fail "the snapshot's answer (see above)"
import json, os, sys
a = json.load(open(sys.argv[1]))
for n in a["files"]:
    if not os.path.isfile(os.path.join(sys.argv[2], n)):
        sys.exit("%s is not in %s" % (n, sys.argv[2]))
if not any(n.startswith("metrics_") for n in a["files"]):
    sys.exit("no metrics file in %s" % a["files"])
PY
stamp=$("$PYTHON3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["stamp"])' "$T/snap.json")
wait_for "the status line naming the snapshot" on_screen "snapshot $stamp"
keys q
wait_exit "q"
check_exit_restored "q after a snapshot over the listener"
finish
