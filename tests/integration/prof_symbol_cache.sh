# prof_symbol_cache.sh: the symbolizer's cache (man nebtop, PROFILES). A
# CPU-profiled run of a planted hotspot (generate -> spin -> null, 1 s) saves
# nebtop's function and line tables under $XDG_CACHE_HOME/nebtop, named
# after its build ID (readelf -n); a second run reads them (the files are
# not made again: same inodes) and its profile names the hotspot with its
# source file and line as the first did; damaged files (garbage, truncated)
# are ignored and made again whole, the profile unchanged; a cache folder
# that cannot be made is no error.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prof_lib.sh"

command -v readelf >/dev/null || fail "readelf is needed (Debian package binutils)"
ID=$(readelf -n "$NEBTOP" | awk '/Build ID/ { print $3; exit }')
[ -n "$ID" ] || fail "no build ID in $NEBTOP"
ini_spin_pipeline "$T/spin.ini"
CACHE=$T/xdg/nebtop

# run WHAT: the planted hotspot under -types cpu; its profile must name
# spin_burn_cpu with stage_loadtest.c and a line
run() {
	XDG_CACHE_HOME=$T/xdg nebtop -types cpu -duration 1s "$T/spin.ini"
	expect_rc 0 "$1"
	prof_final cpu
	pprof "$1" "$T/top.txt" -top -lines -nodecount=20 "$PROF" || return 0
	grep -Eq 'spin_burn_cpu .*stage_loadtest\.c:[0-9]+$' "$T/top.txt" ||
		soft_fail "$1: spin_burn_cpu without its file and line: $(head -c 1500 "$T/top.txt")"
}

# inodes: the inodes of nebtop's two cache files
inodes() { stat -c %i "$CACHE/$ID.functions" "$CACHE/$ID.lines" | paste -sd ' '; }

run "first run"
[ -s "$CACHE/$ID.functions" ] && [ -s "$CACHE/$ID.lines" ] ||
	fail "no cache files of nebtop ($ID) in $CACHE: $(ls -la "$CACHE" 2>&1)"
[ "$(stat -c %a "$CACHE")" = 700 ] || soft_fail "the cache folder is not private: $(stat -c %a "$CACHE")"
cp "$CACHE/$ID.functions" "$T/good.functions"
cp "$CACHE/$ID.lines" "$T/good.lines"
before=$(inodes)

run "second run"
same_text "$before" "$(inodes)" "the second run's cache files (inodes): read, not made again"

head -c "$(stat -c %s "$T/good.lines")" /dev/urandom >"$CACHE/$ID.lines"
head -c 1000 "$T/good.functions" >"$CACHE/$ID.functions"
run "a run with damaged cache files"
cmp -s "$CACHE/$ID.lines" "$T/good.lines" || soft_fail "the damaged lines file was not made again whole"
cmp -s "$CACHE/$ID.functions" "$T/good.functions" || soft_fail "the truncated functions file was not made again whole"

: >"$T/file"
XDG_CACHE_HOME=$T/file nebtop -types cpu -duration 1s "$T/spin.ini"
expect_rc 0 "a run whose cache folder cannot be made"
finish
