#!/usr/bin/env python3
"""sf_server.py: a local server for the snowflake connector tests that speaks
the parts of Snowflake's SQL API v2 the connector uses, as the published API
describes them (snowflakedb/snowflake-rest-api-specs: specifications/sqlapi.yaml,
docs.snowflake.com/en/developer-guide/sql-api), and enforces them.

Usage: sf_server.py PORT_FILE LOG_FILE PUBLIC_KEY_PEM ACCOUNT USER JWTS_FILE [OAUTH_TOKEN]

Listens on 127.0.0.1 (a free port, written to PORT_FILE once listening) and
appends one JSON line per request to LOG_FILE: method, path, query, status,
kind (insert, select, poll, partition), table, rows, bytes, requestId,
retry, gzip, and what was wrong when a check failed.

Every /api/v2 request must carry User-Agent, Accept: application/json,
X-Snowflake-Authorization-Token-Type (KEYPAIR_JWT or OAUTH) and
Authorization: Bearer TOKEN; a POST also Content-Type: application/json
(else 415). A KEYPAIR_JWT token must be an RS256 JWT whose iss is
ACCOUNT.USER.SHA256:<base64 of the SHA-256 of PUBLIC_KEY_PEM's DER> and sub
ACCOUNT.USER (ACCOUNT and USER as given here, upper case), iat within a
minute of now, exp after now and at most an hour after iat, and whose
signature verifies with PUBLIC_KEY_PEM (`openssl dgst -sha256 -verify`);
each JWT seen is appended to JWTS_FILE. An OAUTH token must be OAUTH_TOKEN.
Otherwise 401, whose message quotes the Authorization header back (as a
careless server would).

POST /api/v2/statements?requestId=UUID[&retry=true]: the body a JSON object
with a string statement and only the documented fields. A requestId seen
before must come with retry=true (else 400), and then gets the answer the
statement had (it is not run again); retry=true with a new requestId runs it.
  INSERT INTO T (c1, ...) VALUES (?, ...), (?, ...) ...: the bindings must be
  numbered "1".."N" for the N placeholders, each {"type", "value"} with a
  known type, a string or null value that reads as its type (FIXED an
  integer, REAL a number, BOOLEAN true or false), and one type per column.
  The rows are kept, typed (GET /_test/table/T). T (its last dotted part)
  chooses the behaviour:
    strict*   a statement holding a col1 that is a multiple of 500: 422
    slow*     odd statements answer 202; their status URL answers 202 once, then 200
    flaky*    statement 1: 503, then 429, then 504 (each the same requestId,
              retry=true), then it runs
    lost*     statement 1 runs, and its answer comes 3 s late (the client's
              timeout is shorter: it sends again)
    down*     503, always
    broken*   500 (not to be retried)
    echo*     422 whose message quotes the Authorization header
    revoke*   statement 2: 401 once (a new JWT is made and sent)
    missing*  422: the table does not exist
    bench*    rows counted, not kept nor logged
  SELECT ... : a query whose text names what it returns: rows_N (N rows),
  parts_K (in K partitions; those after the first fetched with
  GET .../statements/HANDLE?partition=N, the odd ones gzip-encoded), slow_S
  (202, then S polls of 202), with_nan (row 3's SCORE is NaN), bad (422 SQL
  compilation error), broken (a partition after the first: 500). LIMIT 0
  answers no rows, with the table's columns.
GET /api/v2/statements/HANDLE[?partition=N]: the statement's status or result.
For the tests (no credentials): GET /_test/table/T (the rows T holds).
"""
import base64
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
STATE = {"tables": {}, "types": {}, "counts": {}, "requests": {}, "handles": {}, "jwts": set(), "fails": {}}
CONF = {}
LOG = None
CURRENT = threading.local()  # the request being handled: whether its JWT was new
BODY_KEYS = {"statement", "timeout", "database", "schema", "warehouse", "role", "bindings", "parameters",
             "resultSetMetaData"}
TYPES = {"FIXED", "REAL", "TEXT", "BOOLEAN", "DATE", "TIME", "TIMESTAMP_LTZ", "TIMESTAMP_NTZ", "TIMESTAMP_TZ",
         "BINARY"}
