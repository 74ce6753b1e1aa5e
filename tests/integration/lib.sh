# lib.sh: shared helpers of the integration tests (sourced, not run).
# Sets up NEBTOP, SRCDIR, PYTHON3 (from the environment that `make check`
# provides, or from this file's location when a test is run by hand), a fresh
# scratch folder $T removed on exit, and helpers to run nebtop and compare.

set -u

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRCDIR=${SRCDIR:-$(cd "$LIB_DIR/../.." && pwd)}
BUILDDIR=${BUILDDIR:-$SRCDIR}
NEBTOP=${NEBTOP:-$BUILDDIR/nebtop}
PYTHON3=${PYTHON3:-python3}
DATA=$SRCDIR/tests/data
REF=$LIB_DIR/csv_to_json.py
TEST_NAME=$(basename "$0" .sh)

if [ ! -x "$NEBTOP" ]; then
	echo "SKIP: no nebtop binary at $NEBTOP" >&2
	exit 77
fi
if ! "$PYTHON3" -c 'import sys; sys.exit(sys.version_info < (3, 8))' 2>/dev/null; then
	echo "SKIP: no python3 (3.8 or later) at $PYTHON3" >&2
	exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/nebtop-$TEST_NAME.XXXXXX") || exit 1
# shellcheck disable=SC2064
trap "rm -rf '$T'" EXIT
export TZ=UTC LC_ALL=C

# fail MESSAGE...: report a failure and stop the test.
fail() {
	echo "FAIL [$TEST_NAME]: $*" >&2
	exit 1
}

# note MESSAGE...: progress shown in the test's log.
note() {
	echo "[$TEST_NAME] $*"
}

# nebtop ARGS...: runs nebtop (never for more than 120 s: a hang guard, not a
# timing assertion) in $T with stdout in $T/stdout and stderr in $T/stderr;
# sets RC. Snapshots go to $T/prof (emptied first) unless the arguments say
# otherwise.
nebtop() {
	RC=0
	rm -rf "$T/prof"
	(cd "$T" && timeout -s KILL 120 "$NEBTOP" -output "$T/prof" "$@") >"$T/stdout" 2>"$T/stderr" || RC=$?
	[ "$RC" = 137 ] && fail "nebtop hung (killed after 120 s): nebtop $*"
	return 0
}

# expect_rc N WHAT: the last nebtop run exited with status N.
expect_rc() {
	if [ "$RC" != "$1" ]; then
		echo "--- stderr of nebtop:" >&2
		head -c 3000 "$T/stderr" >&2
		fail "$2: exit status $RC, expected $1"
	fi
}

# csv2json IN OUT [OPTIONS...]: the Python reference conversion; its summary
# (JSON: records, written, errors) goes to OUT.summary.
csv2json() {
	local in=$1 out=$2
	shift 2
	"$PYTHON3" "$REF" "$in" "$out" "$@" >"$out.summary" || fail "the reference converter failed on $in"
}

# same_file EXPECTED ACTUAL WHAT: byte-for-byte equal, or a failure showing
# the first line that differs.
same_file() {
	[ -f "$2" ] || fail "$3: no output file $2"
	cmp -s "$1" "$2" && return 0
	"$PYTHON3" - "$1" "$2" "$3" >&2 <<'EOF'
import sys
a = open(sys.argv[1], 'rb').read().split(b'\n')
b = open(sys.argv[2], 'rb').read().split(b'\n')
print('%s: output differs from the reference (%d vs %d lines)' % (sys.argv[3], len(a), len(b)))
for i in range(max(len(a), len(b))):
    x = a[i] if i < len(a) else None
    y = b[i] if i < len(b) else None
    if x != y:
        print('first difference at line %d:' % (i + 1))
        print('  expected: %r' % (x[:300] if x is not None else '(end of file)'))
        print('  nebtop:   %r' % (y[:300] if y is not None else '(end of file)'))
        break
EOF
	fail "$3: output differs from the reference"
}

# metrics_file: the newest metrics_*.json in $T/prof (the final snapshot).
metrics_file() {
	local f
	f=$(ls -1t "$T"/prof/metrics_*.json 2>/dev/null | head -n 1)
	[ -n "$f" ] || fail "no metrics_*.json snapshot in $T/prof"
	echo "$f"
}

# metric FILE EXPR: a value of a metrics JSON file, EXPR in Python over m,
# e.g. metric "$f" 'm["records"]["in"]'.
metric() {
	"$PYTHON3" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" ||
		fail "cannot read $2 from $1"
}

