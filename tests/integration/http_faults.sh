# http_faults.sh: the http source against servers that misbehave
# (http_server.py): a next link back to page 1 or to itself, and a cursor
# that comes back, end the run (exit 1) naming the page and the link or
# cursor, after the records read; one page far larger than nebtop's memory
# goal is read as it arrives (every record, RSS far below the page's size,
# its next link after its records followed); a body that stalls or is cut
# midway fails the run (exit 1) with the records before the fault written,
# not read twice; libcurl's own re-sends on a kept-alive connection the
# server closed count as retries.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/http_lib.sh"
http_start

# written N: the records written (out.json, or out.json.part of a failed run) are the server's 1..N
written() {
	local f=$T/out.json
	[ -f "$f" ] || f=$T/out.json.part
	http_expect "$1" "$T/expect.json"
	same_file "$T/expect.json" "$f" "$2: the records written"
}

# --- endless pagination -------------------------------------------------------
# max_pages = 50: without the loop check the run would read 50 pages
http_run_source 'loop?back=1' records_path=items pagination=next_link next_path=next max_pages=50
expect_rc 1 "a next link back to page 1"
stderr_has "error: page 3: the next link at next_path 'next' ($BASE/loop?back=...) points back to a page already read: the pages loop, the input has no end" \
	"a next link back to page 1"
written 30 "a next link back to page 1"
check_records "$(metrics_file)" 30 30 0 0
note "ok: a next link back to page 1"

http_run_source 'loop?back=3' records_path=items pagination=next_link next_path=next max_pages=50
expect_rc 1 "a next link to itself"
stderr_has "error: page 3: the next link at next_path 'next' ($BASE/loop?back=...&pages=...&size=...&page=...) points back to a page already read" \
	"a next link to itself"
written 30 "a next link to itself"
note "ok: a next link to itself"

http_run_source 'cursor_loop' records_path=items pagination=cursor cursor_param=after cursor_path=meta.cursor max_pages=50
expect_rc 1 "a cursor that comes back"
stderr_has "error: page 3: the cursor 'a' at cursor_path 'meta.cursor' was already sent: the pages loop, the input has no end" \
	"a cursor that comes back"
written 30 "a cursor that comes back"
note "ok: a cursor that comes back"

# --- one huge page ------------------------------------------------------------
# ~100 MB in one page (a sanitizer build: ~10 MB, and its own memory is not judged)
sanitized=0
grep -aq -e __asan_init -e __tsan_init "$NEBTOP" && sanitized=1
n=350000
[ $sanitized = 1 ] && n=35000
page_bytes=$("$PYTHON3" -c "import sys,urllib.request; print(sum(len(c) for c in iter(lambda r=urllib.request.urlopen(sys.argv[1]): r.read(1<<20), b'')))" \
	"$BASE/huge?n=$n&pad=230")
http_run_source "huge?n=$n&pad=230" records_path=items pagination=next_link next_path=next
expect_rc 0 "one huge page"
"$PYTHON3" - "$T/out.json" "$((n + 1))" <<'PY' || fail "one huge page: the records written (see above)"
import json, sys
want = int(sys.argv[2])
got = 0
for line in open(sys.argv[1]):
    got += 1
    r = json.loads(line)
    if r["id"] != got or r["name"] != "item-%d" % got or len(r["pad"]) != 230:
        sys.exit("record %d: %r" % (got, line[:200]))
if got != want:
    sys.exit("%d records written, expected %d" % (got, want))
PY
check_records "$(metrics_file)" $((n + 1)) $((n + 1)) 0 0
if [ $sanitized = 0 ]; then
	peak=$(metric "$(metrics_file)" 'm["runtime"]["rss_peak_bytes"]')
	# the whole page in memory (before: 4 times its size) is far above this
	[ "$peak" -lt $((page_bytes / 2)) ] ||
		fail "one huge page of $page_bytes bytes: peak RSS $peak bytes, not under half the page"
	note "ok: one huge page ($page_bytes bytes, peak RSS $peak bytes)"
else
	note "ok: one huge page ($page_bytes bytes; RSS not judged in a sanitizer build)"
fi

# --- a body that stalls or is cut midway ----------------------------------------
http_run_source 'stall?page=1&delay=30' records_path=items pagination=next_link next_path=next timeout=1s
expect_rc 1 "a body that stalls"
stderr_has "error: page 2: GET $BASE/stall?page=...&delay=...: Operation timed out after" "a body that stalls"
stderr_has "bytes into the body (not tried again: they were read)" "a body that stalls: not tried again"
written 15 "a body that stalls"
check_records "$(metrics_file)" 15 15 0 0
note "ok: a body that stalls"

http_run_source 'cut?page=1' records_path=items pagination=next_link next_path=next
expect_rc 1 "a body cut midway"
stderr_has "error: page 2: GET $BASE/cut?page=...&delay=...: transfer closed with" "a body cut midway"
written 15 "a body cut midway"
check_records "$(metrics_file)" 15 15 0 0
note "ok: a body cut midway"

# --- libcurl's re-sends -----------------------------------------------------------
# pages 2 and 3 each go out on a kept-alive connection the server then closes
# unanswered: libcurl sends them again on a new one
http_clear_log
http_run_source 'dropkeep?page=1' records_path=items pagination=next_link next_path=next
expect_rc 0 "re-sent requests"
written 30 "re-sent requests"
same_text "200 0 200 0 200" "$(http_requests '" ".join(str(r["status"]) for r in log)')" "re-sent requests: what the server saw"
same_text 2 "$(metric "$(metrics_file)" 'm["connectors"]["source"]["retries"]')" "re-sent requests: retries in the metrics"
note "ok: libcurl's re-sends are retries"
finish
