# secrets_echo.sh: a server that echoes the request's headers in its error
# body (a 400 to the http destination, a 401 to the http source; as JSON, as
# raw header lines, and Basic credentials decoded; a 422 to the snowflake
# destination and a 401 to its source quoting the JWT or the OAuth token)
# must not make nebtop write a secret. Header values given literally and
# through ${VAR}, Bearer and
# Basic: none of them (nor a Bearer token alone, the base64 of Basic
# credentials, the decoded user:password or the password) may appear on
# stderr, on stdout, in any snapshot file (the report, the metrics, the
# analysis, the trace, the pprof profiles decompressed) or in the dead
# letter, with on_error = dead_letter, skip and fail. Where the echo is
# quoted, SECRETS_SHOWN "(hidden)" stands in its place.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/http_lib.sh"
http_start

LIT=lit-S3cr3t-$RANDOM$RANDOM-token
export NEBTOP_ECHO_KEY=env-S3cr3t-$RANDOM$RANDOM-value
PASSWORD=basic-Pa55-$RANDOM$RANDOM
BASIC=$(printf 'alice:%s' "$PASSWORD" | base64 | tr -d '\n')
# every form that must never be written
FORMS=("Bearer $LIT" "$LIT" "$NEBTOP_ECHO_KEY" "Basic $BASIC" "$BASIC" "alice:$PASSWORD" "$PASSWORD")

