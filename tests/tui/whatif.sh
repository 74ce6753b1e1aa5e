# whatif.sh: the w key on a planted pipeline (generate -> x: spin 3
# us/record -> y: spin 1 us/record -> null, one worker each): with x
# selected in the Stages, w asks for what-if experiments on x and the
# status line says what they do; the block under x's latency histogram
# then shows the control and each speed-up with a bar and a gain, up to
# the 2x row, and what they tell ("making x 2x faster would gain ...");
# w again while they run says so, and when they end the status line gives
# their answer; the block follows the selection (none
# for y, back for x); the help lists w. Attached (`nebtop attach` to a
# headless nebtop -whatif x), the screen shows the remote's block for x,
# offers no w and says where it is asked for. On a run whose input ended,
# w says why it asks for nothing. No figure is checked: only that the
# block appears (waits are hang guards, never timing assertions).
. "$(dirname "$0")/lib.sh"
need_utf8_locale
command -v curl >/dev/null || { echo "SKIP: no curl" >&2; exit 77; }

cat >"$T/p.ini" <<'EOF'
[pipeline]
name = whatif
workers = 1

[source]
type = generate
rows = 0

[stage.x]
type = spin
us_per_record = 3

[stage.y]
type = spin
us_per_record = 1

[destination]
type = null

[profile]
types = none
EOF

status_has() { screen | sed -n 2p | grep -qF -- "$1"; }
# the stage row of $1 is the selected one ('>' in the gutter)
selected() { screen | grep -qE "^>[! ] $1 +[0-9,]+ "; }
# the block's row of the 2x speed-up: a rate, a bar and a gain
two_x_row() { on_screen_re '^2x +[0-9.]+[kM]?/s \[.*\] +[+-][0-9]+%'; }
no_block() { ! on_screen "What if "; }
keybar() { screen | sed -e 's/[[:space:]]*$//' | grep -v '^$' | tail -n 1; }

# --- the local screen ----------------------------------------------------------------------
tui_start "$T/p.ini"
wait_running
wait_for "the stage x" on_screen_re '^.[! ] x +[0-9,]+ '
keybar | grep -qF "wWhat-if" || soft_fail "the key bar does not offer w: $(keybar)"
keys Down
wait_for "x selected" selected x
keys w
ASKED="what-if experiments on x: asked for; they run for up to 30s and slow the pipeline while they run (results under the stage's latency histogram)"
wait_for "the status line of w" status_has "$ASKED"
note "ok: w: $(screen | sed -n 2p | sed 's/ *$//')"
# the experiments start after a warm-up, and a round visits four speed-ups
WAIT_S=60 wait_for "the what-if block's 2x row" two_x_row
fails=$FAILS
on_screen_re '^What if x were faster \(virtual speed-up, [0-9]+ rounds?, (running|done); cost [0-9]+%\)' ||
	soft_fail "no title 'What if x were faster (virtual speed-up, N rounds, ...; cost N%)' over the block"
for sp in 1.0x 1.25x 1.5x; do
	on_screen_re "^${sp//./\\.} +[0-9.]+[kM]?/s \[" || soft_fail "no $sp row in the what-if block"
done
on_screen_re '^making x 2x faster would gain [+-][0-9]+%: ' || soft_fail "no 'making x 2x faster would gain ...' line"
# the block is under x's histogram
screen | awk '/^Latency of stage x /{h=NR} /^What if x were faster/{w=NR} END{exit !(h && w > h)}' ||
	soft_fail "the what-if block is not under x's latency histogram"
[ "$FAILS" = "$fails" ] && note "ok: the what-if block: $(screen | grep -E '^2x ' | sed 's/ *$//')"

# w again: under way already, or (done by now) asked for again
keys w
again() { status_has "what-if experiments on x: under way already" || status_has "what-if experiments on x: asked for again"; }
wait_for "the status line of a second w" again && note "ok: w again: $(screen | sed -n 2p | sed "s/ *$//")"
# when they end, the status line says so, with their answer (it said
# "asked for" to the end before)
ended() { status_has "what-if experiments on x: done after" || status_has "what-if experiments on x: cut short after"; }
WAIT_S=90 wait_for "the status line when the experiments end" ended
screen | sed -n 2p | grep -qE 'on x: (done|cut short) after [0-9]+ rounds? \([0-9]+s\): (making x 2x faster would gain [+-][0-9]+%|too noisy to tell)' ||
	soft_fail "the status line when the experiments end: $(screen | sed -n 2p)"
screen | sed -n 2p | grep -qF -- "-0%" && soft_fail "a gain shown as -0%: $(screen | sed -n 2p)"
note "ok: when they end: $(screen | sed -n 2p | sed "s/ *$//")"

# the block follows the selection: none for y, x's again
keys Down
wait_for "y selected" selected y
wait_for "no what-if block for y" no_block
keys Up
wait_for "x selected again" selected x
wait_for "x's what-if block again" on_screen "What if x were faster"

# the help lists w
keys h
wait_screen "what-if: the gain were the selected stage faster"
keys x
wait_running

keys q
WAIT_S=60 wait_exit "q"
[ "$EXIT" = 0 ] || soft_fail "q: exit status $EXIT"

# --- the attached screen: the remote's block, no w ----------------------------------------
REMOTE_PID=
remote_stop() {
	[ -n "$REMOTE_PID" ] || return 0
	kill -INT "$REMOTE_PID" 2>/dev/null
	for _ in $(seq 150); do kill -0 "$REMOTE_PID" 2>/dev/null || break; sleep 0.2; done
	kill -KILL "$REMOTE_PID" 2>/dev/null
	wait "$REMOTE_PID" 2>/dev/null
	REMOTE_PID=
}
trap 'remote_stop; tui_cleanup' EXIT
"$NEBTOP" -b -duration 0 -output "$T/rprof" -listen 0 -whatif x "$T/p.ini" 2>"$T/remote.err" &
REMOTE_PID=$!
PORT=
for _ in $(seq 100); do
	PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/remote.err")
	[ -n "$PORT" ] && break
	sleep 0.2
done
[ -n "$PORT" ] || fail "the remote did not say where it listens: $(cat "$T/remote.err")"
tui_start attach "127.0.0.1:$PORT"
wait_running
wait_for "the remote's stage x" on_screen_re '^.[! ] x +[0-9,]+ '
keys Down
wait_for "x selected (attached)" selected x
WAIT_S=60 wait_for "the remote's what-if block for x" two_x_row
on_screen_re '^making x 2x faster would gain [+-][0-9]+%: ' || soft_fail "attached: no 'making x 2x faster ...' line"
keybar | grep -qF "wWhat-if" && soft_fail "attached: the key bar offers w: $(keybar)"
keys w
wait_for "attached: w says where it is asked for" status_has "w: what-if experiments are asked for where the pipeline runs"
keys h
wait_screen "(what-if experiments too; their results show here)"
keys x
wait_running
keys q
wait_exit "q (attached)"
[ "$EXIT" = 0 ] || soft_fail "attached: q: exit status $EXIT"
remote_stop

# --- a run whose input ended: w says why not -----------------------------------------------
sed -e 's/^rows = 0$/rows = 20000/' "$T/p.ini" >"$T/short.ini"
tui_start "$T/short.ini"
wait_running
wait_screen "the input ended: the run finished"
keys Down
wait_for "x selected (finished)" selected x
keys w
wait_for "w on a finished run" status_has "w: the input has ended: what-if experiments need a running pipeline"
keys q
WAIT_S=60 wait_exit "q (finished)"
[ "$EXIT" = 0 ] || soft_fail "finished: q: exit status $EXIT"
finish
