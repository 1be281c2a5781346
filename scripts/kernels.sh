#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernels make check tests on beyond this machine's own (its generic
# and PREEMPT_RT kernels, scripts/kernel.sh, and the debug kernel,
# scripts/debug-kernel.sh). Nothing is installed on this machine and no apt
# source is added to it:
#   backports  on Debian 12, Linux 6.12 from bookworm-backports: headers,
#              kbuild and image fetched with "apt-get download" through a
#              private apt configuration (scripts/apt-lib.sh), unpacked
#              under build/kernels/RELEASE/. The modules build on this
#              machine, with its gcc-12.
#   newest     the newest Debian kernel, unstable's: its kbuild tools and
#              compiler need unstable's libc, so its headers live in an
#              unstable minbase root kept in the cache (made from
#              scripts/chroot-lib.sh's tarball, upgraded each run: it moves
#              with Debian) and the modules are built in there. Its image
#              is unpacked from linux-binary-RELEASE (7.2 on) or
#              linux-image-RELEASE.
# The downloads and the root are kept in $KUP_KERNELS_CACHE (default
# /var/cache/kup-kernels, or ~/.cache/kup-kernels for a user who cannot
# write /var/cache); the files a build uses are under build/kernels/.
#
# usage: kernels.sh list | prepare NAME | release NAME | kdir NAME |
#                   image NAME | modules NAME DIR [MAKE-ARGS...]
#   list     the names for this machine's release, in the order make check
#            runs them ($KUP_KERNELS if set)
#   prepare  fetch (or bring up to date) what NAME needs; prints its release
#   release  NAME's kernel release, once prepared ("7.2.13+deb14-amd64")
#   kdir     the headers to build against, as this machine sees them
#   image    the vmlinuz the VM boots
#   modules  build the Kbuild tree DIR (a copy of the sources) for NAME
set -eu
set -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/apt-lib.sh"
if [ -n "${KUP_KERNELS_CACHE:-}" ]; then
	kcache=$KUP_KERNELS_CACHE
elif [ -w /var/cache ] || [ -w /var/cache/kup-kernels ]; then
	kcache=/var/cache/kup-kernels
else
	kcache=${XDG_CACHE_HOME:-$HOME/.cache}/kup-kernels
fi
kbuild="$top/build/kernels"
sidroot="$kcache/sid-root"

say() { echo "kernels: $*" >&2; }
die() { echo "kernels: $*" >&2; exit 1; }

# On Debian 13 the host's own kernels are 6.12's (generic, PREEMPT_RT,
# debug): the range's oldest and newest are tested from Debian 12, which CI
# runs, and its fresh Debian 13 root keeps within CI's time. KUP_KERNELS,
# if set (even empty), is the list instead.
list() {
	if [ -n "${KUP_KERNELS+set}" ]; then
		echo "$KUP_KERNELS"
		return
	fi
	case "$(host_suite)" in
	bookworm) echo backports newest ;;
	esac
}

# The main archive's URI in this machine's sources.
host_mirror() {
	local hs
	hs=$(host_suite)
	suite_sources "$hs" | awk -v s="$hs" '$2 == s { print $1; exit }'
}

# "linux-headers-RELEASE" that the metapackage linux-headers-amd64 of the
# given apt-cache depends on: the release.
meta_release() {
	sed -n 's/^ *Depends: linux-headers-\([^ ]*-amd64\)$/\1/p' | head -n 1
}

# ---- backports: Linux 6.12 on Debian 12 ----

