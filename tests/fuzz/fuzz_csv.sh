#!/bin/bash
# fuzz_csv.sh: the CSV chunker + fast path + slow parser harness, run briefly.
exec bash "$SRCDIR/tests/fuzz/run_fuzz.sh" csv
