# csv_wide_header.sh: a header of 200,000 columns, with duplicate names far
# apart (the last column repeats the eighth; a name repeated in the middle
# whose first suffix is taken near the end), is deduplicated exactly as the
# Python reference does (NAME_2, NAME_3, ...: the first suffix no other field
# has), and its record is written whole. No timing is asserted.
. "$(dirname "$0")/lib.sh"

"$PYTHON3" - "$T/wide.csv" <<'PY'
import sys
n = 200000
names = ["c%d" % i for i in range(1, n + 1)]
names[-1] = "c8"           # a duplicate at the far end: c8_2
names[100000] = "c9"       # c9_2 is taken by the column before the last: c9_3
names[-2] = "c9_2"
with open(sys.argv[1], "w", newline="") as f:
    f.write(",".join(names) + "\n")
    f.write(",".join(str(i) for i in range(n)) + "\n")
PY
csv2json "$T/wide.csv" "$T/wide.ref"
nebtop -duration 0 -source csv -source-config "file_path=$T/wide.csv" \
	-destination json -dest-config "file_path=$T/wide.json"
expect_rc 0 "200,000 columns"
same_file "$T/wide.ref" "$T/wide.json" "200,000 columns"
grep -q '"c8_2":"199999"}$' "$T/wide.json" || fail "the last column (a second c8) is not c8_2"
grep -q '"c9_3":"100000",' "$T/wide.json" || fail "the second c9 (c9_2 taken) is not c9_3"
grep -q '"c9_2":"199998",' "$T/wide.json" || fail "the column named c9_2 lost its name"
note "ok: 200,000 columns, duplicates far apart renamed as Python's reference does"
finish
