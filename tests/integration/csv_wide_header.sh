# csv_wide_header.sh: a header of 200,000 columns, with duplicate names far
# apart (the last column repeats the eighth; a name repeated in the middle
# whose first suffix is taken near the end), is deduplicated exactly as the
# Python reference does (NAME_2, NAME_3, ...: the first suffix no other field
# has), and its record is written whole. No timing is asserted.
. "$(dirname "$0")/lib.sh"

"$PYTHON3" - "$T/wide.csv" <<'PY'
import sys
n = 200000
names = ["c%d" % i for i in range(1, n + 1)]
names[-1] = "c8"           # a duplicate at the far end: c8_2
names[100000] = "c9"       # c9_2 is taken by the column before the last: c9_3
names[-2] = "c9_2"
with open(sys.argv[1], "w", newline="") as f:
    f.write(",".join(names) + "\n")
    f.write(",".join(str(i) for i in range(n)) + "\n")
PY
csv2json "$T/wide.csv" "$T/wide.ref"
nebtop -duration 0 -source csv -source-config "file_path=$T/wide.csv" \
	-destination json -dest-config "file_path=$T/wide.json"
expect_rc 0 "200,000 columns"
same_file "$T/wide.ref" "$T/wide.json" "200,000 columns"
grep -q '"c8_2":"199999"}$' "$T/wide.json" || fail "the last column (a second c8) is not c8_2"
grep -q '"c9_3":"100000",' "$T/wide.json" || fail "the second c9 (c9_2 taken) is not c9_3"
grep -q '"c9_2":"199998",' "$T/wide.json" || fail "the column named c9_2 lost its name"
note "ok: 200,000 columns, duplicates far apart renamed as Python's reference does"

# headers drawn from a few names that collide with each other's suffixes
# (a, a_2, a_2_2, ...), each name many times: renamed as the reference does
for seed in 1 2 3 4 5 6 7 8 9 10 11 12; do
	"$PYTHON3" - "$T/dup$seed.csv" "$seed" <<'PY'
import random, sys
rng = random.Random(int(sys.argv[2]))
names = [rng.choice(["a", "a_2", "a_3", "a_2_2", "b", "b_2", "a_4"]) for _ in range(rng.randrange(2, 60))]
with open(sys.argv[1], "w", newline="") as f:
    f.write(",".join(names) + "\n" + ",".join(str(i) for i in range(len(names))) + "\n")
PY
	csv2json "$T/dup$seed.csv" "$T/dup$seed.ref"
	nebtop -duration 0 -source csv -source-config "file_path=$T/dup$seed.csv" \
		-destination json -dest-config "file_path=$T/dup$seed.json"
	expect_rc 0 "colliding names, seed $seed"
	same_file "$T/dup$seed.ref" "$T/dup$seed.json" "colliding names, seed $seed"
done
note "ok: colliding duplicate names renamed as the reference does"
finish
