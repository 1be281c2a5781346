# SPDX-License-Identifier: GPL-2.0
# Shell helpers sourced by the in-VM test scripts.

# ok CONDITION-STATUS DESCRIPTION: print one TAP line for the last command.
check() {
	if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

# load MODULE [PARAMS...]: insmod from /kmod.
load() {
	m=$1
	shift
	insmod "/kmod/$m.ko" "$@"
}

# mode_of PATH: octal permission bits, owner and group ("600 0 0").
mode_of() {
	stat -c '%a %u %g' "$1" 2>/dev/null
}
