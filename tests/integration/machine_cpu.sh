# machine_cpu.sh: the runtime figures tell the whole machine's CPU from
# nebtop's own. (1) While busy loops of another process keep every core of
# the machine busy, a cheap pipeline (a paced generator into the null
# destination) reports the machine's cores mostly busy (runtime.
# machine_cpu_pct, from /proc/stat) while its own cpu_pct stays low, and the
# report's Runtime section says both. (2) Without that load, the machine's
# busy cores are never fewer than nebtop's own (nebtop runs on the machine);
# nothing more is asserted, as the machine is shared.
. "$(dirname "$0")/lib.sh"

CORES=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
[ "$CORES" -gt 16 ] && CORES=16
LOOPS=""
stop_loops() {
	for p in $LOOPS; do kill "$p" 2>/dev/null; done
	LOOPS=""
}
# shellcheck disable=SC2064
trap "stop_loops; rm -rf '$T'" EXIT

# check_figures FILE WANT_LOADED: the runtime figures of a metrics file.
check_figures() {
	"$PYTHON3" - "$1" "$CORES" "$2" <<'PY' || soft_fail "runtime figures of $1 (see above)"
import json, sys
m = json.load(open(sys.argv[1]))
rt = m["runtime"]
cores, loaded = int(sys.argv[2]), sys.argv[3] == "1"
bad = []
for k in ("machine_cpu_pct", "machine_busy_cores", "machine_cores"):
    if rt.get(k) is None:
        bad.append("runtime.%s missing" % k)
if not bad:
    own = rt["cpu_pct"] / 100
    print("own %.2f cores (cpu_pct %.1f), machine %.2f of %d cores (machine_cpu_pct %.1f)"
          % (own, rt["cpu_pct"], rt["machine_busy_cores"], rt["machine_cores"], rt["machine_cpu_pct"]))
    if rt["machine_cores"] != cores:
        bad.append("machine_cores %r, the machine has %d" % (rt["machine_cores"], cores))
    if not 0 <= rt["machine_cpu_pct"] <= 100:
        bad.append("machine_cpu_pct %r out of 0..100" % rt["machine_cpu_pct"])
    if abs(rt["machine_cpu_pct"] - 100 * rt["machine_busy_cores"] / rt["machine_cores"]) > 1e-6:
        bad.append("machine_cpu_pct is not machine_busy_cores over machine_cores")
    # /proc/stat counts in clock ticks: a twentieth of a core of slack
    if rt["machine_busy_cores"] < own - 0.05:
        bad.append("the machine (%.2f cores) busy less than nebtop alone (%.2f)" % (rt["machine_busy_cores"], own))
    if loaded:
        if rt["machine_cpu_pct"] < 60:
            bad.append("machine_cpu_pct %.1f with every core kept busy" % rt["machine_cpu_pct"])
        if rt["cpu_pct"] >= 50:
            bad.append("nebtop's own cpu_pct %.1f for a paced generator" % rt["cpu_pct"])
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# --- (1) every core kept busy by another process
for _ in $(seq "$CORES"); do
	sh -c 'while :; do :; done' &
	LOOPS="$LOOPS $!"
done
sleep 0.5
nebtop --headless -duration 3s -source generate -source-config rows=0,rate=2000 -destination null
stop_loops
expect_rc 0 "a paced generator on a loaded machine"
M=$(metrics_file)
check_figures "$M" 1
R=$(report_file)
grep -Eq "^  Machine CPU: +[0-9.]+ of $CORES cores busy \([0-9.]+%, every process; nebtop [0-9.]+\)" "$R" ||
	soft_fail "report: no Machine CPU line: $(sed -n '/^Runtime/,/^$/p' "$R")"
note "ok: a loaded machine"

# --- (2) no load of ours
nebtop --headless -duration 2s -source generate -source-config rows=0,rate=2000 -destination null
expect_rc 0 "a paced generator"
check_figures "$(metrics_file)" 0
note "ok: the machine's busy cores include nebtop's"
finish
