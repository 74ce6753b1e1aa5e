#!/bin/bash
# export_prometheus.sh: a real Prometheus server (Debian's prometheus
# package) scrapes two headless nebtops that run pipelines of different
# names; a query through its HTTP API returns both pipelines' record rates,
# and the scrape targets are up; every query of the Grafana dashboard
# (examples/grafana/nebtop_dashboard.json, its variables set to all
# pipelines) is answered with data. The scrape configuration is the one
# examples/prometheus/prometheus.yml shows, with these two targets and a
# 1 s interval.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export_lib.sh"

command -v prometheus >/dev/null || { echo "SKIP: no prometheus (scripts/setup.sh installs it)" >&2; exit 77; }

for name in alpha beta; do
	printf '[pipeline]\nname = %s\n\n[source]\ntype = generate\nrows = 0\nrate = 2000\n\n' "$name" >"$T/$name.ini"
	printf '[destination]\ntype = null\n' >>"$T/$name.ini"
done
listen_start alpha "$T/alpha.ini" -listen 0 -duration 170
listen_start beta "$T/beta.ini" -listen 0 -duration 170
ta=${URL_alpha#http://}
tb=${URL_beta#http://}

# a free port for Prometheus itself
port=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: nebtop
    metrics_path: /metrics
    static_configs:
      - targets: ['$ta', '$tb']
YML
if command -v promtool >/dev/null; then
	promtool check config "$T/prometheus.yml" >"$T/check.out" 2>&1 || fail "promtool check config: $(cat "$T/check.out")"
fi
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$port" >"$T/prometheus.log" 2>&1 &
prom=$!
trap 'kill $prom 2>/dev/null; wait $prom 2>/dev/null; rm -rf "$T"' EXIT

# query QUERY: the result vector of an instant query, as "pipeline value" lines
query() {
	curl -s -m 10 -G --data-urlencode "query=$1" "http://127.0.0.1:$port/api/v1/query" >"$T/q.json" 2>/dev/null ||
		return 1
	"$PYTHON3" - "$T/q.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(1)
if r.get("status") != "success":
    sys.exit(1)
for s in r["data"]["result"]:
    print(s["metric"].get("pipeline", "-"), s["value"][1])
PY
}

q='sum by (pipeline) (rate(nebtop_records_total{stage="destination",direction="out"}[5s]))'
ok=""
for _ in $(seq 120); do
	query "$q" >"$T/rates.txt" 2>/dev/null || true
	if "$PYTHON3" - "$T/rates.txt" <<'PY'
import sys
rates = dict(l.split() for l in open(sys.argv[1]) if l.strip())
sys.exit(0 if all(float(rates.get(p, 0)) > 0 for p in ("alpha", "beta")) else 1)
PY
	then
		ok=1
		break
	fi
	kill -0 "$prom" 2>/dev/null || fail "prometheus exited: $(tail -c 1500 "$T/prometheus.log")"
	sleep 1
done
[ -n "$ok" ] || fail "Prometheus did not return both pipelines' rates within 120 s: $(cat "$T/rates.txt"); log: $(tail -c 1500 "$T/prometheus.log")"
note "rates through Prometheus: $(tr '\n' ' ' <"$T/rates.txt")"
query 'up{job="nebtop"}' >"$T/up.txt" || fail "the up query failed"
[ "$(grep -c ' 1$' "$T/up.txt")" = 2 ] || fail "both targets should be up: $(cat "$T/up.txt")"
query 'count by (pipeline) (nebtop_finding)' >"$T/findings.txt" || fail "the finding query failed"
note "findings per pipeline: $(tr '\n' ' ' <"$T/findings.txt")"
# the dashboard's queries: the heap and allocation series are not served
# where the malloc hooks are not (a sanitizer build)
allow=""
sanitized && allow='nebtop_heap_live_bytes|nebtop_allocated_bytes_total'
"$PYTHON3" "$LIB_DIR/grafana_check.py" queries "$SRCDIR/examples/grafana/nebtop_dashboard.json" \
	"http://127.0.0.1:$port" "$allow" >"$T/grafana.out" 2>&1 || fail "the dashboard's queries: $(cat "$T/grafana.out")"
note "Grafana dashboard: $(cat "$T/grafana.out")"
listen_stop alpha
listen_stop beta
