# compare_runs.sh: nebtop compare over repeated runs (a folder holding the
# final snapshots of several runs is a sample). (1) Hand-written folders of
# metrics files with known figures: throughput 100,102,98,101,99 against
# 90,91,89,92,90 is a clear 10% regression (exit 1 with --fail-on-regression
# 5, each side's median and the 95% bootstrap interval as the exact
# bootstrap distribution of a median puts it); against a widely spread
# 90..103 it is "inconclusive, N more runs a side would decide" (exit 0);
# one run a side behaves as two files do (no interval, the single-value
# rules); a folder with mid-run snapshots takes each run's final one, leaves
# out a run without one and counts older files without a run_id as one run;
# what changed: the stage whose busy share and the latency that moved most,
# and the functions whose share of the CPU samples grew, checked against a
# Python reading of the folded files; the --json keys. (2) Real runs: two
# runs into one folder, one with a SIGUSR1 snapshot, are two runs, each
# given by its final snapshot; a run stopped (SIGSTOP) for a second keeps
# its steady throughput (the middle half of its 100 ms intervals) well above
# the whole run's average.
. "$(dirname "$0")/lib.sh"

# pycheck WHAT FILE [ARGS...] <<'EOF' ... EOF: Python checks (sys.argv[1] is
# FILE); a failed assertion is a soft failure.
pycheck() {
	local what=$1
	shift
	"$PYTHON3" - "$@" >&2 || soft_fail "$what (see above)"
}

# mk.py FOLDER STAMP RUN_ID FINAL RPS [KEY=VALUE...]: writes
# FOLDER/metrics_STAMP.json (RUN_ID "-": no run_id and no final key, as an
# older nebtop wrote), every figure but the throughput the same in all runs
# unless a KEY (busy, p99_ms, alloc, folded, name: the pipeline's) says otherwise; folded= writes
# cpu_STAMP.folded beside it from "stack:count;stack:count" with frames
# separated by '/'.
cat >"$T/mk.py" <<'EOF'
import json, os, sys
folder, stamp, run_id, final, rps = sys.argv[1:6]
kv = dict(a.split("=", 1) for a in sys.argv[6:])
os.makedirs(folder, exist_ok=True)
rps = float(rps)
m = {
    "nebtop_version": "0.1.0",
    "timestamp": "%s-%s-%sT%s:%s:%sZ" % (stamp[0:4], stamp[4:6], stamp[6:8], stamp[9:11], stamp[11:13], stamp[13:15]),
    "duration_s": 10.0,
    "state": "finished" if final == "1" else "running",
    "pipeline": {"name": kv.get("name", "orders"), "source": "csv", "destination": "json", "batch": 1000, "workers": 4, "buffer": 10000},
    "records": {"in": int(rps * 10), "out": int(rps * 10), "filtered": 0, "errors": 0, "dead_lettered": 0},
    "throughput": {"records_per_sec": rps, "bytes_per_sec": rps * 100},
    "stages": [
        {"name": "source", "kind": "source", "busy_pct": 20.0, "latency_us": {"p50": 100, "p99": 400}},
        {"name": "parse", "kind": "transform", "busy_pct": float(kv.get("busy", 40)),
         "latency_us": {"p50": 2000, "p99": float(kv.get("p99_ms", 5)) * 1000}},
        {"name": "destination", "kind": "destination", "busy_pct": 10.0, "latency_us": {"p50": 50, "p99": 100}},
    ],
    "runtime": {"cpu_pct": 100.0, "cpu_seconds": rps * 10 / 1e6 * 2000, "rss_peak_bytes": 100000000,
                "heap_live_bytes": 50000000, "allocs_per_record": 2.0,
                "allocator_cpu_pct": float(kv.get("alloc", 5.0))},
    "bottlenecks": [],
    "primary_bottleneck": None,
}
if run_id != "-":
    m["run_id"] = run_id
    m["final"] = final == "1"
json.dump(m, open(os.path.join(folder, "metrics_%s.json" % stamp), "w"), indent=1)
if "folded" in kv:
    with open(os.path.join(folder, "cpu_%s.folded" % stamp), "w") as f:
        for part in kv["folded"].split(";"):
            stack, count = part.rsplit(":", 1)
            f.write("%s %s\n" % (stack.replace("/", ";"), count))
EOF
mk() { "$PYTHON3" "$T/mk.py" "$@" || fail "cannot write the metrics $*"; }

