# on_error.sh: the three record-error policies on a file with a short row, a
# long row, an invalid-UTF-8 row and two cast failures. skip: counted per
# stage, not written, listed (at most 100) in the report and error_samples;
# fail: exit 1, stderr names FILE: record N (line L): reason, FILE.part left,
# FILE absent; dead_letter: one JSON line per bad record with record, line, the input as read,
# stage, reason and data (object of fields, array of raw fields for a wrong
# field count, {"base64":...} for invalid UTF-8).
. "$(dirname "$0")/lib.sh"

IN=$DATA/csv/mixed_errors.csv

# write_ini POLICY OUT [EXTRA PIPELINE LINE]: the pipeline: IN -> cast amount to int -> OUT
write_ini() {
	cat >"$T/p.ini" <<EOF
[pipeline]
on_error = $1
${3:-}
duration = 0
[source]
file_path = $IN
$(ini_cast amount_int amount int)
[destination]
file_path = $2
EOF
}

ERRORS='record 2 (line 3), stage source: expected 3 fields, found 2
record 3 (line 4), stage amount_int: field '"'amount'"': '"'abc'"' is not an integer (cast to int)
record 4 (line 5), stage source: invalid UTF-8 in field '"'name'"' (field 2) at byte 2
record 5 (line 6), stage source: expected 3 fields, found 4
record 6 (line 7), stage amount_int: field '"'amount'"': '"'1.5'"' is not an integer (cast to int)'
GOOD='{"id":"1","name":"alice","amount":10}
{"id":"7","name":"grace","amount":8}'

# --- skip ---------------------------------------------------------------
write_ini skip "$T/skip.json"
nebtop "$T/p.ini"
expect_rc 3 "on_error=skip"
same_text "$GOOD" "$(cat "$T/skip.json")" "on_error=skip: output"
M=$(metrics_file)
check_records "$M" 7 2 0 5
same_text "3 2 0" "$(metric "$M" '" ".join(str(s["errors"]) for s in m["stages"])')" \
	"on_error=skip: errors of the stages source, amount_int, destination"
same_text "$ERRORS" "$(report_errors)" "on_error=skip: the report's record errors"
same_text "$ERRORS" "$(metric "$M" '"\n".join("record %d (line %d), stage %s: %s" % (e["record"], e["line"], e["stage"], e["reason"]) for e in m["error_samples"])')" \
	"on_error=skip: error_samples"
note "ok: skip"

# only the first 100 errors are listed, all are counted
"$PYTHON3" -c 'print("a,b"); [print("%d,%s" % (i, "x,y" if i % 2 else "ok")) for i in range(1, 301)]' >"$T/many.csv"
nebtop -duration 0 -source-config "file_path=$T/many.csv" -dest-config "file_path=$T/many.json"
expect_rc 3 "150 bad rows"
check_records "$(metrics_file)" 300 150 0 150
same_text "100 1 199" "$(metric "$(metrics_file)" '"%d %d %d" % (len(m["error_samples"]), m["error_samples"][0]["record"], m["error_samples"][-1]["record"])')" \
	"150 bad rows: error_samples count, first and last record"
grep -qxF 'Record errors (first 100 of 150):' "$(report_file)" || soft_fail "150 bad rows: report lacks 'Record errors (first 100 of 150):'"
note "ok: skip, error sample limit"

# --- fail -----------------------------------------------------------------
write_ini fail "$T/fail.json"
nebtop "$T/p.ini"
expect_rc 1 "on_error=fail"
stderr_has "$IN: record 2 (line 3): expected 3 fields, found 2" "on_error=fail"
stderr_has "fail.json.part" "on_error=fail: stderr names the partial file"
[ -e "$T/fail.json" ] && soft_fail "on_error=fail: fail.json exists after a failed run"
[ -e "$T/fail.json.part" ] || soft_fail "on_error=fail: fail.json.part not left"
grep -q '"id":"1"' "$T/fail.json.part" 2>/dev/null || soft_fail "on_error=fail: record 1 (before the failure) not in fail.json.part"
check_records "$(metrics_file)" "" "" "" ""
# a failure in a stage names the stage
printf 'id,name,amount\n1,a,1\n2,b,"x\ny"\n' >"$T/stage_fail.csv"
cat >"$T/p2.ini" <<EOF
[pipeline]
on_error = fail
duration = 0
[source]
file_path = $T/stage_fail.csv
$(ini_cast amount_int amount int)
[destination]
file_path = $T/sf.json
EOF
nebtop "$T/p2.ini"
expect_rc 1 "on_error=fail in a stage"
stderr_has "$T/stage_fail.csv: record 2 (line 3): stage amount_int: field 'amount': 'x" "on_error=fail in a stage"
[ -e "$T/sf.json" ] && soft_fail "on_error=fail in a stage: sf.json exists"
[ -e "$T/sf.json.part" ] || soft_fail "on_error=fail in a stage: sf.json.part not left"
note "ok: fail"

# --- dead_letter ----------------------------------------------------------
write_ini dead_letter "$T/dl.json" "dead_letter_path = $T/dead.jsonl"
nebtop "$T/p.ini"
expect_rc 0 "on_error=dead_letter"
same_text "$GOOD" "$(cat "$T/dl.json")" "on_error=dead_letter: output"
check_records "$(metrics_file)" 7 2 0 5
same_text 5 "$(metric "$(metrics_file)" 'm["records"]["dead_lettered"]')" "on_error=dead_letter: records.dead_lettered"
"$PYTHON3" - "$T/dead.jsonl" <<'EOF' || soft_fail "on_error=dead_letter: dead-letter file (see above)"
import base64, json, sys
lines = open(sys.argv[1], encoding="utf-8", newline="").read().split("\n")[:-1]
got = sorted((json.loads(l) for l in lines), key=lambda d: d["record"])
want = [
    {"record": 2, "line": 3, "stage": "source", "reason": "expected 3 fields, found 2", "input": "2,bob",
     "data": ["2", "bob"]},
    {"record": 3, "line": 4, "stage": "amount_int",
     "reason": "field 'amount': 'abc' is not an integer (cast to int)", "input": "3,carol,abc",
     "data": {"id": "3", "name": "carol", "amount": "abc"}},
    {"record": 4, "line": 5, "stage": "source", "reason": "invalid UTF-8 in field 'name' (field 2) at byte 2",
     "input": {"base64": base64.b64encode(b"4,d\xffve,5").decode()},
     "data": {"id": "4", "name": {"base64": base64.b64encode(b"d\xffve").decode()}, "amount": "5"}},
    {"record": 5, "line": 6, "stage": "source", "reason": "expected 3 fields, found 4",
     "input": '5,"eve, jr",7,extra', "data": ["5", "eve, jr", "7", "extra"]},
    {"record": 6, "line": 7, "stage": "amount_int",
     "reason": "field 'amount': '1.5' is not an integer (cast to int)", "input": '6,"frank\njr",1.5',
     "data": {"id": "6", "name": "frank\njr", "amount": "1.5"}},
]
ok = len(lines) == len(want)
if not ok:
    print("%d dead-letter lines, expected %d" % (len(lines), len(want)), file=sys.stderr)
for g, w in zip(got, want):
    if g != w:
        ok = False
        print("dead-letter line of record %s:\n  got      %s\n  expected %s"
              % (w["record"], json.dumps(g), json.dumps(w)), file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
note "checked: dead_letter"
finish
