#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing KUP needs, from Debian's archive, if it
# is missing. Non-interactive; does nothing when everything is there.
set -eu
pkgs="make gcc libc6-dev file cpio kmod busybox-static qemu-system-x86
      linux-image-amd64 linux-headers-amd64 clang libclang-rt-14-dev"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "setup: missing packages:$missing; run as root or install them" >&2
	exit 1
fi
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
