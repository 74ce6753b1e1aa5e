# alerts.sh: the Alerts panel and the detail view of a finding, at 80x24
# and at 200x60, on a pipeline whose destination has `rate_limit = 5000`
# (generate -> spin 20 us/record -> null). With the display frozen (space):
# Tab moves the focus to the Alerts (their title marked), Down moves the
# alert selection ('>' in the alerts' gutter) and leaves the stage
# selection where it was; Enter opens the selected finding whole. The test
# opens the alerts in turn until one shows `rate_limit = 5000`, reads the
# whole view (every page, at 80x24 by scrolling), and checks it against the
# same finding (type and component) in a snapshot taken with s meanwhile:
# the description, the impact and every suggestion are there in full
# (numbers masked: the figures move between the two), wrapped over several
# lines where they are longer than the screen is wide, with no line cut by
# an ellipsis, where the panel cut them. At 80x24 the view scrolls (End,
# Home) and its key bar offers the scroll keys; at 200x60 it fits, offers
# none and says so when Down is pressed. q in the view closes it and
# nebtop runs on; Esc closes it too; the view follows a resize. At 80x24
# the Top functions have no room: f is not in the key bar and says why.
. "$(dirname "$0")/lib.sh"
need_utf8_locale

cat >"$T/p.ini" <<'EOF'
[pipeline]
name = ratelimited
workers = 1
buffer = 2000

[source]
type = generate
rows = 0

[stage.score]
type = spin
us_per_record = 20

[destination]
type = null
rate_limit = 5000
EOF

# ALERT: a line of the Alerts panel (its gutter, then the severity)
ALERT='[> ] \[(CRITICAL|HIGH|MEDIUM|LOW)\] '
# selected_stage: the stage row marked '>' (the stage table's first column)
selected_stage() { screen | sed -n 's/^>[! ] \([a-z][a-z_0-9]*\) .*/\1/p' | head -n 1; }
# selected_alert: the text of the alert marked '>' in the gutter
selected_alert() { screen | sed -n 's/.*> \[\(CRITICAL\|HIGH\|MEDIUM\|LOW\)\] \(.*\)$/\2/p' | head -n 1 | sed 's/ *$//'; }
nalerts() { # the number of alerts: "N of M" in the title, else the lines shown
	local n
	n=$(screen | sed -n 's/.*Alerts (most severe first.*; [0-9]*-[0-9]* of \([0-9]*\)).*/\1/p' | head -n 1)
	[ -n "$n" ] || n=$(screen | grep -cE "$ALERT")
	echo "$n"
}
two_alerts() { [ "$(nalerts)" -ge 2 ]; }
# first_selected: the line under the Alerts' title is the selected alert
first_selected() { screen | grep -A1 -F 'Alerts (most severe first' | tail -n 1 | grep -q '> \['; }
ran_4s() { screen | head -n 1 | grep -qE '\]  ([4-9]|[1-9][0-9]+)\.[0-9]+s'; }
status() { screen | sed -n 2p; }
status_has() { status | grep -qF -- "$1"; }
keybar() { screen | sed -e 's/[[:space:]]*$//' | grep -v '^$' | tail -n 1; }
in_view() { screen | head -n 1 | grep -qE '^Finding ([0-9]+ of [0-9]+|\(no longer present)'; }
view_closed() { ! in_view && on_screen_re 'Quit *$'; }
# view_where: "A B N" of the view's "lines A-B of N"
view_where() { screen | sed -n '2s/^lines \([0-9]*\)-\([0-9]*\) of \([0-9]*\).*/\1 \2 \3/p'; }

