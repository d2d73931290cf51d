#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the Debian packages from a release tarball of this tree, check them
# with lintian, install them (dpkg -i, as root) and smoke-test what was
# installed: mviewd on a private socket, mviewctl, the Python module, and
# the demo built against the installed library through pkg-config.
#
#   tests/check-deb.sh SRCDIR BUILDDIR      (make check-deb runs it)
#
# Not part of make check: it installs packages on this machine. They stay
# installed for a look afterwards; MVIEW_DEB_REMOVE=1 removes them again.
set -eu
src=$(cd "${1:?SRCDIR}" && pwd)
build=$(cd "${2:?BUILDDIR}" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "check-deb: dpkg -i needs root"; exit 1; }
for tool in dpkg-buildpackage lintian dh; do
	command -v $tool >/dev/null || {
		echo "check-deb: $tool is missing: apt-get install dpkg-dev debhelper dh-python lintian"
		exit 1
	}
done
tmp=$(mktemp -d /tmp/mview-deb-XXXXXX)
daemon=
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "==> make dist"
make -s -C "$build" dist >/dev/null
tarball=$(ls -t "$build"/mview-*.tar.gz | head -1)
tar -C "$tmp" -xzf "$tarball"
tree=$(ls -d "$tmp"/mview-*/)
cp -r "$src/debian" "$tree"

echo "==> dpkg-buildpackage -us -uc -b"
(cd "$tree" && dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1 || {
	tail -40 "$tmp/build.log"
	echo "check-deb: dpkg-buildpackage failed"
	exit 1
}
grep -E "dpkg-gensymbols|warning" "$tmp/build.log" | head -20 || true
ls "$tmp"/*.deb

echo "==> lintian"
lintian --fail-on error --suppress-tags no-manual-page "$tmp"/*.changes || {
	echo "check-deb: lintian found errors"
	exit 1
}

echo "==> dpkg -i"
dpkg -i "$tmp"/*.deb

echo "==> smoke test of the installed binaries"
run=$tmp/run
mkdir "$run"
mkfifo "$run/ready"
/usr/sbin/mviewd --socket "$run/mviewd.sock" --log-level=warning --ready-fd 3 \
	3>"$run/ready" &
daemon=$!
[ "$(head -c1 < "$run/ready" | wc -c)" -eq 1 ] || { echo "check-deb: mviewd did not start"; exit 1; }
MVIEW_SOCKET=$run/mviewd.sock
export MVIEW_SOCKET
mviewctl status
mviewctl create smoke 4K
mviewctl publish smoke/v smoke --format B --shape 16
mviewctl set smoke/v 3 42
[ "$(mviewctl dump smoke/v --slice 3:4)" = "[42]" ] || { echo "check-deb: mviewctl dump"; exit 1; }
/usr/sbin/mviewd --check-config --config=/etc/mview/mviewd.conf >/dev/null
/usr/bin/python3 -c '
import mview, os
c = mview.connect(os.environ["MVIEW_SOCKET"], timeout=5.0)
v = c.lookup("smoke/v")
assert v[3] == 42, v.tolist()
print("python3-mview:", mview.__file__, v.tolist()[:4])
'
cc -o "$tmp/mview-demo" "$src/examples/mview-demo.c" \
	$(pkg-config --cflags --libs libmviewclient)
"$tmp/mview-demo" --socket "$MVIEW_SOCKET" producer > "$tmp/producer.log" &
producer=$!
"$tmp/mview-demo" --socket "$MVIEW_SOCKET" consumer
wait "$producer"
ldd "$tmp/mview-demo" | grep libmviewclient
kill "$daemon"
wait "$daemon" || true
daemon=

if [ "${MVIEW_DEB_REMOVE:-}" = 1 ]; then
	echo "==> dpkg --purge"
	# The debug symbol packages first: each depends on its package.
	dpkg --purge python3-mview-dbgsym mview-tools-dbgsym mviewd-dbgsym \
	    libmviewclient0-dbgsym python3-mview libmviewclient-dev \
	    mview-tools mviewd libmviewclient0
fi
echo "check-deb: packages built, lintian clean of errors, installed and working"
