# SPDX-License-Identifier: GPL-2.0
# make bench, in the VM: one-way throughput of the system call paths (char
# device, netlink, /proc/tunnel), of the kernel -> user streams a kernel
# developer would build instead (relay, a kfifo char device), and of the limits (a plain SPSC ring
# between two threads, memcpy), every message size. Prints "R" lines.
. /tests/lib.sh
if load kup && load kup_bench; then
	vm_bench tput chr
	vm_bench tput netlink
	rmmod kup_bench
	rmmod kup
else
	echo "# vm_tput_sys: cannot load kup_bench.ko"
fi
vm_bench tput limit
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if load kup_bench_peers; then
	vm_bench tput peers
	vm_bench tput bpf
	rmmod kup_bench_peers
else
	echo "# vm_tput_sys: cannot load kup_bench_peers.ko: no relay or kfifo figures"
fi
if [ -f /kmod/kup_tunnel.ko ] && [ -f /kmod/kup_bench_tunnel.ko ]; then
	# Buffers as big as kup_bench's rings (64 pages each way).
	load kup_tunnel pages=64 && load kup_bench_tunnel && vm_bench tput tunnel
	rmmod kup_bench_tunnel
	rmmod kup_tunnel
else
	echo "# vm_tput_sys: kup_tunnel.ko or kup_bench_tunnel.ko not built: no /proc/tunnel throughput"
fi
exit 0
