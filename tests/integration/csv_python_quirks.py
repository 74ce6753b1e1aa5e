#!/usr/bin/env python3
"""csv_python_quirks.py: nebtop's CSV parsing against Python's csv.reader
(default dialect: doublequote, no skipinitialspace, not strict), field by
field, on hand-written quote quirks and on random strings over the alphabet
a , " space LF CR (and with ; and ' as delimiter and quote).

    csv_python_quirks.py CSV_DUMP [RANDOM_CASES [SEED]]

CSV_DUMP is the csv_dump program (it parses each case the way the source
does: cut by the scanner, fast path and slow path). Blank rows, which
csv.reader returns as [], are dropped on Python's side: the source skips
them, as csv.DictReader does. Exits 1 listing the first differences."""
import csv
import io
import json
import random
import subprocess
import sys

QUIRKS = [
    '"x" ,y\n1,2\n',                 # a space after the closing quote
    '1,"Hey, I missed " it",3\n',    # text after a closing quote, then a stray quote
    '"ab"cd,ef\nx,y\n',              # text right after a closing quote
    '"a"b"c",d\n',                   # a quote in the unquoted rest of a field
    '"ab" "c\nd",e\nf\n',            # a second quoted part
    '"a""b","c"""\n',                # doubled quotes
    'a"b,c"d\n',                     # quotes inside unquoted fields
    ' "a",b\n',                      # a quoted field that starts after a space
    '  "a , b"  ,c\n',               # ... with a delimiter inside
    '"a\r\nb",c\r\nd\n',             # CRLF inside quotes, CRLF line ends
    '"a\rb","c\nd"\re\n',            # CR and LF inside quotes, CR line end
    'a\rb\r\n\nc',                   # CR, CRLF, LF line ends, blank line, no final newline
    '"x"\r\n"y" \r\n',               # a space after the closing quote at the end of a line
    '"',                             # a lone quote at the end of the input
    'a,"',                           # an empty quoted field left open
    'a,"bc\nd,e\n',                  # a quoted field left open to the end
    '"a"\n"',                        # a lone quote after a record
    '""x,"",""""\n',                 # empty quoted parts
    '"a"  \n"b"\t,c\n',              # blanks after closing quotes
    ',\n,,\n',                       # empty fields
    '"a" "b" "c"\n',                 # several quoted parts
    '"a"\r',                         # quoted field then a bare CR
]


def python_rows(text, delimiter, quotechar):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    return [row for row in reader if row != []]


def compare(dump, cases, delimiter, quotechar):
    """Number of cases whose rows differ; prints the first ones."""
    # each case as nebtop reads it: the bytes of its Latin-1 text
    feed = b"".join(b"%d\n%s" % (len(c), c.encode("latin-1")) for c in cases)
    out = subprocess.run([dump, delimiter, quotechar], input=feed, stdout=subprocess.PIPE, check=True).stdout
    got = [json.loads(line) for line in out.decode("ascii").splitlines()]
    if len(got) != len(cases):
        sys.exit("csv_dump answered %d cases of %d" % (len(got), len(cases)))
    bad = 0
    for i, (text, g) in enumerate(zip(cases, got)):
        want = python_rows(text, delimiter, quotechar)
        if g["rows"] != want:
            bad += 1
            if bad <= 15:
                print("case %d %r (delimiter %r, quote %r):\n  python: %r\n  nebtop: %r"
                      % (i, text, delimiter, quotechar, want, g["rows"]))
    return bad


def main():
    dump = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 11)
    cases = list(QUIRKS)
    alphabet = 'a,"  \n\r'
    for i in range(count):
        n = rng.randrange(0, 4 + i % 24)
        cases.append("".join(rng.choice(alphabet) for _ in range(n)))
    bad = compare(dump, cases, ",", '"')
    # another delimiter and quote: the same quirks with ; and ', random
    # strings in which , and " are ordinary bytes
    other = [c.replace(",", ";").replace('"', "'") for c in QUIRKS]
    for i in range(count // 4):
        n = rng.randrange(0, 4 + i % 24)
        other.append("".join(rng.choice("a;' \n\r,\"") for _ in range(n)))
    bad += compare(dump, other, ";", "'")
    total = len(cases) + len(other)
    print("%d of %d cases differ from Python's csv.reader" % (bad, total))
    sys.exit(1 if bad else 0)


main()
