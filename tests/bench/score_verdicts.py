#!/usr/bin/env python3
"""score_verdicts.py: the verdict harness behind score_verdicts.sh.

Runs planted pipelines (tests/bench/verdicts/*.ini) headless, reads each
run's final metrics_TS.json and scores the analyzer's verdict against the
pipeline's ground truth, written in the INI file as comment lines:

  ;@ about: TEXT                 what the pipeline is (shown in the table)
  ;@ primary: SPEC               the expected primary finding; several lines
                                 are alternatives. `keeps_up`: no finding
                                 above low (the pipeline keeps up)
  ;@ allow: SPEC                 another finding acceptable above low
  ;@ limit: STAGE                the stage that holds the pipeline back: a
                                 full channel must name it as the cause
  ;@ workers_ok: STAGE...|none   stages that may be told to get more workers
                                 (default: the limit, when it is a transform)
  ;@ offcpu: STAGE               a stage waiting off the CPU: never told that
                                 more workers will not help
  ;@ configured_below: TYPE COMP a configured limit (source rate, destination
                                 rate_limit) never ranks above this finding
  ;@ errors_count                the errors finding shows the failures' count
                                 (each such pipeline fails for one reason, so
                                 a count in parentheses after it is them all)
  ;@ too_short                   the analysis says the run is too short
  ;@ input: pipe|file|http       the source's advice fits that kind of input
  ;@ duration: D                 run length (default 8s)
  ;@ data: orders ROWS [bad=PCT] a CSV file of orders (@CSV@ in the INI)
  ;@ feed: csv|jsonl RATE [burst=MS]  a FIFO (@FIFO@) written by slow_feed.py
  ;@ server: delay=S size=N      slow_api.py serving pages (@URL@)

SPEC is `TYPE COMPONENT [stage=S] [min=SEV] [max=SEV|primary]`; COMPONENT and
S are shell patterns (`*`, `*ledger*`); max=primary caps the finding at the
severity of the expected primary finding. @OUT@ in the INI is the run's own
folder (for output files).

A finding above low that neither the expected primary nor an allow line
accepts is a false alarm; the one exception is the issue's: a hot function
outside the bottleneck may be medium when the machine's cores were mostly
busy (at least BUSY_MACHINE_PCT over the run, from /proc/stat). Advice
violations are the issue's contracts on words: no database advice for a
source or destination that is no database, `[unknown]` never a finding, no
"more workers" for a stage that is not the limit, a full channel names the
limit, a configured limit is reported as such and caps every what-could-be
figure, no "idle cores" on a busy machine, N workers do not "outnumber" N
cores, and the lines above.

Figures, not a test: the exit status is 0 whatever the verdicts; it is 1 only
when the harness itself breaks (nebtop crashed or failed, a file is missing).
"""
import argparse
import configparser
import fnmatch
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from slow_feed import order  # noqa: E402  (the same orders as the feeds)

SEVS = ["low", "medium", "high", "critical"]
BUSY_MACHINE_PCT = 75.0  # "the machine's cores are mostly busy"
IDLE_CLAIM_BUSY_PCT = 90.0  # a claim of idle cores on a machine this busy is wrong
DB_WORDS = re.compile(r"\b(index|indexes|indices|trigger|triggers|constraint|constraints)\b", re.I)
WORKERS_ADVICE = re.compile(r"\bmore workers\b|\bworkers\s*=\s*\d|-workers\s+\d|"
                            r"\b(raise|increase|add)\b[^.;:]*\bworkers\b", re.I)
NOT_HELP = re.compile(r"\b(will not|won't|would not|does not|do not|cannot|can't|not) help", re.I)
STAGE_NAMED = re.compile(r"\bstage ([A-Za-z0-9_-]+)", re.I)
INPUT_ADVICE = {
    "pipe": re.compile(r"\b(pipe|fifo|stdin|standard input|program|writer|writes|writing)\b", re.I),
    "file": re.compile(r"\b(disk|file|storage)\b", re.I),
    "http": re.compile(r"\b(API|pages?|server)\b", re.I),
}


class HarnessError(Exception):
    """The harness itself broke: a missing file, nebtop crashed or failed."""


# --- ground truth ---------------------------------------------------------------

def sev_rank(sev):
    return SEVS.index(sev) if sev in SEVS else -1


