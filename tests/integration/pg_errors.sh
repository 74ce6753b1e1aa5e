# pg_errors.sh: the postgresql connectors' errors on a private server. Rows
# the server refuses (a value that does not fit a typed column) follow
# on_error: skip loads the others, dead_letter writes each refused record
# naming the record and the column, fail stops with exit 1 naming them and
# rolls the whole load back. Before the run, in one line with exit 2 and the
# password nowhere: a bad password, a missing table (source and
# destination), a server that is not there, table and query both given. The
# password from password_env works, and one written in an INI file that
# others can read draws a warning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
pg_start

pg_sql -c 'CREATE TABLE t_typed (id int PRIMARY KEY, amount int NOT NULL, note text)'
# rows 3 and 7 do not fit (amount); row 5 is a duplicate key; 12 rows, batches of 5
"$PYTHON3" - "$T/in.csv" <<'EOF'
import sys
rows = ["id,amount,note"]
for i in range(1, 13):
    amount = {3: "abc", 7: "1.5"}.get(i, str(i * 10))
    rows.append("%d,%s,n%d" % (4 if i == 5 else i, amount, i))
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
EOF

# write_ini POLICY [EXTRA DESTINATION LINES]
write_ini() {
	pg_load_ini "$1" t_typed "batch = 5" "${2:-}"
}

# --- skip: the other rows are loaded ------------------------------------------
write_ini skip
nebtop "$T/p.ini"
# three rows refused and not kept: lost, with max_errors at its default 0
expect_rc 3 "on_error=skip"
check_records "$(metrics_file)" 12 9 0 3
same_text "1 2 4 6 8 9 10 11 12" "$(pg_sql -c 'SELECT string_agg(id::text, $$ $$ ORDER BY id) FROM t_typed')" \
	"on_error=skip: rows in the table"
same_text "record 3 (line 4), stage destination: PostgreSQL refused the row: column amount: invalid input syntax for type integer: \"abc\"
record 5 (line 6), stage destination: PostgreSQL refused the row: duplicate key value violates unique constraint \"t_typed_pkey\"; Key (id)=(4) already exists
record 7 (line 8), stage destination: PostgreSQL refused the row: column amount: invalid input syntax for type integer: \"1.5\"" \
	"$(report_errors)" "on_error=skip: the report's record errors"
note "ok: skip"

# --- dead_letter: each refused record with its reason --------------------------
pg_sql -c 'TRUNCATE t_typed'
write_ini dead_letter
nebtop "$T/p.ini"
expect_rc 0 "on_error=dead_letter"
check_records "$(metrics_file)" 12 9 0 3
same_text 9 "$(pg_sql -c 'SELECT count(*) FROM t_typed')" "on_error=dead_letter: rows in the table"
same_text '3 destination column amount {"id":"3","amount":"abc","note":"n3"}
5 destination duplicate key {"id":"4","amount":"50","note":"n5"}
7 destination column amount {"id":"7","amount":"1.5","note":"n7"}' \
	"$("$PYTHON3" -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    what = "column amount" if "column amount:" in d["reason"] else "duplicate key" if "duplicate key" in d["reason"] else d["reason"]
    print(d["record"], d["stage"], what, json.dumps(d["data"], separators=(",", ":")))
' "$T/dead.jsonl")" "on_error=dead_letter: the dead-letter file"
note "ok: dead_letter"

# --- fail: exit 1 naming the record and column; nothing loaded ------------------
pg_sql -c 'TRUNCATE t_typed'
write_ini fail
nebtop "$T/p.ini"
expect_rc 1 "on_error=fail"
stderr_has "record 3 (line 4): stage destination: PostgreSQL refused the row: column amount: invalid input syntax for type integer" \
	"on_error=fail"
stderr_has "0 records committed" "on_error=fail: what was committed"
same_text 0 "$(pg_sql -c 'SELECT count(*) FROM t_typed')" "on_error=fail: the load is rolled back"
check_records "$(metrics_file)" "" "" "" ""
# with commit_every = 1 the first batch (records 1-5) stays committed
write_ini fail "commit_every = 1"
sed -i 's/^3,abc/3,3/' "$T/in.csv"
sed -i 's/^4,50,n5/5,50,n5/' "$T/in.csv"
nebtop "$T/p.ini"
expect_rc 1 "on_error=fail, commit_every = 1"
stderr_has "record 7 (line 8): stage destination: PostgreSQL refused the row: column amount" "on_error=fail, commit_every = 1"
stderr_has "5 records committed to t_typed" "on_error=fail, commit_every = 1: what was committed"
same_text 5 "$(pg_sql -c 'SELECT count(*) FROM t_typed')" "on_error=fail, commit_every = 1: rows committed"
note "ok: fail"