bpo_prepare() {
	local hs apt rel abi p dest
	hs=$(host_suite)
	apt="$kcache/apt-$hs-backports"
	apt_private "$apt" "deb $(host_mirror) $hs-backports main" ||
		die "apt-get update of $hs-backports failed (see $apt/update.log)"
	rel=$(APT_CONFIG=$apt/apt.conf apt-cache depends linux-headers-amd64 | meta_release)
	[ -n "$rel" ] || die "$hs-backports has no linux-headers-amd64"
	abi=${rel%-amd64}
	for p in "linux-headers-$rel" "linux-headers-$abi-common" "linux-kbuild-$abi" \
		 "linux-image-$rel"; do
		ls "$kcache/debs/${p}_"*.deb >/dev/null 2>&1 ||
			apt_private_get "$apt" "$kcache/debs" "$p" >&2 ||
			die "cannot download $p from $hs-backports"
	done
	dest="$kbuild/$rel"
	if [ ! -e "$dest/.complete" ]; then
		rm -rf "$dest" && mkdir -p "$dest"
		for p in "linux-headers-$rel" "linux-headers-$abi-common" "linux-kbuild-$abi" \
			 "linux-image-$rel"; do
			dpkg-deb -x "$(ls "$kcache/debs/${p}_"*.deb | tail -n 1)" "$dest"
		done
		# The headers' Makefile includes the common tree by its
		# absolute path; the other links are relative.
		sed -i "s|^include /usr/src/|include $dest/usr/src/|" \
			"$dest/usr/src/linux-headers-$rel/Makefile"
		touch "$dest/.complete"
	fi
	echo "$rel" >"$kbuild/backports.release"
	echo "$rel"
}

# ---- newest: unstable's kernel, built in an unstable root ----

# in_sid CMD [DIR]: CMD in the unstable root, with /proc and /dev, and DIR
# (if given) bound at /kup; in a mount namespace of its own, so that the
# mounts go with it, whatever happens to us.
in_sid() {
	unshare --mount --propagation private /bin/bash -c '
		r=$1
		mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" || exit 97
		if [ -n "$3" ]; then
			mkdir -p "$r/kup" && mount --bind "$3" "$r/kup" || exit 97
		fi
		exec chroot "$r" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			${http_proxy:+http_proxy=$http_proxy} /bin/bash -c "$2"' in_sid "$sidroot" "$1" "${2:-}"
}

# The root, made once from chroot-lib's unstable tarball.
sid_root() {
	[ -e "$sidroot/.complete" ] && return 0
	(
		# chroot-lib's own messages, and its cache lock, in a subshell.
		die() { echo "kernels: $*" >&2; exit 1; }
		. "$top/scripts/chroot-lib.sh"
		use_suite sid
		cache_lock >&2 || die "cannot lock $cache"
		make_tarball >&2 || die "cannot make the unstable minbase root"
		say "unstable root for the newest kernel: $sidroot (once)"
		rm -rf --one-file-system "$sidroot" && mkdir -p "$sidroot"
		tar -C "$sidroot" --numeric-owner -xf "$tarball"
		echo "$sources" | awk '{ print "deb", $1, $2, "main" }' >"$sidroot/etc/apt/sources.list"
		apt_host_policy >"$sidroot/etc/apt/apt.conf.d/99kup-host"
		# A build root, written only by us: apt's download sandbox
		# would only warn about the folders it cannot enter.
		echo 'APT::Sandbox::User "root";' >>"$sidroot/etc/apt/apt.conf.d/99kup-host"
	) || return 1
	touch "$sidroot/.complete"
}

newest_prepare() {
	local rel t0=$SECONDS
	mkdir -p "$kcache"
	exec 8>"$kcache/.sid.lock"
	flock 8
	sid_root || die "no unstable root"
	cp -L /etc/resolv.conf "$sidroot/etc/resolv.conf" 2>/dev/null || true
	# Up to date with unstable each run: its newest kernel is the point.
	in_sid 'export DEBIAN_FRONTEND=noninteractive
		set -o pipefail
		apt-get update -q >/dev/null || exit 1
		apt-get install -y -q --no-install-recommends make gcc libc6-dev dwarves \
			cpio kmod linux-headers-amd64 |
			{ grep -E "^(Setting up linux-headers|E:)" || true; } || exit 1
		apt-get autoremove -y -q --purge >/dev/null; apt-get clean' >&2 ||
		die "cannot bring the unstable root's kernel headers up to date"
	rel=$(in_sid 'apt-cache depends linux-headers-amd64' | meta_release)
	[ -n "$rel" ] && [ -d "$sidroot/usr/src/linux-headers-$rel" ] ||
		die "no linux-headers-amd64 in the unstable root"
	newest_image "$rel"
	echo "$rel" >"$kbuild/newest.release"
	say "newest Debian kernel: $rel ($((SECONDS - t0))s)"
	echo "$rel"
}

