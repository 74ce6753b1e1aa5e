# prof_cpu.sh: the CPU profiler on a pipeline with a planted CPU bottleneck
# (generate -> [stage.hot] spin -> [stage.light] filter -> null, -types cpu,
# -duration 3s). go tool pprof opens cpu_TS.prof without a word on stderr;
# spin_burn_cpu is the first flat function; -tagfocus=stage=^hot$ keeps it and
# stage=^light$ does not; -traces and -raw show thread labels hot/workN with
# the stage label of their stage; the .folded file has one "stage;root;...;leaf
# N" line per stack, adds up to the profile's samples, and holds spin_burn_cpu
# in the hot stage only; metrics cpu_top[0] and the report's "Top CPU functions"
# name spin_burn_cpu. With cpu_hz=1000 (above the kernel tick) the profile's CPU
# time is within 50% of the process CPU time the metrics report (samples are
# weighted by timer overruns, not undercounted).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prof_lib.sh"

{
	ini_hot_start
	cat <<'EOF'

[stage.light]
type = filter
field = col3
op = gt
value = 100

[destination]
type = null
EOF
} >"$T/p.ini"

# --- default cpu_hz ------------------------------------------------------------
nebtop -types cpu -duration 3s "$T/p.ini"
expect_rc 0 "-types cpu"
prof_final cpu
FOLDED=$T/prof/cpu_$STAMP.folded
[ -f "$FOLDED" ] || fail "no $FOLDED: $(ls "$T/prof")"
prof_only_files "-types cpu" 'cpu_*.prof' 'cpu_*.folded' 'flame_*.svg' 'report_*.txt' 'bottleneck_analysis_*.txt' 'metrics_*.json'

pprof "-top" "$T/top" -top "$PROF"
first=$(first_flat "$T/top")
[ "$first" = spin_burn_cpu ] || soft_fail "the first flat function is '$first', expected spin_burn_cpu: $(head -15 "$T/top")"
grep -q '^Type: cpu$' "$T/top" || soft_fail "pprof -top: the default sample type is not cpu: $(head -5 "$T/top")"

# -tagfocus by stage: the hot stage keeps spin_burn_cpu, the light stage does
# not show it (pprof may say on stderr that nothing matched)
go tool pprof -tagfocus='stage=^hot$' -top "$PROF" >"$T/hot" 2>"$T/hot.err" || soft_fail "pprof -tagfocus=stage=^hot$ failed: $(cat "$T/hot.err")"
[ "$(first_flat "$T/hot")" = spin_burn_cpu ] || soft_fail "-tagfocus=stage=^hot$: spin_burn_cpu is not first: $(head -15 "$T/hot")"
go tool pprof -tagfocus='stage=^light$' -top "$PROF" >"$T/light" 2>"$T/light.err" || soft_fail "pprof -tagfocus=stage=^light$ failed: $(cat "$T/light.err")"
grep -q spin_burn_cpu "$T/light" && soft_fail "-tagfocus=stage=^light$ shows spin_burn_cpu: $(head -15 "$T/light")"
grep -q 'Active filters' "$T/light" || soft_fail "-tagfocus=stage=^light$: no filter shown: $(head -15 "$T/light")"

# -traces: every trace of the hot stage runs on a thread hot/workN
pprof "-traces" "$T/traces" -traces "$PROF"
grep -Eq '^ +thread: +hot/work[0-9]+$' "$T/traces" || soft_fail "-traces shows no thread hot/workN: $(head -30 "$T/traces")"

# -raw: labels of every sample, and the two sample types agree
pprof "-raw" "$T/raw" -raw "$PROF"
same_text "['samples/count', 'cpu/nanoseconds']" "$(rawq "$T/raw" 'types')" "sample types of the CPU profile"
same_text 10000000 "$(rawq "$T/raw" 'period')" "period of the CPU profile at cpu_hz=100 (ns)"
same_text 0 "$(rawq "$T/raw" 'len([s for s in S if s["v"][1] != s["v"][0] * period])')" \
	"samples whose cpu/nanoseconds is not samples/count * period"
same_text 0 "$(rawq "$T/raw" 'len([s for s in S if not s["labels"].get("thread")])')" "samples without a thread label"
# a pipeline thread (STAGE/...) carries the stage label of its stage
same_text "[]" "$(rawq "$T/raw" 'sorted(set((s["labels"].get("thread"), s["labels"].get("stage")) for s in S
	if not s["labels"]["thread"].startswith("nebtop/") and s["labels"]["thread"].split("/")[0] != s["labels"].get("stage")))')" \
	"(thread, stage) labels that do not agree"
nostage=$(rawq "$T/raw" 'sorted(set(s["labels"]["thread"] for s in S if "stage" not in s["labels"]))')
[ "$nostage" = "[]" ] || note "samples without a stage label (service threads, outside any stage): $nostage"
HOT_WORKERS=$(rawq "$T/raw" 'sorted(set(s["labels"]["thread"] for s in S if s["labels"].get("stage") == "hot"))')
note "threads of the hot stage in the profile: $HOT_WORKERS"
[ "$(rawq "$T/raw" 'all(t.startswith("hot/work") for t in '"$HOT_WORKERS"') and len('"$HOT_WORKERS"') >= 1')" = True ] ||
	soft_fail "hot stage threads: $HOT_WORKERS"
