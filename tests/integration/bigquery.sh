# bigquery.sh: the bigquery source and destination against a local server
# that follows BigQuery's and Google OAuth's documented APIs and enforces
# them (bq_server.py): a service-account key signs an RS256 JWT that the
# server verifies against the key's public half; the rows the table holds
# equal the records sent, in requests under max_rows and max_request_bytes;
# rows BigQuery refuses are record errors naming its message (dead letter,
# skip, fail), the rows it stopped are sent again and taken once; 503, 429
# and 403 rateLimitExceeded are retried with the same insertIds, counted as
# retries; quotaExceeded, notFound and retries used up stop the run with the
# service's message; a revoked token is replaced; a query is run with
# useLegacySql false, waited out while jobComplete is false and read page
# after page, typed from its schema; no token and no line of the private key
# ever shows in nebtop's output, snapshots or dead letter, even when the
# server quotes the token back.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null 2>&1 || {
	echo "SKIP: no openssl program (the test server verifies signatures with it)" >&2
	exit 77
}

EMAIL=loader@test-project.iam.gserviceaccount.com
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/key.pem" 2>/dev/null || fail "openssl genpkey"
openssl pkey -in "$T/key.pem" -pubout -out "$T/pub.pem" || fail "openssl pkey -pubout"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/other.pem" 2>/dev/null || fail "openssl genpkey"
STATIC=st-$RANDOM$RANDOM-static-bq-token
BQ_LOG=$T/bq_log.jsonl
"$PYTHON3" "$LIB_DIR/bq_server.py" "$T/port" "$BQ_LOG" "$T/pub.pem" "$EMAIL" "$T/tokens" "$STATIC" &
BQ_PID=$!
# shellcheck disable=SC2064
trap "kill $BQ_PID 2>/dev/null; rm -rf '$T'" EXIT
for _ in $(seq 100); do
	[ -s "$T/port" ] && break
	sleep 0.1
done
[ -s "$T/port" ] || fail "the test BigQuery server did not start"
BASE=http://127.0.0.1:$(cat "$T/port")
: >"$T/tokens"

# key_file OUT PEM: a service-account key file with PEM as its private key
key_file() {
	"$PYTHON3" - "$1" "$2" "$EMAIL" "$BASE/token" <<'PY'
import json, sys
out, pem, email, uri = sys.argv[1:5]
json.dump({"type": "service_account", "project_id": "test-project", "private_key_id": "0123abcd",
           "private_key": open(pem).read(), "client_email": email, "client_id": "1",
           "token_uri": uri}, open(out, "w"), indent=2)
PY
}
key_file "$T/sa.json" "$T/key.pem"
key_file "$T/sa_other.json" "$T/other.pem"
# a line from the middle of each private key: it must never show
KEY_LINE=$(sed -n 5p "$T/key.pem")
OTHER_LINE=$(sed -n 5p "$T/other.pem")

# bq_requests EXPR: EXPR in Python over the list `log` of the requests the
# server logged so far (dicts: method, path, query, status, table, ids, ...)
bq_requests() {
	"$PYTHON3" -c 'import json,sys; log=[json.loads(l) for l in open(sys.argv[1])]; print(eval(sys.argv[2]))' \
		"$BQ_LOG" "$1" || fail "cannot read $1 from the server's log"
}

# no_secrets WHAT: no token the server issued, nor the static token, nor a
# line of a private key, in nebtop's stdout, stderr, snapshots or dead letter
no_secrets() {
	local s
	for s in $(cat "$T/tokens") "$STATIC" "$KEY_LINE" "$OTHER_LINE"; do
		if grep -rqF -- "$s" "$T/stdout" "$T/stderr" "$T/prof" "$T"/dead.jsonl 2>/dev/null; then
			soft_fail "$1: a secret (${s:0:12}...) shows in nebtop's output"
			return
		fi
	done
}

