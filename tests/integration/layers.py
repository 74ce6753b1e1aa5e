#!/usr/bin/env python3
"""layers.py: checks that nebtop's folders are layers (ARCHITECTURE.md).

Reads every quoted #include of the .c and .h files outside tests/ and
examples/, maps each to a folder -> folder edge, and checks the edges against
the "may include" table of ARCHITECTURE.md: an edge the table does not allow,
a folder missing from the table, a cycle between folders, or more than
MAX_TOP .c files at the top of src/ is an error (exit 1, each named).

  layers.py [--graph] [SRCDIR]   --graph prints the folder graph (edge: count)
"""
import os
import re
import sys
from collections import Counter

MAX_TOP = 12
SKIP = ("tests", "examples", ".git", "autom4te.cache", "build-aux", "m4")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_table(root):
    """folder -> set of folders it may include, from ARCHITECTURE.md."""
    text = open(os.path.join(root, "ARCHITECTURE.md"), encoding="utf-8").read()
    table = {}
    for m in re.finditer(r"^\|\s*`([^`]+)`\s*\|([^|]*)\|", text, re.M):
        allowed = re.findall(r"`([^`]+)`", m.group(2))
        table[m.group(1).rstrip("/")] = set(a.rstrip("/") for a in allowed)
    return table


def source_files(root):
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        dirs[:] = [x for x in dirs if (rel == "." and x not in SKIP) or (rel != "." and not x.startswith("."))]
        for f in files:
            if f.endswith((".c", ".h")) and f != "autoconfig.h":
                yield os.path.normpath(os.path.join(rel, f))


def edges(root):
    files = set(source_files(root))
    out = Counter()
    for f in sorted(files):
        d = os.path.dirname(f) or "."
        text = open(os.path.join(root, f), encoding="utf-8", errors="replace").read()
        for inc in INCLUDE.findall(text):
            if os.path.basename(inc) == "autoconfig.h":
                continue  # made by configure
            target = os.path.normpath(os.path.join(d, inc))
            if target not in files:
                if inc in files:  # -I$(top_srcdir) form
                    target = inc
                else:
                    continue  # a system or generated header (autoconfig.h)
            td = os.path.dirname(target) or "."
            if td != d:
                out[(d, td)] += 1
    return out


def find_cycle(graph):
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if not state.get(m):
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if not state.get(n):
            c = visit(n)
            if c:
                return c
    return None


def main(argv):
    show = "--graph" in argv
    args = [a for a in argv if a != "--graph"]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    e = edges(root)
    if show:
        for (a, b), n in sorted(e.items()):
            print(f"{a} -> {b}: {n}")
    errors = []
    graph = {}
    for (a, b) in e:
        graph.setdefault(a, set()).add(b)
    cycle = find_cycle(graph)
    if cycle:
        errors.append("include cycle between folders: " + " -> ".join(cycle))
    if os.path.exists(os.path.join(root, "ARCHITECTURE.md")):
        table = read_table(root)
        folders = {os.path.dirname(f) or "." for f in source_files(root)}
        for f in sorted(folders - set(table)):
            errors.append(f"{f}/ holds C files but has no row in ARCHITECTURE.md's table")
        for (a, b), n in sorted(e.items()):
            if a in table and b not in table[a]:
                errors.append(f"{a}/ includes {b}/ ({n} includes), which ARCHITECTURE.md does not allow")
    else:
        errors.append("ARCHITECTURE.md is missing")
    top = [f for f in os.listdir(os.path.join(root, "src")) if f.endswith(".c")]
    if len(top) > MAX_TOP:
        errors.append(f"src/ holds {len(top)} .c files at its top (at most {MAX_TOP}): {' '.join(sorted(top))}")
    for m in errors:
        print("layers:", m, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