# view_collect OUT: every line of the open view, page after page (PgDn),
# into OUT; the pages' screens go to OUT.page_N.
view_collect() {
	local out=$1 i=0 where a b n
	rm -f "$out".page_*
	keys Home
	at_top() { [ "$(view_where | cut -d' ' -f1)" = 1 ]; }
	wait_for "the view at its first line after Home" at_top
	while :; do
		where=$(view_where)
		read -r a b n <<<"$where"
		[ -n "$n" ] || { show_screen "view_collect"; fail "no 'lines A-B of N' on the view's second row"; }
		screen >"$out.page_$i"
		[ "$b" -ge "$n" ] && break
		i=$((i + 1))
		[ "$i" -lt 50 ] || fail "the view did not reach its last line in 50 pages"
		keys PgDn
		moved() { [ "$(view_where)" != "$where" ]; }
		wait_for "the view to move on PgDn (was lines $where)" moved
	done
	"$PYTHON3" - "$out" "$out".page_* <<'PY' || fail "the view's pages do not add up (see above)"
import re, sys
out, pages = sys.argv[1], sys.argv[2:]
text = {}
total = None
for p in pages:
    rows = open(p, encoding="utf-8").read().split("\n")
    m = re.match(r"lines (\d+)-(\d+) of (\d+)", rows[1])
    a, b, total = int(m.group(1)), int(m.group(2)), int(m.group(3))
    for j in range(b - a + 1):
        text[a - 1 + j] = rows[2 + j].rstrip()
missing = [i + 1 for i in range(total) if i not in text]
if missing:
    sys.exit("lines never shown: %r" % missing)
open(out, "w", encoding="utf-8").write("\n".join(text[i] for i in range(total)) + "\n")
PY
}

# check_view VIEW METRICS COLS PANEL_LINE: the view's text against the
# finding of the same type and component in the snapshot's metrics.
check_view() {
	"$PYTHON3" - "$@" <<'PY'
import json, re, sys
view, metrics, cols, panel = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
lines = open(view, encoding="utf-8").read().rstrip("\n").split("\n")
bad = []
def field(name):
    for l in lines:
        if l.startswith(name + ":"):
            return l[len(name) + 1:].strip()
    bad.append("no '%s:' line in the view" % name)
    return ""
def section(title):
    """the lines under a heading, up to the blank line after them"""
    if title not in lines:
        return []
    i = lines.index(title) + 1
    out = []
    while i < len(lines) and lines[i].strip():
        out.append(lines[i])
        i += 1
    return out
def mask(t):
    return re.sub(r"[0-9][0-9.,]*", "#", t)
typ, comp = field("Type"), field("Component")
m = json.load(open(metrics))
found = [f for f in m["bottlenecks"] if f["type"] == typ and f["component"].split(" (")[0] == comp]
if not found:
    print("the snapshot has no finding %s at %s (it came or went between the two)" % (typ, comp))
    sys.exit(2)
f = found[0]
desc_lines = section("Description")
desc = " ".join(l.strip() for l in desc_lines)
if mask(desc) != mask(f["description"]):
    # the view is of the frozen moment, the snapshot of the live one: on a
    # loaded machine the destination's verdict can turn from "runs at its
    # rate_limit" to "is the bottleneck" between the two (another try)
    print("the description differs (the finding moved on?):\n  view:     %r\n  snapshot: %r" % (desc, f["description"]))
    sys.exit(2)
if len(f["description"]) > cols - 2 and len(desc_lines) < 2:
    bad.append("a description longer than the screen is wide on one line: %r" % desc_lines)
impact = " ".join(l.strip() for l in section("Impact"))
want = "%.1f%% of %s" % (f["impact_pct"], f["impact_of"])
if mask(impact) != mask(want):
    bad.append("the impact differs:\n  view:     %r\n  snapshot: %r" % (impact, want))
sugg = []
for l in section("Suggestions"):
    mm = re.match(r"^  (\d+)\. (.*)", l)
    if mm:
        sugg.append(mm.group(2).strip())
    elif sugg and l.startswith("     "):
        sugg[-1] += " " + l.strip()
    else:
        bad.append("a line of the suggestions that is neither an item nor its continuation: %r" % l)
if [mask(s) for s in sugg] != [mask(s) for s in f["suggestions"]]:
    bad.append("the suggestions differ:\n  view:     %r\n  snapshot: %r" % (sugg, f["suggestions"]))
figs = section("Figures")
if len(figs) < 1:
    bad.append("no figures in the view")
for l in lines:
    if "\u2026" in l or l.rstrip().endswith("..."):
        bad.append("a line cut with an ellipsis: %r" % l)
    if len(l) > cols:
        bad.append("a line wider than %d: %r" % (cols, l))
whole = desc + " " + " ".join(sugg)
if "rate_limit = 5000" not in whole:
    bad.append("'rate_limit = 5000' is not in the description or the suggestions")
# the panel's line of this alert: a prefix of the description (whole, or cut with an ellipsis)
p = panel[:-1] if panel.endswith("\u2026") else panel
if not mask(desc).startswith(mask(p).rstrip(" ,;:")):
    bad.append("the panel's line %r is not the start of the view's description %r" % (panel, desc))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
}

