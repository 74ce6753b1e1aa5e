# flame_svg.sh: the flame graph of every snapshot. A pipeline generate ->
# [stage.hot] spin -> [stage.warm] spin -> [stage.keep] select -> null with
# -types cpu, a snapshot on SIGUSR1 and the final one at SIGINT: each
# snapshot that has cpu_TS.folded has flame_TS.svg, which xmllint reads as
# well-formed XML and whose frames add up to the folded file (the bottom
# frame holds every sample, each stage frame its stage's samples, widths are
# shares, the frames resting on a frame hold at most its samples;
# spin_burn_cpu above the hot stage, and the warm one in the final
# snapshot); -types memory writes none.
# Then headless Chromium: a screenshot is not blank and shows the hot
# stage's colour, and a click on spin_burn_cpu zooms it, Escape resets,
# Ctrl-F finds it with its share (flame_check.py drives the browser over the
# DevTools protocol). Without chromium only the browser part is skipped
# (exit 77 when the rest passed).
. "$(dirname "$0")/lib.sh"
command -v xmllint >/dev/null || fail "xmllint is needed (Debian package libxml2-utils)"
CHECK=$LIB_DIR/flame_check.py

{
	ini_hot_start
	cat <<'INI'

[stage.warm]
type = spin
us_per_record = 8

[stage.keep]
type = select
fields = col1,col2

[destination]
type = null
INI
} >"$T/p.ini"

# --- a snapshot on SIGUSR1, the final one on SIGINT -------------------------------
rm -rf "$T/prof"
(cd "$T" && exec "$NEBTOP" -output "$T/prof" -types cpu -duration 0 --headless "$T/p.ini") >"$T/bg.out" 2>"$T/bg.err" &
PID=$!
watchdog "$PID"
# until_seen WHAT PATTERN: waits (up to 60 s, a hang guard) for PATTERN on stderr
until_seen() {
	for _ in $(seq 600); do
		grep -q "$2" "$T/bg.err" && return 0
		kill -0 "$PID" 2>/dev/null || fail "$1: nebtop ended: $(tail -c 2000 "$T/bg.err")"
		sleep 0.1
	done
	kill -KILL "$PID"
	fail "$1: not seen within 60 s: $(tail -c 2000 "$T/bg.err")"
}
until_seen "start" running
sleep 2
kill -USR1 "$PID"
until_seen "the SIGUSR1 snapshot" '^nebtop: snapshot '
sleep 1
kill -INT "$PID"
rc=0
wait "$PID" || rc=$?
[ "$rc" = 0 ] || fail "exit status $rc after SIGINT: $(tail -c 2000 "$T/bg.err")"
grep -q '^nebtop: final snapshot .* flame_[0-9_]*\.svg' "$T/bg.err" ||
	soft_fail "the final snapshot's line does not name its flame graph: $(grep snapshot "$T/bg.err")"

n=0
for m in "$T"/prof/metrics_*.json; do
	s=${m##*/metrics_}
	s=${s%.json}
	n=$((n + 1))
	F=$T/prof/flame_$s.svg
	[ -f "$T/prof/cpu_$s.folded" ] || { soft_fail "snapshot $s has no cpu_$s.folded"; continue; }
	[ -f "$F" ] || { soft_fail "snapshot $s has cpu_$s.folded but no flame_$s.svg: $(ls "$T/prof")"; continue; }
	xmllint --noout "$F" 2>"$T/xmllint.err" || soft_fail "xmllint: flame_$s.svg: $(head -c 1000 "$T/xmllint.err")"
	# the warm stage's work is only looked for in the final snapshot (the first
	# may have few samples on a loaded machine)
	want="hot=spin_burn_cpu"
	[ "$n" = 2 ] && want="$want warm=spin_burn_cpu"
	stages=$("$PYTHON3" "$CHECK" svg "$F" "$T/prof/cpu_$s.folded" $want) ||
		soft_fail "flame_$s.svg does not add up to cpu_$s.folded (see above)"
	note "flame_$s.svg: samples by stage $stages"
	mkdir -p "$T/keep"
	cp "$F" "$T/keep/" && FINAL=$T/keep/${F##*/}
done
[ "$n" = 2 ] || soft_fail "$n snapshots, expected 2 (SIGUSR1 and the final one): $(ls "$T/prof")"
ls "$T"/prof/.*.tmp >/dev/null 2>&1 && soft_fail "temporary files left: $(ls -a "$T/prof")"

# --- no CPU profile, no flame graph -----------------------------------------------------
nebtop -types memory -duration 1s "$T/p.ini"
expect_rc 0 "-types memory"
ls "$T"/prof/flame_* "$T"/prof/cpu_* >/dev/null 2>&1 && soft_fail "-types memory wrote a CPU file: $(ls "$T/prof")"
grep -q 'flame_[0-9]' "$T/stderr" && soft_fail "-types memory names a flame graph: $(grep snapshot "$T/stderr")"

# --- a real browser -----------------------------------------------------------------------
[ -n "${FINAL:-}" ] || finish
if ! command -v chromium >/dev/null; then
	[ "$FAILS" = 0 ] || finish
	echo "SKIP: no chromium (Debian package chromium): the flame graph was not opened in a browser" >&2
	exit 77
fi
HOT=$(grep -o '<g class="f" data-samples="[0-9]*"><title>hot ([^<]*</title><rect [^>]*fill="rgb([0-9,]*)"' "$FINAL" |
	sed 's/.*fill="rgb(\([0-9,]*\))"/\1/')
[ -n "$HOT" ] || fail "no frame for the hot stage in $FINAL"
timeout -s KILL 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --user-data-dir="$T/chromium" \
	--screenshot="$T/shot.png" --window-size=1200,800 "file://$FINAL" >"$T/chromium.out" 2>&1 ||
	soft_fail "chromium --screenshot failed: $(tail -c 1500 "$T/chromium.out")"
if [ -f "$T/shot.png" ]; then
	png=$("$PYTHON3" "$CHECK" png "$T/shot.png" "$HOT") || soft_fail "the screenshot of ${FINAL##*/} (see above)"
	note "screenshot: $png, the hot stage's rgb($HOT) among them"
fi
"$PYTHON3" "$CHECK" browser chromium "$FINAL" spin_burn_cpu || soft_fail "the flame graph in Chromium (see above)"
finish
