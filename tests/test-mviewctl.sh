#!/bin/sh
# SPDX-License-Identifier: MIT
# mviewctl end to end against a private mviewd: every command, human and
# --json output (parsed with Python's json module), and the exit codes
# (0 ok, 1 refused, 2 usage, 3 unreachable).
set -u

b=${MVIEW_TOP_BUILDDIR:?MVIEW_TOP_BUILDDIR is not set}
if [ -z "${MVIEW_CTL_TEST_INNER:-}" ]; then
	MVIEW_CTL_TEST_INNER=1
	export MVIEW_CTL_TEST_INNER
	exec "$b/tests/with-mviewd" --mviewd "$b/daemon/mviewd" -- /bin/sh "$0" "$@"
fi

. "$(dirname "$0")/ctl-harness.sh"

echo "# mviewctl against mviewd $MVIEWD_PID on $MVIEW_SOCKET"

# --- usage and help ----------------------------------------------------
run 0 "--help" --help
contains "--help lists commands" "publish"
run 0 "create --help" create --help
contains "create --help shows --mode" "--mode"
run 2 "no command is a usage error"
run 2 "unknown command" frobnicate
run 2 "stat without a name" stat
run 2 "create with a bad size" create ctl/bad 12Q
run 2 "unknown option" ls --bogus
run 3 "unreachable daemon" -S "$tmp/nowhere.sock" status
run 3 "unreachable daemon, --json" --json -S "$tmp/nowhere.sock" status
json "unreachable: error object" '"error" in j and j["error"]["message"]'
run 3 "unreachable daemon, --json after the command" -S "$tmp/nowhere.sock" status --json
json "unreachable: ENOENT" 'j["error"]["code"] == "ENOENT"'
run 2 "usage error, --json" --json stat
json "usage error is JSON" \
    "j['error']['what'] == 'usage' and j['error']['code'] == 'EINVAL' and j['error']['command'] == 'stat'"
run 2 "unknown command, --json after it" frobnicate --json
json "unknown command is JSON" "'frobnicate' in j['error']['message'] and j['error']['command'] is None"
run 2 "no command, --json" --json
json "no command is JSON" "j['error']['what'] == 'usage'"
run 2 "bad option, -j" create ctl/x 4096 --bogus -j
json "bad option is JSON" "'--bogus' in j['error']['message']"

# A stream socket is not mviewd's kind: the C library's text and name.
pyexe=$(command -v "$py")
cat >"$tmp/stream-ctl" <<EOF
#!$pyexe
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("$tmp/stream.sock")
s.listen(1)
os.set_inheritable(s.fileno(), True)
os.execv("$ctl", ["$ctl"] + sys.argv[1:])
EOF
chmod +x "$tmp/stream-ctl"
realctl=$ctl
ctl=$tmp/stream-ctl
rm -f "$tmp/stream.sock"
run 3 "a stream socket" -S "$tmp/stream.sock" status
case $(cat "$tmp/err") in
*"Protocol wrong type for socket"*) pass "a stream socket: the C library's text" ;;
*) flunk "a stream socket: no 'Protocol wrong type for socket'" ;;
esac
rm -f "$tmp/stream.sock"
run 3 "a stream socket, --json" --json -S "$tmp/stream.sock" status
json "a stream socket: EPROTOTYPE" \
    "j['error']['code'] == 'EPROTOTYPE' and j['error']['errno'] == 91 and 'Protocol wrong type' in j['error']['message']"
rm -f "$tmp/stream.sock"
ctl=$realctl

# --- status ------------------------------------------------------------
run 0 "status" status
contains "status shows the pid" "$MVIEWD_PID"
run 0 "status --json" --json status
json "status: pid" "j['pid'] == $MVIEWD_PID"
run 0 "status --json after the command" status --json
json "status after: pid and uptime_ns" "j['pid'] == $MVIEWD_PID and j['uptime_ns'] > 0"
json "status: empty" "j['segments'] == 0 and j['views'] == 0"
json "status: limits" "j['limits']['max_ndim'] == 64 and j['limits']['max_packet'] > 0"
json "status: the fd budget and held pool" \
    "j['uid_fds'] >= 1 and j['limits']['max_fds_per_uid'] >= 64 and j['uid_held_bytes'] == 0 and j['deleted_held_segments'] == 0"

