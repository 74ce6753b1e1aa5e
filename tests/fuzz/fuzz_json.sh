#!/bin/bash
# fuzz_json.sh: the JSON source harness (JSON Lines and array scanning), run briefly.
exec bash "$SRCDIR/tests/fuzz/run_fuzz.sh" json
