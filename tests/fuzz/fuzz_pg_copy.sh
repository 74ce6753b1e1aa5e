#!/bin/bash
# fuzz_pg_copy.sh: the PostgreSQL COPY text format harness, run briefly.
exec bash "$SRCDIR/tests/fuzz/run_fuzz.sh" pg_copy
