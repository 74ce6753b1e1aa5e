# pg_passthrough.sh: the postgresql destination's pass-through (a csv source,
# no stage between: plain records go as read, under COPY ... DELIMITER ',')
# on a hostile mix of 3,000 records: quoted fields with commas, doubled
# quotes and line feeds, backslashes and a literal \N, empty and quoted empty
# fields, tabs, UTF-8, CRLF endings, quotes inside bare fields and text after
# a closing quote, blank lines, rows with a field too few or too many,
# invalid UTF-8, and rows the server refuses (a non-integer in an integer
# column) among plain and other records. With on_error = dead_letter:
#   - the pass-through is used (connectors.destination.plain_records, most
#     of the records) and the records counts add up;
#   - the table holds what psql \copy ... CSV loads from the valid rows
#     (written again by Python's csv module, every field quoted), row for
#     row;
#   - it holds the same as a load with parser = slow (no pass-through, every
#     record parsed and encoded as tab-separated COPY text), and both runs
#     have the same dead letters (record, line, reason, input and fields)
#     and the same record errors in the report.
# With on_error = fail, a refused plain record stops the run, named by its
# record and line, and the table stays empty.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
pg_start

# in.csv: the mix; valid.csv: the rows that must reach the table, as CSV
# that psql reads the same way; expected.txt: "records valid errors"
"$PYTHON3" - "$T/in.csv" "$T/valid.csv" "$T/expected.txt" <<'EOF'
import csv, io, random, sys
rnd = random.Random(13)
kinds = {
    "plain": b"%d,%d,word%d,w\n",
    "comma": b'%d,%d,"x, %d",z\n',
    "doubled": b'%d,%d,"say ""%d""",q\n',
    "newline": b'%d,%d,"two\nlines %d",w\n',
    "backslash": b"%d,%d,back\\slash%d,\\N\n",
    "empty": b"%d,%d,,\n",
    "quoted_empty": b'%d,%d,"",""\n',
    "unicode": "%d,%d,Zürich %d,東京\n".encode(),
    "tab": b'%d,%d,a\tb%d,"c\td"\n',
    "crlf": b"%d,%d,crlf%d,row\r\n",
    "quote_in_bare": b'%d,%d,ab"c%d,d\n',
    "after_quote": b'%d,%d,"ab"cd%d,e\n',
    "short": b"%d,%d,short%d\n",
    "long": b"%d,%d,a%d,b,extra\n",
    "refused_plain": b"%d,x%d,plain%d,row\n",
    "refused_quoted": b'%d,"x,%d",q%d,r\n',
    "refused_backslash": b"%d,x%d,back\\slash%d,r\n",
    "bad_utf8": b"%d,%d,caf\xc3%d,x\n",
}
names = sorted(kinds)
out = [b"id,n,a,b\n"]
for r in range(1, 3001):
    kind = "plain" if rnd.random() < 0.5 else rnd.choice(names)
    if r == 1:
        kind = "refused_plain"
    elif r == 3000:
        kind = "refused_plain"
    row = kinds[kind]
    out.append(row % ((r, r, r) if row.count(b"%d") == 3 else (r, r)))
    if rnd.random() < 0.01:
        out.append(b"\n")
open(sys.argv[1], "wb").write(b"".join(out))
# the contract: Python's csv module reading the file
f = io.TextIOWrapper(open(sys.argv[1], "rb"), encoding="utf-8", errors="surrogateescape", newline="")
reader = csv.reader(f)
next(reader)
total = valid = 0
w = csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline=""), quoting=csv.QUOTE_ALL)
w.writerow(["id", "n", "a", "b"])
for row in reader:
    if not row:
        continue
    total += 1
    if len(row) != 4:
        continue
    try:
        for v in row:
            v.encode("utf-8")
        int(row[0]), int(row[1])
    except (UnicodeEncodeError, ValueError):
        continue
    valid += 1
    w.writerow(row)
open(sys.argv[3], "w").write("%d %d %d\n" % (total, valid, total - valid))
EOF
read -r NREC NVALID NERR <"$T/expected.txt"
note "$NREC records, $NVALID valid, $NERR errors"

