#!/bin/sh
# SPDX-License-Identifier: MIT
# systemd-analyze verify accepts the units (with ExecStart pointed at the
# freshly built mviewd, since verify checks that the binary exists).
set -eu
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found: skip"; exit 77; }
b=${MVIEW_TOP_BUILDDIR:?}
s=${MVIEW_TOP_SRCDIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/system" "$tmp/user" "$tmp/run"
sed "s|^ExecStart=.*|ExecStart=$b/daemon/mviewd|" "$b/systemd/mviewd.service" > "$tmp/system/mviewd.service"
cp "$s/systemd/mviewd.socket" "$tmp/system/mviewd.socket"
sed "s|/[^ ]*/mviewctl |$b/ctl/mviewctl |" "$b/systemd/mviewd-metrics.service" > "$tmp/system/mviewd-metrics.service"
cp "$s/systemd/mviewd-metrics.timer" "$tmp/system/mviewd-metrics.timer"
sed "s|^ExecStart=.*|ExecStart=$b/daemon/mviewd|" "$b/systemd/user/mviewd.service" > "$tmp/user/mviewd.service"
cp "$s/systemd/mviewd-user.socket" "$tmp/user/mviewd.socket"
# Keys newer than this systemd (e.g. FileDescriptorStorePreserve= before
# v254) are reported as unknown and ignored: that is not a unit error.
fail=0
for unit in "$tmp/system/mviewd.socket" "$tmp/system/mviewd.service" \
    "$tmp/system/mviewd-metrics.service" "$tmp/system/mviewd-metrics.timer"; do
	out=$(systemd-analyze verify --man=no "$unit" 2>&1) || fail=1
	printf '%s\n' "$out" | grep -v "Unknown key.*'FileDescriptorStorePreserve'" \
		| grep -v '^$' | sed "s|^|$(basename "$unit"): |" || true
done
for unit in "$tmp/user/mviewd.socket" "$tmp/user/mviewd.service"; do
	out=$(XDG_RUNTIME_DIR="$tmp/run" systemd-analyze --user verify --man=no "$unit" 2>&1) || fail=1
	printf '%s\n' "$out" | grep -v "Unknown key.*'FileDescriptorStorePreserve'" \
		| grep -v '^$' | sed "s|^|user $(basename "$unit"): |" || true
done
if [ $fail -ne 0 ]; then
	echo "systemd-analyze verify failed"
	exit 1
fi
echo "units verified"
