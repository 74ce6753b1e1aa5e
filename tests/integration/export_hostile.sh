#!/bin/bash
# export_hostile.sh: the listener (-listen) against clients that are not
# polite, and at the end of a run:
#  - a CPU profile asked for (/debug/pprof/profile?seconds=30) while the
#    run is stopped by SIGINT still gets its answer (the profile of the
#    seconds there were, gzipped pprof), and nebtop exits 0;
#  - the Authorization scheme in any case (RFC 7235), other schemes 401;
#  - 16 connections (all the listener takes) that trickle header lines and
#    never finish their request head are shut after the header deadline,
#    and a scrape gets its answer (without the deadline it never does).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export_lib.sh"

ini_hot_start >"$T/hot.ini"
printf '\n[destination]\ntype = null\n' >>"$T/hot.ini"

# --- a profile under way when the run is stopped ----------------------------------
listen_start a "$T/hot.ini" -listen 0 -duration 150
curl -s -m 120 -o "$T/cut.prof" -w '%{http_code}' "$URL_a/debug/pprof/profile?seconds=30" >"$T/cut.code" 2>&1 &
curl_pid=$!
# the request is under way once the profile's wait began: give it time to arrive
for _ in $(seq 100); do
	ss -tn 2>/dev/null | grep -q "${URL_a##*:}" && break
	sleep 0.1
done
sleep 1
listen_stop a
wait "$curl_pid"
code=$(cat "$T/cut.code")
[ "$code" = 200 ] || fail "a CPU profile under way when the run stopped: status '$code' (no answer), expected 200"
gzip -t "$T/cut.prof" 2>/dev/null || fail "a CPU profile under way when the run stopped: the answer is not gzipped pprof"
note "a CPU profile under way at the end of the run is answered"

# --- the token: the scheme in any case, spaces around the token ------------------------
secret=tok-$RANDOM$RANDOM-s3cr3t
export NEB_TEST_TOKEN=$secret
printf '[export]\nlisten = 127.0.0.1:0\ntoken = ${NEB_TEST_TOKEN}\n' >"$T/tok.ini"
cat "$T/hot.ini" >>"$T/tok.ini"
listen_start b "$T/tok.ini" -duration 150
for h in "Bearer $secret" "bearer $secret" "BEARER $secret" "Bearer  $secret" "Bearer $secret "; do
	code=$(http_get "$T/b.txt" "$URL_b/metrics" -H "Authorization: $h")
	[ "$code" = 200 ] || fail "/metrics with 'Authorization: ${h//$secret/TOKEN}': status $code, expected 200"
done
for h in "Basic $secret" "Bearer" "Bearer${secret}" "Bearer ${secret}x" "Bearer ${secret% *}-" "Bearer $secret extra"; do
	code=$(http_get "$T/b.txt" "$URL_b/metrics" -H "Authorization: $h")
	[ "$code" = 401 ] || fail "/metrics with 'Authorization: ${h//$secret/TOKEN}': status $code, expected 401"
done
listen_stop b
grep -rl -a -- "$secret" "$T"/b.err "$T"/b.out "$T"/b.txt "$T"/b.prof && fail "the token is in the output above"
note "the token: Bearer in any case, spaces around it; other schemes and tokens 401"

# --- slow heads: 16 connections (all the listener takes) that send a header
# line a second and never finish their request head are shut after the
# header deadline (5 s): a scrape then gets its answer
printf '[pipeline]\nname = slow\n\n[source]\ntype = generate\nrows = 0\nrate = 1000\n\n[destination]\ntype = null\n' \
	>"$T/slow.ini"
listen_start c "$T/slow.ini" -listen 0 -duration 150
"$PYTHON3" - "${URL_c#http://}" >"$T/slowloris.out" 2>&1 <<'PY' &
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
socks = []
for i in range(16):
    s = socket.create_connection((host, int(port)))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    socks.append(s)
for t in range(40):  # a header line a second, for up to 40 s; never the blank line
    alive = 0
    for s in socks:
        try:
            s.sendall(b"X-Slow-%d: %d\r\n" % (t, t))
            alive += 1
        except OSError:
            pass
    if not alive:
        print("all %d slow connections were shut after %d s" % (len(socks), t))
        break
    time.sleep(1)
PY
slow=$!
sleep 2
# while they hold every connection the listener takes, a scrape is refused or waits;
# the deadline frees them: a scrape within the next 30 s gets its answer
ok=""
for _ in $(seq 30); do
	code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL_c/metrics" || true)
	[ "$code" = 200 ] && { ok=1; break; }
	sleep 1
done
kill "$slow" 2>/dev/null
wait "$slow" 2>/dev/null
[ -n "$ok" ] || fail "16 slow request heads keep every scrape out: $(cat "$T/slowloris.out")"
listen_stop c
note "slow request heads are shut after the header deadline: a scrape gets through ($(cat "$T/slowloris.out"))"
