# json_source.sh: the JSON source (type = json). JSON Lines and array inputs
# to the JSON destination give exactly what json_source_ref.py computes
# (fields from the first records, every value as text, nested values as
# compact JSON, flatten giving dotted keys); strings with UTF-8, escapes and
# NULs and null values round-trip; a bad line under skip, dead_letter and
# fail; a key outside the sampled fields; a malformed array; an empty file;
# standard input; 100,000 lines with in == out.
. "$(dirname "$0")/lib.sh"

GEN=$LIB_DIR/json_source_ref.py

# run_json IN OUT [SOURCE KEYS] [more nebtop args]: IN (json source) -> OUT (json destination)
run_json() {
	local in=$1 out=$2 keys=${3:-}
	shift 3 2>/dev/null || shift $#
	nebtop -duration 0 -types none -source json -source-config "file_path=$in${keys:+,$keys}" \
		-destination json -dest-config "file_path=$out" "$@"
}

# --- JSON Lines, nested values as compact JSON text ---------------------------
"$PYTHON3" "$GEN" gen "$T/in.jsonl" 3000 7
"$PYTHON3" "$GEN" expect "$T/in.jsonl" "$T/want.json"
run_json "$T/in.jsonl" "$T/out.json" "" -batch 100
expect_rc 0 "JSON Lines"
same_file "$T/want.json" "$T/out.json" "JSON Lines"
check_records "$(metrics_file)" 3000 3000 0 0
note "ok: JSON Lines"

# --- one array (pretty-printed, spanning lines) --------------------------------
"$PYTHON3" "$GEN" gen "$T/in_array.json" 3000 7 array
"$PYTHON3" "$GEN" expect "$T/in_array.json" "$T/want_array.json" array
run_json "$T/in_array.json" "$T/out_array.json" format=array -batch 100
expect_rc 0 "array"
same_file "$T/want_array.json" "$T/out_array.json" "array"
check_records "$(metrics_file)" 3000 3000 0 0
note "ok: array"

# --- flatten --------------------------------------------------------------------
"$PYTHON3" "$GEN" expect "$T/in.jsonl" "$T/want_flat.json" flatten
run_json "$T/in.jsonl" "$T/out_flat.json" flatten=true
expect_rc 0 "flatten"
same_file "$T/want_flat.json" "$T/out_flat.json" "flatten"
head -n 1 "$T/out_flat.json" | grep -q '"user.geo.lat":' || soft_fail "flatten: no user.geo.lat field"
note "ok: flatten"

# --- UTF-8, escapes, NULs and nulls round-trip --------------------------------------
"$PYTHON3" - "$T/rt.jsonl" <<'EOF'
import json, sys
vals = ["plain", "h\u00e9llo w\u00f6rld", "\u65e5\u672c\u8a9e", "\U0001F600 smile", "q\"uote", "back\\slash",
        "new\nline", "cr\rlf", "tab\t", "\b\f", "\u0000nul", "\u001f\u007f", "</script>", "\u2028\u2029", "", None]
with open(sys.argv[1], "w", encoding="utf-8", newline="") as f:
    for i, v in enumerate(vals):
        f.write(json.dumps({"k": v, "i": str(i), "z": None}, ensure_ascii=i % 2 == 0) + "\n")
EOF
run_json "$T/rt.jsonl" "$T/rt_out.json"
expect_rc 0 "round trip"
"$PYTHON3" - "$T/rt.jsonl" "$T/rt_out.json" <<'EOF' || soft_fail "round trip: output differs from the input (see above)"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
b = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
if a != b:
    for x, y in zip(a, b):
        if x != y:
            print("input %r\noutput %r" % (x, y), file=sys.stderr)
            break
    print("%d records in, %d out" % (len(a), len(b)), file=sys.stderr)
    sys.exit(1)
EOF
note "ok: round trip"

