#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the libFuzzer target in its own build directory and run it.
#
#   tests/fuzz/run-fuzz.sh [SECONDS] [BUILDDIR]      (defaults: 600, /tmp/mview-fuzz)
#
# Configures BUILDDIR with clang, --enable-fuzz and ASan+UBSan, builds
# tests/fuzz/fuzz-packet, copies the seed corpus to BUILDDIR/fuzz-corpus
# (new inputs go there, not into the source tree) and runs one job for
# SECONDS. Crashes land in BUILDDIR/fuzz-artifacts/: fix the bug, then copy
# the input to tests/fuzz/regressions/ so "make check" replays it forever.
# The last line of the log has the exec count ("Done N runs in S second(s)").
set -eu

seconds=${1:-600}
build=${2:-/tmp/mview-fuzz}
src=$(cd "$(dirname "$0")/../.." && pwd)

mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
	"$src/configure" -q CC=clang CFLAGS="-g -O1" --enable-fuzz \
	    --enable-asan --enable-ubsan --with-python=no
fi
make -j"${JOBS:-2}" tests/fuzz/fuzz-packet >/dev/null
mkdir -p fuzz-corpus fuzz-artifacts
cp -n "$src"/tests/fuzz/corpus/* fuzz-corpus/ 2>/dev/null || true
echo "fuzz-packet: $seconds s, corpus $build/fuzz-corpus, log $build/fuzz.log"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ./tests/fuzz/fuzz-packet -max_total_time="$seconds" -timeout=10 \
    -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/" \
    fuzz-corpus "$src/tests/fuzz/regressions" >fuzz.log 2>&1 || status=$?
grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)' \
    fuzz.log || true
ls fuzz-artifacts
exit "${status:-0}"
