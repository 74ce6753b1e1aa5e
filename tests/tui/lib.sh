# lib.sh: shared helpers of the TUI tests (sourced, not run). They drive the
# real nebtop binary in a detached tmux session on a server of their own
# (tmux -L nebtop-test-PID-N -f /dev/null: never the user's tmux, never a
# tmux.conf), read the screen with capture-pane and type with send-keys.
#
# The common helpers (fail, soft_fail, note, finish, metric, $T, NEBTOP, ...)
# come from ../integration/lib.sh. Waits poll the screen every 0.2 s and give
# up after 20 s: a hang guard, never a timing assertion.
#
# tui_start ARGS...   nebtop ARGS in session "t" (TUI_W x TUI_H, default
#                     200x60), in $T, snapshots in $T/prof (not for
#                     nebtop attach, whose snapshots are the remote's); its pid goes to
#                     $T/pid, its exit status to $T/rc ("EXIT=N"), and the
#                     pane stays open afterwards so the screen can be read
# TUI_ENV             env(1) arguments for nebtop (default a UTF-8 locale)
# TUI_REDIR           shell redirections for nebtop (e.g. ">out", "</dev/null")

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "SKIP: tests/tui/lib.sh is sourced by the TUI tests, not a test itself" >&2
	exit 77
fi
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux is not installed (scripts/setup.sh installs it)" >&2
	exit 77
fi
# the tests may run inside the user's tmux: ours is another server
unset TMUX TMUX_PANE

# tmux -L: the test's own server; each session gets a server of its own
# (nebtop-test-PID-N), as a new server on the socket of one just killed may
# meet the old one still going away ("server exited unexpectedly")
TUI_N=0
TMUX_SOCK=nebtop-test-$$-$TUI_N
TUI_W=${TUI_W:-200}
TUI_H=${TUI_H:-60}
# lib.sh exports LC_ALL=C, which the tmux server and its panes inherit: the
# UTF-8 runs say so for nebtop explicitly
TUI_ENV=${TUI_ENV:-LC_ALL=C.UTF-8 LANG=C.UTF-8}

# tm ARGS...: tmux on the test's own server.
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

