# csv_ragged.sh: rows with the wrong number of fields. ragged=error (the
# default): those rows are record errors (counted, listed in the report with
# record, line and reason) and the other rows equal the reference's; pad:
# short rows get JSON nulls, long ones stay errors; truncate: long rows lose
# the extra fields, short ones stay errors.
. "$(dirname "$0")/lib.sh"

IN=$DATA/csv/ragged.csv

for mode in error pad truncate; do
	csv2json "$IN" "$T/$mode.ref" --ragged "$mode"
	key=",ragged=$mode"
	[ "$mode" = error ] && key=""  # the default
	nebtop -duration 0 -source-config "file_path=$IN$key" -dest-config "file_path=$T/$mode.json"
	nerr=$("$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["errors"]))' "$T/$mode.ref.summary")
	# records lost to errors with max_errors at its default: exit status 3
	expect_rc "$([ "$nerr" -gt 0 ] && echo 3 || echo 0)" "ragged=$mode"
	same_file "$T/$mode.ref" "$T/$mode.json" "ragged=$mode"
	check_records "$(metrics_file)" 8 $((8 - nerr)) 0 "$nerr"
	case $mode in
	error)
		want='record 2 (line 3), stage source: expected 3 fields, found 2
record 4 (line 5), stage source: expected 3 fields, found 4
record 6 (line 9), stage source: expected 3 fields, found 1
record 7 (line 10), stage source: expected 3 fields, found 5' ;;
	pad)
		want='record 4 (line 5), stage source: expected 3 fields, found 4
record 7 (line 10), stage source: expected 3 fields, found 5' ;;
	truncate)
		want='record 2 (line 3), stage source: expected 3 fields, found 2
record 6 (line 9), stage source: expected 3 fields, found 1' ;;
	esac
	same_text "$want" "$(report_errors)" "ragged=$mode: the report's record errors"
	# the metrics JSON lists the same errors
	got=$(metric "$(metrics_file)" '"\n".join("record %d (line %d), stage %s: %s" % (e["record"], e["line"], e["stage"], e["reason"]) for e in m["error_samples"])')
	same_text "$want" "$got" "ragged=$mode: error_samples of the metrics JSON"
	note "ok: ragged=$mode"
done

# the padded values are JSON nulls, the truncated row keeps its first fields
grep -qxF '{"a":"one","b":null,"c":null}' "$T/pad.json" || soft_fail "pad: row 'one' not padded with nulls"
grep -qxF '{"a":"7","b":"8\n9","c":"10"}' "$T/truncate.json" || soft_fail "truncate: long row not cut to 3 fields"
finish