def parse_spec(text, where):
    words = text.split()
    if not words:
        raise HarnessError("%s: empty finding spec" % where)
    if words[0] == "keeps_up":
        return {"keeps_up": True, "text": "keeps_up (nothing above low)"}
    if len(words) < 2:
        raise HarnessError("%s: '%s': TYPE COMPONENT expected" % (where, text))
    spec = {"keeps_up": False, "type": words[0], "component": words[1], "stage": "*",
            "min": "low", "max": "critical", "text": text}
    for w in words[2:]:
        key, _, val = w.partition("=")
        if key not in ("stage", "min", "max") or not val:
            raise HarnessError("%s: '%s': unknown option '%s'" % (where, text, w))
        if key in ("min", "max") and val not in SEVS and not (key == "max" and val == "primary"):
            raise HarnessError("%s: '%s': '%s' is no severity" % (where, text, val))
        spec[key] = val
    return spec


def parse_truth(path):
    """The ;@ lines of a pipeline file, checked."""
    name = os.path.splitext(os.path.basename(path))[0]
    t = {"name": name, "path": path, "about": "", "primary": [], "allow": [], "limit": None,
         "workers_ok": None, "offcpu": [], "configured_below": [], "errors_count": False,
         "too_short": False, "input": None, "duration": "8s", "data": None, "feed": None,
         "server": None}
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            if not raw.startswith(";@"):
                continue
            where = "%s:%d" % (path, n)
            key, _, val = raw[2:].strip().partition(":")
            key, val = key.strip(), val.strip()
            if key == "about":
                t["about"] = val
            elif key == "primary":
                t["primary"].append(parse_spec(val, where))
            elif key == "allow":
                t["allow"].append(parse_spec(val, where))
            elif key == "configured_below":
                t["configured_below"].append(parse_spec(val, where))
            elif key == "limit":
                t["limit"] = val
            elif key == "workers_ok":
                t["workers_ok"] = [] if val == "none" else val.split()
            elif key == "offcpu":
                t["offcpu"] += val.split()
            elif key in ("errors_count", "too_short"):
                t[key] = True
            elif key == "input":
                if val not in INPUT_ADVICE:
                    raise HarnessError("%s: input '%s': pipe, file or http expected" % (where, val))
                t["input"] = val
            elif key == "duration":
                t["duration"] = val
            elif key in ("data", "feed", "server"):
                t[key] = val.split()
            else:
                raise HarnessError("%s: unknown ground-truth key '%s'" % (where, key))
    if not t["primary"]:
        raise HarnessError("%s: no ';@ primary:' line (the ground truth)" % path)
    if t["workers_ok"] is None:
        t["workers_ok"] = [t["limit"]] if t["limit"] not in (None, "source", "destination") else []
    return t


def read_config(path):
    """The INI's source and destination settings that the checks need."""
    cp = configparser.ConfigParser(interpolation=None, comment_prefixes=(";", "#"),
                                   inline_comment_prefixes=(" ;",), strict=False)
    cp.read(path, encoding="utf-8")

    def num(section, key):
        try:
            return float(cp.get(section, key, fallback="0").rstrip("%") or 0)
        except ValueError:
            return 0.0
    return {"source": cp.get("source", "type", fallback="csv"),
            "destination": cp.get("destination", "type", fallback="json"),
            "rate": num("source", "rate") if cp.get("source", "type", fallback="") == "generate" else 0.0,
            "rate_limit": num("destination", "rate_limit")}


# --- scoring --------------------------------------------------------------------

def matches(spec, f, cap=None):
    """Whether finding f fits spec (cap: the severity max=primary stands for)."""
    if spec["keeps_up"] or f is None:
        return False
    if f.get("type") != spec["type"]:
        return False
    if not fnmatch.fnmatchcase(str(f.get("component")), spec["component"]):
        return False
    if not fnmatch.fnmatchcase(str(f.get("stage")), spec["stage"]):
        return False
    rank = sev_rank(f.get("severity"))
    top = spec["max"]
    if top == "primary":
        top = cap or "critical"
    return sev_rank(spec["min"]) <= rank <= sev_rank(top)


def text_of(f):
    return " ".join([str(f.get("description", ""))] + [str(s) for s in f.get("suggestions") or []])


