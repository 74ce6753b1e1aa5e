#!/usr/bin/env python3
"""json_source_ref.py: inputs for the JSON source's test, and what nebtop's
JSON source -> JSON destination must write for them.

  gen OUT N SEED [array]   N random objects as JSON Lines (or one pretty array)
  expect IN OUT [flatten] [sample=N] [array]
                           the expected JSON Lines output for IN

Fields are the keys of the first `sample` records in first-seen order
(dotted with flatten), and so are their types: a field whose values there
were all integers (or null) is an integer field, all numbers a number field,
all true/false a boolean field, anything else text. Typed fields are written
as the JSON values they were; text fields as text: strings as-is, numbers as
digits, true/false, objects/arrays as compact JSON text; null stays null. A
record whose value does not fit its field's type is a record error: it is
not in the output."""
import json
import random
import sys


def gen(out, n, seed, array):
    rnd = random.Random(seed)
    words = ["alpha", "b\u00e9ta", "\u65e5\u672c", "quote\"d", "back\\slash", "tab\there", "line\nbreak",
             "emoji \U0001F600", "ctl\u0001\u001f", "slash/ok", "", "  spaced  ", "nul\u0000byte"]
    recs = []
    for i in range(n):
        r = {"id": i + 1}
        if rnd.random() < 0.8:
            r["name"] = rnd.choice(words)
        if rnd.random() < 0.5:
            r["amount"] = rnd.randint(-10**12, 10**12)
        if rnd.random() < 0.3:
            r["ok"] = rnd.choice([True, False, None])
        if rnd.random() < 0.3:
            r["price"] = rnd.choice([2.5, -0.25, 1e20, 123.0])
        if rnd.random() < 0.3:
            r["user"] = {"first": rnd.choice(words[:3]), "geo": {"lat": rnd.randint(-90, 90)}}
        if rnd.random() < 0.3:
            r["tags"] = [rnd.choice(words[:3]) for _ in range(rnd.randint(0, 3))]
        keys = list(r)
        rnd.shuffle(keys)
        recs.append({k: r[k] for k in keys})
    with open(out, "w", encoding="utf-8", newline="") as f:
        if array:
            json.dump(recs, f, ensure_ascii=rnd.random() < 0.5, indent=2)
        else:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=rnd.random() < 0.5) + "\n")


def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        s = repr(v)
        return s
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def flat(obj, flatten, prefix=""):
    for k, v in obj.items():
        key = prefix + k
        if flatten and isinstance(v, dict) and v:
            yield from flat(v, flatten, key + ".")
        else:
            yield key, v


def kind_after(kind, v):
    """A field's kind (None, "int", "real", "bool", "text") after value v."""
    if v is None:
        return kind
    if isinstance(v, bool):
        return "bool" if kind in (None, "bool") else "text"
    if isinstance(v, int):
        return "int" if kind in (None, "int") else "real" if kind == "real" else "text"
    if isinstance(v, float):
        return "real" if kind in (None, "int", "real") else "text"
    return "text"


def fits(kind, v):
    if v is None or kind in (None, "text"):
        return True
    if kind == "bool":
        return isinstance(v, bool)
    if isinstance(v, bool):
        return False
    return isinstance(v, int) if kind == "int" else isinstance(v, (int, float))


def expect(inp, out, flatten, sample, array):
    with open(inp, encoding="utf-8") as f:
        recs = json.load(f) if array else [json.loads(l) for l in f if l.strip()]
    fields, kinds = [], {}
    for r in recs[:sample]:
        for k, v in flat(r, flatten):
            if k not in fields:
                fields.append(k)
            kinds[k] = kind_after(kinds.get(k), v)
    with open(out, "w", encoding="utf-8", newline="") as f:
        for r in recs:
            vals = dict(flat(r, flatten))
            if not all(fits(kinds.get(k), v) for k, v in vals.items()):
                continue
            row = {k: vals.get(k) if kinds.get(k) not in (None, "text") else text(vals.get(k)) for k in fields}
            f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


def main():
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), "array" in sys.argv[5:])
    else:
        opts = sys.argv[4:]
        sample = 1000
        for o in opts:
            if o.startswith("sample="):
                sample = int(o[7:])
        expect(sys.argv[2], sys.argv[3], "flatten" in opts, sample, "array" in opts)


main()
