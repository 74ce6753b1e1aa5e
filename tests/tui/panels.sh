# panels.sh: the planted CPU bottleneck (generate -> score: spin 50 us/record
# -> null) on a 200x60 UTF-8 terminal: every panel title and the key bar are
# on screen, live figures move, the stage table lists source, score and
# destination, the analyzer's alert marks score as the bottleneck, and bars
# are drawn with UTF-8 blocks.
. "$(dirname "$0")/lib.sh"
need_utf8_locale

write_ini "$T/p.ini"
tui_start "$T/p.ini"
wait_running

# --- every panel, and the key bar ----------------------------------------------
TITLES=("Throughput" "Stages (up/down select" "Latency of stage source (per batch)" "Channels (" "Memory"
	"Alerts (most severe first" "Top functions (")
KEYBAR=(hHelp sSnapshot tTrace pPause qQuit)
# missing: what of the titles and the key bar (last row) the screen lacks
missing() {
	local s t
	s=$(screen)
	for t in "${TITLES[@]}"; do
		printf '%s\n' "$s" | grep -qF -- "$t" || echo "title '$t'"
	done
	for t in "${KEYBAR[@]}"; do
		printf '%s\n' "$s" | tail -n 1 | grep -qF -- "$t" || echo "key bar '$t'"
	done
	printf '%s\n' "$s" | head -n 1 | grep -q '^nebtop ' || echo "header 'nebtop ...'"
}
all_there() { [ -z "$(missing)" ]; }
if soft_wait_for "every panel title and the key bar" all_there; then
	note "ok: panel titles and key bar"
else
	soft_fail "missing: $(missing | tr '\n' ' ')"
fi

# --- the stage table: one row per stage, in order ---------------------------------
# a stage row: the selection and bottleneck marks, the name, then REC/S and BUSY %
stage_rows() {
	sed -n 's/^[>! ]\{1,3\}\([a-z][a-z_0-9]*\) \{1,\}[0-9,]\{1,\} \{1,\}[0-9.]\{1,\}%.*/\1/p' | tr '\n' ' '
}
three_rows() { [ "$(screen | stage_rows | wc -w)" -ge 3 ]; }
soft_wait_for "three stage rows" three_rows
S=$(screen)
STAGES=$(printf '%s\n' "$S" | stage_rows)
same_text "source score destination " "$STAGES" "the stage table's rows" && note "ok: stage table"
printf '%s\n' "$S" | grep -qE '^>.* source ' || soft_fail "the first stage (source) is not selected with '>' at the start"

# --- live figures move ---------------------------------------------------------
have_count() { [ -n "$(in_count)" ]; }
wait_for "the 'in N' record count" have_count
IN1=$(in_count)
H1=$(screen | head -n 1)
sleep 1.5
IN2=$(in_count)
H2=$(screen | head -n 1)
[ -n "$IN2" ] && [ "$IN2" -gt "$IN1" ] || { show_screen "live figures"; soft_fail "'in N' did not grow in 1.5 s: $IN1 then $IN2"; }
[ "$H1" != "$H2" ] || soft_fail "the header (elapsed time) did not change in 1.5 s: $H1"
note "ok: live figures ($IN1 -> $IN2 records in)"

# --- the analyzer names score the bottleneck ------------------------------------------
score_marked() { screen | grep -E '^.{1,3}score ' | grep -qF BOTTLENECK; }
alert_shown() { on_screen_re '^.*\[(CRITICAL|HIGH)\] '; }
soft_wait_for "score marked BOTTLENECK in the stage table" score_marked && note "ok: BOTTLENECK on score"
soft_wait_for "a [CRITICAL] or [HIGH] alert" alert_shown && {
	screen | grep -E '\[(CRITICAL|HIGH)\] ' | grep -qF score ||
		soft_fail "no [CRITICAL]/[HIGH] alert names the stage score: $(screen | grep -E '\[(CRITICAL|HIGH)\]')"
	note "ok: alert"
}
! on_screen "No finding above its threshold." || soft_fail "the alerts panel says no finding with a planted bottleneck"

# --- UTF-8 bars --------------------------------------------------------------------
on_screen "█" || { show_screen "UTF-8 bars"; soft_fail "no UTF-8 block (█) on a UTF-8 terminal"; }
note "ok: UTF-8 bars"

keys q
wait_exit "q"
check_exit_restored "q"
finish