ROW_TYPE = [
    {"name": "ID", "type": "fixed", "length": 0, "precision": 38, "scale": 0, "nullable": False},
    {"name": "NAME", "type": "text", "length": 16777216, "precision": 0, "scale": 0, "nullable": True},
    {"name": "SCORE", "type": "real", "length": 0, "precision": 0, "scale": 0, "nullable": True},
    {"name": "PRICE", "type": "fixed", "length": 0, "precision": 10, "scale": 2, "nullable": True},
    {"name": "OK", "type": "boolean", "length": 0, "precision": 0, "scale": 0, "nullable": True},
    {"name": "BIG", "type": "fixed", "length": 0, "precision": 38, "scale": 0, "nullable": True},
    {"name": "NOTE", "type": "text", "length": 100, "precision": 0, "scale": 0, "nullable": True},
    {"name": "DAY", "type": "date", "length": 0, "precision": 0, "scale": 0, "nullable": True}]
# the columns a LIMIT 0 query shows for a table not written yet
DEFAULT_COLUMNS = ["COL%d" % i for i in range(1, 13)] + ["ID", "NAME", "SCORE", "PRICE", "OK", "BIG", "NOTE", "DAY"]


def count(key):
    with LOCK:
        STATE["counts"][key] = STATE["counts"].get(key, 0) + 1
        return STATE["counts"][key]


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def failure(code, sql_state, message, handle=None):
    return {"code": code, "sqlState": sql_state, "message": message,
            "statementHandle": handle or str(uuid.uuid4()), "createdOn": int(time.time() * 1000)}


def verify_signature(signed, sig):
    """RS256: RSASSA-PKCS1-v1_5 with SHA-256, checked by openssl."""
    with tempfile.TemporaryDirectory(dir=CONF["tmp"]) as d:
        with open(os.path.join(d, "data"), "wb") as f:
            f.write(signed)
        with open(os.path.join(d, "sig"), "wb") as f:
            f.write(sig)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", CONF["pubkey"], "-signature",
                            os.path.join(d, "sig"), os.path.join(d, "data")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return r.returncode == 0


def check_jwt(jwt):
    """The reason a key-pair JWT is refused, or None."""
    parts = jwt.split(".")
    if len(parts) != 3:
        return "JWT token is invalid: not three parts"
    try:
        head = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        sig = b64url_decode(parts[2])
    except Exception:
        return "JWT token is invalid: not base64url JSON"
    if head.get("alg") != "RS256" or head.get("typ") != "JWT":
        return "JWT token is invalid: header %r" % head
    who = "%s.%s" % (CONF["account"], CONF["user"])
    if claims.get("sub") != who:
        return "JWT token is invalid: sub %r, expected %r" % (claims.get("sub"), who)
    if claims.get("iss") != who + "." + CONF["fingerprint"]:
        return "JWT token is invalid: iss %r, expected %r" % (claims.get("iss"), who + "." + CONF["fingerprint"])
    iat, exp, now = claims.get("iat"), claims.get("exp"), time.time()
    if not isinstance(iat, int) or not isinstance(exp, int) or abs(iat - now) > 60 or not 0 < exp - iat <= 3600:
        return "JWT token is invalid: iat %r exp %r" % (iat, exp)
    if exp <= now:
        return "JWT token is expired"
    with LOCK:
        known = jwt in STATE["jwts"]
    if not known:
        CURRENT.new_jwt = True
        if not verify_signature((parts[0] + "." + parts[1]).encode(), sig):
            return "JWT token is invalid: the signature does not verify"
        with LOCK:
            STATE["jwts"].add(jwt)
            with open(CONF["jwts_file"], "a") as f:
                f.write(jwt + "\n")
    return None


def binding_value(b, k):
    """The typed value of binding k, or raises ValueError with the reason."""
    if not isinstance(b, dict) or set(b) != {"type", "value"}:
        raise ValueError("binding %s is not {type, value}: %r" % (k, b))
    t, v = b["type"], b["value"]
    if t not in TYPES:
        raise ValueError("binding %s: unknown type %r" % (k, t))
    if v is None:
        return t, None
    if not isinstance(v, str):
        raise ValueError("binding %s: the value must be a string (or null), not %r" % (k, v))
    if t == "FIXED":
        if not re.fullmatch(r"-?\d+", v):
            raise ValueError("binding %s: FIXED value %r is not an integer" % (k, v))
        return t, int(v)
    if t == "REAL":
        return t, float(v)
    if t == "BOOLEAN":
        if v.lower() not in ("true", "false"):
            raise ValueError("binding %s: BOOLEAN value %r" % (k, v))
        return t, v.lower() == "true"
    return t, v


