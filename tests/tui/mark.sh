# mark.sh: the stage table marks a stage as the bottleneck ('!' and
# BOTTLENECK) only when the primary finding (the first alert) is a pipeline
# bottleneck, medium or worse, naming that stage, and then it marks that
# one. Checked at five frozen moments of a pipeline with a leak behind a
# rate-limited destination (generate -> alloc 256 B/record, leak = true ->
# null, rate_limit = 5000), whatever the analyzer ranks first: the primary
# is read from the detail view of the first alert (Severity, Type,
# Component), the mark from the stage table of the same frozen screen.
. "$(dirname "$0")/lib.sh"
need_utf8_locale

cat >"$T/p.ini" <<'EOF'
[pipeline]
name = leaky
workers = 1
buffer = 2000

[source]
type = generate
rows = 0

[stage.hoard]
type = alloc
bytes_per_record = 256
leak = true

[destination]
type = null
rate_limit = 5000
EOF

status_has() { screen | sed -n 2p | grep -qF -- "$1"; }
marked() { screen | sed -n 's/^[> ]! \([a-z][a-z_0-9]*\) .*/\1/p' | tr '\n' ' ' | sed 's/ $//'; }
some_alert() { on_screen_re '[> ] \[(CRITICAL|HIGH|MEDIUM|LOW)\] '; }
in_view() { screen | head -n 1 | grep -q '^Finding [0-9]* of '; }
view_closed() { ! in_view && on_screen_re 'Quit *$'; }
field() { screen | sed -n "s/^$1: *//p" | head -n 1 | sed 's/ *$//'; }

tui_start "$T/p.ini"
wait_running
WAIT_S=60 wait_for "an alert" some_alert
focus_panel Alerts

fails=$FAILS
for moment in 1 2 3 4 5; do
	keys Space
	wait_for "moment $moment: the display frozen" status_has "display frozen"
	MARKED=$(marked)
	keys Home
	keys Enter
	wait_for "moment $moment: the first alert's view" in_view
	SEV=$(field Severity)
	TYPE=$(field Type)
	COMP=$(field Component)
	screen | head -n 1 | grep -q '^Finding 1 of ' || soft_fail "moment $moment: the view is not of the first alert: $(screen | head -n 1)"
	keys Escape
	wait_for "moment $moment: the view closed" view_closed
	case $TYPE:$SEV in
	pipeline_bottleneck:CRITICAL | pipeline_bottleneck:HIGH | pipeline_bottleneck:MEDIUM) WANT=$COMP ;;
	*) WANT= ;;
	esac
	[ "$MARKED" = "$WANT" ] ||
		soft_fail "moment $moment: the primary finding is [$SEV] $TYPE at $COMP, the stage table marks '${MARKED}' (expected '${WANT}')"
	note "moment $moment: primary [$SEV] $TYPE at $COMP; marked '${MARKED}'"
	keys Space
	wait_for "moment $moment: the display live" status_has "display live"
	sleep 1 # the next moment a refresh of the analyzer later
done
[ "$FAILS" = "$fails" ] && note "ok: the BOTTLENECK mark follows the primary finding"
keys q
WAIT_S=60 wait_exit "q"
[ "$EXIT" = 0 ] || soft_fail "exit status $EXIT"
finish
