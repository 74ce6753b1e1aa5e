# prof_all.sh: -types all on a csv -> [stage.typed] cast -> [stage.flags] cast
# -> json pipeline over a 50,000-row CSV made here: exit 0, the output is
# identical to a run with -types none (the profilers change nothing), the
# conservation equation holds in both; the snapshot has every profile (cpu
# .prof and .folded, memory (not in sanitizer builds, which do not interpose
# malloc), block, mutex, threads; trace_TS.json, if there, is valid JSON),
# -types none writes none, every .prof opens with go tool pprof -top without a
# word on stderr, and the metrics' pipeline.profile_types names them all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prof_lib.sh"


"$PYTHON3" - "$T/in.csv" <<'EOF' || fail "cannot make the input"
import random, sys
r = random.Random(7)
with open(sys.argv[1], "w", newline="") as f:
    f.write("id,name,amount,flag\n")
    for i in range(1, 50001):
        name = "".join(r.choice("abcdefgh ,\"xyz") for _ in range(r.randint(1, 12)))
        if any(c in name for c in ',"'):
            name = '"' + name.replace('"', '""') + '"'
        f.write("%d,%s,%.2f,%s\n" % (i, name, r.uniform(-1000, 1000), r.choice(["true", "false", "1", "no"])))
EOF
cat >"$T/all.ini" <<'EOF'
[source]
type = csv
file_path = in.csv

[stage.typed]
type = cast
field = id, amount
to = float

[stage.flags]
type = cast
field = flag
to = bool

[destination]
type = json
file_path = out.json
EOF

# --- -types none: the reference output -------------------------------------------------
nebtop -types none -duration 0 "$T/all.ini"
expect_rc 0 "-types none"
[ -f "$T/out.json" ] || fail "-types none: no output"
mv "$T/out.json" "$T/none.json"
check_records "$(metrics_file)" 50000 50000 0 0
for f in "$T"/prof/*; do
	case ${f##*/} in
	report_*.txt | bottleneck_analysis_*.txt | metrics_*.json) ;;
	*) soft_fail "-types none wrote ${f##*/}" ;;
	esac
done
same_text none "$(metric "$(metrics_file)" 'm["pipeline"]["profile_types"]')" "metrics profile_types with -types none"

# --- -types all -----------------------------------------------------------------------
nebtop -types all -duration 0 "$T/all.ini"
expect_rc 0 "-types all"
same_file "$T/none.json" "$T/out.json" "-types all"
M=$(metrics_file)
check_records "$M" 50000 50000 0 0
same_text cpu,memory,block,mutex,goroutine,trace "$(metric "$M" 'm["pipeline"]["profile_types"]')" "metrics profile_types with -types all"
STAMP=${M##*/metrics_}
STAMP=${STAMP%.json}
[ "$(ls "$T"/prof/metrics_*.json | wc -l)" = 1 ] || soft_fail "more than one snapshot: $(ls "$T/prof")"
WANT="cpu_$STAMP.prof cpu_$STAMP.folded flame_$STAMP.svg block_$STAMP.prof mutex_$STAMP.prof threads_$STAMP.txt report_$STAMP.txt bottleneck_analysis_$STAMP.txt"
if [ -f "$T/prof/memory_$STAMP.prof" ]; then
	WANT="$WANT memory_$STAMP.prof"
elif sanitized; then
	note "sanitizer build: malloc is not interposed and no memory profile is written; its checks are skipped"
else
	soft_fail "-types all wrote no memory profile: $(ls "$T/prof")"
fi
for f in $WANT; do
	# a run this short may have no CPU sample: the folded file may be empty
	case $f in *.folded) [ -f "$T/prof/$f" ] ;; *) [ -s "$T/prof/$f" ] ;; esac ||
		soft_fail "-types all: no $f (or empty): $(ls "$T/prof")"
done
for f in "$T"/prof/*; do
	case " $WANT metrics_$STAMP.json trace_$STAMP.json " in
	*" ${f##*/} "*) ;;
	*) soft_fail "-types all wrote an unexpected file ${f##*/}" ;;
	esac
done
if [ -f "$T/prof/trace_$STAMP.json" ]; then
	"$PYTHON3" -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/prof/trace_$STAMP.json" ||
		soft_fail "trace_$STAMP.json is not valid JSON"
else
	note "no trace_$STAMP.json (the tracer is not in this version)"
fi
for f in "$T"/prof/*.prof; do
	pprof "${f##*/}" "$T/top" -top "$f"
	grep -q '^Type: ' "$T/top" || soft_fail "go tool pprof -top ${f##*/}: no Type line: $(head -5 "$T/top")"
done
grep -q '^nebtop threads: ' "$T/prof/threads_$STAMP.txt" || soft_fail "threads_$STAMP.txt has no count line"
"$PYTHON3" - "$T/prof/cpu_$STAMP.folded" <<'EOF' || soft_fail "cpu_$STAMP.folded is not folded stacks"
import re, sys
for ln in open(sys.argv[1], encoding="utf-8").read().splitlines():
    if not re.match(r"^[^; ]+(;[^; ]+)+ \d+$", ln):
        sys.exit("not a folded line: %r" % ln)
EOF
note "ok: -types all"
finish
