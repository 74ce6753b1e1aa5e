# stages.sh: the transform stages end to end on a small CSV, with the exact
# JSON lines and record counts: filter (numeric gt/ge where text order would
# differ, contains, matches, ne on a null), select + rename, cast to
# int/float/bool (unquoted numbers and booleans, empty -> null), a cast
# failure counted as a record error, and stages running in file order.
. "$(dirname "$0")/lib.sh"

IN=$DATA/csv/fruits.csv

# run WHAT IN OUT FILTERED ERRORS EXPECTED STAGE-LINES...: a pipeline IN ->
# stages -> json; its output must be EXPECTED and its counts the given ones.
run() {
	local what=$1 n=$2 out=$3 filtered=$4 errors=$5 want=$6
	shift 6
	{
		printf '[pipeline]\nduration = 0\n[source]\nfile_path = %s\n' "$IN"
		printf '%s\n' "$@"
		printf '[destination]\nfile_path = %s\n' "$T/out.json"
	} >"$T/p.ini"
	nebtop "$T/p.ini"
	# a record lost to an error with max_errors at its default: exit status 3
	expect_rc "$([ "$errors" -gt 0 ] && echo 3 || echo 0)" "$what"
	same_text "$want" "$(cat "$T/out.json")" "$what: output" &&
		check_records "$(metrics_file)" "$n" "$out" "$filtered" "$errors" &&
		note "ok: $what"
}

# the fruits the filters keep, as the json destination writes them (the
# fields untouched, as strings)
APPLE='{"id":"1","name":"apple","price":"1.50","qty":"10","active":"true","note":"red fruit"}'
BANANA='{"id":"2","name":"banana","price":"0.25","qty":"150","active":"no","note":"yellow"}'
CHERRY='{"id":"3","name":"cherry","price":"12","qty":"7","active":"YES","note":"small red"}'
ELDER='{"id":"5","name":"elder","price":"3e2","qty":"-4","active":"f","note":"berry, dark"}'
FIG='{"id":"6","name":"fig","price":"-0.5","qty":"+8","active":"T","note":""}'

run "filter price gt 2 (numeric: 12 > 2)" 6 2 4 0 \
"$CHERRY
$ELDER" \
	'[stage.f]' 'type = filter' 'field = price' 'op = gt' 'value = 2'

run "filter qty ge 10 (numeric: 150 >= 10)" 6 2 4 0 \
"$APPLE
$BANANA" \
	'[stage.f]' 'type = filter' 'field = qty' 'op = ge' 'value = 10'

run "filter contains" 6 2 4 0 \
"$APPLE
$CHERRY" \
	'[stage.f]' 'type = filter' 'field = note' 'op = contains' 'value = red'

run "filter matches" 6 3 3 0 \
"$APPLE
$CHERRY
$FIG" \
	'[stage.f]' 'type = filter' 'field = name' 'op = matches' 'value = ^(apple|fig)$|rr'

run "select + rename" 6 6 0 0 \
'{"fruit":"apple","key":"1"}
{"fruit":"banana","key":"2"}
{"fruit":"cherry","key":"3"}
{"fruit":"date","key":"4"}
{"fruit":"elder","key":"5"}
{"fruit":"fig","key":"6"}' \
	'[stage.pick]' 'type = select' 'fields = name, id' \
	'[stage.names]' 'type = rename' 'from = name,id' 'to = fruit, key'

run "cast int, float, bool" 6 6 0 0 \
'{"id":"1","name":"apple","price":1.50,"qty":10,"active":true,"note":"red fruit"}
{"id":"2","name":"banana","price":0.25,"qty":150,"active":false,"note":"yellow"}
{"id":"3","name":"cherry","price":12,"qty":7,"active":true,"note":"small red"}
{"id":"4","name":"date","price":null,"qty":0,"active":false,"note":""}
{"id":"5","name":"elder","price":3e2,"qty":-4,"active":false,"note":"berry, dark"}
{"id":"6","name":"fig","price":-0.5,"qty":8,"active":true,"note":""}' \
	'[stage.c1]' 'type = cast' 'field = price' 'to = float' \
	'[stage.c2]' 'type = cast' 'field = qty' 'to = int' \
	'[stage.c3]' 'type = cast' 'field = active' 'to = bool'

# a failed cast is a record error (4 here); stages run in file order: the
# filter sees the cast's null (only ne matches a null) and the select comes last
run "cast failure, stage order" 6 1 1 4 '{"id":"4","price":null}' \
	'[stage.c]' 'type = cast' 'field = price' 'to = int' \
	'[stage.keep]' 'type = filter' 'field = price' 'op = ne' 'value = 12' \
	'[stage.cols]' 'type = select' 'fields = id,price'
same_text "record 1 (line 2), stage c: field 'price': '1.50' is not an integer (cast to int)
record 2 (line 3), stage c: field 'price': '0.25' is not an integer (cast to int)
record 5 (line 6), stage c: field 'price': '3e2' is not an integer (cast to int)
record 6 (line 7), stage c: field 'price': '-0.5' is not an integer (cast to int)" \
	"$(report_errors)" "cast failure: the report's record errors"
same_text "source 0 0, c 4 0, keep 0 1, cols 0 0, destination 0 0" \
	"$(metric "$(metrics_file)" '", ".join("%s %d %d" % (s["name"], s["errors"], s["filtered"]) for s in m["stages"])')" \
	"cast failure: errors and filtered of each stage"
finish