# --- a bad line --------------------------------------------------------------------
printf '{"a":"1","b":"x"}\n{"a":"2",\n\n{"a":"3","b":null}\n[1,2]\n{"a":"5","c":"new"}\n{"a":"6"}\n' >"$T/bad.jsonl"
GOOD='{"a":"1","b":"x"}
{"a":"3","b":null}
{"a":"6","b":null}'
run_json "$T/bad.jsonl" "$T/bad_skip.json" schema_sample=1
expect_rc 3 "bad line, skip"
same_text "$GOOD" "$(cat "$T/bad_skip.json")" "bad line, skip: output"
check_records "$(metrics_file)" 6 3 0 3
same_text "record 2 (line 2), stage source: invalid JSON at column 9: string or '}' expected near end of the line
record 4 (line 5), stage source: expected a JSON object, found an array (is the input one JSON array? then set format = array)
record 5 (line 6), stage source: key 'c' is not a field of the input (fields come from the first records)" \
	"$(report_errors)" "bad line, skip: the report's record errors"
note "ok: bad line, skip"

# a NUL byte is not JSON (Python's json refuses the line too), though jansson
# skips it: the line is a record error (found by fuzz_json)
printf '{"a":"1"}\n{"a":2\000}\n{"a":"3"}\n' >"$T/nul.jsonl"
"$PYTHON3" -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().split(b"\n")[1])' "$T/nul.jsonl" 2>/dev/null &&
	soft_fail "NUL byte: Python's json accepts the line"
run_json "$T/nul.jsonl" "$T/nul_out.json"
expect_rc 3 "NUL byte in a line"
check_records "$(metrics_file)" 3 2 0 1
same_text "record 2 (line 2), stage source: invalid JSON at column 7: a NUL byte, which JSON does not allow" \
	"$(report_errors)" "NUL byte in a line: the report's record errors"
note "ok: NUL byte in a line"

printf '[pipeline]\non_error = dead_letter\ndead_letter_path = %s\n' "$T/dead.jsonl" >"$T/dl.ini"
run_json "$T/bad.jsonl" "$T/bad_dl.json" schema_sample=1 "$T/dl.ini"
expect_rc 0 "bad line, dead_letter"
same_text "$GOOD" "$(cat "$T/bad_dl.json")" "bad line, dead_letter: output"
check_records "$(metrics_file)" 6 3 0 3
"$PYTHON3" - "$T/dead.jsonl" <<'EOF' || soft_fail "bad line, dead_letter: dead-letter file (see above)"
import json, sys
got = sorted((json.loads(l) for l in open(sys.argv[1], encoding="utf-8")), key=lambda d: d["record"])
want = [
    {"record": 2, "line": 2, "stage": "source",
     "reason": "invalid JSON at column 9: string or '}' expected near end of the line", "input": '{"a":"2",',
     "data": {"a": None, "b": None}},
    {"record": 4, "line": 5, "stage": "source", "reason": "expected a JSON object, found an array (is the input one JSON array? then set format = array)",
     "input": "[1,2]", "data": {"a": None, "b": None}},
    {"record": 5, "line": 6, "stage": "source",
     "reason": "key 'c' is not a field of the input (fields come from the first records)",
     "input": '{"a":"5","c":"new"}', "data": {"a": "5", "b": None}},
]
if got != want:
    print("got      %s\nexpected %s" % (json.dumps(got), json.dumps(want)), file=sys.stderr)
    sys.exit(1)
EOF
note "ok: bad line, dead_letter"

printf '[pipeline]\non_error = fail\n' >"$T/fail.ini"
run_json "$T/bad.jsonl" "$T/bad_fail.json" "" "$T/fail.ini"
expect_rc 1 "bad line, fail"
stderr_has "$T/bad.jsonl: record 2 (line 2): invalid JSON at column 9: string or '}' expected near end of the line" "bad line, fail"
[ -e "$T/bad_fail.json" ] && soft_fail "bad line, fail: the output exists after a failed run"
note "ok: bad line, fail"

# --- arrays: a bad element is a record error; a malformed array fails the run ---------
printf '[\n  {"a": 1},\n  {"a": [1}\n  , 7, {"a": "]"}\n]\n' >"$T/bad_array.json"
run_json "$T/bad_array.json" "$T/bad_array_out.json" format=array
expect_rc 3 "array with bad elements"
same_text '{"a":"1"}
{"a":"]"}' "$(cat "$T/bad_array_out.json")" "array with bad elements: output"
same_text "record 2 (line 3), stage source: invalid JSON at line 3: ']' expected near '}' (byte 9 of the element)
record 3 (line 4), stage source: expected a JSON object, found a number" \
	"$(report_errors)" "array with bad elements: the report's record errors"
