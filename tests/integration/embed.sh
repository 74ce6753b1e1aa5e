# embed.sh: the libnebula example (examples/embed.c, linked with the shared
# libnebula) runs, writes a snapshot, and go tool pprof opens its CPU profile:
# the heavier stage's function leads, and -tagfocus keeps each stage's own;
# the analyzer names it as a CPU hotspot of stage score; its flame graph
# (flame_TS.svg) adds up to its folded stacks and draws embed_score above
# the score stage. Before that, embed_errors (tests/integration/embed_errors.c)
# checks the library's version against its header, a message for each failed
# call, and callers built with an older or a newer struct layout.
. "$(dirname "$0")/lib.sh"
EMBED=$BUILDDIR/examples/embed
ERRORS=$BUILDDIR/tests/integration/embed_errors
[ -x "$EMBED" ] || fail "examples/embed was not built"
[ -x "$ERRORS" ] || fail "tests/integration/embed_errors was not built"
mkdir "$T/errors"
"$ERRORS" "$T/errors" >"$T/errors.out" 2>&1 || fail "embed_errors: $(grep -v '^ok' "$T/errors.out")"
note "embed_errors: $(grep -c '^ok' "$T/errors.out") checks passed"
command -v go >/dev/null || fail "go tool pprof is needed (Debian package golang-go)"
export HOME=$T PPROF_TMPDIR=$T/pprof GOCACHE=$T/gocache GOFLAGS= GOTOOLCHAIN=local
"$EMBED" "$T/prof" 1.5 >"$T/stdout" 2>"$T/stderr" || fail "embed failed: $(cat "$T/stderr")"
grep -q "embed: stage score:" "$T/stdout" || fail "no stage results: $(cat "$T/stdout")"
# nebula_version() and NEBULA_VERSION, as the example prints them
grep -Eq '^embed: libnebula ([0-9]+\.[0-9]+\.[0-9]+) \(built with the header of \1\)$' "$T/stdout" ||
	fail "nebula_version() and NEBULA_VERSION differ: $(head -1 "$T/stdout")"
grep -q '^embed:' "$T/stderr" && fail "embed reported a failure: $(cat "$T/stderr")"
grep -q "slowest stage: score" "$T/stdout" || soft_fail "the slowest stage is not score: $(cat "$T/stdout")"
# the analyzer's CPU rules: score's function is the hotspot, named with its stage
grep -q "embed: finding: \[[a-z]*\] Function 'embed_score' in stage score consuming" "$T/stdout" ||
	soft_fail "no hotspot finding for embed_score in stage score: $(cat "$T/stdout")"
"$PYTHON3" - "$T/prof" <<'EOF' || soft_fail "the metrics' bottlenecks (see above)"
import glob, json, sys
m = json.load(open(sorted(glob.glob(sys.argv[1] + "/metrics_*.json"))[-1]))
b = m["bottlenecks"]
assert b and m["primary_bottleneck"] == b[0], (b, m.get("primary_bottleneck"))
assert any(x["type"] == "cpu_hotspot" and x["component"] == "embed_score" and x["stage"] == "score" for x in b), b
EOF
PROF=$(ls "$T"/prof/cpu_*.prof 2>/dev/null | head -n 1)
[ -n "$PROF" ] || fail "no CPU profile in $T/prof: $(ls "$T/prof")"
ls "$T"/prof/metrics_*.json >/dev/null 2>&1 || soft_fail "no metrics file"
ls "$T"/prof/threads_*.txt >/dev/null 2>&1 || soft_fail "no threads file"
FLAME=$(ls "$T"/prof/flame_*.svg 2>/dev/null | head -n 1)
if [ -z "$FLAME" ]; then
	soft_fail "no flame graph in $T/prof: $(ls "$T/prof")"
else
	"$PYTHON3" "$LIB_DIR/flame_check.py" svg "$FLAME" "${PROF%.prof}.folded" score=embed_score >/dev/null ||
		soft_fail "${FLAME##*/} does not add up to its folded stacks (see above)"
fi
go tool pprof -top -nodefraction=0 "$PROF" >"$T/top" 2>"$T/pprof.err" || fail "pprof: $(cat "$T/pprof.err")"
[ -s "$T/pprof.err" ] && soft_fail "pprof warned: $(cat "$T/pprof.err")"
first=$(awk '/flat%/ {getline; print $6; exit}' "$T/top")
[ "$first" = embed_score ] || soft_fail "the top function is '$first', expected embed_score: $(head -15 "$T/top")"
go tool pprof -top -tagfocus='stage=^parse$' "$PROF" >"$T/parse" 2>/dev/null
grep -q embed_parse "$T/parse" || soft_fail "stage=parse does not show embed_parse: $(head -15 "$T/parse")"
grep -q embed_score "$T/parse" && soft_fail "stage=parse shows embed_score"
finish
