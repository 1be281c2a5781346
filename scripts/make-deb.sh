#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages kup-dkms, libkup1, libkup-dev and kup-tools
# (debian/), built in a copy of the tree, build/deb/src, so that what
# debhelper writes under debian/ never lands in this one. dpkg-buildpackage
# puts the packages in the copy's parent: build/deb/*.deb.
#
# The build dependencies are debian/control's; those missing are installed
# first with "apt-get build-dep" (as root; make setup installs them too).
set -u
set -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/deb"
src="$out/src"

say() { echo "deb: $*"; }
die() { echo "deb: $*" >&2; exit 1; }

# The tree's files: what git tracks or would track (new files too), else
# everything but build/ and the build products .gitignore names.
tree_files() {
	if git -c safe.directory="$top" -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git -c safe.directory="$top" -C "$top" ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do
				[ -e "$top/$f" ] && printf '%s\0' "$f"	# deleted, not committed yet
			done
	else
		(cd "$top" && find . -path ./build -prune -o -path ./.git -prune -o \
			\( -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*' \) -prune -o \
			\( -type f -o -type l \) -printf '%P\0')
	fi
}

copy_tree() {
	rm -rf "$out" && mkdir -p "$src" || return 1
	tree_files | (cd "$top" && cpio -0pdm --quiet "$src")
}

build_deps() {
	command -v dpkg-checkbuilddeps >/dev/null && (cd "$src" && dpkg-checkbuilddeps) 2>/dev/null &&
		return 0
	[ "$(id -u)" = 0 ] || die "build dependencies missing (debian/control): run 'make setup' as root," \
		"or 'apt-get build-dep $src' as root"
	say "installing the build dependencies (apt-get build-dep, from debian/control)"
	command -v dpkg-checkbuilddeps >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dpkg-dev |
		grep -E '^(Setting up|E:)'
	DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q --no-install-recommends "$src" |
		grep -E '^(Setting up|E:|W:)'
	(cd "$src" && dpkg-checkbuilddeps) || die "build dependencies still missing"
}

t0=$SECONDS
copy_tree || die "cannot copy the tree to $src"
build_deps
say "dpkg-buildpackage -b in $src (log: $out/build.log)"
# Without the make variables of the make that runs this one: the package's
# build starts from its own defaults (PREFIX=/usr and so on, debian/rules).
if ! (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DESTDIR -u PREFIX -u LIBDIR \
	-u INCLUDEDIR -u BINDIR -u MANDIR -u PKGCONFIGDIR -u KUP_SRCDIR \
	dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	die "dpkg-buildpackage failed; the whole log: $out/build.log"
fi
ls "$out"/*.deb >/dev/null 2>&1 || die "dpkg-buildpackage made no package"
say "$(cd "$out" && echo *.deb) in $out ($((SECONDS - t0))s)"
