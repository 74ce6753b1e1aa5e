#!/bin/bash
# export_otlp.sh: the OpenTelemetry export ([export] otlp_endpoint) against
# a receiver that checks every request strictly against the OpenTelemetry
# protocol definitions (tests/integration/otlp/receiver.mjs: protobuf.js on
# the vendored opentelemetry-proto files; the specification's own example
# requests must pass it first, or the receiver is what is wrong).
#  - a run pushes its metrics every otlp_interval and its last figures at
#    the end: every request is valid OTLP/HTTP JSON; the records, latency
#    histogram and channel fill families are there with the pipeline
#    attribute; the last push's records equal the run's final count;
#  - a collector that answers 503 (Retry-After: 1) for a while: nebtop
#    tries again and the figures get through; the run exits 0;
#  - a collector that answers 400: said once on stderr, not retried;
#  - no collector at all: the run still ends, exit 0, and says so once;
#  - what the export did is in the final snapshot (metrics JSON "export",
#    the report's "Export" section, the same figures) and in
#    /api/v1/metrics: every request the receiver saw counted once, as sent
#    (accepted), retried or dropped; the pushes dropped are said on stderr
#    at the end, with the collector's address and why (a collector that
#    keeps answering 429, one that is not there), and the run still exits
#    0; the endpoint's user and password are in no output; a run without
#    otlp_endpoint has no "export" key and no Export section;
#  - traces (otlp_sample = 1, then 10): a CSV source (read, parse), a
#    stage, a JSON destination (encode, write): one trace per sampled batch,
#    its five steps as spans in order, each the child of the one before,
#    starting after it ended; the records of the write steps add up to the
#    run's output; one batch in ten traced with otlp_sample = 10.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export_lib.sh"

OTLP_DIR=$LIB_DIR/otlp
PROTO=$SRCDIR/tests/data/opentelemetry-proto
command -v node >/dev/null || { echo "SKIP: no node (scripts/setup.sh installs nodejs)" >&2; exit 77; }
command -v curl >/dev/null || { echo "SKIP: no curl" >&2; exit 77; }

# receiver NAME [FAIL_FIRST_N [FAIL_STATUS]]: starts one; sets RPORT, RLOG
receiver() {
	local name=$1
	rm -f "$T/$name.port"
	node "$OTLP_DIR/receiver.mjs" "$PROTO" "$T/$name.port" "$T/$name.log" "${2:-0}" "${3:-503}" \
		>"$T/$name.out" 2>&1 &
	RPID=$!
	for _ in $(seq 300); do [ -s "$T/$name.port" ] && break; sleep 0.1; done
	[ -s "$T/$name.port" ] || fail "the receiver did not start: $(cat "$T/$name.out")"
	RPORT=$(cat "$T/$name.port")
	RLOG=$T/$name.log
	touch "$RLOG"
}
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT

# the receiver takes the specification's example requests
receiver self
for x in metrics:metrics trace:traces; do
	code=$(curl -s -m 20 -o "$T/self.answer" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "@$PROTO/examples/${x%%:*}.json" "http://127.0.0.1:$RPORT/v1/${x##*:}")
	[ "$code" = 200 ] || fail "the receiver refuses the specification's example ${x%%:*}.json: $(cat "$T/self.answer")"
done
code=$(curl -s -m 20 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	--data '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"a","sum":{"aggregationTemporality":"CUMULATIVE"}}]}]}]}' \
	"http://127.0.0.1:$RPORT/v1/metrics")
[ "$code" = 400 ] || fail "the receiver takes an enum written as a string: $code"
kill "$RPID"

