# pg_refused.sh: rows the PostgreSQL server refuses in the middle of a load
# of many batches (the default batch of 1,000 records, and batches of 100
# with commit_every): values that do not fit a column (the first record of
# the run, the last two of a batch and the first of the next, one out of
# range, the last record) and a duplicate primary key whose first copy is in
# an earlier batch. With on_error = skip and dead_letter every other record
# is in the table exactly once (count, distinct keys and a checksum of the
# rows, via psql), the refused ones are in the dead-letter file with their
# record numbers and the server's reason, and the metrics count what the
# table holds. With on_error = fail the run stops at the refused record,
# exit 1, and the table keeps exactly the batches committed before it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
pg_start

ROWS=6000
# gen FILE BAD...: ROWS records "id,amount,note"; record r has id r and
# amount r*3, but for the records BAD: a bad amount, or (r:dup) the id of
# the record 1000 before it
gen() {
	"$PYTHON3" - "$ROWS" "$@" <<'EOF'
import sys
rows, path, bad = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
bad = dict(b.split(":") if ":" in b else (b, "int") for b in bad)
out = ["id,amount,note"]
for r in range(1, rows + 1):
    idv, amount = r, str(r * 3)
    kind = bad.get(str(r))
    if kind == "int":
        amount = "x%d" % r
    elif kind == "range":
        amount = "99999999999"
    elif kind == "dup":
        idv = r - 1000
    out.append("%d,%s,note %d\ttab \\ back" % (idv, amount, r))
open(path, "w").write("\n".join(out) + "\n")
EOF
}
BAD="1 999 1000 1001 2500:dup 4321:range 6000"
gen "$T/in.csv" $BAD

# expected TABLE_SQL: what the table must hold, computed from the file the
# way psql sees the table: count, distinct ids, and the md5 of every row
expected() {
	"$PYTHON3" - "$T/in.csv" $BAD <<'EOF'
import csv, hashlib, sys
refused = {int(b.split(":")[0]) for b in sys.argv[2:]}
rows = []
for r, row in enumerate(csv.DictReader(open(sys.argv[1], newline="")), start=1):
    if r not in refused:
        rows.append((int(row["id"]), row["amount"], row["note"]))
rows.sort()
agg = "\n".join("%d|%s|%s" % x for x in rows)
print(len(rows), len({x[0] for x in rows}), hashlib.md5(agg.encode()).hexdigest())
EOF
}
table_sums() {
	pg_sql -c "SELECT count(*), count(DISTINCT id), md5(coalesce(string_agg(id || '|' || amount || '|' || note, E'\\n' ORDER BY id), '')) FROM t_ref" | tr '|' ' '
}
WANT=$(expected)
NGOOD=$((ROWS - 7))

# write_ini POLICY [EXTRA PIPELINE LINE] [EXTRA DESTINATION LINE]
write_ini() {
	pg_load_ini "$1" t_ref "${2:-}" "${3:-}"
}

# dead_letters: "record kind" per line of the dead-letter file, the kind
# from the server's reason
dead_letters() {
	"$PYTHON3" - "$T/dead.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    r = d["reason"]
    kind = ("int" if "column amount: invalid input syntax for type integer" in r else
            "range" if "column amount:" in r and "out of range" in r else
            "dup" if "duplicate key value violates unique constraint" in r and "(id)=(%s)" % d["data"]["id"] in r else r)
    print(d["record"], d["stage"], kind, d["data"]["amount"])
EOF
}
DEAD_WANT="1 destination int x1
999 destination int x999
1000 destination int x1000
1001 destination int x1001
2500 destination dup 7500
4321 destination range 99999999999
6000 destination int x6000"

pg_sql -c 'CREATE TABLE t_ref (id int PRIMARY KEY, amount int NOT NULL, note text)'

# --- skip, the default batch: every other row once -----------------------------
write_ini skip
nebtop "$T/p.ini"
expect_rc 3 "skip (refused records are lost with max_errors = 0)"
check_records "$(metrics_file)" "$ROWS" "$NGOOD" 0 7
same_text "$WANT" "$(table_sums)" "skip: the table (rows, distinct ids, md5 of the rows)"
same_text "record 1 (line 2), stage destination: PostgreSQL refused the row: column amount: invalid input syntax for type integer: \"x1\"
record 999 (line 1000), stage destination: PostgreSQL refused the row: column amount: invalid input syntax for type integer: \"x999\"
record 1000 (line 1001), stage destination: PostgreSQL refused the row: column amount: invalid input syntax for type integer: \"x1000\"
record 1001 (line 1002), stage destination: PostgreSQL refused the row: column amount: invalid input syntax for type integer: \"x1001\"
record 2500 (line 2501), stage destination: PostgreSQL refused the row: duplicate key value violates unique constraint \"t_ref_pkey\"; Key (id)=(1500) already exists
record 4321 (line 4322), stage destination: PostgreSQL refused the row: column amount: value \"99999999999\" is out of range for type integer
record 6000 (line 6001), stage destination: PostgreSQL refused the row: column amount: invalid input syntax for type integer: \"x6000\"" \
	"$(report_errors)" "skip: the report's record errors"
note "ok: skip"

# --- dead_letter: the refused records, each once, with the server's reason ------
pg_sql -c 'TRUNCATE t_ref'
write_ini dead_letter
nebtop "$T/p.ini"
expect_rc 0 "dead_letter"
check_records "$(metrics_file)" "$ROWS" "$NGOOD" 0 7
same_text "$WANT" "$(table_sums)" "dead_letter: the table"
same_text "$DEAD_WANT" "$(dead_letters)" "dead_letter: the dead-letter file"
same_text 7 "$(metric "$(metrics_file)" 'm["records"]["dead_lettered"]')" "dead_letter: records.dead_lettered"
note "ok: dead_letter"

# --- dead_letter with batches of 100 and a commit every 7 batches ----------------
pg_sql -c 'TRUNCATE t_ref'
write_ini dead_letter "batch = 100" "commit_every = 7"
nebtop "$T/p.ini"
expect_rc 0 "dead_letter, batch 100, commit_every 7"
check_records "$(metrics_file)" "$ROWS" "$NGOOD" 0 7
same_text "$WANT" "$(table_sums)" "dead_letter, batch 100, commit_every 7: the table"
same_text "$DEAD_WANT" "$(dead_letters)" "dead_letter, batch 100, commit_every 7: the dead-letter file"
note "ok: dead_letter, commit_every"

# --- fail: stops at the refused record; the batches committed before stay -------
pg_sql -c 'TRUNCATE t_ref'
gen "$T/in.csv" 4321:range
write_ini fail "" "commit_every = 2"
nebtop "$T/p.ini"
expect_rc 1 "fail, commit_every 2"
stderr_has "record 4321 (line 4322): stage destination: PostgreSQL refused the row: column amount: value \"99999999999\" is out of range for type integer" \
	"fail, commit_every 2"
stderr_has "4000 records committed to t_ref" "fail, commit_every 2: what was committed"
same_text "4000 4000 4000" "$(pg_sql -c 'SELECT count(*), count(DISTINCT id), max(id) FROM t_ref' | tr '|' ' ')" \
	"fail, commit_every 2: the table holds the first four batches"
check_records "$(metrics_file)" "" 4000 "" ""
note "ok: fail"
finish
