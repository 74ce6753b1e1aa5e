#!/usr/bin/env python3
"""bq_server.py: a local server for the bigquery connector tests that speaks
the parts of Google's documented APIs the connector uses, and enforces them.

Usage: bq_server.py PORT_FILE LOG_FILE PUBLIC_KEY_PEM CLIENT_EMAIL TOKENS_FILE [STATIC_TOKEN]

Listens on 127.0.0.1 (a free port, written to PORT_FILE once listening) and
appends one JSON line per request to LOG_FILE: method, path, query, status,
and for insertAll the table, the rows' insertIds and the body's size.

OAuth 2.0 token endpoint (POST /token), as Google's for service accounts:
the form grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT;
the JWT's header must say RS256, its claims iss = CLIENT_EMAIL, scope = the
BigQuery scope, aud = this endpoint's URL, iat within 5 minutes of now and
exp = iat + 3600 at most; its signature must verify against PUBLIC_KEY_PEM
(checked with `openssl dgst -sha256 -verify`). Otherwise 400 invalid_grant.
Each token issued is appended to TOKENS_FILE (the tests look for it in
nebtop's output); it is valid for its expires_in (3599 s, or as
POST /_test/lifetime?s=N sets for the tokens issued next). STATIC_TOKEN,
when given, is valid too.

BigQuery v2 (every call needs "Authorization: Bearer <a valid token>", else
401 with the token quoted back in the error, as careless servers do):
  GET  /bigquery/v2/projects/P/datasets/D/tables/T   tables.get; 404 notFound for T = missing*
  POST .../tables/T/insertAll   tabledata.insertAll: the body must be
       {"skipInvalidRows": false, "ignoreUnknownValues": false, "rows":
       [{"insertId": "...", "json": {...}}, ...]} (no other keys), at most
       50,000 rows and 10 MiB, else 400 invalid. Rows are kept by insertId (a
       row sent twice is kept once). T chooses the behaviour:
         strict*  a row whose col1 ends in 7 is invalid; skipInvalidRows is
                  false, so then no row of the request is taken and the
                  others are answered "stopped" (HTTP 200 with insertErrors)
         flaky*   request 1: 503 backendError, 2: 429 rateLimitExceeded,
                  3: 403 rateLimitExceeded, then as usual; a request after
                  a failed one must carry the same insertIds, else 400
         quota*   403 quotaExceeded (not to be retried)
         down*    503 backendError, always
         gone*    404 notFound (the table was deleted)
         echo*    400 invalid whose message quotes the Authorization header
         revoke*  the 2nd request finds every token revoked (401): a new one
                  must be fetched
         bench*   rows counted, not kept nor logged one by one
  POST /bigquery/v2/projects/P/queries   jobs.query: the body must hold
       "useLegacySql": false (the API's default is true), a string "query",
       and integers maxResults and timeoutMs, else 400. The query names what
       it returns: rows_N (N rows), slow_K (jobComplete false for K polls),
       with_nan (row 3's FLOAT64 is NaN), bad (400 invalidQuery), broken
       (every page after the first: 500 backendError).
  GET  /bigquery/v2/projects/P/queries/JOB?pageToken=&maxResults=&location=
       getQueryResults: jobComplete false while the job is slow; pages of
       maxResults rows with a pageToken to the next, none on the last.
For the tests (no credentials): GET /_test/table/T: the rows T holds, as
{insertId: row}; POST /_test/lifetime?s=N (above).
"""
import base64
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SCOPE = "https://www.googleapis.com/auth/bigquery"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_BODY = 10 * 1024 * 1024
MAX_ROWS = 50000

LOCK = threading.Lock()
STATE = {"tokens": {}, "tables": {}, "counts": {}, "failed_ids": {}, "jobs": {}, "lifetime": 3599}
CONF = {}
LOG = None


def count(key):
    with LOCK:
        STATE["counts"][key] = STATE["counts"].get(key, 0) + 1
        return STATE["counts"][key]


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def api_error(code, reason, message, status):
    return {"error": {"code": code, "message": message,
                      "errors": [{"message": message, "domain": "global", "reason": reason}],
                      "status": status}}


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


