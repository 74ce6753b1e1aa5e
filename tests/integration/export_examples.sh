#!/bin/bash
# export_examples.sh: the ready-made files for Prometheus in
# examples/prometheus/ are what Prometheus accepts, and the alerting rules
# fire when and only when they say (Prometheus's own rule tester, on
# series shaped as nebtop's /metrics serves them):
#  - promtool check config on the scrape configuration (with its rules);
#  - promtool check rules on the alerting rules;
#  - promtool test rules with tests/integration/nebtop_alerts_test.yml: a
#    critical finding held for a minute fires, one seen once does not, a
#    medium one does not; a running pipeline whose source stops fires, a
#    finished one does not; 5% of records failing fires, none does not;
#  - the Grafana dashboard and its provisioning files have the structure
#    Grafana's provisioning expects (grafana_check.py: Grafana is not
#    packaged for Debian 12, so it is not run; export_prometheus.sh runs the
#    dashboard's queries against a real Prometheus).
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || { echo "SKIP: no promtool (scripts/setup.sh installs prometheus)" >&2; exit 77; }
EX=$SRCDIR/examples/prometheus
cp "$EX/prometheus.yml" "$EX/nebtop_alerts.yml" "$LIB_DIR/nebtop_alerts_test.yml" "$T/"
(cd "$T" && promtool check config prometheus.yml) >"$T/config.out" 2>&1 ||
	fail "promtool check config examples/prometheus/prometheus.yml: $(cat "$T/config.out")"
(cd "$T" && promtool check rules nebtop_alerts.yml) >"$T/rules.out" 2>&1 ||
	fail "promtool check rules examples/prometheus/nebtop_alerts.yml: $(cat "$T/rules.out")"
(cd "$T" && promtool test rules nebtop_alerts_test.yml) >"$T/test.out" 2>&1 ||
	fail "promtool test rules: $(head -c 3000 "$T/test.out")"
"$PYTHON3" -c 'import yaml' 2>/dev/null || fail "python3-yaml is missing (scripts/setup.sh installs it)"
"$PYTHON3" "$LIB_DIR/grafana_check.py" structure "$SRCDIR/examples/grafana/nebtop_dashboard.json" \
	"$SRCDIR/examples/grafana/provisioning" >"$T/grafana.out" 2>&1 || fail "$(cat "$T/grafana.out")"
note "examples/grafana: $(cat "$T/grafana.out")"
note "examples/prometheus: config and rules valid, the alerts fire as the rule tests say"
