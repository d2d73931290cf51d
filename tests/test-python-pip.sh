#!/bin/sh
# SPDX-License-Identifier: MIT
# pip packaging: in a venv of the configured Python (--system-site-packages,
# for NumPy), `pip wheel` and `pip install` of a copy of the source tree
# without an index or build isolation, then the installed module shares a
# view with a second process through a private mviewd.
set -eu

b=${MVIEW_TOP_BUILDDIR:?MVIEW_TOP_BUILDDIR is not set}
s=${MVIEW_TOP_SRCDIR:?MVIEW_TOP_SRCDIR is not set}
py=${MVIEW_PYTHON:-}
if [ -z "$py" ]; then
	echo "1..0 # SKIP no Python configured"
	exit 77
fi
for m in venv ensurepip setuptools wheel; do
	if ! "$py" -c "import $m" 2>/dev/null; then
		echo "1..0 # SKIP $py has no $m (Debian: python3-venv python3-setuptools python3-wheel)"
		exit 77
	fi
done
command -v protoc-c >/dev/null || { echo "1..0 # SKIP no protoc-c"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The source tree may be read-only (distcheck): build from a copy.
mkdir "$tmp/src"
for f in pyproject.toml setup.py configure.ac README.md include python client \
    common proto; do
	cp -R "$s/$f" "$tmp/src/"
done
chmod -R u+w "$tmp/src"
# The sanitizer build's flags are not for a module loaded without ASan.
unset CFLAGS CPPFLAGS LDFLAGS LD_PRELOAD PYTHONPATH || true
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

"$py" -m venv --system-site-packages "$tmp/venv"
pip="$tmp/venv/bin/python -m pip"

echo "# pip wheel"
$pip wheel -q --no-build-isolation --no-deps -w "$tmp/wheels" "$tmp/src"
"$tmp/venv/bin/python" - "$tmp/wheels" <<'PY'
import glob, sys, zipfile
whl = glob.glob(sys.argv[1] + "/mview-*.whl")
assert len(whl) == 1, whl
names = zipfile.ZipFile(whl[0]).namelist()
assert any(n.startswith("mview.") and n.endswith(".so") for n in names), names
assert "mview.pyi" in names, names
print("ok - wheel", whl[0].rsplit("/", 1)[1])
PY

echo "# pip install ."
$pip install -q --no-build-isolation "$tmp/src"
site=$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')
test -f "$site/mview.pyi" || { echo "not ok - no mview.pyi in $site"; exit 1; }

"$b/tests/with-mviewd" --mviewd "$b/daemon/mviewd" -- \
	"$tmp/venv/bin/python" "$s/tests/pip-share.py" "$tmp/venv"
