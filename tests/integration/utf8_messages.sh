# utf8_messages.sh: every message nebtop writes is valid UTF-8, and every
# record error keeps its sample. Bad records put 2-, 3- and 4-byte characters
# at every offset around the limits where messages get cut: a JSON Lines file
# (an unknown key, a value the cast stage refuses, a key of characters only,
# bytes that are not UTF-8) and a CSV file whose header has names longer than
# any message (one for each alignment of each character) with a bad row for
# each. Then stderr, stdout, every snapshot file and the dead-letter file must
# decode as strict UTF-8 (Python's bytes.decode('utf-8')), error_samples must
# hold one sample per error (up to its 100), and the dead letter must give
# every reason as text, never as {"base64": ...}.
. "$(dirname "$0")/lib.sh"

"$PYTHON3" - "$T/in.jsonl" "$T/in.csv" <<'PY'
import csv, json, sys
chars = ['\u00e9', '\u20ac', '\U0001F600']  # 2, 3 and 4 bytes in UTF-8
lines = [json.dumps({'n': '1', 'k': 'a'})]
for c in chars:
    for o in range(185, 215):           # a key the first records did not have
        lines.append(json.dumps({'x' * o + c + 'y' * 3: 1}, ensure_ascii=False))
    for o in range(25, 50):             # a value the cast stage refuses
        lines.append(json.dumps({'n': 'x' * o + c + 'z'}, ensure_ascii=False))
    for o in range(0, 8):               # a key of characters only
        lines.append(json.dumps({'k' * o + c * 300: 1}, ensure_ascii=False))
data = '\n'.join(lines).encode() + b'\n'
data += b'{"n": "\xf0\x9f\x98"}\n'      # a 4-byte character cut short: not UTF-8
data += b'{"n": "ok\xff\xfe"}\n'        # bytes that are never UTF-8
open(sys.argv[1], 'wb').write(data)
names = [('a' * k) + c * (1100 // len(c.encode())) for c in chars for k in range(len(c.encode()))]
with open(sys.argv[2], 'w', encoding='utf-8', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['n'] + names)
    w.writerow(['1'] * (len(names) + 1))
with open(sys.argv[2], 'ab') as f:
    for i in range(len(names)):
        f.write(b','.join([b'1'] * (i + 1) + [b'bad\xff'] + [b'1'] * (len(names) - i - 1)) + b'\n')
PY
NJSON=$(($(wc -l <"$T/in.jsonl") - 1))
NCSV=$(($(wc -l <"$T/in.csv") - 2))

# run json|csv ON_ERROR [more [pipeline] lines]: in.jsonl (through a cast
# stage) or in.csv, to the JSON destination
run() {
	local src=$1 on_error=$2
	shift 2
	{
		printf '[pipeline]\nduration = 0\non_error = %s\nmax_errors = 100%%\n' "$on_error"
		printf '%s\n' "$@"
		if [ "$src" = json ]; then
			printf '[source]\ntype = json\nfile_path = %s\nschema_sample = 1\n' "$T/in.jsonl"
			printf '[stage.c]\ntype = cast\nfield = n\nto = int\n'
		else
			printf '[source]\ntype = csv\nfile_path = %s\n' "$T/in.csv"
		fi
		printf '[destination]\nfile_path = %s\n' "$T/out.json"
	} >"$T/p.ini"
	nebtop -types cpu "$T/p.ini"
}

# strict_utf8 WHAT FILE...: every FILE decodes as UTF-8
strict_utf8() {
	local what=$1
	shift
	"$PYTHON3" - "$what" "$@" <<'PY' || soft_fail "$what: not valid UTF-8 (see above)"
import sys
bad = 0
for f in sys.argv[2:]:
    b = open(f, 'rb').read()
    try:
        b.decode('utf-8')
    except UnicodeDecodeError as e:
        print('%s: %s: %s near %r' % (sys.argv[1], f, e.reason, b[max(0, e.start - 20):e.end + 20]),
              file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY
}

# text_files: stdout, stderr and every snapshot file but the pprof profiles
# (gzip-compressed protocol buffers)
text_files() {
	echo "$T/stdout" "$T/stderr"
	find "$T/prof" -type f | sort | while read -r f; do
		[ "$(head -c 2 "$f" | od -An -tx1 | tr -d ' ')" = 1f8b ] || echo "$f"
	done
}

# no_escape WHAT FILE...: no \xNN in any FILE: the text quoted was valid, so
# a character cut short must have been dropped, not shown escaped
no_escape() {
	local what=$1
	shift
	! grep -lE '\\x[0-9a-fA-F]{2}' "$@" >&2 || soft_fail "$what: a character was cut (\\xNN in the files above)"
}

# checks SRC NBAD: the dead_letter and skip runs of input SRC with NBAD bad records
checks() {
	local src=$1 nbad=$2
	rm -f "$T/dead.jsonl"
	run "$src" dead_letter "dead_letter_path = $T/dead.jsonl"
	expect_rc 0 "$src, dead_letter"
	# shellcheck disable=SC2046
	strict_utf8 "$src, dead_letter" $(text_files) "$T/dead.jsonl"
	check_records "$(metrics_file)" "$((nbad + 1))" 1 0 "$nbad"
	"$PYTHON3" - "$(metrics_file)" "$T/dead.jsonl" "$nbad" <<'PY' || soft_fail "$src, dead_letter: samples and reasons (see above)"
import json, sys
m = json.load(open(sys.argv[1], encoding='utf-8'))
nbad = int(sys.argv[3])
bad = []
samples = m['error_samples']
if len(samples) != min(nbad, 100):
    bad.append('%d error_samples for %d errors' % (len(samples), m['records']['errors']))
bad += ['sample of record %d has no reason' % s['record'] for s in samples if not s['reason']]
lines = open(sys.argv[2], 'rb').read().decode('utf-8', 'replace').splitlines()
if len(lines) != nbad:
    bad.append('%d dead-letter lines for %d bad records' % (len(lines), nbad))
for l in lines:
    d = json.loads(l)
    if not isinstance(d['reason'], str) or not d['reason']:
        bad.append('record %d: reason %r is not text' % (d['record'], str(d['reason'])[:80]))
    elif '\ufffd' in d['reason']:  # the quoted text is valid: no character may be mended
        bad.append('record %d: reason %r holds U+FFFD' % (d['record'], d['reason'][:300]))
for b in bad[:10]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
	note "checked: $src, dead_letter"

	run "$src" skip
	expect_rc 0 "$src, skip"
	# shellcheck disable=SC2046
	strict_utf8 "$src, skip" $(text_files)
	# shellcheck disable=SC2046
	[ "$src" = json ] || no_escape "$src, skip" $(text_files)
	same_text "$((nbad < 100 ? nbad : 100))" "$(metric "$(metrics_file)" 'len(m["error_samples"])')" \
		"$src, skip: error_samples"
	note "checked: $src, skip"
}

checks json "$NJSON"
checks csv "$NCSV"

# --- fail: the message on stderr, for each long name of the CSV input ------------
cp "$T/in.csv" "$T/all.csv"
for i in $(seq 1 "$NCSV"); do
	sed -n "1,2p;$((i + 2))p" "$T/all.csv" >"$T/in.csv"
	run csv fail
	expect_rc 1 "csv, fail on bad row $i"
	# shellcheck disable=SC2046
	strict_utf8 "csv, fail on bad row $i" $(text_files)
	# shellcheck disable=SC2046
	no_escape "csv, fail on bad row $i" $(text_files)
done
note "checked: csv, fail"

finish
