#!/bin/sh
# SPDX-License-Identifier: MIT
# The integration tests with mviewd under valgrind's memcheck: any invalid
# access or leaked block in the daemon makes it exit 99 at shutdown, which
# fails the test that stopped it.
#
#   tests/valgrind-check.sh BUILDDIR [TEST...]
#
# BUILDDIR is a configured and built tree without sanitizers (valgrind and
# ASan do not mix). Without TESTs: every daemon integration test.
set -eu

[ $# -ge 1 ] || { echo "usage: $0 BUILDDIR [TEST...]" >&2; exit 2; }
build=$(cd "$1" && pwd)
shift
src=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind-check: no valgrind: skipped"; exit 77; }

if [ $# -eq 0 ]; then
	set -- tests/test-integration-share tests/test-integration-perm \
	    tests/test-integration-crash tests/test-integration-watch \
	    tests/test-integration-badinput tests/test-integration-limits \
	    tests/test-integration-sessions \
	    tests/test-hostile tests/test-security tests/test-load.sh \
	    tests/test-restart tests/test-adverse tests/test-adverse-restart \
	    tests/test-integration-stream tests/test-restart-stream \
	    tests/test-integration-client
fi
make -C "$build" -j"${JOBS:-2}" all "$@" >/dev/null

MVIEW_DAEMON_WRAPPER="$(command -v valgrind) -q --leak-check=full \
--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
--error-exitcode=99"
MVIEW_TOP_BUILDDIR=$build
MVIEW_TOP_SRCDIR=$src
MVIEW_TEST_TIMEOUT_MS=${MVIEW_TEST_TIMEOUT_MS:-60000}
MVIEW_TEST_TIMEOUT=${MVIEW_TEST_TIMEOUT:-600}
# Valgrind keeps freed blocks (--freelist-vol): RSS is not the leak check
# here, memcheck is.
MVIEW_RSS_SLACK_KB=${MVIEW_RSS_SLACK_KB:-262144}
export MVIEW_DAEMON_WRAPPER MVIEW_TOP_BUILDDIR MVIEW_TOP_SRCDIR \
    MVIEW_TEST_TIMEOUT_MS MVIEW_TEST_TIMEOUT MVIEW_RSS_SLACK_KB

start=$(date +%s)
failed=0
for t in "$@"; do
	log=$build/$t.valgrind.log
	status=0
	case $t in
	*.sh)	sh "$src/$t" >"$log" 2>&1 || status=$? ;;
	*)	"$build/$t" >"$log" 2>&1 || status=$? ;;
	esac
	if [ "$status" -eq 0 ] && ! grep -q '^==[0-9]*== ' "$log"; then
		echo "PASS: $t"
	elif [ "$status" -eq 77 ]; then
		echo "SKIP: $t"
	else
		echo "FAIL: $t (status $status, see $log)"
		failed=$((failed + 1))
	fi
done
echo "valgrind-check: $# tests, $failed failed, $(($(date +%s) - start)) s"
[ "$failed" -eq 0 ]
