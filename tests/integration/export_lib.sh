# export_lib.sh: helpers of the listener tests (sourced after lib.sh): a
# headless nebtop with -listen in the background, its address, and HTTP
# requests to it with curl.

command -v curl >/dev/null || { echo "SKIP: no curl (scripts/setup.sh installs it)" >&2; exit 77; }

# listen_start NAME ARGS...: nebtop ARGS (headless, -listen given by ARGS) in
# the background, stderr in $T/NAME.err, snapshots in $T/NAME.prof; sets
# PID_<NAME> and URL_<NAME> (http://HOST:PORT) once it says where it listens.
listen_start() {
	local name=$1
	shift
	(cd "$T" && exec "$NEBTOP" --headless -output "$T/$name.prof" "$@") >"$T/$name.out" 2>"$T/$name.err" &
	local pid=$!
	eval "PID_$name=$pid"
	watchdog "$pid" "${BG_LIMIT_S:-170}"
	local url=""
	for _ in $(seq 600); do
		url=$(grep -a -o 'listening on http://[^/ ]*' "$T/$name.err" | head -n 1 | sed 's/^listening on //')
		[ -n "$url" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$url" ] || fail "$name: nebtop did not say where it listens; stderr: $(head -c 2000 "$T/$name.err")"
	eval "URL_$name=$url"
}

# listen_stop NAME: stops it (SIGINT: the drain, the final snapshot) and
# checks that it exits 0.
listen_stop() {
	local name=$1 pid rc=0
	eval "pid=\$PID_$name"
	kill -INT "$pid" 2>/dev/null
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || fail "$name: exit status $rc after SIGINT, expected 0; stderr: $(head -c 2000 "$T/$name.err")"
}

# http_get OUT URL [CURL-ARGS...]: the body in OUT; prints the status code.
http_get() {
	local out=$1 url=$2
	shift 2
	curl -s -m 60 -o "$out" -w '%{http_code}' "$@" "$url" || echo 000
}