# mk_runs FOLDER STAMP NAME RPS...: a final run a throughput, as mk
# FOLDER STAMP1 NAME-1 1 RPS1, mk FOLDER STAMP2 NAME-2 1 RPS2, ...
mk_runs() {
	local dir=$1 stamp=$2 name=$3 i=0 v
	shift 3
	for v in "$@"; do
		i=$((i + 1))
		mk "$dir" "$stamp$i" "$name-$i" 1 "$v"
	done
}

# --- a clear regression: 100,102,98,101,99 -> 90,91,89,92,90 -------------------------
mk_runs "$T/base" 20261125_10000 base 100 102 98 101 99
mk_runs "$T/slow" 20261125_11000 slow 90 91 89 92 90
nebtop_compare "$T/base" "$T/slow" --fail-on-regression 5
expect_rc 1 "throughput 10% lower in every run, --fail-on-regression 5"
grep -q '^Baseline: *5 runs (each figure is their median)' "$T/stdout" ||
	soft_fail "the header does not say 5 runs: $(head -3 "$T/stdout")"
grep -Eq '^Figure +Baseline +Optimized +Change +95% interval +Verdict$' "$T/stdout" ||
	soft_fail "no interval column: $(grep '^Figure' "$T/stdout")"
# medians 100 and 90; the interval as the exact bootstrap distribution of the
# medians puts it (worked out in Python below): -11.8% to -7.1%
grep -Eq '^throughput +100 records/s +90 records/s +-10\.0% +-11\.8% to -7\.1% +worse$' "$T/stdout" ||
	soft_fail "throughput row: $(grep '^throughput ' "$T/stdout")"
grep -q '^Regressions over 5%: throughput (-10.0%, 95% interval -11.8% to -7.1%)' "$T/stdout" ||
	soft_fail "regressions line: $(grep -A3 '^Regressions' "$T/stdout")"
grep -q '^Inconclusive' "$T/stdout" && soft_fail "a clear regression reported inconclusive: $(grep -A5 '^Inconclusive' "$T/stdout")"

nebtop_compare "$T/base" "$T/slow" --fail-on-regression 5 --json
expect_rc 1 "--json, a clear regression"
cp "$T/stdout" "$T/clear.json"
pycheck "a clear regression: JSON and the exact bootstrap interval" "$T/clear.json" <<'EOF'
import json, sys
from math import comb
from itertools import product
j = json.load(open(sys.argv[1]))
# The median of a resample of 5 values is its k-th smallest or less with
# probability P(Bin(5, k/5) >= 3): the exact bootstrap distribution of the
# change of medians, and its 2.5th and 97.5th percentiles.
def dist(x):
    s, out, prev = sorted(x), {}, 0.0
    for k in range(1, 6):
        c = sum(comb(5, i) * (k / 5) ** i * (1 - k / 5) ** (5 - i) for i in range(3, 6))
        out[s[k - 1]] = out.get(s[k - 1], 0) + c - prev
        prev = c
    return out
r = {}
for (a, pa), (b, pb) in product(dist([100, 102, 98, 101, 99]).items(), dist([90, 91, 89, 92, 90]).items()):
    v = (b / a - 1) * 100
    r[v] = r.get(v, 0) + pa * pb
cum, lo, hi = 0, None, None
for v in sorted(r):
    cum += r[v]
    if lo is None and cum >= 0.025:
        lo = v
    if hi is None and cum >= 0.975:
        hi = v
f = {x["name"]: x for x in j["figures"]}
try:
    t = f["throughput.records_per_sec"]
    assert t["baseline"] == 100 and t["optimized"] == 90, t
    assert abs(t["change_pct"] + 10) < 1e-9, t
    assert t["baseline_runs"] == 5 and t["optimized_runs"] == 5, t
    assert abs(t["interval_pct"][0] - lo) < 1e-6 and abs(t["interval_pct"][1] - hi) < 1e-6, (t["interval_pct"], lo, hi)
    assert t["verdict"] == "worse" and t["inconclusive"] is False and t["more_runs"] is None, t
    # every other figure is the same in every run: no spread, no change
    h = f["runtime.heap_live_bytes"]
    assert h["interval_pct"] == [0, 0] and h["verdict"] == "same", h
    assert j["regressions"] == ["throughput.records_per_sec", "throughput.bytes_per_sec"], j["regressions"]
    assert j["inconclusive"] == [], j["inconclusive"]
    assert j["interval_method"] == "bootstrap", j.get("interval_method")
    for side, n in (("baseline", 5), ("optimized", 5)):
        s = j[side]
        assert s["runs"] == n and len(s["files"]) == n and s["left_out"] == 0, s
        assert s["file"] == s["files"][-1] and s["file"].endswith("_100005.json" if side == "baseline" else "_110005.json"), s
