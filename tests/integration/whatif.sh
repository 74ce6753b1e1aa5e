#!/bin/bash
# whatif.sh: what-if experiments as a user runs them (-whatif STAGE|auto,
# [profile] whatif):
#  - a planted pipeline, generate -> x (spin 3 us a record) -> y (spin 1 us)
#    -> null, one worker each, 9 s, `-whatif x`: the metrics JSON's `whatif`
#    key has the three rows of x (1.25x, 1.5x, 2x; method virtual_speedup),
#    each inside its 95% interval, with a baseline; x is the only slow stage
#    and y has headroom, so x twice as fast predicts a gain (in theory 2x
#    the baseline; the test asks for more than 1.05x: on a 2-core machine
#    at a load of 4 to 12, runs gave 1.27x to 3.1x, most 1.6x to 2.1x, as
#    the periods' CPU shares vary); the report and the bottleneck analysis
#    have the What if table; the bottleneck finding's impact is the
#    measured one (or, when the 2x interval holds both no gain and +25% on
#    a loaded machine, its description says it is too noisy to tell and the
#    impact is the capacity's);
#  - the experiment changes no record: csv -> spin (2 workers) -> json
#    lasting some seconds, with and without `-whatif`, gives the same
#    output byte for byte (and the run with it did run experiments);
#  - a run whose input ends before the warm-up ends with its input, -whatif
#    or not (no hang), with no `whatif` key;
#  - a stage that does not exist is a usage error (exit 2) naming the stages
#    and the key, on the command line or in the INI file (with its line);
#  - `-whatif auto` takes the analyzer's bottleneck: rows for x, first;
#  - with the source paced (rate = 5,000/s, far under x's 33,000/s) the
#    verdict names the source, whose time goes to waiting for its pace, which
#    no speed-up of its work changes: auto takes x, the busiest other stage.
. "$(dirname "$0")/lib.sh"

