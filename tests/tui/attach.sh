# attach.sh: `nebtop attach` in a real terminal against a headless nebtop
# that listens, as a user runs it during a load test. The attached screen
# names the remote in its header and shows the remote's pipeline in the same
# panels (its stage, the bottleneck mark, a count that grows); s makes the
# remote write a snapshot, whose folder the status line names and whose
# files are there; p pauses this view only (its counts stop, the remote's
# run goes on); the help says what q and p do here. When the remote ends,
# the screen keeps its final figures (the out count of the remote's own
# summary) and says so; a new nebtop on the same port is attached to
# again. q closes the view with status 0 and leaves the remote running.
# Then the ways in that fail: an address that is not one (2), nobody
# listening (1, naming the address), a listener that wants a token
# (1 without NEBTOP_TOKEN or with a wrong one, attached with it, and the
# token never shown). A remote killed mid-run shows [lost] with the latest
# reason (another server on the port). A second screen attached when the run ends gets its
# final figures too; s against a remote with -output none says why once.
. "$(dirname "$0")/lib.sh"
need_utf8_locale
command -v curl >/dev/null || { echo "SKIP: no curl" >&2; exit 77; }

REMOTE_PID=
remote_stop() {
	[ -n "$REMOTE_PID" ] || return 0
	kill -INT "$REMOTE_PID" 2>/dev/null
	for _ in $(seq 150); do kill -0 "$REMOTE_PID" 2>/dev/null || break; sleep 0.2; done
	kill -KILL "$REMOTE_PID" 2>/dev/null
	wait "$REMOTE_PID" 2>/dev/null
	REMOTE_RC=$?
	REMOTE_PID=
}
trap 'remote_stop; tui_cleanup' EXIT

# remote_start LISTEN [ARGS...]: a headless nebtop on the test pipeline,
# without end, its stderr in $T/remote.err, snapshots in $T/rprof; PORT
# is where it listens.
remote_start() {
	local listen=$1
	shift
	: >"$T/remote.err"
	"$NEBTOP" -b -duration 0 -output "$T/rprof" -listen "$listen" "$@" "$T/p.ini" 2>"$T/remote.err" &
	REMOTE_PID=$!
	PORT=
	for _ in $(seq 100); do
		PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/remote.err")
		[ -n "$PORT" ] && break
		sleep 0.2
	done
	[ -n "$PORT" ] || fail "the remote did not say where it listens: $(cat "$T/remote.err")"
}

write_ini "$T/p.ini"
remote_start 0

tui_start attach "127.0.0.1:$PORT"
wait_running
wait_for "the remote in the header" header_has "nebtop attached to 127.0.0.1:$PORT"
header_has "tuitest" || fail "the header does not name the remote's pipeline: $(screen | head -n 1)"
wait_for "the remote's stage" on_screen_re '^.{0,4}score +[0-9,]+ '
wait_for "the bottleneck marked" on_screen "BOTTLENECK"
a=$(in_count)
wait_for "the count growing past $a" eval '[ "$(in_count)" -gt "${a:-0}" ]'

# s: the remote writes a snapshot; the status line names its folder
keys s
wait_for "the snapshot's status" on_screen "snapshot written on 127.0.0.1:$PORT into $T/rprof"
wait_for "the snapshot counted in the header" header_has "snapshots 1"
ls "$T"/rprof/metrics_*.json >/dev/null 2>&1 || fail "no metrics_*.json in the remote's folder $T/rprof"

# p pauses this view only
keys p
wait_screen "this view paused"
wait_for "the header saying the view is paused" header_has ", view paused]"
! on_screen_re 'tTrace' || fail "the key bar offers t (Trace), which an attached screen does not take"
a=$(in_count)
sleep 2.5
b=$(in_count)
[ "$a" = "$b" ] || fail "the paused view changed: in $a, then $b"
kill -0 "$REMOTE_PID" || fail "the remote ended when the view was paused"
keys p
wait_for "the count growing again past $b" eval '[ "$(in_count)" -gt "${b:-0}" ]'

# the help says what q and p do here
keys h
wait_screen "close this view; the remote's run goes on"
on_screen "its pipeline is not paused" || fail "the help does not say p leaves the remote's pipeline alone"
keys x
wait_running

# a second screen attached to the same run: when the run ends, each
# attached screen is to get its final figures, not only the first to ask
# (a tmux server of its own: tmux 3.3 dies on a second session in a server
# whose window-size is manual)
tm2() { tmux -L "$TMUX_SOCK-2" -f /dev/null "$@"; }
trap 'tm2 kill-server >/dev/null 2>&1; remote_stop; tui_cleanup' EXIT
tm2 new-session -d -s t2 -x "$TUI_W" -y "$TUI_H" \
	"env -u NO_COLOR $TUI_ENV TERM=$TUI_TERM $(printf %q "$NEBTOP") attach 127.0.0.1:$PORT; sleep 60" ||
	fail "tmux cannot start a second screen"
TUI_SOCKETS+=("$(tm2 display -p '#{socket_path}')")
screen2() { tm2 capture-pane -p -t t2 2>&1; }
wait_for "the second screen attached" eval 'screen2 | grep -q "records/s.* out [0-9]"'

