# http_source.sh: the http source against a local test server
# (http_server.py): the three kinds of pagination (next link, cursor, page
# numbers and offsets) give the server's records in order; 429 with
# Retry-After and 500 are retried; a timeout, a 404, a malformed body and a
# server that is down fail at open (exit 2, one line naming the URL); a
# malformed page later fails the run (exit 1, naming the page); a key that
# the first page did not have is a record error; ${ENV} in a
# header reaches the server and never shows in nebtop's output.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/http_lib.sh"
# the token the server wants in /auth (it gets it from its environment)
TOKEN=tok-$RANDOM$RANDOM-secret
export HTTP_TEST_TOKEN=$TOKEN
http_start

# --- pagination -------------------------------------------------------------
http_expect 25 "$T/expect25.json"
http_run_source 'next?n=25&size=10' records_path=data.items pagination=next_link next_path=links.next
expect_rc 0 "next_link"
same_file "$T/expect25.json" "$T/out.json" "next_link"
check_records "$(metrics_file)" 25 25 0 0
same_text "page=2 page=3" "$(http_requests '" ".join(r["query"].split("&")[-1] for r in log if r["path"] == "/next" and "page=" in r["query"])')" \
	"next_link: the pages asked"
note "ok: next_link"

http_run_source 'cursor?n=25&size=10' records_path=items pagination=cursor cursor_param=after cursor_path=meta.cursor
expect_rc 0 "cursor"
same_file "$T/expect25.json" "$T/out.json" "cursor"
same_text "['', 'after=10', 'after=20']" "$(http_requests '[r["query"].split("&")[-1] if "after" in r["query"] else "" for r in log if r["path"] == "/cursor"]')" \
	"cursor: the cursors sent"
note "ok: cursor"

http_clear_log
http_run_source 'page?n=25' records_path=items pagination=page page_size_param=per_page page_size=10
expect_rc 0 "page"
same_file "$T/expect25.json" "$T/out.json" "page"
same_text "['n=25&page=1&per_page=10', 'n=25&page=2&per_page=10', 'n=25&page=3&per_page=10', 'n=25&page=4&per_page=10']" \
	"$(http_requests '[r["query"] for r in log if r["path"] == "/page"]')" "page: the pages asked (the 4th is empty)"
http_clear_log
http_run_source 'page?n=25' records_path=items pagination=page offset_param=offset page_size_param=per_page page_size=7
expect_rc 0 "offset"
same_file "$T/expect25.json" "$T/out.json" "offset"
same_text "0 7 14 21 25" "$(http_requests '" ".join(r["query"].split("offset=")[1].split("&")[0] for r in log if r["path"] == "/page")')" \
	"offset: the offsets asked"
http_clear_log
http_run_source 'page?n=25' records_path=items pagination=page page_size_param=per_page page_size=10 max_pages=2
# a third page waits: the input was not read to its end (exit 1), what was read is left in .part
expect_rc 1 "max_pages"
stderr_has "page 2: max_pages (2) reached and the page has a next one: the input was not read to its end" "max_pages = 2"
http_expect 20 "$T/expect20.json"
same_file "$T/expect20.json" "$T/out.json.part" "max_pages = 2"
same_text 2 "$(http_requests 'len(log)')" "max_pages = 2: requests"
http_clear_log
http_run_source 'page?n=20' records_path=items pagination=page page_size_param=per_page page_size=10 max_pages=3
expect_rc 0 "max_pages not reached: the third page is empty"
same_file "$T/expect20.json" "$T/out.json" "max_pages = 3"
note "ok: page, offset, max_pages"

# a key the first page did not have: a record error
http_run_source 'extra_key' records_path=items pagination=next_link next_path=next
expect_rc 3 "a new key on page 2"
check_records "$(metrics_file)" 4 3 0 1
same_text "record 3, stage source: key 'extra' is not a field of the input (fields come from the first records)" \
	"$(report_errors)" "a new key on page 2: the record error"
note "ok: a new key is a record error"

# --- faults -----------------------------------------------------------------
http_expect 5 "$T/expect5.json"
http_clear_log
http_run_source 'fail429?n=5&key=a'
expect_rc 0 "429 then success"
same_file "$T/expect5.json" "$T/out.json" "429 then success"
same_text "429 200" "$(http_requests '" ".join(str(r["status"]) for r in log)')" "429 then success: statuses"
note "ok: 429 with Retry-After"

http_clear_log
http_run_source 'fail500?n=5&fails=2&key=b'
expect_rc 0 "500 then success"
same_file "$T/expect5.json" "$T/out.json" "500 then success"
same_text "500 500 200" "$(http_requests '" ".join(str(r["status"]) for r in log)')" "500 then success: statuses"
note "ok: 500 then success"

http_clear_log
http_run_source 'fail500?n=5&fails=99&key=c' max_retries=2
expect_rc 2 "500 for good at open"
same_text 3 "$(http_requests 'len(log)')" "500 for good: one try and 2 retries"
stderr_has "key 'url': GET $BASE/fail500?n=...&fails=...&key=...: HTTP 500 (after 2 retries): {\"error\": \"internal\"}" \
	"500 for good at open"