SAMPLES=$(rawq "$T/raw" 'sum(s["v"][0] for s in S)')
[ "$SAMPLES" -gt 50 ] || soft_fail "only $SAMPLES CPU samples in a 3 s run with a spinning stage"

# the folded stacks
"$PYTHON3" - "$FOLDED" "$SAMPLES" <<'EOF' || soft_fail "folded stacks (see above)"
import re, sys
path, samples = sys.argv[1], int(sys.argv[2])
lines = open(path, encoding="utf-8").read().split("\n")
bad = []
if lines[-1] != "":
    bad.append("the file does not end with a line end")
lines = lines[:-1]
stacks, total, hot, hot_spin = set(), 0, 0, 0
for ln in lines:
    m = re.match(r"^([^; ]+)((?:;[^; ]+)+) (\d+)$", ln)
    if not m:
        bad.append("not 'stage;root;...;leaf N': %r" % ln)
        continue
    first, frames, n = m.group(1), m.group(2)[1:].split(";"), int(m.group(3))
    if first not in ("source", "hot", "light", "destination") and not first.startswith("nebtop/"):
        bad.append("the line starts with %r, not a stage name: %r" % (first, ln))
    if n <= 0:
        bad.append("count %d: %r" % (n, ln))
    if (first, tuple(frames)) in stacks:
        bad.append("stack twice: %r" % ln)
    stacks.add((first, tuple(frames)))
    total += n
    if first == "hot":
        hot += n
        if "spin_burn_cpu" in frames:
            hot_spin += n
    elif "spin_burn_cpu" in frames and not frames[-1].startswith(("__tsan_", "__asan_", "__ubsan_", "__sanitizer")):
        # (a sanitizer's runtime is built without frame pointers: above such
        # a leaf the walk may read any word of the stack, but a return
        # address in no mapping ends it, so this is rare even there)
        bad.append("spin_burn_cpu outside the hot stage: %r" % ln)
if total != samples:
    bad.append("the folded counts add up to %d, the profile has %d samples" % (total, samples))
if hot_spin * 2 <= hot:
    bad.append("the hot stage's lines hold spin_burn_cpu in %d of %d samples" % (hot_spin, hot))
for b in bad[:10]:
    print("folded:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

# metrics and report
same_text spin_burn_cpu "$(metric "$M" 'm["cpu_top"][0]["function"]')" "metrics cpu_top[0].function"
[ "$(metric "$M" '0 < m["cpu_top"][0]["flat_pct"] <= m["cpu_top"][0]["cum_pct"] <= 100')" = True ] ||
	soft_fail "metrics cpu_top[0]: $(metric "$M" 'm["cpu_top"][0]')"
R=$(report_file)
top1=$(sed -n '/^Top CPU functions/{n;p;q}' "$R" | awk '{print $NF}')
same_text spin_burn_cpu "$top1" "first function under 'Top CPU functions' in the report"
check_records "$M" "" "" "" 0
note "ok: -types cpu at 100 Hz ($SAMPLES samples)"

# --- cpu_hz = 1000: samples are weighted, not undercounted ---------------------
printf '\n[profile]\ncpu_hz = 1000\n' >>"$T/p.ini"
nebtop -types cpu -duration 3s "$T/p.ini"
expect_rc 0 "cpu_hz = 1000"
M=$(metrics_file)
PROF=$(ls "$T"/prof/cpu_*.prof 2>/dev/null | head -n 1)
[ -n "$PROF" ] || fail "cpu_hz = 1000: no CPU profile: $(ls "$T/prof")"
pprof "cpu_hz = 1000: -raw" "$T/raw" -raw "$PROF"
same_text 1000000 "$(rawq "$T/raw" 'period')" "period of the CPU profile at cpu_hz=1000 (ns)"
PROF_S=$(rawq "$T/raw" 'sum(s["v"][col("cpu")] for s in S) / 1e9')
PROC_S=$(metric "$M" 'm["runtime"]["cpu_pct"] * m["duration_s"] / 100')
note "cpu_hz=1000: the profile holds ${PROF_S}s of CPU, the process used ${PROC_S}s"
pprof "cpu_hz = 1000: -top" "$T/top" -top "$PROF"
grep -E '^Duration: .*Total samples = ' "$T/top" >/dev/null || soft_fail "cpu_hz = 1000: no 'Total samples' line: $(head -8 "$T/top")"
[ "$("$PYTHON3" -c "import sys; p, c = float(sys.argv[1]), float(sys.argv[2]); print(c > 0.5 and abs(p - c) <= 0.5 * c)" "$PROF_S" "$PROC_S")" = True ] ||
	soft_fail "cpu_hz = 1000: the profile's CPU time (${PROF_S}s) is not within 50% of the process CPU time (${PROC_S}s): $(grep 'Total samples' "$T/top")"
[ "$(first_flat "$T/top")" = spin_burn_cpu ] || soft_fail "cpu_hz = 1000: the first flat function is not spin_burn_cpu: $(head -15 "$T/top")"
note "ok: cpu_hz = 1000"
finish
