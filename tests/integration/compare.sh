# compare.sh: nebtop compare. (1) Two hand-written metrics files: the text
# table names both files and shows the throughput change with its sign and
# verdict; --json has the changes computed from the inputs (throughput
# 1000 -> 1500 is +50.0, better), the derived figures (CPU per 1M records,
# allocations per record, error rate), stages in one run only, findings
# resolved, new and persisting, the primary bottlenecks; --fail-on-regression
# exits 0 or 1 as the figures say (a 0 -> some error rate is a regression
# under any PCT); a snapshot folder gives its latest metrics file (_N counts
# after no suffix, numerically); bad input and bad usage exit 2 naming the
# file or the option. (2) Real runs: a pipeline with a CPU-burning stage
# against the same pipeline without it: better throughput, exit 0 with
# --fail-on-regression 5 and 1 the other way round, and (when the metrics
# carry a bottleneck analysis) the burn stage's bottleneck is resolved.
. "$(dirname "$0")/lib.sh"

# base_edited NAME CODE: $T/NAME.json is $T/base.json after CODE (Python
# statements on its metrics, m)
base_edited() {
	"$PYTHON3" -c 'import json, sys
m = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(m, open(sys.argv[2], "w"))' "$T/base.json" "$T/$1.json" "$2" || fail "cannot write $1.json"
}

# usage_error WHAT TEXT...: the last compare exited 2 with "nebtop compare: "
# on stderr, naming each TEXT, and wrote nothing on stdout.
usage_error() {
	local what=$1
	shift
	expect_rc 2 "$what"
	stderr_has "nebtop compare: " "$what"
	for t in "$@"; do
		stderr_has "$t" "$what"
	done
	[ -s "$T/stdout" ] && soft_fail "$what: wrote on stdout: $(head -c 500 "$T/stdout")"
	return 0
}

# pycheck WHAT FILE <<'EOF' ... EOF: Python over j (FILE's JSON); an
# AssertionError is a soft failure.
pycheck() {
	"$PYTHON3" - "$2" "$1" >&2 || soft_fail "$1 (see above)"
}

# figcheck WHAT FILE: pycheck of the assertions on stdin (indented as in a
# try block) over the JSON of `nebtop compare --json` in FILE, as j, with its
# figures by name in f; an AssertionError or a KeyError fails the check.
figcheck() {
	{
		printf '%s\n' 'import json, sys' 'j = json.load(open(sys.argv[1]))' 'f = {x["name"]: x for x in j["figures"]}' 'try:'
		cat
		printf '%s\n' 'except (AssertionError, KeyError) as e:' '    sys.exit("%s: %r" % (sys.argv[2], e))'
	} >"$T/figcheck.py"
	"$PYTHON3" "$T/figcheck.py" "$2" "$1" >&2 || soft_fail "$1 (see above)"
}