except (AssertionError, KeyError) as e:
    sys.exit("%s: %r" % (sys.argv[1], e))
EOF

# --- a spread sample: 4% lower at the median, the interval spans 5% ------------------
mk_runs "$T/spread" 20261125_12000 spread 92 97 103 90 96
nebtop_compare "$T/base" "$T/spread" --fail-on-regression 5
expect_rc 0 "a change whose interval spans 5%"
grep -qx 'No regression over 5%' "$T/stdout" || soft_fail "no 'No regression over 5%' line: $(tail -5 "$T/stdout")"
grep -Eq '^  throughput \(-4\.0%, 95% interval -[0-9.]+% to \+[0-9.]+%\): inconclusive, [0-9]+ more runs a side would decide$' \
	"$T/stdout" || soft_fail "no inconclusive throughput line: $(sed -n '/^Inconclusive/,$p' "$T/stdout")"
nebtop_compare "$T/base" "$T/spread" --fail-on-regression 5 --json
expect_rc 0 "--json, inconclusive"
pycheck "inconclusive: JSON and the runs that would decide" "$T/stdout" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
f = {x["name"]: x for x in j["figures"]}
try:
    t = f["throughput.records_per_sec"]
    lo, hi = t["interval_pct"]
    assert t["baseline"] == 100 and t["optimized"] == 96 and abs(t["change_pct"] + 4) < 1e-9, t
    # throughput 5% lower is -5%: the interval must hold it
    assert lo < -5 < hi, t
    assert t["inconclusive"] is True and j["inconclusive"] == ["throughput.records_per_sec", "throughput.bytes_per_sec"], j["inconclusive"]
    assert j["regressions"] == [], j["regressions"]
    # the man page's rule: the part of the interval on the threshold's side
    # (-4 - lo) shrinks as sqrt(1/(5+k) + 1/(5+k)) over sqrt(1/5 + 1/5) until
    # it no longer reaches -5
    k = min(k for k in range(1, 1001) if -4 - (-4 - lo) * ((2 / (5 + k)) / (2 / 5)) ** 0.5 > -5)
    assert t["more_runs"] == k, (t["more_runs"], k)
except (AssertionError, KeyError, ValueError) as e:
    sys.exit("%s: %r" % (sys.argv[1], e))
EOF

# --- a baseline median above 0 whose resamples may have 0: the interval has no upper bound
i=0
for v in 0 0 5 5 5; do
	i=$((i + 1))
	mk "$T/zeros" "20261125_12500$i" "zeros-$i" 1 100 alloc=$v
done
nebtop_compare "$T/zeros" "$T/base" --fail-on-regression 5 --json
expect_rc 0 "allocator share 0,0,5,5,5 against 5 (the same median)"
same_text "[0.0, None] True" "$(metric "$T/stdout" '(lambda f: "%s %s" % (f["interval_pct"], f["inconclusive"]))({x["name"]: x for x in m["figures"]}["runtime.allocator_cpu_pct"])')" \
	"an interval without an upper bound"

# --- one run a side: as two files ----------------------------------------------------------
mk "$T/one_a" 20261125_130000 one-a 1 100
mk "$T/one_b" 20261125_140000 one-b 1 96
nebtop_compare "$T/one_a/metrics_20261125_130000.json" "$T/one_b/metrics_20261125_140000.json" --fail-on-regression 3 --json
expect_rc 1 "two files, throughput -4% with PCT 3"
cp "$T/stdout" "$T/files.json"
nebtop_compare "$T/one_a" "$T/one_b" --fail-on-regression 3 --json
expect_rc 1 "two one-run folders, throughput -4% with PCT 3 (single values: no interval)"
pycheck "one run a side = two files" "$T/files.json" "$T/stdout" <<'EOF'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
try:
    assert a["figures"] == b["figures"], "figures differ"
    assert a["regressions"] == b["regressions"] == ["throughput.records_per_sec", "throughput.bytes_per_sec"], b["regressions"]
    t = {x["name"]: x for x in b["figures"]}["throughput.records_per_sec"]
    assert t["interval_pct"] is None and t["baseline_runs"] == 1 and abs(t["change_pct"] + 4) < 1e-9, t
    assert b["baseline"]["runs"] == 1 and b["optimized"]["runs"] == 1, b["baseline"]
