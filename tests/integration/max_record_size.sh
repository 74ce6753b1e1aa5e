# max_record_size.sh: a CSV record larger than max_record_size fails the run
# (exit 1, stderr names the file, the record's line and the limit, FILE.part
# left), whether the record is larger than nebtop's read block (300 KB against
# 100 KiB) or not (5 KB against 1 KiB); a record within the limit passes.
. "$(dirname "$0")/lib.sh"

# big_record N: $T/in.csv with a quoted record of N bytes on line 3
big_record() {
	"$PYTHON3" -c 'import sys; print("a,b\n1,small\n2,\"%s\"\n3,z" % ("x" * int(sys.argv[1])))' "$1" >"$T/in.csv"
}

# too_big WHAT LIMIT: the run fails on the record of line 3
too_big() {
	nebtop -duration 0 -source-config "file_path=$T/in.csv,max_record_size=$2" -dest-config "file_path=$T/out.json"
	if [ "$RC" != 1 ]; then
		soft_fail "$1: exit status $RC, expected 1; stderr: $(head -c 600 "$T/stderr")"
	else
		grep -qF "$T/in.csv: the record starting on line 3 is larger than max_record_size" "$T/stderr" ||
			soft_fail "$1: stderr does not name the record: $(cat "$T/stderr")"
		[ -e "$T/out.json.part" ] && [ ! -e "$T/out.json" ] || soft_fail "$1: out.json.part not left, or out.json made"
	fi
	rm -f "$T"/out.json*
}

big_record 300000
too_big "300 KB record, max_record_size=100KiB" 100KiB
big_record 5000
too_big "5 KB record, max_record_size=1024" 1024

# within the limit: converted
nebtop -duration 0 -source-config "file_path=$T/in.csv,max_record_size=8KiB" -dest-config "file_path=$T/out.json"
expect_rc 0 "5 KB record, max_record_size=8KiB"
check_records "$(metrics_file)" 3 3 0 0
finish
