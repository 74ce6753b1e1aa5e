# csv_roundtrip.sh: CSV -> CSV destination: the output parsed by Python's csv
# module gives back the input rows (header included) for seeded random
# content, with ',' and ';' output delimiters; header=false drops the header;
# nulls (ragged=pad) are empty fields; a row made of one empty field survives;
# nebtop reading its own CSV output writes the same JSON as from the input.
. "$(dirname "$0")/lib.sh"

# same_rows INPUT IN_DELIM OUTPUT OUT_DELIM SKIP_HEADER WHAT: both files parse
# to the same rows (blank input rows skipped; SKIP_HEADER=1: the output has
# no header line).
same_rows() {
	"$PYTHON3" - "$@" <<'EOF' || soft_fail "$6: rows differ (see above)"
import csv, sys
inp, idl, out, odl, skip, what = sys.argv[1:7]
csv.field_size_limit(sys.maxsize)
def rows(path, delim, enc):
    with open(path, encoding=enc, errors="surrogateescape", newline="") as f:
        return [r for r in csv.reader(f, delimiter=delim) if r]
a = rows(inp, idl, "utf-8-sig")
if skip == "1":
    a = a[1:]
with open(out, encoding="utf-8", errors="surrogateescape", newline="") as f:
    b = list(csv.reader(f, delimiter=odl))  # every output line is a row
if a != b:
    print("%s: %d rows in, %d rows out" % (what, len(a), len(b)), file=sys.stderr)
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            print("first difference, row %d:\n  input  %r\n  output %r" % (i + 1, x, y), file=sys.stderr)
            break
    sys.exit(1)
EOF
}

# to_csv INPUT OUTPUT [dest keys]: nebtop INPUT -> csv OUTPUT
to_csv() {
	nebtop -duration 0 -source-config "file_path=$1" -destination csv -dest-config "file_path=$2${3:-}"
	expect_rc 0 "csv output $2"
}

"$PYTHON3" "$LIB_DIR/gen_random_csv.py" "$T/random.csv" 3000 777
to_csv "$T/random.csv" "$T/out.csv"
same_rows "$T/random.csv" , "$T/out.csv" , 0 "random rows, ',' output"
check_records "$(metrics_file)" 3000 3000 0 0
note "checked: random rows"

to_csv "$T/random.csv" "$T/out_semi.csv" ",delimiter=;,header=false"
same_rows "$T/random.csv" , "$T/out_semi.csv" ";" 1 "random rows, ';' output without header"
note "checked: ';' output, header=false"

# nebtop reads its own output back: the same JSON as from the original input
csv2json "$T/random.csv" "$T/ref.json"
nebtop -duration 0 -source-config "file_path=$T/out.csv" -dest-config "file_path=$T/again.json"
expect_rc 0 "reading the CSV output back"
same_file "$T/ref.json" "$T/again.json" "CSV output read back to JSON"
note "checked: read back"

# nulls are empty fields
printf 'a,b,c\n1,2,3\nshort\n"x,y",,"q""q"\n' >"$T/pad.csv"
nebtop -duration 0 -source-config "file_path=$T/pad.csv,ragged=pad" -destination csv -dest-config "file_path=$T/pad_out.csv"
expect_rc 0 "ragged=pad to csv"
same_text 'a,b,c
1,2,3
short,,
"x,y",,"q""q"' "$(cat "$T/pad_out.csv")" "nulls as empty fields"

# a one-column row whose value is empty must not become a blank line (which
# every CSV reader, nebtop's included, skips)
printf 'v\nx\n""\ny\n' >"$T/one.csv"
to_csv "$T/one.csv" "$T/one_out.csv"
same_rows "$T/one.csv" , "$T/one_out.csv" , 0 "one column with an empty value"
nebtop -duration 0 -source-config "file_path=$T/one_out.csv" -dest-config "file_path=$T/one.json"
same_text '{"v":"x"}
{"v":""}
{"v":"y"}' "$(cat "$T/one.json")" "one column with an empty value, read back"
finish
