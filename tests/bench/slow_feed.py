#!/usr/bin/env python3
"""slow_feed.py: an external program that writes records slowly into a FIFO,
for the verdict harness's external-input pipelines (score_verdicts.py).

Usage: slow_feed.py FIFO csv|jsonl RATE [BURST_MS]
Opens FIFO for writing (waiting for its reader), then writes RATE orders per
second, in one burst every BURST_MS milliseconds (default 50), flushing each
burst, until the reader goes away or the process is stopped. The orders are
deterministic: {id, customer, amount, status} for id = 1, 2, ...; the CSV
form starts with a header line.
"""
import json
import sys
import time

STATUSES = ("paid", "open", "refunded", "paid")


def order(i):
    return {"id": i, "customer": "c%04d" % (i * 7919 % 10000),
            "amount": "%.2f" % ((i * 37 % 100000) / 100), "status": STATUSES[i % 4]}


def line(fmt, i):
    o = order(i)
    if fmt == "csv":
        return "%d,%s,%s,%s\n" % (o["id"], o["customer"], o["amount"], o["status"])
    return json.dumps(o, separators=(",", ":")) + "\n"


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[2] not in ("csv", "jsonl"):
        sys.exit("usage: slow_feed.py FIFO csv|jsonl RATE [BURST_MS]")
    path, fmt, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
    tick = (float(sys.argv[4]) if len(sys.argv) == 5 else 50.0) / 1000.0
    per_tick = max(1, round(rate * tick))
    try:
        with open(path, "w", encoding="utf-8") as out:
            if fmt == "csv":
                out.write("id,customer,amount,status\n")
            i, due = 1, time.monotonic()
            while True:
                out.write("".join(line(fmt, k) for k in range(i, i + per_tick)))
                out.flush()
                i += per_tick
                due += tick
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
    except (BrokenPipeError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