# --- (1) hand-written metrics ----------------------------------------------------------
cat >"$T/base.json" <<'EOF'
{
  "nebtop_version": "0.1.0",
  "timestamp": "2026-11-25T10:00:00Z",
  "duration_s": 10.0,
  "state": "finished",
  "pipeline": {"name": "orders", "source": "csv", "destination": "json", "batch": 1000, "workers": 4, "buffer": 10000},
  "records": {"in": 10000, "out": 9900, "filtered": 0, "errors": 100, "dead_lettered": 0},
  "throughput": {"records_per_sec": 1000, "bytes_per_sec": 100000},
  "stages": [
    {"name": "source", "kind": "source", "latency_us": {"p50": 100, "p90": 200, "p99": 400, "p999": 500, "max": 600}},
    {"name": "parse", "kind": "transform", "latency_us": {"p50": 2000, "p90": 5000, "p99": 8000, "p999": 9000, "max": 9500}},
    {"name": "destination", "kind": "destination", "latency_us": {"p50": 50, "p90": 80, "p99": 100, "p999": 120, "max": 130}}
  ],
  "channels": [],
  "runtime": {"cpu_pct": 150.0, "rss_bytes": 90000000, "rss_peak_bytes": 100000000, "heap_live_bytes": 50000000,
              "alloc_bytes_per_sec": 1000000, "allocs_per_sec": 5000, "allocator_cpu_pct": 12.5, "threads": 7},
  "cpu_top": [],
  "bottlenecks": [
    {"type": "pipeline_bottleneck", "severity": "critical", "component": "parse", "stage": "parse",
     "description": "stage parse is busy 98% while source waits", "impact_pct": 80, "impact_of": "pipeline time",
     "suggestions": ["add workers"], "figures": {}},
    {"type": "allocator_pressure", "severity": "high", "component": "allocator", "description": "12.5% of CPU in malloc",
     "impact_pct": 12.5, "impact_of": "CPU samples", "suggestions": []},
    {"type": "channel_backpressure", "severity": "medium", "component": "source->parse", "description": "full",
     "impact_pct": 30, "impact_of": "send time", "suggestions": []}
  ],
  "primary_bottleneck": {"type": "pipeline_bottleneck", "severity": "critical", "component": "parse", "stage": "parse",
     "description": "stage parse is busy 98% while source waits", "impact_pct": 80, "impact_of": "pipeline time",
     "suggestions": ["add workers"], "figures": {}}
}
EOF
cat >"$T/opt.json" <<'EOF'
{
  "nebtop_version": "0.1.0",
  "timestamp": "2026-11-25T11:00:00Z",
  "duration_s": 10.0,
  "pipeline": {"name": "orders-v2", "source": "csv", "destination": "json"},
  "records": {"in": 15000, "out": 15000, "filtered": 0, "errors": 0, "dead_lettered": 0},
  "throughput": {"records_per_sec": 1500, "bytes_per_sec": 150000},
  "stages": [
    {"name": "source", "kind": "source", "latency_us": {"p50": 100, "p99": 400}},
    {"name": "parse", "kind": "transform", "latency_us": {"p50": 1000, "p99": 4000}},
    {"name": "enrich", "kind": "transform", "latency_us": {"p50": 10, "p99": 20}},
    {"name": "destination", "kind": "destination", "latency_us": {"p50": 50, "p99": 100}}
  ],
  "runtime": {"cpu_pct": 120.0, "cpu_seconds": 12.0, "rss_peak_bytes": 105000000, "heap_live_bytes": 40000000,
              "allocs_per_sec": 3000, "allocs_per_record": 2.0, "threads": 7},
  "bottlenecks": [
    {"type": "channel_backpressure", "severity": "low", "component": "source->parse", "description": "filling",
     "impact_pct": 10, "impact_of": "send time", "suggestions": []},
    {"type": "cpu_hotspot", "severity": "medium", "component": "json_encode", "stage": "destination",
     "description": "json_encode takes 40% of CPU", "impact_pct": 40, "impact_of": "CPU samples", "suggestions": []}
  ],
  "primary_bottleneck": null
}
EOF

nebtop_compare "$T/base.json" "$T/opt.json"
expect_rc 0 "compare two files"
grep -qF "$T/base.json" "$T/stdout" || soft_fail "the text output does not name the baseline file"
grep -qF "$T/opt.json" "$T/stdout" || soft_fail "the text output does not name the optimized file"
for p in 'pipeline orders, 2026-11-25T10:00:00Z, ran 10.00s' 'pipeline orders-v2, 2026-11-25T11:00:00Z, ran 10.00s'; do
	grep -qF "$p" "$T/stdout" || soft_fail "the text header lacks '$p': $(head -5 "$T/stdout")"
done
grep -Eq '^throughput +1,000 records/s +1,500 records/s +\+50\.0% +better$' "$T/stdout" ||
	soft_fail "no throughput row +50.0% better: $(grep throughput "$T/stdout")"
grep -Eq '^stage parse p99 latency +8\.0ms +4\.0ms +-50\.0% +better$' "$T/stdout" ||
	soft_fail "no parse p99 row -50.0% better: $(grep 'parse p99' "$T/stdout")"
grep -Eq '^stage enrich p50 latency +- +10\.0us +- +only in optimized$' "$T/stdout" ||
	soft_fail "no enrich row (only in optimized): $(grep enrich "$T/stdout")"
grep -Eq '^ +resolved +critical +pipeline_bottleneck +parse$' "$T/stdout" ||
	soft_fail "no resolved pipeline_bottleneck line: $(sed -n '/^Findings/,$p' "$T/stdout")"
grep -Eq '^ +persisting +medium -> low +channel_backpressure +source->parse$' "$T/stdout" ||
	soft_fail "no persisting channel_backpressure line: $(sed -n '/^Findings/,$p' "$T/stdout")"
