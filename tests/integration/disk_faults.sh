#!/usr/bin/env bash
# disk_faults.sh: what a full or broken disk, a read-only folder and a
# planted symbolic link do to the files nebtop writes (issue 11, items 3, 4
# and 11). The faults come from tests/faults/failio.so (LD_PRELOAD: write,
# fsync, rename or close fail with ENOSPC or EIO on the files whose path
# contains FAILIO_MATCH, after FAILIO_BYTES bytes). The run: 20,000 CSV rows,
# every 4th with an id that is not an integer, cast to int, bad records to a
# dead-letter file (5,000), good ones to out.json (15,000).
#   dest_full      out.json's disk fills after 100 kB: exit 1 naming
#                  out.json.part and the reason; no out.json, no bad.jsonl
#                  committed; the counts (summary and metrics) are the lines
#                  in the .part files
#   dest_fsync     fsync of out.json.part fails (EIO): exit 1, nothing committed
#   dl_full        the dead-letter disk fills after 100 kB: exit 1 naming
#                  bad.jsonl.part; dead_lettered = the lines in the file (a
#                  record is dead-lettered once its line is written); nothing
#                  committed under a final name
#   snap_full      the snapshot folder's disk fills: the output is complete
#                  and committed, the final snapshot absent (no file at all):
#                  exit 4 saying both, with the path and the reason
#   snap_rename    renaming the snapshot's metrics file fails: exit 4, no
#                  file of the snapshot left (whole or absent)
#   trace_full     the trace file of the snapshot cannot be written: exit 4,
#                  no file of the snapshot left
#   link_part      a symlink planted at out.json.part (and at bad.jsonl.part):
#                  refused (exit 2, naming it), the file it points to unchanged
#   link_snap      symlinks planted at the snapshot's temporary names of the
#                  coming minute: the snapshot is refused (exit 4), the file
#                  they point to unchanged
#   leftover       a regular out.json.part left by an earlier run (a hard
#                  link to another file): replaced, that file unchanged, exit 0
#   read_only      a read-only folder (EROFS) for the output: exit 2 naming
#                  out.json.part and the reason; for the snapshots: exit 4,
#                  the output whole, no snapshot file
. "$(dirname "$0")/lib.sh"

SHIM=$BUILDDIR/tests/faults/failio.so
[ -f "$SHIM" ] || fail "no fault shim at $SHIM (make check builds it)"
# ASan insists on being first in the library list; the shim only wraps
# libc's calls, so that check is off for these runs
PRELOAD_ENV=(LD_PRELOAD="$SHIM" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")

"$PYTHON3" - "$T/in.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,name\n")
    for i in range(20000):
        f.write(("x%d,bad\n" % i) if i % 4 == 0 else ("%d,n%d\n" % (i, i)))
EOF
W=$T/w
printf '[pipeline]\non_error = dead_letter\ndead_letter_path = %s/bad.jsonl\n[source]\ntype = csv\nfile_path = %s/in.csv\n[stage.typed]\ntype = cast\nfield = id\nto = int\n[destination]\ntype = json\nfile_path = %s/out.json\n' \
	"$W" "$T" "$W" >"$T/run.ini"

# run NAME [VAR=VALUE...] -- [NEBTOP ARGS...]: nebtop on run.ini in a fresh
# $W, snapshots in $W/prof, with the fault variables in its environment
run() {
	local name=$1
	shift
	local env=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		env+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	CASE=$name
	RC=0
	(cd "$W" && env "${env[@]}" timeout -s KILL 120 "$NEBTOP" --headless -output "$W/prof" "$@" "$T/run.ini") \
		>"$T/stdout" 2>"$T/stderr" || RC=$?
	[ "$RC" = 137 ] && fail "$name: nebtop hung (killed after 120 s)"
	return 0
}

fresh() {
	rm -rf "$W"
	mkdir -p "$W"
}

lines() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo -; fi; }

says() {
	grep -qF -- "$1" "$T/stderr" || fail "$CASE: stderr does not say '$1': $(cat "$T/stderr")"
}

