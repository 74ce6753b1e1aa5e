# ordering.sh: with ordered=true (the default), 4 workers per stage and small
# batches (-batch 7), a 50,000-row CSV goes through parsing, a filter and a
# cast on several threads and comes out in input order: the output is the
# same as with -workers 1 and equals the Python reference.
. "$(dirname "$0")/lib.sh"

# rows of uneven size (some long, some quoted over several lines) so that
# batches take uneven time on the workers
"$PYTHON3" - "$T/in.csv" <<'EOF'
import random, sys
rng = random.Random(2024)
with open(sys.argv[1], "w", encoding="utf-8", newline="") as f:
    f.write("id,kind,text\n")
    for i in range(1, 50001):
        k = rng.random()
        text = ("x" * rng.randint(0, 3000)) if k < 0.05 else '"multi\nline, %d"' % i if k < 0.1 else "t%d" % i
        f.write("%d,%s,%s\n" % (i, rng.choice(["a", "b", "c"]), text))
EOF
csv2json "$T/in.csv" "$T/ref.json"
# the reference after the pipeline's filter (kind ne c) and cast (id to int)
"$PYTHON3" - "$T/ref.json" "$T/expected.json" <<'EOF'
import json, sys
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in open(sys.argv[1], encoding="utf-8"):
        r = json.loads(line)
        if r["kind"] != "c":
            r["id"] = int(r["id"])
            out.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
EOF

cat >"$T/p.ini" <<EOF
[pipeline]
duration = 0
[source]
file_path = $T/in.csv
[stage.keep]
type = filter
field = kind
op = ne
value = c
$(ini_cast typed id int)
EOF

for w in 4 1; do
	nebtop "$T/p.ini" -workers "$w" -batch 7 -buffer 100 -destination json -dest-config "file_path=$T/out$w.json"
	expect_rc 0 "-workers $w"
	check_records "$(metrics_file)" 50000 "$(wc -l <"$T/expected.json")" "" 0
	same_text "$w" "$(metric "$(metrics_file)" 'm["pipeline"]["workers"]')" "-workers $w: pipeline.workers"
done
same_file "$T/out1.json" "$T/out4.json" "-workers 4 vs -workers 1"
same_file "$T/expected.json" "$T/out4.json" "-workers 4 vs the reference"
note "ok: 50,000 rows in order with 4 workers"
finish
