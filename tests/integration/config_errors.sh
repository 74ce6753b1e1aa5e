# config_errors.sh: bad configurations and command lines exit with status 2
# and one line on stderr naming FILE:LINE and the key (or the option), with a
# "did you mean" for close names: unknown section, unknown key, bad number,
# bad enum, [stage.x] without type, unknown stage type, filter on a missing
# field, missing input, unwritable output, unknown option (with a "did you
# mean" for a mistyped one: -sourc, --durration), bad
# -source-config pair, bad -types, bad [alerts] keys and thresholds that
# fall from medium to critical; no output file is left behind.
. "$(dirname "$0")/lib.sh"

printf 'id,name\n1,a\n' >"$T/in.csv"

# usage_error WHAT TEXT...: the last run exited 2 with one stderr line
# holding every TEXT, wrote nothing on stdout and left no output file.
usage_error() {
	local what=$1 t left
	shift
	left=$(ls "$T"/out.json* 2>/dev/null)
	rm -f "$T"/out.json*
	if [ "$RC" != 2 ]; then
		soft_fail "$what: exit status $RC, expected 2; stderr: $(head -c 500 "$T/stderr")"
		return
	fi
	[ -n "$left" ] && soft_fail "$what: an output file was left: $left"
	[ "$(wc -l <"$T/stderr")" = 1 ] || soft_fail "$what: stderr is not one line: $(cat "$T/stderr")"
	[ -s "$T/stdout" ] && soft_fail "$what: wrote to stdout: $(head -c 200 "$T/stdout")"
	for t in "$@"; do
		grep -qF -- "$t" "$T/stderr" || soft_fail "$what: stderr lacks '$t': $(cat "$T/stderr")"
	done
}

# mkini TEXT...: writes $T/p.ini: a [destination] to $T/out.json (lines 1
# and 2), then the TEXT lines from line 3 on.
mkini() {
	{
		printf '[destination]\nfile_path = %s\n' "$T/out.json"
		printf '%s\n' "$@"
	} >"$T/p.ini"
}

# ini WHAT TEXT...: mkini TEXT..., then runs nebtop on it.
ini() {
	shift
	mkini "$@"
	nebtop "$T/p.ini"
}
P=$T/p.ini

ini section '[source]' "file_path = $T/in.csv" '[sorce]' 'type = csv'
usage_error "unknown section" "$P:5:" "[sorce]" "did you mean [source]?"

ini section_empty '[source]' "file_path = $T/in.csv" '[sorce]' '; no keys'
usage_error "unknown section without keys" "$P:5:" "[sorce]" "did you mean [source]?"

ini key '[source]' "file_path = $T/in.csv" 'delimter = ;'
usage_error "unknown key" "$P:5:" "'delimter'" "did you mean 'delimiter'?"

ini number '[pipeline]' 'duration = 0' 'batch = abc' '[source]' "file_path = $T/in.csv"
usage_error "bad number" "$P:5:" "key 'batch'" "'abc'"

ini enum '[pipeline]' 'on_error = ignore' '[source]' "file_path = $T/in.csv"
usage_error "bad enum" "$P:4:" "key 'on_error'" "'ignore'" "skip, fail, dead_letter"

ini enum2 '[source]' "file_path = $T/in.csv" 'ragged = maybe'
usage_error "bad enum of a connector" "$P:5:" "key 'ragged'" "'maybe'" "error, pad, truncate"

ini alerts '[source]' "file_path = $T/in.csv" '[alerts]' 'windwo = 5s'
usage_error "unknown [alerts] key" "$P:6:" "'windwo'" "did you mean 'window'?"

ini alerts_range '[source]' "file_path = $T/in.csv" '[alerts]' 'hotspot_high_pct = 150'
usage_error "[alerts] percentage out of range" "$P:6:" "key 'hotspot_high_pct'" "0 to 100"

ini alerts_bands '[source]' "file_path = $T/in.csv" '[alerts]' 'hotspot_medium_pct = 50'
usage_error "[alerts] bands that fall" "$P:5:" "[alerts]" "hotspot_*_pct" "must not fall" "50, 30, 45"

ini notype '[source]' "file_path = $T/in.csv" '[stage.x]' 'field = id'
usage_error "[stage.x] without type" "$P:5:" "'type'"

ini nokeys '[source]' "file_path = $T/in.csv" '[stage.x]' '; no keys'
usage_error "[stage.x] without any key" "$P:5:" "'type'"

ini badtype '[source]' "file_path = $T/in.csv" '[stage.x]' 'type = fliter'
usage_error "unknown stage type" "$P:6:" "key 'type'" "'fliter'" "filter, select"

