#!/bin/sh
# SPDX-License-Identifier: MIT
# CI's sanitizer build: a second build directory configured with
# AddressSanitizer (leak detection on) and UndefinedBehaviorSanitizer, then
# "make check" there. Any sanitizer report fails the test that triggered it.
#
#   tests/sanitizer-check.sh [BUILDDIR] [-- CONFIGURE-ARGS...]
#
# BUILDDIR defaults to ${TMPDIR:-/tmp}/mview-sanitize (kept, so a second
# run only rebuilds what changed). The Python tests run with the ASan
# runtime preloaded into the interpreter (see tests/run-python.sh).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=${TMPDIR:-/tmp}/mview-sanitize
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	build=$1
	shift
fi
[ "${1:-}" = "--" ] && shift

# The Python module is tested too, with the ASan runtime preloaded into
# the interpreter (tests/run-python.sh); without Debian's Python, skip it.
python=no
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
MVIEW_ASAN_PRELOAD=$(${CC:-gcc} -print-file-name=libasan.so)
export MVIEW_ASAN_PRELOAD

start=$(date +%s)
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
	"$src/configure" -q --enable-asan --enable-ubsan --enable-werror \
	    --with-python="$python" CFLAGS="-g -O1" "$@"
fi
make -j"${JOBS:-2}" >make.log 2>&1 || { tail -40 make.log; exit 1; }

# Sanitizer reports abort the process (a failing test, never a warning),
# with the stack; leaks are checked at every exit.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Slower under ASan: give each operation more time.
MVIEW_TEST_TIMEOUT_MS=${MVIEW_TEST_TIMEOUT_MS:-30000}
MVIEW_TEST_TIMEOUT=${MVIEW_TEST_TIMEOUT:-240}
export ASAN_OPTIONS UBSAN_OPTIONS MVIEW_TEST_TIMEOUT_MS MVIEW_TEST_TIMEOUT

status=0
make -j"${JOBS:-2}" check >check.log 2>&1 || status=$?
grep -E '^(# |PASS|FAIL|XFAIL|ERROR|SKIP)' check.log | grep -v '^PASS' || true
grep -E '^# (TOTAL|PASS|FAIL|ERROR)' tests/test-suite.log 2>/dev/null ||
    grep -E '^# (TOTAL|PASS|FAIL|ERROR)' test-suite.log 2>/dev/null || true
end=$(date +%s)
echo "sanitizer-check: make check under ASan+UBSan in $build:" \
    "status $status, $((end - start)) s"
if [ "$status" -ne 0 ]; then
	grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    $(find . -name '*.log') 2>/dev/null | head -20
fi
exit "$status"