def partitions(job):
    """The row ranges [first, last] of a query's partitions."""
    n, k = job["n"], job["parts"]
    size = max(1, -(-n // k)) if n else 1
    return [(1 + i * size, min(n, (i + 1) * size)) for i in range(k)]


def cells(job, first, last):
    rows = []
    for i in range(first, last + 1):
        score = "NaN" if job["nan"] and i == 3 else repr(i * 0.5)
        rows.append([str(i), 'row "%d" \u00e9' % i, score, "%d.%02d" % (i, i % 100),
                     "true" if i % 2 == 0 else "false", str(9007199254740993 + i),
                     None if i % 5 == 0 else "n-%d" % i, str(19723 + i)])
    return rows


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, body, extra=None, zipped=False):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if zipped:
            data = gzip.compress(data)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if not (extra or {}).get("quiet"):
            entry = {"method": self.command, "path": self.url.path, "query": self.url.query, "status": status,
                     "gzip": zipped, "token_type": self.headers.get("X-Snowflake-Authorization-Token-Type"),
                     "new_jwt": getattr(CURRENT, "new_jwt", False)}
            entry.update(extra or {})
            with LOCK:
                LOG.write(json.dumps(entry) + "\n")
                LOG.flush()

    def checked(self, post):
        """Whether the headers are as the API wants them (else answered)."""
        why, status = None, 400
        if not self.headers.get("User-Agent"):
            why = "User-Agent header is required"
        elif self.headers.get("Accept") != "application/json":
            why, status = "Accept must be application/json, not %r" % self.headers.get("Accept"), 406
        elif post and self.headers.get("Content-Type") != "application/json":
            why, status = "Unsupported media type %r" % self.headers.get("Content-Type"), 415
        if why:
            self.reply(status, failure("391903", "", why), {"bad": why})
            return False
        auth = self.headers.get("Authorization", "")
        kind = self.headers.get("X-Snowflake-Authorization-Token-Type")
        token = auth[7:] if auth.startswith("Bearer ") else None
        if token is None:
            why = "Authorization: Bearer is required"
        elif kind == "KEYPAIR_JWT":
            why = check_jwt(token)
        elif kind == "OAUTH":
            why = None if token == CONF.get("oauth") else "Invalid OAuth access token"
        else:
            why = "X-Snowflake-Authorization-Token-Type must be KEYPAIR_JWT or OAUTH, not %r" % kind
        if why:
            self.reply(401, failure("390144", "", "%s (credentials %s)" % (why, auth)), {"auth_error": why})
            return False
        return True

    def do_GET(self):
        CURRENT.new_jwt = False
        self.url = urlsplit(self.path)
        q = parse_qs(self.url.query)
        if self.url.path.startswith("/_test/table/"):
            with LOCK:
                rows = list(STATE["tables"].get(self.url.path[len("/_test/table/"):], []))
            return self.reply(200, rows, {"quiet": True})
        m = re.fullmatch(r"/api/v2/statements/([0-9a-f-]{36})", self.url.path)
        if not m:
            return self.reply(404, failure("000404", "", "no such endpoint"))
        if not self.checked(False):
            return
        with LOCK:
            st = STATE["handles"].get(m.group(1))
        if not st:
            return self.reply(404, failure("000709", "02000", "Statement %s not found" % m.group(1)))
        if st["polls"] > 0:
            st["polls"] -= 1
            return self.reply(202, st["status"], {"kind": "poll", "table": st.get("table")})
        if "partition" not in q:
            return self.reply(st["code"], st["answer"], {"kind": "poll", "table": st.get("table")})
        part = int(q["partition"][0])
        job = st.get("job")
        if not job or not 0 <= part < job["parts"]:
            return self.reply(422, failure("000620", "22023", "partition %d out of range" % part, m.group(1)),
                              {"kind": "partition"})
        if part > 0 and job["broken"]:
            return self.reply(500, failure("000603", "XX000", "SQL execution internal error: partition lost",
                                           m.group(1)), {"kind": "partition", "partition": part})
        first, last = partitions(job)[part]
        zipped = part % 2 == 1 and "gzip" in self.headers.get("Accept-Encoding", "")
        # a partition after the first holds its data only
        body = {"data": cells(job, first, last) if last >= first else []}
        self.reply(200, body, {"kind": "partition", "partition": part}, zipped)

    def do_POST(self):
        CURRENT.new_jwt = False
        self.url = urlsplit(self.path)
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        if self.url.path != "/api/v2/statements":
            return self.reply(404, failure("000404", "", "no such endpoint"))
        if not self.checked(True):
            return
        q = parse_qs(self.url.query, keep_blank_values=True)
        rid = q.get("requestId", [""])[0]
        retry = q.get("retry", ["false"])[0] == "true"
        info = {"rid": rid, "retry": retry, "bytes": len(raw)}
        if set(q) - {"requestId", "retry", "async", "nullable"}:
            return self.reply(400, failure("000400", "", "unknown query parameter"), dict(info, bad="query"))
        try:
            uuid.UUID(rid)
        except ValueError:
            return self.reply(400, failure("000400", "", "requestId must be a UUID"), dict(info, bad="requestId"))
        with LOCK:
            done = STATE["requests"].get(rid)
        if done and not retry:
            return self.reply(400, failure("000400", "", "requestId %s used again without retry=true" % rid),
                              dict(info, bad="reused", mismatch=True))
        if done:  # the same statement sent again: its answer, not a second run
            code, answer, extra = done
            return self.reply(code, answer, dict(info, kind=extra.get("kind"), table=extra.get("table"),
                                                  replayed=True, quiet=extra.get("quiet", False)))
        try:
            rq = json.loads(raw)
        except ValueError:
            rq = None
        if not isinstance(rq, dict) or not isinstance(rq.get("statement"), str):
            return self.reply(400, failure("000400", "", "the body must be a JSON object with a statement"),
                              dict(info, bad="body"))
        if set(rq) - BODY_KEYS:
            return self.reply(400, failure("000400", "", "unknown field %r" % sorted(set(rq) - BODY_KEYS)[0]),
                              dict(info, bad="field"))
        if "timeout" in rq and (not isinstance(rq["timeout"], int) or rq["timeout"] < 0):
            return self.reply(400, failure("000400", "", "timeout must be an integer >= 0"), dict(info, bad="timeout"))
        info["context"] = {k: rq[k] for k in ("database", "schema", "warehouse", "role", "timeout") if k in rq}
        text = rq["statement"]
        if re.match(r"\s*INSERT\s", text, re.I):
            return self.insert(rid, retry, text, rq.get("bindings"), info)
        if re.match(r"\s*SELECT\s", text, re.I):
            return self.select(rid, text, info)
        return self.reply(422, failure("001003", "42000", "SQL compilation error: unexpected statement"), info)

    def finish_statement(self, rid, code, answer, info, polls=0):
        """Answers a statement that ran: at once, or 202 first (polls more 202s)."""
        handle = answer.get("statementHandle") or str(uuid.uuid4())
        answer["statementHandle"] = handle
        status = {"code": "333334", "sqlState": "", "createdOn": int(time.time() * 1000),
                  "message": "Asynchronous execution in progress. Use provided query id to perform query "
                             "monitoring and management.", "statementHandle": handle,
                  "statementStatusUrl": "/api/v2/statements/%s?requestId=%s" % (handle, rid)}
        answer["statementStatusUrl"] = status["statementStatusUrl"]
        with LOCK:
            STATE["handles"][handle] = {"polls": max(0, polls - 1), "status": status, "code": code,
                                        "answer": answer, "table": info.get("table"), "job": info.pop("job", None)}
        if polls > 0:
            with LOCK:
                STATE["requests"][rid] = (202, status, info)
            return self.reply(202, status, info)
        with LOCK:
            STATE["requests"][rid] = (code, answer, info)
        self.reply(code, answer, info)

    def insert(self, rid, retry, text, bindings, info):
        m = re.fullmatch(r"\s*INSERT\s+INTO\s+(\S+)\s*\(([^)]*)\)\s*VALUES\s*(.*)", text, re.I | re.S)
        if not m:
            return self.reply(422, failure("001003", "42000", "SQL compilation error: syntax error"), info)
        table = m.group(1).split(".")[-1].strip('"').lower()
        cols = [c.strip().strip('"').upper() for c in m.group(2).split(",")]
        groups = re.findall(r"\(([^)]*)\)", m.group(3))
        if re.sub(r"\(([^)]*)\)", "", m.group(3)).replace(",", "").strip():
            return self.reply(422, failure("001003", "42000", "SQL compilation error: VALUES syntax"), info)
        rows_ph = [[p.strip() for p in g.split(",")] for g in groups]
        quiet = table.startswith("bench")
        info.update(kind="insert", table=table, n=len(rows_ph), quiet=quiet)
        n_st = count("insert:" + table)
        bad = None
        if any(ph != ["?"] * len(cols) for ph in rows_ph):
            bad = "each row must hold one ? per column (%d)" % len(cols)
        elif len(rows_ph) > 16384:
            bad = "more than 16,384 rows in one VALUES clause"
        nph = len(rows_ph) * len(cols)
        if not bad and (not isinstance(bindings, dict) or set(bindings) != {str(k) for k in range(1, nph + 1)}):
            bad = "the bindings must be numbered 1..%d for the %d placeholders, not %d of them" % (
                nph, nph, len(bindings) if isinstance(bindings, dict) else -1)
        rows = []
        if not bad:
            coltypes = {}
            try:
                for r in range(len(rows_ph)):
                    row = {}
                    for c, col in enumerate(cols):
                        k = str(r * len(cols) + c + 1)
                        t, v = binding_value(bindings[k], k)
                        if coltypes.setdefault(col, t) != t:
                            raise ValueError("binding %s: type %s for column %s, bound as %s before" %
                                             (k, t, col, coltypes[col]))
                        row[col] = v
                    rows.append(row)
                with LOCK:
                    types = STATE["types"].setdefault(table, {})
                    for col, t in coltypes.items():
                        if types.setdefault(col, t) != t:
                            raise ValueError("type %s for column %s, which is %s" % (t, col, types[col]))
            except ValueError as err:
                bad = str(err)
        if bad:
            return self.reply(400, failure("002099", "", "bad bindings: " + bad), dict(info, bad=bad, quiet=False))
        # failures injected before the statement runs
        plan = [(503, "Service Unavailable"), (429, "Too many requests"), (504, "Gateway Timeout")]
        if table.startswith("flaky") and n_st <= len(plan) + 1:
            with LOCK:
                first = STATE["fails"].setdefault(table, rid)
            if first != rid or (n_st > 1) != retry:
                return self.reply(400, failure("000400", "", "a retry must send the same requestId with "
                                               "retry=true (and only a retry)"), dict(info, mismatch=True))
            if n_st <= len(plan):
                code, words = plan[n_st - 1]
                return self.reply(code, {"code": "000%d" % code, "message": words}, info)
        if table.startswith("down"):
            return self.reply(503, {"code": "000503", "message": "Service Unavailable"}, info)
        if table.startswith("broken"):
            return self.reply(500, {"code": "000500", "message": "Internal error: the warehouse went away"}, info)
        if table.startswith("missing"):
            return self.reply(422, failure("002003", "42S02", "SQL compilation error:\nTable '%s' does not exist "
                                           "or not authorized." % m.group(1).upper()), info)
        if table.startswith("echo"):
            return self.reply(422, failure("100038", "22018", "Numeric value refused (credentials %s)" %
                                           self.headers.get("Authorization")), info)
        if table.startswith("revoke") and n_st == 2:
            return self.reply(401, failure("390144", "", "JWT token is invalid (credentials %s)" %
                                           self.headers.get("Authorization")), info)
        if table.startswith("strict"):
            refused = [r["COL1"] for r in rows if str(r.get("COL1", "")).isdigit() and int(r["COL1"]) % 500 == 0]
            if refused:
                answer = failure("100038", "22018", "Numeric value '%s' is not recognized (the test server refuses "
                                 "multiples of 500)" % refused[0])
                with LOCK:
                    STATE["requests"][rid] = (422, answer, info)
                return self.reply(422, answer, dict(info, refused=len(rows)))
        with LOCK:
            if quiet:
                STATE["counts"]["rows:" + table] = STATE["counts"].get("rows:" + table, 0) + len(rows)
            else:
                STATE["tables"].setdefault(table, []).extend(rows)
        answer = {"code": "090001", "sqlState": "00000", "message": "Statement executed successfully.",
                  "createdOn": int(time.time() * 1000),
                  "resultSetMetaData": {"format": "jsonv2", "numRows": 1, "partitionInfo": [{"rowCount": 1}],
                                        "rowType": [{"name": "number of rows inserted", "type": "fixed",
                                                     "length": 0, "precision": 19, "scale": 0,
                                                     "nullable": False}]},
                  "data": [[str(len(rows))]], "stats": {"numRowsInserted": len(rows)}}
        if table.startswith("lost") and n_st == 1:
            with LOCK:
                STATE["requests"][rid] = (200, answer, info)
            time.sleep(3)  # the answer the client gave up on
            try:
                return self.reply(200, answer, dict(info, late=True))
            except OSError:  # the client closed the connection: as expected
                return None
        polls = 2 if table.startswith("slow") and n_st % 2 == 1 else 0
        self.finish_statement(rid, 200, answer, info, polls)

    def select(self, rid, text, info):
        info.update(kind="select")
        if re.search(r"\bbad\b", text):
            return self.reply(422, failure("001003", "42000", "SQL compilation error:\nsyntax error line 1 at "
                                           "position 7 unexpected 'bad'."), info)
        limit0 = re.search(r"\bLIMIT\s+0\s*$", text, re.I)
        m = re.search(r"\bFROM\s+(\S+)", text, re.I)
        table = m.group(1).split(".")[-1].strip('"').lower() if m else ""
        info["table"] = table
        if limit0:
            if table.startswith("missing"):
                return self.reply(422, failure("002003", "42S02", "SQL compilation error:\nObject '%s' does not "
                                               "exist or not authorized." % m.group(1).upper()), info)
            with LOCK:
                known = list(STATE["types"].get(table, {}))
            cols = known or DEFAULT_COLUMNS
            row_type = [{"name": c, "type": "text", "length": 100, "precision": 0, "scale": 0, "nullable": True}
                        for c in cols]
            answer = {"code": "090001", "sqlState": "00000", "message": "Statement executed successfully.",
                      "createdOn": int(time.time() * 1000),
                      "resultSetMetaData": {"format": "jsonv2", "numRows": 0, "rowType": row_type,
                                            "partitionInfo": []}, "data": []}
            return self.finish_statement(rid, 200, answer, info)
        n = re.search(r"rows_(\d+)", text)
        k = re.search(r"parts_(\d+)", text)
        s = re.search(r"slow_(\d+)", text)
        job = {"n": int(n.group(1)) if n else 10, "parts": int(k.group(1)) if k else 1, "nan": "with_nan" in text,
               "broken": "broken" in text}
        parts = partitions(job)
        first, last = parts[0]
        answer = {"code": "090001", "sqlState": "00000", "message": "Statement executed successfully.",
                  "createdOn": int(time.time() * 1000),
                  "resultSetMetaData": {"format": "jsonv2", "numRows": job["n"], "rowType": ROW_TYPE,
                                        "partitionInfo": [{"rowCount": max(0, b - a + 1),
                                                           "uncompressedSize": 100 * max(0, b - a + 1)}
                                                          for a, b in parts]},
                  "data": cells(job, first, last) if last >= first else []}
        info.update(job=job, query=text)
        self.finish_statement(rid, 200, answer, info, int(s.group(1)) + 1 if s else 0)


def main():
    global LOG
    port_file, log_file, pubkey, account, user, jwts_file = sys.argv[1:7]
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", pubkey, "-outform", "DER"],
                         stdout=subprocess.PIPE, check=True).stdout
    fp = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    CONF.update(pubkey=pubkey, account=account, user=user, jwts_file=jwts_file, fingerprint=fp,
                tmp=os.path.dirname(os.path.abspath(log_file)))
    if len(sys.argv) > 7:
        CONF["oauth"] = sys.argv[7]
    LOG = open(log_file, "a")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
