#!/bin/sh
# SPDX-License-Identifier: MIT
# The layers' arrows, checked:
# - the daemon's and the client library's modules include each other
#   without a circle: a module is a file group (x.c, x.h, x-*.c, x-*.h),
#   and "A includes B" when any file of A includes a header of B from the
#   same folder. tsort(1) finds any loop.
# - the programs built on the public API (ctl/, python/, examples/, and
#   those the build lists in "make print-public-build") include no header
#   but the public mview.h and their own, and their preprocessor flags name
#   no folder of mview's internals (client/, common/, proto/, daemon/, nor
#   the top of the tree, through which "common/view.h" would resolve).
# Usage: test-layers.sh [DIR...] (the folders whose circles to check,
# default: daemon client), from the source tree; the build's flags are
# checked when MVIEW_TOP_BUILDDIR names a configured build tree.
set -eu

srcdir=${MVIEW_TOP_SRCDIR:-${srcdir:-.}}
builddir=${MVIEW_TOP_BUILDDIR:-}
internal="client common proto daemon"
[ $# -gt 0 ] || set -- daemon client
status=0

fail() {
	echo "not ok: $*"
	status=1
}

for dir in "$@"; do
	edges=$(
		for f in "$srcdir/$dir"/*.c "$srcdir/$dir"/*.h; do
			from=$(basename "$f"); from=${from%%.*}; from=${from%%-*}
			echo "$from $from"
			sed -n 's/^#include "\([^"/]*\)\.h".*/\1/p' "$f" |
			while read -r to; do
				[ -e "$srcdir/$dir/$to.h" ] || continue
				echo "$from ${to%%-*}"
			done
		done | sort -u
	)
	if ! out=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null) ||
	    [ -n "$out" ]; then
		fail "$dir: the includes run in a circle:"
		printf '%s\n' "$out"
	else
		echo "ok: $dir: modules include each other without a circle"
	fi
done

# Prints "file: #include ..." for each include of file that is neither the
# public mview.h, nor a header of the file's own folder, nor one of the
# names given after it (headers of the same program in other folders).
foreign_includes() {
	f=$1; shift
	own=$(dirname "$f")
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^">]*[">]\).*/\1/p' \
	    "$f" |
	while read -r inc; do
		name=${inc#?}; name=${name%?}
		case $inc in
		\<*)
			case /$name in
			*/../*|/client/*|/common/*|/proto/*|/daemon/*|/include/*)
				echo "${f#"$srcdir"/}: #include $inc" ;;
			esac
			continue ;;
		esac
		case $name in
		mview.h) continue ;;
		*/*) echo "${f#"$srcdir"/}: #include $inc"; continue ;;
		esac
		[ -e "$own/$name" ] && continue
		ok=no
		for allowed in "$@"; do
			[ "$name" = "$allowed" ] && ok=yes
		done
		[ $ok = yes ] || echo "${f#"$srcdir"/}: #include $inc"
	done
}

for dir in ctl python examples; do
	out=$(
		for f in "$srcdir/$dir"/*.c "$srcdir/$dir"/*.h; do
			[ -e "$f" ] || continue
			foreign_includes "$f"
		done
	)
	if [ -n "$out" ]; then
		fail "$dir: includes a header that is not public:"
		printf '%s\n' "$out"
	else
		echo "ok: $dir: includes mview.h and its own headers alone"
	fi
done

if [ -z "$builddir" ] || [ ! -f "$builddir/Makefile" ]; then
	echo "ok: no build tree: the flags of the public programs are not checked # SKIP"
	exit $status
fi

# The absolute form of a directory named by the build's flags (relative to
# the build tree, where make runs them), or the name as given if absent.
absdir() {
	(cd "$builddir" 2>/dev/null && cd "$1" 2>/dev/null && pwd -P) ||
	    printf '%s\n' "$1"
}

abs_src=$(cd "$srcdir" && pwd -P)
abs_build=$(cd "$builddir" && pwd -P)
# The directories no public program may search.
forbidden="$abs_src $abs_build"
for d in $internal; do
	forbidden="$forbidden $abs_src/$d $abs_build/$d"
done

# A flag's directory is forbidden if it is one of those or lies below one
# of the internal folders.
check_dir() {
	d=$(absdir "$1")
	for x in $forbidden; do
		case $d in
		"$x") return 1 ;;
		"$x"/*) [ "$x" = "$abs_src" ] || [ "$x" = "$abs_build" ] ||
			return 1 ;;
		esac
	done
	return 0
}

listing=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    "${MAKE:-make}" -s -C "$builddir" print-public-build) ||
    { fail "make print-public-build failed"; exit 1; }
[ -n "$listing" ] || { fail "make print-public-build printed nothing"; exit 1; }

# Each public program's flags, a word at a time: a directory follows -I,
# -isystem, -iquote, -idirafter (or is joined to it); a file follows
# -include and -imacros.
out=$(
	printf '%s\n' "$listing" | sed -n 's/^\([^ ]*\) cppflags: \(.*\)/\1 \2/p' |
	while read -r prog flags; do
		bad=
		next=
		for w in $flags; do
			case $next in
			dir) check_dir "$w" || bad="$bad $w"; next=; continue ;;
			file) next=; continue ;;
			esac
			case $w in
			-I|-isystem|-iquote|-idirafter) next=dir ;;
			-include|-imacros) next=file ;;
			-I*) check_dir "${w#-I}" || bad="$bad $w" ;;
			-isystem*) check_dir "${w#-isystem}" || bad="$bad $w" ;;
			-iquote*) check_dir "${w#-iquote}" || bad="$bad $w" ;;
			-idirafter*) check_dir "${w#-idirafter}" || bad="$bad $w" ;;
			esac
		done
		if [ -n "$bad" ]; then
			echo "not ok: $prog: its flags name internal folders:$bad"
		else
			echo "ok: $prog: its flags name no internal folder"
		fi
	done
)
printf '%s\n' "$out"
case $out in *"not ok"*) status=1 ;; esac

out=$(
	printf '%s\n' "$listing" | sed -n 's/^\([^ ]*\) sources: \(.*\)/\2/p' |
	while read -r files; do
		headers=
		for f in $files; do
			case $f in *.h) headers="$headers ${f##*/}" ;; esac
		done
		for f in $files; do
			[ -e "$srcdir/$f" ] || continue
			# shellcheck disable=SC2086
			foreign_includes "$srcdir/$f" $headers
		done
	done
)
if [ -n "$out" ]; then
	fail "the public programs' sources include headers that are not public:"
	printf '%s\n' "$out"
else
	echo "ok: the public programs' sources include mview.h and their own headers alone"
fi
exit $status
