# prof_threads.sh: the threads profile (-types threads, the alias of
# goroutine) of a running pipeline (generate rows=0 rate=20000 ->
# [stage.clean] select -> csv with rate_limit=5000, -duration 0): SIGUSR1
# snapshots every 1.5 s until one shows a blocked sender (at most 5), then
# SIGINT. Every running snapshot's
# threads_TS.txt lists every thread nebtop started (source/read, clean/work1-4,
# destination/write, destination/encode1-4, nebtop/main, nebtop/sampler,
# nebtop/analyzer, nebtop/signals), each once, with a distinct tid, its role, its stage (the
# stage its name starts with), a state line, a "cpu:" line and a stack of
# function names (runner_thread_main in every pipeline thread,
# channel_send_batch in a blocked one, threads_write_dump in the dumping main
# thread); the count line ("N started by nebtop, A of them running; P in the
# process") matches the entries and the threads nebtop did not start; no
# "Leaks (certain)" section in a healthy run. The final snapshot lists the
# same threads, the pipeline's ended, and -types goroutine writes the same
# file.
. "$(dirname "$0")/lib.sh"

have_threads() { ls "$T"/prof/threads_*.txt >/dev/null 2>&1; }

ini_slow_destination "$T/slow.ini" 'rate = 20000'

# check_dump FILE LIVE WHAT: the checks of one threads file; LIVE = 1 when the
# pipeline runs (its threads are alive), 0 after it ended. Status 3 when the
# only thing missing is a thread blocked in channel_send_batch (a running
# pipeline that was not backpressured at that instant), 1 for anything else.
check_dump() {
	"$PYTHON3" - "$1" "$2" "$3" <<'EOF'

import re, sys
path, live, what = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
text = open(path, encoding="utf-8").read()
bad = []
lines = text.split("\n")
m = re.match(r"^nebtop threads: (\d+) started by nebtop, (\d+) of them running; (\d+) in the process$", lines[0])
if not m:
    sys.exit("%s: first line %r is not the count line" % (what, lines[0]))
started, running, in_process = map(int, m.groups())
if "Leaks (certain)" in text:
    bad.append("a 'Leaks (certain)' section in a healthy run")
# entries: "Thread NAME (tid N, ROLE[, stage STAGE])" and their indented lines
entries, cur, foreign, in_foreign = [], None, [], False
for ln in lines[1:]:
    h = re.match(r"^Thread (\S+) \(tid (\d+), ([a-z]+)(?:, stage (\S+))?\)$", ln)
    if h:
        cur = {"name": h.group(1), "tid": int(h.group(2)), "role": h.group(3), "stage": h.group(4), "lines": []}
        entries.append(cur)
        in_foreign = False
    elif ln == "Threads nebtop did not start:":
        cur, in_foreign = None, True
    elif in_foreign and ln.strip():
        f = re.match(r"^  tid (\d+) \((.*)\)$", ln)
        if f:
            foreign.append(int(f.group(1)))
        else:
            bad.append("not a 'tid N (name)' line among the threads nebtop did not start: %r" % ln)
    elif ln.startswith("Thread ") or (ln and not ln.startswith(" ") and not ln.startswith("Leaks")):
        bad.append("unexpected line %r" % ln)
    elif cur is not None and ln:
        cur["lines"].append(ln)
names = [e["name"] for e in entries]
stage_threads = {"source/read", "clean/work1", "clean/work2", "clean/work3", "clean/work4",
                 "destination/write", "destination/encode1", "destination/encode2", "destination/encode3",
                 "destination/encode4"}
service = {"nebtop/main", "nebtop/sampler", "nebtop/analyzer", "nebtop/signals"}
if len(names) != len(set(names)):
    bad.append("a thread listed twice: %s" % sorted(n for n in names if names.count(n) > 1))
if set(names) - service != stage_threads:
    bad.append("pipeline threads %s, expected %s" % (sorted(set(names) - service), sorted(stage_threads)))
if not service <= set(names):
    bad.append("service threads missing: %s" % sorted(service - set(names)))
if started != len(entries):
    bad.append("the count line says %d started by nebtop, %d are listed" % (started, len(entries)))
tids = [e["tid"] for e in entries]
if len(set(tids)) != len(tids) or min(tids) <= 0:
    bad.append("tids not distinct and positive: %s" % tids)
roles = {"read": "reader", "work": "worker", "write": "writer", "encode": "encoder"}
alive = 0
for e in entries:
    n, body = e["name"], "\n".join(e["lines"])
    states = [l for l in e["lines"] if l.startswith("  state:")]
    cpus = [l for l in e["lines"] if re.match(r"^  cpu: +\d+\.\d{3}s$", l)]
    if len(states) != 1 or len(cpus) != 1:
        bad.append("%s: %d state lines and %d cpu lines, expected 1 and 1" % (n, len(states), len(cpus)))
        continue
    ended = states[0].split(None, 1)[1] == "ended"
    alive += not ended
    if n in stage_threads:
        if e["stage"] != n.split("/")[0]:
            bad.append("%s: stage %r" % (n, e["stage"]))
        want = roles[re.sub(r"\d+$", "", n.split("/")[1])]
        if e["role"] != want:
            bad.append("%s: role %r, expected %r" % (n, e["role"], want))
        if ended == live:
            bad.append("%s: %s while the pipeline %s" % (n, states[0].strip(), "runs" if live else "has ended"))
    elif ended and (live or n not in ("nebtop/sampler", "nebtop/analyzer")):  # they stop before the final snapshot
        bad.append("%s: service thread %s" % (n, states[0].strip()))
    elif not ended and not states[0].startswith("  state:    alive (a service thread"):
        bad.append("%s: a service thread's state is %r, expected 'alive (a service thread...)'" % (n, states[0].strip()))
    frames = [l for l in e["lines"] if re.match(r"^    #\d+ ", l)]
    fns = [l.split()[1] for l in frames]
    if ended:
        if "  stack:" in e["lines"] or frames:
            bad.append("%s: a stack for an ended thread" % n)
        continue
    if "  stack:" not in e["lines"]:
        bad.append("%s: no stack (%s)" % (n, " | ".join(l.strip() for l in e["lines"] if "stack" in l)))
        continue
    if not frames or not any(re.match(r"^[A-Za-z_]\w*$", f) for f in fns):
        bad.append("%s: no function names in the stack: %s" % (n, frames[:4]))
    # (a TSan build: a thread caught inside the sanitizer's runtime, which
    # keeps no frame pointers, shows that one frame)
    if n in stage_threads and "runner_thread_main" not in fns and not (len(fns) == 1 and fns[0].startswith("__tsan_")):
        bad.append("%s: runner_thread_main not in the stack: %s" % (n, fns))
    e["fns"] = fns
if alive != running:
    bad.append("the count line says %d running, %d entries are not ended" % (running, alive))
if in_process != running + len(foreign):
    bad.append("the count line says %d in the process: %d running + %d not started by nebtop" % (in_process, running, len(foreign)))
main = [e for e in entries if e["name"] == "nebtop/main"]
if main and "threads_write_dump" not in main[0].get("fns", []):
    bad.append("nebtop/main's stack lacks threads_write_dump: %s" % main[0].get("fns"))
send = [] if not live or any("channel_send_batch" in e.get("fns", []) for e in entries) else [
    "no thread blocked in channel_send_batch; stacks: %s" %
    "; ".join("%s: %s" % (e["name"], " < ".join([f for f in e.get("fns", []) if not f.startswith("__")][:8])) for e in entries)]
for b in (bad + send)[:20]:
    print("%s: %s" % (what, b), file=sys.stderr)
sys.exit(1 if bad else 3 if send else 0)
EOF
}

