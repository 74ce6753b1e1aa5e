#!/bin/bash
# run_fuzz.sh NAME: runs the fuzz harness tests/fuzz/fuzz_NAME briefly on a
# copy of its seed corpus (tests/fuzz/corpus/NAME): with libFuzzer for
# FUZZ_SECONDS (default 15) when it was built with clang, otherwise through
# the replay driver for FUZZ_RUNS mutations (default 20000). A crash fails
# the test and leaves the input in the build tree. EXTRA_CORPUS, when set,
# is a folder of more seeds.
set -euo pipefail
name=$1
bin=$BUILDDIR/tests/fuzz/fuzz_$name
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$SRCDIR/tests/fuzz/corpus/$name"/* "$corpus/"
if [ -n "${EXTRA_CORPUS:-}" ]; then cp "$EXTRA_CORPUS"/* "$corpus/"; fi
if [ "${FUZZ_KIND:-replay}" = libfuzzer ]; then
	exec "$bin" -max_total_time="${FUZZ_SECONDS:-15}" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$BUILDDIR/tests/fuzz/$name-" "$corpus"
else
	exec "$bin" -runs="${FUZZ_RUNS:-20000}" -artifact_prefix="$BUILDDIR/tests/fuzz/$name-" "$corpus"
fi
