# sigint_stdin.sh: SIGINT while the CSV source waits on standard input that
# stays open: the rows nebtop has already read (the pipe is drained before
# the signal) are written, committed and counted (records.in = 3), exit 0.
. "$(dirname "$0")/lib.sh"

# The feeder writes the rows, waits until nebtop has read all of them (the
# pipe is empty), says so in $T/drained, then keeps the pipe open until
# nebtop closes it (at most 60 s).
FEEDER='
import array, fcntl, os, select, sys, termios, time
os.write(1, b"id,name\n1,one\n2,two\n3,three\n")
n = array.array("i", [0])
end = time.time() + 60
while time.time() < end:
    fcntl.ioctl(1, termios.FIONREAD, n)
    if n[0] == 0:
        break
    time.sleep(0.05)
open(sys.argv[1], "w").close()
p = select.poll()
p.register(1, select.POLLERR)
while time.time() < end and not p.poll(100):
    pass
'
"$PYTHON3" -c "$FEEDER" "$T/drained" |
	(cd "$T" && exec "$NEBTOP" -output "$T/prof" -duration 0 -source-config file_path=- \
		-dest-config "file_path=$T/out.json") >"$T/stdout" 2>"$T/stderr" &
PID=$!
watchdog "$PID"
for _ in $(seq 300); do
	[ -e "$T/drained" ] && break
	sleep 0.1
done
[ -e "$T/drained" ] || { kill -KILL "$PID"; fail "nebtop did not read its standard input within 30 s"; }
sleep 0.3
kill -INT "$PID"
RC=0
wait "$PID" || RC=$?
wait "$WATCHDOG"
[ "$RC" = 137 ] && fail "nebtop hung after SIGINT (killed after 120 s)"
expect_rc 0 "SIGINT while reading stdin"
[ -e "$T/out.json" ] || fail "out.json not committed"
check_records "$(metrics_file)" "" "" 0 0
same_text '{"id":"1","name":"one"}
{"id":"2","name":"two"}
{"id":"3","name":"three"}' "$(cat "$T/out.json")" "rows read before SIGINT: output"
same_text 3 "$(metric "$(metrics_file)" 'm["records"]["in"]')" "rows read before SIGINT: records.in"
finish
