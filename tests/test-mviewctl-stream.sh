#!/bin/sh
# SPDX-License-Identifier: MIT
# mviewctl stream end to end against a private mviewd: create, stat, ls, rm,
# tail with a producer (examples/mview-stream), streams in ls, stat and
# status, holds and drops in stat, stream roles and frames held in
# sessions, human and --json output, exit codes; and the torn-frame example
# (a 60 fps 1080p producer, a consumer holding each frame 20 ms): 0 torn.
set -u

b=${MVIEW_TOP_BUILDDIR:?MVIEW_TOP_BUILDDIR is not set}
if [ -z "${MVIEW_CTL_STREAM_INNER:-}" ]; then
	MVIEW_CTL_STREAM_INNER=1
	export MVIEW_CTL_STREAM_INNER
	exec "$b/tests/with-mviewd" --mviewd "$b/daemon/mviewd" -- /bin/sh "$0" "$@"
fi

. "$(dirname "$0")/ctl-harness.sh"

echo "# mviewctl stream against mviewd $MVIEWD_PID on $MVIEW_SOCKET"
ex=$b/examples/mview-stream

# --- usage -------------------------------------------------------------
run 0 "stream --help" stream --help
contains "stream --help shows tail" "stream tail NAME"
run 0 "--help lists stream" --help
contains "--help lists stream" "stream"
run 2 "stream without a subcommand" stream
run 2 "stream with an unknown subcommand" stream frob
run 2 "stream create without a layout" stream create ctl/x
run 2 "stream create with a bad shape" stream create ctl/x --shape 3,x
run 2 "stream create: strides without shape" stream create ctl/x --strides 1

# --- create, ls, stat, status -----------------------------------------
run 0 "stream create" stream create ctl/cam --shape 4,6,3 --slots 3 --mode 0644
contains "create says what it made" "3 slots"
run 0 "stream create --json" --json stream create ctl/audio --format h --shape 256,2
json "create --json: the layout" \
    "j['name'] == 'ctl/audio' and j['layout'] == {'format': 'h', 'shape': [256, 2], 'strides': [4, 2], 'offset': 0} and j['slots'] == 4 and j['capacity'] >= 1024"
run 1 "stream create an existing name" --json stream create ctl/cam --shape 4
json "EEXIST in --json" "j['error']['code'] == 'EEXIST'"
run 1 "stream create with one slot" stream create ctl/one --shape 4 --slots 1
run 0 "ls" ls
contains "ls shows the stream" "ctl/cam"
run 0 "ls --json" --json ls
json "ls --json: streams" \
    "sorted(s['name'] for s in j['streams']) == ['ctl/audio', 'ctl/cam'] and j['segments'] == []"
run 0 "stream ls --json with a prefix" --json stream ls ctl/c
json "stream ls filters" "[s['name'] for s in j] == ['ctl/cam']"
run 0 "stat falls back to the stream" stat ctl/cam
contains "stat shows the stream's layout" "B (4, 6, 3)"
run 0 "stream stat --json" --json stream stat ctl/cam
json "stream stat --json" \
    "j['mode'] == '0644' and j['slots'] == 3 and not j['has_producer'] and j['head'] == 0 and j['consumers'] == 0"
run 1 "stream stat a missing name" stream stat ctl/missing
run 0 "status --json" --json status
json "status counts the streams" "j['streams'] == 2 and j['limits']['max_streams'] > 0"
run 0 "status" status
contains "status shows streams" "streams:"

# --- tail with a producer ---------------------------------------------
mkfifo "$tmp/ready"
"$ex" --name ctl/live --width 8 --height 4 --fps 200 --seconds 60 \
    --ready-fd 3 produce 3>"$tmp/ready" >/dev/null &
watcher=$!
if [ "$(head -c 1 "$tmp/ready")" = r ]; then pass "producer ready"; else flunk "producer ready"; fi
run 0 "stream tail --json -n 5" --json stream tail ctl/live -n 5 --preview 4 --wait 30
if printf '%s\n' "$out" | "$py" -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin.read().splitlines()]
seqs = [l["seq"] for l in lines]
ok = len(lines) == 5 and seqs == sorted(set(seqs)) and seqs[0] >= 1
ok = ok and lines[0]["rate_hz"] is None and all(l["rate_hz"] > 0 for l in lines[1:])
ok = ok and all(l["timestamp_ns"] > 0 for l in lines)
# row 0 of frame seq holds (seq + 0) % 256 in every byte
ok = ok and all(l["preview"][0][0] == [l["seq"] % 256] * 3 for l in lines)
sys.exit(0 if ok else 1)' 2>>"$tmp/err"; then
	pass "tail --json: 5 frames in order, rate, preview of the frame's bytes"