# no_secret WHAT: no form of a secret in stdout, stderr, the snapshot files
# (gzip ones decompressed) or the dead letter
no_secret() {
	"$PYTHON3" - "$1" "$T" "${FORMS[@]}" <<'PY' || soft_fail "$1: a secret was written (see above)"
import glob, gzip, os, sys
what, t, forms = sys.argv[1], sys.argv[2], [f.encode() for f in sys.argv[3:]]
files = [os.path.join(t, n) for n in ("stdout", "stderr", "dead.jsonl")] + glob.glob(os.path.join(t, "prof", "*"))
bad = 0
for f in files:
    if not os.path.isfile(f):
        continue
    data = open(f, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    for s in forms:
        if s in data:
            i = data.index(s)
            print("%s: %s holds %r: ...%r..." % (what, f, s, data[max(0, i - 60):i + len(s) + 20]), file=sys.stderr)
            bad += 1
sys.exit(1 if bad else 0)
PY
}

# shown WHAT FILE: the echo was quoted, with "(hidden)" in the secrets' place
shown() {
	grep -qF '(hidden)' "$2" || soft_fail "$1: $2 does not show the echoed body with (hidden)"
}

# the server got the secrets (else the test would prove nothing)
sent() {
	same_text True "$(http_requests "any(r['path'] == '/echo_headers' and r['headers'].get('$1') == '$2' for r in log)")" \
		"$3: the server received $1"
}

# run_dest ON_ERROR KEYS...: generate -> http POST to /echo_headers (a 400 each time)
run_dest() {
	local policy=$1
	shift
	{
		printf '[pipeline]\nduration = 0\non_error = %s\ndead_letter_path = %s/dead.jsonl\nmax_errors = 100%%\n' \
			"$policy" "$T"
		printf '[source]\ntype = generate\nrows = 50\ncolumns = 2\n'
		printf '[destination]\ntype = http\nurl = %s/echo_headers\nmax_retries = 0\nmax_batch_bytes = 2KiB\n' "$BASE"
		printf '%s\n' "$@"
	} >"$T/p.ini"
	rm -f "$T/dead.jsonl"
	http_clear_log
	nebtop -types all "$T/p.ini"
}

# run_source KEYS...: http GET /echo_headers (a 401) -> json
run_source() {
	{
		printf '[pipeline]\nduration = 0\n[source]\ntype = http\nurl = %s/echo_headers\nmax_retries = 0\n' "$BASE"
		printf '%s\n' "$@"
		printf '[destination]\nfile_path = %s/out.json\n' "$T"
	} >"$T/p.ini"
	rm -f "$T/dead.jsonl"
	http_clear_log
	nebtop -types all "$T/p.ini"
}

BEARER=("header.Authorization = Bearer $LIT" 'header.X-Api-Key = ${NEBTOP_ECHO_KEY}')
BASIC_AUTH=("header.Authorization = Basic $BASIC")

# --- the destination: 400 with the headers, each policy ---------------------------
for policy in dead_letter skip fail; do
	run_dest "$policy" "${BEARER[@]}"
	[ "$RC" = 0 ] || [ "$RC" = 1 ] || [ "$RC" = 3 ] || { cat "$T/stderr" >&2; fail "destination, $policy: exit status $RC"; }
	sent Authorization "Bearer $LIT" "destination, $policy"
	sent X-Api-Key "$NEBTOP_ECHO_KEY" "destination, $policy"
	no_secret "destination, Bearer, $policy"
	if [ "$policy" = dead_letter ]; then
		shown "destination, dead_letter" "$T/dead.jsonl"
		shown "destination, dead_letter: the report" "$(report_file)"
	fi
	[ "$policy" = fail ] && shown "destination, fail" "$T/stderr"
done
run_dest dead_letter "${BASIC_AUTH[@]}"
sent Authorization "Basic $BASIC" "destination, Basic"
no_secret "destination, Basic"
shown "destination, Basic" "$T/dead.jsonl"
note "checked: the destination"

# --- the source: 401 with the headers ------------------------------------------------
run_source "${BEARER[@]}"
[ "$RC" != 0 ] || fail "source: a 401 ended with exit status 0"
sent Authorization "Bearer $LIT" "source"
no_secret "source, Bearer"
shown "source" "$T/stderr"
run_source "${BASIC_AUTH[@]}"
sent Authorization "Basic $BASIC" "source, Basic"
no_secret "source, Basic"
note "checked: the source"

# --- snowflake: a 422 during the run and a 401 at open that quote the JWT or the token
if command -v openssl >/dev/null 2>&1; then
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/sf_key.pem" 2>/dev/null || fail "openssl genpkey"
	openssl pkey -in "$T/sf_key.pem" -pubout -out "$T/sf_pub.pem" || fail "openssl pkey -pubout"
	export NEBTOP_SF_TOKEN=sf-S3cr3t-$RANDOM$RANDOM-oauth
	: >"$T/sf_jwts"
	"$PYTHON3" "$LIB_DIR/sf_server.py" "$T/sf_port" "$T/sf_log" "$T/sf_pub.pem" ACCT LOADER "$T/sf_jwts" "$NEBTOP_SF_TOKEN" &
	SF_PID=$!
	# shellcheck disable=SC2064
	trap "kill $HTTP_PID $SF_PID 2>/dev/null; rm -rf '$T'" EXIT
	for _ in $(seq 100); do
		[ -s "$T/sf_port" ] && break
		sleep 0.1
	done
	[ -s "$T/sf_port" ] || fail "the test Snowflake server did not start"
	SF_BASE=http://127.0.0.1:$(cat "$T/sf_port")
	# run_sf SECTION ON_ERROR KEYS...: generate -> snowflake table echo_t (a 422
	# quoting the Authorization header each statement), or snowflake -> json
	run_sf() {
		local section=$1 policy=$2
		shift 2
		{
			printf '[pipeline]\nduration = 0\non_error = %s\ndead_letter_path = %s/dead.jsonl\nmax_errors = 100%%\n' \
				"$policy" "$T"
			if [ "$section" = destination ]; then
				printf '[source]\ntype = generate\nrows = 50\ncolumns = 2\n[destination]\ntype = snowflake\ntable = echo_t\n'
				printf 'max_rows = 10\n'
			else
				printf '[source]\ntype = snowflake\n'
			fi
			printf 'endpoint = %s\naccount = acct\nuser = loader\n' "$SF_BASE"
			printf '%s\n' "$@"
			[ "$section" = source ] && printf '[destination]\nfile_path = %s/out.json\n' "$T"
		} >"$T/p.ini"
		rm -f "$T/dead.jsonl"
		nebtop -types all "$T/p.ini"
	}
	for policy in dead_letter skip fail; do
		for cred in "private_key_file = $T/sf_key.pem" 'token = ${NEBTOP_SF_TOKEN}'; do
			run_sf destination "$policy" "$cred"
			[ "$RC" = 0 ] || [ "$RC" = 1 ] || [ "$RC" = 3 ] || { cat "$T/stderr" >&2; fail "snowflake, $policy: exit status $RC"; }
			[ -s "$T/sf_jwts" ] || fail "snowflake: the server saw no JWT"
			FORMS=("$NEBTOP_SF_TOKEN" "$(sed -n 5p "$T/sf_key.pem")")
			mapfile -t -O 2 FORMS <"$T/sf_jwts"
			no_secret "snowflake destination, $policy, ${cred%% *}"
			[ "$policy" = dead_letter ] && shown "snowflake destination, dead_letter" "$T/dead.jsonl"
			[ "$policy" = fail ] && shown "snowflake destination, fail" "$T/stderr"
		done
	done
	# a source whose credentials the server refuses (401, the token quoted)
	run_sf source skip 'query = SELECT 1' 'token = ${NEBTOP_SF_TOKEN}x'
	[ "$RC" = 2 ] || fail "snowflake source, a refused token: exit status $RC"
	FORMS=("$NEBTOP_SF_TOKEN")
	no_secret "snowflake source, a refused token"
	shown "snowflake source" "$T/stderr"
	note "checked: snowflake"
fi

finish