# open_rate_limited WHAT: opens, one alert after the other from the first,
# the finding whose view shows "rate_limit = 5000"; 0 with the view open
# and collected into $T/view, 1 when no alert does.
open_rate_limited() {
	local what=$1 k n
	n=$(nalerts)
	keys Home
	wait_for "$what: the first alert selected after Home" first_selected
	for k in $(seq "$n"); do
		PANEL=$(selected_alert)
		keys Enter
		wait_for "$what: the detail view after Enter on alert $k" in_view
		view_collect "$T/view"
		grep -qF "rate_limit = 5000" "$T/view" && return 0
		keys Escape
		wait_for "$what: the view closed by Esc" view_closed
		[ "$k" -lt "$n" ] || break
		keys Down
		next_selected() { [ "$(selected_alert)" != "$PANEL" ]; }
		wait_for "$what: the next alert selected after Down" next_selected
	done
	return 1
}

# ok note ...: the note, when no check of the section failed.
ok() { [ "$FAILS" = "$fails" ] && "$@"; }

# run_size W H: the whole check at one size.
run_size() {
	local w=$1 h=$2 what="${1}x${2}" stage alert attempt rc found= fails
	TUI_W=$w TUI_H=$h
	rm -rf "$T/prof"
	tui_start "$T/p.ini"
	wait_running
	# the analyzer's window holds a few seconds of the pipeline at its pace
	WAIT_S=60 wait_for "$what: two alerts" two_alerts
	WAIT_S=60 wait_for "$what: 4 s of the run" ran_4s

	# --- Tab to the Alerts; Down moves their selection, not the stage's ---------------
	fails=$FAILS
	keys Space
	wait_for "$what: the display frozen" status_has "display frozen"
	focus_panel Alerts
	status_has "focus on Alerts" || soft_fail "$what: the status line after Tab: '$(status)'"
	keybar | grep -qF "EnterOpen" || soft_fail "$what: Enter is not in the key bar with the Alerts focused: $(keybar)"
	stage=$(selected_stage)
	[ -n "$stage" ] || { show_screen "$what"; fail "$what: no stage marked '>'"; }
	keys Home
	wait_for "$what: the first alert selected after Home" first_selected
	alert=$(selected_alert)
	[ -n "$alert" ] || { show_screen "$what"; fail "$what: no alert marked '>' in the gutter"; }
	keys Down
	alert_moved() { [ "$(selected_alert)" != "$alert" ] && [ -n "$(selected_alert)" ]; }
	soft_wait_for "$what: the alert selection moving on Down (was '$alert')" alert_moved
	[ "$(selected_stage)" = "$stage" ] ||
		{ show_screen "$what"; soft_fail "$what: Down with the Alerts focused moved the stage selection: $stage -> $(selected_stage)"; }
	ok note "ok: $what: Down moves the alert selection, the stage stays on $stage"

	# --- Enter: the finding whole, against a snapshot's ------------------------------
	fails=$FAILS
	for attempt in 1 2 3; do
		rm -rf "$T/prof"
		keys s
		snapped() { ls "$T"/prof/metrics_*.json >/dev/null 2>&1; }
		wait_for "$what: the snapshot of s" snapped
		if open_rate_limited "$what"; then
			rc=0
			check_view "$T/view" "$(ls "$T"/prof/metrics_*.json | head -n 1)" "$w" "$PANEL" >"$T/check" 2>&1 || rc=$?
			if [ "$rc" = 0 ]; then
				found=1
				break
			fi
			cat "$T/check" >&2
			[ "$rc" = 2 ] || { cp "$T/view" "$T/view.failed"; soft_fail "$what: the view of the finding (see above)"; found=1; break; }
			keys Escape
			wait_for "$what: the view closed" view_closed
		fi
		# the findings moved on: a new frozen moment
		keys Space
		sleep 2
		keys Space
		wait_for "$what: the display frozen again" status_has "display frozen"
	done
	[ -n "$found" ] || { show_screen "$what"; fail "$what: no alert's view shows 'rate_limit = 5000' as the snapshot taken then does (3 tries)"; }
	in_view || fail "$what: the view is not open"
	ok note "ok: $what: Enter shows the finding whole ($(wc -l <"$T/view") lines)"

	# --- scrolling, and the key bar of the view ---------------------------------------
	fails=$FAILS
	read -r _ _ n <<<"$(view_where)"
	if [ "$n" -gt $((h - 3)) ]; then
		keybar | grep -qF "PgUp/PgDn" || soft_fail "$what: the view is longer than the screen, its key bar offers no scroll: $(keybar)"
		keys End
		at_end() { read -r a b nn <<<"$(view_where)"; [ "$b" = "$nn" ] && [ "$a" -gt 1 ]; }
		wait_for "$what: the view at its end after End" at_end
		screen | sed -n 3p | grep -q '^Severity:' && soft_fail "$what: End left the first line in view"
		keys Home
		at_home() { screen | sed -n 3p | grep -q '^Severity:'; }
		wait_for "$what: the view at its start after Home" at_home
		ok note "ok: $what: the view scrolls ($n lines)"
	else
		keybar | grep -qF "PgUp" && soft_fail "$what: the whole view fits, yet its key bar offers the scroll keys: $(keybar)"
		keys Down
		wait_for "$what: Down in a view that fits says so" on_screen "nothing to scroll"
		ok note "ok: $what: the view fits ($n lines), no scroll offered"
	fi
	keybar | grep -qF "q does not quit" || soft_fail "$what: the view's key bar does not say q does not quit: $(keybar)"

	# --- q closes the view, nebtop runs on; Esc closes it too ---------------------------
	fails=$FAILS
	keys q
	wait_for "$what: the view closed by q" view_closed
	sleep 1
	has_ended && fail "$what: q in the view ended nebtop"
	header_has "ratelimited" || soft_fail "$what: no header after the view closed"
	keys Enter
	wait_for "$what: the view again after Enter" in_view
	# the view follows a resize while open
	tm resize-window -t t -x 100 -y 30 >/dev/null 2>&1
	resized() { in_view && [ "$(screen | wc -l)" -eq 30 ] && keybar | grep -qF "Close"; }
	wait_for "$what: the view redrawn at 100x30" resized
	tm resize-window -t t -x "$w" -y "$h" >/dev/null 2>&1
	keys Escape
	wait_for "$what: the view closed by Esc" view_closed
	ok note "ok: $what: q and Esc close the view, nebtop runs on"

	# --- f: only offered where the functions have room ---------------------------------
	fails=$FAILS
	if [ "$h" -le 24 ]; then
		keybar | grep -qF "fFuncs" && soft_fail "$what: f is in the key bar, the Top functions have no room: $(keybar)"
		keys f
		wait_for "$what: f says why it shows nothing" status_has "f: the Top functions have no room at ${w}x${h}"
		ok note "ok: $what: f is not offered and says why"
		# the help fits too: its last line, and the detail view's keys whole
		keys h
		wait_screen "Any key closes this help."
		on_screen "(q there closes the view, it does not quit)" ||
			{ show_screen "$what: h"; soft_fail "$what: the help's line on the detail view is not whole"; }
		keys x
		wait_for "$what: the help closed" on_screen_re 'Quit *$'
	else
		keybar | grep -qF "fFuncs" || soft_fail "$what: f is not in the key bar: $(keybar)"
	fi

	keys Space
	keys q
	WAIT_S=60 wait_exit "$what: q"
	[ "$EXIT" = 0 ] || soft_fail "$what: exit status $EXIT"
}

run_size 80 24
run_size 200 60
finish
