# http_dest.sh: the http destination against a local test server
# (http_server.py): the records the server receives, as JSON arrays and as
# NDJSON, equal the json destination's output for the same input; requests
# stay under max_batch_bytes; the batch id header is the same on a retry and
# differs between requests; 500 and 429 then success lose and duplicate
# nothing; a server that always fails follows on_error (skip, dead_letter,
# fail) with every record accounted for; a 4xx is not retried; ${ENV} in a
# header reaches the server and never shows in nebtop's output; the server
# down at open is a configuration error (exit 2, one line).
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/http_lib.sh"
http_start

ROWS=1000
GEN="-source generate -source-config rows=$ROWS,columns=4"
# the reference: the same records through the json destination
# shellcheck disable=SC2086
nebtop -duration 0 $GEN -dest-config "file_path=$T/ref.json"
expect_rc 0 "reference run"

# run_dest PATH [ON_ERROR] KEYS...: generate -> http POST to BASE/PATH
run_dest() {
	local path=$1 policy=${2:-skip}
	shift 2
	{
		printf '[pipeline]\nduration = 0\non_error = %s\ndead_letter_path = %s/dead.jsonl\n' "$policy" "$T"
		printf '[source]\ntype = generate\nrows = %s\ncolumns = 4\n' "$ROWS"
		printf '[destination]\ntype = http\nurl = %s/%s\nretry_backoff = 10ms\n' "$BASE" "$path"
		printf '%s\n' "$@"
	} >"$T/p.ini"
	rm -f "$T/dead.jsonl"
	http_clear_log
	nebtop "$T/p.ini"
}

# received: the records of the requests the server took (200), as JSON Lines
# in the order received, in $T/got.json
received() {
	"$PYTHON3" - "$HTTP_LOG" >"$T/got.json" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["method"] != "POST" or r["status"] != 200:
        continue
    if r["headers"]["Content-Type"] == "application/json":
        for o in json.loads(r["body"]):
            print(json.dumps(o, separators=(",", ":"), ensure_ascii=False))
    else:
        sys.stdout.write(r["body"])
PY
}

# dest_received WHAT MESSAGE PATH KEYS...: run_dest PATH (on_error skip);
# the run exits 0 and the server took the reference records, in $T/got.json
dest_received() {
	local what=$1 msg=$2 path=$3
	shift 3
	run_dest "$path" skip "$@"
	expect_rc 0 "$what"
	received
	same_file "$T/ref.json" "$T/got.json" "$msg"
}

# --- bodies -----------------------------------------------------------------
dest_received "ndjson" "ndjson: the records received" \
	'ingest?key=nd' format=ndjson
same_text "application/x-ndjson" "$(http_requests '" ".join(sorted(set(r["headers"]["Content-Type"] for r in log)))')" "ndjson: Content-Type"
check_records "$(metrics_file)" $ROWS $ROWS 0 0
note "ok: ndjson"

dest_received "json" "json: the records received" \
	'ingest?key=js' format=json
same_text "True" "$(http_requests 'all(r["body"].startswith("[{") and r["body"].endswith("}]") for r in log)')" "json: each body is an array"
note "ok: json array"

dest_received "max_batch_bytes" "max_batch_bytes: the records received" \
	'ingest?key=split' format=json max_batch_bytes=4KiB
same_text "True True" "$(http_requests 'str(len(log) > 10) + " " + str(max(len(r["body"].encode()) for r in log) <= 4096)')" \
	"max_batch_bytes = 4KiB: several requests, none larger"
same_text "True" "$(http_requests 'len(set(r["headers"]["Idempotency-Key"] for r in log)) == len(log)')" "a batch id per request"
dest_received "a record larger than max_batch_bytes" "max_batch_bytes = 10: the records received" \
	'ingest?key=tiny' format=ndjson max_batch_bytes=10
same_text $ROWS "$(http_requests 'len(log)')" "max_batch_bytes = 10: one record per request"
note "ok: max_batch_bytes"

# --- retries ----------------------------------------------------------------
dest_received "500 then success" "500 then success: the records received (none lost, none twice)" \
	'ingest?key=r500&fails=2&code=500' format=ndjson batch_id_header=X-Batch
same_text "500 500 200 True" "$(http_requests '" ".join(str(r["status"]) for r in log[:3]) + " " + str(len(set(r["headers"]["X-Batch"] for r in log[:3])) == 1)')" \
	"500 then success: the first request tried 3 times with one batch id"
same_text "True" "$(http_requests 'len(set(r["headers"]["X-Batch"] for r in log)) == len(log) - 2')" "500 then success: the other ids differ"
check_records "$(metrics_file)" $ROWS $ROWS 0 0
note "ok: 500 then success, batch id"

dest_received "429 then success" "429 then success: the records received" \
	'ingest?key=r429&fails=1&code=429' format=ndjson
same_text "429 200" "$(http_requests '" ".join(str(r["status"]) for r in log[:2])')" "429 then success: statuses"
note "ok: 429 then success"

