#!/bin/sh
# SPDX-License-Identifier: MIT
# libmviewclient exports the public mview_* API and nothing else.
lib="${MVIEW_TOP_BUILDDIR:-.}/client/.libs/libmviewclient.so"
if ! command -v nm >/dev/null 2>&1; then
	echo "1..0 # SKIP nm not found"
	exit 77
fi
if [ ! -f "$lib" ]; then
	echo "not ok 1 - $lib not built"
	exit 1
fi
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sed 's/@.*//')
bad=$(printf '%s\n' "$syms" | grep -v '^mview_[a-z]' | grep -v '^LIBMVIEWCLIENT_' | grep -v '^$')
n=$(printf '%s\n' "$syms" | grep -c '^mview_[a-z]')
echo "1..3"
if [ -z "$bad" ]; then
	echo "ok 1 - only mview_* exported"
else
	echo "not ok 1 - unexpected exports:"; printf '#   %s\n' $bad
fi
# A few that must be there, from each file.
missing=
for s in mview_client_connect mview_client_connect_full mview_client_next_event \
    mview_segment_create mview_segment_list mview_view_lookup mview_view_publish \
    mview_client_status mview_strerror mview_view_new; do
	printf '%s\n' "$syms" | grep -qx "$s" || missing="$missing $s"
done
if [ -z "$missing" ]; then
	echo "ok 2 - public functions present ($n exported)"
else
	echo "not ok 2 - missing:$missing"
fi
# protobuf-c stays out of the public header.
hdr="${MVIEW_TOP_SRCDIR:-.}/include/mview.h"
if grep -qi 'protobuf\|pb-c\|Mview__' "$hdr"; then
	echo "not ok 3 - mview.h mentions protobuf"
else
	echo "ok 3 - mview.h is free of protobuf"
fi
[ -z "$bad" ] && [ -z "$missing" ] && ! grep -qi 'protobuf\|pb-c\|Mview__' "$hdr"
