#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the README's code examples into build/readme/ so that every build
# compiles them (and the VM suite runs them): the README cannot rot.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/readme"
mkdir -p "$out"

# extract MARKER FILE [LANG]: the block whose first line is
# /* readme: MARKER */ (C), or with LANG py # readme: MARKER, with LANG rs
# // readme: MARKER.
extract() {
	local tmp="$out/.$2.tmp" m="/* readme: $1 */" spdx="// SPDX-License-Identifier: GPL-2.0"
	case "${3:-c}" in
	py) m="# readme: $1"; spdx="# SPDX-License-Identifier: GPL-2.0" ;;
	rs) m="// readme: $1" ;;
	esac
	awk -v m="$m" -v spdx="$spdx" '
		$0 == m { on = 1; print spdx; next }
		on && /^```/ { exit }
		on { print }' "$top/README.md" >"$tmp"
	[ -s "$tmp" ] || { echo "README.md has no '$1' block" >&2; exit 1; }
	# Rewrite only on change, so make does not rebuild for nothing.
	cmp -s "$tmp" "$out/$2" && rm "$tmp" || mv "$tmp" "$out/$2"
}
extract "kernel example" readme_kmod.c
extract "user example" readme_user.c
extract "tunnel example" readme_tunnel.c
extract "burst example" readme_burst.c
extract "burst user example" readme_burst_user.c
extract "mp example" readme_mp.c
extract "mp user example" readme_mp_user.c
extract "python example" readme_python.py py
extract "rust example" readme_rust.rs rs
