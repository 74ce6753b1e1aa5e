#!/usr/bin/env bash
# exit_status.sh: the exit statuses and run lengths of DESIGN.md, as a script
# or a cron job relies on them:
#   finite_long  a CSV file whose conversion takes over 30 s headless (the
#                destination at rate_limit = 100, 3,200 rows): no default
#                limit cuts it: every row out, complete: true, exit 0
#   endless      generate with rows = 0 headless, no -duration: stops after
#                30 s (the endless default), complete: false, exit 0, says so
#   cut          a file cut by -duration before the source read it all (small
#                batches and channels): complete: false, the warning
#   lost         10% of rows fail a cast: exit 3 with max_errors at its
#                default (0), naming the count; 0 with max_errors = 10% or
#                100; 3 with 9.9% or 99; with on_error = dead_letter the
#                records are kept, not lost: exit 0
#   bad_max      max_errors = lots (and other non-values): exit 2 naming the
#                file, line and key
#   none         -output none: no snapshot file anywhere, exit 0
#   no_snapshot  the output folder replaced by a file during the run: the
#                output is complete and committed, the final snapshot is
#                not: exit 4, saying both
# The two 30 s runs go in the background while the others run.
. "$(dirname "$0")/lib.sh"

# run_bg NAME ARGS...: nebtop in $T/NAME (its own folder), in the background;
# its status goes to $T/NAME/rc
run_bg() {
	local name=$1
	shift
	mkdir -p "$T/$name"
	(
		cd "$T/$name" || exit 1
		rc=0
		timeout -s KILL 120 "$NEBTOP" --headless -output "$T/$name/prof" "$@" >stdout 2>stderr || rc=$?
		echo "$rc" >rc
	) &
}

# --- finite_long and endless, in the background
# csv FILE ROWS [BAD_EVERY]: an id,name CSV of ROWS rows; every BAD_EVERY-th
# row (from the first) has an id that is not an integer
csv() {
	"$PYTHON3" -c '
import sys
rows, bad = int(sys.argv[2]), int(sys.argv[3])
with open(sys.argv[1], "w") as f:
    f.write("id,name\n")
    for i in range(rows):
        f.write(("x%d,bad\n" % i) if bad and i % bad == 0 else ("%d,n%d\n" % (i, i)))
' "$1" "$2" "${3:-0}"
}

csv "$T/long.csv" 3200
run_bg finite_long -source csv -source-config "file_path=$T/long.csv" \
	-dest-config "file_path=$T/finite_long/out.json,rate_limit=100"
PID_LONG=$!
printf '[source]\ntype = generate\nrows = 0\ncolumns = 3\nrate = 200\n[destination]\ntype = null\n' >"$T/endless.ini"
run_bg endless "$T/endless.ini"
PID_ENDLESS=$!

# --- cut
csv "$T/big.csv" 50000
nebtop --headless -duration 1s -batch 100 -buffer 200 -source csv -source-config "file_path=$T/big.csv" \
	-dest-config "file_path=$T/cut.json,rate_limit=2000"
expect_rc 0 "cut"
[ "$(metric "$(metrics_file)" 'm["complete"]')" = False ] || fail "cut: complete is not false"
grep -q "before the end of the input" "$T/stderr" || fail "cut: no warning that the input was cut: $(cat "$T/stderr")"

# --- lost
csv "$T/tenth.csv" 1000 10
# lost_ini MAX_ERRORS [DEAD_LETTER_PATH]: the pipeline file (no max_errors
# line when MAX_ERRORS is empty)
lost_ini() {
	{
		printf '[pipeline]\n'
		[ -n "$1" ] && printf 'max_errors = %s\n' "$1"
		[ -n "${2:-}" ] && printf 'on_error = dead_letter\ndead_letter_path = %s\n' "$2"
		printf '[source]\ntype = csv\nfile_path = %s\n' "$T/tenth.csv"
		printf '[stage.typed]\ntype = cast\nfield = id\nto = int\n'
		printf '[destination]\ntype = json\nfile_path = %s\n' "$T/tenth.json"
	} >"$T/lost.ini"
}
lost_ini ""
nebtop --headless "$T/lost.ini"
expect_rc 3 "lost, max_errors by default"
grep -q "100 records lost to errors (10.0% of 1,000 read), more than \[pipeline\] max_errors = 0 allows" "$T/stderr" ||
	fail "lost: the message does not say what was lost against what: $(tail -3 "$T/stderr")"
