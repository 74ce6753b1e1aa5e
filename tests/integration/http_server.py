#!/usr/bin/env python3
"""http_server.py: the HTTP server of the http_source and http_dest tests.

Usage: http_server.py PORT_FILE LOG_FILE
Listens on 127.0.0.1 (a free port, written to PORT_FILE once listening) and
appends one JSON line per request to LOG_FILE: method, path, query, headers,
body (POSTs) and the status it answered. The records it serves are
{"id": i, "name": "item-i", "even": i % 2 == 0} for i = 1..n.

GET endpoints (query parameters: n records in all, size per page, key = a
name for the failure counters, so that tests do not share them):
  /next      pages with a relative next link at links.next (null on the last),
             records at data.items; page=P
  /cursor    records at items, next cursor at meta.cursor (null at the end);
             after=CURSOR
  /page      records at items; page=P (1-based) or offset=O, per_page=size;
             a page past the end has no records
  /all       the n records as one array (no pagination)
  /fail429   429 with Retry-After: 1 for the first `fails` requests, then /all
  /fail500   500 for the first `fails` requests, then /all
  /slow      answers /all after `delay` seconds
  /malformed a body that is not JSON; /malformed_later: page 1 good, page 2 bad
  /extra_key page 1: records 1-2; page 2: record 3 with a key "extra", record 4
  /auth      /all when Authorization is "Bearer " + $HTTP_TEST_TOKEN, else 401
  /status    answers `code` with a short body (with html=1: ERROR_PAGE)
  /echo_headers  401 with every request header in the body (see echo_headers)
  /loop      next link at next, records at items, `pages` pages (default 3)
             of `size`; the last page's next link goes back to page `back`
             (1: the first URL, loop?back=1 as it was asked; 3 of 3: itself)
  /cursor_loop records at items, cursor at meta.cursor: a, b, then a again
  /huge      one page {"items": [n records, each with a "pad" of `pad`
             characters], "next": "huge?page=2..."}, generated as it is sent
             (chunked), its next link after its records; page 2 has record
             n + 1 and no next link
  /stall     page 1: records 1-10, next link at next; page 2: the start of
             records 11-20 (11-15 whole) then nothing for `delay` seconds
  /cut       as /stall, but page 2's connection closes after record 15
  /dropkeep  next link pagination (as /loop, without the loop): on every
             connection the first request is answered (keep-alive) and the
             second is read and dropped, the connection closed unanswered
POST endpoints:
  /echo_headers  400 with every request header in the body
  /ingest    200 and logs the body; fails=N answers `code` (default 500) to the
             first N requests (with Retry-After: 0 for a 429); always=1 fails every one;
             quiet=1 leaves the body out of the log (benchmarks)
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

LOCK = threading.Lock()
COUNTS = {}
LOG = None


def record(i):
    return {"id": i, "name": "item-%d" % i, "even": i % 2 == 0}


def records(first, last):
    return [record(i) for i in range(first, last + 1)]


def count(key):
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]


# an HTML error page as web servers send them (tags, indentation, a long text)
ERROR_PAGE = """<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: 501</p>
        <p>Message: Unsupported method ('GET').</p>
        <p>Error code explanation: 501 - Server does not support this operation, and the rest of this
        sentence goes on for long enough that a message must cut it somewhere after two hundred characters.</p>
    </body>
