# flame_diff.sh: the diff flame graph of nebtop compare. Two runs of one
# pipeline, generate -> [stage.alpha] spin -> [stage.beta] spin -> null,
# with most of the CPU-burning work in alpha in the first run (60 us a
# record against 10) and in beta in the second: `nebtop compare run1 run2`
# writes diff_flame.svg in the current folder and its last line names it;
# xmllint reads it as well-formed; its frames add up to the second run's
# cpu_TS.folded; beta's frames are red (a larger share), alpha's blue (or,
# with no sample of alpha left, the key gives its share), every title gives
# both shares. --flame FILE writes there, --json names it, --flame none
# writes nothing; a run without a CPU profile (-types memory) is said on
# stderr, no diff is written and the comparison still exits 0; a --flame
# that names a folder is refused (exit 2).
. "$(dirname "$0")/lib.sh"
command -v xmllint >/dev/null || fail "xmllint is needed (Debian package libxml2-utils)"
CHECK=$LIB_DIR/flame_check.py

# compare ARGS...: nebtop compare in $T/cwd; stdout and stderr in $T/stdout, $T/stderr; sets RC
compare() {
	RC=0
	rm -rf "$T/cwd"
	mkdir "$T/cwd"
	(cd "$T/cwd" && timeout -s KILL 60 "$NEBTOP" compare "$@") >"$T/stdout" 2>"$T/stderr" || RC=$?
	[ "$RC" = 137 ] && fail "nebtop compare hung: nebtop compare $*"
	return 0
}

# run N ALPHA_US BETA_US [ARGS...]: a run into $T/runN
run() {
	local n=$1 a=$2 b=$3
	shift 3
	printf '[source]\ntype = generate\nrows = 0\n\n[stage.alpha]\ntype = spin\nus_per_record = %s\n\n' "$a" >"$T/r.ini"
	printf '[stage.beta]\ntype = spin\nus_per_record = %s\n\n[destination]\ntype = null\n' "$b" >>"$T/r.ini"
	nebtop -duration 3s "$@" "$T/r.ini"
	expect_rc 0 "run $n"
	rm -rf "$T/run$n"
	mv "$T/prof" "$T/run$n"
}
run 1 60 10 -types cpu
run 2 10 60 -types cpu
run 3 10 60 -types memory

compare "$T/run1" "$T/run2"
expect_rc 0 "compare run1 run2"
D=$T/cwd/diff_flame.svg
[ -f "$D" ] || fail "compare wrote no diff_flame.svg in its current folder: $(ls -a "$T/cwd")"
last=$(tail -n 1 "$T/stdout")
case $last in
"Diff flame graph: diff_flame.svg "*) ;;
*) soft_fail "the text output does not end naming diff_flame.svg: $last" ;;
esac
xmllint --noout "$D" 2>"$T/xmllint.err" || soft_fail "xmllint: diff_flame.svg: $(head -c 1000 "$T/xmllint.err")"
FOLDED2=$(ls "$T"/run2/cpu_*.folded)
"$PYTHON3" "$CHECK" svg "$D" "$FOLDED2" beta=spin_burn_cpu >/dev/null ||
	soft_fail "diff_flame.svg does not add up to the optimized run's ${FOLDED2##*/} (see above)"
"$PYTHON3" "$CHECK" diff "$D" beta alpha || soft_fail "diff_flame.svg: colours (see above)"
grep -q "baseline .*run1/cpu_.*\.folded" "$D" || soft_fail "diff_flame.svg does not name the baseline's profile"
cp "$D" "$T/diff.svg"

# the other way round: alpha red, beta blue
compare "$T/run2" "$T/run1" --flame "$T/swapped.svg"
expect_rc 0 "compare run2 run1 --flame FILE"
[ -f "$T/swapped.svg" ] || soft_fail "--flame $T/swapped.svg: no such file"
[ -e "$T/cwd/diff_flame.svg" ] && soft_fail "--flame FILE also wrote diff_flame.svg"
tail -n 1 "$T/stdout" | grep -qF "Diff flame graph: $T/swapped.svg" || soft_fail "the last line does not name $T/swapped.svg"
[ -f "$T/swapped.svg" ] && { "$PYTHON3" "$CHECK" diff "$T/swapped.svg" alpha beta || soft_fail "swapped.svg: colours (see above)"; }

compare "$T/run1" "$T/run2" --json
expect_rc 0 "compare --json"
same_text diff_flame.svg "$(metric "$T/stdout" 'm["diff_flame"]')" "diff_flame in the JSON output"

compare "$T/run1" "$T/run2" --flame none
expect_rc 0 "compare --flame none"
[ -z "$(ls -A "$T/cwd")" ] || soft_fail "--flame none wrote $(ls -A "$T/cwd")"
grep -q 'Diff flame graph' "$T/stdout" && soft_fail "--flame none: the output names a diff flame graph"
[ -s "$T/stderr" ] && soft_fail "--flame none: stderr: $(cat "$T/stderr")"

# a side without a CPU profile: said on stderr, no file, exit 0
compare "$T/run1" "$T/run3"
expect_rc 0 "compare with a run without a CPU profile"
stderr_has "no diff flame graph: optimized: no CPU profile" "a run without a CPU profile"
[ -z "$(ls -A "$T/cwd")" ] || soft_fail "a run without a CPU profile: wrote $(ls -A "$T/cwd")"
grep -q 'Diff flame graph' "$T/stdout" && soft_fail "a run without a CPU profile: the output names a diff flame graph"

compare "$T/run1" "$T/run2" --flame "$T/"
expect_rc 2 "--flame naming a folder"
stderr_has "--flame: '$T/' is not a file name" "--flame naming a folder"
finish