def show(f, width=0):
    """type/severity/component; with width, the component without its source
    location and cut to width."""
    if f is None:
        return "none"
    comp = str(f.get("component"))
    if width:
        comp = comp.split(" (")[0]
        comp = comp if len(comp) <= width else comp[:width - 3] + "..."
    return "%s/%s/%s" % (f.get("type"), f.get("severity"), comp)


def configured_limit(f, cfg):
    """Whether finding f is a configured limit: the source at its rate, the
    destination at its rate_limit."""
    if f.get("type") != "pipeline_bottleneck":
        return None
    if f.get("component") == "source" and cfg["rate"] > 0:
        return "rate"
    if f.get("component") == "destination" and cfg["rate_limit"] > 0:
        return "rate_limit"
    return None


def check_advice(t, cfg, metrics, analysis, busy):
    """The issue's contracts on words and order; a list of violations."""
    found = metrics.get("bottlenecks") or []
    bad = []
    db = "postgresql" in (cfg["source"], cfg["destination"])
    limits = [v for v in (cfg["rate"], cfg["rate_limit"]) if v > 0]
    for i, f in enumerate(found, 1):
        tag = "#%d %s" % (i, show(f))
        text = text_of(f)
        if not db and DB_WORDS.search(text):
            bad.append("%s: database advice for a %s source: '%s'" % (tag, cfg["source"],
                                                                       DB_WORDS.search(text).group(0)))
        if "[unknown]" in str(f.get("component")) or "[unknown]" in str(f.get("description")):
            bad.append("%s: [unknown] as a finding" % tag)
        for s in [str(f.get("description", ""))] + [str(x) for x in f.get("suggestions") or []]:
            target = STAGE_NAMED.search(s)
            target = target.group(1) if target else f.get("stage")
            if WORKERS_ADVICE.search(s) and not NOT_HELP.search(s) and target not in t["workers_ok"]:
                bad.append("%s: more workers for stage %s, not the limit: '%s'" % (tag, target, s))
            if NOT_HELP.search(s) and re.search(r"workers", s, re.I) and target in t["offcpu"]:
                bad.append("%s: stage %s waits off the CPU, yet: '%s'" % (tag, target, s))
            m = re.search(r"(\d+) workers already outnumber the machine.s (\d+) cores", s)
            if m and int(m.group(1)) <= int(m.group(2)):
                bad.append("%s: '%s workers outnumber %s cores'" % (tag, m.group(1), m.group(2)))
            if (re.search(r"\bidle cores?\b", s, re.I) and not re.search(r"\bno idle cores?\b", s, re.I)
                    and busy is not None and busy >= IDLE_CLAIM_BUSY_PCT):
                bad.append("%s: idle cores claimed on a machine %.0f%% busy: '%s'" % (tag, busy, s))
            for m in re.finditer(r"could [^.;]*?([\d,]+(?:\.\d+)?) records/s", s):
                v = float(m.group(1).replace(",", ""))
                if limits and v > 1.05 * min(limits):
                    bad.append("%s: '%s' beyond the configured %g records/s" % (tag, m.group(0), min(limits)))
        key = configured_limit(f, cfg)
        if key and not re.search(r"\b%s\b" % key, text):
            bad.append("%s: a configured limit not named as such (no '%s')" % (tag, key))
        if f.get("type") == "channel_backpressure" and t["limit"] not in (None, "source"):
            rest = text.replace(str(f.get("component")), " ")
            blamed = [m.group(1) for m in re.finditer(r"\bstage ([A-Za-z0-9_-]+) drains", rest, re.I)
                      if m.group(1) != t["limit"]]
            if blamed:
                bad.append("%s: blames stage %s, not the limit %s" % (tag, blamed[0], t["limit"]))
            elif not re.search(r"\b%s\b" % re.escape(t["limit"]), rest):
                bad.append("%s: a full channel that does not name the limit %s" % (tag, t["limit"]))
        if t["input"] and f.get("type") == "pipeline_bottleneck" and f.get("component") == "source":
            if not INPUT_ADVICE[t["input"]].search(" ".join(f.get("suggestions") or [])):
                bad.append("%s: no advice for a %s input" % (tag, t["input"]))
    for spec in t["configured_below"]:
        idx = next((i for i, f in enumerate(found) if matches(spec, f)), None)
        if idx is None:
            bad.append("no %s finding (a problem nobody configured)" % spec["text"])
            continue
        for i, f in enumerate(found):
            if configured_limit(f, cfg) and (i < idx or sev_rank(f.get("severity")) >
                                             sev_rank(found[idx].get("severity"))):
                bad.append("configured limit #%d %s outranks #%d %s" % (i + 1, show(f), idx + 1,
                                                                       show(found[idx])))
    if t["errors_count"]:
        errs = (metrics.get("records") or {}).get("errors") or 0
        ef = next((f for f in found if f.get("type") == "errors"), None)
        if ef is None:
            bad.append("no errors finding for %d record errors" % errs)
        elif errs >= 1000:
            desc = str(ef.get("description"))
            nums = [int(x.replace(",", "")) for x in re.findall(r"\d[\d,]*", desc)]
            # every failure of these pipelines has one reason: a count in
            # parentheses after it is that reason's count, all of them
            small = [int(x.replace(",", "")) for x in re.findall(r"\((\d[\d,]*)\)", desc)
                     if int(x.replace(",", "")) < 0.5 * errs]
            if not nums or max(nums) < 0.5 * errs:
                bad.append("errors finding shows at most %s of %d failures" % (
                    max(nums) if nums else "no number", errs))
            elif small:
                bad.append("errors finding counts the reason as (%d) of %d failures" % (small[0], errs))
    if t["too_short"]:
        if not re.search(r"too short", analysis + json.dumps(metrics), re.I):
            bad.append("no 'too short to judge'")
    return bad


