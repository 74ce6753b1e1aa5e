# prof_memory.sh: the memory profiler on a planted leak (generate, 12,000
# rows at 4,000 rows/s -> [stage.cache] alloc bytes_per_record=4KiB leak=true
# -> null, -types memory; a SIGUSR1 snapshot about 1 s in). memory_TS.prof
# opens with go tool pprof (no stderr) with the four sample types;
# -sample_index=inuse_space -top shows alloc_record_memory first, with an
# in-use total within a factor 2 of the bytes leaked (records * 4096); the
# metrics' heap_live_bytes covers the leak and grows between the two
# snapshots by about what was leaked in between; the report says "Heap in
# use" and about 4 KiB of allocations per record. With leak=false (and
# mem_rate = 64KiB) alloc_record_memory holds under 10% of that in use while
# alloc_space still shows it. Sanitizer builds (which do not interpose
# malloc and write no memory profile) skip this test.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prof_lib.sh"

# stage_out METRICS: records out of the cache stage
stage_out() { metric "$1" '[s for s in m["stages"] if s["name"] == "cache"][0]["records_out"]'; }

# in_use RAW: in-use bytes of the stacks through alloc_record_memory
in_use() { rawq "$1" 'sum(s["v"][col("inuse_space")] for s in S if "alloc_record_memory" in s["fns"])'; }
# allocated RAW: allocated bytes of the stacks through alloc_record_memory
allocated() { rawq "$1" 'sum(s["v"][col("alloc_space")] for s in S if "alloc_record_memory" in s["fns"])'; }
# within LOW X HIGH: LOW <= X <= HIGH (numbers)
within() { [ "$("$PYTHON3" -c 'import sys; a, x, b = map(float, sys.argv[1:]); print(a <= x <= b)' "$@")" = True ]; }

ROWS=12000
cat >"$T/leak.ini" <<EOF
[source]
type = generate
rows = $ROWS
rate = 4000

[stage.cache]
type = alloc
bytes_per_record = 4KiB
leak = true

[destination]
type = null
EOF

# --- leak = true, with a snapshot on the way ------------------------------------------
start -types memory -duration 0 "$T/leak.ini"
wait_until "leak run: start" grep -q running "$T/bg.err"
sleep 1
kill -USR1 "$PID"
finish_bg "leak run"
ls "$T"/prof/memory_*.prof >/dev/null 2>&1 || {
	if sanitized; then
		note "sanitizer build: malloc is not interposed and no memory profile is written; the memory checks are skipped"
		exit 77
	fi
	fail "-types memory wrote no memory_*.prof: $(ls "$T/prof")"
}
[ "$(ls "$T"/prof/metrics_*.json | wc -l)" = 2 ] || fail "leak run: expected 2 snapshots (SIGUSR1 and final): $(ls "$T/prof")"
[ "$(ls "$T"/prof/memory_*.prof | wc -l)" = 2 ] || soft_fail "leak run: expected 2 memory profiles: $(ls "$T/prof")"
prof_only_files "-types memory" 'memory_*.prof' 'report_*.txt' 'bottleneck_analysis_*.txt' 'metrics_*.json'
prof_final memory
M1=$(ls "$T"/prof/metrics_*.json | grep -vxF "$M")
same_text running "$(metric "$M1" 'm["state"]')" "leak run: state in the SIGUSR1 snapshot"
check_records "$M" "$ROWS" "$ROWS" 0 0
LEAKED=$(($(stage_out "$M") * 4096))
same_text $((ROWS * 4096)) "$LEAKED" "leak run: bytes leaked (records out of the cache stage * 4096)"

pprof "leak run: -raw" "$T/raw" -raw "$PROF"
same_text "['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']" \
	"$(rawq "$T/raw" 'types')" "sample types of the memory profile"
same_text 524288 "$(rawq "$T/raw" 'period')" "period of the memory profile (mem_rate, default 512KiB)"
pprof "leak run: -top" "$T/top" -sample_index=inuse_space -top "$PROF"
first=$(first_flat "$T/top")
[ "$first" = alloc_record_memory ] || soft_fail "leak run: inuse_space: the first function is '$first', expected alloc_record_memory: $(head -15 "$T/top")"
INUSE=$(in_use "$T/raw")
note "leak run: $LEAKED bytes leaked; the profile has $INUSE bytes in use by alloc_record_memory"
within $((LEAKED / 2)) "$INUSE" $((LEAKED * 2)) ||
	soft_fail "leak run: alloc_record_memory has $INUSE bytes in use, not within a factor 2 of the $LEAKED bytes leaked"
