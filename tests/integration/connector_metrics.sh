# connector_metrics.sh: what the connectors measure reaches the metrics JSON
# (`connectors`), the report and the analyzer. (1) CSV file -> JSON file:
# records and bytes equal what was read and written (the input and output
# sizes), batches at least one, average batch size records / batches, the
# wait and parse/encode times present and not negative, the report's
# Connectors section. (2) A destination whose reader is slow (a FIFO read by
# a Python reader that sleeps between reads): the destination waits on its
# pipe, and the analyzer names it "waiting on its pipe", with advice about
# the program reading from it (not the disk).
. "$(dirname "$0")/lib.sh"

"$PYTHON3" - "$T/in.csv" <<'EOF2' || fail "cannot write the input"
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,name,amount\n")
    for i in range(20000):
        f.write("%d,name %d,%d.%02d\n" % (i, i, i * 7, i % 100))
EOF2
nebtop --headless -duration 0 -source csv -destination json \
	-source-config "file_path=$T/in.csv" -dest-config "file_path=$T/out.json"
expect_rc 0 "csv -> json"
M=$(metrics_file)
check_records "$M" 20000 20000 0 0
"$PYTHON3" - "$M" "$T/in.csv" "$T/out.json" <<'EOF2' || soft_fail "connectors figures (see above)"
import json, os, sys
m = json.load(open(sys.argv[1]))
c = m["connectors"]
bad = []
def want(cond, what):
    if not cond:
        bad.append(what)
s, d = c["source"], c["destination"]
want(s["type"] == "csv" and d["type"] == "json", "types: %r %r" % (s["type"], d["type"]))
want(s["records"] == 20000, "source records %r" % s["records"])
want(d["records"] == 20000, "destination records %r" % d["records"])
want(s["bytes"] == os.path.getsize(sys.argv[2]), "source bytes %r, file %d" % (s["bytes"], os.path.getsize(sys.argv[2])))
want(d["bytes"] == os.path.getsize(sys.argv[3]), "destination bytes %r, file %d" % (d["bytes"], os.path.getsize(sys.argv[3])))
for x in (s, d):
    want(x["batches"] >= 1, "%s batches %r" % (x["type"], x["batches"]))
    want(abs(x["avg_batch_records"] - x["records"] / x["batches"]) < 1e-6, "%s avg_batch_records %r" % (x["type"], x["avg_batch_records"]))
    want(x["wait_s"] >= 0 and 0 <= x["wait_pct"] <= 100, "%s wait %r %r" % (x["type"], x["wait_s"], x["wait_pct"]))
    want(x["retries"] == 0 and x["errors"] == 0 and x["connections"] == 0, "%s retries/errors/connections" % x["type"])
    want(x["waits_on"] == "file", "%s waits_on %r" % (x["type"], x["waits_on"]))
want(s["parse_s"] > 0, "source parse_s %r" % s["parse_s"])
want(d["encode_s"] >= 0, "destination encode_s %r" % d["encode_s"])
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF2
R=$(report_file)
grep -q '^  Source (csv): ' "$R" || soft_fail "report: no Source (csv) line: $(sed -n '/^Connectors/,/^$/p' "$R")"
grep -q '^    20,000 records, .* in [0-9,]* batches' "$R" ||
	soft_fail "report: no connector detail line: $(sed -n '/^Connectors/,/^$/p' "$R")"
grep -q '^    Time: .* waiting on the file (' "$R" ||
	soft_fail "report: no connector time line: $(sed -n '/^Connectors/,/^$/p' "$R")"
note "ok: csv -> json figures"

# --- (2) a slow reader behind a FIFO: the destination waits on its pipe
mkfifo "$T/slow.fifo" || fail "mkfifo"
"$PYTHON3" -c '
import sys, time
with open(sys.argv[1], "rb") as f:
    while f.read(16384):
        time.sleep(0.05)
' "$T/slow.fifo" &
READER=$!
{
	printf '[pipeline]\nduration = 5s\n'
	ini_generated "$(ini_cast pass col1 int)" "type = json
file_path = $T/slow.fifo" 'columns = 8'
} >"$T/slow.ini"
nebtop --headless -types none "$T/slow.ini"
expect_rc 0 "a slow FIFO reader"
wait "$READER" 2>/dev/null
M=$(metrics_file)
check_records "$M" "" "" 0 0
"$PYTHON3" - "$M" <<'EOF2' || soft_fail "the destination waiting on its pipe (see above)"
import json, sys
m = json.load(open(sys.argv[1]))
d = m["connectors"]["destination"]
bad = []
if d["wait_pct"] < 50:
    bad.append("destination wait_pct %.1f, expected most of its busy time" % d["wait_pct"])
p = m["primary_bottleneck"]
if not p or p["component"] != "destination" or "waiting on its pipe" not in p["description"]:
    bad.append("primary bottleneck: %r; all findings: %r" % ((p and (p["component"], p["description"])),
               [(f["type"], f["severity"], f["component"], f["description"]) for f in m["bottlenecks"]]))
elif not any("program reading from the pipe" in s for s in p["suggestions"]) or \
        any("disk" in s for s in p["suggestions"]):
    bad.append("advice for a pipe: %r" % (p["suggestions"],))
elif abs(p["figures"]["wait_pct"] - d["wait_pct"]) > 25:
    bad.append("the finding's wait_pct %.1f is far from the window's %.1f" % (p["figures"]["wait_pct"], d["wait_pct"]))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF2
note "ok: a destination waiting on its pipe"

# generate and null move no batches of their own: their lines say the
# records, and generate's also the bytes of its rows as CSV (null writes
# none); the two rates stand in one column
nebtop -source generate -source-config rows=3000 -destination null -duration 0
expect_rc 0 "generate -> null"
C=$(sed -n '/^Connectors/,/^$/p' "$(report_file)")
[ "$(printf '%s\n' "$C" | grep -Ec '^    3,000 records, [0-9.]+ KiB$')" = 1 ] &&
	[ "$(printf '%s\n' "$C" | grep -c '^    3,000 records$')" = 1 ] || soft_fail "generate -> null: connector lines: $C"
c1=$(printf '%s\n' "$C" | grep '^  Source (generate):' | awk '{ print index($0, $3) }')
c2=$(printf '%s\n' "$C" | grep '^  Destination (null):' | awk '{ print index($0, $3) }')
[ -n "$c1" ] && [ "$c1" = "$c2" ] || soft_fail "generate -> null: the rates are not in one column: $C"
# a run of a few ms: its allocation rates (when the malloc hooks count them)
# are marked as start-up
AL=$(grep '^  Allocations: ' "$(report_file)")
[ -z "$AL" ] || printf '%s\n' "$AL" | grep -q ': mostly start-up)$' ||
	soft_fail "generate -> null: the allocation rates of a short run are not marked: $AL"
note "ok: generate -> null"
finish
