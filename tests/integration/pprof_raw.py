# pprof_raw.py: the integration tests' query of a `go tool pprof -raw` listing:
# python3 pprof_raw.py RAWFILE EXPR evaluates EXPR over types, period, S, col().
import re, sys
types, S, L, period, sec, cur = [], [], {}, None, None, None
for ln in open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n"):
    if sec in (None, "S") and ln.startswith("Period:"):
        period = int(ln.split(":", 1)[1]); continue
    if ln.startswith("Samples:"): sec = "T"; continue
    if ln.startswith("Locations"): sec = "L"; continue
    if ln.startswith("Mappings"): sec = "M"; continue
    if sec == "T":
        types = [t.replace("[dflt]", "") for t in ln.split()]; sec = "S"; continue
    if sec == "S":
        m = re.match(r"^\s*(-?\d+(?:\s+-?\d+)*):((?:\s+\d+)*)\s*$", ln)
        if m:
            cur = {"v": [int(x) for x in m.group(1).split()], "locs": [int(x) for x in m.group(2).split()], "labels": {}}
            S.append(cur)
        elif ln.strip() and cur is not None:
            for k, v in re.findall(r"(\S+?):\[([^\]]*)\]", ln):
                cur["labels"][k] = v
    elif sec == "L":
        m = re.match(r"^\s*(\d+): 0x[0-9a-f]+ M=\d+\s*(.*)$", ln)
        if m:
            lid, rest = int(m.group(1)), m.group(2)
            L[lid] = []
        elif ln.strip():
            rest = ln.strip()
        else:
            continue
        f = rest.split()
        if f and not f[0].startswith("s="):
            L[lid].append(f[0])
for s in S:
    s["fns"] = [f for l in s["locs"] for f in L.get(l, [])]
def col(name):
    return [i for i, t in enumerate(types) if t.startswith(name)][0]
print(eval(sys.argv[2]))