ROWS=2000
# the reference: the generated records through the json destination
nebtop -duration 0 -source generate -source-config rows=$ROWS,columns=4 -dest-config "file_path=$T/ref.json"
expect_rc 0 "reference run"

# run_dest TABLE ON_ERROR KEYS...: generate ($ROWS rows) -> bigquery TABLE,
# credentials from the key file unless the keys give others
run_dest() {
	local table=$1 policy=$2
	shift 2
	{
		printf '[pipeline]\nduration = 0\non_error = %s\ndead_letter_path = %s/dead.jsonl\n' "$policy" "$T"
		printf '[source]\ntype = generate\nrows = %s\ncolumns = 4\n' "$ROWS"
		[ "$ROWS" -lt 100 ] && printf 'rate = 10\n' # a run of ROWS / 10 seconds
		printf '[destination]\ntype = bigquery\nendpoint = %s\nproject = test-project\n' "$BASE"
		printf 'dataset = loads\ntable = %s\nretry_backoff = 10ms\n' "$table"
		printf '%s\n' "$@"
	} >"$T/p.ini"
	grep -q '^access_token\|^credentials_file' "$T/p.ini" || printf 'credentials_file = %s/sa.json\n' "$T" >>"$T/p.ini"
	rm -f "$T/dead.jsonl"
	: >"$BQ_LOG"
	nebtop "$T/p.ini"
	no_secrets "table $table"
}

# table_matches TABLE WHAT [SKIP7]: the rows TABLE holds are the reference
# records (without those whose col1 ends in 7 with SKIP7), each once
table_matches() {
	"$PYTHON3" - "$BASE/_test/table/$1" "$T/ref.json" "${3:-}" <<'PY' || soft_fail "$2: the table's rows (see above)"
import json, sys, urllib.request
held = json.load(urllib.request.urlopen(sys.argv[1]))
want = [json.loads(l) for l in open(sys.argv[2])]
if sys.argv[3]:
    want = [r for r in want if not r["col1"].endswith("7")]
got = sorted(held.values(), key=lambda r: int(r["col1"]))
if got != want:
    print("the table holds %d rows, expected %d; first difference: %s" % (len(got), len(want),
          next(((g, w) for g, w in zip(got, want) if g != w), None)), file=sys.stderr)
    sys.exit(1)
PY
}

# --- the destination: requests, insertIds, the key file's token -------------------
run_dest events skip
expect_rc 0 "insertAll"
table_matches events "insertAll"
check_records "$(metrics_file)" $ROWS $ROWS 0 0
same_text "1 1" "$(bq_requests '"%d %d" % (sum(1 for r in log if r["path"] == "/token" and r.get("grant")), sum(1 for r in log if r["method"] == "GET"))')" \
	"one token (the JWT verified) and one tables.get"
same_text "4 500 2000" "$(bq_requests '" ".join(str(x) for x in (len([r for r in log if r.get("table")]), max(r["n"] for r in log if r.get("table")), len({i for r in log for i in r.get("ids", [])})))')" \
	"insertAll: 4 requests of at most 500 rows, 2000 distinct insertIds"
same_text "True" "$(bq_requests 'all(i.rsplit("-", 1)[1] == str(k + 1) for k, i in enumerate(i for r in log for i in r.get("ids", [])))')" \
	"insertIds end with the record number"
same_text "4 0" "$(metric "$(metrics_file)" '"%d %d" % (m["connectors"]["destination"]["batches"], m["connectors"]["destination"]["retries"])')" \
	"the connector's metrics: 4 requests (the token and the check at open are not batches), no retry"
note "ok: insertAll, key file"

run_dest sized skip max_rows=300 max_request_bytes=16KiB
expect_rc 0 "max_rows, max_request_bytes"
table_matches sized "max_rows = 300, max_request_bytes = 16KiB"
same_text "True True" "$(bq_requests '" ".join(str(x) for x in (max(r["n"] for r in log if r.get("table")) <= 300, max(r["bytes"] for r in log if r.get("table")) <= 16384))')" \
	"requests under max_rows and max_request_bytes"
