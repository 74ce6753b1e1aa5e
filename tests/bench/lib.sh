# lib.sh: what the benchmark scripts share: messages, medians, and the
# deterministic input CSV (made with gen_csv.c into BENCH_DIR, reused while it
# is the same). Sourced with HERE (this folder) and BENCH_DIR set.
die() { echo "${BENCH_NAME:-bench}: $*" >&2; exit 1; }
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g |
	awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

# gen_csv, rebuilt when its source changes; data reused while its size matches the stamp
# written when it was generated from the same gen_csv.c.
GEN=$BENCH_DIR/gen_csv
if [ ! -x "$GEN" ] || [ "$HERE/gen_csv.c" -nt "$GEN" ]; then
	gcc -O2 -o "$GEN" "$HERE/gen_csv.c"
fi
make_csv() { # ROWS: sets CSV to the file's path
	CSV=$BENCH_DIR/bench_$1.csv
	local src
	src=$(sha1sum <"$HERE/gen_csv.c")
	if [ ! -f "$CSV" ] || [ "$(cat "$CSV.stamp" 2>/dev/null)" != "$(stat -c %s "$CSV") $src" ]; then
		echo "generating $CSV ..."
		"$GEN" "$1" >"$CSV.tmp"
		mv "$CSV.tmp" "$CSV"
		echo "$(stat -c %s "$CSV") $src" >"$CSV.stamp"
	fi
}

