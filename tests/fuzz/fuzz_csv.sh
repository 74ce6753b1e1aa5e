#!/bin/bash
# fuzz_csv.sh: the CSV chunker + fast path + libcsv harness, run briefly.
exec bash "$SRCDIR/tests/fuzz/run_fuzz.sh" csv
