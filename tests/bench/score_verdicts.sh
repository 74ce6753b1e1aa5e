#!/usr/bin/env bash
# score_verdicts.sh: scores nebtop's verdicts on planted pipelines (`make bench`).
# Each pipeline in tests/bench/verdicts/ (an INI file with its ground truth in
# ";@" comment lines: the expected primary finding, the other findings
# acceptable above low, and the advice contracts it checks) runs headless for
# a few seconds; the final snapshot's metrics_TS.json is scored against the
# ground truth. Prints a table (expected and got primary, right?, false alarms
# above low, advice violations) and the totals `right N/T` and `false alarms
# above low: K`. The rules of the scoring are at the top of score_verdicts.py.
# Figures only: the exit status is 0 whatever the verdicts, non-zero only
# when the harness itself breaks (nebtop crashed or failed, a file missing).
#
# Usage: NEBTOP=$PWD/nebtop tests/bench/score_verdicts.sh [PIPELINE...]
#   PIPELINE: a name in tests/bench/verdicts (cpu_middle) or an INI path;
#   default: all of them.
# Environment: NEBTOP     nebtop binary (default: ./nebtop at the top of the tree)
#              REPEAT     runs of each pipeline (default 1); with more than
#                         one, also how many pipelines kept the same primary
#              BENCH_DIR  work folder (default tests/bench/out); runs go to
#                         BENCH_DIR/verdicts/NAME/rN, results to
#                         BENCH_DIR/verdicts/results.json
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEBTOP=${NEBTOP:-$(cd "$HERE/../.." && pwd)/nebtop}
REPEAT=${REPEAT:-1}
BENCH_DIR=${BENCH_DIR:-$HERE/out}
die() { echo "score_verdicts: $*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 missing"
NEBTOP=$(command -v "$NEBTOP" || echo "$NEBTOP") # also a name on PATH
[ -x "$NEBTOP" ] || die "no executable nebtop at $NEBTOP (build it, or set NEBTOP=path)"
case $REPEAT in '' | *[!0-9]* | 0) die "REPEAT=$REPEAT: a whole number of runs, at least 1" ;; esac
mkdir -p "$BENCH_DIR/verdicts"
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the source tree (slow_feed.py is imported)
exec python3 "$HERE/score_verdicts.py" --nebtop "$NEBTOP" --out "$BENCH_DIR/verdicts" \
	--repeat "$REPEAT" "$@"
