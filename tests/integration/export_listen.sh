#!/bin/bash
# export_listen.sh: the listener (-listen, [export] listen) as a user and
# the tools would use it.
#  - /metrics in Prometheus's text format 0.0.4: `promtool check metrics`
#    (Debian's prometheus package) reports nothing; every series carries the
#    pipeline label; the families the man page names are there; counters
#    end _total; each histogram's buckets are cumulative and its +Inf bucket
#    equals its _count (the exposition rules); a planted CPU-bound stage
#    shows up as a finding and its records counter grows between scrapes.
#  - /api/v1/metrics: the metrics JSON of DESIGN.md (not final), no file.
#  - POST /api/v1/snapshot: a snapshot written on the nebtop's side, its
#    files named in the answer; GET there is 405.
#  - /debug/pprof/profile?seconds=2 read by the real `go tool pprof`, which
#    shows the planted hot function; /debug/pprof/heap too (not in a
#    sanitizer build: no malloc hooks, 404).
#  - Security: a non-loopback address without a token is refused (exit 2,
#    the message names the key); with a token (from the environment),
#    requests without it or with another get 401 and the token is in no
#    output: stderr, the answers, the snapshot files.
#  - Bad addresses, and a port already taken, exit 2 with a message.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export_lib.sh"

command -v promtool >/dev/null || { echo "SKIP: no promtool (scripts/setup.sh installs prometheus)" >&2; exit 77; }

printf '[pipeline]\nname = alpha "one"\n\n' >"$T/hot.ini"
ini_hot_start >>"$T/hot.ini"
printf '\n[destination]\ntype = null\n' >>"$T/hot.ini"

listen_start a "$T/hot.ini" -listen 0 -duration 150
note "listening at $URL_a"

# --- /metrics -----------------------------------------------------------------
code=$(http_get "$T/m1.txt" "$URL_a/metrics")
[ "$code" = 200 ] || fail "/metrics: status $code"
curl -s -m 30 -D "$T/m.headers" -o /dev/null "$URL_a/metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/m.headers" ||
	fail "/metrics: Content-Type is not text/plain; version=0.0.4: $(cat "$T/m.headers")"
# wait until the analyzer has a finding on the hot stage and the counter moved
for _ in $(seq 300); do
	http_get "$T/m2.txt" "$URL_a/metrics" >/dev/null
	grep -q '^nebtop_finding{.*component="[^"]*",severity=' "$T/m2.txt" &&
		grep -q 'stage="hot"' "$T/m2.txt" && break
	sleep 0.2
done
if ! promtool check metrics <"$T/m2.txt" >"$T/promtool.out" 2>&1; then
	fail "promtool check metrics: $(head -c 2000 "$T/promtool.out")"
fi
[ -s "$T/promtool.out" ] && fail "promtool check metrics reported: $(head -c 2000 "$T/promtool.out")"
"$PYTHON3" - "$T/m1.txt" "$T/m2.txt" <<'PY' || fail "/metrics (see above)"
import re, sys
def parse(path):
    fams, types, samples = [], {}, []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# TYPE "):
            _, _, name, t = line.split(" ", 3)
            types[name] = t
            fams.append(name)
            continue
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$', line)
        if not m:
            sys.exit("not a sample line with labels: %r" % line)
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2)))
        samples.append((m.group(1), labels, float(m.group(3))))
    return types, samples
types, s1 = parse(sys.argv[1])
types2, s2 = parse(sys.argv[2])
for name, labels, v in s2:
    if labels.get("pipeline") != 'alpha \\"one\\"':
        sys.exit("series without the pipeline label (or not escaped): %s %s" % (name, labels))
need = {
    "nebtop_records_total": "counter", "nebtop_record_errors_total": "counter", "nebtop_bytes_total": "counter",
    "nebtop_stage_seconds_total": "counter", "nebtop_stage_batch_duration_seconds": "histogram",
    "nebtop_channel_fill_ratio": "gauge", "nebtop_channel_blocked_seconds_total": "counter",
    "nebtop_connector_wait_seconds_total": "counter", "nebtop_connector_requests_total": "counter",
    "nebtop_connector_retries_total": "counter", "nebtop_process_cpu_seconds_total": "counter",
    "nebtop_process_resident_memory_bytes": "gauge", "nebtop_finding": "gauge",
}
for n, t in need.items():
    if types2.get(n) != t:
        sys.exit("family %s: TYPE %s, expected %s" % (n, types2.get(n), t))
for n, t in types2.items():
    if (t == "counter") != n.endswith("_total"):
        sys.exit("family %s of type %s: only counters end _total" % (n, t))
states = {l["state"] for n, l, v in s2 if n == "nebtop_stage_seconds_total"}
if states != {"busy", "backpressured", "idle"}:
    sys.exit("nebtop_stage_seconds_total states: %s" % sorted(states))