note "ok: 500 for good"

http_run_source 'slow?delay=3' timeout=300ms max_retries=1
expect_rc 2 "timeout"
stderr_has "GET $BASE/slow?delay=...: Operation timed out after" "timeout"
stderr_has "(after 1 retry)" "timeout: retried once"
same_text 1 "$(wc -l <"$T/stderr")" "timeout: one line on stderr"
note "ok: timeout"

http_clear_log
http_run_source 'status?code=404'
expect_rc 2 "404 at open"
stderr_has "GET $BASE/status?code=...: HTTP 404: {\"error\": \"status 404\"}" "404 at open"
same_text 1 "$(http_requests 'len(log)')" "404: not retried"
note "ok: 404"

# an HTML error page: its text without the tags, cut after a whole word
http_run_source 'status?code=501&html=1'
expect_rc 2 "501 with an HTML page"
"$PYTHON3" - "$T/stderr" <<'EOF' || soft_fail "501 with an HTML page: the message (see above)"
import re, sys
msg = open(sys.argv[1]).read().strip()
m = re.search(r": HTTP 501(?: \(after [0-9]+ retr(?:y|ies)\))?: (.*)$", msg)
if not m:
    sys.exit("no 'HTTP 501: TEXT' in %r" % msg)
ex = m.group(1)
full = ("Error response Error response Error code: 501 Message: Unsupported method ('GET'). Error code "
        "explanation: 501 - Server does not support this operation, and the rest of this sentence goes on for "
        "long enough that a message must cut it somewhere after two hundred characters.")
bad = []
if "<" in ex or ">" in ex:
    bad.append("tags in the excerpt: %r" % ex)
if not ex.endswith("..."):
    bad.append("a cut excerpt without '...': %r" % ex)
elif not (full.startswith(ex[:-3]) and full[len(ex) - 3] == " "):
    bad.append("not the page's text cut after a whole word: %r" % ex)
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
note "ok: an HTML error page"

http_run_source 'malformed' records_path=items
expect_rc 2 "malformed body at open"
stderr_has "GET $BASE/malformed: the response is not JSON: " "malformed body at open"
same_text 1 "$(wc -l <"$T/stderr")" "malformed body at open: one line on stderr"

http_run_source 'malformed_later' records_path=items pagination=next_link next_path=next
expect_rc 1 "malformed body on page 2"
stderr_has "page 2: GET $BASE/malformed_later?page=...: the response is not JSON: " "malformed body on page 2"
check_records "$(metrics_file)" "" "" "" ""
note "ok: malformed bodies"

# the server down: a port nothing listens on (the test server's, once stopped)
"$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$T/free_port"
FREE=http://127.0.0.1:$(cat "$T/free_port")
cat >"$T/down.ini" <<EOF2
[source]
type = http
url = $FREE/items
max_retries = 1
retry_backoff = 10ms
[destination]
file_path = $T/down.json
EOF2
nebtop "$T/down.ini"
expect_rc 2 "server down"
stderr_has "down.ini:3: [source] key 'url': GET $FREE/items: Failed to connect to 127.0.0.1 port" "server down"
same_text 1 "$(wc -l <"$T/stderr")" "server down: one line on stderr"
note "ok: server down"

# --- headers ----------------------------------------------------------------
http_clear_log
http_run_source 'auth?n=5' 'header.Authorization = Bearer ${HTTP_TEST_TOKEN}' 'header.X-Trace = abc'
expect_rc 0 "\${ENV} header"
same_file "$T/expect5.json" "$T/out.json" "\${ENV} header"
same_text "Bearer $TOKEN abc" "$(http_requests 'log[0]["headers"].get("Authorization", "") + " " + log[0]["headers"].get("X-Trace", "")')" \
	"\${ENV} header: what the server got"
grep -rqF "$TOKEN" "$T/stdout" "$T/stderr" "$T/prof" "$T/out.json" && soft_fail "the token shows in nebtop's output"
unset HTTP_TEST_TOKEN
http_run_source 'auth?n=5' 'header.Authorization = Bearer ${NEBTOP_NO_SUCH_VAR}'
expect_rc 2 "unset variable"
stderr_has "p.ini:7: [source] key 'header.Authorization': environment variable 'NEBTOP_NO_SUCH_VAR' is not set" "unset variable"
http_run_source 'auth?n=5' 'header.Authorization = Bearer wrong' max_retries=0
expect_rc 2 "401"
stderr_has "HTTP 401" "401"
grep -qF "Bearer wrong" "$T/stderr" && soft_fail "a header value shows in a message"
http_run_source 'next?n=3' insecure=true records_path=data.items
expect_rc 0 "insecure"
stderr_has "p.ini:7: [source] key 'insecure': TLS certificates are not verified" "insecure warns"
note "ok: headers"
finish
