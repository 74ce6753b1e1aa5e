# keys.sh: the keys of the front end on the planted CPU bottleneck: s writes
# a complete snapshot, t a trace (trace_duration = 1s) that is valid JSON,
# p pauses and resumes the source, down/j/k/up and a mouse click move the
# selection (and the latency histogram's stage), f switches the top functions
# to the selected stage, + - r say what they did, Tab moves the focus, h and ?
# show the help and any key closes it, space freezes the display, q ends the
# run with status 0, the final snapshot and the terminal restored.
. "$(dirname "$0")/lib.sh"

write_ini "$T/p.ini"
tui_start "$T/p.ini"
wait_running

# status: the status line (row 2) now.
status() { screen | sed -n 2p; }
status_has() { status | grep -qF -- "$1"; }

# --- s: a snapshot, its files named on the status line ----------------------------
keys s
wait_for "the status line 'snapshot ...' after s" status_has "snapshot "
ST=$(status)
STAMP=$(printf '%s\n' "$ST" | sed -n 's/^snapshot \([0-9][0-9_]*\) in .*/\1/p')
[ -n "$STAMP" ] || { show_screen "s"; fail "s: no stamp on the status line: $ST"; }
printf '%s\n' "$ST" | grep -qF "$T/prof" || soft_fail "s: the status line does not name $T/prof: $ST"
# sanitizer builds (ASan, TSan) do not interpose malloc: no memory profile there
WANT_MEM="memory_$STAMP.prof"
grep -aq -e __asan_init -e __tsan_init "$NEBTOP" && WANT_MEM=
for f in "metrics_$STAMP.json" "report_$STAMP.txt" "bottleneck_analysis_$STAMP.txt" "cpu_$STAMP.prof" \
	"cpu_$STAMP.folded" "flame_$STAMP.svg" $WANT_MEM; do
	[ -s "$T/prof/$f" ] || soft_fail "s: no $f in $T/prof (found: $(ls "$T/prof" | tr '\n' ' '))"
done
for f in "$T"/prof/*; do
	case $f in
	*.json | *.txt | *.prof | *.folded | *.svg) ;;
	*) soft_fail "s: a file that is no snapshot file in $T/prof (a temporary file left?): ${f##*/}" ;;
	esac
done
[ -s "$T/prof/metrics_$STAMP.json" ] && {
	same_text running "$(metric "$T/prof/metrics_$STAMP.json" 'm["state"]')" "s: state in the snapshot"
	[ "$(metric "$T/prof/metrics_$STAMP.json" 'm["records"]["in"] > 0')" = True ] ||
		soft_fail "s: records.in is 0 in the snapshot"
}
[ -s "$T/prof/cpu_$STAMP.prof" ] && [ "$(head -c 2 "$T/prof/cpu_$STAMP.prof" | od -An -tx1 | tr -d ' ')" != 1f8b ] &&
	soft_fail "s: cpu_$STAMP.prof is not gzipped"
wait_for "'snapshots 1' in the header" header_has "snapshots 1"
note "ok: s (snapshot $STAMP)"

# --- t: a trace of trace_duration (1 s) ----------------------------------------------
keys t
wait_for "the status 'capturing a trace' after t" status_has "capturing a trace"
wait_for "the status 'trace written' after t" status_has "trace written: $T/prof/trace_"
TRACE=$(ls "$T"/prof/trace_*.json 2>/dev/null | head -n 1)
if [ -z "$TRACE" ]; then
	soft_fail "t: no trace_*.json in $T/prof after 'trace written'"
else
	status | grep -qF "$TRACE" || soft_fail "t: the status line does not name $TRACE: $(status)"
	"$PYTHON3" - "$TRACE" <<'PY' || soft_fail "t: $TRACE is not a Chrome trace (see above)"
import json, sys
t = json.load(open(sys.argv[1]))
ev = t if isinstance(t, list) else t.get("traceEvents")
if not isinstance(ev, list) or not ev:
    sys.exit("%s: no trace events" % sys.argv[1])
PY
	note "ok: t (${TRACE##*/})"
fi

# --- p: the source stops reading; p again: it goes on ----------------------------------------
keys p
wait_for "'paused' in the header after p" header_has "paused"
status_has "source paused" || soft_fail "p: the status line says '$(status)', expected 'source paused ...'"
sleep 1.5 # the batch in flight and one sampler round
IN1=$(in_count)
sleep 1
IN2=$(in_count)
[ -n "$IN1" ] && [ "$IN1" = "$IN2" ] || { show_screen "p"; soft_fail "p: 'in N' still moves while paused: $IN1 then $IN2"; }
keys p
wait_for "'source resumed' after p again" status_has "source resumed"
header_has "paused" && soft_fail "p again: the header still says paused"
grows() { [ "$(in_count)" -gt "$IN2" ] 2>/dev/null; }
soft_wait_for "'in N' growing again after p (was $IN2)" grows
note "ok: p ($IN1 = $IN2 while paused)"

# --- selection: down, j, k, up ---------------------------------------------------------
selected() { screen | grep -E '^>' | awk '{ print ($2 == "!" ? $3 : $2) }' | head -n 1; }
sel_is() { [ "$(selected)" = "$1" ]; }
wait_for "source selected (start)" sel_is source
keys Down
wait_for "'>' on score after Down" sel_is score
wait_screen "Latency of stage score (per batch)"
on_screen "Latency of stage source" && soft_fail "Down: the histogram still shows stage source"
keys j
wait_for "'>' on destination after j" sel_is destination
wait_screen "Latency of stage destination"
keys j
sleep 0.6 # one refresh: the selection stays on the last stage
sel_is destination || soft_fail "j on the last stage: '>' moved to '$(selected)'"
keys k
wait_for "'>' on score after k" sel_is score
keys Up
wait_for "'>' on source after Up" sel_is source
note "ok: selection (Down, j, k, Up)"