# --- failing for good ---------------------------------------------------------
run_dest 'ingest?always=1' skip format=ndjson max_retries=1
expect_rc 3 "always 500, on_error = skip"
check_records "$(metrics_file)" $ROWS 0 0 $ROWS
report_errors | head -n 1 | grep -qF "stage destination: POST $BASE/ingest?always=...: HTTP 500 (after 1 retry): {\"ok\": false, \"error\": \"refused\"}" ||
	soft_fail "always 500, skip: the reason in the report: $(report_errors | head -n 1)"
same_text 0 "$(http_requests 'len(log) % 2')" "always 500: each request tried twice"
note "ok: on_error = skip"

run_dest 'ingest?always=1' dead_letter format=ndjson max_retries=1
expect_rc 0 "always 500, on_error = dead_letter"
check_records "$(metrics_file)" $ROWS 0 0 $ROWS
same_text $ROWS "$(metric "$(metrics_file)" 'm["records"]["dead_lettered"]')" "dead_letter: records.dead_lettered"
same_text "$ROWS True" "$("$PYTHON3" -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1])]; print(len(L), all("HTTP 500" in d["reason"] and d["stage"] == "destination" for d in L))' "$T/dead.jsonl")" \
	"dead_letter: the dead-letter file"
note "ok: on_error = dead_letter"

run_dest 'ingest?always=1' fail format=ndjson max_retries=1
expect_rc 1 "always 500, on_error = fail"
stderr_has "POST $BASE/ingest?always=...: HTTP 500 (after 1 retry)" "on_error = fail"
check_records "$(metrics_file)" $ROWS 0 0 $ROWS
note "ok: on_error = fail"

run_dest 'ingest?always=1&code=400' skip format=ndjson max_batch_bytes=64KiB
expect_rc 3 "400"
check_records "$(metrics_file)" $ROWS 0 0 $ROWS
same_text "True" "$(http_requests 'len(log) == len(set(r["headers"]["Idempotency-Key"] for r in log))')" "400: not retried"
note "ok: 4xx not retried"

# --- headers, server down ---------------------------------------------------
TOKEN=tok-$RANDOM$RANDOM-secret
export HTTP_TEST_TOKEN=$TOKEN
run_dest 'ingest?key=auth' skip format=ndjson 'header.Authorization = Bearer ${HTTP_TEST_TOKEN}'
expect_rc 0 "\${ENV} header"
same_text "True" "$(http_requests 'all(r["headers"].get("Authorization") == "Bearer '"$TOKEN"'" for r in log)')" "\${ENV} header: what the server got"
grep -rqF "$TOKEN" "$T/stdout" "$T/stderr" "$T/prof" && soft_fail "the token shows in nebtop's output"
unset HTTP_TEST_TOKEN
note "ok: \${ENV} header"

"$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$T/free_port"
FREE=http://127.0.0.1:$(cat "$T/free_port")
# shellcheck disable=SC2086
nebtop $GEN -destination http -dest-config "url=$FREE/ingest"
expect_rc 2 "server down"
stderr_has "-dest-config: key 'url': cannot connect to $FREE/ingest: Failed to connect to 127.0.0.1 port" "server down"
same_text 1 "$(wc -l <"$T/stderr")" "server down: one line on stderr"
note "ok: server down"

# --- the server goes away during the run: exit 1, every record counted ------------
# a server that answers three times (counting the lines POSTed) and then stops
# listening: the next batch gets no answer through its retries, and the run
# stops (as on_error = skip cannot skip a server that is gone)
"$PYTHON3" - "$T/gone_port" "$T/gone_lines" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[2], "a") as f:
            f.write("%d\n" % body.count(b"\n"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
for _ in range(3):
    s.handle_request()
s.server_close()
PY
GONE_PID=$!
for _ in $(seq 100); do
	[ -s "$T/gone_port" ] && break
	sleep 0.1
done
[ -s "$T/gone_port" ] || fail "the short-lived server did not start"
{
	printf '[pipeline]\nduration = 0\nbatch = 1000\n'
	printf '[source]\ntype = generate\nrows = 20000\ncolumns = 4\n'
	printf '[destination]\ntype = http\nurl = http://127.0.0.1:%s/ingest\nformat = ndjson\n' "$(cat "$T/gone_port")"
	printf 'retry_backoff = 10ms\nmax_retries = 2\ntimeout = 5s\n'
} >"$T/gone.ini"
nebtop "$T/gone.ini"
wait "$GONE_PID" 2>/dev/null
expect_rc 1 "the server gone during the run"
stderr_has "the HTTP server did not answer: POST http://127.0.0.1:" "the server gone during the run"
SENT=$(awk '{n += $1} END {print n + 0}' "$T/gone_lines")
# (the connection check at open takes one of the three turns)
[ "$SENT" -gt 0 ] && [ $((SENT % 1000)) = 0 ] ||
	soft_fail "the server gone: it took $SENT records, expected whole batches of 1,000"
# the failed run stops the source, so it may not have read all 20,000
check_records "$(metrics_file)" "" "$SENT" 0 ""
note "ok: the server gone during the run"
finish