def score(t, cfg, metrics, analysis, busy):
    """One run against its ground truth: right, false alarms, violations."""
    found = metrics.get("bottlenecks") or []
    primary = metrics.get("primary_bottleneck")
    above = [f for f in found if sev_rank(f.get("severity")) > 0]
    right = False
    expected = None
    for alt in t["primary"]:
        if alt["keeps_up"]:
            if not above:
                right = True
            continue
        if matches(alt, primary):
            right = True
        if expected is None:
            expected = next((f for f in found if matches(alt, f)), None)
    cap = expected.get("severity") if expected else None
    false_alarms = []
    for f in above:
        if f is expected:
            continue
        if any(matches(s, f, cap) for s in t["primary"] + t["allow"]):
            continue
        if (f.get("type") == "cpu_hotspot" and busy is not None and busy >= BUSY_MACHINE_PCT
                and sev_rank(f.get("severity")) <= sev_rank("medium")):
            continue
        false_alarms.append(f)
    notes = []
    rate = (metrics.get("throughput") or {}).get("records_per_sec") or 0
    if any(a["keeps_up"] for a in t["primary"]) and cfg["rate"] > 0 and rate < 0.9 * cfg["rate"]:
        notes.append("the plant did not hold: %.0f records/s of the configured rate = %g" % (rate, cfg["rate"]))
    return {"right": right, "primary": primary, "false_alarms": false_alarms,
            "violations": check_advice(t, cfg, metrics, analysis, busy), "notes": notes}


# --- running --------------------------------------------------------------------

def machine_ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return sum(v[:8]), idle


def make_orders(data_dir, words):
    """data: orders ROWS [bad=PCT] -> the CSV file's path (made once)."""
    rows = int(words[1])
    bad = 0
    for w in words[2:]:
        if w.startswith("bad="):
            bad = int(w[4:])
    path = os.path.join(data_dir, "orders_%d_bad%d.csv" % (rows, bad))
    if os.path.exists(path):
        return path
    os.makedirs(data_dir, exist_ok=True)
    every = 100 // bad if bad else 0
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        out.write("id,customer,amount,status\n")
        for i in range(1, rows + 1):
            o = order(i)
            amount = "n/a" if every and i % every == 0 else o["amount"]
            out.write("%d,%s,%s,%s\n" % (i, o["customer"], amount, o["status"]))
    os.rename(path + ".tmp", path)
    return path


def start_server(rundir, words):
    opts = dict(w.split("=", 1) for w in words)
    port_file = os.path.join(rundir, "port")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "slow_api.py"), port_file,
                             opts.get("delay", "0.1"), opts.get("size", "100")])
    for _ in range(100):
        if os.path.exists(port_file):
            with open(port_file) as f:
                return proc, "http://127.0.0.1:%s" % f.read().strip()
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise HarnessError("slow_api.py did not start")


