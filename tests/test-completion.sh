#!/bin/sh
# SPDX-License-Identifier: MIT
# The bash completion for mviewctl, sourced in bash and called as bash would:
# commands and options from mviewctl --help, names from a private mviewd.
set -eu
b=${MVIEW_TOP_BUILDDIR:?}
s=${MVIEW_TOP_SRCDIR:?}
command -v bash >/dev/null || { echo "no bash: skip"; exit 77; }
if [ -z "${MVIEW_COMPLETION_INNER:-}" ]; then
	MVIEW_COMPLETION_INNER=1
	export MVIEW_COMPLETION_INNER
	exec "$b/tests/with-mviewd" --mviewd "$b/daemon/mviewd" -- /bin/sh "$0" "$@"
fi
ctl=$b/ctl/mviewctl
"$ctl" create frames 4K >/dev/null
"$ctl" create frames-b 4K >/dev/null
"$ctl" publish cam/latest frames --format B --shape 16 >/dev/null
"$ctl" stream create cam/stream --shape 16 >/dev/null
sock=$MVIEW_SOCKET
unset MVIEW_SOCKET	# names must come through -S from the command line

PATH=$b/ctl:$PATH bash -c '
set -u
. "$1"
sock=$2
status=0
# expect WANTED -- WORDS...: complete the last word, compare sorted replies.
expect() {
	want=$1; shift 2
	COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
	_mviewctl
	got=$(printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//")
	if [ "$got" != "$want" ]; then
		echo "FAIL: [$*] gave \"$got\", want \"$want\""
		status=1
	else
		echo "ok: [$*] -> $got"
	fi
}
expect "stat status stream" -- mviewctl st
expect "create" -- mviewctl -S "$sock" cr
expect "--json" -- mviewctl --s --j
expect "--socket" -- mviewctl --s
expect "frames frames-b" -- mviewctl -S "$sock" stat fr
expect "frames frames-b" -- mviewctl --socket "$sock" rm ""
expect "frames frames-b" -- mviewctl --socket = "$sock" freeze ""
expect "cam/latest" -- mviewctl -S "$sock" unpublish ""
expect "cam/latest frames frames-b" -- mviewctl -S "$sock" dump ""
expect "frames frames-b" -- mviewctl -S "$sock" publish new/view ""
expect "cam/latest" -- mviewctl -S "$sock" publish new/view --from c
expect "--help --hugetlb" -- mviewctl create x 1M --h
expect "persistent session" -- mviewctl create x 1M --lifetime ""
expect "" -- mviewctl -S "$sock" create ""
expect "" -- mviewctl -S "$sock" stat frames ""
expect "create ls rm stat tail" -- mviewctl stream ""
expect "cam/stream" -- mviewctl -S "$sock" stream tail ""
expect "cam/stream" -- mviewctl -S "$sock" stream rm cam/
expect "" -- mviewctl -S "$sock" stream create ""
expect "cam/latest frames frames-b" -- mviewctl -S "$sock" dump ""
expect "--lossless" -- mviewctl stream tail x --lo
# Every command mviewctl --help lists is offered.
COMP_WORDS=(mviewctl ""); COMP_CWORD=1; _mviewctl
for c in status ls stat create rm freeze publish unpublish views dump set watch stream; do
	case " ${COMPREPLY[*]} " in
	*" $c "*) ;;
	*) echo "FAIL: command $c not offered"; status=1 ;;
	esac
done
# No daemon: no names, and no error.
expect "" -- mviewctl -S "$sock.absent" stat ""
exit $status
' test-completion "$s/ctl/completion/mviewctl" "$sock"