# --- create, ls, stat --------------------------------------------------
run 0 "create ctl/a 64K" create ctl/a 64K --mode 0644
run 0 "create ctl/b --json" --json create ctl/b 4096
json "create --json names it" "j['name'] == 'ctl/b' and j['id'] > 0"
run 1 "create an existing name" create ctl/a 4096
run 1 "create an existing name, --json" --json create ctl/a 4096
json "EEXIST in --json" "j['error']['code'] == 'EEXIST' and j['error']['errno'] == 17"
run 1 "create a bad name" create "has space" 4096
out=$(cat "$tmp/err")
contains "a bad name says what a name is" "printable ASCII without spaces"
run 1 "stat a bad name, --json" --json stat "/abs"
json "a bad name's reason in --json" "'printable ASCII' in j['error']['message']"
run 1 "create a bad mode" create ctl/badmode 4096 --mode 1777
run 0 "ls" ls
contains "ls shows ctl/a" "ctl/a"
contains "ls shows ctl/b" "ctl/b"
run 0 "ls --json" --json ls
json "ls --json lists both" \
    "sorted(s['name'] for s in j['segments'] if s['name']) == ['ctl/a', 'ctl/b']"
run 0 "ls with a prefix" --json ls ctl/b
json "ls prefix filters" "[s['name'] for s in j['segments']] == ['ctl/b']"
run 0 "stat" stat ctl/a
contains "stat shows the size" "65536"
run 0 "stat --json" --json stat ctl/a
json "stat: size, mode, lifetime" \
    "j['size'] == 65536 and j['mode'] == '0644' and j['lifetime'] == 'persistent' and not j['frozen']"
json "stat: its owner pays" "j['charged_to'] == 'owner' and j['nheld_charged'] == 0"
run 1 "stat a missing name" stat ctl/missing
run 1 "stat a missing name, --json" --json stat ctl/missing
json "ENOENT in --json" "j['error']['code'] == 'ENOENT'"

# --- publish, views, dump, set -----------------------------------------
run 0 "publish h[4,2]" publish ctl/a/h ctl/a --format h --shape 4,2
run 1 "publish an existing name" publish ctl/a/h ctl/a --format h --shape 4,2
run 1 "publish out of bounds" publish ctl/a/oob ctl/a --format d --shape 2 --offset 65530
run 1 "publish a negative shape" publish ctl/a/neg ctl/a --format B --shape -1
run 1 "publish on a missing segment" publish ctl/x/v ctl/missing --format B --shape 1
run 0 "views" views
contains "views shows ctl/a/h" "ctl/a/h"
run 0 "views --json" --json views
json "views: the descriptor" \
    "[(v['name'], v['format'], v['shape'], v['strides'], v['offset']) for v in j['views']] == [('ctl/a/h', 'h', [4, 2], [4, 2], 0)]"
run 0 "set [1,1] = -5" set ctl/a/h 1,1 -5
run 0 "set --json" --json set ctl/a/h 3,0 300
json "set --json echoes" "j['done'] == 'set' and j['index'] == [3, 0] and j['value'] == 300"
run 1 "set out of range index" set ctl/a/h 4,0 1
run 1 "set out of range value" set ctl/a/h 0,0 70000
run 0 "dump" dump ctl/a/h
contains "dump is tolist()" "[[0, 0], [0, -5], [0, 0], [300, 0]]"
run 0 "dump --json" --json dump ctl/a/h
json "dump --json values" "j['values'] == [[0, 0], [0, -5], [0, 0], [300, 0]] and j['shape'] == [4, 2]"
run 0 "dump the segment's bytes, sliced" --json dump ctl/a --slice 6:8
json "bytes of -5 as int16" "j['values'] == [251, 255]"
run 0 "dump --limit" dump ctl/a --limit 3
contains "dump --limit truncates" "..."
run 0 "publish derived: row 1" publish ctl/a/row --from ctl/a/h --slice 1
run 0 "dump the derived view" --json dump ctl/a/row
json "derived view reads [0, -5]" "j['values'] == [0, -5]"
run 0 "publish derived: cast to bytes" publish ctl/a/bytes --from ctl/a/h --cast B
run 0 "set through the byte view" set ctl/a/bytes 14 1
run 0 "dump after the byte write" --json dump ctl/a/h
json "a byte write shows in the int16 view" "j['values'][3] == [300, 1]"
run 0 "unpublish" unpublish ctl/a/row
run 0 "publish doubles" publish ctl/a/d ctl/a --format d --shape 4 --offset 64
run 0 "set nan" set ctl/a/d 0 nan
run 0 "set inf" set ctl/a/d 1 inf
run 0 "set -inf" set ctl/a/d 2 -inf
run 0 "set 0.1" set ctl/a/d 3 0.1
run 0 "dump doubles" dump ctl/a/d
contains "dump doubles as repr" "[nan, inf, -inf, 0.1]"
run 0 "dump doubles --json" dump ctl/a/d --json
json "strict JSON: NaN and the infinities are strings" \
    "j['values'] == ['NaN', 'Infinity', '-Infinity', 0.1]"
