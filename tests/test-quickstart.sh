#!/bin/sh
# SPDX-License-Identifier: MIT
# ./quickstart.sh demo installs only what the demo needs: no test tools
# (cmocka, valgrind, Python headers, NumPy), and nothing the tests lack.
set -eu
s=${MVIEW_TOP_SRCDIR:?}
demo=$(sh "$s/quickstart.sh" packages demo)
test=$(sh "$s/quickstart.sh" packages test)
status=0
for p in libcmocka-dev valgrind python3-dev python3-numpy python3-prometheus-client; do
	case " $demo " in
	*" $p "*) echo "the demo installs $p, which only the tests need"; status=1 ;;
	esac
done
for p in $demo; do
	case " $(echo $test) " in
	*" $p "*) ;;
	*) echo "the demo needs $p but the tests do not install it"; status=1 ;;
	esac
done
for p in build-essential libevent-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev; do
	case " $demo " in
	*" $p "*) ;;
	*) echo "the demo does not install $p, which its build needs"; status=1 ;;
	esac
done
[ $status -eq 0 ] && echo "demo: $(echo $demo | wc -w) packages; test: $(echo $test | wc -w)"
exit $status