[ "$(bq_requests 'len([r for r in log if r.get("table")])')" -gt 7 ] || soft_fail "max_request_bytes = 16KiB: too few requests"
note "ok: max_rows, max_request_bytes"

# --- rows BigQuery refuses ------------------------------------------------------------
run_dest strict_dl dead_letter
expect_rc 0 "invalid rows, dead_letter"
check_records "$(metrics_file)" $ROWS $((ROWS * 9 / 10)) 0 $((ROWS / 10))
same_text $((ROWS / 10)) "$(metric "$(metrics_file)" 'm["records"]["dead_lettered"]')" "invalid rows: dead_lettered"
table_matches strict_dl "invalid rows, dead_letter" skip7
"$PYTHON3" - "$T/dead.jsonl" <<'PY' || soft_fail "invalid rows: the dead letter (see above)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
bad = [d for d in lines if d["stage"] != "destination" or not d["data"]["col1"].endswith("7")
       or "BigQuery refused the row: Cannot take col1 = %s: test rejects values ending in 7 (reason invalid, location col1)"
       % d["data"]["col1"] != d["reason"]]
if len(lines) != 200 or bad:
    print("%d dead-letter lines; first wrong: %s" % (len(lines), bad[:1]), file=sys.stderr)
    sys.exit(1)
PY
same_text "True" "$(bq_requests 'all(r.get("insert_errors") for r in log if r.get("table") and r["n"] == 500)')" \
	"invalid rows: each first request answered with insertErrors"
note "ok: invalid rows to the dead letter, stopped rows sent again"

run_dest strict_skip skip
expect_rc 3 "invalid rows, skip"
check_records "$(metrics_file)" $ROWS $((ROWS * 9 / 10)) 0 $((ROWS / 10))
table_matches strict_skip "invalid rows, skip" skip7
report_errors | head -n 1 | grep -qF "stage destination: BigQuery refused the row: Cannot take col1 = 7: test rejects values ending in 7 (reason invalid, location col1)" ||
	soft_fail "invalid rows, skip: the reason in the report: $(report_errors | head -n 1)"
run_dest strict_fail fail
expect_rc 1 "invalid rows, fail"
stderr_has "BigQuery refused the row: Cannot take col1 = 7" "invalid rows, fail"
note "ok: invalid rows, skip and fail"

# --- retries ----------------------------------------------------------------------------
run_dest flaky skip
expect_rc 0 "503, 429, 403 rateLimitExceeded, then success"
table_matches flaky "retries"
same_text "503 429 403 200 False" "$(bq_requests '" ".join(str(r["status"]) for r in log if r.get("table"))[:15] + " " + str(any(r.get("mismatch") for r in log))')" \
	"retries: the statuses, and the same insertIds each time"
same_text "1" "$(bq_requests 'len({tuple(r["ids"]) for r in [r for r in log if r.get("table")][:4]})')" "retries: one set of insertIds for the four tries"
same_text "3 4" "$(metric "$(metrics_file)" '"%d %d" % (m["connectors"]["destination"]["retries"], m["connectors"]["destination"]["batches"])')" \
	"retries: counted as 3 retries of 4 requests"
note "ok: retries with the same insertIds"

run_dest down_t skip max_retries=2
expect_rc 1 "503 for good"
stderr_has "insertAll into test-project:loads.down_t: HTTP 503 backendError: Backend error. Please try again. (after 2 retries)" "503 for good"
same_text 3 "$(bq_requests 'len([r for r in log if r.get("table")])')" "503 for good: tried 3 times"
check_records "$(metrics_file)" "" 0 0 ""
note "ok: retries used up"