# check_export PROF_DIR ENDPOINT RECEIVER_LOG|- STDERR EXPR: the final
# snapshot in PROF_DIR has the export's counts for ENDPOINT, its report the
# same figures; every request RECEIVER_LOG holds is counted once (sent when
# accepted); stderr says what was dropped (and nothing when nothing was);
# EXPR (Python over ex, the "otlp" object) holds.
check_export() {
	"$PYTHON3" - "$@" <<'PY' || fail "the export's counts in the final snapshot of $1 (see above)"
import glob, json, os, re, sys
prof, endpoint, logf, errf, expr = sys.argv[1:6]
mf = max(glob.glob(prof + "/metrics_*.json"), key=os.path.getmtime)
m = json.load(open(mf))
if "export" not in m:
    sys.exit("%s: no export key: %s" % (mf, sorted(m)))
ex = m["export"]["otlp"]
if ex["endpoint"] != endpoint:
    sys.exit("export.otlp.endpoint %r, expected %r" % (ex["endpoint"], endpoint))
sigs = ("metrics", "traces")
report = open(mf.replace("/metrics_", "/report_")[:-len(".json")] + ".txt").read()
sec = re.search(r"^Export \(OTLP to (.*)\):\n"
                r"  Metrics pushes: +(\d+) sent, (\d+) retried, (\d+) dropped\n"
                r"  Trace pushes: +(\d+) sent, (\d+) retried, (\d+) dropped; (\d+) spans dropped", report, re.M)
if not sec:
    sys.exit("no Export section in the report:\n" + report)
want = [endpoint] + [str(ex[s][k]) for s in sigs for k in ("sent", "retried", "dropped")]
want.append(str(ex["traces"]["spans_dropped"]))
if list(sec.groups()) != want:
    sys.exit("the report says %s, the metrics JSON %s" % (list(sec.groups()), want))
if logf != "-":
    log = [json.loads(l) for l in open(logf)]
    for s in sigs:
        reqs = [e for e in log if e["path"] == "/v1/" + s]
        ok = sum(e["status"] == 200 for e in reqs)
        c = ex[s]
        if len(reqs) != c["sent"] + c["retried"] + c["dropped"] or ok != c["sent"]:
            sys.exit("%s: the receiver saw %d requests (%d accepted); the snapshot counts %s"
                     % (s, len(reqs), ok, c))
said = re.findall(r"^nebtop: OTLP: (.*)$", open(errf).read(), re.M)
md, td = ex["metrics"]["dropped"], ex["traces"]["dropped"]
if not md and not td and not ex["traces"]["spans_dropped"]:
    if said:
        sys.exit("nothing was dropped, yet stderr says: %s" % said)
else:
    if len(said) != 1:
        sys.exit("expected one line on what was dropped, stderr has %s" % said)
    for n, what in ((md, "metric"), (td, "trace")):
        if n and not re.search(r"\b%d %s push(es)? " % (n, what), said[0]):
            sys.exit("%d %s pushes dropped, stderr says: %s" % (n, what, said[0]))
    if (md or td) and "collector at %s " % endpoint not in said[0]:
        sys.exit("stderr does not name the collector %s: %s" % (endpoint, said[0]))
if not eval(expr):
    sys.exit("%s does not hold: %s" % (expr, ex))
print("export to %s: %s" % (endpoint, {s: ex[s] for s in sigs}))
PY
}

pipeline_ini() { # FILE ENDPOINT INTERVAL
	printf '[pipeline]\nname = otlp "test"\n\n[export]\notlp_endpoint = %s\notlp_interval = %s\n\n' "$2" "$3" >"$1"
	ini_hot_start >>"$1"
	printf '\n[destination]\ntype = null\n' >>"$1"
}

# --- a run's metrics -----------------------------------------------------------------
receiver good
pipeline_ini "$T/good.ini" "http://127.0.0.1:$RPORT" 1s
nebtop "$T/good.ini" --headless -duration 4s
expect_rc 0 "a run exporting to a receiver"
kill "$RPID"
"$PYTHON3" - "$RLOG" "$(metrics_file)" <<'PY' || fail "the OTLP metrics (see above)"
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
final = json.load(open(sys.argv[2]))
bad = [e for e in log if e["status"] != 200]
if bad:
    sys.exit("requests the receiver refused: %s" % bad[:3])
pushes = [e for e in log if e["path"] == "/v1/metrics"]
if len(pushes) < 2:
    sys.exit("expected at least two pushes to /v1/metrics: %s" % [e["path"] for e in log])
last = pushes[-1]["metrics"]
names = {m["name"]: m["kind"] for m in last}
want = {"nebtop_records": "sum", "nebtop_stage_batch_duration_seconds": "histogram",
        "nebtop_channel_fill_ratio": "gauge", "nebtop_stage_seconds": "sum", "nebtop_finding": "gauge"}
for n, k in want.items():
    if names.get(n) != k:
        sys.exit("metric %s: %s, expected %s (have %s)" % (n, names.get(n), k, sorted(names)))
for m in last:
    if m["attributes"].get("pipeline") != 'otlp "test"':
        sys.exit("a point without the pipeline attribute: %s" % m)
out = [int(m["value"]) for m in last if m["name"] == "nebtop_records"
       and m["attributes"]["stage"] == "destination" and m["attributes"]["direction"] == "out"]
if out != [final["records"]["out"]]:
    sys.exit("the last push says %s records out, the run %s" % (out, final["records"]["out"]))
print("%d pushes, all valid; the last one: %d records out, as the run" % (len(pushes), out[0]))
PY
check_export "$T/prof" "http://127.0.0.1:$RPORT" "$RLOG" "$T/stderr" \
	'ex["metrics"]["sent"] >= 2 and ex["metrics"]["retried"] == 0 and ex["metrics"]["dropped"] == 0'