grep -Eq '^ +new +medium +cpu_hotspot +json_encode$' "$T/stdout" ||
	soft_fail "no new cpu_hotspot line: $(sed -n '/^Findings/,$p' "$T/stdout")"
grep -q 'Regression' "$T/stdout" && soft_fail "a regressions line without --fail-on-regression"

nebtop_compare --json "$T/base.json" "$T/opt.json"
expect_rc 0 "--json"
cp "$T/stdout" "$T/forward.json"
pycheck "--json: figures and findings" "$T/forward.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
f = {x["name"]: x for x in j["figures"]}
def fig(name, change, verdict, better):
    x = f[name]
    assert x["verdict"] == verdict, (name, x)
    assert x["better"] == better, (name, x)
    if change is None:
        assert x["change_pct"] is None, (name, x)
    else:
        assert abs(x["change_pct"] - change) < 0.01, (name, x, change)
try:
    assert j["baseline"]["file"].endswith("/base.json") and j["optimized"]["file"].endswith("/opt.json"), j["baseline"]
    assert j["baseline"]["pipeline"] == "orders" and j["optimized"]["timestamp"] == "2026-11-25T11:00:00Z"
    fig("throughput.records_per_sec", 50.0, "better", "higher")
    fig("throughput.bytes_per_sec", 50.0, "better", "higher")
    fig("stage.parse.p50_us", -50.0, "better", "lower")
    fig("stage.parse.p99_us", -50.0, "better", "lower")
    fig("stage.source.p99_us", 0.0, "same", "lower")
    # 150% of a core over 10 s for 10,000 records vs 12 CPU-s for 15,000
    fig("cpu_seconds_per_million_records", (12.0 / 15000 - 1.5 * 10 / 10000) / (1.5 * 10 / 10000) * 100, "better", "lower")
    assert abs(f["cpu_seconds_per_million_records"]["baseline"] - 1500.0) < 1e-6, f["cpu_seconds_per_million_records"]
    # 5000 allocs/s at 1000 records/s = 5 per record, vs 2 given
    fig("runtime.allocs_per_record", -60.0, "better", "lower")
    fig("runtime.rss_peak_bytes", 5.0, "worse", "lower")
    fig("runtime.heap_live_bytes", -20.0, "better", "lower")
    fig("runtime.allocator_cpu_pct", None, "n/a", "lower")
    assert f["runtime.allocator_cpu_pct"]["optimized"] is None
    fig("error_rate_pct", -100.0, "better", "lower")
    fig("stage.enrich.p50_us", None, "n/a", "lower")
    assert f["stage.enrich.p50_us"]["only_in"] == "optimized" and f["stage.enrich.p50_us"]["baseline"] is None
    names = [x["name"] for x in j["figures"]]
    assert names.index("stage.parse.p99_us") < names.index("stage.enrich.p50_us") < names.index("stage.destination.p50_us"), names
    fd = j["findings"]
    key = lambda l: sorted((x["type"], x["component"]) for x in l)
    assert key(fd["resolved"]) == [("allocator_pressure", "allocator"), ("pipeline_bottleneck", "parse")], fd["resolved"]
    assert key(fd["new"]) == [("cpu_hotspot", "json_encode")], fd["new"]
    assert len(fd["persisting"]) == 1, fd["persisting"]
    p = fd["persisting"][0]
    assert (p["type"], p["component"], p["baseline_severity"], p["optimized_severity"]) == \
        ("channel_backpressure", "source->parse", "medium", "low"), p
    assert j["primary"]["baseline"]["type"] == "pipeline_bottleneck" and j["primary"]["optimized"] is None, j["primary"]
    assert j["fail_on_regression_pct"] is None, j["fail_on_regression_pct"]
    assert j["regressions"] == ["runtime.rss_peak_bytes"], j["regressions"]
except (AssertionError, KeyError) as e:
    sys.exit("%s: %r" % (sys.argv[2], e))
EOF

# -json (one dash) and options before the files work the same
nebtop_compare -json "$T/base.json" "$T/opt.json"
expect_rc 0 "-json"
cmp -s "$T/stdout" "$T/forward.json" || soft_fail "-json differs from --json"