# counts_match: the summary line's in/out/errors and the metrics' out and
# dead_lettered are what reached the files (.part or final): out = the lines
# of the output, dead_lettered = the lines of the dead-letter file, and
# in = out + errors
counts_match() {
	local out=$W/out.json dl=$W/bad.jsonl
	[ -f "$out" ] || out=$W/out.json.part
	[ -f "$dl" ] || dl=$W/bad.jsonl.part
	"$PYTHON3" - "$T/stderr" "$out" "$dl" "$W/prof" "$CASE" <<'EOF' || fail "$CASE: the counts do not match the files (above)"
import glob, json, re, sys
err, out, dl, prof, case = sys.argv[1:]
def count(path):
    try:
        return sum(1 for _ in open(path, "rb"))
    except FileNotFoundError:
        return 0
text = open(err).read()
m = re.search(r"nebtop: (?:finished|failed) after [^:]*: ([\d,]+) in, ([\d,]+) out, [\d,]+ filtered, ([\d,]+) errors?", text)
if not m:
    sys.exit("%s: no summary line in: %s" % (case, text))
n_in, n_out, n_err = (int(x.replace(",", "")) for x in m.groups())
m = re.search(r"nebtop: ([\d,]+) bad records? written to", text)
n_dl_said = int(m.group(1).replace(",", "")) if m else 0
got_out, got_dl = count(out), count(dl)
bad = []
if n_out != got_out:
    bad.append("summary: %d out, %d lines in %s" % (n_out, got_out, out))
if n_dl_said != got_dl:
    bad.append("summary: %d dead-lettered, %d lines in %s" % (n_dl_said, got_dl, dl))
if n_in != n_out + n_err:
    bad.append("summary: %d in != %d out + %d errors" % (n_in, n_out, n_err))
metrics = sorted(glob.glob(prof + "/metrics_*.json"))
if metrics:
    r = json.load(open(metrics[-1]))["records"]
    if r["out"] != got_out:
        bad.append("metrics: out %d, %d lines in %s" % (r["out"], got_out, out))
    if r["dead_lettered"] != got_dl:
        bad.append("metrics: dead_lettered %d, %d lines in %s" % (r["dead_lettered"], got_dl, dl))
if bad:
    sys.exit("%s: %s" % (case, "; ".join(bad)))
print("[disk_faults] %-12s in %d, out %d, errors %d, dead-lettered %d; files: out %d lines, dead letter %d lines"
      % (case, n_in, n_out, n_err, n_dl_said, got_out, got_dl))
EOF
}

# nothing_committed: no out.json nor bad.jsonl under their final names
nothing_committed() {
	[ ! -e "$W/out.json" ] || fail "$CASE: out.json was committed by a failed run"
	[ ! -e "$W/bad.jsonl" ] || fail "$CASE: bad.jsonl was committed by a failed run"
}

# snapshot_absent: the snapshot folder holds no file at all (no half snapshot,
# no temporary file)
snapshot_absent() {
	local left
	left=$(ls -A "$W/prof" 2>/dev/null | grep -v '^\.victim' || true)
	[ -z "$left" ] || fail "$CASE: a failed snapshot left files: $left"
}

# snapshot_whole: the snapshot has its report, analysis, metrics and profiles
snapshot_whole() {
	local k
	for k in report_ bottleneck_analysis_ metrics_ cpu_; do
		ls "$W/prof/$k"* >/dev/null 2>&1 || fail "$CASE: the snapshot has no $k file: $(ls "$W/prof")"
	done
}

# the shim must come before the calls it wraps; a sanitizer runtime linked
# into nebtop itself (clang's) comes first and hides it: then only the cases
# without the shim run
fresh
run probe "${PRELOAD_ENV[@]}" FAILIO_MATCH=/out.json FAILIO_OPS=open FAILIO_ERRNO=EROFS --
SHIM_WORKS=1
if [ "$RC" != 2 ]; then
	sanitized || fail "the fault shim does not reach nebtop's calls (exit $RC): $(tail -3 "$T/stderr")"
	note "skipped the cases with the fault shim: this sanitizer build's runtime takes the calls before it"
	SHIM_WORKS=0
fi

# run_read_only NAME OUTPUT DEST: in.csv -> DEST (json), snapshots in
# OUTPUT, with every open below $W/ro failing with EROFS (the shim)
run_read_only() {
	CASE=$1
	RC=0
	(cd "$W" && env "${PRELOAD_ENV[@]}" FAILIO_MATCH=/ro/ FAILIO_OPS=open FAILIO_ERRNO=EROFS "$NEBTOP" --headless \
		-output "$2" -source csv -source-config "file_path=$T/in.csv" -dest-config "file_path=$3" \
		>"$T/stdout" 2>"$T/stderr") || RC=$?
}

