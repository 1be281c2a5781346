#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dkms.conf's POST_BUILD, POST_INSTALL and POST_REMOVE: the Module.symvers
# of kup.ko and kup_tunnel.ko, which a client module's build needs
# (KBUILD_EXTRA_SYMBOLS), kept per kernel beside the modules DKMS installs:
# /lib/modules/RELEASE/updates/dkms/kup/Module.symvers.
#
#   build KEEP          run by dkms in its build directory, just built:
#                       copies ./Module.symvers to KEEP, dkms's directory of
#                       this kernel's build (removed with it by dkms)
#   install KEEP DEST   KEEP/Module.symvers to DEST/Module.symvers
#   remove DEST         DEST/Module.symvers, then DEST and the directories
#                       above it that dkms made, if they are empty
#
# dkms (3.0) runs these with no environment of its own: everything comes as
# arguments, which dkms.conf fills in for the kernel at hand.
set -eu

die() {
	echo "kup dkms-symvers.sh: $*" >&2
	exit 1
}

case "${1:-}" in
build)
	[ $# = 2 ] || die "usage: build KEEP"
	[ -s Module.symvers ] || die "no Module.symvers in $(pwd) after the build"
	mkdir -p "$2"
	cp Module.symvers "$2/Module.symvers"
	;;
install)
	[ $# = 3 ] || die "usage: install KEEP DEST"
	[ -s "$2/Module.symvers" ] || die "no $2/Module.symvers: was the module built by this dkms?"
	mkdir -p "$3"
	cp "$2/Module.symvers" "$3/Module.symvers"
	;;
remove)
	[ $# = 2 ] || die "usage: remove DEST"
	rm -f "$2/Module.symvers"
	# DEST, then updates/dkms and updates (dkms tried those before this
	# step, while DEST was still there).
	for d in "$2" "${2%/*}" "${2%/*/*}"; do
		[ -d "$d" ] && rmdir --ignore-fail-on-non-empty "$d"
	done
	;;
*)
	die "usage: dkms-symvers.sh build KEEP | install KEEP DEST | remove DEST"
	;;
esac
exit 0
