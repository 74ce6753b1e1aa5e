# cpu_frames_named.sh: the CPU profiles of nebtop's own pipelines name the
# functions their samples are in. Four pipelines (csv -> json, json -> csv,
# generate -> cast/filter/select -> json, and generate -> spin -> null, whose
# samples are half in clock_gettime and the vDSO), profiled at 1000 Hz:
# under 2% of samples have a leaf frame without a name, counted in the
# folded file (a frame that is a bare address, [unknown] or [unmapped]) and
# in the pprof file (go tool pprof -raw: a leaf location without a
# function); and no finding of the analyzer is about a function without a
# symbol (a name made from a file and an address, "libz.so.1+0x2a40"), even
# with the hotspot threshold low enough for the vDSO's share.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prof_lib.sh"

"$PYTHON3" - "$T/in.csv" <<'PY' || fail "cannot write the input"
import sys
words = ["alpha", "bravo", "charlie", "delta", "echo, with a comma", "foxtrot \"quoted\""]
with open(sys.argv[1], "w") as f:
    f.write("id,name,amount,city,note\n")
    for i in range(600000):
        w = words[i % len(words)].replace('"', '""')  # CSV: a quote in a quoted field is doubled
        f.write('%d,"%s",%d.%02d,city %d,"%s"\n' % (i, w, i * 7 % 100000, i % 100, i % 977, w))
PY

# check NAME: the samples of the last run's final CPU profile.
check() {
	local name=$1 folded prof
	folded=$(ls -1t "$T"/prof/cpu_*.folded 2>/dev/null | head -n 1)
	prof=$(ls -1t "$T"/prof/cpu_*.prof 2>/dev/null | head -n 1)
	[ -n "$folded" ] && [ -n "$prof" ] || { soft_fail "$name: no CPU profile in $T/prof"; return; }
	if ! go tool pprof -raw "$prof" >"$T/$name.raw" 2>"$T/$name.raw.err"; then
		soft_fail "$name: go tool pprof -raw failed: $(head -c 800 "$T/$name.raw.err")"
		return
	fi
	local raw_share
	raw_share=$("$PYTHON3" "$T/rawq.py" "$T/$name.raw" \
		'"%d %d" % (sum(s["v"][0] for s in S if s["locs"] and not L.get(s["locs"][0])), sum(s["v"][0] for s in S))')
	"$PYTHON3" - "$name" "$folded" "$raw_share" "$(metrics_file)" <<'PY' || soft_fail "$name: unnamed frames (see above)"
import json, re, sys
name, folded, raw, metrics = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4]
unnamed = re.compile(r"^(0x[0-9a-fA-F]+|\[unknown\]|\[unmapped\])$")
made = re.compile(r"(\+0x[0-9a-f]+$|^\[unknown\]$|^\[unmapped\]$|^0x[0-9a-f]+$)")
total = bad = 0
worst = {}
for line in open(folded):
    stack, n = line.rstrip("\n").rsplit(" ", 1)
    n = int(n)
    total += n
    leaf = stack.split(";")[-1]
    if unnamed.match(leaf):
        bad += n
        worst[stack] = worst.get(stack, 0) + n
raw_bad, raw_total = int(raw[0]), int(raw[1])
print("%s: %d samples, %d with an unnamed leaf in the folded file; pprof: %d of %d without a function"
      % (name, total, bad, raw_bad, raw_total))
errs = []
if total < 50:
    errs.append("only %d samples" % total)
if bad * 50 >= total:
    errs.append("%.1f%% of samples have an unnamed leaf, e.g. %s" % (100.0 * bad / total, max(worst, key=worst.get)))
if raw_bad * 50 >= max(raw_total, 1):
    errs.append("%.1f%% of pprof samples have a leaf without a function" % (100.0 * raw_bad / raw_total))
m = json.load(open(metrics))
for f in m["bottlenecks"]:
    for fig in (f["component"], f["description"]):
        for word in re.split(r"[\s'\"]+", fig):
            if made.search(word):
                errs.append("a finding about code without a symbol: %s" % f["description"])
for e in errs:
    print("%s: %s" % (name, e), file=sys.stderr)
sys.exit(1 if errs else 0)
PY
}

# run NAME INI_BODY: runs the pipeline of INI_BODY with the CPU profile at 1000 Hz.
run() {
	local name=$1
	printf '%s\n\n[profile]\ntypes = cpu\ncpu_hz = 1000\n' "$2" >"$T/$name.ini"
	nebtop --headless "$T/$name.ini"
	expect_rc 0 "$name"
	check "$name"
}

# ini_copy SOURCE-TYPE IN DEST-TYPE OUT: the INI of a pipeline that copies
# the file IN to OUT, with no stage
ini_copy() { printf '[source]\ntype = %s\nfile_path = %s\n\n[destination]\ntype = %s\nfile_path = %s' "$@"; }

run csv_to_json "$(ini_copy csv "$T/in.csv" json "$T/out.json")"
# the JSON reader's fast path reads 600,000 records in about 100 ms of CPU,
# few samples to judge a 2% share by: it reads four copies
for i in 1 2 3 4; do cat "$T/out.json"; done >"$T/out4.json" || fail "cannot write the JSON input"
run json_to_csv "$(ini_copy json "$T/out4.json" csv "$T/back.csv")"
rm -f "$T/out4.json" "$T/back.csv"

# a 3 s run of the generate source (and the keys that follow)
GEN3S="[pipeline]
duration = 3s

[source]
type = generate
rows = 0"

run generate_stages "$GEN3S
columns = 6

[stage.typed]
type = cast
field = col1
to = int

[stage.some]
type = filter
field = col2
op = ne
value = x

[stage.few]
type = select
fields = col1, col2, col3

[destination]
type = json
file_path = $T/gen.json"

run generate_spin "$GEN3S
rate = 20000

[stage.score]
type = spin
us_per_record = 20

[destination]
type = null

[alerts]
hotspot_medium_pct = 5"
note "ok: frames named"
finish
