#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The supported kernel range, from the file KERNELS (its only reader
# outside Kbuild).
#
# usage: kernel-range.sh min | max | regex | check RELEASE
#   min, max  "6.1", "7.2"
#   regex     an extended regular expression that a kernel release
#             ("6.12.95+deb12-amd64") matches when it is in the range, for
#             dkms.conf's BUILD_EXCLUSIVE_KERNEL (Debian 12's dkms has no
#             _MIN/_MAX)
#   check     exit 0 when RELEASE is in the range; else say why, exit 1
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

field() {
	sed -n "s/^$1: *\([0-9]*\.[0-9]*\) *\$/\1/p" "$top/KERNELS"
}

# at_least M: a regex for the numbers M..99; at_most M: for 0..M.
at_least() {
	local m=$1 t=$(($1 / 10)) u=$(($1 % 10))
	if [ "$m" -lt 10 ]; then
		echo "([$m-9]|[1-9][0-9])"
	elif [ $t -lt 9 ]; then
		echo "($t[$u-9]|[$((t + 1))-9][0-9])"
	else
		echo "(9[$u-9])"
	fi
}
at_most() {
	local m=$1 t=$(($1 / 10)) u=$(($1 % 10))
	if [ "$m" -lt 10 ]; then
		echo "[0-$m]"
	elif [ $t -eq 1 ]; then
		echo "([0-9]|1[0-$u])"
	else
		echo "([0-9]|[1-$((t - 1))][0-9]|$t[0-$u])"
	fi
}

regex() {
	local lo hi lmaj lmin hmaj hmin alts="" maj
	lo=$(field Linux-Minimum)
	hi=$(field Linux-Maximum)
	# A KERNELS that says no range must not become a regex that takes all.
	[ -n "$lo" ] && [ -n "$hi" ] || { echo "KERNELS: no Linux-Minimum or Linux-Maximum" >&2; exit 1; }
	lmaj=${lo%.*} lmin=${lo#*.} hmaj=${hi%.*} hmin=${hi#*.}
	if [ "$lmaj" -eq "$hmaj" ]; then
		# Both bounds on one major: each minor between them.
		alts=$(seq "$lmin" "$hmin" | sed "s/^/$lmaj\\\\./" | paste -sd'|')
	else
		alts="$lmaj\\.$(at_least "$lmin")"
		for ((maj = lmaj + 1; maj < hmaj; maj++)); do
			alts="$alts|$maj\\.[0-9]+"
		done
		alts="$alts|$hmaj\\.$(at_most "$hmin")"
	fi
	echo "^($alts)\\."
}

check() {
	local rel=$1 re
	re=$(regex)
	if [[ "$rel" =~ $re ]]; then
		return 0
	fi
	echo "Linux $rel is outside KUP's range $(field Linux-Minimum) to $(field Linux-Maximum) (KERNELS)" >&2
	return 1
}

case "${1:-}" in
min) field Linux-Minimum ;;
max) field Linux-Maximum ;;
regex) regex ;;
check) check "${2:?usage: kernel-range.sh check RELEASE}" ;;
*) echo "usage: kernel-range.sh min|max|regex|check RELEASE" >&2; exit 2 ;;
esac
