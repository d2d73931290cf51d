#!/bin/sh
# SPDX-License-Identifier: MIT
# "configure --prefix=DIR && make install" writes nothing outside DIR:
# 1. configure run afresh with a private prefix puts every installation
#    directory (units, sysusers.d, completions, the Python module, ...)
#    under it;
# 2. that tree, built and installed (no DESTDIR), puts every file under it,
#    nothing new appears in the system's directories, and the installed
#    unit starts the installed daemon.
set -eu
s=${MVIEW_TOP_SRCDIR:?}
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
unset MAKEFLAGS MFLAGS MAKELEVEL || true
make=${MAKE:-make}

# Every "name = value" of print-installdirs lies under prefix $2.
check_dirs() {
	bad=$(sed -n 's/^\([a-z_]*\) = \(.*\)$/\1 \2/p' "$1" | while read -r name dir; do
		case $dir in
		"$2"/*) ;;
		*) echo "$name = $dir" ;;
		esac
	done)
	if [ -n "$bad" ]; then
		echo "directories outside $2:"
		echo "$bad"
		exit 1
	fi
}

mkdir "$tmp/conf"
(cd "$tmp/conf" && "$s/configure" -q --prefix="$tmp/prefix" \
	${MVIEW_PYTHON:+--with-python="$MVIEW_PYTHON"} >/dev/null)
$make -s -C "$tmp/conf" print-installdirs > "$tmp/dirs"
[ "$(wc -l < "$tmp/dirs")" -ge 10 ] || { echo "print-installdirs printed too little"; exit 1; }
check_dirs "$tmp/dirs" "$tmp/prefix"
echo "configure --prefix keeps every directory under the prefix"

touch "$tmp/stamp"
$make -s -C "$tmp/conf" -j2 >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
$make -s -C "$tmp/conf" install >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
for f in sbin/mviewd bin/mviewctl include/mview.h lib/pkgconfig/libmviewclient.pc \
    lib/systemd/system/mviewd.service lib/systemd/system/mviewd.socket \
    lib/sysusers.d/mview.conf share/man/man8/mviewd.8; do
	[ -e "$tmp/prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
grep -q "^ExecStart=$tmp/prefix/sbin/mviewd" "$tmp/prefix/lib/systemd/system/mviewd.service" ||
	{ echo "the installed unit does not start the installed mviewd"; exit 1; }
# Nothing new of ours in the system's directories.
new=$(find /lib/systemd /usr/lib /usr/local /usr/share/man /usr/share/bash-completion \
	/usr/include /usr/bin /usr/sbin /etc -xdev -newer "$tmp/stamp" \
	\( -name '*mview*' -o -name 'libmviewclient*' \) -print 2>/dev/null || true)
if [ -n "$new" ]; then
	echo "files written outside the prefix:"
	echo "$new"
	exit 1
fi
echo "make install wrote $(find "$tmp/prefix" -type f | wc -l) files, all under DIR"
