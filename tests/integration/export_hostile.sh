#!/bin/bash
# export_hostile.sh: the listener (-listen) against clients that are not
# polite, and at the end of a run:
#  - a CPU profile asked for (/debug/pprof/profile?seconds=30) while the
#    run is stopped by SIGINT still gets its answer (the profile of the
#    seconds there were, gzipped pprof), and nebtop exits 0.
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
