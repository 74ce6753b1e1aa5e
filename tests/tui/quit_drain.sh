# quit_drain.sh: quitting a run whose destination is slow (json paced to
# 200 records/s behind a 2,000-record channel, so that the drain lasts
# seconds on any machine): after q the status line shows the drain's
# progress (records still to write, where they wait, written since q) and
# says that q again or Ctrl-C abandons it; a second q abandons it: exit
# status 130, the terminal restored, and a message after it naming the
# records not written and the partial output left in OUT.part (OUT itself
# not written), which holds the records the message says were written, in
# order. The same for a second SIGINT a second or more after the first (what
# Ctrl-C twice sends) and for SIGINT after q.
. "$(dirname "$0")/lib.sh"

cat >"$T/p.ini" <<EOF
[pipeline]
name = drain
batch = 100
buffer = 2000
workers = 1
[source]
type = generate
rows = 0
columns = 3
[destination]
type = json
file_path = $T/out.json
rate_limit = 200
EOF

status() { screen | sed -n 2p; }
# draining_shown: the status line shows the drain with records still to write
draining_shown() {
	status | grep -qE '^draining \(q again or Ctrl-C abandons it\): [1-9][0-9,]* records? to write.*written since q'
}
have_1000_in() { [ "$(in_count)" -ge 1000 ] 2>/dev/null; }
nebtop_pid() {
	local pid
	pid=$(cat "$T/pid" 2>/dev/null)
	[ -n "$pid" ] || fail "no pid in $T/pid"
	echo "$pid"
}

# check_abandoned WHAT HOW: after the exit: status 130, the terminal back,
# the message (abandoned by HOW) naming out.json.part, out.json absent, and
# out.json.part holding the records written, col1 = 1, 2, ... in order
check_abandoned() {
	local what=$1 how=$2 msg
	[ "$EXIT" = 130 ] || { show_screen "$what"; soft_fail "$what: exit status $EXIT, expected 130"; }
	wait_for "$what: the message 'abandoned by $how'" on_screen "nebtop: abandoned by $how while draining: "
	[ "$(alternate_on)" = 0 ] || { show_screen "$what"; soft_fail "$what: the alternate screen is still on"; }
	on_screen_re 'Quit *$' && { show_screen "$what"; soft_fail "$what: the panels are still on the screen"; }
	# the lines joined as written (-J: a line wrapped at a space keeps it)
	msg=$(tm capture-pane -p -J -t t | tr -d '\n' | sed -n 's/.*\(nebtop: abandoned by .*exit status 130\).*/\1/p')
	check_abandoned_output "$what" "$msg" "$T/out.json"
	rm -rf "$T/out.json.part" "$T/out.json" "$T/prof"
}

# --- q, then q again -----------------------------------------------------------
tui_start "$T/p.ini"
wait_running
wait_for "1,000 records read" have_1000_in
keys q
wait_for "the drain's progress on the status line after q" draining_shown
note "after q: $(status)"
keys q
wait_exit "a second q"
check_abandoned "a second q" "a second q"
note "ok: a second q"

# --- SIGINT, then SIGINT again (Ctrl-C twice) ------------------------------------
tui_start "$T/p.ini"
wait_running
wait_for "1,000 records read" have_1000_in
PID=$(nebtop_pid)
kill -INT "$PID"
wait_for "the drain's progress on the status line after SIGINT" draining_shown
# a second signal within a second of the first is the same request (timeout
# and shells signal a whole group at once): send it until it takes
for _ in $(seq 20); do
	has_ended && break
	sleep 1.2
	kill -INT "$PID" 2>/dev/null
done
wait_exit "a second SIGINT"
check_abandoned "a second SIGINT" "a second stop signal"
note "ok: a second SIGINT"

# --- q, then SIGINT ----------------------------------------------------------------
tui_start "$T/p.ini"
wait_running
wait_for "1,000 records read" have_1000_in
PID=$(nebtop_pid)
keys q
wait_for "the drain's progress on the status line after q" draining_shown
kill -INT "$PID"
wait_exit "SIGINT after q"
check_abandoned "SIGINT after q" "Ctrl-C (SIGINT)"
note "ok: SIGINT after q"
finish