for n, l, v in s2:
    if n == "nebtop_channel_fill_ratio" and not 0 <= v <= 1:
        sys.exit("a ratio out of 0..1: %s %s %s" % (n, l, v))
# histograms: buckets by stage, cumulative, +Inf = _count
by = {}
for n, l, v in s2:
    if n == "nebtop_stage_batch_duration_seconds_bucket":
        by.setdefault(l["stage"], []).append((float("inf") if l["le"] == "+Inf" else float(l["le"]), v))
counts = {l["stage"]: v for n, l, v in s2 if n == "nebtop_stage_batch_duration_seconds_count"}
if set(by) != set(counts) or not by:
    sys.exit("histogram stages: buckets %s, counts %s" % (sorted(by), sorted(counts)))
for st, b in by.items():
    les = [le for le, v in b]
    if les != sorted(les) or les[-1] != float("inf"):
        sys.exit("stage %s: le not ascending to +Inf: %s" % (st, les))
    vals = [v for le, v in b]
    if any(x > y for x, y in zip(vals, vals[1:])):
        sys.exit("stage %s: buckets not cumulative: %s" % (st, vals))
    if vals[-1] != counts[st]:
        sys.exit("stage %s: +Inf bucket %s != _count %s" % (st, vals[-1], counts[st]))
def rec(samples):
    return sum(v for n, l, v in samples if n == "nebtop_records_total" and l["stage"] == "hot" and l["direction"] == "out")
if not rec(s2) > rec(s1):
    sys.exit("nebtop_records_total of stage hot did not grow between scrapes: %s then %s" % (rec(s1), rec(s2)))
if not any(n == "nebtop_finding" and l.get("component") for n, l, v in s2):
    sys.exit("no nebtop_finding series")
PY
note "/metrics: promtool clean, labels, families, histograms"

# --- /api/v1/metrics ------------------------------------------------------------
code=$(http_get "$T/api.json" "$URL_a/api/v1/metrics")
[ "$code" = 200 ] || fail "/api/v1/metrics: status $code"
"$PYTHON3" - "$T/api.json" <<'PY' || fail "/api/v1/metrics (see above)"
import json, sys
m = json.load(open(sys.argv[1]))
for k in ("nebtop_version", "timestamp", "records", "throughput", "stages", "channels", "runtime", "bottlenecks"):
    if k not in m:
        sys.exit("/api/v1/metrics has no %r" % k)
if m["final"] is not False or m["state"] != "running":
    sys.exit("/api/v1/metrics: final %r, state %r: expected a running run's" % (m["final"], m["state"]))
if [s["name"] for s in m["stages"]] != ["source", "hot", "destination"]:
    sys.exit("stages: %s" % [s["name"] for s in m["stages"]])
PY
ls "$T"/a.prof/metrics_*.json >/dev/null 2>&1 && fail "/api/v1/metrics wrote a file"

# --- POST /api/v1/snapshot ----------------------------------------------------------
code=$(http_get "$T/snap.json" "$URL_a/api/v1/snapshot" -X POST)
[ "$code" = 200 ] || fail "POST /api/v1/snapshot: status $code: $(cat "$T/snap.json")"
"$PYTHON3" - "$T/snap.json" "$T/a.prof" <<'PY' || fail "POST /api/v1/snapshot (see above)"
import json, os, sys
a = json.load(open(sys.argv[1]))
if os.path.realpath(a["dir"]) != os.path.realpath(sys.argv[2]):
    sys.exit("dir %r, expected %r" % (a["dir"], sys.argv[2]))
names = a["files"]
if not any(n.startswith("metrics_") for n in names) or not any(n.startswith("cpu_") for n in names):
    sys.exit("files: %s" % names)
for n in names:
    if not os.path.isfile(os.path.join(sys.argv[2], n)):
        sys.exit("%s is named in the answer but not in %s" % (n, sys.argv[2]))
    if a["stamp"] not in n:
        sys.exit("%s does not carry the stamp %s" % (n, a["stamp"]))
PY
code=$(http_get "$T/get.txt" "$URL_a/api/v1/snapshot")
[ "$code" = 405 ] || fail "GET /api/v1/snapshot: status $code, expected 405"
code=$(http_get "$T/none.txt" "$URL_a/no/such/page")
[ "$code" = 404 ] || fail "/no/such/page: status $code, expected 404"
note "/api/v1/metrics and POST /api/v1/snapshot"