def start_feed(rundir, words):
    fifo = os.path.join(rundir, "input.fifo")
    os.mkfifo(fifo)
    burst = "50"
    for w in words[2:]:
        if w.startswith("burst="):
            burst = w[6:].rstrip("ms")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "slow_feed.py"), fifo, words[0],
                             words[1], burst])
    return proc, fifo


def stop(proc):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def parse_seconds(d):
    m = re.fullmatch(r"([\d.]+)(ms|s|m)?", d)
    if not m:
        raise HarnessError("duration '%s': e.g. 8s" % d)
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[m.group(2)]


def run_once(t, nebtop, rundir, data_dir):
    """One headless run: the metrics, the analysis text and the machine's busy share."""
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)
    subst = {"@OUT@": rundir}
    helpers = []
    try:
        if t["data"]:
            subst["@CSV@"] = make_orders(data_dir, t["data"])
        if t["server"]:
            proc, url = start_server(rundir, t["server"])
            helpers.append(proc)
            subst["@URL@"] = url
        if t["feed"]:
            proc, fifo = start_feed(rundir, t["feed"])
            helpers.append(proc)
            subst["@FIFO@"] = fifo
        with open(t["path"], encoding="utf-8") as f:
            ini = f.read()
        for k, v in subst.items():
            ini = ini.replace(k, v)
        left = re.search(r"@[A-Z]+@", ini)
        if left:
            raise HarnessError("%s: %s has no value (no data:, feed: or server: line?)" % (t["path"], left.group(0)))
        conf = os.path.join(rundir, t["name"] + ".ini")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(ini)
        out = os.path.join(rundir, "profiles")
        cmd = [nebtop, "--headless", "-output", out, "-duration", t["duration"], conf]
        total0, idle0 = machine_ticks()
        with open(os.path.join(rundir, "stderr.txt"), "w") as err:
            try:
                rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                    timeout=parse_seconds(t["duration"]) + 120).returncode
            except subprocess.TimeoutExpired:
                raise HarnessError("%s: nebtop still running %s after its duration; killed"
                                   % (t["name"], "120 s"))
        total1, idle1 = machine_ticks()
    finally:
        for p in helpers:
            stop(p)
    busy = 100.0 * (1 - (idle1 - idle0) / (total1 - total0)) if total1 > total0 else None
    if rc != 0:
        with open(os.path.join(rundir, "stderr.txt"), errors="replace") as f:
            tail = f.read().strip().splitlines()[-3:]
        how = ("was killed by %s" % signal.Signals(-rc).name) if rc < 0 else ("exited with status %d" % rc)
        raise HarnessError("%s: nebtop %s: %s" % (t["name"], how, " | ".join(tail) or "(no message)"))
    files = sorted(glob.glob(os.path.join(out, "metrics_*.json")))
    if not files:
        raise HarnessError("%s: no metrics_*.json in %s" % (t["name"], out))
    with open(files[-1], encoding="utf-8") as f:
        metrics = json.load(f)
    stamp = os.path.basename(files[-1])[len("metrics_"):-len(".json")]
    apath = os.path.join(out, "bottleneck_analysis_%s.txt" % stamp)
    if not os.path.exists(apath):
        raise HarnessError("%s: %s missing" % (t["name"], apath))
    with open(apath, encoding="utf-8", errors="replace") as f:
        analysis = f.read()
    for name in ("out.jsonl", "out.csv"):  # outputs can be large; the snapshot stays
        try:
            os.remove(os.path.join(rundir, name))
        except FileNotFoundError:
            pass
    return metrics, analysis, busy


# --- the report -----------------------------------------------------------------

def expected_text(t):
    return " | ".join(a["text"] for a in t["primary"])


def print_table(results, repeat):
    rows = [("pipeline", "expected primary", "got primary", "right", "false alarms above low",
             "advice violations", "in/s", "mach%")]
    for r in results:
        s = r["score"]
        rows.append(("%s#%d" % (r["name"], r["run"]) if repeat > 1 else r["name"],
                     expected_text(r["truth"]), show(s["primary"], 32), "yes" if s["right"] else "NO",
                     ", ".join(show(f, 24) for f in s["false_alarms"]) or "-",
                     str(len(s["violations"])) if s["violations"] else "-",
                     "%.0f" % ((r["metrics"].get("throughput") or {}).get("records_per_sec") or 0),
                     "%.0f" % r["busy"] if r["busy"] is not None else "?"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) if i < 6 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip())


