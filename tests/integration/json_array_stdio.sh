# json_array_stdio.sh: format=array and standard input/output: CSV on stdin
# (file_path=-) to a JSON array on stdout (file_path=-) is "[\n", the
# reference's lines joined by ",\n", then "\n]\n" (also when whole batches are
# filtered out), and "[]\n" for no records; no .part file is involved.
. "$(dirname "$0")/lib.sh"

"$PYTHON3" "$LIB_DIR/gen_random_csv.py" "$T/in.csv" 500 31
csv2json "$T/in.csv" "$T/ref.json"

# array ARGS...: stdin from $T/input, the array on stdout in $T/stdout
array() {
	nebtop -duration 0 -source-config file_path=- -dest-config file_path=-,format=array "$@" <"$T/input"
	expect_rc 0 "array $*"
}

cp "$T/in.csv" "$T/input"
array -batch 3
"$PYTHON3" - "$T/ref.json" "$T/expected" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8", newline="").read().split("\n")[:-1]
open(sys.argv[2], "w", encoding="utf-8", newline="").write("[\n" + ",\n".join(lines) + "\n]\n")
EOF
same_file "$T/expected" "$T/stdout" "array on stdout"
note "checked: 500 rows"

# only ids 1-9 and 100-109 pass: most batches of 3 are empty after the filter
printf '[stage.f]\ntype = filter\nfield = id\nop = matches\nvalue = ^(1..|.)$\n' >"$T/f.ini"
"$PYTHON3" - "$T/ref.json" "$T/expected" <<'EOF'
import json, re, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8", newline="").read().split("\n")[:-1]
         if re.fullmatch(r"1..|.", json.loads(l)["id"])]
open(sys.argv[2], "w", encoding="utf-8", newline="").write("[\n" + ",\n".join(lines) + "\n]\n")
EOF
array -batch 3 "$T/f.ini"
same_file "$T/expected" "$T/stdout" "array with filtered batches"
check_records "$(metrics_file)" 500 109 391 0
note "checked: filtered batches"

: >"$T/input"
array
same_text '[]' "$(cat "$T/stdout")" "array of an empty input"
ls "$T"/*.part >/dev/null 2>&1 && soft_fail "a .part file was made for standard output"
finish
