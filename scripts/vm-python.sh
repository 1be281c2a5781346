#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A tree to lay over the VM's root for the Python binding's test: Debian's
# python3 with the shared libraries it and ctypes need, its standard
# library (less what a test never imports), libkup.so.1 from the build, the
# binding, its test and the README's Python example. tests/check.sh boots
# one VM with it (run-vm.sh's KUP_VM_EXTRA); the other VM runs stay small.
# usage: vm-python.sh OUT
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: vm-python.sh OUT}
py=$(readlink -f /usr/bin/python3)
ver=$(basename "$py")			# python3.11
stdlib=/usr/lib/$ver
[ -x "$py" ] && [ -d "$stdlib" ] || { echo "vm-python: no $py or $stdlib (make setup)" >&2; exit 1; }
[ -e "$top/build/lib/libkup.so.1" ] || { echo "vm-python: build libkup first (make lib)" >&2; exit 1; }

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
cp "$top/build/readme/readme_python.py" "$out/py/"
find "$out/py" -name __pycache__ -prune -exec rm -rf {} +
echo "vm-python: $(du -sh "$out" | cut -f1) in $out"
