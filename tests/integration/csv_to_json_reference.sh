# csv_to_json_reference.sh: CSV -> JSON Lines output is byte-identical to the
# Python reference (csv_to_json.py) on fixed cases (quotes, embedded LF/CRLF,
# CRLF line ends, BOM, UTF-8, empty fields, empty file, header only, no final
# newline, has_header=false, ';' and tab delimiters, duplicate header names),
# a 1 MB field, and a few thousand random rows from a fixed seed.
. "$(dirname "$0")/lib.sh"

# compare INPUT NAME [K=V source keys] -- [reference options]: one case.
compare() {
	local in=$1 name=$2 keys=$3
	shift 3
	csv2json "$in" "$T/$name.ref" "$@"
	nebtop -duration 0 -source csv -source-config "file_path=$in$keys" \
		-destination json -dest-config "file_path=$T/$name.json" ${NEB_EXTRA:-}
	expect_rc 0 "$name"
	same_file "$T/$name.ref" "$T/$name.json" "$name"
	[ ! -e "$T/$name.json.part" ] || fail "$name: $name.json.part left after a successful run"
	note "ok: $name"
}

C=$DATA/csv
for f in quotes newlines crlf bom utf8 empty_fields empty header_only no_trailing_newline dup_header; do
	compare "$C/$f.csv" "$f" ""
done
compare "$C/no_header.csv" no_header ",has_header=false" --has-header false
compare "$C/semicolon.csv" semicolon ",delimiter=;" --delimiter ";"
compare "$C/tab.tsv" tab ",delimiter=tab" --delimiter tab

# the expected outputs of a few cases, so the reference itself is checked too
[ ! -s "$T/empty.json" ] || fail "empty.csv: output is not empty"
[ ! -s "$T/header_only.json" ] || fail "header_only.csv: output is not empty"
grep -qxF '{"id":"1","name":"a","id_3":"2","id_2":"3","id_4":"4"}' "$T/dup_header.json" ||
	fail "dup_header.csv: duplicate names not deduplicated as id, name, id_3, id_2, id_4"
grep -qxF '{"col1":"2","col2":"two","col3":"second, row"}' "$T/no_header.json" ||
	fail "no_header.csv: fields not named col1..col3"
[ "$(wc -l <"$T/quotes.json")" = 8 ] || fail "quotes.csv: expected 8 records"

# a 1 MB field (quoted, with quotes and newlines in it) between small ones
"$PYTHON3" - "$T/big.csv" <<'EOF'
import random, sys
rng = random.Random(7)
big = "".join(rng.choice('abcdefghij "\n,é😀') for _ in range(1 << 20))
with open(sys.argv[1], "w", encoding="utf-8", newline="") as f:
    f.write('a,big,c\n1,small,x\n2,"%s",y\n3,"",z\n' % big.replace('"', '""'))
EOF
compare "$T/big.csv" big ""

# random mixed content, seeded: with the default settings, then with small
# batches on 4 workers (records cut across many chunks), then ';'-delimited
"$PYTHON3" "$LIB_DIR/gen_random_csv.py" "$T/random.csv" 4000 12345
compare "$T/random.csv" random ""
NEB_EXTRA="-batch 7 -workers 4" compare "$T/random.csv" random_small_batches ""
"$PYTHON3" "$LIB_DIR/gen_random_csv.py" "$T/random_semi.csv" 3000 4243 ";"
compare "$T/random_semi.csv" random_semi ",delimiter=;" --delimiter ";"
[ "$(wc -l <"$T/random.json")" = 4000 ] || fail "random.csv: expected 4000 records"
finish
