# SPDX-License-Identifier: GPL-2.0
# make bench, in the VM: the bindings' 64-byte round trip through kup_echo
# with default flags (vm.rtt.py_block, vm.rtt.rs_block), beside C's
# vm.rtt.kup_block from vm_rtt.sh in the same boot. The root carries python3
# and the Rust program when bench/run.sh could build them.
. /tests/lib.sh
load kup || { echo "# vm_bind: cannot load kup.ko"; exit 0; }
load kup_echo chans=1 pages=4 && {
	if [ -x /usr/bin/python3 ]; then
		PYTHONPATH=/py KUP_LIBRARY=/usr/lib/libkup.so.1 PYTHONDONTWRITEBYTECODE=1 \
			/usr/bin/python3 /py/bind_rtt.py || echo "# vm_bind: the Python round trip failed"
	else
		echo "# vm_bind: no python3 in this VM"
	fi
	if [ -x /bin/kup_rust_bench ]; then
		kup_rust_bench || echo "# vm_bind: the Rust round trip failed"
	else
		echo "# vm_bind: no Rust program in this VM"
	fi
}
rmmod kup_echo
rmmod kup
