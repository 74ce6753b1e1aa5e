#!/usr/bin/env python3
"""gen_random_csv.py: writes a deterministic CSV file of mixed, valid content
for the comparison tests: quoted and unquoted fields, doubled quotes,
delimiters, LF / CRLF / CR inside quotes, LF and CRLF line ends, blank lines,
empty fields, control characters, multi-byte UTF-8, emoji, U+2028, and NUL
bytes (Python 3.11 and later only: older csv modules reject them).

    gen_random_csv.py OUTPUT ROWS SEED [DELIMITER]
"""
import random
import sys

out, nrows, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
delim = sys.argv[4] if len(sys.argv) > 4 else ","
rng = random.Random(seed)

pieces = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + [" ", "  ", ",", ";", "\t", '"', '""', "\n", "\r\n", "\r", "\\", "/", "'", "{", "}", "<", ">", "&"]
    + ["\x01", "\x08", "\x0c", "\x1b", "\x1f", "\x7f", "\u0080", "\u00a0"]
    + ["é", "ß", "Ω", "Ж", "中文", "日本", "한", "ق", "😀", "👩‍💻", "🇫🇷", "\u2028", "\u2029", "\ufeff", "\uffff"]
    + ["-1", "3.14", "1e9", "true", "null"]
)
if sys.version_info >= (3, 11):
    pieces.append("\x00")


def field():
    k = rng.random()
    if k < 0.08:
        return ""
    if k < 0.5:  # short plain text
        return "".join(rng.choice("abcdefghij0123456789 -_.") for _ in range(rng.randint(1, 12)))
    return "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))


def encode(v):
    if any(c in v for c in (delim, '"', "\r", "\n")) or (v and rng.random() < 0.2) or (not v and rng.random() < 0.3):
        return '"' + v.replace('"', '""') + '"'
    return v


ncols = 6
lines = [delim.join(["id", "näme", "text", "emoji 😀", "empty", "last"])]
for i in range(1, nrows + 1):
    lines.append(delim.join([str(i)] + [encode(field()) for _ in range(ncols - 1)]))
with open(out, "w", encoding="utf-8", newline="") as f:
    for n, line in enumerate(lines):
        f.write(line)
        if n + 1 < len(lines) or seed % 2 == 0:  # odd seeds: no newline at the very end
            f.write(rng.choice(["\n", "\n", "\r\n"]))
        if rng.random() < 0.01:
            f.write(rng.choice(["\n", "\r\n", "\n\n"]))
