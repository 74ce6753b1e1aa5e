#!/bin/bash
# fuzz_http_page.sh: the HTTP page parser harness (records cut as the page arrives), run briefly.
exec bash "$SRCDIR/tests/fuzz/run_fuzz.sh" http_page