</html>
"""

def echo_headers(handler, status):
    """Answers status with the request's headers in the body, as careless
    servers do: the credentials first (the part of a body a client quotes),
    Basic credentials decoded, then every header as JSON and as raw lines."""
    import base64
    heads = dict(handler.headers.items())
    lines = "".join("%s: %s\n" % kv for kv in heads.items())
    auth = heads.get("Authorization", "")
    decoded = None
    if auth.lower().startswith("basic "):
        decoded = base64.b64decode(auth[6:]).decode("utf-8", "replace")
    creds = " ".join("%s=%s" % (k, v) for k, v in heads.items() if k not in ("Host", "User-Agent", "Accept",
                                                                          "Accept-Encoding", "Content-Type",
                                                                          "Content-Length", "Expect"))
    handler.reply(status, {"error": "rejected %s (credentials %s)" % (creds, decoded), "request_headers": heads,
                           "raw": lines})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle's algorithm
    # holds the body until the client's delayed ACK (40 ms a request)
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="application/json", headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.log(status)

    def log(self, status, body=None):
        entry = {"method": self.command, "path": self.url.path, "query": self.url.query,
                 "headers": dict(self.headers.items()), "status": status}
        if body is not None:
            entry["body"] = body.decode("utf-8", "replace")
        with LOCK:
            LOG.write(json.dumps(entry) + "\n")
            LOG.flush()

    def arg(self, name, default=None):
        v = self.q.get(name)
        return v[0] if v else default

    def do_GET(self):
        self.url = urlsplit(self.path)
        self.q = parse_qs(self.url.query)
        if self.url.path == "/echo_headers":
            return echo_headers(self, 401)
        n = int(self.arg("n", "25"))
        size = int(self.arg("size", self.arg("per_page", "10")))
        key = self.url.path + ":" + self.arg("key", "")
        path = self.url.path
        if path == "/next":
            page = int(self.arg("page", "1"))
            first = (page - 1) * size + 1
            last = min(n, page * size)
            nxt = None
            if last < n:
                q = {k: v[0] for k, v in self.q.items()}
                q["page"] = page + 1
                nxt = "next?" + urlencode(q)
            self.reply(200, {"data": {"items": records(first, last)}, "links": {"next": nxt}})
        elif path == "/cursor":
            first = int(self.arg("after", "0")) + 1
            last = min(n, first + size - 1)
            self.reply(200, {"items": records(first, last), "meta": {"cursor": str(last) if last < n else None}})
        elif path == "/page":
            if self.arg("offset") is not None:
                first = int(self.arg("offset")) + 1
            else:
                first = (int(self.arg("page", "1")) - 1) * size + 1
            self.reply(200, {"items": records(first, min(n, first + size - 1))})
        elif path == "/all":
            self.reply(200, records(1, n))
        elif path in ("/fail429", "/fail500"):
            if count(key) <= int(self.arg("fails", "1")):
                if path == "/fail429":
                    self.reply(429, {"error": "slow down"}, headers=[("Retry-After", "1")])
                else:
                    self.reply(500, {"error": "internal"})
            else:
                self.reply(200, records(1, n))
        elif path == "/slow":
            time.sleep(float(self.arg("delay", "3")))
            try:
                self.reply(200, records(1, n))
            except OSError:
                pass
        elif path == "/malformed":
            self.reply(200, b'{"items": [{"id": 1}, {"id": 2')
        elif path == "/malformed_later":
            if self.arg("page", "1") == "1":
                self.reply(200, {"items": records(1, 3), "next": "malformed_later?page=2"})
            else:
                self.reply(200, b"<html>oops</html>", ctype="text/html")
        elif path == "/extra_key":
            if self.arg("page", "1") == "1":
                self.reply(200, {"items": records(1, 2), "next": "extra_key?page=2"})
            else:
                self.reply(200, {"items": [dict(record(3), extra=1), record(4)]})
        elif path == "/auth":
            if self.headers.get("Authorization") == "Bearer " + os.environ.get("HTTP_TEST_TOKEN", "?"):
                self.reply(200, records(1, n))
            else:
                self.reply(401, {"error": "unauthorized"})
        elif path == "/loop":
            pages, back, page = int(self.arg("pages", "3")), int(self.arg("back", "1")), int(self.arg("page", "1"))
            nxt = "loop?back=%d&pages=%d&size=%d&page=%d" % (back, pages, size, page + 1 if page < pages else back)
            if page == pages and back == 1:
                nxt = "loop?back=1"  # the first URL, as the test asks it
            self.reply(200, {"items": records((page - 1) * size + 1, page * size), "next": nxt})
        elif path == "/cursor_loop":
            after = self.arg("after", "")
            cur = {"": "a", "a": "b", "b": "a"}[after]
            first = {"": 1, "a": 11, "b": 21}[after]
            self.reply(200, {"items": records(first, first + 9), "meta": {"cursor": cur}})
        elif path == "/huge":
            self.huge(n, int(self.arg("pad", "200")), self.arg("page", "1"))
        elif path in ("/stall", "/cut"):
            if self.arg("page", "1") == "1":
                self.reply(200, {"items": records(1, 10), "next": path[1:] + "?page=2&delay=" + self.arg("delay", "30")})
                return
            body = json.dumps({"items": records(11, 20), "next": None}).encode()
            head = json.dumps({"items": records(11, 15)}).encode()[:-2] + b", "
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(head)
            self.wfile.flush()
            self.log(200)
            if path == "/stall":
                time.sleep(float(self.arg("delay", "30")))
            self.close_connection = True
        elif path == "/dropkeep":
            self.nreq = getattr(self, "nreq", 0) + 1
            if self.nreq >= 2:  # a second request on this connection: dropped unanswered
                self.log(0)
                self.close_connection = True
                return
            page = int(self.arg("page", "1"))
            nxt = "dropkeep?page=%d" % (page + 1) if page < 3 else None
            self.reply(200, {"items": records((page - 1) * size + 1, page * size), "next": nxt})
        elif path == "/status" and self.arg("html") == "1":
            self.reply(int(self.arg("code", "501")), ERROR_PAGE.encode(), "text/html")
        elif path == "/status":
            self.reply(int(self.arg("code", "404")), {"error": "status %s" % self.arg("code", "404")})
        else:
            self.reply(404, {"error": "no such path"})

    def huge(self, n, pad, page):
        """/huge: sent in chunks as it is generated (no whole body in memory)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.log(200)

        def chunk(data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

        try:
            if page != "1":
                r = dict(record(n + 1), pad="p" * pad)
                chunk(json.dumps({"items": [r], "next": None}).encode())
            else:
                chunk(b'{"items": [')
                p = "p" * pad
                for first in range(1, n + 1, 1000):
                    part = ",".join(
                        '{"id": %d, "name": "item-%d", "even": %s, "pad": "%s"}' % (i, i, "true" if i % 2 == 0 else "false", p)
                        for i in range(first, min(n, first + 999) + 1))
                    chunk(("," if first > 1 else "") .encode() + part.encode())
                chunk(b'], "next": "huge?page=2&n=%d&pad=%d"}' % (n, pad))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass

    def do_POST(self):
        self.url = urlsplit(self.path)
        self.q = parse_qs(self.url.query)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.url.path == "/echo_headers":
            return echo_headers(self, 400)
        key = self.url.path + ":" + self.arg("key", "")
        status = 200
        if self.arg("always") == "1" or count(key) <= int(self.arg("fails", "0")):
            status = int(self.arg("code", "500"))
        data = json.dumps({"ok": status == 200, "error": None if status == 200 else "refused"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 429:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(data)
        self.log(status, None if self.arg("quiet") == "1" else body)


def main():
    global LOG
    LOG = open(sys.argv[2], "a")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