def print_details(results):
    print("\nDetails (wrong primaries, false alarms and advice violations):")
    any_detail = False
    for r in results:
        s = r["score"]
        lines = []
        if not s["right"]:
            p = s["primary"]
            lines.append("wrong primary: %s: \"%s\"" % (show(p), p.get("description") if p else "(none)"))
        for f in s["false_alarms"]:
            lines.append("false alarm: %s (stage %s): \"%s\"" % (show(f), f.get("stage"), f.get("description")))
        for v in s["violations"]:
            lines.append("violation: %s" % v)
        for n in s["notes"]:
            lines.append("note: %s" % n)
        if lines:
            any_detail = True
            print("  %s#%d (expected %s):" % (r["name"], r["run"], expected_text(r["truth"])))
            for line in lines:
                print("    " + line)
    if not any_detail:
        print("  none")


def print_totals(results, truths, repeat):
    total = len(results)
    right = sum(r["score"]["right"] for r in results)
    fa = sum(len(r["score"]["false_alarms"]) for r in results)
    fa_runs = sum(1 for r in results if r["score"]["false_alarms"])
    viol = sum(len(r["score"]["violations"]) for r in results)
    print("\nright %d/%d" % (right, total))
    print("false alarms above low: %d (in %d of %d runs)" % (fa, fa_runs, total))
    print("advice violations: %d" % viol)
    if repeat > 1:
        steady = []
        for t in truths:
            keys = {show(r["score"]["primary"]).split("/")[0] + "/" + str((r["score"]["primary"] or {}).get("component"))
                    for r in results if r["name"] == t["name"]}
            if len(keys) == 1:
                steady.append(t["name"])
            else:
                print("  unsteady: %s: %s" % (t["name"], ", ".join(sorted(keys))))
        print("steady primary (same type and component in all %d runs): %d/%d pipelines"
              % (repeat, len(steady), len(truths)))


# --- self-test of the scoring, on made-up findings ------------------------------

