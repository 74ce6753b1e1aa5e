#!/usr/bin/env bash
# run_whatif_bench.sh: how close the what-if experiments' predictions come to
# the real thing (`make bench`). Each planted pipeline (generate -> load-test
# stages -> null) runs once with `-whatif STAGE` (its predictions for STAGE
# 1.5x and 2x faster), then for real: as it is (the baseline), and with
# STAGE's planted cost (spin's us_per_record, delay's us_per_batch, contend's
# hold_us) divided by 1.5 and by 2. Prints per pipeline and speed-up the
# baseline, the what-if run's own baseline (its 1.0x control periods), the
# prediction with its 95% interval, the real throughput and the error
# (pred - real) / real, the error of the predicted gain applied to the real
# baseline (which leaves out the drift between runs), and the capacity
# arithmetic's prediction (baseline * min(s, the bottleneck finding's speedup
# figure) when STAGE is the primary bottleneck of the baseline run, else the
# baseline: no gain) with its error; the cores that other processes kept busy
# meanwhile (a loaded machine makes the figures meaningless); then the goal
# line: every prediction within 10% of real. A real run's throughput: its
# records out between two snapshots taken while it runs (SIGUSR1 at 2 s and
# 1.5 s before its end) over the time between them; not the metrics' steady
# figure, which reads a pipeline whose batches come out in bursts low (the
# middle half, by rate, of 100 ms intervals that hold 3 or 4 bursts: 62,500/s
# for the sleeping stage's 66,000/s). Figures only: never fails on a timing,
# only when a run fails or its files are missing.
# About 6.5 minutes.
#
# Usage: run_whatif_bench.sh [CASE...]   (default: all; the names below)
# Environment: NEBTOP, WHATIF_S (seconds of each what-if run, 30), REAL_S
#              (seconds of each real run, 8), BENCH_DIR (tests/bench/out;
#              runs go to BENCH_DIR/whatif/CASE-KIND)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
WHATIF_S=${WHATIF_S:-30}
REAL_S=${REAL_S:-8}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_whatif_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP"
D=$BENCH_DIR/whatif
rm -rf "$D"
mkdir -p "$D"