else
	flunk "tail --json: 5 frames in order, rate, preview of the frame's bytes"
fi
run 0 "stream tail (text)" stream tail ctl/live --count 2 --lossless
contains "tail text shows drops" "dropped"
run 0 "stream stat of a live stream" --json stream stat ctl/live
json "the producer is there" "j['has_producer'] and j['head'] > 0"
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
watcher=
run 1 "tail --wait on a silent stream" stream tail ctl/cam --wait 1
run 1 "tail a missing stream" stream tail ctl/missing

# --- who produces, who consumes, frames held ---------------------------
# A Python client (the build's module) produces 3 frames on ctl/held and
# consumes them at two positions: a latest one holding the newest frame
# (2 dropped), a lossless one holding frames 1 and 2.
if [ -n "${MVIEW_PYTHON:-}" ]; then
	mkfifo "$tmp/held"
	"$MVIEW_TOP_SRCDIR/tests/run-python.sh" -c '
import os, signal, sys, mview
c = mview.connect(os.environ["MVIEW_SOCKET"])
p = c.create_stream("ctl/held", format="B", shape=(16,), slots=6)
a = c.open_stream("ctl/held")
b = c.open_stream("ctl/held", "lossless")
for i in range(3):
    with p.loan() as f:
        memoryview(f)[:] = bytes([i]) * 16
fa = a.next(timeout=5)
fb1 = b.next(timeout=5)
fb2 = b.next(timeout=5, after=mview.frame_info(fb1).seq)
with open(sys.argv[1], "w") as w:
    w.write("r")
signal.pause()
' "$tmp/held" >/dev/null 2>"$tmp/held.err" &
	watcher=$!
	if [ "$(head -c 1 "$tmp/held")" = r ]; then pass "holder ready"; else flunk "holder ready"; cat "$tmp/held.err"; fi
	run 0 "stream stat: holds and drops" --json stream stat ctl/held
	json "stat counts the holds, drops, frames" \
	    "j['holds'] == 3 and j['dropped'] == 2 and j['published'] == 3 and j['consumers'] == 2 and j['has_producer']"
	run 0 "stream stat (text)" stream stat ctl/held
	contains "stat shows holds" "3 frames held by consumers"
	contains "stat shows drops" "2 frames skipped"
	run 0 "sessions --json" --json sessions
	json "sessions: the holder's roles" "[
	    (s['stream_roles'], s['frames_held'],
	     sorted((r['role'], r.get('policy'), r.get('holds')) for r in s['streams']))
	    for s in j if s['streams']] == [
	    (3, 3, [('consumer', 'latest', 1), ('consumer', 'lossless', 2), ('producer', None, None)])]"
	json "sessions: stream names and positions" \
	    "sorted(r.get('position', -1) for s in j for r in s['streams'] if r['name'] == 'ctl/held') == [-1, 0, 1]"
	run 0 "sessions (text)" sessions
	contains "sessions lists the stream roles" "lossless"
	contains "sessions has a frames column" "FRAMES"
	run 0 "status --json with the holder" --json status
	json "status counts ctl/held and who uses the streams" \
	    "j['streams'] == 3 and j['stream_use'] == {'listed': 3, 'producers': 1, 'consumers': 2, 'frames_held': 3}"
	run 0 "status with the holder" status
	contains "status shows stream use" "1 producer, 2 consumers holding 3 frames"
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	watcher=
	run 0 "stream stat after the holder left" --json stream stat ctl/held
	json "its holds went with it" "j['holds'] == 0 and j['consumers'] == 0 and not j['has_producer'] and j['dropped'] == 2"
	run 0 "stream rm ctl/held" stream rm ctl/held
else
	echo "# no Python module configured: sessions and holds not checked here"
fi

# --- rm -----------------------------------------------------------------
run 0 "stream rm" stream rm ctl/cam
run 1 "stream rm again" stream rm ctl/cam
run 0 "stream rm --json" --json stream rm ctl/audio
json "rm --json" "j['done'] and j['name'] == 'ctl/audio'"

# --- the torn-frame scenario with a stream ----------------------------
out=$("$ex" --name ctl/torn --seconds 1 torn 2>"$tmp/err")
rc=$?
if [ "$rc" -eq 0 ]; then pass "torn example: 1080p 60 fps, 20 ms consumer"; else flunk "torn example (exit $rc)"; fi
contains "torn example: 0 torn" " 0 torn,"

run 0 "status at the end" --json status
json "nothing left" "j['streams'] == 0"

finish
