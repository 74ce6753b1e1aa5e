#!/bin/bash
# fuzz_ini.sh: the INI loader harness, run briefly.
exec bash "$SRCDIR/tests/fuzz/run_fuzz.sh" ini
