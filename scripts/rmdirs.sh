#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The directories make uninstall removes after the files.
# usage: rmdirs.sh [--own] ROOT DIR...
# Each DIR is a path as on the installed system, under ROOT (DESTDIR or
# INSTALL_MOD_PATH; empty for this machine itself), deepest first.
#   --own  DIRs are kup's own (/usr/src/kup-1.1.0, .../extra/kup): each goes
#          when it is empty, also on the live system.
#   else   DIRs are shared ones (LIBDIR, BINDIR, MANDIR/man3, ...): on the
#          live system they are the system's and stay, even empty.
# Under a staging ROOT (not empty, not /), which install filled from
# nothing, each DIR and its empty parents go, up to ROOT but not ROOT:
# install made them there. A directory that is not empty always stays.
set -u
own=n
if [ "${1:-}" = --own ]; then
	own=y
	shift
fi
[ $# -ge 1 ] || { echo "usage: rmdirs.sh [--own] ROOT DIR..." >&2; exit 2; }
root=${1%/}
shift
staged=y
[ -n "$root" ] || staged=n

for d in "$@"; do
	[ -d "$root$d" ] || continue
	if [ $staged = y ]; then
		# Relative to ROOT, so that -p stops below it.
		(cd "$root" && rmdir -p --ignore-fail-on-non-empty "${d#/}") || exit 1
	elif [ $own = y ]; then
		rmdir --ignore-fail-on-non-empty "$d" || exit 1
	fi
done
exit 0
