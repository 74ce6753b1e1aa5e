# snowflake.sh: the snowflake destination and source against a local server
# that follows Snowflake's published SQL API v2 and enforces it
# (sf_server.py): the headers, a key-pair JWT whose signature and iss
# fingerprint the server verifies (account and user upper-cased), or an
# OAuth token; multi-row INSERTs whose numbered bindings match the
# placeholders and are typed from the pipeline's schema, in statements under
# max_rows and max_request_bytes; a table holding the records sent, once
# each; a statement the server refuses (422) gives record errors with its
# message (dead letter, skip, fail); 503, 429 and 504 tried again with the
# same requestId and retry=true, and an answer lost to a timeout not
# inserting twice; 202 answers polled; 500 and retries used up stop the run
# with the service's message; a 401 makes a new JWT; JWTs made again before
# they expire; bad configuration exits 2 naming the key; a query read from
# its partitions (some gzip-encoded) and typed from rowType; no JWT, token
# or line of the private key ever shows in nebtop's output, snapshots or
# dead letter, even when the server quotes it back.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null 2>&1 || {
	echo "SKIP: no openssl program (the test server verifies signatures with it)" >&2
	exit 77
}

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/key.pem" 2>/dev/null || fail "openssl genpkey"
openssl pkey -in "$T/key.pem" -pubout -out "$T/pub.pem" || fail "openssl pkey -pubout"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/other.pem" 2>/dev/null || fail "openssl genpkey"
OAUTH=oa-$RANDOM$RANDOM-snowflake-token
SF_LOG=$T/sf_log.jsonl
: >"$T/jwts"
# the account and user as Snowflake writes them in a JWT: upper case, the
# account without its region
"$PYTHON3" "$LIB_DIR/sf_server.py" "$T/port" "$SF_LOG" "$T/pub.pem" XY12345 LOADER "$T/jwts" "$OAUTH" &
SF_PID=$!
# shellcheck disable=SC2064
trap "kill $SF_PID 2>/dev/null; rm -rf '$T'" EXIT
for _ in $(seq 100); do
	[ -s "$T/port" ] && break
	sleep 0.1
done
[ -s "$T/port" ] || fail "the test Snowflake server did not start"
BASE=http://127.0.0.1:$(cat "$T/port")
KEY_LINE=$(sed -n 5p "$T/key.pem")
OTHER_LINE=$(sed -n 5p "$T/other.pem")

# sf_requests EXPR: EXPR in Python over the list `log` of the requests the
# server logged so far (dicts: method, path, query, status, kind, table, n, rid, retry, ...)
sf_requests() {
	"$PYTHON3" -c 'import json,sys; log=[json.loads(l) for l in open(sys.argv[1])]; print(eval(sys.argv[2]))' \
		"$SF_LOG" "$1" || fail "cannot read $1 from the server's log"
}

# no_secrets WHAT: no JWT the server saw, nor the OAuth token, nor a line of
# a private key, in nebtop's stdout, stderr, snapshots or dead letter
no_secrets() {
	local s
	for s in $(cat "$T/jwts") "$OAUTH" "$KEY_LINE" "$OTHER_LINE"; do
		if grep -rqF -- "$s" "$T/stdout" "$T/stderr" "$T/prof" "$T"/dead.jsonl 2>/dev/null; then
			soft_fail "$1: a secret (${s:0:12}...) shows in nebtop's output"
			return
		fi
	done
}

ROWS=2000
nebtop -duration 0 -source generate -source-config rows=$ROWS,columns=4 -dest-config "file_path=$T/ref.json"
expect_rc 0 "reference run"

