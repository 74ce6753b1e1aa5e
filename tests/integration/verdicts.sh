# verdicts.sh: the analyzer's verdicts on real pipelines of shapes its rules
# were not written around, one scenario per class of wrong verdict a user
# would act on. Each runs headless and checks the final snapshot's
# metrics_TS.json (and the analysis text where it says so):
#   keeps_up     generate at 3000/s -> two cheap stages -> json: the pipeline
#                keeps up (keeps_up, low, with its headroom), nothing above low
#   fifo         a CSV source reading a FIFO that a slow program writes: the
#                source is the limit waiting on its pipe, at most medium, with
#                advice about the program writing into it; no database or
#                disk advice
#   leak_paced   a leaking stage behind a destination at rate_limit = 5000:
#                the leak is primary, the configured pace is low, on every run
#   startup_fill generate (24 columns) -> cast -> json at rate_limit = 5000,
#                buffer 20000: the pool's batches, touched one after the
#                other at the destination's pace, grow to their working size
#                over the first 10 s and stop: no memory_growth
#   hot_elsewhere a CPU-hungry stage that is not the bottleneck (a sleeping
#                stage is): its hot function is low, or medium only when the
#                machine's cores are mostly busy, and then it says so; the
#                sleeping stage (4 workers, off the CPU) is given more
#                workers whatever the cores, with nebtop's and the machine's
#                use of them
#   channel_blame two cheap stages in front of a slow one: the full channels
#                name the slow stage as the cause, never the cheap ones
#   errors       30% of 60,000 CSV rows fail a cast: the errors finding is
#                primary and counts the failed records (not the 100 kept)
#   capped       generate at rate = 60000 -> a stage that does ~20,000/s:
#                no what-could-be figure passes the configured 60000
#   too_short    7 rows: one low too_short finding, nothing else
#   steady       a rate-limited run snapshotted every second: the primary
#                finding is the same in every snapshot after the first two
#   words        a CPU-bound bottleneck with as many workers as cores: its
#                workers "match" the cores, never "outnumber" them; the
#                hot function's pprof -list argument is an anchored regexp
# Timing never decides a check: the shapes are chosen so that each verdict
# holds on a loaded machine, and where the machine's load may change a
# severity (hot_elsewhere), the check reads the figure the finding carries.
. "$(dirname "$0")/lib.sh"

CORES=$(nproc 2>/dev/null || echo 2)

# check SCENARIO: the checks of one scenario over the newest metrics file
# (and its analysis), by check.py; a soft failure when one fails.
cat >"$T/check.py" <<'EOF'
import glob, json, os, re, sys
scen, prof, cores = sys.argv[1], sys.argv[2], int(sys.argv[3])
SEVS = ["low", "medium", "high", "critical"]
files = sorted(glob.glob(os.path.join(prof, "metrics_*.json")), key=os.path.getmtime)
if not files:
    print("%s: no metrics file in %s" % (scen, prof), file=sys.stderr)
    sys.exit(1)
# A sanitizer build has no malloc hooks: the growth rule watches the RSS,
# which rises with the sanitizer's own memory (ASan's quarantine of freed
# blocks, TSan's shadow). That growth is the build's, not the pipeline's:
# the checks look past it (a normal build watches the heap and never says
# "RSS grows").
def rss_growth(f):
    return f["type"] == "memory_growth" and f["description"].startswith("RSS ")
def verdicts(m):
    bn, pr = [f for f in m["bottlenecks"] if not rss_growth(f)], m["primary_bottleneck"]
    if pr and rss_growth(pr):
        pr = bn[0] if bn else None
    return bn, pr
m = json.load(open(files[-1]))
bn, pr = verdicts(m)
bad = []
rank = lambda f: SEVS.index(f["severity"])
show = lambda f: "null" if f is None else "%s/%s/%s: %s" % (f["type"], f["severity"], f["component"],
                                                           f["description"][:160])
above = [f for f in bn if rank(f) > 0]
def text(f):
    return " ".join([f["description"], f["impact_of"]] + f["suggestions"])
def of_type(t):
    return [f for f in bn if f["type"] == t]

