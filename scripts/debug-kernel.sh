#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug kernel make check also runs the VM suite on: lockdep (with
# raw-lock nesting), KASAN, DEBUG_ATOMIC_SLEEP, DEBUG_LIST, DEBUG_OBJECTS,
# SLUB_DEBUG, built from Debian's linux-source-X.Y, X.Y being the series
# of the release's generic kernel (scripts/kernel.sh series: 6.1 on
# Debian 12, 6.12 on Debian 13), with scripts/debug-kernel.config merged
# over tinyconfig.
#
# It takes minutes to build, so it is built once per source version and
# config and kept outside the work tree, in $KUP_DEBUG_KERNEL_CACHE
# (default /var/cache/kup-debug-kernel/<version>-<config hash>/, e.g.
# 6.12.57-1-0123456789ab/, or under ~/.cache for a user who cannot write
# /var/cache): later runs, other clones, CI and the fresh roots on the same
# machine reuse it. Building a new one removes the others of its series
# only: roots of both releases share the cache (make check-fresh), so
# each keeps its own. The directory
# holds the kernel tree as built (src/, and build/ to build modules
# against, KDIR=) and build/arch/x86/boot/bzImage.
#
# usage: debug-kernel.sh dir | build
#   dir    print the cache directory for the current source and config
#   build  build it there unless it is there already (says so, with the time)
set -eu
set -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# /var/cache for root; a user's own cache otherwise.
if [ -n "${KUP_DEBUG_KERNEL_CACHE:-}" ]; then
	cache=$KUP_DEBUG_KERNEL_CACHE
elif [ -w /var/cache ] || [ -w /var/cache/kup-debug-kernel ]; then
	cache=/var/cache/kup-debug-kernel
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/kup-debug-kernel
fi
config=$top/scripts/debug-kernel.config
# The source: linux-source-X.Y's tarball (make setup installs it).
series=$("$top/scripts/kernel.sh" series)
srcpkg=linux-source-${series:-X.Y}
tarball=/usr/src/$srcpkg.tar.xz

# The package's version (X.Y.Z-N, so the series is in it) and the config's
# hash.
dir() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' "$srcpkg" 2>/dev/null) || ver=
	echo "$cache/${ver:-none}-$(sha256sum <"$config" | cut -c1-12)"
}

# Every option the fragment sets must have survived olddefconfig: one
# that a dependency dropped would give a kernel that checks less than it
# claims, silently. The fragment serves 6.1 and 6.12 alike: an option it
# turns off may be one this source has no Kconfig entry for (SLOB after
# 6.3, SLUB_TINY before 6.2), and that is off; every option it turns on
# must be there, in every series.
config_check() {
	local want sym missing=0
	while read -r want; do
		grep -qx "$want" "$1" && continue
		sym=$(echo "$want" | sed -n 's/^# CONFIG_\([A-Z0-9_]*\) is not set$/\1/p')
		[ -n "$sym" ] && ! in_kconfig "$sym" "$2" && continue
		echo "debug kernel: $want did not stick" >&2
		missing=1
	done < <(grep -E '^(CONFIG_[A-Z0-9_]+=.*|# CONFIG_[A-Z0-9_]+ is not set)$' "$config")
	return $missing
}

# in_kconfig SYMBOL SRC: SRC's Kconfig files define SYMBOL.
in_kconfig() {
	grep -rqE --include='Kconfig*' "^[[:space:]]*(menu)?config $1\$" "$2"
}

# make's output, less the per-file lines: a count now and then, and
# every warning and error.
progress() {
	awk '/^  [A-Z0-9_]+ +/ { n++; if (n % 1000 == 0) printf "debug kernel:   %d steps\n", n; fflush(); next }
	     { print; fflush() }'
}

build() {
	local d start
	d=$(dir)
	[ -e "$d/complete" ] && return 0
	[ -r "$tarball" ] || { echo "debug kernel: $tarball missing: run 'make setup' ($srcpkg)" >&2; return 1; }
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9
	[ -e "$d/complete" ] && return 0
	start=$SECONDS
	echo "debug kernel: building $d (once per source version and config; about 8 min on 2 cores)"
	rm -rf "$d" && mkdir -p "$d"
	# A failed build leaves nothing that looks usable.
	trap 'rm -rf "$d"' EXIT
	tar -xf "$tarball" -C "$d"
	mv "$d/$srcpkg" "$d/src"
	make -s -C "$d/src" O="$d/build" tinyconfig
	"$d/src/scripts/kconfig/merge_config.sh" -m -O "$d/build" \
		"$d/build/.config" "$config" >/dev/null
	make -s -C "$d/src" O="$d/build" olddefconfig
	config_check "$d/build/.config" "$d/src"
	make -C "$d/src" O="$d/build" -j"$(nproc)" all 2>&1 | progress
	touch "$d/complete"
	trap - EXIT
	echo "debug kernel: built in $((SECONDS - start))s"
	# One kernel per series (1.7 GB each): those of an older source or
	# config go. A clone of an older tree builds its own again. Another
	# series' kernel is another release's, which a fresh root of that
	# release still uses: it stays.
	for old in "$cache/$series".*/; do
		[ "${old%/}" = "$d" ] || [ ! -d "$old" ] || rm -rf --one-file-system "${old%/}"
	done
}

case "${1:-}" in
dir | build) "$1" ;;
*) echo "usage: debug-kernel.sh dir|build" >&2; exit 2 ;;
esac