# --- a collector that is unavailable for a while ----------------------------------------
receiver busy 2 503
pipeline_ini "$T/busy.ini" "http://127.0.0.1:$RPORT" 3s
nebtop "$T/busy.ini" --headless -duration 8s
expect_rc 0 "a run exporting to a receiver that answers 503 at first"
kill "$RPID"
"$PYTHON3" - "$RLOG" <<'PY' || fail "retries (see above)"
import json, sys
st = [json.loads(l)["status"] for l in open(sys.argv[1])]
if st[:2] != [503, 503] or 200 not in st[2:]:
    sys.exit("expected two 503s then accepted pushes: %s" % st)
PY
grep -q 'not retried' "$T/stderr" && fail "a 503 was not retried: $(cat "$T/stderr")"
check_export "$T/prof" "http://127.0.0.1:$RPORT" "$RLOG" "$T/stderr" \
	'ex["metrics"]["retried"] >= 1 and ex["metrics"]["sent"] >= 1'

# --- a collector that refuses the request ---------------------------------------------------
receiver refusing 100 400
pipeline_ini "$T/bad.ini" "http://127.0.0.1:$RPORT" 1s
nebtop "$T/bad.ini" --headless -duration 3s
expect_rc 0 "a run exporting to a receiver that answers 400"
kill "$RPID"
[ "$(grep -c 'answered 400, not retried' "$T/stderr")" = 1 ] ||
	fail "a 400 should be said once: $(cat "$T/stderr")"
check_export "$T/prof" "http://127.0.0.1:$RPORT" "$RLOG" "$T/stderr" \
	'ex["metrics"]["sent"] == 0 and ex["metrics"]["retried"] == 0 and ex["metrics"]["dropped"] >= 1'
grep -q '^nebtop: OTLP: .*collector at http://127.0.0.1:[0-9]* answered 400)' "$T/stderr" ||
	fail "the dropped pushes should be said with the collector's answer: $(cat "$T/stderr")"

# --- a collector that keeps answering 429; its user and password hidden ------------------------
receiver throttling 100000 429
pipeline_ini "$T/throttled.ini" "http://otlpuser:otlp-s3cret-pw@127.0.0.1:$RPORT" 1s
listen_start throttled "$T/throttled.ini" -listen 127.0.0.1:0
# /api/v1/metrics shows the counts as they grow
dropped_live() {
	[ "$(http_get "$T/api.json" "$URL_throttled/api/v1/metrics")" = 200 ] &&
		"$PYTHON3" -c 'import json, sys
sys.exit(json.load(open(sys.argv[1]))["export"]["otlp"]["metrics"]["dropped"] < 2)' "$T/api.json" 2>/dev/null
}
for _ in $(seq 300); do dropped_live && break; sleep 0.1; done
dropped_live || fail "/api/v1/metrics does not show two dropped pushes: $(head -c 3000 "$T/api.json")"
[ "$(metric "$T/api.json" 'm["export"]["otlp"]["endpoint"]')" = "http://127.0.0.1:$RPORT" ] ||
	fail "/api/v1/metrics: the endpoint is not shown without its user and password: $(cat "$T/api.json")"
listen_stop throttled
kill "$RPID"
check_export "$T/throttled.prof" "http://127.0.0.1:$RPORT" "$RLOG" "$T/throttled.err" \
	'ex["metrics"]["sent"] == 0 and ex["metrics"]["retried"] >= 1 and ex["metrics"]["dropped"] >= 3'
grep -q '^nebtop: OTLP: .*collector at http://127.0.0.1:[0-9]* answered 429)' "$T/throttled.err" ||
	fail "the dropped pushes should be said with the collector's answer: $(cat "$T/throttled.err")"
grep -rl 'otlp-s3cret-pw' "$T/throttled.prof" "$T/throttled.err" "$T/throttled.out" "$T/api.json" &&
	fail "the endpoint's password is in the output above"

# --- no collector ---------------------------------------------------------------------------------
port=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pipeline_ini "$T/none.ini" "http://otlpuser:otlp-s3cret-pw@127.0.0.1:$port" 1s
nebtop "$T/none.ini" --headless -duration 2s
expect_rc 0 "a run exporting to no collector"
[ "$(grep -c 'no answer; retrying' "$T/stderr")" = 1 ] || fail "no collector should be said once: $(cat "$T/stderr")"
check_export "$T/prof" "http://127.0.0.1:$port" - "$T/stderr" \
	'ex["metrics"]["sent"] == 0 and ex["metrics"]["dropped"] >= 1'
