# prof_lib.sh: helpers of the tests that read nebtop's profiles with go tool
# pprof (sourced after lib.sh, not run). Needs go (fails without it), keeps
# go's caches in $T, and copies pprof_raw.py to $T/rawq.py.
command -v go >/dev/null || fail "go tool pprof is needed (Debian package golang-go)"
export HOME=$T PPROF_TMPDIR=$T/pprof GOCACHE=$T/gocache GOFLAGS= GOTOOLCHAIN=local

# rawq.py RAWFILE EXPR: EXPR (Python) over a `go tool pprof -raw` listing:
# types (sample type names, e.g. "cpu/nanoseconds"), period, S (samples, each
# {"v": values, "fns": function names leaf first, "labels": {key: value}}),
# col(name) (index of the sample type whose name starts with name).
cp "$LIB_DIR/pprof_raw.py" "$T/rawq.py"

# pprof WHAT OUT ARGS...: go tool pprof ARGS > OUT; a failure, or a word on
# stderr, is a soft failure.
pprof() {
	local what=$1 out=$2
	shift 2
	if ! go tool pprof "$@" >"$out" 2>"$out.err"; then
		soft_fail "$what: go tool pprof $* failed: $(head -c 1500 "$out.err")"
		return 1
	fi
	[ -s "$out.err" ] && soft_fail "$what: go tool pprof $* wrote on stderr: $(head -c 1500 "$out.err")"
	return 0
}

# first_flat TOPFILE: the first function of a pprof -top listing
first_flat() { awk '/flat%/ {getline; print $6; exit}' "$1"; }

# rawq RAWFILE EXPR: see rawq.py
rawq() { "$PYTHON3" "$T/rawq.py" "$1" "$2" || fail "cannot evaluate $2 over $1"; }

# prof_final KIND: the final snapshot of the last run: sets M (its metrics
# file), STAMP and PROF ($T/prof/KIND_STAMP.prof); fails without that profile.
prof_final() {
	M=$(metrics_file)
	STAMP=${M##*/metrics_}
	STAMP=${STAMP%.json}
	PROF=$T/prof/$1_$STAMP.prof
	[ -f "$PROF" ] || fail "no $PROF: $(ls "$T/prof")"
}

# prof_only_files WHAT GLOB...: every file in $T/prof matches one of the
# GLOBs; each other one is a soft failure "WHAT wrote FILE".
prof_only_files() {
	local what=$1 f g ok
	shift
	for f in "$T"/prof/*; do
		ok=0
		for g in "$@"; do
			# shellcheck disable=SC2254
			case ${f##*/} in $g) ok=1 ;; esac
		done
		[ "$ok" = 1 ] || soft_fail "$what wrote ${f##*/}"
	done
}

# prof_rerun KIND SETTING INI ARGS...: adds SETTING (e.g. "block_rate = 1ms")
# to INI's [profile] section and runs nebtop -types KIND ARGS INI, which must
# exit with 0; sets PROF to its KIND profile and writes its -raw listing to
# $T/raw.
prof_rerun() {
	local kind=$1 setting=$2 ini=$3
	shift 3
	printf '\n[profile]\n%s\n' "$setting" >>"$ini"
	nebtop -types "$kind" "$@" "$ini"
	expect_rc 0 "$setting"
	PROF=$(ls "$T/prof/${kind}"_*.prof 2>/dev/null | head -n 1)
	[ -n "$PROF" ] || fail "$setting: no $kind profile: $(ls "$T/prof")"
	pprof "$setting: -raw" "$T/raw" -raw "$PROF"
}
