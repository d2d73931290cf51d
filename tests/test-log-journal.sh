#!/bin/sh
# SPDX-License-Identifier: MIT
# mviewd's journal logging end to end, through the real sd_journal_sendv():
# in a private mount namespace a fake journald (a datagram socket bound at
# /run/systemd/journal/socket, the path libsystemd always sends to: it has
# no override) receives what mviewd logs while its stderr is the stream
# $JOURNAL_STREAM names; the structured fields are checked, and stderr
# stays quiet. Needs root (a mount namespace), unshare, python3 and a
# mviewd linked with libsystemd; skipped otherwise.
set -u

b=${MVIEW_TOP_BUILDDIR:?MVIEW_TOP_BUILDDIR is not set}
if [ -z "${MVIEW_LOG_JOURNAL_INNER:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }
	command -v unshare >/dev/null || { echo "1..0 # SKIP no unshare"; exit 77; }
	command -v python3 >/dev/null || { echo "1..0 # SKIP no python3"; exit 77; }
	if ! grep -q "HAVE_LIBSYSTEMD 1" "$b/config.h" 2>/dev/null; then
		echo "1..0 # SKIP mviewd is built without libsystemd"
		exit 77
	fi
	if ! unshare --mount --propagation private true 2>/dev/null; then
		echo "1..0 # SKIP no mount namespaces here"
		exit 77
	fi
	MVIEW_LOG_JOURNAL_INNER=1
	export MVIEW_LOG_JOURNAL_INNER
	exec unshare --mount --propagation private /bin/sh "$0" "$@"
fi

ctl=$b/ctl/mviewctl
tmp=$(mktemp -d)
rpid=
cleanup() {
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else notok "$desc"; fi
}

# Only this namespace sees the fake: a tmpfs over /run hides the real one.
mount -t tmpfs tmpfs /run || { echo "1..0 # SKIP cannot mount a tmpfs on /run"; exit 77; }
mkdir -p /run/systemd/journal
mkfifo "$tmp/ready"

# The fake journald: each datagram (the native protocol: KEY=value lines,
# or KEY, a 64-bit little-endian length and the bytes; a big entry comes
# as a memfd) becomes one JSON object per line in $tmp/entries.
python3 -c '
import array, json, os, socket, sys

def parse(data):
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            size = int.from_bytes(data[nl + 1:nl + 9], "little")
            k, v = line, data[nl + 9:nl + 9 + size]
            i = nl + 9 + size + 1
        fields[k.decode()] = v.decode(errors="replace")
    return fields

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    s.bind("/run/systemd/journal/socket")
    said = "r"
finally:
    with open(sys.argv[2], "w") as r:     # the waiting shell goes on
        r.write("r" if "said" in globals() else "f")
with open(sys.argv[1], "w") as out:
    while True:
        fds = array.array("i")
        data, anc, _, _ = s.recvmsg(1 << 20, socket.CMSG_SPACE(4 * 4))
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(cdata[:len(cdata) - len(cdata) % 4])
        for fd in fds:
            data = os.pread(fd, 1 << 24, 0)
            os.close(fd)
        out.write(json.dumps(parse(data)) + "\n")
        out.flush()
' "$tmp/entries" "$tmp/ready" &
rpid=$!
if [ "$(head -c 1 "$tmp/ready")" = r ]; then ok "fake journal socket bound"; else notok "fake journal socket bound"; fi

# stderr is a file whose device and inode $JOURNAL_STREAM names, as under
# systemd; the daemon then logs to the journal.
: >"$tmp/stderr"
JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp/stderr")
export JOURNAL_STREAM
"$b/tests/with-mviewd" --mviewd "$b/daemon/mviewd" \
    --daemon-arg --log-level=debug -- /bin/sh -c '
ctl=$1; tmp=$2
"$ctl" create log/seg 4096 >/dev/null &&
"$ctl" --json stat log/seg >"$tmp/stat" &&
! "$ctl" create log/seg 4096 2>/dev/null &&
"$ctl" freeze log/seg >/dev/null &&
! "$ctl" set log/seg 0 1 2>/dev/null
' run "$ctl" "$tmp" 2>>"$tmp/stderr"
rc=$?
check "mviewd ran the commands and stopped cleanly (exit $rc)" [ "$rc" -eq 0 ]
kill "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null
rpid=

# judge EXPR: true for the entries e (a list of dicts) and the stat s.
judge() {
	python3 -c '
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
s = json.load(open(sys.argv[2]))
sys.exit(0 if eval(sys.argv[3]) else 1)' "$tmp/entries" "$tmp/stat" "$1" 2>/dev/null
}

check "entries arrived" judge 'len(e) >= 3'
check "every entry: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=mviewd" \
    judge 'all(x.get("MESSAGE") and x.get("PRIORITY", "").isdigit() and x.get("SYSLOG_IDENTIFIER") == "mviewd" for x in e)'
check "the ready message, at info (6), without session fields" \
    judge 'any("ready" in x["MESSAGE"] and x["PRIORITY"] == "6" and "SESSION" not in x for x in e)'
check "a refused create: debug (7) with SESSION, PEER_PID, PEER_UID" \
    judge 'any("refused" in x["MESSAGE"] and x["PRIORITY"] == "7" and x["SESSION"].isdigit() and int(x["PEER_PID"]) > 0 and x["PEER_UID"] == "0" for x in e if "SESSION" in x)'
check "a refused write to the frozen segment names it: SEGMENT_ID, SEGMENT_NAME" \
    judge 'any(x.get("SEGMENT_NAME") == "log/seg" and x.get("SEGMENT_ID") == str(s["id"]) and "refused" in x["MESSAGE"] for x in e)'
check "sessions are told apart: several SESSION values" \
    judge 'len({x["SESSION"] for x in e if "SESSION" in x}) >= 2'
if grep -q "refused" "$tmp/stderr"; then
	notok "stderr stays quiet while the journal takes the messages"
	sed 's/^/#   stderr: /' "$tmp/stderr"
else
	ok "stderr stays quiet while the journal takes the messages"
fi
[ "$failed" -eq 0 ] || sed 's/^/#   entry: /' "$tmp/entries"
echo "1..$n"
[ "$failed" -eq 0 ]
