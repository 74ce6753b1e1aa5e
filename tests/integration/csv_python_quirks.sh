# csv_python_quirks.sh: the CSV source reads every quote quirk as Python's
# csv.reader does (default dialect), field by field (csv_python_quirks.py
# over csv_dump); and from the user's side, one quirk early in a file loses
# no later row: the output equals the Python reference's, every record.
. "$(dirname "$0")/lib.sh"

DUMP=$BUILDDIR/tests/integration/csv_dump
[ -x "$DUMP" ] || fail "no csv_dump program at $DUMP (make check builds it)"
"$PYTHON3" "$LIB_DIR/csv_python_quirks.py" "$DUMP" 4000 11 >"$T/quirks.out" 2>&1 || {
	cat "$T/quirks.out" >&2
	fail "nebtop's CSV parse differs from Python's csv.reader"
}
note "ok: quote quirks as Python reads them ($(tail -n 1 "$T/quirks.out"))"

# 1000 rows, row 3 with a space after a closing quote, row 500 with text
# after one: every row is a record, read as Python reads it
"$PYTHON3" - "$T/stray.csv" <<'PY'
import sys
with open(sys.argv[1], "w", newline="") as f:
    f.write("id,name,note\n")
    for i in range(1, 1001):
        if i == 3:
            f.write('3,"x" ,y\n')
        elif i == 500:
            f.write('500,"Hey, I missed " it",z\n')
        else:
            f.write('%d,"name %d",n%d\n' % (i, i, i))
PY
csv2json "$T/stray.csv" "$T/stray.ref"
[ "$(wc -l <"$T/stray.ref")" = 1000 ] || fail "the reference did not write 1000 records"
nebtop -duration 0 -source csv -source-config "file_path=$T/stray.csv" \
	-destination json -dest-config "file_path=$T/stray.json"
expect_rc 0 "one stray space on row 3"
same_file "$T/stray.ref" "$T/stray.json" "one stray space on row 3"
grep -qxF '{"id":"3","name":"x ","note":"y"}' "$T/stray.json" || fail "row 3 not read as Python reads it"
nebtop -duration 0 -source csv -source-config "file_path=$T/stray.csv,parser=slow" \
	-destination json -dest-config "file_path=$T/stray_slow.json"
expect_rc 0 "one stray space on row 3, parser = slow"
same_file "$T/stray.ref" "$T/stray_slow.json" "one stray space on row 3, parser = slow"
note "ok: a stray space on row 3 of 1000 rows: 1000 records, as Python reads them"

# a quote never closed: Python (not strict) reads the rest of the input into
# its field, so there are 3 records, as Python counts them; nebtop writes the
# first two and counts the third as a record error naming its line (Python's
# strict mode: "unexpected end of data"), so the run exits 3, nothing lost
printf 'a,b\n1,x\n2,y\n3,"oops\n4,z\n5,w\n' >"$T/open.csv"
[ "$("$PYTHON3" -c 'import csv, sys; print(len(list(csv.reader(open(sys.argv[1], newline="")))) - 1)' \
	"$T/open.csv")" = 3 ] || fail "Python does not read 3 records from open.csv"
nebtop -duration 0 -source csv -source-config "file_path=$T/open.csv" \
	-destination json -dest-config "file_path=$T/open.json"
expect_rc 3 "a quote never closed"
check_records "$(metrics_file)" 3 2 0 1
[ "$(cat "$T/open.json")" = '{"a":"1","b":"x"}
{"a":"2","b":"y"}' ] || fail "a quote never closed: the records before it are not all written"
report_errors | grep -q "line 4.*never closed" || {
	report_errors >&2
	fail "a quote never closed: the report does not name line 4"
}
note "ok: a quote never closed: 2 records written, the third an error naming line 4"
finish