shim_cases() {
	# --- dest_full
	fresh
	run dest_full "${PRELOAD_ENV[@]}" FAILIO_MATCH=/out.json FAILIO_BYTES=100000 --
	expect_rc 1 "dest_full"
	says "writing $W/out.json.part: No space left on device"
	says "partial output left in $W/out.json.part"
	nothing_committed
	[ -f "$W/out.json.part" ] || fail "dest_full: the message says the partial output is left, but it is not"
	counts_match
	snapshot_whole

	# --- dest_fsync
	fresh
	run dest_fsync "${PRELOAD_ENV[@]}" FAILIO_MATCH=/out.json FAILIO_OPS=fsync FAILIO_ERRNO=EIO --
	expect_rc 1 "dest_fsync"
	says "writing $W/out.json.part: Input/output error"
	nothing_committed
	counts_match

	# --- dl_full
	fresh
	run dl_full "${PRELOAD_ENV[@]}" FAILIO_MATCH=/bad.jsonl FAILIO_BYTES=100000 --
	expect_rc 1 "dl_full"
	says "the dead-letter file: writing $W/bad.jsonl.part: No space left on device"
	says "left in $W/bad.jsonl.part"
	nothing_committed
	counts_match
	n=$(lines "$W/bad.jsonl.part")
	[ "$n" != - ] && [ "$n" -lt 5000 ] || fail "dl_full: $n lines in the dead-letter file: the disk was not full"

	# --- snap_full
	fresh
	run snap_full "${PRELOAD_ENV[@]}" FAILIO_MATCH=/prof/ FAILIO_BYTES=3000 --
	expect_rc 4 "snap_full"
	says "the output is complete and committed (15,000 records in $W/out.json"
	says "the final snapshot could not be written: writing $W/prof/"
	says "No space left on device: exit status 4"
	says "output: $W/out.json"
	[ "$(lines "$W/out.json")" = 15000 ] || fail "snap_full: out.json does not hold the 15,000 good records"
	[ "$(lines "$W/bad.jsonl")" = 5000 ] || fail "snap_full: bad.jsonl does not hold the 5,000 bad records"
	snapshot_absent
	counts_match

	# --- snap_rename
	fresh
	run snap_rename "${PRELOAD_ENV[@]}" FAILIO_MATCH=/prof/metrics_ FAILIO_OPS=rename --
	expect_rc 4 "snap_rename"
	says "cannot rename $W/prof/.metrics_"
	[ "$(lines "$W/out.json")" = 15000 ] || fail "snap_rename: out.json is not whole"
	snapshot_absent

	# --- trace_full
	fresh
	run trace_full "${PRELOAD_ENV[@]}" FAILIO_MATCH=/prof/.trace_ FAILIO_BYTES=100 -- -types cpu,trace
	expect_rc 4 "trace_full"
	says "the final snapshot could not be written: writing $W/prof/.trace_"
	snapshot_absent

	# --- read_only: a folder the files cannot be created in (EROFS from the
	# shim: chmod does not stop root)
	fresh
	mkdir -p "$W/ro"
	run_read_only read_only_output "$W/prof" "$W/ro/out.json"
	expect_rc 2 "read_only (output)"
	says "cannot create $W/ro/out.json.part: Read-only file system"
	[ -z "$(ls -A "$W/ro")" ] || fail "read_only (output): files in the folder: $(ls -A "$W/ro")"
	run_read_only read_only_snapshots "$W/ro" "$W/out.json"
	expect_rc 4 "read_only (snapshots)"
	says "the final snapshot could not be written: cannot create $W/ro/."
	says "Read-only file system: exit status 4"
	[ "$(lines "$W/out.json")" = 20000 ] || fail "read_only (snapshots): out.json is not whole"
	[ -z "$(ls -A "$W/ro")" ] || fail "read_only (snapshots): files in the folder: $(ls -A "$W/ro")"
}
[ "$SHIM_WORKS" = 1 ] && shim_cases

# --- link_part
for f in out.json bad.jsonl; do
	fresh
	echo precious >"$T/victim"
	ln -s "$T/victim" "$W/$f.part"
	run "link_$f" --
	expect_rc 2 "link_part ($f.part)"
	says "$W/$f.part: it exists and is a symbolic link"
	[ "$(cat "$T/victim")" = precious ] || fail "link_part: the file $f.part points to was changed"
	[ -L "$W/$f.part" ] || fail "link_part: the symlink $f.part was replaced"
	nothing_committed
done

# --- link_snap: every temporary name of the coming minute's snapshots
fresh
echo precious >"$T/victim"
mkdir -p "$W/prof"
now=$(date +%s)
for i in $(seq 0 90); do
	s=$(date -d "@$((now + i))" +%Y%m%d_%H%M%S)
	for k in report_$s.txt bottleneck_analysis_$s.txt metrics_$s.json cpu_$s.prof; do
		ln -s "$T/victim" "$W/prof/.$k.tmp"
	done
done
run link_snap --
expect_rc 4 "link_snap"
says "it exists and is a symbolic link"
[ "$(cat "$T/victim")" = precious ] || fail "link_snap: the file the snapshot's temporary names point to was changed"
ls "$W/prof" | grep -q . && fail "link_snap: a snapshot file was committed: $(ls "$W/prof")"
[ "$(lines "$W/out.json")" = 15000 ] || fail "link_snap: out.json is not whole"

# --- leftover: a regular out.json.part (a hard link to another file)
fresh
echo precious >"$T/victim"
ln "$T/victim" "$W/out.json.part"
run leftover --
expect_rc 0 "leftover"
[ "$(cat "$T/victim")" = precious ] || fail "leftover: the file hard-linked at out.json.part was changed"
[ "$(lines "$W/out.json")" = 15000 ] || fail "leftover: out.json is not whole"
[ ! -e "$W/out.json.part" ] || fail "leftover: out.json.part is still there"
counts_match
snapshot_whole

note "ok"
