#!/bin/sh
# SPDX-License-Identifier: MIT
# mviewd --check-config: prints the settings in force from the command line,
# --config=FILE and FILE.d/ (name order), exits 0; a bad file exits 2 with
# its name and line; the shipped system unit names the default file.
set -eu
b=${MVIEW_TOP_BUILDDIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mviewd=$b/daemon/mviewd

fail() { echo "FAIL: $*"; exit 1; }

out=$("$mviewd" --check-config --config="$tmp/mviewd.conf") || fail "absent file refused"
echo "$out" | grep -q "^# $tmp/mviewd.conf: not found" || fail "absent file not reported: $out"
echo "$out" | grep -q "^max-segments = 65536$" || fail "defaults not printed: $out"

printf 'max-segments = 100\nmax-views = 100\nsession-grace = 7\n' > "$tmp/mviewd.conf"
mkdir "$tmp/mviewd.conf.d"
printf 'max-views = 200\nreserve = cam/ uid:0 user:root gid:0\n' > "$tmp/mviewd.conf.d/50-views.conf"
printf 'max-views = 300\nlog-level = warning\n' > "$tmp/mviewd.conf.d/60-more.conf"
printf 'max-views = nonsense\n' > "$tmp/mviewd.conf.d/70-off.conf.disabled"
out=$("$mviewd" --check-config --config="$tmp/mviewd.conf" --max-segments=5) ||
	fail "valid files refused"
for want in "# read $tmp/mviewd.conf" "# read $tmp/mviewd.conf.d/50-views.conf" \
    "# read $tmp/mviewd.conf.d/60-more.conf" "max-segments = 5" "max-views = 300" \
    "session-grace = 7" "log-level = warning" "reserve = cam/ uid:0 uid:0 gid:0"; do
	echo "$out" | grep -qx "$want" || fail "missing '$want' in: $out"
done
echo "$out" | grep -q "70-off" && fail "a non-.conf drop-in was read"

printf '# fine\nmax-views = nonsense\n' > "$tmp/mviewd.conf.d/65-bad.conf"
if err=$("$mviewd" --check-config --config="$tmp/mviewd.conf" 2>&1); then
	fail "a bad drop-in was accepted: $err"
else
	status=$?
fi
[ $status -eq 2 ] || fail "exit status $status for a bad file, not 2"
echo "$err" | grep -q "65-bad.conf:2" || fail "error does not name file and line: $err"

if "$mviewd" --check-config --max-views=x >/dev/null 2>&1; then
	fail "a bad option was accepted"
fi

grep -q "^ExecStart=.*/mviewd --config=.*/mview/mviewd.conf$" "$b/systemd/mviewd.service" ||
	fail "the system unit does not name the config file"
# mviewd.conf(5) documents every key --check-config prints.
man=${MVIEW_TOP_SRCDIR:?}/docs/mviewd.conf.5
"$mviewd" --check-config | sed -n 's/^\([a-z-]*\) = .*/\1/p' > "$tmp/keys"
[ "$(wc -l < "$tmp/keys")" -ge 20 ] || fail "too few keys printed"
sed 's/\\-/-/g' "$man" > "$tmp/man"
while read -r key; do
	grep -q "^\.BI \"$key = \"" "$tmp/man" || fail "mviewd.conf(5) does not document $key"
done < "$tmp/keys"
echo "check-config: defaults, file, drop-ins in order, command line, errors"