# lines before the '[' count (found by fuzz_json: they were lost when the '['
# and the elements came in one read)
printf '\n\n[\n  {"a": 1},\n  {"a": [1}\n  , 7, {"a": "]"}\n]\n' >"$T/lead_array.json"
run_json "$T/lead_array.json" "$T/lead_array_out.json" format=array
expect_rc 3 "array after blank lines"
same_text "record 2 (line 5), stage source: invalid JSON at line 5: ']' expected near '}' (byte 9 of the element)
record 3 (line 6), stage source: expected a JSON object, found a number" \
	"$(report_errors)" "array after blank lines: the report's record errors"
{ printf '\n\n[\n {"a": 1},\n {"a": "'; head -c 2000 /dev/zero | tr '\0' x; printf '"}]\n'; } >"$T/big_element.json"
run_json "$T/big_element.json" "$T/big_element_out.json" format=array,max_record_size=1024
expect_rc 1 "array element past max_record_size"
stderr_has "$T/big_element.json: the array element starting on line 5 is larger than max_record_size (1024 bytes)" \
	"array element past max_record_size"
printf '[{"a": 1},\n {"a": 2}\n {"a": 3}]' >"$T/malformed.json"
run_json "$T/malformed.json" "$T/malformed_out.json" format=array
expect_rc 1 "malformed array"
stderr_has "$T/malformed.json: line 3: expected ',' or ']' after an element of the array, found '{'" "malformed array"
printf '[{"a": 1},\n {"a": 2}' >"$T/truncated.json"
run_json "$T/truncated.json" "$T/truncated_out.json" format=array
expect_rc 1 "truncated array"
stderr_has "$T/truncated.json: the input ends inside the array (line 2): is it truncated?" "truncated array"
printf '{"a": 1}\n' >"$T/not_array.json"
run_json "$T/not_array.json" "$T/not_array_out.json" format=array
expect_rc 1 "not an array"
stderr_has "line 1: format = array: the input must be one JSON array, starting with '[', found '{'" "not an array"
note "ok: arrays"

# --- empty inputs ---------------------------------------------------------------------
: >"$T/empty.jsonl"
run_json "$T/empty.jsonl" "$T/empty_out.json"
expect_rc 0 "empty file"
[ -f "$T/empty_out.json" ] && [ ! -s "$T/empty_out.json" ] || soft_fail "empty file: the output is not an empty file"
check_records "$(metrics_file)" 0 0 0 0
printf ' \n[ ]\n' >"$T/empty_array.json"
run_json "$T/empty_array.json" "$T/empty_array_out.json" format=array
expect_rc 0 "empty array"
check_records "$(metrics_file)" 0 0 0 0
note "ok: empty inputs"

# --- standard input ---------------------------------------------------------------------
nebtop -duration 0 -types none -source json -source-config file_path=- -destination json \
	-dest-config file_path=- <"$T/in.jsonl"
expect_rc 0 "stdin"
same_file "$T/want.json" "$T/stdout" "stdin"
note "ok: stdin"

# --- 100,000 lines ------------------------------------------------------------------------
"$PYTHON3" "$GEN" gen "$T/big.jsonl" 100000 3
"$PYTHON3" "$GEN" expect "$T/big.jsonl" "$T/want_big.json"
run_json "$T/big.jsonl" "$T/out_big.json"
expect_rc 0 "100,000 lines"
same_file "$T/want_big.json" "$T/out_big.json" "100,000 lines"
check_records "$(metrics_file)" 100000 100000 0 0
note "ok: 100,000 lines"

# --- one array read as JSON Lines: the record errors say what to set -------------------
printf '[\n{"a":1},\n{"a":2}\n]\n' >"$T/array_as_lines.json"
run_json "$T/array_as_lines.json" "$T/array_as_lines.out"
expect_rc 3 "an array read as JSON Lines"
check_records "$(metrics_file)" 4 1 0 3
[ "$(report_errors | grep -c "(is the input one JSON array? then set format = array)$")" = 3 ] ||
	soft_fail "an array read as JSON Lines: the record errors lack the format = array hint: $(report_errors)"
note "ok: an array read as JSON Lines"

finish
