# pg_roundtrip.sh: CSV -> PostgreSQL -> JSON on a private server gives what
# the reference CSV -> JSON conversion gives, for 10,000 rows of quotes,
# tabs, backslashes, line breaks, UTF-8 and nulls (short rows padded with
# ragged = pad); a query source (typed columns: int, bool, null); create_table
# with the types of cast stages; truncate; commit_every; a table in a schema;
# the threads a load runs with workers given or not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
pg_start

# 10,000 rows: id, then fields built of awkward pieces; every 13th row short
"$PYTHON3" - "$T/in.csv" <<'EOF'
import csv, random, sys
rng = random.Random(42)
pieces = ["a", "Z", "9", " ", ",", '"', "\t", "\\", "\\N", "\n", "\r\n", "'", "é", "ß", "€", "日本", "😀", "\u2028",
          "\\t", "NULL", "x" * 50]
with open(sys.argv[1], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "text one", "Two", "three"])
    for i in range(1, 10001):
        row = [str(i)] + ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 6))) for _ in range(3)]
        if i % 13 == 0:
            row = row[:2]
        w.writerow(row)
EOF
csv2json "$T/in.csv" "$T/expected.json" --ragged pad

# load: CSV -> t_round (created: text columns)
cat >"$T/load.ini" <<EOF
[pipeline]
duration = 0
[source]
file_path = $T/in.csv
ragged = pad
[destination]
type = postgresql
$PG_INI_CONN
table = t_round
create_table = true
EOF
nebtop "$T/load.ini"
expect_rc 0 "CSV -> PostgreSQL"
check_records "$(metrics_file)" 10000 10000 0 0
same_text "10000 769" "$(pg_sql -c 'SELECT count(*), count(*) FILTER (WHERE three IS NULL) FROM t_round' | tr '|' ' ')" \
	"rows and nulls in t_round"
same_text "text text text text" "$(pg_sql -c "SELECT string_agg(data_type, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 't_round'")" \
	"create_table without cast: text columns"
# workers not given: the server sets the pace, fed by two parsers and one
# encoder (with the reader and the writer: 3 and 2 threads)
same_text "source 3 destination 2" \
	"$(metric "$(metrics_file)" '" ".join("%s %d" % (s["name"], s["threads"]) for s in m["stages"])')" \
	"threads of a load into PostgreSQL with workers not given"
note "ok: CSV -> PostgreSQL, 10,000 rows"

# export: t_round -> JSON, equal to the reference
cat >"$T/export.ini" <<EOF
[pipeline]
duration = 0
[source]
type = postgresql
$PG_INI_CONN
table = t_round
[destination]
file_path = $T/out.json
EOF
nebtop "$T/export.ini"
expect_rc 0 "PostgreSQL -> JSON"
check_records "$(metrics_file)" 10000 10000 0 0
same_file "$T/expected.json" "$T/out.json" "CSV -> PostgreSQL -> JSON"
[ "$(metric "$(metrics_file)" 'm["records"]["in"]')" = 10000 ] || soft_fail "export: records.in"
note "ok: PostgreSQL -> JSON equals the reference"

# a query source: typed columns, nulls, and a trailing semicolon
nebtop -duration 0 -source postgresql -source-config "host=$PGDIR,port=$PGPORT_PRIV,user=postgres,dbname=postgres,query=SELECT id::int AS n\, \"Two\" IS NULL AS b\, NULL::text AS z\, 'q' || chr(9) || chr(92) AS s FROM t_round WHERE id::int % 2500 = 0 ORDER BY 1;" \
	-dest-config "file_path=$T/query.json"
expect_rc 0 "query source"
same_text '{"n":2500,"b":false,"z":null,"s":"q\t\\"}
{"n":5000,"b":false,"z":null,"s":"q\t\\"}
{"n":7500,"b":false,"z":null,"s":"q\t\\"}
{"n":10000,"b":false,"z":null,"s":"q\t\\"}' "$(cat "$T/query.json")" "query source output"
note "ok: query source"

# create_table with cast types, in a schema; truncate; commit_every
pg_sql -c 'CREATE SCHEMA "Sales"'
printf 'id,price,ok,note\n1,2.5,true,a\n2,-3,false,\n3,1e3,yes,c\n' >"$T/typed.csv"
cat >"$T/typed.ini" <<EOF
[pipeline]
duration = 0
batch = 1
[source]
file_path = $T/typed.csv
$(ini_cast id_int id int)
$(ini_cast price_float price float)
$(ini_cast ok_bool ok bool)
[destination]
type = postgresql
$PG_INI_CONN
table = Sales.Typed
create_table = true
commit_every = 2
EOF
nebtop "$T/typed.ini"
expect_rc 0 "create_table with cast types"
same_text "bigint double precision boolean text" \
	"$(pg_sql -c "SELECT string_agg(data_type, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'Sales' AND table_name = 'Typed'")" \
	"create_table: column types from the cast stages"
same_text "1 2.5 t a
2 -3 f 
3 1000 t c" "$(pg_sql -F ' ' -c 'SELECT * FROM "Sales"."Typed" ORDER BY id')" "typed rows"
nebtop -workers 3 "$T/typed.ini"
expect_rc 0 "second load without truncate"
same_text "source 4 destination 4" \
	"$(metric "$(metrics_file)" '" ".join("%s %d" % (s["name"], s["threads"]) for s in m["stages"] if s["name"] in ("source", "destination"))')" \
	"threads of a load into PostgreSQL with -workers 3"
same_text 6 "$(pg_sql -c 'SELECT count(*) FROM "Sales"."Typed"')" "rows after a second load"
printf 'truncate = true\n' >>"$T/typed.ini"
nebtop "$T/typed.ini"
expect_rc 0 "load with truncate"
same_text 3 "$(pg_sql -c 'SELECT count(*) FROM "Sales"."Typed"')" "rows after a load with truncate"
note "ok: create_table with types, schema.table, truncate, commit_every"

# connector metrics are counted
M=$(metrics_file)
grep -q '"postgresql' "$M" || soft_fail "metrics do not name the postgresql destination"
finish