run_dest quota_t skip
expect_rc 1 "quotaExceeded"
stderr_has "insertAll into test-project:loads.quota_t: HTTP 403 quotaExceeded: Quota exceeded: Your table exceeded quota for streaming inserts" "quotaExceeded"
same_text 1 "$(bq_requests 'len([r for r in log if r.get("table")])')" "quotaExceeded: not retried"
run_dest gone_t skip
expect_rc 1 "notFound during the run"
stderr_has "HTTP 404 notFound: Not found: Table gone_t" "notFound during the run"
run_dest missing_t skip
expect_rc 2 "no such table"
stderr_has "key 'table': tables.get test-project:loads.missing_t: HTTP 404 notFound: Not found: Table test-project:loads.missing_t" "no such table"
same_text 1 "$(wc -l <"$T/stderr")" "no such table: one line on stderr"
note "ok: quotaExceeded, notFound"

# --- credentials --------------------------------------------------------------------------
run_dest revoke_t skip
expect_rc 0 "a token revoked during the run"
table_matches revoke_t "a token revoked during the run"
same_text "2 401" "$(bq_requests 'str(sum(1 for r in log if r.get("grant"))) + " " + str([r["status"] for r in log if r.get("table")][1])')" \
	"a revoked token: a second token fetched after the 401"
# tokens of 4 s: fetched again 1 s before they expire, before BigQuery refuses
# them (a rate-limited run of 4 s at least)
"$PYTHON3" -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], b"", method="POST"))' \
	"$BASE/_test/lifetime?s=4" || fail "cannot set the tokens' lifetime"
ROWS=40 run_dest refresh_t skip
"$PYTHON3" -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], b"", method="POST"))' \
	"$BASE/_test/lifetime?s=3599" || fail "cannot set the tokens' lifetime"
expect_rc 0 "tokens refreshed before they expire"
# a loaded machine may hold a request past a token's end (then a 401 gets a
# new one): a token fetched with no 401 before it is the refresh
same_text "True" "$(bq_requests 'any(r.get("grant") and log[i - 1]["status"] != 401 for i, r in enumerate(log) if i > 1)')" \
	"a token fetched again before it expired"
run_dest events_wrong skip "credentials_file = $T/sa_other.json"
expect_rc 2 "a key the server does not know"
stderr_has "refused the key of $EMAIL: HTTP 400: invalid_grant: Invalid JWT Signature." "a key the server does not know"
export BQ_TEST_TOKEN=$STATIC
run_dest echo_t skip 'access_token = ${BQ_TEST_TOKEN}'
expect_rc 1 "an error that quotes the token"
stderr_has "HTTP 400 invalid: Bad request (credentials Bearer (hidden))" "an error that quotes the token"
run_dest events_static skip 'access_token = ${BQ_TEST_TOKEN}'
expect_rc 0 "access_token"
table_matches events_static "access_token"
unset BQ_TEST_TOKEN
run_dest events_unset skip 'access_token = ${BQ_NO_SUCH_VARIABLE}'
expect_rc 2 "access_token of an unset variable"
stderr_has "key 'access_token': environment variable 'BQ_NO_SUCH_VARIABLE' is not set" "access_token of an unset variable"
"$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$T/free_port"
FREE=http://127.0.0.1:$(cat "$T/free_port")
nebtop -source generate -source-config rows=10 -destination bigquery \
	-dest-config "endpoint=$FREE,project=p,dataset=d,table=t,credentials_file=$T/sa.json"
expect_rc 2 "the endpoint down"
stderr_has "-dest-config: key 'endpoint': cannot connect to $FREE/bigquery/v2/projects/p: " "the endpoint down"
note "ok: credentials"

