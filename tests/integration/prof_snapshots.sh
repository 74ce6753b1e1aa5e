# prof_snapshots.sh: a short soak of the profilers and snapshots: -types all
# on generate (rows=0, rate=50000) -> [stage.burn] spin us_per_record=5 ->
# [stage.churn] alloc leak=false -> csv with rate_limit, -duration 0; a
# SIGUSR1 every 0.5 s for SOAK_SECONDS (default 8: about 16 snapshots), then
# SIGINT. Exit 0 with the output committed and records in = out + filtered +
# errors; one snapshot per signal plus the final one, with distinct stamps,
# each complete (metrics, report, cpu .prof and .folded, memory (not in
# sanitizer builds), block, mutex, threads), every .prof opening with go
# tool pprof -top without a word on stderr; records.in never goes back from
# one snapshot to the next; only the last is "finished". Normal build only:
# the process's RSS in the last snapshot is within 30% (or 16 MiB, whichever
# is larger) of the RSS in the 4th (nebtop's own memory does not grow with
# snapshots). SOAK_SECONDS=300 make check TESTS=... runs it for 5 minutes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prof_lib.sh"
SOAK_SECONDS=${SOAK_SECONDS:-8}
case $SOAK_SECONDS in
'' | *[!0-9]*) fail "SOAK_SECONDS must be a whole number of seconds, not '$SOAK_SECONDS'" ;;
esac
[ "$SOAK_SECONDS" -ge 2 ] || fail "SOAK_SECONDS must be 2 or more (4 snapshots at least)"

# the watchdog of start (lib.sh) grows with the soak
BG_LIMIT_S=$((SOAK_SECONDS + 120))

cat >"$T/soak.ini" <<EOF
[source]
type = generate
rows = 0
rate = 50000

[stage.burn]
type = spin
us_per_record = 5

[stage.churn]
type = alloc
bytes_per_record = 1KiB
leak = false

[destination]
type = csv
file_path = $T/out.csv
rate_limit = 20000
EOF

NSIG=$((SOAK_SECONDS * 2))
start -types all -duration 0 -batch 500 -buffer 2000 "$T/soak.ini"
wait_until "start" grep -q running "$T/bg.err"
for _ in $(seq "$NSIG"); do
	sleep 0.5
	kill -0 "$PID" 2>/dev/null || fail "nebtop ended during the soak: $(tail -c 2000 "$T/bg.err")"
	kill -USR1 "$PID"
done
# the last SIGUSR1's snapshot is written before the stop
have_all() { [ "$(grep -c '^nebtop: snapshot ' "$T/bg.err")" -ge "$NSIG" ]; }
wait_until "$NSIG SIGUSR1 snapshots" have_all
kill -INT "$PID"
rc=0
wait "$PID" || rc=$?
wait "$WATCHDOG" 2>/dev/null
[ "$rc" = 137 ] && fail "nebtop hung (killed by the watchdog)"
[ "$rc" = 0 ] || fail "exit status $rc, expected 0; stderr: $(tail -c 2000 "$T/bg.err")"
grep -E 'error:|warning' "$T/bg.err" && soft_fail "nebtop's stderr has an error line"
[ -f "$T/out.csv" ] || soft_fail "the output was not committed"
check_records "$(metrics_file)" "" "" 0 0

WANT="cpu:prof cpu:folded flame:svg block:prof mutex:prof threads:txt report:txt bottleneck_analysis:txt metrics:json"
if sanitized; then
	note "sanitizer build: no memory profile and no RSS check"
else
	WANT="$WANT memory:prof"
fi
"$PYTHON3" - "$T/prof" "$((NSIG + 1))" "$WANT" "$(sanitized && echo 1 || echo 0)" <<'EOF' || soft_fail "snapshots (see above)"
import json, os, re, sys
d, n, want, sanitized = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4] == "1"
bad = []
files = os.listdir(d)
stamps = set()
for f in files:
    m = re.match(r"^([a-z]+(?:_analysis)?)_(\d{8}_\d{6}(?:_\d+)?)\.([a-z]+)$", f)
    if not m:
        bad.append("a file that is no snapshot's: %s" % f)
    else:
        stamps.add(m.group(2))
def key(s):
    p = s.split("_")
    return (p[0], p[1], int(p[2]) if len(p) > 2 else 1)
stamps = sorted(stamps, key=key)
if len(stamps) != n:
    bad.append("%d snapshots (stamps), expected %d (one per SIGUSR1 and the final one)" % (len(stamps), n))
for s in stamps:
    for w in want:
        kind, ext = w.split(":")
        if "%s_%s.%s" % (kind, s, ext) not in files:
            bad.append("snapshot %s has no %s_%s.%s" % (s, kind, s, ext))
ins, rss = [], []
for i, s in enumerate(stamps):
    try:
        m = json.load(open(os.path.join(d, "metrics_%s.json" % s)))
    except Exception as e:
        bad.append("metrics_%s.json: %s" % (s, e))
        continue
    ins.append(m["records"]["in"])
    rss.append(m["runtime"]["rss_bytes"])
    state = m["state"]
    if state != ("finished" if i == len(stamps) - 1 else "running"):
        bad.append("snapshot %s (%d of %d): state %s" % (s, i + 1, len(stamps), state))
if any(b < a for a, b in zip(ins, ins[1:])):
    bad.append("records.in goes back between snapshots: %s" % ins)
print("records.in by snapshot: %s" % ins)
print("RSS by snapshot (MiB): %s" % [round(r / 1048576, 1) for r in rss])
if not sanitized and len(rss) >= 4:
    base, last = rss[3], rss[-1]
    allowed = max(0.3 * base, 16 << 20)
    if abs(last - base) > allowed:
        bad.append("RSS %.1f MiB in the last snapshot, %.1f MiB in the 4th: more than %.1f MiB apart"
                   % (last / 1048576, base / 1048576, allowed / 1048576))
for b in bad[:20]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
STAMPS=$(ls "$T"/prof/metrics_*.json | wc -l)
[ "$(grep -c '^nebtop: snapshot ' "$T/bg.err")" = "$NSIG" ] || soft_fail "$NSIG SIGUSR1 sent, $(grep -c '^nebtop: snapshot ' "$T/bg.err") snapshots reported"
nprof=0
for f in "$T"/prof/*.prof; do
	nprof=$((nprof + 1))
	pprof "${f##*/}" "$T/top" -top "$f"
done
note "ok: $STAMPS snapshots in ${SOAK_SECONDS}s, $nprof profiles open with go tool pprof"
finish