[ "$(wc -l <"$T/tenth.json")" = 900 ] || fail "lost: the 900 good records are not all in the output"
for v in "10%" 100 "10 %"; do
	lost_ini "$v"
	nebtop --headless "$T/lost.ini"
	expect_rc 0 "lost, max_errors = '$v'"
done
for v in "9.9%" 99 "0%"; do
	lost_ini "$v"
	nebtop --headless "$T/lost.ini"
	expect_rc 3 "lost, max_errors = '$v'"
done
lost_ini "" "$T/bad.txt"
nebtop --headless "$T/lost.ini"
expect_rc 0 "lost, kept in the dead-letter file"
[ "$(wc -l <"$T/bad.txt")" = 100 ] || fail "dead letter: not 100 records in $T/bad.txt"

# --- bad_max
for v in lots -1 "101%" "5%%" "1.5"; do
	lost_ini "$v"
	nebtop --headless "$T/lost.ini"
	expect_rc 2 "max_errors = '$v'"
	grep -q "lost.ini:2: \[pipeline\] key 'max_errors'" "$T/stderr" ||
		fail "max_errors = '$v': the message does not name the file, line and key: $(cat "$T/stderr")"
done

# --- none
mkdir -p "$T/none"
(cd "$T/none" && "$NEBTOP" --headless -output none -source csv -source-config "file_path=$T/long.csv" \
	-dest-config "file_path=$T/none/out.json" >/dev/null 2>"$T/none.err") ||
	fail "-output none: exit $?: $(cat "$T/none.err")"
[ "$(ls "$T/none")" = out.json ] || fail "-output none: files besides the output: $(ls "$T/none")"
[ "$(wc -l <"$T/none/out.json")" = 3200 ] || fail "-output none: the output is not whole"

# --- no_snapshot: the folder becomes a file while the run is on
mkdir -p "$T/gone"
(
	sleep 1
	rm -rf "$T/gone"
	echo x >"$T/gone"
) &
SWAP=$!
RC=0
(cd "$T" && timeout -s KILL 120 "$NEBTOP" --headless -output "$T/gone" -duration 3s -source csv \
	-source-config "file_path=$T/long.csv" -dest-config "file_path=$T/gone.json,rate_limit=500" \
	>"$T/stdout" 2>"$T/stderr") || RC=$?
wait "$SWAP"
expect_rc 4 "no_snapshot"
grep -q "the output is complete and committed" "$T/stderr" && grep -q "final snapshot" "$T/stderr" ||
	fail "no_snapshot: the message does not say both: $(tail -4 "$T/stderr")"
[ -s "$T/gone.json" ] || fail "no_snapshot: the output was not committed"

# --- the background runs
wait "$PID_LONG" "$PID_ENDLESS"
rc=$(cat "$T/finite_long/rc")
[ "$rc" = 0 ] || fail "finite_long: exit $rc: $(tail -3 "$T/finite_long/stderr")"
[ "$(wc -l <"$T/finite_long/out.json")" = 3200 ] ||
	fail "finite_long: $(wc -l <"$T/finite_long/out.json") of 3200 rows: $(tail -3 "$T/finite_long/stderr")"
f=$(ls -1t "$T"/finite_long/prof/metrics_*.json | head -n 1)
[ "$(metric "$f" 'm["complete"]')" = True ] || fail "finite_long: complete is not true"
rc=$(cat "$T/endless/rc")
[ "$rc" = 0 ] || fail "endless: exit $rc: $(tail -3 "$T/endless/stderr")"
grep -q "stopped by duration 30" "$T/endless/stderr" || fail "endless: not stopped after 30 s: $(tail -3 "$T/endless/stderr")"
grep -q "never ends by itself" "$T/endless/stderr" || fail "endless: the default length is not said"
f=$(ls -1t "$T"/endless/prof/metrics_*.json | head -n 1)
[ "$(metric "$f" 'm["complete"]')" = False ] || fail "endless: complete is not false"
note "ok"
