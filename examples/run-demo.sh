#!/bin/sh
# SPDX-License-Identifier: MIT
# Run the article's memoryview examples across two processes: start mviewd on
# a private socket in a temporary directory, run the demo's producer and
# consumer as two separate processes, show what each one sees; then a stream
# of 1080p RGB frames from a C producer at 60 fps to a Python consumer that
# takes each frame as a NumPy array (when the build has the Python module
# and NumPy); and always stop the daemon again.
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
stream=$build/examples/mview-stream
# The interpreter the Python module was built for, if any.
python=${MVIEW_PYTHON:-$(sed -n 's/^MVIEW_PYTHON = //p' "$build/Makefile" 2>/dev/null)}
seconds=${MVIEW_DEMO_SECONDS:-3}

# The stream part: the C producer writes a byte to a pipe once its stream
# exists, then the Python consumer (or, without the module, the C one)
# opens it and follows it.
stream_demo() {
	consumer=python
	if [ -z "$python" ] || [ ! -f "$build/python/.libs/mview.so" ] ||
	    ! "$python" -c 'import numpy' 2>/dev/null; then
		consumer=c
	fi
	echo
	if [ "$consumer" = python ]; then
		echo "A stream: 1920x1080 RGB frames at 60 fps from C to Python, for $seconds s"
	else
		echo "A stream: 1920x1080 RGB frames at 60 fps from C to C, for $seconds s"
		echo "(the Python consumer needs a build with the Python module and NumPy)"
	fi
	fifo=$(mktemp -u "${TMPDIR:-/tmp}/mview-demo.XXXXXX")
	mkfifo "$fifo"
	"$stream" --seconds "$seconds" --ready-fd 3 produce 3>"$fifo" &
	sproducer=$!
	trap 'kill "$sproducer" 2>/dev/null || :; rm -f "$fifo"' EXIT INT TERM
	sstatus=0
	if [ "$(head -c 1 "$fifo")" != r ]; then
		sstatus=1
	elif [ "$consumer" = c ]; then
		"$stream" --hold-ms 0 consume || sstatus=1
	else
		(
			# A sanitizer build's module needs the ASan runtime
			# loaded first (as tests/run-python.sh does).
			if [ -n "${MVIEW_ASAN_PRELOAD:-}" ]; then
				LD_PRELOAD=$MVIEW_ASAN_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD}
				ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
				export LD_PRELOAD ASAN_OPTIONS
			fi
			PYTHONPATH="$build/python/.libs${PYTHONPATH:+:$PYTHONPATH}" \
			    PYTHONDONTWRITEBYTECODE=1 exec "$python" \
			    "$here/python/stream_consumer.py" --seconds "$seconds"
		) || sstatus=1
	fi
	wait "$sproducer" || sstatus=1
	rm -f "$fifo"
	trap - EXIT INT TERM
	return "$sstatus"
}
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
	stream_demo || status=1
	echo
	if [ "$status" -eq 0 ]; then
		echo "Both processes saw each other's writes, as memoryview would;"
		echo "streamed frames arrived whole, without a copy."
	else
		echo "The demo failed: see the messages above." >&2
	fi
	exit "$status"
fi

for f in "$mviewd" "$demo" "$stream" "$launcher"; do
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
