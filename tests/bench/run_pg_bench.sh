#!/usr/bin/env bash
# run_pg_bench.sh: the postgresql connectors against psql (`make bench`), on
# a private server (tests/integration/pg_lib.sh) and the core benchmark's
# 1M-row CSV. Load: nebtop CSV -> postgresql with the default batch (1000
# records: what users run) and with batch = 10000, against
# psql -c "\copy t FROM 'IN' CSV HEADER" into the same empty table; export:
# nebtop postgresql -> JSON Lines against
# psql -c "\copy (SELECT row_to_json(t) FROM t) TO 'OUT'". Interleaved
# (A B C D A B C D ...), wall time of each run, rows checked after each;
# prints medians, records/s and nebtop's ratios against psql with the
# targets (load with the default batch >= psql's throughput, export >=
# psql's) and "met" or "NOT met" beside each. Figures only:
# it fails only when a tool fails or loads or writes the wrong row count, and
# it skips when the PostgreSQL server binaries are absent.
#
# Environment: NEBTOP, ROWS (1000000), RUNS (3), BENCH_DIR (tests/bench/out)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
BENCH_NAME=run_pg_bench
. "$HERE/lib.sh"
[ -x "$NEBTOP" ] || die "no nebtop at $NEBTOP"
if ! grep -q '^#define HAVE_LIBPQ' "$(dirname "$NEBTOP")/autoconfig.h" 2>/dev/null; then
	echo "SKIP postgresql bench: nebtop was built without libpq"
	exit 0
fi

# what pg_lib.sh expects of the integration tests' lib.sh
PYTHON3=${PYTHON3:-python3}
BUILDDIR=${BUILDDIR:-$(dirname "$NEBTOP")}
TEST_NAME=run_pg_bench
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v psql >/dev/null; then
	echo "SKIP postgresql bench: no PostgreSQL server binaries (apt-get install postgresql postgresql-client)"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/nebtop-pgbench.XXXXXX")
fail() { die "$*"; }
note() { echo "$*"; }
. "$HERE/../integration/pg_lib.sh" # removes $T and stops the server on exit
pg_start

make_csv "$ROWS"
IN=$CSV OUT=$BENCH_DIR/out_pg.json
cat "$IN" >/dev/null
# the table: one text column per CSV header field
COLS=$("$PYTHON3" -c '
import csv, sys
h = next(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
print(", ".join("\"%s\" text" % c.replace("\"", "\"\"") for c in h))' "$IN")
pg_sql -c "CREATE TABLE t ($COLS)"
# psql reads and writes files as the user running it: an own folder it may use
PSQL=(psql -X -q -h "$PGDIR" -p "$PGPORT_PRIV" -U postgres -d postgres)

# the default batch (1,000 records): one COPY carries many batches (see the
# destination in nebtop.ini(5))
cat >"$T/load_default.ini" <<EOF
[pipeline]
duration = 0
[source]
file_path = $IN
[destination]
type = postgresql
$PG_INI_CONN
table = t
EOF
# the same with batches of 10,000 records
sed 's/^duration = 0$/duration = 0\nbatch = 10000/' "$T/load_default.ini" >"$T/load_10000.ini"
# the export: table t -> JSON lines in OUT
printf '[pipeline]\nduration = 0\n[source]\ntype = postgresql\n%s\ntable = t\n[destination]\nfile_path = %s\n' \
	"$PG_INI_CONN" "$OUT" >"$T/export.ini"

declare -A WALL
timed() { # KEY CMD...: runs CMD, adds its wall time to WALL[KEY]
	local key=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	"$@" >"$BENCH_DIR/pg_tool.log" 2>&1 || { tail -n 5 "$BENCH_DIR/pg_tool.log" >&2; die "$key failed"; }
	t1=$(date +%s.%N)
	local w
	w=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
	WALL[$key]+=" $w"
	printf '  %-14s %7.2f s\n' "$key" "$w"
}
expect_rows() { # WHAT N
	[ "$2" = "$ROWS" ] || die "$1: $2 rows, expected $ROWS"
}
load_default() { "$NEBTOP" --headless -output "$BENCH_DIR/profiles_pg" "$T/load_default.ini"; }
load_10000() { "$NEBTOP" --headless -output "$BENCH_DIR/profiles_pg" "$T/load_10000.ini"; }
load_psql() { "${PSQL[@]}" -c "\\copy t FROM '$IN' CSV HEADER"; }
export_nebtop() { "$NEBTOP" --headless -output "$BENCH_DIR/profiles_pg" "$T/export.ini"; }
export_psql() { "${PSQL[@]}" -c "\\copy (SELECT row_to_json(t) FROM t) TO '$OUT'"; }

echo "postgresql: $IN ($ROWS rows, $(stat -c %s "$IN") bytes); PostgreSQL on a private port; $RUNS rounds, interleaved; $(nproc) cores"
for ((r = 1; r <= RUNS; r++)); do
	echo "round $r/$RUNS"
	for tool in default psql 10000; do
		pg_sql -c 'TRUNCATE t' -c 'CHECKPOINT'
		timed "load $tool" "load_$tool"
		expect_rows "load $tool" "$(pg_sql -c 'SELECT count(*) FROM t')"
	done
	pg_sql -c 'VACUUM ANALYZE t'
	for tool in nebtop psql; do
		rm -f "$OUT"
		timed "export $tool" "export_$tool"
		expect_rows "export $tool" "$(wc -l <"$OUT")"
	done
	rm -f "$OUT"
done

echo
printf '%-14s %14s %12s\n' run "median wall s" "records/s"
for key in "load default" "load 10000" "load psql" "export nebtop" "export psql"; do
	awk -v k="$key" -v w="$(median "${WALL[$key]}")" -v rows="$ROWS" \
		'BEGIN {printf "%-14s %14.2f %12.0f\n", k, w, rows / w}'
done
echo
echo "targets (figures only; the benchmark does not fail on them):"
ratio() { # WHAT NEBTOP_KEY PSQL_KEY [TARGET_PCT]: nebtop's throughput as a share of psql's
	awk -v what="$1" -v n="$(median "${WALL[$2]}")" -v p="$(median "${WALL[$3]}")" -v t="${4:-}" 'BEGIN {
		r = p / n * 100
		printf "  %-22s nebtop at %4.0f%% of the throughput of psql", what, r
		if (t != "")
			printf " (target >= %d%%)  %s", t, (r >= t) ? "met" : "NOT met"
		printf "\n"
	}'
}
ratio "load (default batch):" "load default" "load psql" 100
ratio "load (batch 10000):" "load 10000" "load psql"
ratio "export:" "export nebtop" "export psql" 100
