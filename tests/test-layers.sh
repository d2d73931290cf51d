#!/bin/sh
# SPDX-License-Identifier: MIT
# The daemon's and the client library's modules include each other without
# a circle: a module is a file group (x.c, x.h, x-*.c, x-*.h), and "A
# includes B" when any file of A includes a header of B from the same
# folder. tsort(1) finds any loop.
# Usage: test-layers.sh [DIR...] (default: daemon client), from the source tree.
set -eu

srcdir=${MVIEW_TOP_SRCDIR:-${srcdir:-.}}
[ $# -gt 0 ] || set -- daemon client
status=0
for dir in "$@"; do
	edges=$(
		for f in "$srcdir/$dir"/*.c "$srcdir/$dir"/*.h; do
			from=$(basename "$f"); from=${from%%.*}; from=${from%%-*}
			echo "$from $from"
			sed -n 's/^#include "\([^"/]*\)\.h".*/\1/p' "$f" |
			while read -r to; do
				[ -e "$srcdir/$dir/$to.h" ] || continue
				echo "$from ${to%%-*}"
			done
		done | sort -u
	)
	if ! out=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null) ||
	    [ -n "$out" ]; then
		echo "not ok: $dir: the includes run in a circle:"
		printf '%s\n' "$out"
		status=1
	else
		echo "ok: $dir: modules include each other without a circle"
	fi
done
exit $status
