#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Instructions per message on libkup's user-side fast path, counted by
# callgrind (exact, unlike timing): for each API call, only that call is
# collected (--toggle-collect), and the payload copy (memcpy/memmove,
# whatever variant glibc picked) is reported apart from the rest.
#
# usage: instr.sh INSTR_BINARY OUTDIR [MESSAGES]
# Prints "R host.instr.<path> N instr/msg" lines; the .cg files stay in
# OUTDIR for callgrind_annotate --auto=yes.
set -u
bin=$1
out=$2
msgs=${3:-100000}
size=64

if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
	echo "# instr: valgrind is not installed; no instruction counts"
	exit 0
fi
mkdir -p "$out"

# count NAME FUNCTION...: run callgrind collecting only inside FUNCTIONs.
count() {
	local name=$1 f toggles=() file="$out/$1.cg" total copy
	shift
	for f in "$@"; do
		toggles+=("--toggle-collect=$f")
	done
	if ! valgrind --tool=callgrind --callgrind-out-file="$file" \
		"${toggles[@]}" "$bin" "$name" "$msgs" "$size" >/dev/null 2>"$out/$name.log"; then
		echo "# instr: callgrind failed for $name (see $out/$name.log)"
		return
	fi
	callgrind_annotate --auto=no --threshold=100 "$file" >"$out/$name.txt" 2>/dev/null
	total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }' "$out/$name.txt")
	copy=$(awk '/:__mem(cpy|move)|:mem(cpy|move)/ { gsub(",", "", $1); s += $1 } END { print s + 0 }' "$out/$name.txt")
	[ -n "$total" ] || { echo "# instr: no totals for $name"; return; }
	awk -v t="$total" -v c="$copy" -v n="$msgs" -v k="$name" 'BEGIN {
		printf "R host.instr.%s %.1f instr/msg\n", k, (t - c) / n
		printf "R host.instr.%s_copy %.1f instr/msg\n", k, c / n
	}'
}

count send kernproxy_send
count send_zc kernproxy_reserve kernproxy_commit
count receive kernproxy_receive_len