# The cases: NAME|PIPELINE KEYS|TARGET|BASE|STAGES|DESTINATION KEYS|WHAT.
# Keys are "key=value" words; STAGES are "name:type:key=value" words; @T@ is
# the target's planted cost (BASE, or BASE / s in the real runs: BASE must be
# a multiple of 6). Cases with the same keys and stages share their baseline
# run. The lock is held long (120 us) so that halving it nearly halves the
# stage: the handoff of a contended mutex costs a few microseconds a record
# that no hold_us takes away (with 12 us, hold_us / 2 makes the stage only
# about 1.6x faster).
CASES=(
	"series_x|workers=1|x|30|x:spin:us_per_record=@T@ y:spin:us_per_record=18||CPU stages in series, x the bottleneck (2x: y limits)"
	"series_y|workers=1|y|18|x:spin:us_per_record=30 y:spin:us_per_record=@T@||the same, y not the bottleneck (no gain)"
	"shared|workers=1|a|12|a:spin:us_per_record=@T@ b:spin:us_per_record=9 c:spin:us_per_record=9||three spinning stages on the 2 cores"
	"lock|workers=4 batch=100|hot|120|hot:contend:hold_us=@T@||one lock held 120 us a record by 4 workers"
	"sleep|workers=2|nap|30000|nap:delay:us_per_batch=@T@||a stage sleeping 30 ms a batch, 2 workers"
	"ratelimit|workers=1|x|12|x:spin:us_per_record=@T@|rate_limit=50000|the destination capped at 50,000/s, under x's capacity (no gain)"
	"parallel|workers=2|x|12|x:spin:us_per_record=@T@||one spinning stage, 2 workers on the 2 cores"
)
if [ $# -gt 0 ]; then
	keep=()
	for c in "${CASES[@]}"; do
		for n in "$@"; do [ "${c%%|*}" = "$n" ] && keep+=("$c"); done
	done
	[ ${#keep[@]} -gt 0 ] || die "no case named $*"
	CASES=("${keep[@]}")
fi

keys() { local k; for k in $1; do printf '%s = %s\n' "${k%%=*}" "${k#*=}"; done; } # "k=v ..." as INI lines

# write_ini FILE SECONDS PIPELINEKEYS STAGES DESTKEYS COST
write_ini() {
	local w t k
	{
		printf '[pipeline]\nname = whatif_bench\nduration = %ss\n%s\n\n' "$2" "$(keys "$3")"
		printf '[source]\ntype = generate\nrows = 0\ncolumns = 4\n\n'
		for w in $4; do
			IFS=: read -r t k <<<"${w#*:}"
			printf '[stage.%s]\ntype = %s\n%s\n\n' "${w%%:*}" "$t" "$(keys "${k/@T@/$6}")"
		done
		printf '[destination]\ntype = null\n%s\n' "$(keys "$5")"
	} >"$1"
}

# run NAME SECONDS PIPELINEKEYS STAGES DESTKEYS COST [ARGS...]: one run into $D/NAME
run() {
	local name=$1 secs=$2 plkeys=$3 stages=$4 dest=$5 cost=$6
	shift 6
	write_ini "$D/$name.ini" "$secs" "$plkeys" "$stages" "$dest" "$cost"
	"$NEBTOP" -b -types none -output "$D/$name" "$@" "$D/$name.ini" >"$D/$name.out" 2>"$D/$name.err" ||
		die "the $name run failed (exit $?): $(tail -c 600 "$D/$name.err")"
	ls "$D/$name"/metrics_*.json >/dev/null 2>&1 || die "the $name run wrote no metrics"
}

# real NAME PIPELINEKEYS STAGES DESTKEYS COST: a run of REAL_S seconds with
# snapshots (SIGUSR1) at 2 s and 1.5 s before its end: the records out
# between the two over the time between them are its throughput
BG=""
trap '[ -z "$BG" ] || kill "$BG" 2>/dev/null || true' EXIT # a real run is not left behind
real() {
	local name=$1 pid rc=0
	write_ini "$D/$name.ini" "$REAL_S" "$2" "$3" "$4" "$5"
	"$NEBTOP" -b -types none -output "$D/$name" "$D/$name.ini" >"$D/$name.out" 2>"$D/$name.err" &
	pid=$!
	BG=$pid
	sleep 2
	kill -USR1 "$pid" 2>/dev/null || true
	sleep "$(awk -v s="$REAL_S" 'BEGIN {print (s > 5.5 ? s - 3.5 : 0.1)}')"
	kill -USR1 "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	BG=""
	[ "$rc" = 0 ] || die "the $name run failed (exit $rc): $(tail -c 600 "$D/$name.err")"
	ls "$D/$name"/metrics_*.json >/dev/null 2>&1 || die "the $name run wrote no metrics"
}

echo "what-if accuracy: machine $(nproc) cores, load before:$(uptime | sed 's/.*load average://')"
echo "  (what-if runs ${WHATIF_S}s, real runs ${REAL_S}s each, $D)"
declare -A based=()
table_args=()
for c in "${CASES[@]}"; do
	IFS='|' read -r name plkeys target base stages dest what <<<"$c"
	((base * 2 % 3 == 0 && base % 2 == 0)) || die "$name: $base is not a multiple of 6"
	echo "  $name: $what ..."
	run "$name-whatif" "$WHATIF_S" "$plkeys" "$stages" "$dest" "$base" -whatif "$target"
	# the baseline: the stages with no @T@ left, shared by the cases they match
	key=$plkeys/${stages//@T@/$base}/$dest
	if [ -z "${based[$key]:-}" ]; then
		real "$name-base" "$plkeys" "$stages" "$dest" "$base"
		based[$key]=$name-base
	fi
	real "$name-s1.5" "$plkeys" "$stages" "$dest" $((base * 2 / 3))
	real "$name-s2" "$plkeys" "$stages" "$dest" $((base / 2))
	table_args+=("$name" "$target" "${based[$key]}")
done
echo "  load after:$(uptime | sed 's/.*load average://')"

python3 - "$D" "${table_args[@]}" <<'PY'
import glob, json, re, sys

d, args = sys.argv[1], sys.argv[2:]


def snapshots(run):
    return [json.load(open(f)) for f in glob.glob("%s/%s/metrics_*.json" % (d, run))]


def metrics(run):
    """the final snapshot's metrics"""
    s = snapshots(run)
    return ([m for m in s if m.get("final")] or sorted(s, key=lambda m: m["duration_s"]))[-1]


def rate(run):
    """records out between the run's two snapshots taken while it ran, over the
    time between them; else the steady rate of the final snapshot"""
    mid = sorted((m for m in snapshots(run) if not m.get("final")), key=lambda m: m["duration_s"])
    if len(mid) >= 2 and mid[-1]["duration_s"] - mid[0]["duration_s"] >= 1:
        return (mid[-1]["records"]["out"] - mid[0]["records"]["out"]) / (mid[-1]["duration_s"] - mid[0]["duration_s"])
    t = metrics(run).get("throughput", {})
    return t.get("steady_records_per_sec") or t.get("records_per_sec")


def rounds(run, stage):
    """'N rounds in Ts (...)' of the report's What-if table, or '?'."""
    for f in sorted(glob.glob("%s/%s/report_*.txt" % (d, run)))[-1:]:
        for line in open(f):
            g = re.match(r"\s+%s: (\d+ rounds? in [0-9.]+s)([^;]*)" % re.escape(stage), line)
            if g:
                return g.group(1) + (" (cut short)" if "cut short" in g.group(2) else "")
    return "?"


def others(m):
    """the cores other processes kept busy during the run, on average"""
    r = m.get("runtime", {})
    return max(0.0, r.get("machine_busy_cores", 0) - r.get("cpu_pct", 0) / 100)


def err(pred, real):
    return 100 * (pred - real) / real if real > 0 else float("nan")


print()
print("%-10s %-4s %5s %9s %9s %25s %9s %7s %8s %9s %7s %6s"
      % ("pipeline", "stage", "s", "baseline", "wi-base", "predicted (95% interval)", "real",
         "err%", "gain-err", "capacity", "err%", "other"))
worst, worst_cap, worst_other, missing, notes = 0.0, 0.0, 0.0, 0, []
for i in range(0, len(args), 3):
    name, target, base_run = args[i:i + 3]
    b = metrics(base_run)
    base = rate(base_run)
    wm = metrics(name + "-whatif")
    pts = {round(p["speedup"], 2): p for p in wm.get("whatif") or [] if p.get("stage") == target}
    pb = b.get("primary_bottleneck") or ((b.get("bottlenecks") or [None])[0])
    primary = pb.get("stage") if pb else None
    capfig = (pb or {}).get("figures", {}).get("speedup")
    notes.append("%s: what-if %s; primary of the baseline run: %s%s" % (
        name, rounds(name + "-whatif", target),
        ("%s on %s" % (pb.get("type"), primary)) if pb else "none",
        (", its speedup figure %.2f" % capfig) if capfig else ""))
    for s, run in ((1.5, name + "-s1.5"), (2.0, name + "-s2")):
        rm = metrics(run)
        real = rate(run)
        busy = max(others(b), others(wm), others(rm))
        worst_other = max(worst_other, busy)
        if primary == target:
            cap = base * min(s, capfig) if capfig else base * s
        else:
            cap = base
        cerr = err(cap, real)
        worst_cap = max(worst_cap, abs(cerr))
        p = pts.get(s)
        if not p:
            missing += 1
            print("%-10s %-4s %4.1fx %9.0f %9s %25s %9.0f %7s %8s %9.0f %+6.1f%% %6.2f"
                  % (name, target, s, base, "-", "no prediction", real, "-", "-", cap, cerr, busy))
            continue
        pred, wb = p["records_per_sec"], p["baseline_records_per_sec"]
        e = err(pred, real)
        # the predicted gain applied to the real baseline: leaves out the
        # drift between the what-if run and the real runs
        ge = err(base * pred / wb, real) if wb > 0 else float("nan")
        worst = max(worst, abs(e))
        print("%-10s %-4s %4.1fx %9.0f %9.0f %8.0f [%6.0f, %6.0f] %9.0f %+6.1f%% %+7.1f%% %9.0f %+6.1f%% %6.2f"
              % (name, target, s, base, wb, pred, p["low"], p["high"], real, e, ge, cap, cerr, busy))
print()
for n in notes:
    print("  " + n)
print("  wi-base: the what-if run's control (1.0x) periods; gain-err: the predicted gain applied to the real baseline;")
print("  other: the most cores other processes kept busy in the runs of the row (above 0.2 the figures are unreliable)")
ok = not missing and worst <= 10
print("what-if predictions: worst error %.1f%%%s (goal: every prediction within 10%% of real): %s"
      % (worst, (", %d missing" % missing) if missing else "", "met" if ok else "NOT met"))
print("capacity arithmetic: worst error %.1f%%" % worst_cap)
if worst_other > 0.2:
    print("note: other processes kept up to %.2f cores busy during the runs: the machine was not quiet" % worst_other)
PY