ALLOC=$(allocated "$T/raw")
within $((LEAKED / 2)) "$ALLOC" $((LEAKED * 2)) ||
	soft_fail "leak run: alloc_record_memory has $ALLOC bytes allocated, not within a factor 2 of the $LEAKED bytes leaked"

# heap allocated: covers the leak, and grows with it between the snapshots
HEAP=$(metric "$M" 'm["runtime"]["heap_live_bytes"]')
HEAP1=$(metric "$M1" 'm["runtime"]["heap_live_bytes"]')
OUT1=$(stage_out "$M1")
GREW=$(((ROWS - OUT1) * 4096))
note "leak run: heap_live_bytes $HEAP1 after $OUT1 records, $HEAP at the end"
[ "$GREW" -ge $((8 << 20)) ] || fail "leak run: the SIGUSR1 snapshot came too late ($OUT1 of $ROWS records)"
within "$LEAKED" "$HEAP" $((LEAKED * 2)) || soft_fail "leak run: heap_live_bytes $HEAP, the leak alone is $LEAKED bytes"
within $((GREW / 2)) $((HEAP - HEAP1)) $((GREW * 2)) ||
	soft_fail "leak run: heap_live_bytes grew by $((HEAP - HEAP1)) between the snapshots, $GREW bytes were leaked in between"
# the report
R=$(report_file)
grep -q '^  Heap allocated: ' "$R" || soft_fail "leak run: no 'Heap allocated' line in the report"
PER_REC=$(sed -En 's/^  Allocations: .*, ([0-9.]+) bytes per record( \(.*\))?$/\1/p' "$R")
[ -n "$PER_REC" ] || soft_fail "leak run: no bytes per record in the report: $(grep Allocations "$R")"
[ -n "$PER_REC" ] && { within 4096 "$PER_REC" 8192 || soft_fail "leak run: $PER_REC bytes per record in the report, 4096 allocated per record"; }
within 4096 "$(metric "$M" 'm["runtime"]["alloc_bytes_per_record"]')" 8192 ||
	soft_fail "leak run: metrics alloc_bytes_per_record $(metric "$M" 'm["runtime"]["alloc_bytes_per_record"]')"
note "ok: leak = true"

# --- leak = false: nothing stays in use, the allocations still show -----------------
sed -e 's/^leak = true/leak = false/' -e 's/^rate = 4000/rate = 0/' "$T/leak.ini" >"$T/noleak.ini"
printf '\n[profile]\nmem_rate = 64KiB\n' >>"$T/noleak.ini"
nebtop -types memory -duration 0 "$T/noleak.ini"
expect_rc 0 "leak = false"
M=$(metrics_file)
PROF=$(ls "$T"/prof/memory_*.prof 2>/dev/null | head -n 1)
[ -n "$PROF" ] || fail "leak = false: no memory profile: $(ls "$T/prof")"
check_records "$M" "$ROWS" "$ROWS" 0 0
pprof "leak = false: -raw" "$T/raw" -raw "$PROF"
same_text 65536 "$(rawq "$T/raw" 'period')" "period of the memory profile with mem_rate = 64KiB"
INUSE0=$(in_use "$T/raw")
ALLOC0=$(allocated "$T/raw")
note "leak = false: alloc_record_memory has $INUSE0 bytes in use, $ALLOC0 allocated"
[ "$INUSE0" -lt $((INUSE / 10)) ] || soft_fail "leak = false: alloc_record_memory has $INUSE0 bytes in use, the leak run had $INUSE"
within $((LEAKED / 2)) "$ALLOC0" $((LEAKED * 2)) ||
	soft_fail "leak = false: alloc_space of alloc_record_memory is $ALLOC0, $LEAKED bytes were allocated"
pprof "leak = false: -top alloc_space" "$T/top" -sample_index=alloc_space -top "$PROF"
[ "$(first_flat "$T/top")" = alloc_record_memory ] ||
	soft_fail "leak = false: alloc_space: alloc_record_memory is not first: $(head -15 "$T/top")"
HEAP0=$(metric "$M" 'm["runtime"]["heap_live_bytes"]')
[ "$HEAP0" -lt $((HEAP - LEAKED / 2)) ] || soft_fail "leak = false: heap_live_bytes $HEAP0, with the leak $HEAP"
note "ok: leak = false (heap_live_bytes $HEAP0)"
finish
