# figures_agree.sh: figures that describe the same thing agree, or say why
# they differ. (1) The generate source counts the bytes of the rows it makes
# as a CSV file of the same rows would hold them (fields, commas, newlines,
# no header): the source stage's bytes read, the connector's bytes, the
# throughput's bytes per second and the report's Connectors line all give
# that size, which is the size of the CSV destination's file without its
# header line. (2) The heap allocated counts buffer space reserved but never
# written, which the RSS does not: converting a wide CSV file to JSON (the
# encoder reserves room for every byte escaped) the report names the heap
# "allocated" and, when it exceeds the RSS, says by how much and why.
. "$(dirname "$0")/lib.sh"

# --- (1) generate's bytes
nebtop --headless -types none -source generate -source-config rows=20000,columns=5 \
	-destination csv -dest-config "file_path=$T/gen.csv"
expect_rc 0 "generate -> csv"
M=$(metrics_file)
"$PYTHON3" - "$M" "$T/gen.csv" <<'PY' || soft_fail "generate's bytes (see above)"
import json, os, sys
m = json.load(open(sys.argv[1]))
with open(sys.argv[2], "rb") as f:
    header = len(f.readline())
csv_bytes = os.path.getsize(sys.argv[2]) - header
src = m["stages"][0]
conn = m["connectors"]["source"]
through = m["throughput"]["bytes_per_sec"] * m["duration_s"]
print("CSV of the rows: %d bytes; stage bytes_in %d, connector bytes %d, throughput x duration %.0f"
      % (csv_bytes, src["bytes_in"], conn["bytes"], through))
bad = []
if src["bytes_in"] != csv_bytes:
    bad.append("source stage bytes_in %d, the rows as CSV are %d bytes" % (src["bytes_in"], csv_bytes))
if conn["bytes"] != csv_bytes:
    bad.append("source connector bytes %d, the rows as CSV are %d bytes" % (conn["bytes"], csv_bytes))
if abs(through - csv_bytes) > 0.01 * csv_bytes:
    bad.append("throughput.bytes_per_sec x duration_s = %.0f, the rows as CSV are %d bytes" % (through, csv_bytes))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
R=$(report_file)
sed -n '/^  Source (generate):/,/^  Destination/p' "$R" | grep -Eq '^    20,000 records, [0-9.]+ (KiB|MiB)$' ||
	soft_fail "report: the generate source's line has no bytes: $(sed -n '/^Connectors/,/^$/p' "$R")"
note "ok: generate's bytes agree"

# --- (2) heap allocated against RSS
"$PYTHON3" - "$T/wide.csv" <<'PY' || fail "cannot write the input"
import sys
with open(sys.argv[1], "w") as f:
    f.write(",".join("c%d" % i for i in range(10)) + "\n")
    for i in range(100000):
        f.write(",".join("v%d_%s" % (i, "x" * (20 + (i * 7 + k) % 20)) for k in range(10)) + "\n")
PY
nebtop --headless -types memory -source csv -source-config "file_path=$T/wide.csv" \
	-destination json -dest-config "file_path=$T/wide.json"
expect_rc 0 "wide csv -> json"
M=$(metrics_file)
R=$(report_file)
if [ "$(metric "$M" '"heap_live_bytes" in m["runtime"]')" != True ]; then
	note "no malloc hooks in this build (a sanitizer's): the heap part is skipped"
	finish
fi
line=$(grep '^  Heap' "$R")
heap=$(metric "$M" 'm["runtime"]["heap_live_bytes"]')
rss=$(metric "$M" 'm["runtime"]["rss_bytes"]')
note "heap_live_bytes $heap, rss_bytes $rss; report: $line"
case $line in
"  Heap allocated: "*) ;;
*) soft_fail "report: the heap line does not say the heap is what was allocated: $line" ;;
esac
if [ "$heap" -gt "$rss" ]; then
	echo "$line" | grep -Eq "[0-9.]+ (B|KiB|MiB|GiB) more than the RSS: buffer space reserved but never written" ||
		soft_fail "report: a heap of $heap bytes over an RSS of $rss bytes, unexplained: $line"
else
	note "the heap did not exceed the RSS here: only the name is checked"
fi
note "ok: the heap is named for what it counts"
finish
