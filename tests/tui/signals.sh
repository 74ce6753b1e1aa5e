# signals.sh: SIGTERM, then SIGINT, sent to nebtop while the front end runs:
# the pipeline drains, nebtop exits with status 0, the final snapshot is
# written (stop_reason names the signal) and the terminal is restored. And
# SIGUSR1 while the front end runs: a snapshot, named on the status line.
. "$(dirname "$0")/lib.sh"

write_ini "$T/p.ini"

# nebtop_pid: the pid that the pane's wrapper wrote before exec'ing nebtop.
nebtop_pid() {
	local pid
	pid=$(cat "$T/pid" 2>/dev/null)
	[ -n "$pid" ] || fail "no pid in $T/pid"
	echo "$pid"
}

for SIG in TERM INT; do
	tui_start "$T/p.ini"
	wait_running
	have_in() { [ "$(in_count)" -gt 0 ] 2>/dev/null; }
	wait_for "records read" have_in
	PID=$(nebtop_pid)
	ARGS=$(tr '\0' ' ' <"/proc/$PID/cmdline" 2>/dev/null)
	printf '%s\n' "$ARGS" | grep -qF -- "$T/prof" || fail "pid $PID is not this test's nebtop: $ARGS"
	if [ "$SIG" = TERM ]; then
		# SIGUSR1 first: a snapshot while the front end goes on
		kill -USR1 "$PID"
		status_snap() { screen | sed -n 2p | grep -qE '^snapshot [0-9_]+ in '; }
		soft_wait_for "SIGUSR1: 'snapshot ...' on the status line" status_snap && note "ok: SIGUSR1"
		on_screen "Throughput" || soft_fail "SIGUSR1: the panels are gone"
	fi
	kill -"$SIG" "$PID"
	wait_exit "SIG$SIG"
	check_exit_restored "SIG$SIG"
	FINAL=$(final_stamp)
	if [ -s "$T/prof/metrics_$FINAL.json" ]; then
		same_text "SIG$SIG" "$(metric "$T/prof/metrics_$FINAL.json" 'm["stop_reason"]')" "SIG$SIG: stop_reason"
		same_text finished "$(metric "$T/prof/metrics_$FINAL.json" 'm["state"]')" "SIG$SIG: state"
		check_records "$T/prof/metrics_$FINAL.json" "" "" 0 0
	else
		show_screen "SIG$SIG"
		soft_fail "SIG$SIG: no metrics_$FINAL.json for the final snapshot on the screen"
	fi
	kill -0 "$PID" 2>/dev/null && soft_fail "SIG$SIG: nebtop (pid $PID) still runs after its exit status"
	note "ok: SIG$SIG"
	rm -rf "$T/prof"
done
finish
