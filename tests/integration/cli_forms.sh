# cli_forms.sh: the command line's accepted forms: -opt VALUE, --opt=VALUE
# and --opt VALUE give the same run; -c FILE and a positional FILE are the
# same; command-line values override the INI file (-batch, -workers,
# -dest-config file_path, -duration); --help and --version exit 0 on stdout,
# --help naming every exit status that nebtop(1) lists.
. "$(dirname "$0")/lib.sh"

printf 'id,name\n1,"a, b"\n2,c\n' >"$T/in.csv"
WANT='{"id":"1","name":"a, b"}
{"id":"2","name":"c"}'

nebtop -source csv -source-config "file_path=$T/in.csv" -destination json -dest-config "file_path=$T/o1.json" -duration 0
expect_rc 0 "-opt VALUE"
same_text "$WANT" "$(cat "$T/o1.json")" "-opt VALUE: output"

nebtop --source=csv --source-config="file_path=$T/in.csv" --destination=json --dest-config="file_path=$T/o2.json" --duration=0 --headless
expect_rc 0 "--opt=VALUE"
same_text "$WANT" "$(cat "$T/o2.json")" "--opt=VALUE: output"

nebtop --source csv --source-config "file_path=$T/in.csv" --dest-config "file_path=$T/o3.json" --duration 0 -b
expect_rc 0 "--opt VALUE"
same_text "$WANT" "$(cat "$T/o3.json")" "--opt VALUE: output"

cat >"$T/p.ini" <<EOF
[pipeline]
name = from_ini
batch = 10
workers = 3
duration = 5m
[source]
file_path = $T/in.csv
[destination]
file_path = $T/ini.json
EOF
for form in "-c $T/p.ini" "$T/p.ini" "--config=$T/p.ini"; do
	# shellcheck disable=SC2086
	nebtop $form -batch 2 -workers 1 -dest-config "file_path=$T/cli.json"
	expect_rc 0 "config given as '$form'"
	same_text "$WANT" "$(cat "$T/cli.json" 2>/dev/null)" "'$form' with -dest-config file_path: output"
	[ -e "$T/ini.json" ] && soft_fail "'$form': the INI file's file_path was used, not -dest-config's"
	same_text "from_ini 2 1" "$(metric "$(metrics_file)" '"%s %d %d" % (m["pipeline"]["name"], m["pipeline"]["batch"], m["pipeline"]["workers"])')" \
		"'$form': pipeline name, batch, workers in the metrics"
	rm -f "$T/cli.json"
done

nebtop --help
expect_rc 0 "--help"
grep -q '^Usage: nebtop' "$T/stdout" || soft_fail "--help: no usage on stdout"
# every exit status the man page lists is in --help's summary
help_text=$(sed -n '/^Exit status:/,$p' "$T/stdout" | tr '\n' ' ')
statuses=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$SRCDIR/man/nebtop.1" | awk 'prev == ".TP" && /^\.B [0-9]+$/ { print $2 } { prev = $0 }')
[ -n "$statuses" ] || soft_fail "nebtop.1: no exit status found under EXIT STATUS"
for st in $statuses; do
	case " $help_text" in
	*[!0-9]"$st "*) ;;
	*) soft_fail "--help: exit status $st (nebtop.1) is not in '$help_text'" ;;
	esac
done
nebtop --version
expect_rc 0 "--version"
grep -qE '^nebtop [0-9]+\.[0-9]+' "$T/stdout" || soft_fail "--version: stdout is '$(cat "$T/stdout")'"

# no INI file and no source or destination option: the built-in demo, with
# the other options applied (here -output, -duration, -workers)
nebtop --headless -duration 300ms -workers 2
expect_rc 0 "the demo with options"
same_text "demo generate null 2 3" \
	"$(metric "$(metrics_file)" '"%s %s %s %d %d" % (m["pipeline"]["name"], m["pipeline"]["source"], m["pipeline"]["destination"], m["pipeline"]["workers"], len(m["stages"]) - 2)')" \
	"the demo: name, connectors, workers, transform stages"
# a source named on the command line: no demo, its keys are required
nebtop --headless -source csv
expect_rc 2 "-source csv without file_path"
grep -q "\[source\] key 'file_path': missing" "$T/stderr" || soft_fail "-source csv: stderr is '$(cat "$T/stderr")'"
finish