# x at 30 us a record (33,000 records/s) is far under what the source makes
# even in a sanitizer build (250,000/s under TSan, where x at 3 us left the
# source the limit): x is the bottleneck wherever the test runs
planted() { # FILE ROWS [PROFILE-LINE...]
	local file=$1 rows=$2
	shift 2
	{
		printf '[pipeline]\nname = planted\nworkers = 1\nduration = 9s\n\n'
		printf '[source]\ntype = generate\nrows = %s\n\n' "$rows"
		printf '[stage.x]\ntype = spin\nus_per_record = 30\n\n'
		printf '[stage.y]\ntype = spin\nus_per_record = 1\n\n'
		printf '[destination]\ntype = null\n\n[profile]\ntypes = none\n'
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$file"
}

# check_whatif_rows FILE STAGE [MIN-GAIN]: the metrics' whatif key has the
# three rows of STAGE, first, well formed; at 2x, more than MIN-GAIN times
# the baseline (not checked when empty).
check_whatif_rows() {
	"$PYTHON3" - "$@" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
stage = sys.argv[2]
min_gain = float(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else None
rows = m.get("whatif")
if not rows:
    sys.exit("no whatif key (keys: %s)" % list(m))
mine = [r for r in rows if r["stage"] == stage]
if rows[0]["stage"] != stage:
    sys.exit("the first row is for %s, not %s: %s" % (rows[0]["stage"], stage, rows))
if [r["speedup"] for r in mine] != [1.25, 1.5, 2.0]:
    sys.exit("the rows of %s have the speed-ups %s, expected 1.25, 1.5, 2: %s" % (stage, [r["speedup"] for r in mine], rows))
for r in mine:
    if set(r) != {"stage", "speedup", "records_per_sec", "low", "high", "baseline_records_per_sec", "method"}:
        sys.exit("a row's keys: %s" % sorted(r))
    if r["method"] != "virtual_speedup":
        sys.exit("method %r" % r["method"])
    if not r["low"] <= r["records_per_sec"] <= r["high"]:
        sys.exit("%gx: %s records/s outside its interval %s - %s" % (r["speedup"], r["records_per_sec"], r["low"], r["high"]))
    if not r["baseline_records_per_sec"] > 0:
        sys.exit("%gx: baseline %s" % (r["speedup"], r["baseline_records_per_sec"]))
two = mine[2]
ratio = two["records_per_sec"] / two["baseline_records_per_sec"]
if min_gain is not None and not ratio > min_gain:
    sys.exit("%s at 2x predicts %.0f records/s, %.2fx the baseline %.0f: expected more than %.2fx"
             % (stage, two["records_per_sec"], ratio, two["baseline_records_per_sec"], min_gain))
print("whatif %s: baseline %.0f records/s, 2x %.0f (%.2fx, 95%% interval %.0f - %.0f)"
      % (stage, two["baseline_records_per_sec"], two["records_per_sec"], ratio, two["low"], two["high"]))
PY
}

# --- the planted pipeline, -whatif x ------------------------------------------
planted "$T/planted.ini" 0
nebtop -b -whatif x "$T/planted.ini"
expect_rc 0 "the planted pipeline with -whatif x"
f=$(metrics_file)
check_whatif_rows "$f" x 1.05 || soft_fail "the whatif key of -whatif x (see above)"
"$PYTHON3" - "$f" <<'PY' || soft_fail "the bottleneck finding of -whatif x (see above)"
import json, sys
m = json.load(open(sys.argv[1]))
b = [f for f in m.get("bottlenecks", []) if f["type"] == "pipeline_bottleneck" and f.get("stage") == "x"]
if not b:
    sys.exit("no pipeline_bottleneck finding on x: %s" % [(f["type"], f.get("stage")) for f in m.get("bottlenecks", [])])
f = b[0]
if "; what-if: too noisy to tell what making x 2x faster would gain (" in f["description"]:
    # a loaded machine: the 2x interval holds both no gain and +25%; the
    # impact stays the capacity's
    if "measured" in f["impact_of"]:
        sys.exit("too noisy to tell, yet impact_of says measured: %s" % f["impact_of"])
    print("note: too noisy to tell on this machine: %s" % f["description"])
    sys.exit(0)
if "measured" not in f["impact_of"]:
    sys.exit("impact_of does not say it was measured: %s" % f["impact_of"])
if "what-if: making x 2x faster would gain" not in f["description"]:
    sys.exit("the description does not tell the what-if: %s" % f["description"])
if "whatif_gain_2x_pct" not in f["figures"]:
    sys.exit("no whatif_gain_2x_pct figure: %s" % sorted(f["figures"]))
# the impact is a share: the measured gain, within 0..100
if abs(min(100.0, max(0.0, f["figures"]["whatif_gain_2x_pct"])) - f["impact_pct"]) > 1e-6:
    sys.exit("impact %s is not the measured gain %s" % (f["impact_pct"], f["figures"]["whatif_gain_2x_pct"]))
PY
r=$(report_file)
a=${r%/*}/bottleneck_analysis_${r##*/report_}
for file in "$r" "$a"; do
	sec=$(sed -n '/^What if (virtual speed-up experiments/,/^$/p' "$file")
	[ -n "$sec" ] || {
		soft_fail "no What if section in ${file##*/}"
		continue
	}
	for row in '^  x: [0-9]+ rounds in ' '^    1\.25x +[0-9,]+ +[0-9,]+ - [0-9,]+ +[-+][0-9]+%$' \
		'^    1\.5x +[0-9,]+ ' '^    2x +[0-9,]+ +[0-9,]+ - [0-9,]+ +[-+][0-9]+%$' \
		'^    (making x 2x faster would gain [-+][0-9]+%|too noisy to tell what making x 2x faster would gain \()'; do
		printf '%s\n' "$sec" | grep -qE -- "$row" || soft_fail "${file##*/}: no line like '$row' in
$sec"
	done
done
grep -qE '^[0-9]+\. \[[A-Z]+\] Stage x is the bottleneck: .*; what-if: (making x 2x faster would gain [-+][0-9]+%|too noisy to tell what making x 2x faster would gain \()' "$a" ||
	soft_fail "the analysis's bottleneck does not tell the what-if: $(grep -m1 '^1\.' "$a")"
# the measured impact, but when it was too noisy to tell (the capacity's)
grep -qE '^[0-9]+\. \[[A-Z]+\] Stage x is the bottleneck: .*; what-if: too noisy' "$a" ||
	grep -qE '^   Impact: .*measured by [0-9]+ rounds of virtual speed-up experiments' "$a" ||
	soft_fail "the analysis's impact is not the measured one: $(grep -m1 '^   Impact:' "$a")"

# --- the experiment changes no record -------------------------------------------
"$PYTHON3" - "$T/in.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,name,amount\n")
    for i in range(300000):
        f.write('%d,"name %d, the %dth",%d.%02d\n' % (i, i * 7919 % 100003, i, i % 9973, i % 100))
PY
convert_ini() { # FILE OUTPUT
	printf '[pipeline]\nname = convert\nworkers = 2\n\n[source]\ntype = csv\nfile_path = %s\n\n' "$T/in.csv" >"$1"
	printf '[stage.amounts]\ntype = cast\nfield = amount\nto = float\n\n' >>"$1"
	printf '[stage.work]\ntype = spin\nus_per_record = 40\n\n' >>"$1"
	printf '[destination]\ntype = json\nfile_path = %s\n\n[profile]\ntypes = none\n' "$2" >>"$1"
}
convert_ini "$T/plain.ini" "$T/plain.json"
nebtop -b "$T/plain.ini"
expect_rc 0 "csv -> json without -whatif"
[ "$(metric "$(metrics_file)" '"whatif" in m')" = False ] || soft_fail "a run without -whatif has a whatif key"
convert_ini "$T/wi.ini" "$T/wi.json"
nebtop -b -whatif work "$T/wi.ini"
expect_rc 0 "csv -> json with -whatif work"
same_file "$T/plain.json" "$T/wi.json" "csv -> json with -whatif work against without"
[ "$(wc -l <"$T/wi.json")" = 300000 ] || soft_fail "csv -> json: $(wc -l <"$T/wi.json") lines, expected 300000"
# (the experiments ran: a round takes 2 s after the warm-up of 2 s, and the
# spin stage alone takes 6 s of its two threads)
check_whatif_rows "$(metrics_file)" work "" || soft_fail "the whatif key of csv -> json with -whatif work: no experiment, or not as the rows should be (see above)"

# --- an input that ends before the warm-up: no hang, no whatif -------------------
planted "$T/small.ini" 5000
RC=0
(cd "$T" && timeout -s KILL 60 "$NEBTOP" -output "$T/prof" -b -whatif x "$T/small.ini") >"$T/stdout" 2>"$T/stderr" || RC=$?
[ "$RC" = 137 ] && fail "a run of 5,000 rows with -whatif x hung (killed after 60 s)"
expect_rc 0 "5,000 rows with -whatif x"
f=$(metrics_file)
[ "$(metric "$f" 'm["records"]["out"]')" = 5000 ] || soft_fail "5,000 rows with -whatif x: $(metric "$f" 'm["records"]') records"
[ "$(metric "$f" '"whatif" in m')" = False ] || soft_fail "a run that ended before the warm-up has a whatif key"
[ "$(metric "$f" 'm["stop_reason"]')" != duration ] || soft_fail "5,000 rows with -whatif x ran to its duration"

# --- a stage that does not exist --------------------------------------------------
nebtop -b -whatif nosuch "$T/planted.ini"
expect_rc 2 "-whatif nosuch"
stderr_has "-whatif: no stage named 'nosuch'" "-whatif nosuch"
stderr_has "(the stages: source, x, y, destination, or auto)" "-whatif nosuch"
planted "$T/bad.ini" 0 'whatif = nosuch'
line=$(grep -n '^whatif = nosuch' "$T/bad.ini" | cut -d: -f1)
nebtop -b "$T/bad.ini"
expect_rc 2 "[profile] whatif = nosuch"
stderr_has "bad.ini:$line: [profile] key 'whatif': no stage named 'nosuch'" "[profile] whatif = nosuch"
stderr_has "(the stages: source, x, y, destination, or auto)" "[profile] whatif = nosuch"
[ -e "$T/prof" ] && [ -n "$(ls -A "$T/prof")" ] && soft_fail "a usage error wrote a snapshot"

# --- auto: the bottleneck ------------------------------------------------------------
nebtop -b -whatif auto "$T/planted.ini"
expect_rc 0 "the planted pipeline with -whatif auto"
check_whatif_rows "$(metrics_file)" x "" || soft_fail "-whatif auto did not take x, the bottleneck (see above)"

# --- auto passes over a stage that waits for its configured pace ----------------------
planted "$T/paced.ini" 0
sed -i 's/^rows = 0$/rows = 0\nrate = 5000/' "$T/paced.ini"
grep -q '^rate = 5000$' "$T/paced.ini" || fail "no rate in $T/paced.ini"
nebtop -b -whatif auto "$T/paced.ini"
expect_rc 0 "the paced pipeline with -whatif auto"
check_whatif_rows "$(metrics_file)" x "" || soft_fail "-whatif auto did not take x over the paced source (see above)"

note "what-if: planted x, output unchanged, input ends, bad stage, auto, auto with a paced source"
finish
