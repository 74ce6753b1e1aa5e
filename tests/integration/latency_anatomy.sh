#!/bin/bash
# latency_anatomy.sh: where a record's time goes ([profile] latency_sample).
#  - generate (2,000 rows in batches of 100, as fast as it can) -> a delay
#    stage sleeping 20 ms per batch -> null, every 4th batch followed:
#    exactly the batches whose sequence is a multiple of 4 are counted (5
#    of 20); the parts (from the end of the source's read) are the wait in
#    source->slow, slow's work, the wait before the destination and its
#    write; their
#    shares add up to 100% of the mean; the delay stage (its work and the
#    wait in front of it, where the source's batches queue for it) is most
#    of the time (the bound here is loose, as a loaded machine slows the
#    other parts: the bench measures the figure); the end-to-end mean is at
#    least the 20 ms slept; p50 <= p90 <= p99 <= max;
#  - the report's Latency section tells each quantile as its parts
#    ("p99 ... = NN% slow ...") and lists every part;
#  - latency_sample = 0: no latency key, no Latency section; a bad value is
#    a configuration error (exit 2) naming its line.
. "$(dirname "$0")/lib.sh"

ini() { # FILE SAMPLE
	printf '[pipeline]\nname = anatomy\nbatch = 100\nworkers = 1\n\n' >"$1"
	printf '[source]\ntype = generate\nrows = 2000\n\n' >>"$1"
	printf '[stage.slow]\ntype = delay\nus_per_batch = 20000\n\n' >>"$1"
	printf '[destination]\ntype = null\n\n[profile]\nlatency_sample = %s\n' "$2" >>"$1"
}

ini "$T/a.ini" 4
nebtop "$T/a.ini" --headless
expect_rc 0 "a run with latency_sample = 4"
f=$(metrics_file)
"$PYTHON3" - "$f" <<'PY' || fail "the latency key (see above)"
import json, sys
m = json.load(open(sys.argv[1]))
lat = m.get("latency")
if not lat:
    sys.exit("no latency key: %s" % list(m))
if lat["sample"] != 4 or lat["batches"] != 5:
    sys.exit("sample %s, batches %s: expected 4 and 5 (seq 0, 4, 8, 12, 16 of 20)" % (lat["sample"], lat["batches"]))
e = lat["end_to_end"]
if not (e["p50_us"] <= e["p90_us"] <= e["p99_us"] <= e["max_us"] * 1.07):
    sys.exit("quantiles out of order: %s" % e)
if e["mean_us"] < 20000:
    sys.exit("mean %s us: below the 20 ms slept per batch" % e["mean_us"])
parts = lat["parts"]
names = [(p["stage"], p["kind"], p.get("channel", "")) for p in parts]
want = [("slow", "queue", "source->slow"), ("slow", "work", ""),
        ("destination", "queue", "slow->destination"), ("destination", "work", "")]
if names != want:
    sys.exit("parts %s, expected %s" % (names, want))
total = sum(p["share_pct"] for p in parts)
if abs(total - 100) > 0.5:
    sys.exit("the shares add up to %.3f%%" % total)
mean = sum(p["mean_us"] for p in parts)
if abs(mean - e["mean_us"]) > 0.005 * e["mean_us"]:
    sys.exit("the parts' means add up to %.1f us, the end-to-end mean is %.1f" % (mean, e["mean_us"]))
slow = parts[0]["share_pct"] + parts[1]["share_pct"]
if slow < 70:
    sys.exit("the delay stage (its work and the wait for it) is %.1f%% of the mean: %s" % (slow, parts))
for q in lat["quantiles"]:
    s = sum(q["share_pct"])
    if abs(s - 100) > 1:
        sys.exit("quantile %s: shares add up to %.2f%%" % (q["quantile"], s))
print("latency: %d batches, mean %.1f ms, slow %.1f%%" % (lat["batches"], e["mean_us"] / 1000, slow))
PY
r=$(report_file)
grep -q '^Latency (one batch in 4 followed from read to write, 5 batches):' "$r" ||
	fail "no Latency section in the report: $(cat "$r")"
grep -qE '^  p99 [0-9.]+ ?ms = [0-9]+% (slow|waiting in source->slow)' "$r" || fail "p99 not told by its parts: $(sed -n '/^Latency/,/^$/p' "$r")"
grep -qF 'waiting in source->slow' "$r" || fail "the wait in source->slow is not listed: $(sed -n '/^Latency/,/^$/p' "$r")"

ini "$T/off.ini" 0
nebtop "$T/off.ini" --headless
expect_rc 0 "a run with latency_sample = 0"
[ "$(metric "$(metrics_file)" '"latency" in m')" = False ] || fail "latency_sample = 0 still has a latency key"
grep -q '^Latency' "$(report_file)" && fail "latency_sample = 0 still has a Latency section"

ini "$T/bad.ini" many
nebtop "$T/bad.ini" --headless
expect_rc 2 "latency_sample = many"
grep -q 'bad.ini:18' "$T/stderr" || fail "the bad value's line is not named: $(cat "$T/stderr")"
note "latency anatomy: parts, shares, quantiles told, off, bad value"
