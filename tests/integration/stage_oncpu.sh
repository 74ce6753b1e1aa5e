# stage_oncpu.sh: each stage's on-CPU share of its busy time. In one run, a
# `spin` stage (burns CPU for every record) and a `delay` stage (sleeps for
# every batch) are both busy, but the first is on a CPU, or ready and waiting
# for one on a busy machine, nearly all of its busy time, and the second
# hardly at all (stages[].oncpu_pct and cpu_wait_pct, and the report's "On
# CPU" line). The bounds are wide: the machine is shared, and on a loaded one
# a spinning thread spends most of its busy time waiting for a CPU.
. "$(dirname "$0")/lib.sh"

cat >"$T/p.ini" <<'EOF2'
[pipeline]
workers = 2

[source]
type = generate
rows = 0
rate = 2000

[stage.burn]
type = spin
us_per_record = 200

[stage.nap]
type = delay
us_per_batch = 50000

[destination]
type = null
EOF2
nebtop --headless -duration 4s "$T/p.ini"
expect_rc 0 "spin and delay"
M=$(metrics_file)
"$PYTHON3" - "$M" <<'PY' || soft_fail "on-CPU shares (see above)"
import json, sys
m = json.load(open(sys.argv[1]))
st = {s["name"]: s for s in m["stages"]}
bad = []
for name in ("burn", "nap"):
    s = st[name]
    print("%s: busy %.1f%%, on CPU %r%%, waiting for a CPU %r%%" % (name, s["busy_pct"], s.get("oncpu_pct"), s.get("cpu_wait_pct")))
    if s.get("oncpu_pct") is None:
        bad.append("%s: no oncpu_pct" % name)
    elif not 0 <= s["oncpu_pct"] <= 100:
        bad.append("%s: oncpu_pct %r out of 0..100" % (name, s["oncpu_pct"]))
    if "cpu_wait_pct" not in s:
        bad.append("%s: no cpu_wait_pct key" % name)
if not bad:
    burn, nap = st["burn"], st["nap"]
    wait = burn["cpu_wait_pct"]
    if wait is not None:
        # runnable all its busy time: on a CPU or, on a busy machine, in the run queue
        if burn["oncpu_pct"] + wait < 80:
            bad.append("burn: on CPU %.1f%% + waiting for a CPU %.1f%% < 80%%" % (burn["oncpu_pct"], wait))
        if burn["oncpu_pct"] <= 0:
            bad.append("burn: never on a CPU")
    elif burn["oncpu_pct"] < 10:
        # no run-queue figure from this kernel: a loaded machine keeps a spinning thread waiting
        bad.append("burn: on CPU %.1f%%" % burn["oncpu_pct"])
    if nap["oncpu_pct"] > 20:
        bad.append("nap (sleeps while busy): on CPU %.1f%%" % nap["oncpu_pct"])
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
R=$(report_file)
for name in burn nap; do
	sed -n "/^Stage $name /,/^\$/p" "$R" | grep -Eq '^  On CPU: +[0-9.]+% of its busy time' ||
		soft_fail "report: no On CPU line for $name: $(sed -n "/^Stage $name /,/^\$/p" "$R")"
done
note "ok: spin on a CPU, delay off it"
finish
