#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Python and Rust bindings (make check): on the host, without a KUP
# device, then against real channels in a VM boot of their own whose root
# also carries Debian's python3 and the statically linked Rust programs.
# Debian's cargo and rustc only (/usr/bin), offline, with a CARGO_HOME in
# the build: nothing a user installed by hand takes part. Prints TAP lines
# without numbers; the caller numbers them.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
extra=build/vm-bindings
log=build/bindings.log
: >"$log"

ok() { echo "ok - bindings: $*"; }
notok() { echo "not ok - bindings: $*"; }

# step DESCRIPTION CMD...: run CMD, its output to the log (and shown if it
# fails), one TAP line.
step() {
	local what=$1
	shift
	if "$@" >>"$log" 2>&1; then
		ok "$what"
	else
		notok "$what (exit $?; see $log)"
		tail -n 30 "$log" | sed 's/^/#   /'
		return 1
	fi
}

cargo_env=(env CARGO_HOME="$top/build/cargo-home" RUSTC=/usr/bin/rustc
	   RUSTDOC=/usr/bin/rustdoc CARGO_TARGET_DIR="$top/build/rust"
	   KUP_LIB_DIR="$top/build/lib" KUP_STATIC=1)

# The Python binding on the host: its test prints its own TAP lines.
KUP_LIBRARY=build/lib/libkup.so.1 PYTHONPATH=bindings/python \
	/usr/bin/python3 tests/python/test_host.py ||
	notok "the Python binding's host test exited with status $?"
step "cargo test (unit tests, doc tests, the borrow rule), Debian's cargo offline" \
	"${cargo_env[@]}" /usr/bin/cargo test --offline --manifest-path bindings/rust/Cargo.toml
step "the VM root for the bindings: python3, libkup.so.1, the binding, the Rust programs statically linked" \
	scripts/vm-bindings.sh "$extra"
KUP_VM_EXTRA="$top/$extra" tests/vm/run-vm.sh --name bindings --timeout 300 tests/vm/bindings.sh