except (AssertionError, KeyError) as e:
    sys.exit("%r" % (e,))
EOF
nebtop_compare "$T/one_a" "$T/one_b"
grep -q '95% interval' "$T/stdout" && soft_fail "one run a side shows an interval column: $(grep '^Figure' "$T/stdout")"
grep -Eq '^throughput +100 records/s +96 records/s +-4\.0% +worse$' "$T/stdout" ||
	soft_fail "one run a side: throughput row $(grep '^throughput ' "$T/stdout")"

# one run against five: medians, judged as single values (no interval)
nebtop_compare "$T/one_a" "$T/slow" --json
expect_rc 0 "one run against five"
same_text "None 90.0 1 5" "$(metric "$T/stdout" '(lambda t: "%s %s %s %s" % (t["interval_pct"], t["optimized"], t["baseline_runs"], t["optimized_runs"]))({x["name"]: x for x in m["figures"]}["throughput.records_per_sec"])')" "one run against five"

# --- mid-run snapshots, a run without a final snapshot, older files -----------------------
# run r1: two snapshots while it ran (throughput 50, 60), then its final (100);
# r2: final 104; r3: a snapshot and no final one (killed): left out
mk "$T/mixed" 20261125_150001 r1 0 50
mk "$T/mixed" 20261125_150002 r1 0 60
mk "$T/mixed" 20261125_150003 r1 1 100
mk "$T/mixed" 20261125_150004 r2 0 70
mk "$T/mixed" 20261125_150005 r2 1 104
mk "$T/mixed" 20261125_150006 r3 0 40
nebtop_compare "$T/mixed" "$T/base" --json
expect_rc 0 "a folder with mid-run snapshots"
pycheck "each run's final snapshot" "$T/stdout" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
b = j["baseline"]
try:
    assert b["runs"] == 2 and b["left_out"] == 1, b
    assert [f.rsplit("/", 1)[1] for f in b["files"]] == ["metrics_20261125_150003.json", "metrics_20261125_150005.json"], b["files"]
    t = {x["name"]: x for x in j["figures"]}["throughput.records_per_sec"]
    assert t["baseline"] == 102 and t["baseline_runs"] == 2, t   # the median of 100 and 104
    assert t["interval_pct"] is not None, t
except (AssertionError, KeyError) as e:
    sys.exit("%s: %r" % (sys.argv[1], e))
EOF
nebtop_compare "$T/mixed" "$T/base"
grep -q '(1 run without a final snapshot left out' "$T/stdout" || soft_fail "no left-out note: $(head -5 "$T/stdout")"
grep -q 'under 5 runs a side: the intervals are narrower' "$T/stdout" ||
	soft_fail "two runs a side without the small-sample note: $(sed -n '/^---/,/^$/p' "$T/stdout" | tail -3)"

# --- a folder that also holds a run of another pipeline (the default -output
# is the same for every pipeline): it is left out and named, never mixed in
mk "$T/two" 20261125_160001 o1 1 100
mk "$T/two" 20261125_160002 o2 1 102
mk "$T/two" 20261125_160003 x1 1 30 name=lookup
mk "$T/two" 20261125_160004 o3 1 101
nebtop_compare "$T/two" "$T/base" --json
expect_rc 0 "a folder with two pipelines"
same_text "3 1" "$(metric "$T/stdout" '"%d %d" % (m["baseline"]["runs"], m["baseline"]["other_pipeline_runs"])')" \
	"runs of another pipeline left out"
nebtop_compare "$T/two" "$T/base"
grep -q '(1 run of another pipeline (lookup) left out' "$T/stdout" ||
	soft_fail "no note naming the other pipeline: $(head -6 "$T/stdout")"

# snapshots of an older nebtop (no run_id): the folder is one run, its latest snapshot
mk "$T/old" 20261125_160001 - 0 70
mk "$T/old" 20261125_160002 - 0 80
nebtop_compare "$T/old" "$T/base" --json
same_text "1 80.0" "$(metric "$T/stdout" '"%d %s" % (m["baseline"]["runs"], m["figures"][0]["baseline"])')" "older snapshots: one run, the latest"
# no run with a final snapshot: the latest snapshot, as before
mk "$T/live" 20261125_170001 live 0 70
mk "$T/live" 20261125_170002 live 0 75
nebtop_compare "$T/live" "$T/base"
expect_rc 0 "a folder of one running run"
grep -q 'no run in the folder has a final snapshot: its latest snapshot is taken' "$T/stdout" ||
	soft_fail "no note on the latest snapshot: $(head -4 "$T/stdout")"
