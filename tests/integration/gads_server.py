#!/usr/bin/env python3
"""gads_server.py: a local server for the google_ads tests that follows the
Google Ads API REST interface (googleAds:searchStream) and Google OAuth's
token endpoint (grant_type=refresh_token), and enforces them.

Usage: gads_server.py PORT_FILE LOG CLIENT_ID CLIENT_SECRET REFRESH_TOKEN
DEV_TOKEN STATIC_TOKEN

- POST /token: form grant_type=refresh_token with the right client_id,
  client_secret and refresh_token gives a fresh access token (expires_in
  3600); anything else is 400 invalid_grant / invalid_client.
- POST /vNN/customers/DIGITS/googleAds:searchStream: needs developer-token
  (DEV_TOKEN), Authorization: Bearer (a token this server gave, or
  STATIC_TOKEN), Content-Type application/json and a body {"query": ...};
  a missing query is 400 INVALID_ARGUMENT. The query picks the answer:
  - "FROM campaign": 7 campaigns in 3 chunks, sent with chunked transfer
    encoding, piece by piece, with pauses;
  - "FROM quota_campaign": the first call is 429 RESOURCE_EXHAUSTED with
    quotaErrorDetails.retryDelay "1s", the next ones as "FROM campaign";
  - "FROM bad_field": 400 INVALID_ARGUMENT with a queryError, its location
    and trigger; its message quotes the bearer token back (a server may);
  - "FROM broken_stream": the first chunk, then an error object inside the
    200 answer (as searchStream ends a stream that fails);
  - "FROM cut_stream": two chunks, then the connection drops;
  - "FROM empty": an empty array.
Each request is logged as a JSON line (path, status, headers seen)."""
import json
import re
import secrets
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT_FILE, LOG, CLIENT_ID, CLIENT_SECRET, REFRESH, DEV, STATIC = sys.argv[1:8]
TOKENS = {STATIC}
QUOTA_SEEN = set()


def log(entry):
    with open(LOG, "a") as f:
        f.write(json.dumps(entry) + "\n")


def failure(code, status, message, error_code, extra=None):
    err = {"errorCode": error_code, "message": message}
    if extra:
        err.update(extra)
    return {"error": {"code": code, "message": "Request contains an invalid argument." if code == 400 else message,
                      "status": status,
                      "details": [{"@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
                                   "errors": [err], "requestId": "rq-" + secrets.token_hex(4)}]}}


