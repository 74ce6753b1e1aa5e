# http_lib.sh: helpers of the HTTP connector tests (sourced after lib.sh):
# starts http_server.py on 127.0.0.1 (stopped on exit) and reads its log.

HTTP_LOG=$T/http_log.jsonl

# http_start: starts the server; sets HTTP_PID and BASE (http://127.0.0.1:PORT).
http_start() {
	"$PYTHON3" "$LIB_DIR/http_server.py" "$T/port" "$HTTP_LOG" &
	HTTP_PID=$!
	# shellcheck disable=SC2064
	trap "kill $HTTP_PID 2>/dev/null; rm -rf '$T'" EXIT
	for _ in $(seq 100); do
		[ -s "$T/port" ] && break
		sleep 0.1
	done
	[ -s "$T/port" ] || fail "the test HTTP server did not start"
	BASE=http://127.0.0.1:$(cat "$T/port")
}

# http_run_source URL-PATH EXTRA_KEYS...: nebtop with [source] type = http
# to $T/out.json (no duration limit, retries 10 ms apart), the output of an
# earlier run removed first.
http_run_source() {
	local path=$1
	shift
	{
		printf '[pipeline]\nduration = 0\n[source]\ntype = http\nurl = %s/%s\nretry_backoff = 10ms\n' "$BASE" "$path"
		printf '%s\n' "$@"
		printf '[destination]\nfile_path = %s/out.json\n' "$T"
	} >"$T/p.ini"
	rm -f "$T/out.json" "$T/out.json.part"
	nebtop "$T/p.ini"
}

# http_expect N FILE: the JSON Lines nebtop writes for the server's records
# 1..N: the records as the server sent them (an integer, a string and a
# boolean field: typed from the first page, JSON in is JSON out).
http_expect() {
	"$PYTHON3" - "$1" >"$2" <<'PY'
import json, sys
for i in range(1, int(sys.argv[1]) + 1):
    print(json.dumps({"id": i, "name": "item-%d" % i, "even": i % 2 == 0}, separators=(",", ":")))
PY
}

# http_requests EXPR: EXPR in Python over the list `log` of the requests the
# server logged so far (dicts: method, path, query, headers, status, body).
http_requests() {
	"$PYTHON3" -c 'import json,sys; log=[json.loads(l) for l in open(sys.argv[1])]; print(eval(sys.argv[2]))' \
		"$HTTP_LOG" "$1" || fail "cannot read $1 from the server's log"
}

# http_clear_log: forgets the requests logged so far.
http_clear_log() {
	: >"$HTTP_LOG"
}
