# google_ads.sh: the google_ads source against a local server that follows
# the Google Ads API's googleAds:searchStream and Google OAuth's token
# endpoint and enforces them (gads_server.py): a refresh token is exchanged
# with the right client id and secret for a bearer token, sent with the
# developer token; the answer, a JSON array of chunks sent in pieces with
# chunked transfer, becomes records flattened by the field-mask paths (int64
# values as JSON numbers, a missing field null); a quota error is retried
# after its retryDelay and counted; an INVALID_ARGUMENT query error stops
# the run with the API's message and location; no secret (client secret,
# refresh token, developer token, access tokens) ever shows in nebtop's
# output, snapshots or output file, even when the server quotes one back.
. "$(dirname "$0")/lib.sh"

CLIENT_ID=1234-test.apps.googleusercontent.com
SECRET=cs-$RANDOM$RANDOM-client-secret
REFRESH=rt-$RANDOM$RANDOM-refresh-token
DEV=dev-$RANDOM$RANDOM-developer-token
STATIC=st-$RANDOM$RANDOM-static-ads-token
GADS_LOG=$T/gads_log.jsonl
: >"$GADS_LOG"
"$PYTHON3" "$LIB_DIR/gads_server.py" "$T/port" "$GADS_LOG" "$CLIENT_ID" "$SECRET" "$REFRESH" "$DEV" "$STATIC" &
GADS_PID=$!
# shellcheck disable=SC2064
trap "kill $GADS_PID 2>/dev/null; rm -rf '$T'" EXIT
for _ in $(seq 100); do
	[ -s "$T/port" ] && break
	sleep 0.1
done
[ -s "$T/port" ] || fail "the test Google Ads server did not start"
BASE=http://127.0.0.1:$(cat "$T/port")
export GADS_SECRET=$SECRET GADS_REFRESH=$REFRESH GADS_DEV=$DEV

# gads_log EXPR: EXPR in Python over the list `log` of the server's log lines
gads_log() {
	"$PYTHON3" -c 'import json,sys; log=[json.loads(l) for l in open(sys.argv[1])]; print(eval(sys.argv[2]))' \
		"$GADS_LOG" "$1" || fail "cannot read $1 from the server's log"
}

# no_secrets WHAT: no secret nor token shows in stdout, stderr, snapshots
# or the output
no_secrets() {
	local s toks
	toks=$(cat "$GADS_LOG.tokens" 2>/dev/null)
	for s in "$SECRET" "$REFRESH" "$DEV" "$STATIC" $toks; do
		if grep -rqF -- "$s" "$T/stdout" "$T/stderr" "$T/prof" "$T/out.json" "$T/out.json.part" 2>/dev/null; then
			soft_fail "$1: a secret (${s:0:6}...) shows in nebtop's output"
			return
		fi
	done
}

# run_src QUERY KEYS...: google_ads QUERY -> $T/out.json
run_src() {
	local query=$1
	shift
	{
		printf '[pipeline]\nduration = 0\non_error = skip\n'
		printf '[source]\ntype = google_ads\nendpoint = %s\ncustomer_id = 123-456-7890\n' "$BASE"
		printf 'developer_token = ${GADS_DEV}\nretry_backoff = 10ms\nquery = %s\n' "$query"
		printf '%s\n' "$@"
		printf '[destination]\nfile_path = %s/out.json\n' "$T"
	} >"$T/p.ini"
	rm -f "$T/out.json" "$T/out.json.part"
	: >"$GADS_LOG"
	nebtop "$T/p.ini"
	no_secrets "query $query"
}
REFRESH_KEYS=("client_id = $CLIENT_ID" 'client_secret = ${GADS_SECRET}' 'refresh_token = ${GADS_REFRESH}'
	"token_uri = $BASE/token")

# campaigns_expect FILE: the 7 campaigns, flattened
campaigns_expect() {
	"$PYTHON3" - "${1:-$T/out.json}" <<'PY' || soft_fail "the source's records (see above)"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = []
for i in range(1, 8):
    clicks = None if i == 3 else 9007199254740993 if i == 5 else i * 10
    want.append({"campaign.id": 1000 + i, "campaign.name": "Campaign %d" % i, "campaign.status": "ENABLED",
                 "metrics.clicks": clicks, "metrics.ctr": i / 100.0})
if got != want or [list(g) for g in got] != [list(w) for w in want] or \
        any(type(g["campaign.id"]) is not int for g in got) or type(got[4]["metrics.clicks"]) is not int:
    print("%d records, expected %d; first difference: %s" % (len(got), len(want),
          next(((g, w) for g, w in zip(got, want) if g != w), None)), file=sys.stderr)
    sys.exit(1)
PY
}

run_src "SELECT campaign.id, campaign.name, campaign.status, metrics.clicks, metrics.ctr FROM campaign" \
	"${REFRESH_KEYS[@]}" "login_customer_id = 111-222-3333"
expect_rc 0 "refresh token, streamed chunks"
campaigns_expect
check_records "$(metrics_file)" 7 7 0 0
same_text "1234567890 111222 3333 26" "$(gads_log '" ".join([r["customer"] for r in log if "customer" in r][:1] + [r["login"][:6] + " " + r["login"][6:] for r in log if "login" in r][:1] + [r["version"] for r in log if "version" in r][:1])')" \
	"the customer id without dashes, login-customer-id, the default api_version"