if scen == "keeps_up":
    if not pr or pr["type"] != "keeps_up" or pr["severity"] != "low":
        bad.append("primary %s, expected keeps_up/low" % show(pr))
    elif "headroom" not in pr["figures"] and not re.search(r"under \d+% busy", pr["description"]):
        bad.append("keeps_up without its headroom: %s" % show(pr))
    if above:
        bad.append("findings above low: %s" % [show(f) for f in above])
elif scen == "fifo":
    if not pr or pr["type"] != "pipeline_bottleneck" or pr["component"] != "source":
        bad.append("primary %s, expected the source as the limit" % show(pr))
    else:
        if rank(pr) > 1:
            bad.append("the source waiting on its input is above medium: %s" % show(pr))
        if "waiting on its pipe" not in pr["description"]:
            bad.append("does not name the pipe: %s" % show(pr))
        if not any("program writing into the pipe" in s for s in pr["suggestions"]):
            bad.append("no advice about the program writing into the pipe: %s" % pr["suggestions"])
    # the advice about the source (a slow machine, a sanitizer's malloc,
    # may add an allocator finding whose advice names pprof's -sample_index)
    for f in bn:
        if f["component"] != "source" and f.get("stage") != "source":
            continue
        for w in ("index", "trigger", "constraint", "disk"):
            if w in " ".join(f["suggestions"]):
                bad.append("advice for a pipe mentions %r: %s" % (w, f["suggestions"]))
elif scen == "leak_paced":
    if not pr or pr["type"] != "memory_growth":
        bad.append("primary %s, expected memory_growth" % show(pr))
    for f in bn:
        if f["type"] == "pipeline_bottleneck" and f["component"] == "destination":
            if "configured rate_limit = 5000" not in f["description"]:
                bad.append("the paced destination does not say its rate_limit: %s" % show(f))
            if f["severity"] != "low":
                bad.append("a configured pace above low: %s" % show(f))
elif scen == "startup_fill":
    if of_type("memory_growth"):
        bad.append("start-up growth reported as a leak: %s" % [show(f) for f in of_type("memory_growth")])
elif scen == "hot_elsewhere":
    b = [f for f in of_type("pipeline_bottleneck") if f["component"] == "nap"]
    if not b:
        bad.append("no pipeline_bottleneck nap among %s" % [show(f) for f in bn])
    elif not any(s.startswith("Give stage nap more workers") and "wait off the CPU" in s and
                 "the whole machine" in s for s in b[0]["suggestions"]):
        # it sleeps: more workers overlap more sleeps whatever the cores,
        # and the advice shows nebtop's and the whole machine's use
        bad.append("the sleeping bottleneck is not given more workers: %s" % b[0]["suggestions"])
    hot = [f for f in of_type("cpu_hotspot") if f["component"] == "spin_burn_cpu"]
    for f in hot:
        busy = f["figures"].get("machine_busy_cores")
        if busy is None:
            bad.append("the hot function carries no machine_busy_cores figure: %s" % show(f))
            continue
        if rank(f) > 1:
            bad.append("a hot function outside the bottleneck above medium: %s" % show(f))
        elif f["severity"] == "medium" and "mostly busy" not in f["description"]:
            bad.append("medium without saying the machine is mostly busy: %s" % show(f))
        elif f["severity"] == "medium" and busy < 0.75 * cores:
            bad.append("medium while the machine is %.2f of %d cores busy: %s" % (busy, cores, show(f)))
        if "not the bottleneck" not in f["description"]:
            bad.append("does not say its stage is not the bottleneck: %s" % show(f))
elif scen == "channel_blame":
    if not pr or pr["component"] != "burn":
        bad.append("primary %s, expected burn" % show(pr))
    for f in of_type("channel_backpressure"):
        for s in f["suggestions"]:
            mt = re.match(r"Stage (\w+) drains this channel slower", s)
            if mt and mt.group(1) != "burn":
                bad.append("channel %s blames stage %s: %s" % (f["component"], mt.group(1), s))
        if f["stage"] != "burn":
            bad.append("channel %s names stage %r as its cause" % (f["component"], f["stage"]))
