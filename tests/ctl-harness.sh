# SPDX-License-Identifier: MIT
# Sourced by the mviewctl shell tests (after their with-mviewd re-exec): $ctl,
# $py, $tmp and the TAP helpers run, json (strict RFC 8259), contains, finish.

ctl=$b/ctl/mviewctl
py=
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1; then py=$p; break; fi
done
if [ -z "$py" ]; then
	echo "1..0 # SKIP no python3 to parse --json"
	exit 77
fi
tmp=$(mktemp -d)
watcher=
cleanup() {
	[ -n "$watcher" ] && kill "$watcher" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

n=0
failed=0
out=
pass() { n=$((n + 1)); echo "ok $n - $1"; }
flunk() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -s "$tmp/err" ] && sed 's/^/#   stderr: /' "$tmp/err"
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   stdout: /'
	return 0
}

# run WANT DESC CMD...: run mviewctl, keep stdout in $out, check the exit code.
run() {
	want=$1 desc=$2
	shift 2
	out=$("$ctl" "$@" 2>"$tmp/err")
	rc=$?
	if [ "$rc" -eq "$want" ]; then pass "$desc"; else flunk "$desc (exit $rc, want $want)"; fi
}

# json DESC EXPR: EXPR (Python, j = the parsed $out) must be true. The
# parse is strict (RFC 8259): NaN or Infinity tokens fail it.
json() {
	if printf '%s' "$out" | "$py" -c '
import json, sys
def strict(name):
    raise ValueError("not JSON: " + name)
j = json.loads(sys.stdin.read(), parse_constant=strict)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" 2>>"$tmp/err"; then
		pass "$1"
	else
		flunk "$1: $2"
	fi
}

# contains DESC TEXT: the human output mentions TEXT.
contains() {
	case $out in
	*"$2"*) pass "$1" ;;
	*) flunk "$1: no '$2'" ;;
	esac
}

# finish: the TAP plan, and the exit status.
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ] || { echo "# $failed of $n failed"; exit 1; }
	exit 0
}
