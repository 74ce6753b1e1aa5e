# fit.sh: every line fits its panel, at 160x50 (two columns: the right one
# is 76 cells wide) and at 80x24 (one column), with the planted CPU
# bottleneck, and at 80x24 with the built-in demo (five stages, four
# channels: the Alerts panel keeps its rows). Checked on the screen: each channel line ends with its
# senders / receivers blocked figures ("N% / N%" or "N%/N%"); the Throughput
# line ends with the error count ("errors N" or "err N"); and every alert
# and impact line is either a finding's whole text or a prefix of it cut at
# a word boundary and ended with "…": checked against the findings of a
# snapshot taken with s while the display is frozen (numbers masked, as the
# figures move between the two).
. "$(dirname "$0")/lib.sh"
need_utf8_locale

# check_fit COLS ROWS LEFT_COLS RIGHT_COL [INI]: LEFT_COLS the width of the
# column with Throughput, RIGHT_COL the first cell (1-based) of the one with
# the channels and alerts (1 in one column); INI "" runs the built-in demo.
check_fit() {
	local cols=$1 rows=$2 lw=$3 rx=$4 ini=${5-$T/p.ini} what="${1}x${2}${5+ demo}" s m fails=$FAILS
	TUI_W=$cols TUI_H=$rows
	if [ -n "$ini" ]; then tui_start "$ini"; else tui_start; fi
	wait_running
	alerts_up() { screen | grep -qE '(^| )[> ] \[(CRITICAL|HIGH|MEDIUM)\] '; }
	# the demo: any alert once the run can be judged (its verdict that it
	# keeps up is low; a hot function outside the bottleneck may be medium on
	# a busy machine)
	[ -z "$ini" ] && alerts_up() {
		screen | grep -E '^[> ] \[(LOW|MEDIUM|HIGH|CRITICAL)\] ' | grep -qv 'Too short to judge'
	}
	# A finding can come or go between the frozen screen and the snapshot
	# (the demo's hot function hovers near its threshold on a loaded
	# machine); with no alert line to check against the snapshot's findings,
	# thaw, wait and take another pair, up to five times.
	local try rc
	for try in 1 2 3 4 5; do
		rm -rf "$T/prof"
		wait_for "$what: an alert" alerts_up
		keys Space
		wait_screen "display frozen"
		keys s
		snapped() { ls "$T"/prof/metrics_*.json >/dev/null 2>&1; }
		wait_for "$what: the snapshot of s" snapped
		s=$(screen)
		printf '%s\n' "$s" >"$T/screen_$what"
		m=$(ls "$T"/prof/metrics_*.json | head -n 1)
		rc=0
		check_fit_lines "$T/screen_$what" "$m" "$lw" "$rx" "$what" "$try" || rc=$?
		[ "$rc" = 3 ] || break
		note "$what: no alert line on the screen of try $try is a finding of its snapshot; again"
		keys Space
		wait_screen "display live"
		sleep 2
	done
	[ "$rc" = 0 ] || soft_fail "$what: lines do not fit their panels (see above)"
	keys q
	wait_exit "$what: q"
	[ "$FAILS" = "$fails" ]
}

# check_fit_lines SCREEN METRICS LEFT_COLS RIGHT_COL WHAT TRY: exit 0 when
# every line fits, 1 when one does not, 3 when no alert line matches a
# finding of the snapshot (on the fifth try, that is a failure: 1)
check_fit_lines() {
	"$PYTHON3" - "$@" <<'EOF'
import json, re, sys
screen = open(sys.argv[1], encoding="utf-8").read().split("\n")
m = json.load(open(sys.argv[2]))
lw, rx, what = int(sys.argv[3]), int(sys.argv[4]) - 1, sys.argv[5]
left = [l[:lw].rstrip() for l in screen]
right = [l[rx:].rstrip() for l in screen] if rx > 0 else left
bad = []
# the Throughput line: the first line with a rate, ending with the errors
thr = [l for l in left if re.match(r"^[0-9,]+ rec(ord)?s/s ", l)]
if not thr:
    bad.append("no Throughput line")
elif not re.search(r" err(ors)? [0-9,]+$", thr[0]):
    bad.append("the Throughput line does not end with the error count: %r" % thr[0])
# the channel lines: name [bar] fill ... blocked figures at the end
chan = [l for l in right if re.match(r"^[a-z_0-9]+->[a-z_0-9]+ +\[", l)]
if len(chan) < 2:
    bad.append("fewer than 2 channel lines: %r" % chan)
for l in chan:
    if not re.search(r"[0-9]+% ?/ *[0-9]+%$", l):
        bad.append("a channel line without its blocked figures at the end: %r" % l)
# the alerts: whole, or cut at a word with an ellipsis
def mask(t):
    return re.sub(r"[0-9][0-9.,]*", "#", t)
texts = []
for f in m["bottlenecks"]:
    texts.append(mask(f["description"]))
    texts.append(mask("impact %.1f%% of %s; %s" % (f["impact_pct"], f["impact_of"], (f["suggestions"] or [""])[0])))
alerts = [l for l in right if re.match(r"^[> ] \[(LOW|MEDIUM|HIGH|CRITICAL)\] |^    impact ", l)]
matched = 0
for l in alerts:
    t = mask(re.sub(r"^[> ] \[[A-Z]+\] |^    ", "", l))
    cut = t.endswith("\u2026")
    if cut:
        t = t[:-1]
    hit = None
    for full in texts:
        if full.startswith(t):
            hit = full
            break
    if hit is None:
        continue  # a finding that came or went between the screen and the snapshot
    matched += 1
    if hit != t and hit[len(t)] not in " ,;:(":
        bad.append("an alert line cut inside a word or number: %r (the finding: %r)" % (l, hit))
    if hit != t and not cut:
        bad.append("an alert line cut without an ellipsis: %r" % l)
if not matched:
    if not bad and int(sys.argv[6]) < 5:
        sys.exit(3)
    bad.append("no alert line matches a finding of the snapshot: %r" % alerts)
for b in bad:
    print("FAIL [%s]: %s" % (what, b), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

write_ini "$T/p.ini"
# 160 columns: the left column is 82 cells, the right one starts at 85
check_fit 160 50 82 85 && note "ok: 160x50"
check_fit 80 24 80 1 && note "ok: 80x24"
# the demo has five stages and four channels: at 80x24 the Alerts panel still
# shows its finding
check_fit 80 24 80 1 "" && note "ok: 80x24, the demo"
finish