elif scen == "errors":
    if not pr or pr["type"] != "errors":
        bad.append("primary %s, expected errors" % show(pr))
    else:
        n = pr["figures"].get("errors", 0)
        if n < 1000:
            bad.append("the errors finding counts %r failed records, expected thousands: %s" % (n, show(pr)))
        if re.search(r"\(100\)", pr["description"]):
            bad.append("a reason counted as the 100 kept samples: %s" % show(pr))
elif scen == "capped":
    for f in bn:
        for mt in re.finditer(r"about ([\d,]+) records/s", text(f)):
            if int(mt.group(1).replace(",", "")) > 60000:
                bad.append("a figure past the configured rate = 60000: %s" % mt.group(0))
        sp = f["figures"].get("speedup")
        b = [g for g in bn if g["type"] == "pipeline_bottleneck"]
        rate = m["throughput"]["records_per_sec"]
        if sp is not None and rate > 0 and sp * rate > 60000 * 1.3:
            bad.append("speedup %.1fx at %.0f records/s passes the configured 60000" % (sp, rate))
elif scen == "too_short":
    if [f["type"] for f in bn] != ["too_short"] or bn[0]["severity"] != "low":
        bad.append("findings %s, expected one too_short/low" % [show(f) for f in bn])
    elif not re.match(r"Too short to judge: 7 records in ", bn[0]["description"]):
        bad.append("too_short says %r" % bn[0]["description"])
elif scen == "steady":
    prim = []
    for fp in files[2:]:
        p = verdicts(json.load(open(fp)))[1]
        prim.append((p["type"], p["component"]) if p else None)
    if len(set(prim)) > 1:
        bad.append("the primary changed on a steady run: %s" % prim)
elif scen == "words":
    if not pr or pr["component"] != "burn":
        bad.append("primary %s, expected burn" % show(pr))
    allt = " ".join(text(f) for f in bn)
    if re.search(r"(\d+) workers already outnumber the machine's \1 cores", allt):
        bad.append("N workers 'outnumber' N cores: %s" % allt)
    if "already match the machine's %d cores" % cores not in allt:
        bad.append("no 'already match the machine's %d cores': %s" % (cores, [f["suggestions"] for f in bn]))
    if "go tool pprof -list '^spin_burn_cpu$'" not in allt:
        bad.append("pprof -list argument not anchored: %s" % [s for f in bn for s in f["suggestions"] if "-list" in s])
else:
    bad.append("unknown scenario %s" % scen)