# --- a mouse click (X10 encoding, as tmux passes it on) selects the row clicked ----------------
# row: the screen row (0-based) of stage $1's table row
row() { screen | grep -nE "^[>! ]{1,3}$1 +[0-9,]+ " | head -n 1 | cut -d: -f1 | awk '{ print $1 - 1 }'; }
click() { # click Y X: a button-1 press and release at (Y, X), 0-based
	local y x
	y=$(printf '%02x' $(($1 + 33)))
	x=$(printf '%02x' $(($2 + 33)))
	tm send-keys -t t -H 1b 5b 4d 20 "$x" "$y" 1b 5b 4d 23 "$x" "$y" || fail "tmux send-keys -H (a mouse click)"
}
Y=$(row destination)
if [ -n "$Y" ]; then
	click "$Y" 6
	if soft_wait_for "'>' on destination after a click on its row (screen row $Y)" sel_is destination; then
		note "ok: mouse click"
		keys Up
		wait_for "'>' on score after Up" sel_is score
	fi
else
	soft_fail "no stage row for destination on the screen"
fi

# --- f: the top functions of the selected stage ------------------------------------------
wait_screen "Top functions (whole process"
keys f
wait_screen "Top functions (score"
keys f
wait_screen "Top functions (whole process"
note "ok: f"

# --- +, -, r: the status line says what they did --------------------------------------------
keys +
wait_for "'refresh every 250 ms' after +" status_has "refresh every 250 ms"
keys -
wait_for "'refresh every 500 ms' after -" status_has "refresh every 500 ms"
keys r
wait_for "'peaks and averages reset' after r" status_has "peaks and averages reset"
note "ok: +, -, r"

# --- Tab: the focus (a highlighted title) moves from Stages to Channels ----------------------------
# focused TITLE: TITLE is drawn with the focus highlight (reverse video, or
# black on yellow in colour) and no other title is
focused() {
	screen_esc | "$PYTHON3" -c '
import re, sys
titles = ("Stages (", "Channels (", "Alerts (", "Top functions (")
screen = sys.stdin.read()
hl = set()
for t in titles:
    i = screen.find(t)
    if i < 0:
        continue
    sgr = re.findall(r"\x1b\[([0-9;]*)m", screen[max(0, screen.rfind("\n", 0, i)):i])
    codes = set(";".join(sgr).split(";"))
    if "7" in codes or "43" in codes:
        hl.add(t)
sys.exit(0 if hl == {sys.argv[1]} else 1)
' "$1"
}
soft_wait_for "the focus on Stages at first" focused "Stages (" &&
	{ keys Tab; soft_wait_for "the focus on Channels after Tab" focused "Channels (" && note "ok: Tab"; }

# --- h: help; any key closes it ----------------------------------------------------------
keys h
wait_screen "nebtop keys"
on_screen "Throughput" && soft_fail "h: the panels are still drawn under the help"
keys x
closed() { ! on_screen "nebtop keys" && on_screen "Throughput"; }
wait_for "the help closed by x" closed
keys '?'
wait_screen "nebtop keys"
keys Escape
wait_for "the help closed by Escape" closed
note "ok: h"

# --- space: the display freezes, the pipeline goes on -------------------------------------
keys Space
wait_screen "display frozen"
header_has "display frozen" || soft_fail "space: the header does not say 'display frozen'"
IN1=$(in_count)
H1=$(screen | head -n 1)
sleep 1.2
IN2=$(in_count)
H2=$(screen | head -n 1)
[ "$IN1" = "$IN2" ] && [ "$H1" = "$H2" ] ||
	soft_fail "space: the frozen display changed: in $IN1 -> $IN2, header '$H1' -> '$H2'"
keys Space
wait_for "'display live' after space again" status_has "display live"
soft_wait_for "'in N' moving again after the thaw (was $IN2)" grows
note "ok: space"

# --- s into a folder that cannot be written: an alert, and the pipeline runs on -----------
mv "$T/prof" "$T/prof.kept"
: >"$T/prof" # a file where the folder was
keys s
wait_for "the failed snapshot among the alerts" on_screen "[HIGH] snapshot failed"
IN2=$(in_count)
soft_wait_for "'in N' growing after the failed snapshot (was $IN2)" grows
rm -f "$T/prof"
mv "$T/prof.kept" "$T/prof"
note "ok: a failed snapshot is an alert"

# --- q: the run ends, the terminal is restored ---------------------------------------------
keys q
wait_exit "q"
check_exit_restored "q"
FINAL=$(final_stamp)
[ -n "$FINAL" ] && [ "$FINAL" != "$STAMP" ] || soft_fail "q: final snapshot stamp '$FINAL' (the s snapshot was $STAMP)"
[ -s "$T/prof/metrics_$FINAL.json" ] && {
	same_text "the user (q)" "$(metric "$T/prof/metrics_$FINAL.json" 'm["stop_reason"]')" "q: stop_reason"
	check_records "$T/prof/metrics_$FINAL.json" "" "" 0 0
}
on_screen "stopped by the user (q)" || soft_fail "q: the summary line after the exit lacks 'stopped by the user (q)'"
note "ok: q"
finish
