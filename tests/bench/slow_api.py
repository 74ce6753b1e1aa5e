#!/usr/bin/env python3
"""slow_api.py: a slow paginated JSON API, for the verdict harness's HTTP
source pipeline (score_verdicts.py).

Usage: slow_api.py PORT_FILE DELAY_S PAGE_SIZE
Listens on 127.0.0.1 (a free port, written to PORT_FILE once listening).
GET /items?page=P answers, after DELAY_S seconds, {"items": [...PAGE_SIZE
orders...], "next": "items?page=P+1"}: pages never run out, so a run ends at
its -duration. The orders are slow_feed.py's.
"""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from slow_feed import order


def make_handler(delay, size):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urlsplit(self.path)
            if url.path != "/items":
                self.send_error(404)
                return
            page = int(parse_qs(url.query).get("page", ["1"])[0])
            time.sleep(delay)
            first = (page - 1) * size + 1
            body = json.dumps({"items": [order(i) for i in range(first, first + size)],
                               "next": "items?page=%d" % (page + 1)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass
    return Handler


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: slow_api.py PORT_FILE DELAY_S PAGE_SIZE")
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(float(sys.argv[2]), int(sys.argv[3])))
    server.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