def check_assertion(jwt, aud):
    """The reason a JWT assertion is refused, or None."""
    parts = jwt.split(".")
    if len(parts) != 3:
        return "Invalid JWT: not three parts"
    try:
        head = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        sig = b64url_decode(parts[2])
    except Exception:
        return "Invalid JWT: not base64url JSON"
    if head.get("alg") != "RS256" or head.get("typ") != "JWT":
        return "Invalid JWT: header %r" % head
    if claims.get("iss") != CONF["email"]:
        return "Invalid JWT: iss %r" % claims.get("iss")
    if claims.get("aud") != aud:
        return "Invalid JWT: aud %r, expected %r" % (claims.get("aud"), aud)
    if SCOPE not in str(claims.get("scope", "")).split(" "):
        return "Invalid JWT: scope %r" % claims.get("scope")
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int) or abs(iat - time.time()) > 300 or not 0 < exp - iat <= 3600:
        return "Invalid JWT: iat %r exp %r" % (iat, exp)
    if not verify_signature((parts[0] + "." + parts[1]).encode(), sig):
        return "Invalid JWT Signature."
    return None


def cell_rows(job, first, last):
    rows = []
    for i in range(first, last + 1):
        score = "NaN" if job["nan"] and i == 3 else repr(i * 0.5)
        rows.append({"f": [{"v": str(i)}, {"v": 'row "%d" \u00e9' % i}, {"v": score},
                           {"v": "true" if i % 2 == 0 else "false"}, {"v": str(9007199254740993 + i)},
                           {"v": None if i % 5 == 0 else "n-%d" % i},
                           {"v": [{"v": "a"}, {"v": "b%d" % i}]}, {"v": {"f": [{"v": "x%d" % i}]}}]})
    return rows