# --fail-on-regression: peak RSS is 5% worse, everything else better or the same
nebtop_compare "$T/base.json" "$T/opt.json" --fail-on-regression 10
expect_rc 0 "--fail-on-regression 10, optimized better"
grep -qx 'No regression over 10%' "$T/stdout" || soft_fail "no 'No regression over 10%' line: $(tail -3 "$T/stdout")"
nebtop_compare "$T/base.json" "$T/opt.json" --fail-on-regression=2
expect_rc 1 "--fail-on-regression=2 (peak RSS +5%)"
grep -qx 'Regressions over 2%: peak RSS (+5.0%)' "$T/stdout" ||
	soft_fail "no regressions line for peak RSS: $(tail -3 "$T/stdout")"
nebtop_compare "$T/opt.json" "$T/base.json" --fail-on-regression 10
expect_rc 1 "--fail-on-regression 10, arguments swapped"
grep -q '^Regressions over 10%: throughput (-33.3%), ' "$T/stdout" ||
	soft_fail "swapped: no regressions line starting with throughput: $(tail -3 "$T/stdout")"
nebtop_compare "$T/opt.json" "$T/base.json" --fail-on-regression 1000 --json
expect_rc 1 "--fail-on-regression 1000, swapped (0 -> 1% errors is a regression under any PCT)"
figcheck "--json swapped" "$T/stdout" <<'EOF'
    e = f["error_rate_pct"]
    assert e["verdict"] == "new" and e["change_pct"] is None and e["baseline"] == 0 and e["optimized"] == 1.0, e
    assert j["regressions"] == ["error_rate_pct"], j["regressions"]
    assert j["fail_on_regression_pct"] == 1000, j["fail_on_regression_pct"]
    assert f["throughput.records_per_sec"]["verdict"] == "worse", f["throughput.records_per_sec"]
    assert abs(f["throughput.records_per_sec"]["change_pct"] + 100.0 / 3) < 0.01, f["throughput.records_per_sec"]
    assert f["stage.enrich.p99_us"]["only_in"] == "baseline", f["stage.enrich.p99_us"]
    fd = j["findings"]
    assert sorted(x["type"] for x in fd["resolved"]) == ["cpu_hotspot"], fd["resolved"]
    assert sorted(x["type"] for x in fd["new"]) == ["allocator_pressure", "pipeline_bottleneck"], fd["new"]
EOF
nebtop_compare "$T/base.json" "$T/base.json" --fail-on-regression 0
expect_rc 0 "a file against itself, --fail-on-regression 0"
grep -q ' better$\| worse$' "$T/stdout" && soft_fail "a file against itself: $(grep -e ' better$' -e ' worse$' "$T/stdout")"

# --- runs with other batch sizes: per-batch latency is shown, never judged
base_edited bigbatch '
m["pipeline"]["batch"] = 5000
for s in m["stages"]:
    s["latency_us"] = {k: v * 5 for k, v in s["latency_us"].items()}
m["throughput"]["records_per_sec"] *= 4'
nebtop_compare "$T/base.json" "$T/bigbatch.json" --fail-on-regression 5 --json
expect_rc 0 "batch 1000 -> 5000, latency x5, throughput x4"
figcheck "other batch sizes" "$T/stdout" <<'EOF'
    p = f["stage.parse.p99_us"]
    assert p["verdict"] == "n/a" and abs(p["change_pct"] - 400) < 0.01, p
    assert p["label"].endswith("(per batch: 1000 -> 5000 records)"), p
    assert f["throughput.records_per_sec"]["verdict"] == "better", f["throughput.records_per_sec"]
    assert j["regressions"] == [], j["regressions"]
EOF
nebtop_compare "$T/base.json" "$T/bigbatch.json"
grep -Eq '^stage parse p99 latency \(per batch: 1000 -> 5000 records\) +8\.0ms +40\.0ms +\+400\.0% +n/a$' "$T/stdout" ||
	soft_fail "no unjudged parse p99 row: $(grep 'parse p99' "$T/stdout")"

# --- latency within the histogram's resolution (12.5%) is the same; beyond it,
# worse; under 1 ms in both runs, worse but never a regression
base_edited slower '
for s in m["stages"]:
    f = {"source": 1.10, "parse": 1.20, "destination": 1.80}.get(s["name"], 1.0)
    s["latency_us"] = {k: v * f for k, v in s["latency_us"].items()}'