# --- errors before the run: exit 2, one line, no password -----------------------
# expect_one_line WHAT: exit 2 and exactly one line on stderr (no snapshot is
# taken for a run that never started)
expect_one_line() {
	expect_rc 2 "$1"
	[ "$(wc -l <"$T/stderr")" = 1 ] || soft_fail "$1: stderr has $(wc -l <"$T/stderr") lines, expected 1: $(cat "$T/stderr")"
}
# no_password WHAT: the password appears in no output
no_password() {
	if grep -rqF -- "$PG_PASSWORD" "$T/stdout" "$T/stderr" "$T/prof" 2>/dev/null; then
		soft_fail "$1: the password appears in the output"
	fi
}
tcp_ini() { # PASSWORD_LINE TABLE
	cat >"$T/tcp.ini" <<EOF
[pipeline]
duration = 0
[source]
file_path = $T/in.csv
[destination]
type = postgresql
host = 127.0.0.1
port = $PGPORT_PRIV
user = nebtop_pw
dbname = postgres
$1
table = $2
create_table = true
EOF
	chmod 600 "$T/tcp.ini"
}

tcp_ini "password = wrong-$PG_PASSWORD" t_pw
nebtop "$T/tcp.ini"
expect_one_line "bad password"
stderr_has "password authentication failed" "bad password"
no_password "bad password"
grep -q "readable by other users" "$T/stderr" && soft_fail "bad password: a warning for a file only its owner reads"

export NEBTOP_TEST_PW=$PG_PASSWORD
tcp_ini "password_env = NEBTOP_TEST_PW" t_pw
nebtop "$T/tcp.ini"
expect_rc 0 "password from password_env"
no_password "password_env"
same_text 12 "$(pg_sql -c 'SELECT count(*) FROM t_pw')" "password_env: rows loaded"

tcp_ini "password = $PG_PASSWORD" t_pw
chmod 644 "$T/tcp.ini"
nebtop "$T/tcp.ini"
expect_rc 0 "password in a readable INI file"
stderr_has "tcp.ini:11: [destination] key 'password': $T/tcp.ini is readable by other users" \
	"password in a readable INI file: the warning"
no_password "password in a readable INI file"

tcp_ini "password_env = NEBTOP_TEST_NO_SUCH_VARIABLE" t_pw
nebtop "$T/tcp.ini"
expect_one_line "password_env not set"
stderr_has "NEBTOP_TEST_NO_SUCH_VARIABLE is not set" "password_env not set"

# a missing table: destination without create_table, and source
nebtop -duration 0 -source-config "file_path=$T/in.csv" -destination postgresql \
	-dest-config "host=$PGDIR,port=$PGPORT_PRIV,user=postgres,dbname=postgres,table=no_such_table"
expect_one_line "missing destination table"
stderr_has 'relation "no_such_table" does not exist (create_table = true creates it)' "missing destination table"
nebtop -duration 0 -source postgresql -source-config "host=$PGDIR,port=$PGPORT_PRIV,user=postgres,table=public.gone" \
	-dest-config "file_path=$T/x.json"
expect_one_line "missing source table"
stderr_has 'relation "public.gone" does not exist' "missing source table"
[ -e "$T/x.json" ] && soft_fail "missing source table: x.json written"

# a field the table lacks
nebtop -duration 0 -source-config "file_path=$T/in.csv" -destination postgresql \
	-dest-config "host=$PGDIR,port=$PGPORT_PRIV,user=postgres,table=t_pw2"
expect_one_line "missing table (no dbname key: libpq's default)"
pg_sql -c 'CREATE TABLE t_narrow (id int)'
nebtop -duration 0 -source-config "file_path=$T/in.csv" -destination postgresql \
	-dest-config "host=$PGDIR,port=$PGPORT_PRIV,user=postgres,table=t_narrow"
expect_one_line "a field the table lacks"
stderr_has 'column "amount" does not exist' "a field the table lacks"

# no server there
PORT_NONE=$(pg_free_port)
nebtop -duration 0 -source postgresql -source-config "conninfo=postgresql://nebtop_pw:$PG_PASSWORD@127.0.0.1:$PORT_NONE/postgres,table=t" \
	-dest-config "file_path=$T/x.json"
expect_one_line "server down"
stderr_has "cannot connect to PostgreSQL" "server down"
no_password "server down (password in the conninfo URI)"

# table and query together, and neither
nebtop -duration 0 -source postgresql -source-config "host=$PGDIR,port=$PGPORT_PRIV,table=t,query=SELECT 1" \
	-dest-config "file_path=$T/x.json"
expect_one_line "table and query"
stderr_has "give either table or query" "table and query"
nebtop -duration 0 -source postgresql -source-config "host=$PGDIR,port=$PGPORT_PRIV" -dest-config "file_path=$T/x.json"
expect_one_line "neither table nor query"
note "ok: errors before the run"
finish