ini nofield '[source]' "file_path = $T/in.csv" '[stage.x]' 'type = filter' 'field = amount' 'value = 1'
usage_error "filter on a missing field" "$P:7:" "key 'field'" "no field 'amount'"
ini nofield2 '[source]' "file_path = $T/in.csv" '[stage.x]' 'type = filter' 'value = 1' 'field = nam'
usage_error "filter on a misspelt field" "$P:8:" "key 'field'" "'nam'" "did you mean 'name'?"

ini missing '[source]' "file_path = $T/missing.csv"
usage_error "missing input file" "$P:4:" "key 'file_path'" "$T/missing.csv" "No such file or directory"

{
	printf '[source]\nfile_path = %s\n' "$T/in.csv"
	printf '[destination]\nfile_path = /nonexistent/dir/out.json\n'
} >"$P"
nebtop "$P"
usage_error "unwritable output path" "$P:4:" "key 'file_path'" "/nonexistent/dir/out.json"

ini deadletter '[pipeline]' 'on_error = dead_letter' '[source]' "file_path = $T/in.csv"
usage_error "dead_letter without dead_letter_path" "$P:4:" "dead_letter_path"

# --- command line ------------------------------------------------------------
SRC="file_path=$T/in.csv"
nebtop -source-config "$SRC" --bogus
usage_error "unknown option --bogus" "--bogus"
nebtop -source-config "$SRC" -xyz
usage_error "unknown option -xyz" "-xyz"
nebtop -source-config "$SRC" -bogus
usage_error "unknown option -bogus" "-bogus"
nebtop -source-config "$SRC" -workers
usage_error "option without its value" "-workers"
# a mistyped option gets a suggestion, as a mistyped INI key does, in the
# form it was typed (one dash or two); a name far from every option, none
nebtop -sourc csv -source-config "$SRC"
usage_error "mistyped option -sourc" "unknown option -sourc (did you mean -source?)"
nebtop -source-config "$SRC" --durration 0
usage_error "mistyped option --durration" "unknown option --durration (did you mean --duration?)"
nebtop -source-config "$SRC" --dest-confg "file_path=$T/out.json"
usage_error "mistyped option --dest-confg" "unknown option --dest-confg (did you mean --dest-config?)"
nebtop -source-config "$SRC" -wrokers 2
usage_error "mistyped option -wrokers" "unknown option -wrokers (did you mean -workers?)"
nebtop -source-config "$SRC" --frobnicate
usage_error "unknown option --frobnicate" "--frobnicate"
grep -qF "did you mean" "$T/stderr" && soft_fail "--frobnicate: a suggestion for a name far from every option: $(cat "$T/stderr")"
nebtop -destination kafka
usage_error "an unknown destination before the source's missing keys" "-destination: unknown destination type 'kafka'"
nebtop -source-config "$SRC,on_error=skip"
usage_error "a [pipeline] key in [source]" "-source-config: key 'on_error': unknown key in this section: it belongs in [pipeline]"
nebtop -source-config "$SRC" -workers -1
usage_error "negative -workers" "-workers: -1 is out of range (1 to 256)"
nebtop -source generate -source-config rows=-5 -destination null
usage_error "negative rows" "key 'rows': -5 is negative"
nebtop -source-config "$SRC,quote"
usage_error "bad -source-config pair" "-source-config" "'quote' is not KEY=VALUE"
nebtop -source-config "$SRC,delimter=;"
usage_error "unknown -source-config key" "-source-config" "'delimter'" "did you mean 'delimiter'?"
nebtop -source-config "$SRC" -dest-config "file_path=$T/out.json" -types bogus
usage_error "-types bogus" "-types" "'bogus'"
nebtop -source-config "$SRC" -dest-config "file_path=$T/out.json" -types cpu,memry
usage_error "-types with a typo" "-types" "did you mean 'memory'?"
nebtop -source-config "$SRC" -dest-config "file_path=$T/out.json" -batch 0
usage_error "-batch 0" "-batch" "out of range"
nebtop -source-config "$SRC" -dest-config "file_path=$T/out.json" -duration 5parsecs
usage_error "bad -duration" "-duration" "'5parsecs'"
nebtop -source-config "$SRC" -destination xml
usage_error "unknown destination type" "-destination" "'xml'"

# a command-line value overrides the INI file (here a bad one, so it shows)
mkini '[pipeline]' 'batch = 10' '[source]' "file_path = $T/in.csv"
nebtop "$P" -batch x10
usage_error "-batch overriding the INI file" "-batch" "'x10'"
finish
