#!/bin/bash
# fuzz_json_fast.sh: the JSON fast path against jansson, run briefly on its
# seeds and on JSONTestSuite's parsing cases (tests/data/JSONTestSuite), each
# as a record and as the value of a key, with mutations of them all.
set -euo pipefail
extra=$(mktemp -d)
trap 'rm -rf "$extra"' EXIT
for f in "$SRCDIR"/tests/data/JSONTestSuite/test_parsing/*.json; do
	b=$(basename "$f" .json)
	[ "$(stat -c %s "$f")" -le 4096 ] || continue # the deep-nesting cases: jansson's, not the fast path's
	{ printf '\000'; cat "$f"; } >"$extra/$b"
	{ printf '\000{"k":'; cat "$f"; printf '}'; } >"$extra/$b.value"
done
EXTRA_CORPUS=$extra bash "$SRCDIR/tests/fuzz/run_fuzz.sh" json_fast