# --- the source ---------------------------------------------------------------------------
# run_src QUERY ON_ERROR KEYS...: bigquery QUERY -> $T/out.json
run_src() {
	local query=$1 policy=$2
	shift 2
	{
		printf '[pipeline]\nduration = 0\non_error = %s\ndead_letter_path = %s/dead.jsonl\n' "$policy" "$T"
		printf '[source]\ntype = bigquery\nendpoint = %s\nproject = test-project\n' "$BASE"
		printf 'credentials_file = %s/sa.json\nretry_backoff = 10ms\nquery = %s\n' "$T" "$query"
		printf '%s\n' "$@"
		printf '[destination]\nfile_path = %s/out.json\n' "$T"
	} >"$T/p.ini"
	rm -f "$T/dead.jsonl" "$T/out.json" "$T/out.json.part"
	: >"$BQ_LOG"
	nebtop "$T/p.ini"
	no_secrets "query $query"
}

# src_expect N [NAN [FILE]]: FILE (out.json) holds rows 1..N as the server's
# schema types them (row 3 missing with NAN)
src_expect() {
	"$PYTHON3" - "${3:-$T/out.json}" "$1" "${2:-}" <<'PY' || soft_fail "the source's records (see above)"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = [{"id": i, "name": 'row "%d" \u00e9' % i, "score": i * 0.5, "ok": i % 2 == 0, "big": 9007199254740993 + i,
         "note": None if i % 5 == 0 else "n-%d" % i, "tags": json.dumps([{"v": "a"}, {"v": "b%d" % i}], separators=(",", ":")),
         "rec": json.dumps({"f": [{"v": "x%d" % i}]}, separators=(",", ":"))}
        for i in range(1, int(sys.argv[2]) + 1) if not (sys.argv[3] and i == 3)]
if got != want or any(type(g["big"]) is not int or type(g["score"]) is not float for g in got):
    print("%d records, expected %d; first difference: %s" % (len(got), len(want),
          next(((g, w) for g, w in zip(got, want) if g != w), None)), file=sys.stderr)
    sys.exit(1)
PY
}

run_src 'SELECT * FROM loads.t -- rows_2500 slow_2' skip max_results=1000
expect_rc 0 "query"
src_expect 2500
check_records "$(metrics_file)" 2500 2500 0 0
same_text "1 2 [1, 1001, 2001]" "$(bq_requests '" ".join(str(x) for x in (sum(1 for r in log if r["path"].endswith("/queries")), sum(1 for r in log if r.get("poll")), [r["page_first"] for r in log if "page_first" in r]))')" \
	"query: one jobs.query, two polls while jobComplete is false, three pages"
same_text "True" "$(bq_requests 'all("pageToken=" in r["query"] for r in log if r.get("page_first", 1) > 1) and not any("pageToken" in r["query"] for r in log if r.get("poll"))')" \
	"query: pages by pageToken, polls without one"
note "ok: query, polls, pages, types"

run_src 'SELECT * FROM loads.t -- rows_20 with_nan' dead_letter max_results=7
expect_rc 0 "a NaN FLOAT64"
src_expect 20 nan
check_records "$(metrics_file)" 20 19 0 1
grep -qF "field 'score': FLOAT64 value 'NaN' is not a finite number" "$T/dead.jsonl" ||
	soft_fail "a NaN FLOAT64: the dead letter: $(head -c 500 "$T/dead.jsonl")"
note "ok: a value that does not fit its type"

run_src 'SELECT * FROM loads.t -- rows_25 broken' skip max_results=10 max_retries=1
expect_rc 1 "a page that fails"
stderr_has "page 2: getQueryResults of job job_" "a page that fails"
stderr_has ": HTTP 500 backendError: Backend error. Job aborted. (after 1 retry)" "a page that fails"
# the output of a failed run is left uncommitted, with the first page's records
src_expect 10 "" "$T/out.json.part"
check_records "$(metrics_file)" 10 10 0 0
note "ok: a page that fails after the first"

run_src 'SELECT bad FROM loads.t' skip
expect_rc 2 "a query BigQuery refuses"
stderr_has "key 'query': jobs.query: HTTP 400 invalidQuery: Syntax error: Unexpected identifier \"bad\" at [1:8]" "a query BigQuery refuses"
note "ok: a refused query"
finish