# run_dest TABLE ON_ERROR KEYS...: generate ($ROWS rows, col1 cast to int)
# -> snowflake TABLE, with the key pair unless the keys give a token
run_dest() {
	local table=$1 policy=$2
	shift 2
	{
		printf '[pipeline]\nduration = 0\non_error = %s\ndead_letter_path = %s/dead.jsonl\n' "$policy" "$T"
		printf '[source]\ntype = generate\nrows = %s\ncolumns = 4\n' "$ROWS"
		[ "$ROWS" -lt 100 ] && printf 'rate = 10\n' # a run of ROWS / 10 seconds
		printf '[stage.typed]\ntype = cast\nfield = col1\nto = int\n'
		printf '[destination]\ntype = snowflake\nendpoint = %s\naccount = xy12345.us-east-2.aws\n' "$BASE"
		printf 'user = loader\ndatabase = LOADS\nschema = PUBLIC\nwarehouse = WH\nrole = LOADER_ROLE\n'
		printf 'table = loads.public.%s\nretry_backoff = 10ms\npoll_interval = 10ms\n' "$table"
		printf '%s\n' "$@"
	} >"$T/p.ini"
	grep -q '^token\|^private_key_file' "$T/p.ini" || printf 'private_key_file = %s/key.pem\n' "$T" >>"$T/p.ini"
	rm -f "$T/dead.jsonl"
	: >"$SF_LOG"
	nebtop "$T/p.ini"
	no_secrets "table $table"
}

