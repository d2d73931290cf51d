#!/bin/sh
# SPDX-License-Identifier: MIT
# Run the article's memoryview examples across two processes: start mviewd on
# a private socket in a temporary directory, run the demo's producer and
# consumer as two separate processes, show what each one sees, and always
# stop the daemon again.
#
#   examples/run-demo.sh [BUILDDIR]
#
# BUILDDIR is the build tree (default: $MVIEW_TOP_BUILDDIR, else the source
# tree this script sits in). Exit status 0 when both processes read what
# memoryview would have given them.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${MVIEW_TOP_BUILDDIR:-$here/..}}
build=$(cd "$build" && pwd)
mviewd=$build/daemon/mviewd
demo=$build/examples/mview-demo
launcher=$build/tests/with-mviewd

# Inside the launcher: mviewd is up, $MVIEW_SOCKET points at it.
if [ -n "${MVIEW_DEMO_INNER:-}" ] && [ -n "${MVIEW_SOCKET:-}" ]; then
	echo "mviewd (pid $MVIEWD_PID) is listening on $MVIEW_SOCKET"
	"$demo" producer &
	producer=$!
	# Never leave the producer behind, whatever happens to us.
	trap 'kill "$producer" 2>/dev/null || :' EXIT INT TERM
	status=0
	"$demo" consumer || status=1
	wait "$producer" || status=1
	trap - EXIT INT TERM
	echo
	if [ "$status" -eq 0 ]; then
		echo "Both processes saw each other's writes, as memoryview would."
	else
		echo "The demo failed: see the messages above." >&2
	fi
	exit "$status"
fi

for f in "$mviewd" "$demo" "$launcher"; do
	if [ ! -x "$f" ]; then
		echo "run-demo.sh: $f is missing: build first (make in $build)" >&2
		exit 1
	fi
done
# The launcher makes the temporary directory, waits for mviewd's READY=1,
# runs this script again inside, then stops mviewd (SIGTERM, SIGKILL on a
# timeout) and removes the directory, even when the demo fails or is
# interrupted.
MVIEW_DEMO_INNER=1
export MVIEW_DEMO_INNER
exec "$launcher" --mviewd "$mviewd" --daemon-arg --log-level=warning \
    -- /bin/sh "$here/run-demo.sh" "$build"