nebtop_compare "$T/base.json" "$T/slower.json" --fail-on-regression 5 --json
expect_rc 1 "source latency +10%, parse latency +20%, destination latency +80% (under 1 ms)"
figcheck "latency resolution" "$T/stdout" <<'EOF'
    s = f["stage.source.p50_us"]
    assert s["verdict"] == "same" and abs(s["change_pct"] - 10) < 0.01, s
    p = f["stage.parse.p50_us"]
    assert p["verdict"] == "worse" and abs(p["change_pct"] - 20) < 0.01, p
    d = f["stage.destination.p99_us"]  # 100us -> 180us: worse, but under 1 ms in both runs
    assert d["verdict"] == "worse" and abs(d["change_pct"] - 80) < 0.01, d
    assert j["regressions"] == ["stage.parse.p50_us", "stage.parse.p99_us"], j["regressions"]
EOF

# --- snapshot folders: the latest stamp, _N after no suffix, N numerically
mkdir -p "$T/snaps" "$T/snaps2"
"$PYTHON3" - "$T" <<'EOF' || fail "cannot make the snapshot folders"
import json, sys
t = sys.argv[1]
base = json.load(open(t + "/base.json"))
for folder, name in (("snaps", "metrics_20261125_101009.json"), ("snaps", "metrics_20261125_101010.json"),
                     ("snaps", "metrics_20261125_101010_2.json"), ("snaps2", "metrics_20261125_101010_2.json"),
                     ("snaps2", "metrics_20261125_101010_10.json"), ("snaps2", "metrics_20261125_101010.json")):
    base["pipeline"]["name"] = name
    json.dump(base, open("%s/%s/%s" % (t, folder, name), "w"))
EOF
echo '{' >"$T/snaps/metrics_20261125_101011.json.tmp"
echo '{' >"$T/snaps/metrics_latest.json"
nebtop_compare "$T/base.json" "$T/snaps" --json
expect_rc 0 "a snapshot folder"
same_text "metrics_20261125_101010_2.json" "$(metric "$T/stdout" 'm["optimized"]["pipeline"]')" "the latest snapshot of $T/snaps"
same_text "$T/snaps/metrics_20261125_101010_2.json" "$(metric "$T/stdout" 'm["optimized"]["file"]')" "the file of the latest snapshot"
nebtop_compare "$T/snaps2/" "$T/base.json" --json
expect_rc 0 "a snapshot folder with a trailing slash"
same_text "metrics_20261125_101010_10.json" "$(metric "$T/stdout" 'm["baseline"]["pipeline"]')" "_10 after _2 in $T/snaps2"

# --- errors: exit 2, a message naming what is wrong -------------------------------------
nebtop_compare "$T/nope.json" "$T/opt.json"
usage_error "a missing baseline" "$T/nope.json" "baseline"
nebtop_compare "$T/base.json" "$T/nope"
usage_error "a missing optimized path" "$T/nope" "optimized"
mkdir "$T/empty"
touch "$T/empty/report_20261125_101010.txt"
nebtop_compare "$T/base.json" "$T/empty"
usage_error "a folder without metrics files" "$T/empty" "no metrics_"
printf '{\n  "records": {"in": 1,}\n}\n' >"$T/bad.json"
nebtop_compare "$T/bad.json" "$T/opt.json"
usage_error "invalid JSON" "$T/bad.json" "line 2"
base_edited norecords 'del m["records"]'
nebtop_compare "$T/base.json" "$T/norecords.json"
usage_error "a file without records" "$T/norecords.json" '"records"'
base_edited badin 'm["records"]["in"]="many"'
nebtop_compare "$T/badin.json" "$T/base.json"
usage_error "records.in a string" "$T/badin.json" '"records.in"'
nebtop_compare "$T/base.json" "$T/opt.json" --fail-on-regression abc
usage_error "--fail-on-regression abc" "--fail-on-regression" "abc"
nebtop_compare "$T/base.json" "$T/opt.json" --fail-on-regression -5
usage_error "--fail-on-regression -5" "--fail-on-regression" "-5"
nebtop_compare "$T/base.json" "$T/opt.json" --fail-on-regression
usage_error "--fail-on-regression without a value" "--fail-on-regression"
nebtop_compare "$T/base.json"
usage_error "one argument" "two arguments"
nebtop_compare "$T/base.json" "$T/opt.json" "$T/opt.json"
usage_error "three arguments" "two arguments"
nebtop_compare "$T/base.json" "$T/opt.json" --bogus
usage_error "an unknown option" "--bogus"
nebtop_compare --help
expect_rc 0 "--help"
grep -q '^Usage: nebtop compare BASELINE OPTIMIZED' "$T/stdout" || soft_fail "--help: no usage line on stdout"
note "ok: hand-written metrics"

