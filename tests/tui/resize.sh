# resize.sh: the terminal shrinks below 80x24 while nebtop runs (tmux
# resize-window): the screen says what size it needs and has; back to
# 200x60, every panel again; a one-column size (100x30) in between; q exits 0.
. "$(dirname "$0")/lib.sh"

write_ini "$T/p.ini"
tui_start "$T/p.ini"
wait_running

all_panels() {
	local s t
	s=$(screen)
	for t in "Throughput" "Stages (up/down select" "Latency of stage " "Channels (" "Memory" \
		"Alerts (most severe first" "Top functions ("; do
		printf '%s\n' "$s" | grep -qF -- "$t" || return 1
	done
	printf '%s\n' "$s" | grep -qE 'Quit *$'
}
wait_for "every panel at 200x60" all_panels

# --- too small ---------------------------------------------------------------------
tm resize-window -t t -x 60 -y 20 || fail "tmux resize-window -x 60 -y 20"
[ "$(tm display -p -t t '#{window_width}x#{window_height}')" = 60x20 ] ||
	fail "the window is $(tm display -p -t t '#{window_width}x#{window_height}'), not 60x20"
wait_screen "nebtop needs a terminal of at least 80x24"
wait_screen "this one is 60x20"
on_screen "Throughput" && soft_fail "60x20: panels drawn under the too-small message"
note "ok: 60x20 is too small"

# only one dimension too small
tm resize-window -t t -x 200 -y 20
wait_screen "this one is 200x20"
tm resize-window -t t -x 79 -y 60
wait_screen "this one is 79x60"
note "ok: 200x20 and 79x60 are too small"

# --- the one-column layout, then the two-column one again ----------------------------------
tm resize-window -t t -x 100 -y 30
one_col() { on_screen "Throughput" && on_screen_re 'Quit *$' && ! on_screen "needs a terminal"; }
wait_for "the panels at 100x30" one_col
[ "$(screen | wc -l)" -le 30 ] || soft_fail "100x30: more than 30 rows captured"
note "ok: 100x30"

tm resize-window -t t -x 200 -y 60
wait_for "every panel back at 200x60" all_panels
on_screen "needs a terminal" && soft_fail "200x60: the too-small message is left on the screen"
note "ok: back to 200x60"

keys q
wait_exit "q"
check_exit_restored "q"
finish