# the sockets of the servers started (tmux leaves them behind)
TUI_SOCKETS=()
tui_cleanup() {
	local pid
	pid=$(cat "$T/pid" 2>/dev/null)
	tm kill-server >/dev/null 2>&1
	# a nebtop that outlived its pane (a hang) must not outlive the test
	[ -n "$pid" ] && kill -KILL "$pid" >/dev/null 2>&1
	[ ${#TUI_SOCKETS[@]} = 0 ] || rm -f "${TUI_SOCKETS[@]}"
	rm -rf "$T"
}
trap tui_cleanup EXIT

# The pane's terminal type: tmux's own when this system knows it.
TUI_TERM=tmux-256color
infocmp "$TUI_TERM" >/dev/null 2>&1 || TUI_TERM=screen-256color
infocmp "$TUI_TERM" >/dev/null 2>&1 || TUI_TERM=screen

# need_utf8_locale: skips the test when the system has no C.UTF-8 locale.
need_utf8_locale() {
	locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' || {
		echo "SKIP: no C.UTF-8 locale" >&2
		exit 77
	}
}

# write_ini FILE [EXTRA]: the planted CPU bottleneck of
# examples/bottleneck_cpu.ini (generate rows=0 -> score: spin 50 us/record
# -> null), one worker per stage so that two tests at once stay light, and a
# 1 s trace window; EXTRA (INI text) is appended.
write_ini() {
	cat >"$1" <<EOF
[pipeline]
name = tuitest
workers = 1

[source]
type = generate
rows = 0

[stage.score]
type = spin
us_per_record = 50

[destination]
type = null

[profile]
trace_duration = 1s
${2:-}
EOF
}

# tui_start ARGS...: see above. One session at a time: a second call ends
# the first one.
tui_start() {
	local cmd a
	TUI_CMD=
	tm kill-server >/dev/null 2>&1
	TUI_N=$((TUI_N + 1))
	TMUX_SOCK=nebtop-test-$$-$TUI_N
	rm -f "$T/rc" "$T/pid"
	cmd="cd $(printf %q "$T") && sh -c 'echo \$\$ >\"\$0\"; exec \"\$@\"' $(printf %q "$T/pid")"
	cmd="$cmd env -u NO_COLOR -u LC_ALL -u LANG TERM=$TUI_TERM $TUI_ENV $(printf %q "$NEBTOP")"
	# nebtop attach takes no -output: its snapshots are the remote's
	[ "${1:-}" = attach ] || cmd="$cmd -output $(printf %q "$T/prof")"
	for a in "$@"; do
		cmd="$cmd $(printf %q "$a")"
	done
	cmd="$cmd ${TUI_REDIR:-}; echo \"EXIT=\$?\" >$(printf %q "$T/rc"); sleep 60"
	TUI_CMD=$cmd
	tm new-session -d -s t -x "$TUI_W" -y "$TUI_H" "$cmd" || fail "tmux cannot start a session: $cmd"
	TUI_SOCKETS+=("$(tm display -p '#{socket_path}')")
	# the window keeps its size with no client attached; the pane stays
	# readable even if its shell ends
	tm set -g window-size manual >/dev/null 2>&1
	tm set -g remain-on-exit on >/dev/null 2>&1
}

# screen: the pane's text now.
screen() { tm capture-pane -p -t t 2>&1; }

# header_has TEXT: the header (the screen's first line) contains TEXT.
header_has() { screen | head -n 1 | grep -qF -- "$1"; }

# screen_esc: the pane with its escape sequences (colours, bold, ...).
screen_esc() { tm capture-pane -p -e -t t 2>&1; }

# keys KEY...: types keys into the pane (tmux key names: Down, Space, ...).
keys() { tm send-keys -t t "$@" || fail "tmux send-keys $*"; }

# show_screen WHAT: a failure's context: what the screen shows.
show_screen() {
	echo "--- screen ($1):" >&2
	tm capture-pane -p -t t 2>&1 | sed -e 's/[[:space:]]*$//' >&2
	echo "--- end of screen; the pane runs: $TUI_CMD" >&2
	[ -f "$T/rc" ] && echo "nebtop ended: $(cat "$T/rc")" >&2
}

# on_screen TEXT: the screen shows TEXT (fixed string) now.
on_screen() { screen | grep -qF -- "$1"; }

# on_screen_re REGEX: the screen shows a line matching REGEX (grep -E) now.
on_screen_re() { screen | grep -qE -- "$1"; }

# poll_for WHAT TEST ARGS...: polls TEST ARGS (a command, e.g. on_screen
# TEXT) every 0.2 s for up to 20 s (WAIT_S); 1 with the screen shown when it
# never held.
poll_for() {
	local what=$1
	shift
	for _ in $(seq $((${WAIT_S:-20} * 5))); do
		"$@" && return 0
		sleep 0.2
	done
	show_screen "waiting for $what"
	return 1
}

# wait_for WHAT TEST ARGS...: poll_for, and the test fails when it never held.
wait_for() { poll_for "$@" || fail "not seen within ${WAIT_S:-20} s: $1"; }

# soft_wait_for WHAT TEST ARGS...: as wait_for, but a soft failure
# (returns 1) so that the test goes on.
soft_wait_for() { poll_for "$@" || { soft_fail "not seen within ${WAIT_S:-20} s: $1"; return 1; }; }

# wait_screen TEXT: waits until the screen shows TEXT.
wait_screen() { wait_for "'$1' on the screen" on_screen "$1"; }

# wait_running: waits until nebtop draws its panels (the key bar's Quit).
wait_running() { wait_for "the nebtop panels" on_screen_re 'Quit *$'; }

# in_count: the "in N" total of the Throughput panel now, digits only
# (empty when the panel does not show it within 2 s).
in_count() {
	local n
	for _ in $(seq 10); do
		n=$(screen | sed -n 's/.*records\/s.* in \([0-9,]\{1,\}\) .*/\1/p' | head -n 1 | tr -d ,)
		[ -n "$n" ] && break
		sleep 0.2
	done
	echo "$n"
}

# has_ended: nebtop has exited (its status is in $T/rc).
has_ended() { [ -s "$T/rc" ]; }

# wait_exit WHAT: waits for nebtop to exit; sets EXIT to its status.
wait_exit() {
	wait_for "nebtop to exit ($1)" has_ended
	EXIT=$(sed -n 's/^EXIT=//p' "$T/rc")
}

# alternate_on: 1 while the pane shows the alternate screen, else 0.
alternate_on() { tm display -p -t t '#{alternate_on}'; }

# check_exit_restored WHAT: after nebtop ended: status 0, the final snapshot
# line on the terminal, the alternate screen off and no panel left on it.
check_exit_restored() {
	local what=$1
	[ "$EXIT" = 0 ] || { show_screen "$what"; soft_fail "$what: exit status $EXIT, expected 0"; }
	# the pane's last lines; stderr held during the run is printed at the end
	wait_for "$what: the final snapshot line" on_screen "nebtop: final snapshot "
	[ "$(alternate_on)" = 0 ] || { show_screen "$what"; soft_fail "$what: the alternate screen is still on"; }
	if on_screen "Throughput" || on_screen_re 'Quit *$'; then
		show_screen "$what"
		soft_fail "$what: the panels are still on the screen after the exit"
	fi
	ls "$T"/prof/metrics_*.json >/dev/null 2>&1 || soft_fail "$what: no metrics_*.json in $T/prof"
}

# final_stamp: the stamp of the final snapshot, from the line on the screen.
final_stamp() {
	screen | tr -d '\n' | sed -n 's/.*nebtop: final snapshot \([0-9_]*\) in .*/\1/p'
}

# FOCUS_MARK: what marks the focused panel's title, U+25B6 in UTF-8 (the
# tests run in the C locale, where $'\u25b6' is not that).
FOCUS_MARK=$(printf '\342\226\266')

# focused_panel TITLE: the panel whose title starts with TITLE ("Alerts")
# has the focus mark.
focused_panel() { screen | grep -qF "$FOCUS_MARK $1 ("; }

# focus_panel TITLE: Tab until that panel has the focus (each Tab waits for
# the status line to name the panel it moved to); the test fails when it
# never does.
focus_panel() {
	local was
	for _ in 1 2 3 4 5; do
		focused_panel "$1" && return 0
		was=$(screen | sed -n 2p)
		keys Tab
		tab_moved() { local s; s=$(screen | sed -n 2p); [ "$s" != "$was" ] && [ "${s#focus on }" != "$s" ]; }
		wait_for "the focus moving on Tab (the status line was '$was')" tab_moved
	done
	focused_panel "$1" || { show_screen "Tab to $1"; fail "Tab never gave the focus to $1"; }
}