pg_sql -c 'CREATE TABLE t_ref (id int, n int, a text, b text)' \
	-c 'CREATE TABLE t_plain (LIKE t_ref)' -c 'CREATE TABLE t_slow (LIKE t_ref)' -c 'CREATE TABLE t_fail (LIKE t_ref)'
psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT_PRIV" -U postgres -d postgres \
	-c "\\copy t_ref FROM '$T/valid.csv' CSV HEADER" || fail "psql \\copy of the valid rows failed"

# differ A B: rows of table A not in B and of B not in A (each row counted
# as often as it appears; a null differs from an empty string)
differ() {
	pg_sql -c "SELECT count(*) FROM ((SELECT * FROM $1 EXCEPT ALL SELECT * FROM $2)
		UNION ALL (SELECT * FROM $2 EXCEPT ALL SELECT * FROM $1)) x"
}

# --- the pass-through -------------------------------------------------------------
pg_load_ini dead_letter t_plain
nebtop "$T/p.ini"
expect_rc 0 "pass-through"
M=$(metrics_file)
check_records "$M" "$NREC" "$NVALID" 0 "$NERR"
PLAIN=$(metric "$M" 'm["connectors"]["destination"]["plain_records"]')
[ "$PLAIN" -gt $((NREC / 2)) ] || soft_fail "pass-through: $PLAIN records went through as read, expected most of $NREC"
same_text "$NVALID 0" "$(pg_sql -c 'SELECT count(*) FROM t_plain' | tr -d ' ') $(differ t_plain t_ref)" \
	"pass-through: the rows, and those differing from psql's load of the valid rows"
mv "$T/dead.jsonl" "$T/dead_plain.jsonl"
report_errors >"$T/errors_plain.txt"
grep -q 'passed through as read' "$(report_file)" || soft_fail "pass-through: the report does not say how many records passed through"
note "ok: pass-through ($PLAIN records as read)"

# --- every record parsed and encoded: the same table, dead letters and errors ------
pg_load_ini dead_letter t_slow
sed -i 's/^\[source\]$/[source]\nparser = slow/' "$T/p.ini"
nebtop "$T/p.ini"
expect_rc 0 "parser = slow"
check_records "$(metrics_file)" "$NREC" "$NVALID" 0 "$NERR"
same_text 0 "$(metric "$(metrics_file)" 'm["connectors"]["destination"]["plain_records"]')" \
	"parser = slow: no record as read"
same_text 0 "$(differ t_plain t_slow)" "the pass-through's table against the encoded path's"
cmp -s "$T/dead.jsonl" "$T/dead_plain.jsonl" || {
	diff "$T/dead.jsonl" "$T/dead_plain.jsonl" | head -n 20 >&2
	soft_fail "the dead letters differ with and without the pass-through"
}
same_text "$(cat "$T/errors_plain.txt")" "$(report_errors)" "the report's record errors with and without the pass-through"
grep -q '"record":3000,"line":[0-9]*,"stage":"destination","reason":"PostgreSQL refused the row: column n: invalid input syntax for type integer: \\"x3000\\"","input":"3000,x3000,plain3000,row","data":{"id":"3000","n":"x3000","a":"plain3000","b":"row"}}' \
	"$T/dead_plain.jsonl" || soft_fail "the last record, plain and refused, is not in the dead letters with its fields"
note "ok: the same as without the pass-through"

# --- on_error = fail: a refused plain record stops the run, named as before ------
"$PYTHON3" -c '
import sys
rows = ["id,n,a,b"] + ["%d,%s,plain %d,row" % (r, "x%d" % r if r == 1500 else r, r) for r in range(1, 2001)]
open(sys.argv[1], "w").write("\n".join(rows) + "\n")' "$T/in.csv"
pg_load_ini fail t_fail
nebtop "$T/p.ini"
expect_rc 1 "fail"
stderr_has "record 1500 (line 1501): stage destination: PostgreSQL refused the row: column n: invalid input syntax for type integer: \"x1500\"" \
	"fail: the refused record"
same_text 0 "$(pg_sql -c 'SELECT count(*) FROM t_fail')" "fail: the table stays empty"
note "ok: fail"
finish