# the remote ends: its final figures stay, and the screen says so
remote_stop
[ "$REMOTE_RC" = 0 ] || fail "the remote exited with $REMOTE_RC: $(tail -n 5 "$T/remote.err")"
final_out=$(sed -n 's/.*nebtop: finished after .* in, \([0-9,]*\) out,.*/\1/p' "$T/remote.err" | tr -d ,)
[ -n "$final_out" ] || fail "no summary line from the remote: $(tail -n 3 "$T/remote.err")"
wait_for "the end said" on_screen "these are its final figures"
header_has "[ended]" || fail "the header does not say the run ended: $(screen | head -n 1)"
shown_out=$(screen | sed -n 's/.*records\/s.* out \([0-9,]\{1,\}\) .*/\1/p' | head -n 1 | tr -d ,)
[ "$shown_out" = "$final_out" ] ||
	fail "the screen shows out $shown_out after the end; the remote's summary says $final_out"
wait_for "the end said on the second screen" eval 'screen2 | grep -qF "these are its final figures"'
shown_out=$(screen2 | sed -n 's/.*records\/s.* out \([0-9,]\{1,\}\) .*/\1/p' | head -n 1 | tr -d ,)
[ "$shown_out" = "$final_out" ] ||
	fail "the second screen shows out $shown_out after the end; the remote's summary says $final_out"
tm2 kill-server

# a new nebtop on the same port: attached to again
remote_start "$PORT"
wait_for "the new run attached" on_screen "a new run on 127.0.0.1:$PORT"
wait_for "the new run's state" header_has "[running]"

keys q
wait_exit "q"
[ "$EXIT" = 0 ] || fail "q: exit status $EXIT"
[ "$(alternate_on)" = 0 ] || fail "q: the alternate screen is still on"
kill -0 "$REMOTE_PID" || fail "the remote ended when the attached view closed"
remote_stop

# an address that is not one: usage, status 2
"$NEBTOP" attach 127.0.0.1:notaport >"$T/out" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "a bad address: status $rc, expected 2"
grep -q "'127.0.0.1:notaport' is not an address" "$T/out" || fail "a bad address: $(cat "$T/out")"

# nobody listening there: status 1, naming the address
tui_start attach "127.0.0.1:$PORT"
wait_exit "nobody listening"
[ "$EXIT" = 1 ] || fail "nobody listening: status $EXIT, expected 1"
wait_for "the address named" on_screen "nebtop attach: cannot attach to 127.0.0.1:$PORT:"

# the remote killed mid-run: [lost], and the reason is the latest one: an
# HTTP server that is not a nebtop on the port now answers 404
remote_start 0
tui_start attach "127.0.0.1:$PORT"
wait_running
kill -KILL "$REMOTE_PID"
wait "$REMOTE_PID" 2>/dev/null
REMOTE_PID=
wait_for "the remote lost" header_has "[lost]"
mkdir -p "$T/www"
"$PYTHON3" -m http.server "$PORT" --bind 127.0.0.1 --directory "$T/www" >/dev/null 2>&1 &
REMOTE_PID=$!
wait_for "the reason of now: a 404" on_screen "404: no view there"
keys q
wait_exit "q when lost"
[ "$EXIT" = 0 ] || fail "q when lost: exit status $EXIT"
kill "$REMOTE_PID"
wait "$REMOTE_PID" 2>/dev/null
REMOTE_PID=

# a remote that takes no snapshots (-output none): s says so, once
# (attached to by the address the remote prints: http://HOST:PORT/)
remote_start 0 -output none
tui_start attach "http://127.0.0.1:$PORT/"
wait_running
keys s
wait_screen "no snapshot: snapshots are off (-output none)"
! on_screen "no snapshot: no snapshot" || fail "s with -output none: $(screen | sed -n 2p)"
keys q
wait_exit "q after s with -output none"
remote_stop

# a token: refused without it or with a wrong one, attached with it, never shown
token=attach-secret-$$-7f3a
write_ini "$T/p.ini" "
[export]
token = $token"
remote_start 0
tui_start attach "127.0.0.1:$PORT"
wait_exit "no token"
[ "$EXIT" = 1 ] || fail "no token: status $EXIT, expected 1"
wait_for "the token asked for" on_screen "NEBTOP_TOKEN"
TUI_ENV="$TUI_ENV NEBTOP_TOKEN=not-$token" tui_start attach "127.0.0.1:$PORT"
wait_exit "a wrong token"
[ "$EXIT" = 1 ] || fail "a wrong token: status $EXIT, expected 1"
wait_for "the wrong token said" on_screen "is not the remote's [export] token"
TUI_ENV="$TUI_ENV NEBTOP_TOKEN=$token" tui_start attach "127.0.0.1:$PORT"
wait_running
wait_for "the remote's stage, with the token" on_screen_re '^.{0,4}score +[0-9,]+ '
! on_screen "$token" || fail "the token is on the screen"
keys q
wait_exit "q with a token"
[ "$EXIT" = 0 ] || fail "q with a token: exit status $EXIT"
remote_stop
finish
