#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Which kernel KUP is built for and which image the test VM boots. The one
# place that decides it: the Makefile, setup.sh and run-vm.sh all ask here,
# each time they need it, so an answer is never older than the packages.
#
# usage: kernel.sh kdir | rt-kdir | kver | series | image | fetch
#   kdir   the headers to build against: $KDIR if set; else those Debian's
#          linux-headers-amd64 points to; else the newest installed generic
#          /usr/src/linux-headers-*-amd64 (not -rt, not -cloud). Prints
#          nothing if there are none.
#   rt-kdir  the PREEMPT_RT kernel's headers, which make check also builds
#          and tests against: $RT_KDIR if set; else those Debian's
#          linux-headers-rt-amd64 points to; else the newest installed
#          /usr/src/linux-headers-*-rt-amd64.
#   kver   their release (UTS_RELEASE), e.g. 6.1.0-57-amd64
#   series X.Y of Debian's generic headers, whatever $KDIR says, e.g. 6.1
#          (bookworm) or 6.12 (trixie): the debug kernel is built from
#          that release's linux-source-X.Y (setup.sh, debug-kernel.sh).
#          Prints nothing if they are not installed.
#   image  the kernel image the VM boots: $KERNEL if set, else
#          build/kernel/vmlinuz-KVER (fetched by "kernel.sh fetch")
#   fetch  download Debian's linux-image-KVER package and unpack only its
#          vmlinuz to build/kernel/: nothing is installed, so the machine's
#          boot menu is left alone. Does nothing if $KERNEL is set or the
#          image is there already.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

kdir() {
	local dep
	if [ -n "${KDIR:-}" ]; then
		echo "$KDIR"
		return
	fi
	# "linux-headers-6.1.0-57-amd64 (= 6.1.192-3)": the kernel Debian's
	# metapackage is on now, even if older headers are still installed.
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	      sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
	if [ -n "$dep" ] && [ -d "/usr/src/linux-headers-$dep" ]; then
		echo "/usr/src/linux-headers-$dep"
		return
	fi
	# Only the generic flavour: the -rt-amd64 headers are there too (the
	# RT suite's), and they are never the generic kernel's.
	ls -d /usr/src/linux-headers-*-amd64 2>/dev/null |
		grep -Ev -- '-(rt|cloud)-amd64$' | sort -V | tail -n 1
}

rt_kdir() {
	local dep
	if [ -n "${RT_KDIR:-}" ]; then
		echo "$RT_KDIR"
		return
	fi
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-rt-amd64 2>/dev/null |
	      sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
	if [ -n "$dep" ] && [ -d "/usr/src/linux-headers-$dep" ]; then
		echo "/usr/src/linux-headers-$dep"
		return
	fi
	ls -d /usr/src/linux-headers-*-rt-amd64 2>/dev/null | sort -V | tail -n 1
}

kver() {
	local d
	d=$(kdir)
	[ -n "$d" ] || return 0
	sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
		"$d/include/generated/utsrelease.h" 2>/dev/null
}

# Not KDIR's: headers given by hand may be of a kernel whose source the
# release does not package; the debug kernel is the release's own.
series() {
	KDIR='' kver | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p'
}

image() {
	if [ -n "${KERNEL:-}" ]; then
		echo "$KERNEL"
	else
		echo "$top/build/kernel/vmlinuz-$(kver)"
	fi
}

# The image package of exactly the headers' version if the archive still
# has it, else the archive's current one of the same release (same ABI).
fetch() {
	local kv ver dest pkg
	[ -z "${KERNEL:-}" ] || return 0
	kv=$(kver)
	[ -n "$kv" ] || { echo "kernel.sh: no kernel headers (KDIR)" >&2; return 1; }
	dest="$top/build/kernel/vmlinuz-$kv"
	[ -s "$dest" ] && return 0
	ver=$(dpkg-query -W -f='${Version}' "linux-headers-$kv" 2>/dev/null) || ver=
	mkdir -p "$top/build/kernel"
	tmp=$(mktemp -d "$top/build/kernel/.fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# As root, apt downloads as its sandbox user, who must own the folder.
	[ "$(id -u)" != 0 ] || chown _apt "$tmp" 2>/dev/null || true
	for pkg in ${ver:+"linux-image-$kv=$ver"} "linux-image-$kv" \
		   ${ver:+"linux-image-$kv-unsigned=$ver"} "linux-image-$kv-unsigned"; do
		echo "setup: downloading $pkg for the test VM (not installed)"
		if (cd "$tmp" && apt-get download -q "$pkg" 2>&1 |
		    grep -E '^(Get|Fetched|E):'); then
			ls "$tmp"/*.deb >/dev/null 2>&1 && break
		fi
	done
	if ! ls "$tmp"/*.deb >/dev/null 2>&1; then
		echo "kernel.sh: cannot download linux-image-$kv: as root, run" \
		     "'apt-get update && apt-get install linux-headers-amd64'" \
		     "(the archive may have moved on to a newer kernel), or set" \
		     "KDIR= and KERNEL= to headers and a vmlinuz of one release" >&2
		return 1
	fi
	set -o pipefail
	dpkg-deb --fsys-tarfile "$tmp"/*.deb |
		tar -x -C "$tmp" "./boot/vmlinuz-$kv"
	mv "$tmp/boot/vmlinuz-$kv" "$dest"
	echo "setup: $dest"
}

case "${1:-}" in
kdir | kver | series | image | fetch) "$1" ;;
rt-kdir) rt_kdir ;;
*) echo "usage: kernel.sh kdir|rt-kdir|kver|series|image|fetch" >&2; exit 2 ;;
esac