[ -s "$GADS_LOG.tokens" ] || fail "the server gave no token"
same_text "1 1" "$(gads_log '"%d %d" % (sum(1 for r in log if r["path"] == "/token"), sum(1 for r in log if r.get("chunks")))')" \
	"one token exchange, one searchStream"
same_text "1 0" "$(metric "$(metrics_file)" '"%d %d" % (m["connectors"]["source"]["batches"] if "batches" in m["connectors"]["source"] else 1, m["connectors"]["source"]["retries"])')" \
	"the connector's metrics: no retry"
note "ok: refresh token, chunks, flattened records"

run_src "SELECT campaign.id, campaign.name, campaign.status, metrics.clicks, metrics.ctr FROM quota_campaign" \
	"${REFRESH_KEYS[@]}"
expect_rc 0 "a quota error, then success"
campaigns_expect
check_records "$(metrics_file)" 7 7 0 0
same_text "429 200" "$(gads_log '" ".join(str(r["status"]) for r in log if "googleAds" in r["path"] and "status" in r)')" \
	"a quota error: tried again"
same_text 1 "$(metric "$(metrics_file)" 'm["connectors"]["source"]["retries"]')" "a quota error: a retry in the metrics"
note "ok: RESOURCE_EXHAUSTED retried after retryDelay"

run_src "SELECT campaign.id, campaign.nme FROM bad_field" 'access_token = ${GADS_STATIC}'
expect_rc 2 "access_token of an unset variable"
grep -qF "environment variable 'GADS_STATIC' is not set" "$T/stderr" || soft_fail "an unset variable: $(cat "$T/stderr")"
export GADS_STATIC=$STATIC
run_src "SELECT campaign.id, campaign.nme FROM bad_field" 'access_token = ${GADS_STATIC}'
expect_rc 2 "a query error at open"
grep -qF "HTTP 400 INVALID_ARGUMENT, queryError: UNRECOGNIZED_FIELD: Unrecognized field in the query: 'campaign.nme'" "$T/stderr" ||
	soft_fail "a query error: the API's message: $(cat "$T/stderr")"
grep -qF "(at query, trigger 'campaign.nme')" "$T/stderr" || soft_fail "a query error: its location: $(cat "$T/stderr")"
grep -qF "(request by (hidden))." "$T/stderr" || soft_fail "a query error: the token the server quoted is hidden: $(cat "$T/stderr")"
same_text 0 "$(gads_log 'sum(1 for r in log if r["path"] == "/token")')" "access_token: no token exchange"
note "ok: INVALID_ARGUMENT query error"

run_src "SELECT campaign.id, campaign.name FROM broken_stream" 'access_token = ${GADS_STATIC}'
expect_rc 1 "an error inside the stream"
grep -qF "chunk 2 of the stream, after 3 records: googleAds:searchStream: HTTP 200 INTERNAL, internalError: INTERNAL_ERROR: Internal error encountered." "$T/stderr" ||
	soft_fail "an error inside the stream: $(cat "$T/stderr")"
check_records "$(metrics_file)" 3 3 0 0
note "ok: an error inside the stream stops the run after the records before it"

# read as it streams: the chunks that came before the connection dropped
# are records (a body read whole would have none)
run_src "SELECT campaign.id, campaign.name, campaign.status, metrics.clicks, metrics.ctr FROM cut_stream" \
	'access_token = ${GADS_STATIC}'
expect_rc 1 "a stream cut after two chunks"
grep -qF "after chunk 2 of the stream, 6 records: POST $BASE/v26/customers/1234567890/googleAds:searchStream: " "$T/stderr" ||
	soft_fail "a stream cut: $(cat "$T/stderr")"
check_records "$(metrics_file)" 6 6 0 0
"$PYTHON3" -c 'import json,sys; sys.exit(0 if [json.loads(l)["campaign.id"] for l in open(sys.argv[1])] == list(range(1001, 1007)) else 1)' \
	"$T/out.json.part" || soft_fail "a stream cut: the records of the first two chunks"
note "ok: the answer read as it streams"

run_src "SELECT campaign.id, metrics.clicks FROM empty" 'access_token = ${GADS_STATIC}'
expect_rc 0 "no rows"
[ -s "$T/out.json" ] && soft_fail "no rows: the output is not empty"
check_records "$(metrics_file)" 0 0 0 0
note "ok: an empty answer"

run_src "SELECT campaign.id FROM campaign" "client_id = $CLIENT_ID" 'client_secret = ${GADS_SECRET}' \
	'refresh_token = wrong-refresh' "token_uri = $BASE/token"
expect_rc 2 "a refresh token the server does not know"
grep -qF "refused the refresh token of client $CLIENT_ID: HTTP 400: invalid_grant: Bad Request" "$T/stderr" ||
	soft_fail "a wrong refresh token: $(cat "$T/stderr")"
{
	printf '[pipeline]\nduration = 0\n[source]\ntype = google_ads\nendpoint = %s\ncustomer_id = 1\n' "$BASE"
	printf 'developer_token = x\naccess_token = y\n'
	printf '[destination]\nfile_path = %s/out.json\n' "$T"
} >"$T/p.ini"
nebtop "$T/p.ini"
expect_rc 2 "no query"
grep -qF "key 'query': missing" "$T/stderr" || soft_fail "no query: $(cat "$T/stderr")"
note "ok: configuration errors"
finish