# check_records FILE IN OUT FILTERED ERRORS: the records counts of a snapshot
# (an empty argument is not checked) and records.in = out + filtered + errors
# (a soft failure).
check_records() {
	"$PYTHON3" - "$@" <<'EOF' || { soft_fail "records counts of $1 (see above)"; return 1; }
import json, sys
m = json.load(open(sys.argv[1]))
r = m["records"]
bad = []
for key, want in zip(("in", "out", "filtered", "errors"), sys.argv[2:6]):
    if want != "" and r[key] != int(want):
        bad.append("records.%s = %d, expected %s" % (key, r[key], want))
if r["in"] != r["out"] + r["filtered"] + r["errors"]:
    bad.append("records.in (%d) != out (%d) + filtered (%d) + errors (%d)"
               % (r["in"], r["out"], r["filtered"], r["errors"]))
if r["dead_lettered"] > r["errors"]:
    bad.append("dead_lettered (%d) > errors (%d)" % (r["dead_lettered"], r["errors"]))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

# stderr_has TEXT WHAT: nebtop's stderr holds TEXT (fixed string).
stderr_has() {
	grep -qF -- "$1" "$T/stderr" || {
		echo "--- stderr of nebtop:" >&2
		head -c 3000 "$T/stderr" >&2
		fail "$2: stderr lacks '$1'"
	}
}

# soft_fail MESSAGE...: a failed check that lets the test go on to its other
# checks; finish then fails the test.
FAILS=0
soft_fail() {
	echo "FAIL [$TEST_NAME]: $*" >&2
	FAILS=$((FAILS + 1))
}

# finish: ends the test: status 1 when a soft_fail happened, else 0.
finish() {
	[ "$FAILS" = 0 ] || fail "$FAILS check(s) failed (see above)"
	exit 0
}

# report_file: the report_*.txt of the same snapshot as metrics_file.
report_file() {
	local m
	m=$(metrics_file)
	m=${m##*/metrics_}
	echo "$T/prof/report_${m%.json}.txt"
}

# report_errors: the lines of the final report's "Record errors" section.
report_errors() {
	sed -n '/^Record errors/,/^$/p' "$(report_file)" | sed -n 's/^  //p'
}

# same_text EXPECTED ACTUAL WHAT: two strings are equal (soft failure).
same_text() {
	[ "$1" = "$2" ] && return 0
	soft_fail "$3: got
$2
expected
$1"
	return 1
}

# watchdog PID [SECONDS]: kills PID with SIGKILL if it still runs after
# SECONDS (default 120; a hang guard for background runs; not `timeout`,
# which would pass a signal sent to it on twice: to nebtop and to its process
# group). Ends by itself within 0.1 s of PID's end; its own PID is in
# $WATCHDOG.
watchdog() {
	local pid=$1 secs=${2:-120}
	(for _ in $(seq $((secs * 10))); do
		sleep 0.1
		kill -0 "$pid" 2>/dev/null || exit 0
	done
	kill -KILL "$pid") >/dev/null 2>&1 &
	WATCHDOG=$!
}

# nebtop_compare ARGS...: runs `nebtop compare ARGS...` in $T (where its diff
# flame graph goes) with stdout in
# $T/stdout and stderr in $T/stderr (a hang guard of 60 s, not a timing
# assertion); sets RC.
nebtop_compare() {
	RC=0
	(cd "$T" && timeout -s KILL 60 "$NEBTOP" compare "$@") >"$T/stdout" 2>"$T/stderr" || RC=$?
	[ "$RC" = 137 ] && fail "nebtop compare hung: nebtop compare $*"
	return 0
}

# check_abandoned_output WHAT MSG OUT: after a drain abandoned (exit 130):
# MSG, nebtop's "abandoned by ..." message, counts the records read and not
# written and names OUT.part; OUT was not committed; OUT.part holds whole
# JSON lines, col1 = 1, 2, ... in order, at least as many as MSG says were
# written; no final snapshot in $T/prof.
check_abandoned_output() {
	local what=$1 msg=$2 out=$3 written
	printf '%s\n' "$msg" | grep -qE ': [0-9,]+ records? read not written' ||
		soft_fail "$what: the message does not count the records not written: $msg"
	printf '%s\n' "$msg" | grep -qF "partial output left in $out.part" ||
		soft_fail "$what: the message does not name $out.part: $msg"
	[ -e "$out" ] && soft_fail "$what: $out was committed by an abandoned run"
	[ -e "$out.part" ] || soft_fail "$what: no $out.part left, as the message says"
	written=$(printf '%s\n' "$msg" | sed -n 's/.* read, \([0-9,]*\) written).*/\1/p' | tr -d ,)
	[ -n "$written" ] || soft_fail "$what: no 'N written' in the message: $msg"
	if [ -e "$out.part" ] && [ -n "$written" ]; then
		"$PYTHON3" - "$out.part" "$written" "$what" <<'PY' || soft_fail "$what: $out.part (see above)"
import json, sys
path, written, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(path, encoding="utf-8").read().split("\n")
if lines[-1] != "":
    sys.exit("%s: the last line of the partial output is cut" % what)
ids = [json.loads(l)["col1"] for l in lines[:-1]]
if ids != [str(i) for i in range(1, len(ids) + 1)]:
    sys.exit("%s: col1 of the partial output is not 1..%d in order" % (what, len(ids)))
# the writer may finish a batch between the count and the exit
if len(ids) < written:
    sys.exit("%s: %d records in the partial output, the message says %d written" % (what, len(ids), written))
PY
	fi
	ls "$T"/prof/metrics_*.json >/dev/null 2>&1 && soft_fail "$what: a final snapshot was written by an abandoned run"
	return 0
}

# sanitized: nebtop was built with ASan or TSan (they intercept malloc)
sanitized() { grep -aq -e __asan_init -e __tsan_init "$NEBTOP"; }

# start ARGS...: nebtop in the background (PID in $PID), output in $T/bg.*;
# its watchdog kills it after BG_LIMIT_S seconds (default 120).
start() {
	rm -rf "$T/prof"
	(cd "$T" && exec "$NEBTOP" -output "$T/prof" "$@") >"$T/bg.out" 2>"$T/bg.err" &
	PID=$!
	watchdog "$PID" "${BG_LIMIT_S:-120}"
}

# wait_until WHAT CMD...: polls CMD for up to 30 s (a hang guard only).
wait_until() {
	local what=$1
	shift
	for _ in $(seq 300); do
		"$@" && return 0
		sleep 0.1
	done
	kill -KILL "$PID" 2>/dev/null
	fail "$what: not seen within 30 s; stderr: $(head -c 2000 "$T/bg.err")"
}

# finish_bg WHAT: waits for the background nebtop; it must exit with 0.
finish_bg() {
	local rc=0
	wait "$PID" || rc=$?
	wait "$WATCHDOG" 2>/dev/null
	[ "$rc" = 137 ] && fail "$1: nebtop hung (killed after 120 s)"
	[ "$rc" = 0 ] || fail "$1: exit status $rc, expected 0; stderr: $(head -c 2000 "$T/bg.err")"
}

# --- pipelines more than one test runs (INI files) ---------------------------

# ini_generated STAGE DESTINATION [SOURCE-LINE...]: prints a pipeline INI:
# generate (rows = 0: until stopped, and the lines given) -> STAGE (a stage's
# section, its lines joined by newlines) -> DESTINATION (the lines of the
# [destination] section).
ini_generated() {
	local stage=$1 dest=$2
	shift 2
	printf '[source]\ntype = generate\nrows = 0\n'
	[ $# -gt 0 ] && printf '%s\n' "$@"
	printf '\n%s\n\n[destination]\n%s\n' "$stage" "$dest"
}

# ini_cast NAME FIELD TYPE: prints the section of a cast stage NAME that casts
# FIELD to TYPE
ini_cast() { printf '[stage.%s]\ntype = cast\nfield = %s\nto = %s\n' "$1" "$2" "$3"; }

# ini_hot_start: prints the start of a pipeline INI with a planted CPU
# hotspot: generate (rows = 0) -> [stage.hot] spin 20 us a record; the rest of
# the pipeline follows it.
ini_hot_start() { printf '[source]\ntype = generate\nrows = 0\n\n[stage.hot]\ntype = spin\nus_per_record = 20\n'; }

# ini_lock_pipeline FILE [PIPELINE-LINE...]: a planted lock bottleneck:
# generate -> [stage.ledger] contend (each record holds the stage's one shared
# lock for 20 us) -> null; the lines given go in a [pipeline] section first.
ini_lock_pipeline() {
	local file=$1
	shift
	{
		[ $# -gt 0 ] && printf '[pipeline]\n%s\n\n' "$@"
		ini_generated $'[stage.ledger]\ntype = contend\nhold_us = 20' 'type = null'
	} >"$file"
}

# ini_slow_destination FILE [SOURCE-LINE...]: a throttled destination:
# generate (and the lines given) -> [stage.clean] select col1-3 -> csv
# $T/out.csv with rate_limit = 5000, so the senders to it block.
ini_slow_destination() {
	local file=$1
	shift
	ini_generated $'[stage.clean]\ntype = select\nfields = col1, col2, col3' \
		"$(printf 'type = csv\nfile_path = %s/out.csv\nrate_limit = 5000' "$T")" "$@" >"$file"
}

# ini_spin_pipeline FILE [SOURCE-LINE...]: a planted CPU hotspot: generate
# (and the lines given) -> [stage.burn] spin 20 us a record -> null
ini_spin_pipeline() {
	local file=$1
	shift
	ini_generated $'[stage.burn]\ntype = spin\nus_per_record = 20' 'type = null' "$@" >"$file"
}
