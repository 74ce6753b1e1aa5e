#!/usr/bin/env bash
# setup_bench.sh: installs what the benchmarks (run_bench.sh, run_json_bench.sh,
# run_http_bench.sh...) need on Debian 12: Miller, GNU time, gcc, curl, node and npm (apt),
# and the pinned @duckdb/node-api (npm, into tests/bench/node_modules).
# Idempotent: does nothing but a few checks when everything is there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
apt_install() { # PACKAGE...
	[ -n "${apt_updated:-}" ] || "${sudo[@]}" apt-get update
	apt_updated=1
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}
need=()
command -v mlr >/dev/null || need+=(miller)
[ -x /usr/bin/time ] || need+=(time)
command -v gcc >/dev/null || need+=(gcc)
command -v curl >/dev/null || need+=(curl)
command -v node >/dev/null || need+=(nodejs)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
# Only after nodejs: a NodeSource nodejs brings npm itself (and conflicts with Debian's npm).
command -v npm >/dev/null || apt_install npm

# npm install only when the installed @duckdb/node-api is not the version package.json pins
# (no package-lock.json is kept: it is gitignored, so `npm ci` cannot be used).
want=$(node -p "require('./package.json').dependencies['@duckdb/node-api']")
have=$(node -p "try { require('./node_modules/@duckdb/node-api/package.json').version } catch { '' }")
if [ "$have" != "$want" ]; then
	npm install --no-audit --no-fund
fi
node --input-type=module -e "await import('@duckdb/node-api')" ||
	{ echo "setup_bench: @duckdb/node-api $want does not load" >&2; exit 1; }
echo "bench prerequisites ready: $(mlr --version), node $(node --version), @duckdb/node-api $want"
