# cast_values.sh: the cast stage's conversions value by value, with the exact
# JSON written: int (sign, leading zeros, the 64-bit limits), float (written
# as given when it is a JSON number, else in shortest form; subnormal numbers
# are finite numbers too), bool (true/false, 1/0, yes/no, t/f, y/n in any
# case); values that do not convert are record errors naming the value.
. "$(dirname "$0")/lib.sh"

# cast TO 'VALUES (one a line)' 'EXPECTED JSON v VALUES' 'BAD RECORD NUMBERS'
cast() {
	local to=$1 values=$2 want=$3 bad=$4
	{ echo v; printf '%s\n' "$values"; } >"$T/in.csv"
	printf '[pipeline]\nduration = 0\n[source]\nfile_path = %s\n[stage.c]\ntype = cast\nfield = v\nto = %s\n[destination]\nfile_path = %s\n' \
		"$T/in.csv" "$to" "$T/out.json" >"$T/p.ini"
	nebtop "$T/p.ini"
	# a record lost to an error with max_errors at its default: exit status 3
	expect_rc "$([ -n "$bad" ] && echo 3 || echo 0)" "cast to $to"
	same_text "$want" "$("$PYTHON3" -c 'import sys
for l in open(sys.argv[1]): print(l[5:-2])' "$T/out.json")" "cast to $to: the values written"
	same_text "$bad" "$(metric "$(metrics_file)" '" ".join(str(e["record"]) for e in m["error_samples"])')" \
		"cast to $to: the records in error"
	check_records "$(metrics_file)" "" "" 0 "$(echo "$bad" | wc -w)"
	note "checked: cast to $to"
}

cast int '9223372036854775807
-9223372036854775808
+0
007
-0
-12
9223372036854775808
1.0
 5
-
1e3' '9223372036854775807
-9223372036854775808
0
7
0
-12' "7 8 9 10 11"

cast float '.5
1.
+2.5
007
-0
1E5
0.1000000000000000055511151231257827
1e-310
4.9e-324
nan
inf
1e400
 1
1 
abc' '0.5
1
2.5
7
-0
1E5
0.1000000000000000055511151231257827
1e-310
4.9e-324' "10 11 12 13 14 15"

cast bool 'Yes
N
TRUE
f
0
y
2
on' 'true
false
true
false
false
true' "7 8"

# the reason names the field and the value
cast int 'x' '' 1
same_text "record 1 (line 2), stage c: field 'v': 'x' is not an integer (cast to int)" "$(report_errors)" \
	"cast failure: the report's record error"
finish
