# prof_block.sh: the block profiler on a throttled destination (generate ->
# [stage.clean] select -> csv with rate_limit=5000, -types block, -duration
# 3s). block_TS.prof opens with go tool pprof without a word on stderr, with
# sample types contentions/count and delay/nanoseconds; every sample is
# labelled channel=NAME with a known name (a channel of the pipeline, the
# batch pool, or a stage-internal one such as destination/write); the channel
# before the destination, clean->destination, has a delay above 0, -tags
# lists it and -tagfocus on it shows channel_send_batch; block_rate sets the
# period. Only the asked profile is written; the output is committed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prof_lib.sh"

ini_slow_destination "$T/slow.ini"
CHAN='clean->destination'

# a small buffer and batch so that the drain after -duration is short
nebtop -types block -duration 3s -batch 100 -buffer 500 "$T/slow.ini"
expect_rc 0 "-types block"
prof_final block
prof_only_files "-types block" 'block_*.prof' 'report_*.txt' 'bottleneck_analysis_*.txt' 'metrics_*.json'
check_records "$M" "" "" 0 0
[ -f "$T/out.csv" ] || soft_fail "the output was not committed"

pprof "-top" "$T/top" -top "$PROF"
grep -q '^Type: delay$' "$T/top" || soft_fail "the default sample type is not delay: $(head -5 "$T/top")"
pprof "-raw" "$T/raw" -raw "$PROF"
same_text "['contentions/count', 'delay/nanoseconds']" "$(rawq "$T/raw" 'types')" "sample types of the block profile"
same_text 10000 "$(rawq "$T/raw" 'period')" "period of the block profile (block_rate, default 10us, in ns)"
same_text "[]" "$(rawq "$T/raw" '[s["fns"][:3] for s in S if not s["labels"].get("channel")]')" "block samples without a channel label"
KNOWN=$(metric "$M" '[c["name"] for c in m["channels"]]')
same_text "['source->clean', '$CHAN']" "$KNOWN" "channels of the pipeline"
LABELS=$(rawq "$T/raw" 'sorted(set(s["labels"].get("channel", "") for s in S))')
note "channel labels: $LABELS"
same_text "[]" "$(rawq "$T/raw" '[c for c in sorted(set(s["labels"].get("channel", "") for s in S)) if c not in '"$KNOWN"'
	and c != "batch pool" and not c.startswith(("source/", "clean/", "destination/"))]')" "unknown channel labels"
DELAY=$(rawq "$T/raw" 'sum(s["v"][1] for s in S if s["labels"].get("channel") == "'"$CHAN"'")')
note "$CHAN: ${DELAY} ns of delay"
[ "$DELAY" -gt 0 ] || soft_fail "no delay on channel $CHAN in the block profile"
[ "$(rawq "$T/raw" 'all("channel_send_batch" in s["fns"] or any(f.startswith("channel_recv_batch") for f in s["fns"]) for s in S if s["labels"].get("channel") == "'"$CHAN"'")')" = True ] ||
	soft_fail "a sample on $CHAN is neither in channel_send_batch nor in channel_recv_batch(_within)"
pprof "-tags" "$T/tags" -tags "$PROF"
grep -q "^ *channel: Total" "$T/tags" || soft_fail "-tags has no channel label: $(head -20 "$T/tags")"
grep -qF "): $CHAN" "$T/tags" || soft_fail "-tags lacks channel $CHAN: $(head -20 "$T/tags")"
pprof "-tagfocus" "$T/focus" -tagfocus="channel=^$CHAN\$" -top "$PROF"
[ "$(first_flat "$T/focus")" = channel_send_batch ] || soft_fail "-tagfocus=channel=^$CHAN\$: channel_send_batch is not first: $(head -15 "$T/focus")"
[ "$(metric "$M" '[c for c in m["channels"] if c["name"] == "'"$CHAN"'"][0]["send_blocked_pct"] > 0')" = True ] ||
	soft_fail "metrics: the senders of $CHAN were never blocked"
note "ok: -types block"

# block_rate = 1ms: the period follows
prof_rerun block "block_rate = 1ms" "$T/slow.ini" -duration 1s -batch 100 -buffer 500
same_text 1000000 "$(rawq "$T/raw" 'period')" "period of the block profile with block_rate = 1ms"
[ "$(rawq "$T/raw" 'sum(s["v"][1] for s in S if s["labels"].get("channel") == "'"$CHAN"'") > 0')" = True ] ||
	soft_fail "block_rate = 1ms: no delay on $CHAN"
note "ok: block_rate = 1ms"
finish
