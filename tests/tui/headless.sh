# headless.sh: without a terminal on both stdin and stdout, or with
# --headless, nebtop runs headless: progress lines "nebtop: ..." on stderr,
# no screen taken, the final snapshot, status 0. Runs in tmux (stdout to a
# file, stdin from /dev/null, --headless) and outside it.
. "$(dirname "$0")/lib.sh"

write_ini "$T/p.ini"
PROGRESS='nebtop: +[0-9.]+s +in [0-9,]+'

# headless_in_tmux WHAT ARGS...: a 2 s run in tmux that must stay headless.
headless_in_tmux() {
	local what=$1 alt=0
	shift
	rm -rf "$T/prof"
	tui_start -duration 2s "$@"
	wait_for "$what: 'nebtop: running'" on_screen "nebtop: running "
	for _ in $(seq 100); do
		[ "$(alternate_on)" = 1 ] && alt=1
		has_ended && break
		sleep 0.2
	done
	wait_exit "$what"
	[ "$EXIT" = 0 ] || soft_fail "$what: exit status $EXIT"
	[ "$alt" = 0 ] || soft_fail "$what: the alternate screen was turned on (the front end ran)"
	if on_screen "Throughput" || on_screen_re 'Quit *$'; then
		show_screen "$what"
		soft_fail "$what: panels on the screen"
	fi
	on_screen_re "$PROGRESS" || { show_screen "$what"; soft_fail "$what: no progress line 'nebtop: N.Ns in N'"; }
	on_screen "nebtop: final snapshot " || soft_fail "$what: no 'final snapshot' line"
	ls "$T"/prof/metrics_*.json >/dev/null 2>&1 || soft_fail "$what: no metrics_*.json in $T/prof"
	note "ok: $what"
}

TUI_REDIR=">'$T/out'" headless_in_tmux "stdout to a file" "$T/p.ini"
[ -s "$T/out" ] && soft_fail "stdout to a file: nebtop wrote to stdout: $(head -c 300 "$T/out" | cat -v)"
TUI_REDIR="</dev/null" headless_in_tmux "stdin from /dev/null" "$T/p.ini"
headless_in_tmux "--headless" --headless "$T/p.ini"

# --- outside tmux: stdout and stderr are files -----------------------------------------
nebtop -duration 2s "$T/p.ini"
expect_rc 0 "outside a terminal"
grep -qE "$PROGRESS" "$T/stderr" || { cat "$T/stderr" >&2; soft_fail "outside a terminal: no progress line on stderr"; }
stderr_has "nebtop: final snapshot " "outside a terminal"
[ -s "$T/stdout" ] && soft_fail "outside a terminal: nebtop wrote to stdout: $(head -c 300 "$T/stdout" | cat -v)"
grep -q $'\x1b' "$T/stderr" && soft_fail "outside a terminal: escape sequences on stderr: $(grep $'\x1b' "$T/stderr" | head -n 2 | cat -v)"
note "ok: outside a terminal"
finish