# table_matches TABLE WHAT [SKIP]: the rows TABLE holds are the reference
# records (without the statements of 100 rows holding a multiple of 500,
# with SKIP), each once, col1 an integer
table_matches() {
	"$PYTHON3" - "$BASE/_test/table/$1" "$T/ref.json" "${3:-}" <<'PY' || soft_fail "$2: the table's rows (see above)"
import json, sys, urllib.request
held = json.load(urllib.request.urlopen(sys.argv[1]))
want = [{k.upper(): int(v) if k == "col1" else v for k, v in json.loads(l).items()} for l in open(sys.argv[2])]
if sys.argv[3]:
    want = [r for r in want if (r["COL1"] - 1) // 100 not in (4, 9, 14, 19)]
got = sorted(held, key=lambda r: r["COL1"])
if got != want:
    print("the table holds %d rows, expected %d; first difference: %s" % (len(got), len(want),
          next(((g, w) for g, w in zip(got, want) if g != w), None)), file=sys.stderr)
    sys.exit(1)
PY
}

# --- the destination: statements, bindings, the key pair --------------------------
run_dest events skip
expect_rc 0 "INSERT"
table_matches events "INSERT"
check_records "$(metrics_file)" $ROWS $ROWS 0 0
same_text "2 1000 True" "$(sf_requests '" ".join(str(x) for x in (len([r for r in log if r.get("kind") == "insert"]), max(r.get("n", 0) for r in log), all(r["token_type"] == "KEYPAIR_JWT" for r in log)))')" \
	"INSERT: 2 statements of at most 1000 rows (the default max_rows), with a key-pair JWT"
same_text "1 {'database': 'LOADS', 'schema': 'PUBLIC', 'warehouse': 'WH', 'role': 'LOADER_ROLE', 'timeout': 3600}" \
	"$(sf_requests '" ".join(str(x) for x in (len([r for r in log if r.get("kind") == "select"]), [r for r in log if r.get("kind") == "insert"][0]["context"]))')" \
	"INSERT: one check of the table at open, and the statement's context"
same_text "2 0" "$(metric "$(metrics_file)" '"%d %d" % (m["connectors"]["destination"]["batches"], m["connectors"]["destination"]["retries"])')" \
	"the connector's metrics: 2 requests (the check at open is not a batch), no retry"
same_text "1" "$(wc -l <"$T/jwts" | tr -d ' ')" "one JWT for the run"
note "ok: INSERT with bindings, key pair"

run_dest sized skip max_rows=300 max_request_bytes=16KiB
expect_rc 0 "max_rows, max_request_bytes"
table_matches sized "max_rows = 300, max_request_bytes = 16KiB"
same_text "True True" "$(sf_requests '" ".join(str(x) for x in (max(r["n"] for r in log if r.get("kind") == "insert") <= 300, max(r["bytes"] for r in log if r.get("kind") == "insert") <= 16384))')" \
	"statements under max_rows and max_request_bytes"
[ "$(sf_requests 'len([r for r in log if r.get("kind") == "insert"])')" -gt 7 ] || soft_fail "max_request_bytes = 16KiB: too few statements"
note "ok: max_rows, max_request_bytes"

# --- statements Snowflake refuses ---------------------------------------------------
run_dest strict_dl dead_letter max_rows=100
expect_rc 0 "a refused statement, dead_letter"
check_records "$(metrics_file)" $ROWS $((ROWS - 400)) 0 400
same_text 400 "$(metric "$(metrics_file)" 'm["records"]["dead_lettered"]')" "a refused statement: dead_lettered"
table_matches strict_dl "a refused statement, dead_letter" skip
"$PYTHON3" - "$T/dead.jsonl" <<'PY' || soft_fail "a refused statement: the dead letter (see above)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
want = "Snowflake refused the INSERT of 100 rows: Numeric value '%d' is not recognized (the test server refuses multiples of 500) (code 100038, SQL state 22018)"
bad = [d for d in lines if d["stage"] != "destination"
       or want % ((int(d["data"]["col1"]) - 1) // 100 * 100 + 100) != d["reason"]]
if len(lines) != 400 or bad:
    print("%d dead-letter lines; first wrong: %s" % (len(lines), bad[:1]), file=sys.stderr)
    sys.exit(1)
PY
note "ok: a refused statement's records to the dead letter"

run_dest strict_skip skip max_rows=100
expect_rc 3 "a refused statement, skip"
check_records "$(metrics_file)" $ROWS $((ROWS - 400)) 0 400
report_errors | head -n 1 | grep -qF "stage destination: Snowflake refused the INSERT of 100 rows: Numeric value '500' is not recognized" ||
	soft_fail "a refused statement, skip: the reason in the report: $(report_errors | head -n 1)"
run_dest strict_fail fail max_rows=100
expect_rc 1 "a refused statement, fail"
stderr_has "Snowflake refused the INSERT of 100 rows: Numeric value '500' is not recognized" "a refused statement, fail"
note "ok: a refused statement, skip and fail"

# --- retries, polls, idempotency ---------------------------------------------------------
run_dest flaky skip
expect_rc 0 "503, 429, 504, then success"
table_matches flaky "retries"
same_text "503 429 504 200 False" "$(sf_requests '" ".join(str(r["status"]) for r in log if r.get("kind") == "insert")[:15] + " " + str(any(r.get("mismatch") for r in log))')" \
	"retries: the statuses, each retry with the same requestId and retry=true"
same_text "1 [False, True, True, True]" "$(sf_requests '"%d %s" % (len({r["rid"] for r in [r for r in log if r.get("kind") == "insert"][:4]}), [r["retry"] for r in log if r.get("kind") == "insert"][:4])')" \
	"retries: one requestId for the four tries, retry=true on the last three"
same_text "3 2" "$(metric "$(metrics_file)" '"%d %d" % (m["connectors"]["destination"]["retries"], m["connectors"]["destination"]["batches"])')" \
	"retries: counted as 3 retries of 2 requests"
note "ok: retries with the same requestId"

run_dest lost skip timeout=1s
expect_rc 0 "an answer lost to a timeout"
table_matches lost "an answer lost to a timeout: each row once"
same_text "True True" "$(sf_requests '" ".join(str(x) for x in (any(r.get("replayed") for r in log), len({r["rid"] for r in log if r.get("kind") == "insert"}) == 2))')" \
	"an answer lost: the statement sent again with its requestId, answered without running again"
note "ok: a statement sent again runs once"

run_dest slow skip max_rows=500
expect_rc 0 "202 answers polled"
table_matches slow "202 answers polled"
same_text "202 202 | 202 202 | 200 200" "$(sf_requests '" | ".join(" ".join(str(r["status"]) for r in log if r.get("kind") == k and r["status"] in s) for k, s in (("insert", (202,)), ("poll", (202,)), ("poll", (200,))))')" \
	"202: two statements answered 202, each polled (202 once more) to its 200"
note "ok: 202 polled"

run_dest down_t skip max_retries=2
expect_rc 1 "503 for good"
stderr_has "INSERT INTO loads.public.down_t: HTTP 503: Service Unavailable (code 000503) (after 2 retries)" "503 for good"
same_text 3 "$(sf_requests 'len([r for r in log if r.get("kind") == "insert"])')" "503 for good: tried 3 times"
run_dest broken_t skip
expect_rc 1 "500"
stderr_has "INSERT INTO loads.public.broken_t: HTTP 500: Internal error: the warehouse went away (code 000500)" "500"
same_text 1 "$(sf_requests 'len([r for r in log if r.get("kind") == "insert"])')" "500: not retried"
run_dest missing_t skip
expect_rc 2 "no such table"
stderr_has "key 'table': Snowflake refused SELECT * FROM loads.public.missing_t LIMIT 0: SQL compilation error: Object 'LOADS.PUBLIC.MISSING_T' does not exist or not authorized. (code 002003, SQL state 42S02)" "no such table"
same_text 1 "$(wc -l <"$T/stderr")" "no such table: one line on stderr"
note "ok: 503 for good, 500, no such table"

# --- credentials and configuration ------------------------------------------------------------
run_dest revoke_t skip
expect_rc 0 "a 401 during the run"
table_matches revoke_t "a 401 during the run"
same_text "401 True 2" "$(sf_requests '"%d %s %d" % ([r for r in log if r.get("kind") == "insert"][1]["status"], [r for r in log if r.get("kind") == "insert"][2]["retry"], len({r["rid"] for r in log if r.get("kind") == "insert"}))')" \
	"a 401: the statement sent again with retry=true and its requestId"
: >"$T/jwts.before"
cp "$T/jwts" "$T/jwts.before"
ROWS=40 run_dest refresh_t skip jwt_lifetime=4s
expect_rc 0 "JWTs made again before they expire"
[ "$(($(wc -l <"$T/jwts") - $(wc -l <"$T/jwts.before")))" -ge 2 ] || soft_fail "jwt_lifetime = 4s: one JWT for a run of 4 s"
# a loaded machine may hold a request past a JWT's exp (then a 401 gets a
# new one): a JWT first seen with no 401 before it is one made in time
same_text "True" "$(sf_requests 'any(r.get("new_jwt") and log[i - 1]["status"] != 401 for i, r in enumerate(log) if i > 1)')" \
	"jwt_lifetime = 4s: a JWT made again before the last one expired"
run_dest wrong_key skip "private_key_file = $T/other.pem"
expect_rc 2 "a key the server does not know"
stderr_has "HTTP 401: JWT token is invalid: iss 'XY12345.LOADER.SHA256:" "a key the server does not know"
export SF_TEST_TOKEN=$OAUTH
run_dest oauth_t skip 'token = ${SF_TEST_TOKEN}'
expect_rc 0 "token"
table_matches oauth_t "token"
same_text "True" "$(sf_requests 'all(r["token_type"] == "OAUTH" for r in log)')" "token: OAUTH"
run_dest echo_t dead_letter 'token = ${SF_TEST_TOKEN}'
expect_rc 0 "an error that quotes the token"
grep -qF "Numeric value refused (credentials Bearer (hidden))" "$T/dead.jsonl" ||
	soft_fail "an error that quotes the token: $(head -c 400 "$T/dead.jsonl")"
run_dest echo_jwt dead_letter
expect_rc 0 "an error that quotes the JWT"
grep -qF "Numeric value refused (credentials Bearer (hidden))" "$T/dead.jsonl" ||
	soft_fail "an error that quotes the JWT: $(head -c 400 "$T/dead.jsonl")"
unset SF_TEST_TOKEN
run_dest unset_t skip 'token = ${SF_NO_SUCH_VARIABLE}'
expect_rc 2 "token of an unset variable"
stderr_has "key 'token': environment variable 'SF_NO_SUCH_VARIABLE' is not set" "token of an unset variable"

# bad configuration: exit 2, the key and where it is named
bad_config() {
	local what=$1 want=$2
	shift 2
	{
		printf '[source]\ntype = generate\nrows = 10\n[destination]\ntype = snowflake\nendpoint = %s\n' "$BASE"
		printf '%s\n' "$@"
	} >"$T/bad.ini"
	[ "$what" = "no table" ] || printf 'table = t\n' >>"$T/bad.ini"
	nebtop "$T/bad.ini"
	expect_rc 2 "$what"
	stderr_has "$want" "$what"
	no_secrets "$what"
}
bad_config "no account" "bad.ini:4: [destination] key 'account': missing" "user = u" "private_key_file = $T/key.pem"
bad_config "no user" "bad.ini:4: [destination] key 'user': missing" "account = a" "private_key_file = $T/key.pem"
bad_config "no credentials" "[destination] key 'private_key_file': missing (the RSA private key" "account = a" "user = u"
bad_config "both credentials" "bad.ini:10: [destination] key 'token': give token or private_key_file, not both" \
	"account = a" "user = u" "private_key_file = $T/key.pem" "token = abcdefgh"
bad_config "no key file" "bad.ini:9: [destination] key 'private_key_file': cannot open '$T/none.pem'" \
	"account = a" "user = u" "private_key_file = $T/none.pem"
printf 'not a key\n' >"$T/notkey.pem"
bad_config "not a PEM key" "bad.ini:9: [destination] key 'private_key_file': '$T/notkey.pem' is not a PEM private key" \
	"account = a" "user = u" "private_key_file = $T/notkey.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec.pem" 2>/dev/null || fail "openssl genpkey EC"
bad_config "not an RSA key" "key 'private_key_file': '$T/ec.pem' holds a private key that is not an RSA key" \
	"account = a" "user = u" "private_key_file = $T/ec.pem"
bad_config "no table" "bad.ini:4: [destination] key 'table': missing" "account = a" "user = u" "private_key_file = $T/key.pem"
"$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$T/free_port"
FREE=http://127.0.0.1:$(cat "$T/free_port")
nebtop -source generate -source-config rows=10 -destination snowflake \
	-dest-config "endpoint=$FREE,account=a,user=u,table=t,private_key_file=$T/key.pem"
expect_rc 2 "the endpoint down"
stderr_has "-dest-config: key 'endpoint': cannot connect to $FREE: " "the endpoint down"
note "ok: credentials and configuration"

# --- the source ----------------------------------------------------------------------------
# run_src QUERY ON_ERROR KEYS...: snowflake QUERY -> $T/out.json (QUERY empty: the keys say table)
run_src() {
	local query=$1 policy=$2
	shift 2
	{
		printf '[pipeline]\nduration = 0\non_error = %s\ndead_letter_path = %s/dead.jsonl\n' "$policy" "$T"
		printf '[source]\ntype = snowflake\nendpoint = %s\naccount = xy12345\nuser = Loader\n' "$BASE"
		printf 'private_key_file = %s/key.pem\nretry_backoff = 10ms\npoll_interval = 10ms\n' "$T"
		[ -n "$query" ] && printf 'query = %s\n' "$query"
		printf '%s\n' "$@"
		printf '[destination]\nfile_path = %s/out.json\n' "$T"
	} >"$T/p.ini"
	rm -f "$T/dead.jsonl" "$T/out.json" "$T/out.json.part"
	: >"$SF_LOG"
	nebtop "$T/p.ini"
	no_secrets "query $query"
}

# src_expect N [NAN [FILE]]: FILE (out.json) holds rows 1..N typed from the
# server's rowType (row 3 missing with NAN)
src_expect() {
	"$PYTHON3" - "${3:-$T/out.json}" "$1" "${2:-}" <<'PY' || soft_fail "the source's records (see above)"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = [{"ID": i, "NAME": 'row "%d" \u00e9' % i, "SCORE": i * 0.5, "PRICE": float("%d.%02d" % (i, i % 100)),
         "OK": i % 2 == 0, "BIG": 9007199254740993 + i, "NOTE": None if i % 5 == 0 else "n-%d" % i,
         "DAY": str(19723 + i)}
        for i in range(1, int(sys.argv[2]) + 1) if not (sys.argv[3] and i == 3)]
if got != want or any(type(g["BIG"]) is not int or type(g["SCORE"]) is not float or type(g["OK"]) is not bool
                      for g in got):
    print("%d records, expected %d; first difference: %s" % (len(got), len(want),
          next(((g, w) for g, w in zip(got, want) if g != w), None)), file=sys.stderr)
    sys.exit(1)
PY
}

run_src 'SELECT * FROM t -- rows_2500 parts_4 slow_2' skip
expect_rc 0 "query"
src_expect 2500
check_records "$(metrics_file)" 2500 2500 0 0
same_text "1 202 | 202 202 200 | [1, 2, 3]" "$(sf_requests '"%d %d | %s | %s" % (len([r for r in log if r.get("kind") == "select"]), [r for r in log if r.get("kind") == "select"][0]["status"], " ".join(str(r["status"]) for r in log if r.get("kind") == "poll"), [r["partition"] for r in log if r.get("kind") == "partition"])')" \
	"query: one statement, answered 202, polled to its 200, then partitions 1 to 3"
same_text "[True, False, True] True" "$(sf_requests '"%s %s" % ([r["gzip"] for r in log if r.get("kind") == "partition"], all(r["token_type"] == "KEYPAIR_JWT" for r in log))')" \
	"query: partitions 1 and 3 gzip-encoded (and decoded), a key-pair JWT each time"
same_text "2" "$(metric "$(metrics_file)" 'm["connectors"]["source"]["batches"] - 2')" \
	"query: the statement and the 3 partitions counted as 4 requests (the polls not)"
note "ok: query, 202, partitions, gzip, types"

run_src '' skip 'table = LOADS.PUBLIC.events_rows_30'
expect_rc 0 "table"
src_expect 30
same_text "SELECT * FROM LOADS.PUBLIC.events_rows_30" "$(sf_requests '[r["query"] for r in log if r.get("kind") == "select"][0]')" "table: SELECT * FROM table"
note "ok: table"

run_src 'SELECT * FROM t -- rows_20 parts_3 with_nan' dead_letter
expect_rc 0 "a NaN REAL"
src_expect 20 nan
check_records "$(metrics_file)" 20 19 0 1
grep -qF "field 'SCORE': REAL value 'NaN' is not a finite number" "$T/dead.jsonl" ||
	soft_fail "a NaN REAL: the dead letter: $(head -c 500 "$T/dead.jsonl")"
note "ok: a value that does not fit its type"

run_src 'SELECT * FROM t -- rows_25 parts_3 broken' skip
expect_rc 1 "a partition that fails"
stderr_has "partition 1 of 3: statement " "a partition that fails"
stderr_has ": HTTP 500: SQL execution internal error: partition lost (code 000603, SQL state XX000)" "a partition that fails"
# the output of a failed run is left uncommitted, with the first partition's records
src_expect 9 "" "$T/out.json.part"
check_records "$(metrics_file)" 9 9 0 0
note "ok: a partition that fails after the first"

run_src 'SELECT bad FROM t' skip
expect_rc 2 "a query Snowflake refuses"
stderr_has "key 'query': Snowflake refused the query: SQL compilation error: syntax error line 1 at position 7 unexpected 'bad'. (code 001003, SQL state 42000)" "a query Snowflake refuses"
run_src 'SELECT 1' skip 'table = t'
expect_rc 2 "query and table"
stderr_has "key 'table': give query or table, not both" "query and table"
run_src '' skip
expect_rc 2 "neither query nor table"
stderr_has "key 'query': missing" "neither query nor table"
note "ok: refused queries and bad keys"
finish
