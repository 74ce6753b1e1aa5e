#!/usr/bin/env python3
"""grafana_check.py: checks examples/grafana/ against what Grafana's
provisioning expects, and runs the dashboard's queries.

  grafana_check.py structure DASHBOARD.json PROVISIONING_DIR
      The dashboard: a fixed uid and title, an integer schemaVersion, no
      top-level id (provisioning assigns it), a datasource variable of type
      prometheus and a `pipeline` query variable; every panel with a type,
      a title, a gridPos inside the 24-column grid and not overlapping
      another, targets with a refId and an expr that uses $pipeline, all on
      the ${datasource} variable. The provisioning files: apiVersion 1, a
      file provider with options.path, a prometheus datasource with a url.
  grafana_check.py queries DASHBOARD.json PROMETHEUS_URL [ALLOW_EMPTY_RE]
      Every target's expr, with $pipeline = .* and $__rate_interval = 5s,
      through Prometheus's HTTP API: it must succeed and return at least one
      series, unless the expr matches ALLOW_EMPTY_RE.
"""
import json
import re
import sys
import urllib.parse
import urllib.request


def fail(msg):
    sys.exit("grafana_check: " + msg)


def targets(dash):
    for p in dash["panels"]:
        for t in p.get("targets", []):
            yield p, t


def structure(path, prov):
    d = json.load(open(path))
    if d.get("id") is not None:
        fail("the dashboard has a top-level id: provisioning assigns it")
    for k in ("uid", "title"):
        if not isinstance(d.get(k), str) or not d[k]:
            fail("no %s" % k)
    if not isinstance(d.get("schemaVersion"), int):
        fail("schemaVersion is not an integer")
    var = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    ds = var.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        fail("no datasource variable of type prometheus: %r" % ds)
    pl = var.get("pipeline")
    q = pl and pl.get("query")
    q = q.get("query") if isinstance(q, dict) else q
    if not pl or pl.get("type") != "query" or "label_values(" not in (q or "") or "pipeline" not in q:
        fail("no pipeline variable from label_values(..., pipeline): %r" % pl)
    boxes = []
    if not d.get("panels"):
        fail("no panels")
    for p in d["panels"]:
        for k in ("type", "title", "gridPos"):
            if k not in p:
                fail("panel %r has no %s" % (p.get("title"), k))
        g = p["gridPos"]
        if not (0 <= g["x"] and g["x"] + g["w"] <= 24 and g["h"] > 0 and g["y"] >= 0):
            fail("panel %r: gridPos %r outside the 24-column grid" % (p["title"], g))
        for (x, y, w, h, t) in boxes:
            if g["x"] < x + w and x < g["x"] + g["w"] and g["y"] < y + h and y < g["y"] + g["h"]:
                fail("panels %r and %r overlap" % (t, p["title"]))
        boxes.append((g["x"], g["y"], g["w"], g["h"], p["title"]))
        if p.get("datasource", {}).get("uid") != "${datasource}":
            fail("panel %r is not on the ${datasource} variable" % p["title"])
        if not p.get("targets"):
            fail("panel %r has no targets" % p["title"])
    for p, t in targets(d):
        if not t.get("refId") or not t.get("expr"):
            fail("panel %r: a target without refId or expr" % p["title"])
        if "$pipeline" not in t["expr"]:
            fail("panel %r: %s does not select $pipeline" % (p["title"], t["expr"]))
        if t.get("datasource", {}).get("uid") != "${datasource}":
            fail("panel %r: a target not on the ${datasource} variable" % p["title"])
    import yaml
    dp = yaml.safe_load(open(prov + "/dashboards/nebtop.yaml"))
    if dp.get("apiVersion") != 1 or not dp.get("providers"):
        fail("dashboards provisioning: apiVersion 1 and providers expected")
    for pr in dp["providers"]:
        if pr.get("type") != "file" or not pr.get("options", {}).get("path") or not pr.get("name"):
            fail("dashboards provisioning: a file provider with a name and options.path expected: %r" % pr)
    sp = yaml.safe_load(open(prov + "/datasources/prometheus.yaml"))
    if sp.get("apiVersion") != 1 or not sp.get("datasources"):
        fail("datasources provisioning: apiVersion 1 and datasources expected")
    for s in sp["datasources"]:
        if s.get("type") != "prometheus" or not s.get("url") or not s.get("name"):
            fail("datasources provisioning: a prometheus datasource with a name and a url expected: %r" % s)
    print("structure: %d panels, %d queries" % (len(d["panels"]), sum(1 for _ in targets(d))))


def queries(path, url, allow_empty):
    d = json.load(open(path))
    n = 0
    for p, t in targets(d):
        expr = t["expr"].replace("$pipeline", ".*").replace("$__rate_interval", "5s")
        q = urllib.parse.urlencode({"query": expr})
        r = json.load(urllib.request.urlopen(url + "/api/v1/query?" + q, timeout=20))
        if r.get("status") != "success":
            fail("panel %r: %s: %r" % (p["title"], expr, r))
        if not r["data"]["result"] and not (allow_empty and re.search(allow_empty, expr)):
            fail("panel %r: %s returned nothing" % (p["title"], expr))
        n += 1
    print("queries: %d, all answered" % n)


if __name__ == "__main__":
    if sys.argv[1] == "structure":
        structure(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "queries":
        queries(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        fail("usage: structure DASH PROV | queries DASH URL [ALLOW_EMPTY_RE]")