grep -q "^nebtop: OTLP: .*collector at http://127.0.0.1:$port unreachable)" "$T/stderr" ||
	fail "the dropped pushes should be said with the collector's address: $(cat "$T/stderr")"
grep -rl 'otlp-s3cret-pw' "$T/prof" "$T/stderr" "$T/stdout" && fail "the endpoint's password is in the output above"

# --- no otlp_endpoint: no export in the snapshot --------------------------------------------------
{ printf '[pipeline]\nname = plain\n\n'; ini_hot_start; printf '\n[destination]\ntype = null\n'; } >"$T/plain.ini"
nebtop "$T/plain.ini" --headless -duration 1s
expect_rc 0 "a run without otlp_endpoint"
[ "$(metric "$(metrics_file)" '"export" in m')" = False ] || fail "an export key without otlp_endpoint"
grep -q '^Export' "$(report_file)" && fail "an Export section without otlp_endpoint: $(report_file)"
grep -q '^nebtop: OTLP' "$T/stderr" && fail "OTLP said on stderr without otlp_endpoint: $(cat "$T/stderr")"
# --- traces --------------------------------------------------------------------------------------
"$PYTHON3" -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,name,amount\n")
    for i in range(1, 3001):
        f.write("%d,item %d,%d.%02d\n" % (i, i, i % 1000, i % 100))' "$T/in.csv"
traced_ini() { # FILE ENDPOINT SAMPLE
	printf '[pipeline]\nname = traced\nbatch = 100\n\n[export]\notlp_endpoint = %s\notlp_interval = 1s\n' "$2" >"$1"
	printf 'otlp_sample = %s\n\n[source]\ntype = csv\nfile_path = %s\n\n' "$3" "$T/in.csv" >>"$1"
	printf '[stage.typed]\ntype = cast\nfield = amount\nto = float\n\n' >>"$1"
	printf '[destination]\ntype = json\nfile_path = %s\n' "$T/out.json" >>"$1"
}
for sample in 1 10; do
	receiver "traces$sample"
	traced_ini "$T/traced.ini" "http://127.0.0.1:$RPORT" "$sample"
	nebtop "$T/traced.ini" --headless
	expect_rc 0 "a traced run (otlp_sample = $sample)"
	kill "$RPID"
	"$PYTHON3" - "$RLOG" "$(metrics_file)" "$sample" <<'PY' || fail "traces, otlp_sample = $sample (see above)"
import json, sys
from collections import defaultdict
log = [json.loads(l) for l in open(sys.argv[1])]
final = json.load(open(sys.argv[2]))
sample = int(sys.argv[3])
bad = [e for e in log if e["status"] != 200]
if bad:
    sys.exit("requests the receiver refused: %s" % bad[:3])
spans = [s for e in log if e["path"] == "/v1/traces" for s in e["spans"]]
traces = defaultdict(list)
for s in spans:
    traces[s["traceId"]].append(s)
batches = (3000 + 99) // 100
want = (batches + sample - 1) // sample
if len(traces) != want:
    sys.exit("%d traces, expected %d (one per sampled batch)" % (len(traces), want))
order = ["source read", "source parse", "typed", "destination encode", "destination write"]
written = 0
for tid, ss in traces.items():
    by = {s["spanId"]: s for s in ss}
    roots = [s for s in ss if not s["parentSpanId"]]
    if len(roots) != 1 or roots[0]["name"] != "source read":
        sys.exit("trace %s: roots %s" % (tid, [r["name"] for r in roots]))
    chain, cur = [], roots[0]
    while cur:
        chain.append(cur["name"])
        kids = [s for s in ss if s["parentSpanId"] == cur["spanId"]]
        if len(kids) > 1:
            sys.exit("trace %s: %s has %d children" % (tid, cur["name"], len(kids)))
        if kids and int(kids[0]["start"]) < int(cur["end"]):
            sys.exit("trace %s: %s starts before %s ended" % (tid, kids[0]["name"], cur["name"]))
        cur = kids[0] if kids else None
    if chain != order or len(ss) != len(order):
        sys.exit("trace %s: steps %s, expected %s" % (tid, chain, order))
    if len({s["attributes"]["nebtop.batch"] for s in ss}) != 1:
        sys.exit("trace %s: steps of different batches" % tid)
    written += int([s for s in ss if s["name"] == "destination write"][0]["attributes"]["nebtop.records"])
if sample == 1 and written != final["records"]["out"]:
    sys.exit("the write steps carry %d records, the run wrote %d" % (written, final["records"]["out"]))
print("otlp_sample %d: %d traces of %d linked steps" % (sample, len(traces), len(order)))
PY
done
note "OTLP metrics: valid, retried on 503, a 400 said once, no collector does not stop the run; traces linked; retries and drops counted in the snapshots"
