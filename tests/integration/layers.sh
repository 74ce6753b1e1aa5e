#!/usr/bin/env bash
# layers.sh: the folders are layers (ARCHITECTURE.md): every include runs down
# the table, no two folders include each other, src/ keeps at most 12 .c files
# at its top, and libnebula needs none of libcurl, libpq or inih.
. "$(dirname "$0")/lib.sh"

"$PYTHON3" "$SRCDIR/tests/integration/layers.py" --graph "$SRCDIR" >"$T/graph" 2>"$T/err" ||
	fail "the folders are not layers: $(cat "$T/err")"
grep -q '^pipeline -> src/base: ' "$T/graph" || fail "no include seen from pipeline/ into src/base/: the checker reads nothing"
if grep '^pipeline -> ' "$T/graph" | grep -v '^pipeline -> src/base: '; then
	fail "the engine includes a layer above src/base"
fi
note "folder graph: $(wc -l <"$T/graph") edges, all down"

# the checker itself finds a cycle and an edge the table does not allow
mkdir -p "$T/tree/src/base" "$T/tree/pipeline"
cp "$SRCDIR/ARCHITECTURE.md" "$T/tree/"
printf '#include "../../pipeline/p.h"\n' >"$T/tree/src/base/b.h"
printf '#include "../src/base/b.h"\n' >"$T/tree/pipeline/p.h"
if "$PYTHON3" "$SRCDIR/tests/integration/layers.py" "$T/tree" 2>"$T/err2"; then
	fail "a cycle between src/base and pipeline passed the check"
fi
grep -q 'include cycle between folders' "$T/err2" || fail "the cycle was not named: $(cat "$T/err2")"
grep -q 'src/base/ includes pipeline/' "$T/err2" || fail "the upward include was not named: $(cat "$T/err2")"

so=$BUILDDIR/.libs/libnebula.so
if [ -e "$so" ] && command -v readelf >/dev/null; then
	readelf -d "$so" >"$T/dyn" || fail "readelf -d $so failed"
	grep -q NEEDED "$T/dyn" || fail "readelf shows no NEEDED entry in $so"
	if grep -E 'NEEDED.*(libcurl|libpq|libinih|libcsv)' "$T/dyn"; then
		fail "libnebula.so links what only the connectors or the configuration need"
	fi
	note "libnebula.so needs: $(grep NEEDED "$T/dyn" | sed 's/.*\[\(.*\)\]/\1/' | tr '\n' ' ')"
else
	note "no $so (or no readelf): its dependencies are not checked"
fi
exit 0
