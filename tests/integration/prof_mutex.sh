# prof_mutex.sh: the mutex profiler on a planted lock bottleneck (generate ->
# [stage.ledger] contend hold_us=20 with 8 workers -> null, -types mutex,
# -duration 3s). mutex_TS.prof opens with go tool pprof without a word on
# stderr; its sample types are contentions/count and delay/nanoseconds; -top
# shows contend_hold_lock (under nlock_lock) with a delay above 0 and most of
# the delay; every sample is labelled lock=NAME; -tags lists lock 'stage
# ledger: shared lock' and -tagfocus on it keeps contend_hold_lock;
# mutex_fraction sets the period. Only the asked profile is written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prof_lib.sh"

ini_lock_pipeline "$T/lock.ini" 'workers = 8'
LOCK='stage ledger: shared lock'

nebtop -types mutex -duration 3s "$T/lock.ini"
expect_rc 0 "-types mutex"
prof_final mutex
prof_only_files "-types mutex" 'mutex_*.prof' 'report_*.txt' 'bottleneck_analysis_*.txt' 'metrics_*.json'
check_records "$M" "" "" 0 0
same_text 8 "$(metric "$M" '[s for s in m["stages"] if s["name"] == "ledger"][0]["threads"]')" "threads of the ledger stage"

pprof "-top" "$T/top" -top "$PROF"
grep -q '^Type: delay$' "$T/top" || soft_fail "the default sample type is not delay: $(head -5 "$T/top")"
# the wait is in nlock_lock (the lock's wrapper) called by contend_hold_lock
# (when the compiler makes nlock_lock's last call a jump, its frame is gone and
# contend_hold_lock is the leaf)
first=$(first_flat "$T/top")
case $first in
nlock_lock | contend_hold_lock) ;;
*) soft_fail "the first function is '$first', expected nlock_lock or contend_hold_lock: $(head -15 "$T/top")" ;;
esac
grep -Eq ' contend_hold_lock$' "$T/top" || soft_fail "-top does not show contend_hold_lock: $(head -15 "$T/top")"
pprof "-raw" "$T/raw" -raw "$PROF"
same_text "['contentions/count', 'delay/nanoseconds']" "$(rawq "$T/raw" 'types')" "sample types of the mutex profile"
same_text 10 "$(rawq "$T/raw" 'period')" "period of the mutex profile (mutex_fraction, default 10)"
DELAY=$(rawq "$T/raw" 'sum(s["v"][1] for s in S if "contend_hold_lock" in s["fns"])')
COUNT=$(rawq "$T/raw" 'sum(s["v"][0] for s in S if "contend_hold_lock" in s["fns"])')
note "contend_hold_lock: $COUNT contentions, ${DELAY} ns of delay"
[ "$DELAY" -gt 0 ] || soft_fail "contend_hold_lock has no delay in the mutex profile"
[ "$(rawq "$T/raw" "$DELAY * 2 > sum(s['v'][1] for s in S)")" = True ] ||
	soft_fail "contend_hold_lock has less than half the delay of the mutex profile"
[ "$COUNT" -gt 0 ] || soft_fail "contend_hold_lock has no contentions in the mutex profile"
same_text "[]" "$(rawq "$T/raw" '[s["fns"][:3] for s in S if not s["labels"].get("lock")]')" "mutex samples without a lock label"
same_text "['$LOCK']" "$(rawq "$T/raw" 'sorted(set(s["labels"]["lock"] for s in S if "contend_hold_lock" in s["fns"]))')" \
	"lock labels of contend_hold_lock's samples"
pprof "-tags" "$T/tags" -tags "$PROF"
grep -q "^ *lock: Total" "$T/tags" || soft_fail "-tags has no lock label: $(head -20 "$T/tags")"
grep -qF "): $LOCK" "$T/tags" || soft_fail "-tags lacks lock '$LOCK': $(head -20 "$T/tags")"
pprof "-tagfocus" "$T/focus" -tagfocus="lock=^$LOCK\$" -top "$PROF"
[ "$(awk '$6 == "contend_hold_lock" && $4 != "0" {print "yes"}' "$T/focus")" = yes ] ||
	soft_fail "-tagfocus=lock=^$LOCK\$: no delay in contend_hold_lock: $(head -15 "$T/focus")"
grep -Eq ' (channel_send_batch|channel_recv_batch|channel_recv_batch_within)$' "$T/focus" &&
	soft_fail "-tagfocus=lock=^$LOCK\$ shows channel waits: $(head -15 "$T/focus")"
note "ok: -types mutex"

# mutex_fraction = 1: every contention is sampled
prof_rerun mutex "mutex_fraction = 1" "$T/lock.ini" -duration 1s
same_text 1 "$(rawq "$T/raw" 'period')" "period of the mutex profile with mutex_fraction = 1"
[ "$(rawq "$T/raw" 'sum(s["v"][1] for s in S if s["labels"].get("lock") == "'"$LOCK"'") > 0')" = True ] ||
	soft_fail "mutex_fraction = 1: no delay on '$LOCK'"
note "ok: mutex_fraction = 1"
finish
