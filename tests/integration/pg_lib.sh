# pg_lib.sh: a private PostgreSQL server for one integration test (sourced
# after lib.sh, not run). pg_start makes a cluster in a temporary folder
# owned by the user the server runs as (postgres when the test runs as root:
# the server refuses root), starts it on a free port of 127.0.0.1 and on a
# Unix socket in that folder, and waits until it accepts connections; the
# server is stopped (immediate mode) and the folder removed when the test
# exits, whatever the outcome. Each test has its own server, so tests run in
# parallel. Without the server binaries (Debian's postgresql package) the
# test is skipped.
#
# After pg_start: PGBIN, PGDIR (the socket folder), PGPORT_PRIV (the port),
# pg_sql ARGS... (psql as the superuser postgres, database postgres),
# PG_INI_CONN (the keys to connect nebtop the same way), pg_stop_server,
# pg_load_ini, and the role nebtop_pw whose password is in PG_PASSWORD (TCP
# only).

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ] || ! command -v psql >/dev/null; then
	echo "SKIP: no PostgreSQL server binaries (apt-get install postgresql postgresql-client)" >&2
	exit 77
fi
if [ -f "$BUILDDIR/autoconfig.h" ] && ! grep -q '^#define HAVE_LIBPQ 1' "$BUILDDIR/autoconfig.h"; then
	echo "SKIP: nebtop was built without libpq (apt-get install libpq-dev, then configure again)" >&2
	exit 77
fi
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
	echo "SKIP: running as root and there is no postgres user to run the server as" >&2
	exit 77
fi
unset PGPASSWORD PGPASSFILE PGHOST PGPORT PGUSER PGDATABASE PGSERVICE PGSSLMODE
PG_PASSWORD="Sw0rdf1sh-$$-$RANDOM"

# pg_as_owner CMD...: runs CMD as the user the server runs as, in PGDIR.
pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$PGDIR" && runuser -u postgres -- "$@")
	else
		(cd "$PGDIR" && "$@")
	fi
}

pg_stop_server() {
	[ -n "${PGDIR:-}" ] && [ -f "$PGDIR/data/postmaster.pid" ] &&
		pg_as_owner "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop >/dev/null 2>&1
	return 0
}

pg_cleanup() {
	pg_stop_server
	[ -n "${PGDIR:-}" ] && rm -rf "$PGDIR"
	rm -rf "$T"
}
trap pg_cleanup EXIT

pg_free_port() {
	"$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT_PRIV" -U postgres -d postgres "$@"
}

pg_start() {
	PGDIR=$(mktemp -d /tmp/nebtop-pg.XXXXXX) || fail "cannot make the server's folder"
	chmod 755 "$PGDIR"
	[ "$(id -u)" = 0 ] && chown postgres: "$PGDIR"
	pg_as_owner "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
		-E UTF8 --locale=C --no-sync >"$T/initdb.log" 2>&1 || {
		cat "$T/initdb.log" >&2
		fail "initdb failed"
	}
	local try
	for try in 1 2 3 4 5; do
		PGPORT_PRIV=$(pg_free_port)
		if pg_as_owner "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
			-o "-p $PGPORT_PRIV -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" \
			start >/dev/null 2>&1; then
			break
		fi
		PGPORT_PRIV=""
	done
	[ -n "$PGPORT_PRIV" ] || { cat "$PGDIR/server.log" >&2; fail "the PostgreSQL server did not start"; }
	for try in $(seq 100); do
		"$PGBIN/pg_isready" -q -h "$PGDIR" -p "$PGPORT_PRIV" && break
		sleep 0.1
	done
	pg_sql -c "CREATE ROLE nebtop_pw LOGIN SUPERUSER PASSWORD '$PG_PASSWORD'" || fail "cannot create a role"
	PG_INI_CONN="host = $PGDIR
port = $PGPORT_PRIV
user = postgres
dbname = postgres"
	note "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on port $PGPORT_PRIV, socket in $PGDIR"
}

# pg_load_ini POLICY TABLE [PIPELINE LINES] [DESTINATION LINES]: writes
# $T/p.ini, a load of $T/in.csv into TABLE with on_error = POLICY (dead
# letters in $T/dead.jsonl).
pg_load_ini() {
	cat >"$T/p.ini" <<EOF
[pipeline]
on_error = $1
dead_letter_path = $T/dead.jsonl
duration = 0
${3:-}
[source]
file_path = $T/in.csv
[destination]
type = postgresql
$PG_INI_CONN
table = $2
${4:-}
EOF
}