SCHEMA = {"fields": [
    {"name": "id", "type": "INTEGER", "mode": "NULLABLE"},
    {"name": "name", "type": "STRING", "mode": "NULLABLE"},
    {"name": "score", "type": "FLOAT", "mode": "NULLABLE"},
    {"name": "ok", "type": "BOOLEAN", "mode": "NULLABLE"},
    {"name": "big", "type": "INT64", "mode": "NULLABLE"},
    {"name": "note", "type": "STRING", "mode": "NULLABLE"},
    {"name": "tags", "type": "STRING", "mode": "REPEATED"},
    {"name": "rec", "type": "RECORD", "mode": "NULLABLE", "fields": [{"name": "x", "type": "STRING"}]}]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, body, extra=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if not (extra or {}).get("quiet"):
            entry = {"method": self.command, "path": self.url.path, "query": self.url.query, "status": status}
            entry.update(extra or {})
            with LOCK:
                LOG.write(json.dumps(entry) + "\n")
                LOG.flush()

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n)

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        with LOCK:
            ok = token is not None and (STATE["tokens"].get(token, 0) > time.time() or token == CONF.get("static"))
        if not ok:
            self.reply(401, api_error(401, "authError", "Request had invalid authentication credentials: %s" % auth,
                                      "UNAUTHENTICATED"))
        return ok

    def do_GET(self):
        self.url = urlsplit(self.path)
        q = parse_qs(self.url.query)
        if self.url.path.startswith("/_test/table/"):  # for the tests: the rows a table holds
            with LOCK:
                kept = dict(STATE["tables"].get(self.url.path[len("/_test/table/"):], {}))
            return self.reply(200, kept, {"quiet": True})
        if not self.authorized():
            return
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)", self.url.path)
        if m:
            p, d, t = m.groups()
            if t.startswith("missing"):
                return self.reply(404, api_error(404, "notFound", "Not found: Table %s:%s.%s" % (p, d, t), "NOT_FOUND"))
            return self.reply(200, {"kind": "bigquery#table", "id": "%s:%s.%s" % (p, d, t),
                                    "tableReference": {"projectId": p, "datasetId": d, "tableId": t}})
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/queries/([^/]+)", self.url.path)
        if m:
            return self.get_results(m.group(1), m.group(2), q)
        self.reply(404, api_error(404, "notFound", "no such method", "NOT_FOUND"))

    def get_results(self, project, job_id, q):
        with LOCK:
            job = STATE["jobs"].get(job_id)
        ref = {"projectId": project, "jobId": job_id, "location": "US"}
        if not job:
            return self.reply(404, api_error(404, "notFound", "Not found: Job %s" % job_id, "NOT_FOUND"))
        if q.get("location", ["US"])[0] != "US":
            return self.reply(404, api_error(404, "notFound", "Not found: Job %s in location %s" % (job_id, q["location"][0]), "NOT_FOUND"))
        if job["polls"] > 0:
            job["polls"] -= 1
            return self.reply(200, {"kind": "bigquery#getQueryResultsResponse", "jobReference": ref,
                                    "jobComplete": False}, {"poll": True})
        token = q.get("pageToken", [None])[0]
        first = 1
        if token is not None and job["broken"]:
            return self.reply(500, api_error(500, "backendError", "Backend error. Job aborted.", "INTERNAL"),
                              {"broken": True})
        if token is not None:
            if token not in job["tokens"]:
                return self.reply(400, api_error(400, "invalid", "Invalid page token %s" % token, "INVALID_ARGUMENT"))
            first = job["tokens"][token]
        size = int(q.get("maxResults", ["100000"])[0])
        self.reply(200, self.page(job, ref, first, size, "bigquery#getQueryResultsResponse"), {"page_first": first})

    def page(self, job, ref, first, size, kind):
        last = min(job["n"], first + size - 1)
        out = {"kind": kind, "jobReference": ref, "jobComplete": True, "schema": SCHEMA,
               "totalRows": str(job["n"]), "cacheHit": False}
        if last >= first:
            out["rows"] = cell_rows(job, first, last)
        if last < job["n"]:
            token = "BH" + secrets.token_urlsafe(12) + "=="
            job["tokens"][token] = last + 1
            out["pageToken"] = token
        return out

    def do_POST(self):
        self.url = urlsplit(self.path)
        body = self.body()
        if self.url.path == "/_test/lifetime":  # for the tests: the lifetime of the tokens issued next
            with LOCK:
                STATE["lifetime"] = int(parse_qs(self.url.query)["s"][0])
            return self.reply(200, {}, {"quiet": True})
        if self.url.path == "/token":
            return self.token(body)
        if not self.authorized():
            return
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)/insertAll", self.url.path)
        if m:
            return self.insert_all(m.group(3), body)
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/queries", self.url.path)
        if m:
            return self.query(m.group(1), body)
        self.reply(404, api_error(404, "notFound", "no such method", "NOT_FOUND"))

    def token(self, body):
        form = parse_qs(body.decode(), keep_blank_values=True)
        aud = "http://127.0.0.1:%d/token" % self.server.server_address[1]
        why = None
        if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            why = "Content-Type must be application/x-www-form-urlencoded"
        elif form.get("grant_type") != [GRANT]:
            why = "Invalid grant_type"
        elif len(form.get("assertion", [])) != 1:
            why = "No assertion"
        else:
            why = check_assertion(form["assertion"][0], aud)
        if why:
            return self.reply(400, {"error": "invalid_grant", "error_description": why}, {"grant": False, "why": why})
        tok = "ya29.fake-" + secrets.token_hex(20)
        with LOCK:
            lifetime = STATE["lifetime"]
            STATE["tokens"][tok] = time.time() + lifetime
            with open(CONF["tokens_file"], "a") as f:
                f.write(tok + "\n")
        self.reply(200, {"access_token": tok, "expires_in": lifetime, "token_type": "Bearer"}, {"grant": True})

    def insert_all(self, table, body):
        n_req = count("insert:" + table)
        bad = None
        try:
            rq = json.loads(body)
        except ValueError:
            rq = None
        if len(body) > MAX_BODY:
            bad = "Request payload size exceeds the limit: %d bytes." % MAX_BODY
        elif not isinstance(rq, dict):
            bad = "Invalid JSON payload received."
        elif set(rq) - {"skipInvalidRows", "ignoreUnknownValues", "rows", "kind", "templateSuffix", "traceId"}:
            bad = "Invalid JSON payload received. Unknown name %r" % sorted(set(rq) - {"rows"})[0]
        elif rq.get("skipInvalidRows") is not False or rq.get("ignoreUnknownValues") is not False:
            bad = "the tests send skipInvalidRows and ignoreUnknownValues false"
        elif not isinstance(rq.get("rows"), list) or not rq["rows"]:
            bad = "No rows present in the request."
        elif len(rq["rows"]) > MAX_ROWS:
            bad = "too many rows present in the request, limit: %d row count: %d." % (MAX_ROWS, len(rq["rows"]))
        else:
            for r in rq["rows"]:
                if (not isinstance(r, dict) or set(r) != {"insertId", "json"} or not isinstance(r["insertId"], str)
                        or not 0 < len(r["insertId"]) <= 128 or not isinstance(r["json"], dict)):
                    bad = "Invalid row %r" % (r,)
                    break
        if bad:
            return self.reply(400, api_error(400, "invalid", bad, "INVALID_ARGUMENT"), {"table": table, "bad": bad})
        ids = [r["insertId"] for r in rq["rows"]]
        info = {"table": table, "ids": ids, "bytes": len(body), "n": len(ids)}
        if table.startswith("bench"):
            info = {"quiet": True}
        # a request after a failed one must send the same rows again
        with LOCK:
            expect = STATE["failed_ids"].pop(table, None)
        if expect is not None and expect != ids:
            return self.reply(400, api_error(400, "invalid", "the retry's insertIds differ from the failed request's",
                                             "INVALID_ARGUMENT"), dict(info, mismatch=True))

        def fail(code, reason, message, status):
            with LOCK:
                STATE["failed_ids"][table] = ids
            self.reply(code, api_error(code, reason, message, status), info)

        if table.startswith("flaky") and n_req <= 3:
            return fail(*[(503, "backendError", "Backend error. Please try again.", "UNAVAILABLE"),
                          (429, "rateLimitExceeded", "Exceeded rate limits: too many requests", "RESOURCE_EXHAUSTED"),
                          (403, "rateLimitExceeded", "Exceeded rate limits: too many table update operations",
                           "PERMISSION_DENIED")][n_req - 1])
        if table.startswith("down"):
            return fail(503, "backendError", "Backend error. Please try again.", "UNAVAILABLE")
        if table.startswith("quota"):
            return self.reply(403, api_error(403, "quotaExceeded", "Quota exceeded: Your table exceeded quota for "
                                             "streaming inserts", "PERMISSION_DENIED"), info)
        if table.startswith("gone"):
            return self.reply(404, api_error(404, "notFound", "Not found: Table %s" % table, "NOT_FOUND"), info)
        if table.startswith("echo"):
            return self.reply(400, api_error(400, "invalid", "Bad request (credentials %s)" %
                                             self.headers.get("Authorization"), "INVALID_ARGUMENT"), info)
        if table.startswith("revoke") and n_req == 2:
            with LOCK:
                STATE["tokens"].clear()
                STATE["failed_ids"][table] = ids
            return self.reply(401, api_error(401, "authError", "Request had invalid authentication credentials: %s" %
                                             self.headers.get("Authorization"), "UNAUTHENTICATED"), info)
        errors = []
        if table.startswith("strict"):
            invalid = [i for i, r in enumerate(rq["rows"]) if str(r["json"].get("col1", "")).endswith("7")]
            if invalid:
                for i, r in enumerate(rq["rows"]):
                    if i in invalid:
                        errors.append({"index": i, "errors": [{"reason": "invalid", "location": "col1", "debugInfo": "",
                                                               "message": "Cannot take col1 = %s: test rejects values "
                                                                          "ending in 7" % r["json"]["col1"]}]})
                    else:
                        errors.append({"index": i, "errors": [{"reason": "stopped", "location": "", "debugInfo": "",
                                                               "message": ""}]})
        if not errors:
            with LOCK:
                kept = STATE["tables"].setdefault(table, {})
                for r in rq["rows"]:
                    kept.setdefault(r["insertId"], None if table.startswith("bench") else r["json"])
        out = {"kind": "bigquery#tableDataInsertAllResponse"}
        if errors:
            out["insertErrors"] = errors
            info = dict(info, insert_errors=len(errors))
        self.reply(200, out, info)

    def query(self, project, body):
        try:
            rq = json.loads(body)
        except ValueError:
            rq = None
        bad = None
        if not isinstance(rq, dict) or not isinstance(rq.get("query"), str):
            bad = "Required parameter is missing: query"
        elif rq.get("useLegacySql") is not False:
            bad = "this server runs GoogleSQL only: send useLegacySql false (the API's default is true)"
        elif not isinstance(rq.get("maxResults"), int) or not isinstance(rq.get("timeoutMs"), int):
            bad = "maxResults and timeoutMs: integers expected"
        if bad:
            return self.reply(400, api_error(400, "invalid", bad, "INVALID_ARGUMENT"), {"bad": bad})
        text = rq["query"]
        if re.search(r"\bbad\b", text):
            return self.reply(400, api_error(400, "invalidQuery", 'Syntax error: Unexpected identifier "bad" at [1:8]',
                                             "INVALID_ARGUMENT"), {"query": text})
        n = re.search(r"rows_(\d+)", text)
        k = re.search(r"slow_(\d+)", text)
        job = {"n": int(n.group(1)) if n else 10, "polls": int(k.group(1)) if k else 0, "nan": "with_nan" in text,
               "broken": "broken" in text, "tokens": {}}
        job_id = "job_" + secrets.token_hex(8)
        with LOCK:
            STATE["jobs"][job_id] = job
        ref = {"projectId": project, "jobId": job_id, "location": "US"}
        if job["polls"] > 0:
            return self.reply(200, {"kind": "bigquery#queryResponse", "jobReference": ref, "jobComplete": False},
                              {"query": text})
        self.reply(200, self.page(job, ref, 1, rq["maxResults"], "bigquery#queryResponse"),
                   {"query": text, "page_first": 1})


def main():
    global LOG
    port_file, log_file, pubkey, email, tokens_file = sys.argv[1:6]
    CONF.update(pubkey=pubkey, email=email, tokens_file=tokens_file, tmp=os.path.dirname(os.path.abspath(log_file)))
    if len(sys.argv) > 6:
        CONF["static"] = sys.argv[6]
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