start -types threads -duration 0 -batch 100 -buffer 500 "$T/slow.ini"
wait_until "start" grep -q running "$T/bg.err"
# The source makes rows four times faster than the destination may write
# them, so every channel fills within a fraction of a second and the threads
# upstream of the writer block in channel_send_batch. On a loaded machine the
# pipeline may not be backpressured yet at the first snapshot: up to 5
# SIGUSR1 snapshots, a second apart, until one shows a blocked sender.
D1=
for try in 1 2 3 4 5; do
	sleep 1.5
	before=$(ls "$T"/prof/threads_*.txt 2>/dev/null | wc -l)
	kill -USR1 "$PID"
	wait_until "SIGUSR1 threads file $try" eval '[ "$(ls "$T"/prof/threads_*.txt 2>/dev/null | wc -l)" -gt "$before" ]'
	kill -0 "$PID" 2>/dev/null || fail "nebtop ended after the SIGUSR1 snapshot"
	D=$(ls "$T"/prof/threads_*.txt | tail -n 1)
	rc=0
	check_dump "$D" 1 "running ($try)" || rc=$?
	[ -z "$D1" ] && D1=$D
	[ "$rc" = 0 ] && break
	[ "$rc" = 3 ] && [ "$try" -lt 5 ] && continue
	soft_fail "running ($try): threads file $D (see above)"
	break
done
NRUN=$try
kill -INT "$PID"
finish_bg "SIGINT"
[ "$(ls "$T"/prof/threads_*.txt | wc -l)" = $((NRUN + 1)) ] || fail "expected $((NRUN + 1)) threads files: $(ls "$T/prof")"
for f in "$T"/prof/*; do
	case ${f##*/} in
	threads_*.txt | report_*.txt | bottleneck_analysis_*.txt | metrics_*.json) ;;
	*) soft_fail "-types threads wrote ${f##*/}" ;;
	esac
done
M1=${D1/threads_/metrics_}
M1=${M1%.txt}.json
same_text running "$(metric "$M1" 'm["state"]')" "state in the SIGUSR1 snapshot"
same_text 10 "$(metric "$M1" 'sum(s["threads"] for s in m["stages"])')" "threads of the stages in the metrics"
D2=$(ls "$T"/prof/threads_*.txt | tail -n 1)
check_dump "$D2" 0 "final" || soft_fail "final: threads file $D2 (see above)"
same_text "$(grep '^Thread ' "$D1" | sort)" "$(grep '^Thread ' "$D2" | sort)" "threads of the final snapshot"
check_records "$(metrics_file)" "" "" 0 0
note "ok: -types threads"

# -types goroutine is the same profile
nebtop -types goroutine -source generate -source-config rows=5000 -destination null -duration 0
expect_rc 0 "-types goroutine"
ls "$T"/prof/threads_*.txt >/dev/null 2>&1 || soft_fail "-types goroutine wrote no threads file: $(ls "$T/prof")"
grep -q '^Thread source/read (tid [0-9]*, reader, stage source)$' "$T"/prof/threads_*.txt ||
	soft_fail "-types goroutine: no source/read in the threads file"
note "ok: -types goroutine"
finish
