# finished.sh: the screen of a run whose input ended agrees with the final
# snapshot written then. examples/csv_to_json.ini's data (7 orders, 2 bad
# rows, dead-lettered) ends in a few ms, before the analyzer's first
# second: the Alerts panel must show the final analysis (the CRITICAL
# error finding the report names as the primary bottleneck), not "No
# finding above its threshold."; and q on the finished run must not put a
# stop reason on it: the summary line says it ended at the end of its
# input, as the report ("State: finished") and the metrics (stop_reason
# null) do.
. "$(dirname "$0")/lib.sh"
need_utf8_locale

cat >"$T/orders.ini" <<EOF
[pipeline]
name = orders
duration = 0
on_error = dead_letter
dead_letter_path = $T/bad.jsonl

[source]
type = csv
file_path = $SRCDIR/examples/data/orders.csv

[stage.amounts]
type = cast
field = amount
to = float

[stage.paid]
type = filter
field = status
op = eq
value = paid

[destination]
type = json
file_path = $T/paid.json
EOF
TUI_W=120 TUI_H=40
tui_start "$T/orders.ini"
wait_running
wait_screen "the input ended: the run finished"
snapped() { ls "$T"/prof/report_*.txt >/dev/null 2>&1; }
wait_for "the final snapshot at the end of the input" snapped
REPORT=$(ls "$T"/prof/report_*.txt)
# the header counts the final snapshot
soft_wait_for "'snapshots 1' in the header after the final snapshot" header_has "snapshots 1"
# "Primary bottleneck: [CRITICAL] 28.6% of records failed (2 of 7 ...)"
PRIMARY=$(sed -n 's/^Primary bottleneck: \(\[[A-Z]*\] [^(]*\).*/\1/p' "$REPORT" | head -n 1 | sed 's/ *$//')
[ -n "$PRIMARY" ] || fail "no 'Primary bottleneck: [SEV] ...' line in $REPORT: $(cat "$REPORT")"
case $PRIMARY in
*"records failed"*) ;;
*) soft_fail "the report's primary bottleneck is not the failed records: $PRIMARY" ;;
esac
# the Alerts panel's first line: the same finding (the report's line up to
# its first parenthesis, which the panel's width leaves), after the gutter
# that marks the selected alert
first_alert() { screen | sed -n '/^Alerts (most severe first/{n;s/^[> ] //;p;q}'; }
alert_matches() {
	local a
	a=$(first_alert)
	a=${a%…}
	a=${a%% }
	# the panel shows the finding whole, or its beginning cut at a word
	[ -n "$a" ] && { [ "${a#"$PRIMARY"}" != "$a" ] || [ "${PRIMARY#"$a"}" != "$PRIMARY" ]; }
}
soft_wait_for "the Alerts panel to show the report's primary bottleneck '$PRIMARY'" alert_matches &&
	note "ok: the alerts of the finished run are the final snapshot's"
# a run of a few ms: its allocation rates would be start-up alone
on_screen "alloc rates: n/a in the first second (start-up)" ||
	soft_fail "the Memory panel of a run of a few ms shows allocation rates: $(screen | grep -A2 '^Memory')"
on_screen "No finding above its threshold." &&
	soft_fail "the finished run's Alerts panel says 'No finding above its threshold.' while the report has: $PRIMARY"

# --- q on the finished run: its own ending, not q ----------------------------------------
FAILS0=$FAILS
keys q
wait_exit "q on a finished run"
check_exit_restored "q on a finished run"
FINAL=$(final_stamp)
[ -s "$T/prof/metrics_$FINAL.json" ] || fail "no metrics_$FINAL.json"
same_text None "$(metric "$T/prof/metrics_$FINAL.json" 'm["stop_reason"]')" "stop_reason after q on a finished run"
grep -q '^State: *finished' "$T/prof/report_$FINAL.txt" || soft_fail "report_$FINAL.txt lacks 'State: finished'"
on_screen "stopped by the user (q)" &&
	soft_fail "the summary says 'stopped by the user (q)' for a run that had finished before q"
on_screen_re "nebtop: finished after [^:]*, at the end of the input: 7 in" ||
	{ show_screen "summary"; soft_fail "the summary line lacks 'finished after ..., at the end of the input: 7 in'"; }
[ "$FAILS" = "$FAILS0" ] && note "ok: q after the end of the input keeps the run's own ending"
finish
