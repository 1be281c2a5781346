#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A tree to lay over the VM's root for the bindings (run-vm.sh's
# KUP_VM_EXTRA): Debian's python3 with the shared libraries it and ctypes
# need, its standard library (less what a test never imports), libkup.so.1
# from the build, the Python binding, its test, its benchmark and the
# README's Python example in /py; the Rust programs, statically linked and
# built with Debian's cargo offline (CARGO_HOME in the build), in /bin.
# tests/bindings.sh and make bench boot with it; the other VM runs stay
# small.
# usage: vm-bindings.sh OUT
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: vm-bindings.sh OUT}
py=$(readlink -f /usr/bin/python3)
ver=$(basename "$py")			# python3.11
stdlib=/usr/lib/$ver
[ -x "$py" ] && [ -d "$stdlib" ] || { echo "vm-bindings: no $py or $stdlib (make setup)" >&2; exit 1; }
[ -e "$top/build/lib/libkup.so.1" ] || { echo "vm-bindings: build libkup first (make lib)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/usr/bin" "$out/usr/lib" "$out/lib64" "$out/py"

# copy_libs FILE...: the shared libraries they need, where the loader
# looks for them, and the loader itself.
copy_libs() {
	ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/lib64\// { print $1 }' |
		sort -u | while read -r lib; do
			mkdir -p "$out$(dirname "$lib")"
			cp -L "$lib" "$out$lib"
		done
}

cp -L "$py" "$out/usr/bin/python3"
# The standard library without tests, GUIs, installers and byte code: the
# VM's root lives in its memory.
tar -C /usr/lib --exclude=__pycache__ --exclude="$ver/test" \
	--exclude="$ver/idlelib" --exclude="$ver/tkinter" --exclude="$ver/turtledemo" \
	--exclude="$ver/ensurepip" --exclude="$ver/lib2to3" --exclude="$ver/pydoc_data" \
	--exclude="$ver/distutils" --exclude="$ver/config-*" --exclude="$ver/site-packages" \
	--exclude="$ver/dist-packages" -cf - "$ver" | tar -C "$out/usr/lib" -xf -
copy_libs "$py" "$stdlib"/lib-dynload/_ctypes.*.so
cp -L "$top/build/lib/libkup.so.1" "$out/usr/lib/libkup.so.1"
cp -r "$top/bindings/python/kup" "$out/py/"
cp "$top/tests/python/test_vm.py" "$out/py/"
cp "$top/build/readme/readme_python.py" "$top/bench/vm/bind_rtt.py" "$out/py/"
find "$out/py" -name __pycache__ -prune -exec rm -rf {} +

# The Rust programs: the README's example, the VM test, the benchmark.
env CARGO_HOME="$top/build/cargo-home" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
	CARGO_TARGET_DIR="$top/build/rust" KUP_LIB_DIR="$top/build/lib" KUP_STATIC=1 \
	RUSTFLAGS="-C target-feature=+crt-static" \
	/usr/bin/cargo build --offline --release --examples -q \
	--manifest-path "$top/bindings/rust/Cargo.toml"
mkdir -p "$out/bin"
ex="$top/build/rust/release/examples"
cp "$ex/readme" "$out/bin/readme_rust"
cp "$ex/vm_test" "$out/bin/kup_rust_vm"
cp "$ex/bench_rtt" "$out/bin/kup_rust_bench"
echo "vm-bindings: $(du -sh "$out" | cut -f1) in $out"