# image_deb RELEASE: the image package of RELEASE in the cache, if any.
image_deb() {
	local f
	for f in "$kcache/debs/linux-binary-${1}_"*.deb "$kcache/debs/linux-image-${1}_"*.deb; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	return 0
}

# newest_image RELEASE: its vmlinuz in build/kernels/RELEASE/, from
# linux-binary-RELEASE (7.2 on: linux-image-RELEASE is a metapackage) or
# linux-image-RELEASE.
newest_image() {
	local rel=$1 dest="$kbuild/$1" deb
	[ -s "$dest/vmlinuz" ] && return 0
	mkdir -p "$dest" "$kcache/debs"
	deb=$(image_deb "$rel")
	if [ -z "$deb" ]; then
		in_sid "cd /kup && { apt-get download -q linux-binary-$rel 2>/dev/null ||
			apt-get download -q linux-image-$rel; }" "$kcache/debs" >&2 ||
			die "cannot download the image of $rel"
		deb=$(image_deb "$rel")
	fi
	rm -rf "$dest/x" && mkdir -p "$dest/x"
	dpkg-deb -x "$deb" "$dest/x"
	mv "$(ls "$dest/x/usr/lib/modules/$rel/vmlinuz" "$dest/x/boot/vmlinuz-$rel" 2>/dev/null |
	      head -n 1)" "$dest/vmlinuz" || die "no vmlinuz in $deb"
	rm -rf "$dest/x"
}

# ---- the commands ----

release() {
	cat "$kbuild/$1.release" 2>/dev/null ||
		die "$1 is not prepared: scripts/kernels.sh prepare $1"
}

kdir() {
	local rel
	rel=$(release "$1")
	case "$1" in
	backports) echo "$kbuild/$rel/usr/src/linux-headers-$rel" ;;
	newest) echo "$sidroot/usr/src/linux-headers-$rel" ;;
	esac
}

image() {
	local rel
	rel=$(release "$1")
	case "$1" in
	backports) echo "$kbuild/$rel/boot/vmlinuz-$rel" ;;
	newest) echo "$kbuild/$rel/vmlinuz" ;;
	esac
}

# modules NAME DIR ARGS: Kbuild's output is kept in DIR/build.log; with
# KUP_WERROR=y a warning of modpost's (which -Werror does not cover, e.g.
# a missing MODULE_DESCRIPTION on 7.2) fails the build too.
modules() {
	local name=$1 dir rel rc=0
	dir=$(cd "$2" && pwd)
	shift 2
	rel=$(release "$name")
	case "$name" in
	backports)
		make -C "$(kdir "$name")" M="$dir" modules "$@" 2>&1 | tee "$dir/build.log" || rc=$? ;;
	newest)
		in_sid "make -C /usr/src/linux-headers-$rel M=/kup modules $*" "$dir" 2>&1 |
			tee "$dir/build.log" || rc=$? ;;
	esac
	[ $rc = 0 ] || die "the modules did not build for $name ($rel)"
	if [ "${KUP_WERROR:-n}" = y ] && grep -q '^WARNING: ' "$dir/build.log"; then
		die "warnings building for $name ($rel), with KUP_WERROR=y"
	fi
}

check_name() {
	case "${1:-}" in
	backports | newest) ;;
	*) echo "usage: kernels.sh $2 backports|newest" >&2; exit 2 ;;
	esac
}

cmd=${1:-}
case "$cmd" in
list) list ;;
prepare)
	check_name "${2:-}" "$cmd"
	mkdir -p "$kbuild" "$kcache"
	if [ "$2" = backports ]; then bpo_prepare; else newest_prepare; fi ;;
release | kdir | image) check_name "${2:-}" "$cmd"; "$cmd" "$2" ;;
modules)
	check_name "${2:-}" "$cmd"
	[ -d "${3:-}" ] || { echo "usage: kernels.sh modules NAME DIR [MAKE-ARGS]" >&2; exit 2; }
	modules "${@:2}" ;;
*) echo "usage: kernels.sh list|prepare|release|kdir|image|modules" >&2; exit 2 ;;
esac