def self_test():
    """The scorer on made-up metrics: each case must come out as written."""
    def f(typ, sev, comp, stage=None, desc="", sugg=()):
        return {"type": typ, "severity": sev, "component": comp, "stage": stage or comp,
                "description": desc, "suggestions": list(sugg)}
    gen = {"source": "generate", "destination": "null", "rate": 2000.0, "rate_limit": 0.0}
    healthy = {"name": "t", "primary": [parse_spec("keeps_up", "t")], "allow": [], "limit": None,
               "workers_ok": [], "offcpu": [], "configured_below": [], "errors_count": False,
               "too_short": False, "input": None}
    src_high = f("pipeline_bottleneck", "high", "source", desc="The source sets the pace at its rate = 2000",
                 sugg=["raise or remove rate"])
    s = score(healthy, gen, {"bottlenecks": [src_high], "primary_bottleneck": src_high}, "", 10.0)
    assert not s["right"] and len(s["false_alarms"]) == 1 and not s["violations"], s
    src_low = dict(src_high, severity="low")
    s = score(healthy, gen, {"bottlenecks": [src_low], "primary_bottleneck": src_low}, "", 10.0)
    assert s["right"] and not s["false_alarms"], s
    s = score(healthy, gen, {"bottlenecks": [], "primary_bottleneck": None}, "", 10.0)
    assert s["right"], s

    fast = dict(gen, rate=0.0)
    mid = dict(healthy, primary=[parse_spec("pipeline_bottleneck burn min=medium", "t")],
               allow=[parse_spec("cpu_hotspot * stage=burn", "t"),
                      parse_spec("channel_backpressure * max=primary", "t")],
               limit="burn", workers_ok=["burn"])
    b = f("pipeline_bottleneck", "high", "burn", desc="Stage burn is the bottleneck",
          sugg=["Give stage burn more workers: the machine has idle cores"])
    hot = f("cpu_hotspot", "critical", "spin_burn_cpu", "burn")
    ch_ok = f("channel_backpressure", "medium", "parse->burn", "burn", "full", ["Stage burn drains this channel"])
    ch_bad = f("channel_backpressure", "critical", "source->parse", "parse", "full",
               ["Stage parse drains this channel slower than it fills: make its work cheaper"])
    m = {"bottlenecks": [b, hot, ch_ok, ch_bad], "primary_bottleneck": b}
    s = score(mid, fast, m, "", 10.0)
    assert s["right"], s
    assert [x["component"] for x in s["false_alarms"]] == ["source->parse"], s  # above the primary
    assert len(s["violations"]) == 1 and "blames stage parse" in s["violations"][0], s
    s = score(mid, fast, m, "", 95.0)
    assert any("idle cores" in v for v in s["violations"]), s
    other = f("pipeline_bottleneck", "medium", "burn", sugg=["Give stage parse more workers"])
    s = score(mid, fast, {"bottlenecks": [other], "primary_bottleneck": other}, "", 10.0)
    assert s["right"] and any("stage parse, not the limit" in v for v in s["violations"]), s
    s = score(mid, fast, {"bottlenecks": [hot], "primary_bottleneck": hot}, "", 10.0)
    assert not s["right"], s
    cold = f("cpu_hotspot", "medium", "gen_put_uint", "source")
    s = score(mid, fast, {"bottlenecks": [b, cold], "primary_bottleneck": b}, "", 10.0)
    assert len(s["false_alarms"]) == 1, s
    s = score(mid, fast, {"bottlenecks": [b, cold], "primary_bottleneck": b}, "", 90.0)
    assert not s["false_alarms"], s  # a busy machine: a medium hotspot outside the bottleneck is allowed

    dest = {"source": "generate", "destination": "json", "rate": 0.0, "rate_limit": 8000.0}
    leak = dict(healthy, primary=[parse_spec("memory_growth * min=medium", "t")],
                allow=[parse_spec("pipeline_bottleneck destination", "t")], limit="destination",
                configured_below=[parse_spec("memory_growth *", "t")])
    d = f("pipeline_bottleneck", "critical", "destination", desc="Destination at its rate_limit = 8000",
          sugg=["It could write 50,000 records/s without rate_limit"])
    g = f("memory_growth", "high", "heap", desc="heap grows")
    s = score(leak, dest, {"bottlenecks": [d, g], "primary_bottleneck": d}, "", 10.0)
    assert not s["right"] and not s["false_alarms"], s
    assert any("outranks" in v for v in s["violations"]), s
    assert any("beyond the configured" in v for v in s["violations"]), s
    d2 = dict(d, description="Destination is slow", suggestions=[], severity="medium")
    s = score(leak, dest, {"bottlenecks": [g, d2], "primary_bottleneck": g}, "", 10.0)
    assert s["right"] and s["violations"] == [
        "#2 pipeline_bottleneck/medium/destination: a configured limit not named as such (no 'rate_limit')"], s

    pipe = dict(healthy, primary=[parse_spec("pipeline_bottleneck source max=medium", "t")],
                limit="source", input="pipe")
    csvsrc = {"source": "csv", "destination": "json", "rate": 0.0, "rate_limit": 0.0}
    p = f("pipeline_bottleneck", "high", "source", sugg=["Add an index on the table", "Read larger chunks"])
    s = score(pipe, csvsrc, {"bottlenecks": [p], "primary_bottleneck": p}, "", 10.0)
    assert not s["right"] and len(s["false_alarms"]) == 1, s
    assert len(s["violations"]) == 2, s  # database advice, no advice about the pipe
    p2 = dict(p, severity="medium", suggestions=["Look at the program writing into the pipe"])
    s = score(pipe, csvsrc, {"bottlenecks": [p2], "primary_bottleneck": p2}, "", 10.0)
    assert s["right"] and not s["false_alarms"] and not s["violations"], s

    errs = dict(healthy, primary=[parse_spec("errors * min=medium", "t")], errors_count=True,
                too_short=True)
    e = f("errors", "critical", "amounts", desc="20.0% of records failed (100)")
    s = score(errs, gen, {"bottlenecks": [e], "primary_bottleneck": e, "records": {"errors": 160000}}, "", 10.0)
    assert s["right"] and len(s["violations"]) == 2, s  # shows 100 of 160000; no "too short"
    e3 = dict(e, description="20.0% of records failed (160000 of 800000): 'x' is not an integer (100)")
    s = score(errs, gen, {"bottlenecks": [e3], "primary_bottleneck": e3, "records": {"errors": 160000}},
              "too short to judge", 10.0)
    assert s["right"] and len(s["violations"]) == 1 and "(100)" in s["violations"][0], s
    e2 = dict(e, description="160,000 of 800,000 records failed")
    s = score(errs, gen, {"bottlenecks": [e2], "primary_bottleneck": e2, "records": {"errors": 160000}},
              "Too short to judge", 10.0)
    assert s["right"] and not s["violations"], s
    w = f("pipeline_bottleneck", "high", "nap", sugg=["More workers will not help stage nap: "
                                                      "its 2 workers already outnumber the machine's 2 cores"])
    nap = dict(mid, primary=[parse_spec("pipeline_bottleneck nap", "t")], limit="nap", offcpu=["nap"])
    s = score(nap, fast, {"bottlenecks": [w], "primary_bottleneck": w}, "", 10.0)
    assert s["right"] and len(s["violations"]) == 2, s  # off-CPU refused, 2 "outnumber" 2
    u = f("cpu_hotspot", "low", "[unknown]")
    s = score(healthy, gen, {"bottlenecks": [u], "primary_bottleneck": u}, "", 10.0)
    assert s["right"] and len(s["violations"]) == 1, s
    return True