run 0 "dump one NaN --json" --json dump ctl/a/d --slice 0
json "one NaN is a string" "j['value'] == 'NaN'"
run 0 "publish bytes as c" publish ctl/a/c ctl/a --format c --shape 2 --offset 96
run 0 "set a quote" set ctl/a/c 0 "'"
run 0 "set a newline" set ctl/a/c 1 '\x0a'
run 0 "dump c" dump ctl/a/c
contains "a quote as CPython writes it" "[b\"'\", b'\\n']"
run 0 "dump c --json" --json dump ctl/a/c
json "c values as JSON strings" "j['values'] == [\"'\", '\\n']"
case $out in
*'"\n"'*) pass "a newline is backslash-n in JSON" ;;
*) flunk "a newline is not backslash-n in JSON" ;;
esac
run 0 "unpublish doubles" unpublish ctl/a/d
run 0 "unpublish c" unpublish ctl/a/c
run 1 "unpublish again" unpublish ctl/a/row
run 0 "publish a NumPy typestr" --json publish ctl/a/f4 ctl/a --format '<f4' --shape 4
json "'<f4' is stored as the struct format 'f'" "j['format'] == 'f' and j['itemsize'] == 4"
run 0 "publish complex64" --json publish ctl/a/c8 ctl/a --format Zf --shape 2
json "'Zf' has itemsize 8" "j['format'] == 'Zf' and j['itemsize'] == 8"
run 1 "publish a typestr of no struct format" publish ctl/a/f3 ctl/a --format '<f3' --shape 1
run 0 "unpublish the typestr views" unpublish ctl/a/f4
run 0 "unpublish the complex view" unpublish ctl/a/c8

# --- freeze --------------------------------------------------------------
run 0 "freeze" freeze ctl/b
run 0 "stat a frozen segment" --json stat ctl/b
json "frozen" "j['frozen'] is True"
run 0 "publish on a frozen segment" publish ctl/b/v ctl/b --format B --shape 16
run 1 "set on a frozen segment" set ctl/b/v 0 1

# --- watch ---------------------------------------------------------------
# Wait for the watcher to be in place without sleeping: make events until
# it reports one. Events arrive in order, so the last probe seen means
# every earlier event was seen too.
probe() {
	i=0
	while [ $i -lt 500 ]; do
		i=$((i + 1))
		"$ctl" create "ctl/w/$1$i" 4096 >/dev/null 2>&1
		"$ctl" rm "ctl/w/$1$i" >/dev/null 2>&1
		grep -q "ctl/w/$1" "$tmp/watch" && return 0
	done
	return 1
}
"$ctl" --json watch ctl/w/ >"$tmp/watch" 2>"$tmp/watch.err" &
watcher=$!
if probe probe-start; then pass "watch is running"; else flunk "watch never reported"; fi
run 0 "create ctl/w/x" create ctl/w/x 4096
run 0 "publish ctl/w/x/v" publish ctl/w/x/v ctl/w/x --format B --shape 8
run 0 "unpublish ctl/w/x/v" unpublish ctl/w/x/v
run 0 "rm ctl/w/x" rm ctl/w/x
run 0 "create ctl/other (not watched)" create ctl/other 4096
if probe probe-end; then pass "watch caught up"; else flunk "watch did not catch up"; fi
kill -TERM "$watcher"
wait "$watcher"
rc=$?
watcher=
if [ $rc -eq 0 ]; then pass "watch exits 0 on SIGTERM"; else flunk "watch exit $rc"; fi
out=$(grep -v probe "$tmp/watch")
json_lines() {
	if printf '%s\n' "$out" | "$py" -c '
import json, sys
events = [json.loads(l) for l in sys.stdin if l.strip()]
got = [(e["type"], e["name"]) for e in events]
assert all(isinstance(e["time_ns"], int) and e["time_ns"] > 10**18 for e in events)
want = [("segment-created", "ctl/w/x"), ("view-published", "ctl/w/x/v"),
        ("view-unpublished", "ctl/w/x/v"), ("segment-deleted", "ctl/w/x")]
sys.exit(0 if got == want else 1)' 2>>"$tmp/err"; then
		pass "$1"
	else
		flunk "$1"
	fi
}
json_lines "watch --json: created, published, unpublished, deleted; nothing else; time_ns"

# --- rm ------------------------------------------------------------------
run 0 "rm ctl/a" rm ctl/a
run 1 "stat after rm" stat ctl/a
run 0 "views after rm" --json views ctl/a
json "rm took the views with it" "j['views'] == []"
run 1 "rm again" rm ctl/a
run 0 "rm --json" --json rm ctl/b
json "rm --json" "j['done'] and j['name'] == 'ctl/b'"
run 0 "rm ctl/other" rm ctl/other
run 0 "status at the end" --json status
json "nothing left" "j['segments'] == 0 and j['views'] == 0"

finish