# --- (2) real runs: a CPU-burning stage, then the same pipeline without it -------------
ini_spin_pipeline "$T/slow.ini" 'columns = 4'
sed '/^\[stage.burn\]/,/^$/d' "$T/slow.ini" >"$T/fast.ini"
grep -q spin "$T/fast.ini" && fail "cannot make fast.ini"
nebtop -duration 3s -types cpu "$T/slow.ini"
expect_rc 0 "the slow run"
mv "$T/prof" "$T/base"
nebtop -duration 3s -types cpu "$T/fast.ini"
expect_rc 0 "the fast run"
mv "$T/prof" "$T/opt"

nebtop_compare "$T/base" "$T/opt" --json
expect_rc 0 "compare real runs"
cp "$T/stdout" "$T/real.json"
figcheck "real runs: throughput" "$T/real.json" <<'EOF'
    t = f["throughput.records_per_sec"]
    assert t["verdict"] == "better" and t["change_pct"] > 0, t
    assert f["stage.burn.p99_us"]["only_in"] == "baseline", f["stage.burn.p99_us"]
    assert f["cpu_seconds_per_million_records"]["verdict"] == "better", f["cpu_seconds_per_million_records"]
EOF

# Exit 0 with --fail-on-regression 5, unless the figures over 5% worse are
# only ones that the removed stage does not decide: the latencies of the
# stages both pipelines share and the memory and thread figures move by more
# than 5% between runs of the same pipeline on a loaded two-core machine
# (preemption, a faster run keeping more batches in flight). Throughput, CPU
# per record and the error rate must not regress.
nebtop_compare "$T/base" "$T/opt" --fail-on-regression 5 --json
if [ "$RC" = 1 ]; then
	noise=$("$PYTHON3" -c '
import json, re, sys
r = json.load(open(sys.argv[1]))["regressions"]
print(" ".join(r) if r and not any(re.match(r"^(throughput\.|cpu_seconds_per_million_records|error_rate_pct)", n) for n in r) else "")' "$T/stdout")
	if [ -n "$noise" ]; then
		note "real runs: the shared stages' latency moved by more than 5% between the runs ($noise): exit 1 accepted"
		RC=0
	fi
fi
expect_rc 0 "real runs, --fail-on-regression 5 (regressions: $(metric "$T/stdout" 'm["regressions"]' 2>/dev/null))"
nebtop_compare "$T/opt" "$T/base" --fail-on-regression 5
expect_rc 1 "real runs swapped, --fail-on-regression 5"
grep -q '^Regressions over 5%: throughput (-' "$T/stdout" ||
	soft_fail "real runs swapped: throughput is not a regression: $(tail -3 "$T/stdout")"

# The burn stage holds the slow pipeline back: its bottleneck is resolved.
B=$(ls "$T"/base/metrics_*.json)
if [ "$(metric "$B" '"bottlenecks" in m')" = False ]; then
	note "the metrics have no \"bottlenecks\" key (no analyzer in this version): the findings check is skipped"
else
	pycheck "real runs: the burn bottleneck resolved" "$T/real.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
base = json.load(open(j["baseline"]["file"]))
try:
    burn = [b for b in base["bottlenecks"] if b["type"] == "pipeline_bottleneck" and b["component"] == "burn"]
    assert burn, "no pipeline_bottleneck in burn among the baseline's findings: %r" % base["bottlenecks"]
    resolved = [(x["type"], x["component"]) for x in j["findings"]["resolved"]]
    assert ("pipeline_bottleneck", "burn") in resolved, "not resolved: %r" % resolved
except (AssertionError, KeyError) as e:
    sys.exit("%s: %r" % (sys.argv[2], e))
EOF
fi
note "ok: real runs"
finish