grep -Eq '^throughput +75 records/s' "$T/stdout" || soft_fail "not the latest snapshot: $(grep '^throughput ' "$T/stdout")"
note "ok: samples, intervals, snapshots of one run"

# --- what changed ---------------------------------------------------------------------------
# baseline: parse busy 40%, p99 5 ms, CPU parse 800 + alloc 200 a run; optimized:
# parse busy 90%, p99 10 ms, parse 500 + alloc 500 + memcpy 100
for i in 1 2 3; do
	mk "$T/wc_a" "20261125_18000$i" "wa-$i" 1 100 busy=40 p99_ms=5 \
		folded="parse/main/parse_row:800;parse/main/malloc_loop/alloc:200"
	mk "$T/wc_b" "20261125_19000$i" "wb-$i" 1 100 busy=90 p99_ms=10 \
		folded="parse/main/parse_row:500;parse/main/malloc_loop/alloc:500;destination/main/memcpy:100"
done
nebtop_compare "$T/wc_a" "$T/wc_b"
expect_rc 0 "what changed"
grep -Eq '^  busy share: +stage parse busy 40\.0% -> 90\.0% \(\+50\.0 points\)$' "$T/stdout" ||
	soft_fail "busy share line: $(sed -n '/^What changed/,/^$/p' "$T/stdout")"
grep -Eq '^  latency: +stage parse p99 latency 5\.0ms -> 10\.0ms \(\+100\.0%\)$' "$T/stdout" ||
	soft_fail "latency line: $(sed -n '/^What changed/,/^$/p' "$T/stdout")"
grep -Eq '^ +\+25\.5 points +20\.0% -> +45\.5% +alloc$' "$T/stdout" ||
	soft_fail "alloc's growth: $(sed -n '/^What changed/,$p' "$T/stdout")"
nebtop_compare "$T/wc_a" "$T/wc_b" --json
pycheck "what changed: JSON against the folded files" "$T/stdout" "$T/wc_a" "$T/wc_b" <<'EOF'
import glob, json, sys
j = json.load(open(sys.argv[1]))
def flat(folder):
    # the leaf of each stack takes its samples (the first frame is the stage)
    out, total = {}, 0
    for p in glob.glob(folder + "/cpu_*.folded"):
        for line in open(p):
            stack, n = line.rsplit(" ", 1)
            out[stack.split(";")[-1]] = out.get(stack.split(";")[-1], 0) + int(n)
            total += int(n)
    return {k: 100.0 * v / total for k, v in out.items()}, total
a, ta = flat(sys.argv[2])
b, tb = flat(sys.argv[3])
grew = sorted(((b.get(k, 0) - a.get(k, 0), k) for k in set(a) | set(b) if b.get(k, 0) > a.get(k, 0)), reverse=True)
w = j["what_changed"]
try:
    fns = w["functions"]
    assert [x["function"] for x in fns] == [k for _, k in grew], (fns, grew)
    for x, (d, k) in zip(fns, grew):
        assert abs(x["change_points"] - d) < 1e-6 and abs(x["baseline_flat_pct"] - a.get(k, 0)) < 1e-6, (x, d)
    assert w["cpu_samples"]["baseline"] == ta and w["cpu_samples"]["optimized"] == tb, w["cpu_samples"]
    assert w["cpu_samples"]["baseline_profiles"] == 3, w["cpu_samples"]
    assert w["busy_share"] == {"stage": "parse", "baseline_pct": 40, "optimized_pct": 90, "change_points": 50}, w["busy_share"]
    l = w["latency"]
    assert (l["stage"], l["percentile"], l["baseline_us"], l["optimized_us"]) == ("parse", "p99", 5000, 10000), l
except (AssertionError, KeyError) as e:
    sys.exit("%s: %r" % (sys.argv[1], e))
EOF
# no profiles on one side: said so, no function list
nebtop_compare "$T/base" "$T/wc_b"
grep -q 'CPU profile: *no CPU samples (cpu_STAMP.folded) on the baseline side' "$T/stdout" ||
	soft_fail "no profile on the baseline side: $(sed -n '/^What changed/,$p' "$T/stdout")"
note "ok: what changed"

