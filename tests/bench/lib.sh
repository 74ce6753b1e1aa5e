# lib.sh: what the benchmark scripts share: messages, medians, and the
# deterministic input files (CSV, JSON Lines, a JSON array: gen_csv.c and
# gen_record.c, into BENCH_DIR, reused while they are the same). Sourced with
# HERE (this folder) and BENCH_DIR set.
die() { echo "${BENCH_NAME:-bench}: $*" >&2; exit 1; }
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g |
	awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

# gen_csv (with gen_record.c), rebuilt when its sources change; data reused while its size
# matches the stamp written when it was generated from the same sources.
GEN=$BENCH_DIR/gen_csv
GEN_SRC=("$HERE/gen_csv.c" "$HERE/gen_record.c" "$HERE/gen_record.h")
gen_stale() { # [PROGRAM]: is gen_record (or gen_csv) newer than PROGRAM (default: GEN)?
	local f
	for f in "${GEN_SRC[@]}"; do [ "$f" -nt "${1:-$GEN}" ] && return 0; done
	return 1
}
if [ ! -x "$GEN" ] || gen_stale; then
	gcc -std=c11 -O2 -o "$GEN" "$HERE/gen_csv.c" "$HERE/gen_record.c"
fi
make_input() { # FORMAT ROWS: sets INPUT to the path of ROWS records as FORMAT (csv, jsonl, array)
	local ext=$1 src
	[ "$1" = array ] && ext=json
	INPUT=$BENCH_DIR/bench_$2.$ext
	src=$(cat "${GEN_SRC[@]}" | sha1sum)
	if [ ! -f "$INPUT" ] || [ "$(cat "$INPUT.stamp" 2>/dev/null)" != "$(stat -c %s "$INPUT") $src" ]; then
		echo "generating $INPUT ..."
		"$GEN" -f "$1" "$2" >"$INPUT.tmp"
		mv "$INPUT.tmp" "$INPUT"
		echo "$(stat -c %s "$INPUT") $src" >"$INPUT.stamp"
	fi
}
make_csv() { make_input csv "$1"; CSV=$INPUT; } # ROWS: sets CSV to the file's path

# run_rate DIR: the records/s of the run whose snapshots are in DIR (its
# newest metrics: records in over duration_s)
run_rate() {
	python3 - "$1" <<'PY'
import glob, json, sys
m = json.load(open(sorted(glob.glob(sys.argv[1] + "/metrics_*.json"))[-1]))
print("%.1f" % (m["records"]["in"] / m["duration_s"]))
PY
}
