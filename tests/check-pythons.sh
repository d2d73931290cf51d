#!/bin/sh
# SPDX-License-Identifier: MIT
# The Python module against every interpreter at hand: for each one, a
# build of the tree configured --with-python=IT in a temporary directory,
# then the Python tests (CPython's own memoryview tests under that
# interpreter's copy of them included, when it ships them).
#
#   tests/check-pythons.sh SRCDIR [PYTHON...]
#
# Without PYTHONs: python3.9 ... python3.13 found on PATH or under
# ~/.pyenv/versions. Never part of make check (one build per
# interpreter); make check-pythons runs it.
set -eu

[ $# -ge 1 ] || { echo "usage: $0 SRCDIR [PYTHON...]" >&2; exit 2; }
src=$(cd "$1" && pwd)
shift

if [ $# -eq 0 ]; then
	for v in 3.9 3.10 3.11 3.12 3.13; do
		found=$(command -v "python$v" 2>/dev/null || true)
		# A pyenv shim of a version not selected fails: look behind it.
		if [ -n "$found" ] && ! "$found" -c pass 2>/dev/null; then
			found=
		fi
		if [ -z "$found" ]; then
			for d in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin; do
				[ -x "$d/python$v" ] && found=$d/python$v
			done
		fi
		[ -n "$found" ] && set -- "$@" "$found"
	done
fi
[ $# -gt 0 ] || { echo "check-pythons: no Python 3.9-3.13 found"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tests=$(cd "$src" && ls tests/test-python-*.py | tr '\n' ' ')
failed=0
for py in "$@"; do
	ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	b=$tmp/$ver
	mkdir -p "$b"
	status=ok
	if ! (cd "$b" && "$src/configure" -q --with-python="$py" \
	    >configure.log 2>&1 && make -j"${JOBS:-2}" >make.log 2>&1); then
		status="build failed (see the log below)"
		tail -20 "$b/make.log" "$b/configure.log" 2>/dev/null || true
	elif ! make -C "$b" -j"${JOBS:-2}" check TESTS="$tests" \
	    >"$b/check.log" 2>&1; then
		status="tests failed"
		grep -E '^(FAIL|ERROR):' "$b/check.log" || true
		for t in $tests; do
			grep -E '^(FAIL|ERROR):' -A12 "$b/${t%.py}.log" 2>/dev/null |
			    head -40 || true
		done
	fi
	summary=$(grep -E '^# (PASS|SKIP|FAIL):' "$b/check.log" 2>/dev/null |
	    tr -s ' ' | tr '\n' ' ' || true)
	cpy=$(tail -2 "$b/tests/test-python-cpython.log" 2>/dev/null |
	    grep 'cpython memoryview tests' || true)
	echo "Python $ver ($py): $status. $summary${cpy:+; $cpy}"
	[ "$status" = ok ] || failed=$((failed + 1))
done
exit $((failed > 0))