def campaign_rows():
    rows = []
    for i in range(1, 8):
        r = {"campaign": {"resourceName": "customers/1234567890/campaigns/%d" % i, "id": str(1000 + i),
                          "name": "Campaign %d" % i, "status": "ENABLED"},
             "metrics": {"clicks": str(i * 10), "ctr": i / 100.0}}
        if i == 3:
            del r["metrics"]["clicks"]  # a field missing from a row: null
        if i == 5:
            r["metrics"]["clicks"] = "9007199254740993"  # beyond a double's exact range
        rows.append(r)
    return rows


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send_json(self, code, obj, path):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        log({"path": path, "status": code})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        path = self.path
        if path == "/token":
            form = urllib.parse.parse_qs(raw.decode())
            one = {k: v[0] for k, v in form.items()}
            if one.get("grant_type") != "refresh_token":
                return self.send_json(400, {"error": "unsupported_grant_type"}, path)
            if one.get("client_id") != CLIENT_ID or one.get("client_secret") != CLIENT_SECRET:
                return self.send_json(401, {"error": "invalid_client", "error_description": "Unauthorized"}, path)
            if one.get("refresh_token") != REFRESH:
                return self.send_json(400, {"error": "invalid_grant", "error_description": "Bad Request"}, path)
            tok = "ya29." + secrets.token_urlsafe(24)
            TOKENS.add(tok)
            with open(LOG + ".tokens", "a") as f:  # for the test: they must never show
                f.write(tok + "\n")
            return self.send_json(200, {"access_token": tok, "expires_in": 3599, "token_type": "Bearer",
                                        "scope": "https://www.googleapis.com/auth/adwords"}, path)
        m = re.fullmatch(r"/v(\d+)/customers/(\d+)/googleAds:searchStream", path)
        if not m:
            return self.send_json(404, {"error": {"code": 404, "message": "not found: " + path,
                                                  "status": "NOT_FOUND"}}, path)
        auth = self.headers.get("Authorization", "")
        if self.headers.get("developer-token") != DEV:
            return self.send_json(401, failure(401, "UNAUTHENTICATED", "The developer token is not valid.",
                                               {"authenticationError": "DEVELOPER_TOKEN_INVALID"}), path)
        if not auth.startswith("Bearer ") or auth[7:] not in TOKENS:
            return self.send_json(401, failure(401, "UNAUTHENTICATED", "Request is missing required authentication "
                                               "credential.", {"authenticationError": "OAUTH_TOKEN_INVALID"}), path)
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self.send_json(400, failure(400, "INVALID_ARGUMENT", "Content-Type must be application/json",
                                               {"requestError": "INVALID_INPUT"}), path)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        login = self.headers.get("login-customer-id")
        if login is not None and not login.isdigit():
            return self.send_json(400, failure(400, "INVALID_ARGUMENT", "login-customer-id must be digits",
                                               {"requestError": "INVALID_CUSTOMER_ID"}), path)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
            return self.send_json(400, failure(400, "INVALID_ARGUMENT", "The query is missing.",
                                               {"requestError": "REQUIRED_FIELD_MISSING"}), path)
        q = body["query"]
        log({"path": path, "query": q, "login": login, "customer": m.group(2), "version": m.group(1)})
        if "FROM bad_field" in q:
            return self.send_json(400, failure(
                400, "INVALID_ARGUMENT",
                "Unrecognized field in the query: 'campaign.nme' (request by " + auth[7:] + ").",
                {"queryError": "UNRECOGNIZED_FIELD"},
                {"location": {"fieldPathElements": [{"fieldName": "query"}]},
                 "trigger": {"stringValue": "campaign.nme"}}), path)
        if "FROM quota_campaign" in q and path not in QUOTA_SEEN:
            QUOTA_SEEN.add(path)
            return self.send_json(429, failure(
                429, "RESOURCE_EXHAUSTED", "Too many requests. Retry in 1 seconds.",
                {"quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"},
                {"details": {"quotaErrorDetails": {"rateScope": "DEVELOPER", "rateName": "Number of operations "
                                                   "for basic access", "retryDelay": "1s"}}}), path)
        if "FROM empty" in q:
            return self.send_json(200, [], path)
        rows = campaign_rows()
        mask = "campaign.id,campaign.name,campaign.status,metrics.clicks,metrics.ctr"
        chunks = [{"results": rows[0:3], "fieldMask": mask, "requestId": "rq1"},
                  {"results": rows[3:6], "fieldMask": mask, "requestId": "rq1"},
                  {"results": rows[6:], "fieldMask": mask, "requestId": "rq1",
                   "queryResourceConsumption": "42"}]
        if "FROM broken_stream" in q:  # an error after the first chunk, inside the 200 answer
            chunks = chunks[:1] + [failure(500, "INTERNAL", "Internal error encountered.",
                                           {"internalError": "INTERNAL_ERROR"})]
        text = "[" + ",\r\n".join(json.dumps(c, indent=2) for c in chunks) + "]"
        cut = "FROM cut_stream" in q
        if cut:  # the connection drops after two chunks: the end never comes
            text = "[" + ",\r\n".join(json.dumps(c, indent=2) for c in chunks[:2]) + ","
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        data = text.encode()
        step = max(1, len(data) // 5)
        for i in range(0, len(data), step):
            piece = data[i:i + step]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.flush()
            time.sleep(0.05)
        if cut:
            self.close_connection = True
            log({"path": path, "status": 200, "cut": True})
            return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        log({"path": path, "status": 200, "chunks": len(chunks), "rows": len(rows)})


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