# --- main -----------------------------------------------------------------------

def pick(args_pipelines, folder):
    if not args_pipelines:
        paths = sorted(glob.glob(os.path.join(folder, "*.ini")))
        if not paths:
            raise HarnessError("no pipelines in %s" % folder)
        return paths
    paths = []
    for p in args_pipelines:
        cand = p if os.path.exists(p) else os.path.join(folder, p if p.endswith(".ini") else p + ".ini")
        if not os.path.exists(cand):
            raise HarnessError("no pipeline %s (in %s)" % (p, folder))
        paths.append(cand)
    return paths


def main():
    ap = argparse.ArgumentParser(description="Score nebtop's verdicts on planted pipelines.")
    ap.add_argument("--nebtop", required=True)
    ap.add_argument("--out", required=True, help="work folder for the runs")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--self-test", action="store_true", help="only check the scorer")
    ap.add_argument("pipelines", nargs="*")
    a = ap.parse_args()
    try:
        self_test()
    except AssertionError as e:
        print("score_verdicts: the scorer's self-test failed: %s" % e, file=sys.stderr)
        return 1
    if a.self_test:
        print("score_verdicts: self-test passed")
        return 0
    try:
        truths = [parse_truth(p) for p in pick(a.pipelines, os.path.join(HERE, "verdicts"))]
        if not os.access(a.nebtop, os.X_OK):
            raise HarnessError("no executable nebtop at %s (build it, or set NEBTOP=path)" % a.nebtop)
        results = []
        broken = []
        t0 = time.monotonic()
        print("verdicts: %d pipeline(s) x %d run(s), nebtop %s, %d cores" % (len(truths), a.repeat,
                                                                        a.nebtop, os.cpu_count()))
        for run in range(1, a.repeat + 1):
            for t in truths:
                cfg = read_config(t["path"])
                rundir = os.path.join(a.out, t["name"], "r%d" % run)
                try:
                    metrics, analysis, busy = run_once(t, a.nebtop, rundir, os.path.join(a.out, "data"))
                except HarnessError as e:
                    print("  BROKEN %s" % e, flush=True)
                    broken.append(str(e))
                    continue
                s = score(t, cfg, metrics, analysis, busy)
                results.append({"name": t["name"], "run": run, "truth": t, "metrics": metrics,
                                "busy": busy, "score": s})
                print("  run %d %-22s %-4s %s" % (run, t["name"], "ok" if s["right"] else "WRONG",
                                                  show(s["primary"])), flush=True)
        results.sort(key=lambda r: ([t["name"] for t in truths].index(r["name"]), r["run"]))
        print("\n(%.0f s)\n" % (time.monotonic() - t0))
        print_table(results, a.repeat)
        print_details(results)
        print_totals(results, truths, a.repeat)
        with open(os.path.join(a.out, "results.json"), "w") as f:
            json.dump([{"pipeline": r["name"], "run": r["run"], "right": r["score"]["right"],
                        "primary": r["score"]["primary"], "false_alarms": r["score"]["false_alarms"],
                        "violations": r["score"]["violations"], "machine_busy_pct": r["busy"]}
                       for r in results], f, indent=1)
        if broken:
            print("\nscore_verdicts: the harness broke on %d run(s):" % len(broken), file=sys.stderr)
            for b in broken:
                print("  " + b, file=sys.stderr)
            return 1
        return 0
    except HarnessError as e:
        print("score_verdicts: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