# --- pprof over HTTP, read by go tool pprof ------------------------------------------
if command -v go >/dev/null; then
	export PPROF_TMPDIR=$T/pprof HOME=$T
	if ! go tool pprof -top "$URL_a/debug/pprof/profile?seconds=2" >"$T/top.txt" 2>"$T/top.err"; then
		fail "go tool pprof on /debug/pprof/profile: $(head -c 1500 "$T/top.err")"
	fi
	grep -q 'spin_burn_cpu' "$T/top.txt" || fail "go tool pprof -top does not show spin_burn_cpu: $(head -c 1500 "$T/top.txt")"
	code=$(http_get "$T/heap.pb.gz" "$URL_a/debug/pprof/heap")
	if sanitized; then
		[ "$code" = 404 ] || fail "/debug/pprof/heap in a sanitizer build: status $code, expected 404"
	else
		[ "$code" = 200 ] || fail "/debug/pprof/heap: status $code"
		go tool pprof -top -sample_index=alloc_space "$T/heap.pb.gz" >"$T/heap.txt" 2>&1 ||
			fail "go tool pprof on /debug/pprof/heap: $(head -c 1500 "$T/heap.txt")"
	fi
	code=$(http_get "$T/bad.txt" "$URL_a/debug/pprof/profile?seconds=abc")
	[ "$code" = 400 ] || fail "/debug/pprof/profile?seconds=abc: status $code, expected 400"
	note "go tool pprof reads /debug/pprof/profile and /debug/pprof/heap"
else
	note "no go: the pprof endpoints are not read with go tool pprof"
fi
listen_stop a

# --- security -----------------------------------------------------------------------------
nebtop -source generate -source-config rows=10 -destination null --headless -listen 0.0.0.0:0
expect_rc 2 "-listen 0.0.0.0:0 without a token"
grep -q 'listen' "$T/stderr" && grep -q 'token' "$T/stderr" ||
	fail "-listen 0.0.0.0:0 without a token: the message names neither listen nor token: $(cat "$T/stderr")"
printf '[export]\nlisten = 0.0.0.0:0\n' >"$T/open.ini"
printf '[source]\ntype = generate\nrows = 10\n[destination]\ntype = null\n' >>"$T/open.ini"
nebtop "$T/open.ini" --headless
expect_rc 2 "[export] listen = 0.0.0.0:0 without a token"
grep -q 'open.ini:2' "$T/stderr" || fail "the message does not name the file and line: $(cat "$T/stderr")"

secret=tok-$RANDOM$RANDOM-s3cr3t
export NEB_TEST_TOKEN=$secret
printf '[export]\nlisten = 127.0.0.1:0\ntoken = ${NEB_TEST_TOKEN}\n' >"$T/tok.ini"
cat "$T/hot.ini" >>"$T/tok.ini"
listen_start b "$T/tok.ini" -duration 150
code=$(http_get "$T/b0.txt" "$URL_b/metrics")
[ "$code" = 401 ] || fail "/metrics without the token: status $code, expected 401"
code=$(http_get "$T/b1.txt" "$URL_b/metrics" -H "Authorization: Bearer wrong-$secret")
[ "$code" = 401 ] || fail "/metrics with another token: status $code, expected 401"
code=$(http_get "$T/b2.txt" "$URL_b/metrics" -H "Authorization: Bearer $secret")
[ "$code" = 200 ] || fail "/metrics with the token: status $code, expected 200"
code=$(http_get "$T/b3.json" "$URL_b/api/v1/snapshot" -X POST -H "Authorization: Bearer $secret")
[ "$code" = 200 ] || fail "POST /api/v1/snapshot with the token: status $code"
code=$(http_get "$T/b4.json" "$URL_b/api/v1/metrics" -H "Authorization: Bearer $secret")
[ "$code" = 200 ] || fail "/api/v1/metrics with the token: status $code"
listen_stop b
if grep -rl -a -- "$secret" "$T"/b.err "$T"/b.out "$T"/b0.txt "$T"/b1.txt "$T"/b2.txt "$T"/b3.json "$T"/b4.json \
	"$T"/b.prof; then
	fail "the token is in the output above"
fi
note "token: 401 without it or with another, nowhere in the output"

# --- bad addresses ------------------------------------------------------------------------
for bad in abc 70000 '::1:80' '127.0.0.1:' ':80' '[::1]x:80'; do
	nebtop -source generate -source-config rows=10 -destination null --headless -listen "$bad"
	expect_rc 2 "-listen '$bad'"
	grep -q -- '-listen' "$T/stderr" || fail "-listen '$bad': the message does not name -listen: $(cat "$T/stderr")"
done
# a port that is taken
"$PYTHON3" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(60)' "$T/port" &
holder=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
nebtop -source generate -source-config rows=10 -destination null --headless -listen "127.0.0.1:$(cat "$T/port")"
kill "$holder" 2>/dev/null
expect_rc 2 "-listen on a port in use"
grep -q 'cannot listen' "$T/stderr" || fail "a port in use: $(cat "$T/stderr")"
note "bad addresses and a taken port: exit 2"