print("%s: primary %s" % (scen, show(pr)))
for b in bad:
    print("%s: %s" % (scen, b), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

check() {
	"$PYTHON3" "$T/check.py" "$1" "$T/prof" "$CORES" || soft_fail "$1: the verdict is wrong (see above)"
}

# ini NAME: $T/NAME.ini from stdin, after a [pipeline] section naming NAME
# (stdin may go on with more [pipeline] keys).
ini() { { printf '[pipeline]\nname = %s\n' "$1" && cat; } >"$T/$1.ini"; }

# the source of most scenarios (4 columns, until stopped), and a cheap stage
GENERATE4=$'[source]\ntype = generate\nrows = 0\ncolumns = 4'
CLEAN12=$'[stage.clean]\ntype = select\nfields = col1, col2'

# scenario NAME ARGS...: nebtop --headless ARGS $T/NAME.ini exits with 0, and
# the checks of NAME.
scenario() {
	local name=$1
	shift
	nebtop --headless "$@" "$T/$name.ini"
	expect_rc 0 "$name"
	check "$name"
}

# --- keeps_up
ini keeps_up <<EOF
[source]
type = generate
rows = 0
columns = 6
rate = 3000
[stage.clean]
type = select
fields = col1, col2, col3
$(ini_cast typed col1 int)
[destination]
type = json
file_path = $T/keeps_up.json
EOF
scenario keeps_up -duration 6s

# --- fifo: a program writes 20,000 CSV rows into a FIFO, 100 at a time
mkfifo "$T/in.fifo" || fail "mkfifo"
"$PYTHON3" -c '
import sys, time
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        f.write("%d,name%d,%d.5\n" % (i, i, i))
        if i % 100 == 99:
            f.flush()
            time.sleep(0.03)
' "$T/in.fifo" &
WRITER=$!
ini fifo <<EOF
[source]
type = csv
file_path = $T/in.fifo
has_header = false
$(ini_cast typed col1 int)
[destination]
type = json
file_path = $T/fifo.json
EOF
nebtop --headless "$T/fifo.ini"
wait "$WRITER"
expect_rc 0 "fifo"
check fifo

# --- leak_paced, twice: the leak is primary on every run
ini leak_paced <<EOF
$GENERATE4
[stage.hoard]
type = alloc
bytes_per_record = 600
leak = true
[destination]
type = null
rate_limit = 5000
EOF
if sanitized; then
	note "leak_paced: skipped (a sanitizer build has no malloc hooks: the heap is not counted)"
else
	for run in 1 2; do
		nebtop --headless -duration 9s "$T/leak_paced.ini"
		expect_rc 0 "leak_paced run $run"
		check leak_paced
	done
fi

# --- startup_fill
{
	echo 'buffer = 20000'
	ini_generated "$(ini_cast parse col1 int)" "type = json
file_path = $T/startup_fill.json
rate_limit = 5000" 'columns = 24'
} | ini startup_fill
if sanitized; then
	note "startup_fill: skipped (a sanitizer build has no malloc hooks: the heap is not counted)"
else
	scenario startup_fill -duration 10s
fi

# --- hot_elsewhere: burn spins, nap sleeps 20 ms a batch on one worker
ini hot_elsewhere <<EOF
batch = 500
$GENERATE4
[stage.burn]
type = spin
us_per_record = 3
[stage.nap]
type = delay
us_per_batch = 20000
[destination]
type = null
EOF
scenario hot_elsewhere -duration 7s -types cpu

# --- channel_blame: select and cast are cheap, burn is not (one worker)
ini channel_blame <<EOF
workers = 1
$GENERATE4
$CLEAN12
$(ini_cast typed col1 int)
[stage.burn]
type = spin
us_per_record = 25
[destination]
type = null
EOF
scenario channel_blame -duration 6s -types none

# --- errors: every third-or-so row has a non-numeric id
"$PYTHON3" -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,name\n")
    for i in range(60000):
        f.write("%s,n%d\n" % ("x%d" % i if i % 10 < 3 else str(i), i))
' "$T/errors.csv"
ini errors <<EOF
[source]
type = csv
file_path = $T/errors.csv
$(ini_cast typed id int)
[stage.slow]
type = delay
us_per_batch = 400000
[destination]
type = json
file_path = $T/errors.json
EOF
nebtop --headless -types none "$T/errors.ini"
[ "$RC" = 0 ] || [ "$RC" = 3 ] || fail "errors: exit status $RC: $(head -c 2000 "$T/stderr")"
check errors

# --- capped: the source's configured rate is 60000
ini capped <<EOF
workers = 1
$GENERATE4
rate = 60000
[stage.burn]
type = spin
us_per_record = 50
[destination]
type = null
EOF
scenario capped -duration 6s -types none

# --- too_short: 7 rows
printf 'a,b\n1,x\n2,y\n3,z\n4,w\n5,v\n6,u\n7,t\n' >"$T/seven.csv"
nebtop --headless -source csv -source-config "file_path=$T/seven.csv" -dest-config "file_path=$T/seven.json"
expect_rc 0 "too_short"
check too_short

# --- steady: a snapshot a second over 9 s of a rate-limited run
ini steady <<EOF
$GENERATE4
$CLEAN12
[destination]
type = null
rate_limit = 20000
EOF
rm -rf "$T/prof"
(cd "$T" && exec "$NEBTOP" --headless -duration 9s -types none -output "$T/prof" "$T/steady.ini") \
	>"$T/stdout" 2>"$T/stderr" &
PID=$!
watchdog "$PID"
for _ in 1 2 3 4 5 6 7 8; do
	sleep 1
	kill -USR1 "$PID" 2>/dev/null || true
done
RC=0
wait "$PID" || RC=$?
expect_rc 0 "steady"
check steady

# --- words: a CPU-bound bottleneck with as many workers as cores
ini words <<EOF
workers = $CORES
$GENERATE4
[stage.burn]
type = spin
us_per_record = 30
[destination]
type = null
EOF
scenario words -duration 6s -types cpu

finish
