# duration.sh: how a front-end run ends without q. -duration 3s ends it by
# itself: status 0, stop_reason "duration ...", the final snapshot and the
# terminal restored. A finite input (rows = 20000, json output) ends the
# pipeline but not the front end: the header says finished, the output is
# committed, the figures stay on screen, and F10 (as q) then exits with
# every record counted. A run that fails (on_error = fail) closes the screen
# and prints its error after it: exit status 1.
. "$(dirname "$0")/lib.sh"

# --- -duration 3s ----------------------------------------------------------------------
write_ini "$T/p.ini"
tui_start -duration 3s "$T/p.ini"
wait_running
wait_exit "-duration 3s"
check_exit_restored "-duration 3s"
FINAL=$(final_stamp)
if [ -s "$T/prof/metrics_$FINAL.json" ]; then
	M=$T/prof/metrics_$FINAL.json
	case $(metric "$M" 'm["stop_reason"]') in
	duration*) ;;
	*) soft_fail "-duration 3s: stop_reason '$(metric "$M" 'm["stop_reason"]')', expected 'duration ...'" ;;
	esac
	[ "$(metric "$M" 'm["duration_s"] >= 2.9')" = True ] ||
		soft_fail "-duration 3s: the run ended early: duration_s = $(metric "$M" 'm["duration_s"]')"
	check_records "$M" "" "" 0 0
else
	show_screen "-duration 3s"
	soft_fail "-duration 3s: no metrics_$FINAL.json for the final snapshot on the screen"
fi
note "ok: -duration 3s"

# --- a finite input: the pipeline ends, the front end stays until q ------------------------
rm -rf "$T/prof"
write_ini "$T/finite.ini"
sed -i 's/^rows = 0$/rows = 20000/; s/^us_per_record = 50$/us_per_record = 5/' "$T/finite.ini"
sed -i "s|^type = null\$|type = json\nfile_path = $T/out.json|" "$T/finite.ini"
grep -q "^file_path = $T/out.json" "$T/finite.ini" || fail "cannot write $T/finite.ini"
tui_start "$T/finite.ini"
wait_running
wait_for "'in 20,000' after the end of the input" on_screen " in 20,000 "
wait_for "'out 20,000' after the end of the input" on_screen " out 20,000 "
# the figures say the run is over: the header should say so too (a short
# wait: one refresh is enough)
finished() { screen | head -n 1 | grep -qE '\[(finished|done|ended)'; }
WAIT_S=5 soft_wait_for "'[finished' in the header once every record is out" finished &&
	note "ok: the header says finished"
has_ended && soft_fail "the end of the input ended the front end (it should wait for q)"
# the output is committed once the run is over, while the figures stay up
committed() { [ -f "$T/out.json" ] && [ ! -e "$T/out.json.part" ]; }
if WAIT_S=5 soft_wait_for "$T/out.json committed after the end of the input" committed; then
	[ "$(wc -l <"$T/out.json")" = 20000 ] || soft_fail "$T/out.json: $(wc -l <"$T/out.json") lines, expected 20000"
	note "ok: the output committed at the end of the input"
fi
on_screen "Throughput" || soft_fail "the panels are gone after the end of the input"
# the final snapshot describes the run, so it is written when the input
# ends, not when the user quits: it is there while the screen is up, and
# quitting writes no other
snapped() { ls "$T"/prof/metrics_*.json >/dev/null 2>&1; }
if WAIT_S=10 soft_wait_for "the final snapshot written at the end of the input" snapped; then
	EARLY=$(ls "$T"/prof/metrics_*.json)
	[ "$(echo "$EARLY" | wc -l)" = 1 ] || soft_fail "more than one snapshot at the end of the input: $EARLY"
	[ "$(metric "$EARLY" 'm["stop_reason"]')" = None ] ||
		soft_fail "the final snapshot's stop_reason: '$(metric "$EARLY" 'm["stop_reason"]')', expected none (the input ended)"
	[ "$(metric "$EARLY" 'm["state"]')" = finished ] ||
		soft_fail "the final snapshot's state: '$(metric "$EARLY" 'm["state"]')', expected finished"
fi
# F10 quits as q does
keys F10
WAIT_S=5 soft_wait_for "the exit after F10" has_ended || keys q
wait_exit "F10 after the end of the input"
check_exit_restored "F10 after the end of the input"
FINAL=$(final_stamp)
[ -s "$T/prof/metrics_$FINAL.json" ] && check_records "$T/prof/metrics_$FINAL.json" 20000 20000 0 0
[ "$T/prof/metrics_$FINAL.json" = "${EARLY:-}" ] ||
	soft_fail "the final snapshot named after quitting ($FINAL) is not the one written at the end of the input (${EARLY:-none})"
[ "$(ls "$T"/prof/metrics_*.json | wc -l)" = 1 ] || soft_fail "quitting wrote another snapshot: $(ls "$T"/prof)"
note "ok: the end of the input, then F10"

# --- a failed run is fatal: the screen closes, the message follows, exit 1 ----------------
printf 'id,name\n1,a\n2,b,extra\n3,c\n' >"$T/bad.csv"
cat >"$T/fail.ini" <<EOF
[pipeline]
on_error = fail

[source]
type = csv
file_path = $T/bad.csv

[destination]
type = json
file_path = $T/bad.json
EOF
tui_start "$T/fail.ini"
wait_exit "a failed run"
[ "$EXIT" = 1 ] || { show_screen "a failed run"; soft_fail "a failed run: exit status $EXIT, expected 1"; }
[ "$(alternate_on)" = 0 ] || { show_screen "a failed run"; soft_fail "a failed run: the alternate screen is still on"; }
wait_for "the failure's message after the screen closed" on_screen "nebtop: error: "
on_screen_re 'Quit *$' && { show_screen "a failed run"; soft_fail "a failed run: the panels are still on the screen"; }
note "ok: a failed run closes the screen and says why"
finish
