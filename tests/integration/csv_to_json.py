#!/usr/bin/env python3
"""csv_to_json.py: the reference CSV -> JSON Lines conversion nebtop's output
is compared with, byte for byte, built on Python's csv module.

    csv_to_json.py INPUT OUTPUT [--delimiter C] [--has-header true|false]
                   [--ragged error|pad|truncate] [--invalid-utf8 error|replace]

Semantics (those of nebtop's csv source and json destination):
- input read as UTF-8 with a leading BOM skipped, newline='' (CRLF inside
  quotes is kept), blank rows skipped;
- the first row names the fields (duplicates become NAME_2, NAME_3, ...: the
  first suffix no other field has), or with --has-header false the fields are
  col1..colN, N being the first row's width;
- a row whose width differs from the header's is an error (not written),
  unless --ragged pad (short rows get nulls) or truncate (long rows lose the
  extra fields) mends it;
- a row holding invalid UTF-8 is an error, or with --invalid-utf8 replace each
  field is decoded with errors='replace';
- each written row is json.dumps(dict(zip(header, row)), ensure_ascii=False,
  separators=(",", ":")) and a newline.
Prints a JSON summary on stdout: {"records": N, "written": W, "errors": [...]}
with the 1-based record numbers (header excluded) of the rows in error.
"""
import argparse
import csv
import json
import sys


def dedup(names):
    """A name already held by an earlier field gets the first suffix _2, _3,
    ... that no field has (in linear time: a name once held stays held)."""
    names = list(names)
    held = set(names)
    seen = set()
    for i, name in enumerate(names):
        if name in seen:
            k = 2
            while "%s_%d" % (name, k) in held:
                k += 1
            name = names[i] = "%s_%d" % (name, k)
            held.add(name)
        seen.add(name)
    return names


def raw(field):
    """The bytes of a field read with surrogateescape."""
    return field.encode("utf-8", "surrogateescape")


def is_valid(field):
    try:
        raw(field).decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--delimiter", default=",")
    ap.add_argument("--has-header", default="true", choices=["true", "false"])
    ap.add_argument("--ragged", default="error", choices=["error", "pad", "truncate"])
    ap.add_argument("--invalid-utf8", default="error", choices=["error", "replace"])
    a = ap.parse_args()
    delim = "\t" if a.delimiter in ("tab", "\\t") else a.delimiter
    csv.field_size_limit(sys.maxsize)
    with open(a.input, encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter=delim, quotechar='"', doublequote=True, strict=False) if r]
    header = None
    if rows:
        if a.has_header == "true":
            header = dedup(raw(n).decode("utf-8", "replace") for n in rows.pop(0))
        else:
            header = ["col%d" % (i + 1) for i in range(len(rows[0]))]
    errors, written = [], 0
    with open(a.output, "w", encoding="utf-8", newline="") as out:
        for num, row in enumerate(rows, 1):
            if len(row) < len(header):
                if a.ragged != "pad":
                    errors.append(num)
                    continue
                row = row + [None] * (len(header) - len(row))
            elif len(row) > len(header):
                if a.ragged != "truncate":
                    errors.append(num)
                    continue
                row = row[: len(header)]
            if not all(v is None or is_valid(v) for v in row):
                if a.invalid_utf8 == "error":
                    errors.append(num)
                    continue
                row = [None if v is None else raw(v).decode("utf-8", "replace") for v in row]
            out.write(json.dumps(dict(zip(header, row)), ensure_ascii=False, separators=(",", ":")) + "\n")
            written += 1
    json.dump({"records": len(rows), "written": written, "errors": errors}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