# --- (2) real runs: two runs into one folder, the first with a SIGUSR1 snapshot ----------
# start_bg ARGS...: nebtop ARGS... --headless in the background (PID, a
# watchdog), stderr in $T/bg.err; returns once it says it runs (its signal
# handling is set up by then). end_bg WHAT: waits for it; exit status 0.
start_bg() {
	"$NEBTOP" --headless "$@" >"$T/bg.out" 2>"$T/bg.err" &
	PID=$!
	watchdog "$PID"
	for _ in $(seq 300); do
		grep -q '^nebtop: running' "$T/bg.err" && return 0
		sleep 0.1
	done
	fail "nebtop $* did not start: $(head -c 2000 "$T/bg.err")"
}
end_bg() {
	local rc=0
	wait "$PID" || rc=$?
	wait "$WATCHDOG" 2>/dev/null
	[ "$rc" = 0 ] || fail "$1: exit status $rc: $(tail -c 2000 "$T/bg.err")"
}

start_bg -output "$T/runs" -source generate -source-config rows=20000,rate=10000,columns=3 -destination null
kill -USR1 "$PID"
end_bg "the first run"
grep -q '^nebtop: snapshot ' "$T/bg.err" || fail "no SIGUSR1 snapshot: $(tail -c 2000 "$T/bg.err")"
timeout -s KILL 120 "$NEBTOP" -output "$T/runs" --headless -source generate -source-config rows=5000,columns=3 \
	-destination null 2>"$T/bg2.err" || fail "the second run failed: $(tail -c 2000 "$T/bg2.err")"
[ "$(ls "$T"/runs/metrics_*.json | wc -l)" = 3 ] || fail "expected 3 snapshots: $(ls "$T/runs")"
nebtop_compare "$T/runs" "$T/runs" --json
expect_rc 0 "real runs"
pycheck "real runs: two runs, each by its final snapshot" "$T/stdout" <<'EOF'
import json, re, sys
j = json.load(open(sys.argv[1]))
try:
    b = j["baseline"]
    assert b["runs"] == 2 and b["left_out"] == 0, b
    finals = [json.load(open(f)) for f in b["files"]]
    assert all(m["final"] is True for m in finals), [m.get("final") for m in finals]
    assert finals[0]["run_id"] != finals[1]["run_id"], [m["run_id"] for m in finals]
    assert [m["records"]["in"] for m in finals] == [20000, 5000], [m["records"]["in"] for m in finals]
    import glob, os
    mid = [json.load(open(f)) for f in glob.glob(os.path.dirname(b["files"][0]) + "/metrics_*.json") if f not in b["files"]]
    assert len(mid) == 1 and mid[0]["final"] is False and mid[0]["run_id"] == finals[0]["run_id"], mid
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", finals[0]["started"]), finals[0]["started"]
    assert finals[0]["started"] < finals[1]["started"], (finals[0]["started"], finals[1]["started"])
except (AssertionError, KeyError) as e:
    sys.exit("%s: %r" % (sys.argv[1], e))
EOF
note "ok: real runs"

# --- the steady throughput: a run stopped (SIGSTOP) for a second of its 5 s
# or more keeps the rate of its other intervals, where the whole run's
# average falls
cat >"$T/paced.ini" <<'EOF'
[pipeline]
workers = 1
batch = 100
[source]
type = generate
rows = 80000
columns = 3
[stage.wait]
type = delay
us_per_batch = 5000
[destination]
type = null
EOF
start_bg -output "$T/paused" "$T/paced.ini"
sleep 0.5
kill -STOP "$PID"
sleep 1
kill -CONT "$PID"
end_bg "the paused run"
pycheck "the steady throughput of a paused run" "$(ls "$T"/paused/metrics_*.json)" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
t = m["throughput"]
try:
    # 800 batches of at least 5 ms: 4 s or more running, then stopped for 1 s:
    # the stopped intervals are the slowest fifth at most, and the steady
    # rate (the middle half) leaves them out: it is the rate while running,
    # records over (duration - 1 s), give or take the run's own unevenness,
    # and the whole run's rate falls by the stopped second
    d = m["duration_s"]
    running = m["records"]["in"] / (d - 1)
    assert "steady_records_per_sec" in t, t
    assert t["steady_records_per_sec"] > 0.85 * running, (t, d, running)
    assert t["records_per_sec"] < 0.92 * t["steady_records_per_sec"], (t, d)
except (AssertionError, KeyError) as e:
    sys.exit("%s: %r" % (sys.argv[1], e))
EOF
note "ok: steady throughput"
finish
