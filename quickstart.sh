#!/bin/sh
# SPDX-License-Identifier: MIT
# Set up a fresh Debian machine for mview and run the demo or the tests.
#
#   ./quickstart.sh demo    install what the demo needs (a C toolchain,
#                           libevent, protobuf-c), build, start mviewd on a
#                           private socket and show two processes sharing a
#                           view, then a stream of 1080p frames (to a Python
#                           consumer when Python's headers and NumPy are
#                           there, else to a C one)
#   ./quickstart.sh test    install everything the tests need too, build,
#                           make check, the daemon under valgrind, make check
#                           under ASan+UBSan, make distcheck
#   ./quickstart.sh packages demo|test
#                           print the Debian packages each one needs
#
# Needs root to install missing Debian packages; without root it prints the
# exact apt-get line and stops. The build goes to ./build (out of tree).
set -eu

# The demo builds the daemon, the library and the C demo, nothing else.
DEMO_PACKAGES="build-essential autoconf automake libtool pkg-config \
libevent-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev"
# The tests add cmocka, libsystemd (fd store, notify), the Python module and
# NumPy (and CPython's own test suite), venv/setuptools/wheel for the pip
# test, valgrind, systemd-analyze, the Prometheus text parser and bash;
# mview-bench's peer rows build against iceoryx's C binding and run its RouDi.
TEST_PACKAGES="$DEMO_PACKAGES libcmocka-dev libsystemd-dev systemd python3 \
python3-dev python3-numpy libpython3.11-testsuite python3-venv \
python3-setuptools python3-wheel python3-prometheus-client \
procps valgrind bash util-linux iceoryx libiceoryx-binding-c-dev"
PACKAGES=$TEST_PACKAGES

top=$(cd "$(dirname "$0")" && pwd)
build=${MVIEW_BUILD_DIR:-$top/build}
jobs=$(nproc 2>/dev/null || echo 2)

missing_packages() {
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			printf '%s ' "$p"
	done
}

install_packages() {
	missing=$(missing_packages)
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "mview needs these Debian packages; install them as root, then run this again:" >&2
		echo "  sudo apt-get install -y $missing" >&2
		exit 1
	fi
	echo "==> installing: $missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# build_tree demo|test: a tree configured for the demo alone is configured
# again for the tests.
build_tree() {
	echo "==> building in $build"
	cd "$top"
	[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
	mkdir -p "$build"
	cd "$build"
	if [ "$1" = test ] && [ "$(cat .quickstart 2>/dev/null)" != test ]; then
		rm -f Makefile
	fi
	if [ ! -f Makefile ]; then
		if [ "$1" = test ]; then
			# The Python module is built for Debian's interpreter, which has NumPy.
			"$top/configure" -q --enable-werror --with-python=/usr/bin/python3
		elif [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy, sysconfig, os, sys
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null; then
			# Python's headers and NumPy are there: the stream demo's
			# consumer is the Python one.
			"$top/configure" -q --with-python=/usr/bin/python3
		else
			"$top/configure" -q --with-python=no
		fi
		echo "$1" > .quickstart
	fi
	make -s -j"$jobs"
}

case "${1:-}" in
packages)
	case "${2:-}" in
	demo) echo "$DEMO_PACKAGES" ;;
	test) echo "$TEST_PACKAGES" ;;
	*) echo "usage: $0 packages demo|test" >&2; exit 2 ;;
	esac
	;;
demo)
	PACKAGES=$DEMO_PACKAGES
	install_packages
	build_tree demo
	exec "$top/examples/run-demo.sh" "$build"
	;;
test)
	install_packages
	build_tree test
	echo "==> make check"
	make -j"$jobs" check || { cat test-suite.log; exit 1; }
	echo "==> integration tests with mviewd under valgrind"
	JOBS=$jobs "$top/tests/valgrind-check.sh" "$build"
	echo "==> make check under AddressSanitizer + UndefinedBehaviorSanitizer"
	JOBS=$jobs "$top/tests/sanitizer-check.sh" "$build/sanitize"
	echo "==> make distcheck"
	make -j"$jobs" distcheck \
	    DISTCHECK_CONFIGURE_FLAGS="--enable-werror --with-python=/usr/bin/python3"
	echo "==> all tests passed"
	;;
*)
	echo "usage: $0 demo|test|packages demo|test" >&2
	exit 2
	;;
esac
