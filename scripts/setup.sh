#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing KUP needs, from Debian's archive, if it
# is missing, then fetch the kernel image the test VM boots. Non-interactive;
# quick when everything is there already. Says what it installs and why,
# group by group, and shows apt's progress.
set -eu
set -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# "what it is for|packages": every package here is needed by make check.
# The names are the same on Debian 12 (bookworm) and 13 (trixie): the
# metapackages follow the release (linux-headers-amd64, clang,
# libclang-rt-dev). The one name that cannot is the kernel source's,
# linux-source-X.Y: @SERIES@ stands for X.Y (pkgs_of), and its group comes
# after the headers' group, which decides it. pahole (dwarves) writes the
# BTF of modules built against headers that have it (6.12's do).
groups=(
	"compiler and tools|make gcc libc6-dev file cpio kmod"
	"mandoc, man-db and groff, for checking the man pages|mandoc man-db groff-base"
	"kernel headers and pahole, for building the modules (generic and PREEMPT_RT)|linux-headers-amd64 linux-headers-rt-amd64 dwarves"
	"QEMU and busybox, for the test VM|qemu-system-x86 busybox-static"
	"clang and its sanitizer and fuzzer runtimes, for the host tests|clang libclang-rt-dev"
	"the kernel source and its build tools, for the debug kernel|linux-source-@SERIES@ bc bison flex libelf-dev xz-utils"
	"Debian's packaging tools, for make deb and the package test|debhelper dh-dkms"
	"Python and Rust, for the bindings and their tests|python3 cargo rustc"
)

# pkgs_of GROUP: its packages, linux-source-@SERIES@ as the release of the
# generic headers installed now (scripts/kernel.sh series). Before they are
# installed that is unknown: "linux-source-X.Y", which is never installed,
# so the group is missing until its turn comes, after the headers'.
pkgs_of() {
	local s
	s=$("$top/scripts/kernel.sh" series)
	echo "${1//@SERIES@/${s:-X.Y}}"
}

missing_of() {
	local p out=""
	for p in $(pkgs_of "$1"); do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed' || out="$out $p"
	done
	echo "$out"
}

# apt's own lines, less the per-file chatter: what it fetches, each package
# as it is set up, and every warning and error.
apt_progress() {
	{ grep --line-buffered -E '^(Need to get|Fetched|Setting up|E:|W:|[0-9]+ upgraded)' ||
	  true; } | sed -u 's/^/setup:     /'
}

todo=()
for g in "${groups[@]}"; do
	[ -n "$(missing_of "${g#*|}")" ] && todo+=("$g")
done

if [ ${#todo[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: missing packages:$(for g in "${todo[@]}"; do missing_of "${g#*|}"; done | tr '\n' ' ')" >&2
		echo "setup: run 'make setup' as root (or with sudo), or install them" >&2
		exit 1
	fi
	start=$SECONDS
	export DEBIAN_FRONTEND=noninteractive
	echo "setup: updating the package lists (apt-get update)"
	apt-get update -q | apt_progress
	i=0
	for g in "${todo[@]}"; do
		i=$((i + 1))
		pkgs=$(missing_of "${g#*|}")
		case "$pkgs" in
		*X.Y*) echo "setup: no kernel headers (linux-headers-amd64), so no linux-source-X.Y to pick for the debug kernel" >&2
		       exit 1 ;;
		esac
		echo "setup: [$i/${#todo[@]}] ${g%%|*}:$pkgs"
		apt-get install -y -q --no-install-recommends $pkgs | apt_progress
	done
	echo "setup: packages installed in $((SECONDS - start))s"
fi

# The VM's kernels are unpacked under build/, never installed: the generic
# one, and the PREEMPT_RT one that make check tests on as well.
"$top/scripts/kernel.sh" fetch
KDIR=$("$top/scripts/kernel.sh" rt-kdir) KERNEL= "$top/scripts/kernel.sh" fetch
