# signals.sh: stopping and snapshotting a running pipeline (generate source,
# rows=0, rate=20000, -duration 0). SIGINT (csv output) and SIGTERM (json
# output): exit 0, output committed with every record counted out, final
# snapshot with records.in > 0 and in = out + filtered + errors. SIGUSR1: a
# snapshot appears while the run goes on. A second SIGINT a second after the
# first abandons the drain (exit 130, the .part named). -duration 1s ends a
# run by itself.
. "$(dirname "$0")/lib.sh"

nonempty() { [ -s "$1" ]; }
GEN="rows=0,rate=20000,columns=4,seed=3"

# check_stop WHAT OUTPUT HEADER_LINES REASON: after a graceful stop
check_stop() {
	local what=$1 out=$2 header=$3 reason=$4 m
	[ -e "$out" ] || fail "$what: $out not committed (no file; .part present: $([ -e "$out.part" ] && echo yes || echo no))"
	[ -e "$out.part" ] && fail "$what: $out.part left after a graceful stop"
	m=$(metrics_file)
	check_records "$m" "" "" 0 0
	[ "$(metric "$m" 'm["records"]["in"] > 0')" = True ] || fail "$what: records.in is 0"
	same_text "$reason" "$(metric "$m" 'm["stop_reason"]')" "$what: stop_reason"
	same_text finished "$(metric "$m" 'm["state"]')" "$what: state"
	# every record read is in the output, in order, without gaps
	"$PYTHON3" - "$out" "$header" "$(metric "$m" 'm["records"]["out"]')" "$what" <<'EOF' || fail "$what: output check (see above)"
import json, sys
path, header, out, what = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
lines = open(path, encoding="utf-8", newline="").read().split("\n")[header:-1]
if len(lines) != out:
    sys.exit("%s: %d records in the output, records.out = %d" % (what, len(lines), out))
ids = [json.loads(l)["col1"] if l.startswith("{") else l.split(",")[0] for l in lines]
if ids != [str(i) for i in range(1, out + 1)]:
    sys.exit("%s: col1 of the output is not 1..%d in order" % (what, out))
EOF
}

# --- SIGINT, csv output ------------------------------------------------------
start -source generate -source-config "$GEN" -destination csv -dest-config "file_path=$T/int.csv" -duration 0
wait_until "SIGINT run: output" nonempty "$T/int.csv.part"
sleep 0.5
kill -INT "$PID"
finish_bg "SIGINT"
check_stop SIGINT "$T/int.csv" 1 SIGINT
note "ok: SIGINT"

# --- SIGTERM, json output ------------------------------------------------------
start -source generate -source-config "$GEN" -destination json -dest-config "file_path=$T/term.json" -duration 0
wait_until "SIGTERM run: output" nonempty "$T/term.json.part"
sleep 0.5
kill -TERM "$PID"
finish_bg "SIGTERM"
check_stop SIGTERM "$T/term.json" 0 SIGTERM
note "ok: SIGTERM"

# --- SIGUSR1: a snapshot while running, then the run goes on -------------------
start -source generate -source-config "$GEN" -destination null -duration 0
wait_until "SIGUSR1 run: start" grep -q running "$T/bg.err"
sleep 0.3
kill -USR1 "$PID"
have_metrics() { ls "$T"/prof/metrics_*.json >/dev/null 2>&1; }
wait_until "SIGUSR1: a metrics snapshot" have_metrics
kill -0 "$PID" 2>/dev/null || fail "SIGUSR1: nebtop ended after the snapshot"
M1=$(ls "$T"/prof/metrics_*.json)
same_text running "$(metric "$M1" 'm["state"]')" "SIGUSR1: state in the snapshot"
IN1=$(metric "$M1" 'm["records"]["in"]')
sleep 0.5
kill -0 "$PID" 2>/dev/null || fail "SIGUSR1: nebtop ended after the snapshot"
kill -INT "$PID"
finish_bg "SIGUSR1 run"
[ "$(ls "$T"/prof/metrics_*.json | wc -l)" = 2 ] || fail "SIGUSR1 run: expected 2 metrics snapshots, found: $(ls "$T/prof")"
[ "$(ls "$T"/prof/report_*.txt | wc -l)" = 2 ] || fail "SIGUSR1 run: expected 2 reports, found: $(ls "$T/prof")"
M2=$(metrics_file)
[ "$M2" != "$M1" ] || fail "SIGUSR1 run: the final snapshot overwrote the SIGUSR1 one"
check_records "$M2" "" "" 0 0
[ "$(metric "$M2" "m['records']['in'] > $IN1")" = True ] || fail "SIGUSR1 run: no record read after the snapshot"
note "ok: SIGUSR1"

# --- a second SIGINT, a second or more after the first, abandons the drain --------
# (json paced to 200 records/s behind a 2,000-record channel: the drain
# lasts seconds on any machine): exit status 130, one message naming the
# records not written and the partial output left in OUT.part, OUT not
# written, no final snapshot
start -source generate -source-config "$GEN" -destination json \
	-dest-config "file_path=$T/ab.json,rate_limit=200" -buffer 2000 -batch 100 -duration 0
wait_until "abandon run: output" nonempty "$T/ab.json.part"
kill -INT "$PID"
wait_until "abandon run: draining" grep -q 'stopping: draining' "$T/bg.err"
# within a second the second signal is the same request: send it until it takes
for _ in $(seq 20); do
	kill -0 "$PID" 2>/dev/null || break
	sleep 1.2
	kill -INT "$PID" 2>/dev/null
done
RC=0
wait "$PID" || RC=$?
wait "$WATCHDOG" 2>/dev/null
[ "$RC" = 130 ] || fail "a second SIGINT: exit status $RC, expected 130; stderr: $(head -c 2000 "$T/bg.err")"
MSG=$(grep '^nebtop: abandoned by a second stop signal while draining: ' "$T/bg.err")
[ -n "$MSG" ] || fail "a second SIGINT: no 'abandoned by a second stop signal' message; stderr: $(cat "$T/bg.err")"
check_abandoned_output "a second SIGINT" "$MSG" "$T/ab.json"
note "ok: a second SIGINT abandons: $MSG"

# --- -duration 1s ends the run -------------------------------------------------------
nebtop -source generate -source-config "$GEN" -destination json -dest-config "file_path=$T/dur.json" -duration 1s
expect_rc 0 "-duration 1s"
check_stop "-duration 1s" "$T/dur.json" 0 "duration 1.00s"
note "ok: -duration 1s"
finish
