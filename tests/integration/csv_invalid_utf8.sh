# csv_invalid_utf8.sh: rows holding invalid UTF-8. invalid_utf8=error (the
# default): each such row is a record error named in the report (field and
# byte of the first bad byte), the others equal the reference's; replace: every
# field equals Python's bytes.decode('utf-8', 'replace') of it (U+FFFD per
# maximal invalid subpart). Includes an invalid sequence cut by a delimiter.
. "$(dirname "$0")/lib.sh"

IN=$DATA/csv/bad_utf8.csv

# error: rows 2, 3, 5, 6, 7 are bad
csv2json "$IN" "$T/error.ref"
nebtop -duration 0 -source-config "file_path=$IN" -dest-config "file_path=$T/error.json"
expect_rc 3 "invalid_utf8=error"
same_file "$T/error.ref" "$T/error.json" "invalid_utf8=error"
check_records "$(metrics_file)" 8 3 0 5
same_text "record 2 (line 3), stage source: invalid UTF-8 in field 'name' (field 2) at byte 4
record 3 (line 4), stage source: invalid UTF-8 in field 'name' (field 2) at byte 4
record 5 (line 6), stage source: invalid UTF-8 in field 'name' (field 2) at byte 10
record 6 (line 7), stage source: invalid UTF-8 in field 'name' (field 2) at byte 7
record 7 (line 8), stage source: invalid UTF-8 in field 'name' (field 2) at byte 12" \
	"$(report_errors)" "invalid_utf8=error: the report's record errors"

# replace: every row written, mended like Python's decode(errors='replace')
csv2json "$IN" "$T/replace.ref" --invalid-utf8 replace
nebtop -duration 0 -source-config "file_path=$IN,invalid_utf8=replace" -dest-config "file_path=$T/replace.json"
expect_rc 0 "invalid_utf8=replace"
same_file "$T/replace.ref" "$T/replace.json" "invalid_utf8=replace"
check_records "$(metrics_file)" 8 8 0 0
grep -qF "\"name\":\"overlong $(printf '\357\277\275\357\277\275')\"" "$T/replace.json" ||
	soft_fail "invalid_utf8=replace: overlong C0 AF not replaced by two U+FFFD"

# an invalid sequence cut in two by the delimiter: "x\xe2\x82" and "\xacy" are
# both invalid, although their bytes side by side would be a valid euro sign
printf 'a,b\n1,2\nx\342\202,\254y\n3,4\n' >"$T/split.csv"
for mode in error replace; do
	csv2json "$T/split.csv" "$T/split_$mode.ref" --invalid-utf8 "$mode"
	nebtop -duration 0 -source-config "file_path=$T/split.csv,invalid_utf8=$mode" \
		-dest-config "file_path=$T/split_$mode.json"
	# invalid_utf8=error loses records to errors (max_errors 0): exit status 3
	expect_rc "$([ "$mode" = error ] && echo 3 || echo 0)" "split sequence, invalid_utf8=$mode"
	if ! cmp -s "$T/split_$mode.ref" "$T/split_$mode.json"; then
		soft_fail "split sequence, invalid_utf8=$mode: output differs from the reference:
$(cat -v "$T/split_$mode.json")
expected
$(cat -v "$T/split_$mode.ref")"
	fi
	"$PYTHON3" -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/split_$mode.json" 2>/dev/null ||
		soft_fail "split sequence, invalid_utf8=$mode: the JSON output is not valid UTF-8"
done
finish
