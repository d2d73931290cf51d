#!/bin/sh
# SPDX-License-Identifier: MIT
# Use from another mount and user namespace, as from a container: the
# daemon's socket directory bind-mounted to another path, the original
# hidden, a 1 MiB /dev/shm; a 16 MiB segment is created, written and read
# back there (segments are memfds: no /dev/shm involved).
set -eu
b=${MVIEW_TOP_BUILDDIR:?}
if [ -z "${MVIEW_CONTAINER_INNER:-}" ]; then
	command -v unshare >/dev/null || { echo "no unshare: skip"; exit 77; }
	if ! unshare --user --map-root-user --mount true 2>/dev/null; then
		echo "user and mount namespaces are not available here: skip"
		exit 77
	fi
	MVIEW_CONTAINER_INNER=1
	export MVIEW_CONTAINER_INNER
	exec "$b/tests/with-mviewd" --mviewd "$b/daemon/mviewd" -- /bin/sh "$0" "$@"
fi
ctl=$b/ctl/mviewctl
sockdir=$(dirname "$MVIEW_SOCKET")
sock=$(basename "$MVIEW_SOCKET")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/ns"

# The namespace's view: $tmp/ns/mview is the daemon's socket directory,
# the original directory is an empty tmpfs, /dev/shm holds 1 MiB.
unshare --user --map-root-user --mount /bin/sh -eu -c '
ctl=$1; sockdir=$2; sock=$3; ns=$4
mount --make-rprivate /
mount -t tmpfs tmpfs "$ns"
mkdir "$ns/mview"
mount --bind "$sockdir" "$ns/mview"
mount -t tmpfs tmpfs "$sockdir"
mount -t tmpfs -o size=1m tmpfs /dev/shm
[ ! -e "$sockdir/$sock" ] || { echo "FAIL: the original socket is still visible"; exit 1; }
if "$ctl" -S "$sockdir/$sock" -t 2000 status >/dev/null 2>&1; then
	echo "FAIL: reached the daemon through the hidden path"; exit 1
fi
MVIEW_SOCKET=$ns/mview/$sock
export MVIEW_SOCKET
"$ctl" status >/dev/null
"$ctl" create inside 16M --mode 0600
"$ctl" set inside 16777215 171
"$ctl" set inside 0 7
echo "/dev/shm: $(df -k /dev/shm | tail -1)"
' container "$ctl" "$sockdir" "$sock" "$tmp/ns"

# Outside, the same segment and bytes.
out=$("$ctl" --json stat inside)
echo "$out" | grep -q '"size":16777216' || { echo "FAIL: outside sees $out"; exit 1; }
[ "$("$ctl" dump inside --slice 0:1)" = "[7]" ] || { echo "FAIL: byte 0 is not 7"; exit 1; }
[ "$("$ctl" dump inside --slice 16777215:)" = "[171]" ] || { echo "FAIL: last byte is not 171"; exit 1; }
echo "a 16 MiB segment made through a bind-mounted socket with a 1 MiB /dev/shm"
