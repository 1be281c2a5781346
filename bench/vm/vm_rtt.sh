# SPDX-License-Identifier: GPL-2.0
# make bench, in the VM: 64-byte round trips user -> kernel -> user, one at
# a time (vm.rtt.*) and 64 in flight (vm.echo.*). Each path runs with only
# its own modules loaded. Prints "R" lines.
. /tests/lib.sh
echo "# vm: $(nproc) vCPUs, kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
load kup || { echo "# vm_rtt: cannot load kup.ko"; exit 0; }
spin=/sys/module/kup/parameters/spin_iters

# KUP through kup_echo: the kernel polls, then blocks (spinning a while
# first, as by default), then sleeps at once on both sides.
load kup_echo chans=1 pages=4 poll=1 && {
	vm_bench rtt kup_poll
	vm_bench echo kup_poll
}
rmmod kup_echo
load kup_echo chans=1 pages=4 poll=1 burst=16 && vm_bench echo kup_burst
rmmod kup_echo
load kup_echo chans=1 pages=4 && {
	vm_bench rtt kup_block
	vm_bench echo kup_block
	old=$(cat $spin)
	echo 0 >$spin
	vm_bench rtt kup_sleep
	echo "$old" >$spin
}
rmmod kup_echo

load kup_bench && {
	vm_bench rtt ioctl
	vm_bench rtt chr
	vm_bench rtt netlink
	rmmod kup_bench
}
rmmod kup

# The limit, and a plain ring each way between two threads.
vm_bench rtt limit
vm_bench rtt ring
vm_bench echo pipe

# io_uring: IORING_OP_URING_CMD on kup_bench_peers.ko's device.
if load kup_bench_peers; then
	vm_bench rtt uring_sqpoll
	vm_bench rtt uring_wait
	vm_bench echo uring_sqpoll
	vm_bench echo uring_wait
	vm_bench echo uring_async
	# A ring's files are put by a work item after io_uring_queue_exit().
	for i in 1 2 3 4 5 6 7 8 9; do
		rmmod kup_bench_peers 2>/dev/null && break
		sleep 0.5
	done
	[ -d /sys/module/kup_bench_peers ] && rmmod kup_bench_peers
else
	echo "# vm_rtt: cannot load kup_bench_peers.ko: no io_uring figures"
fi

if [ -f /kmod/kup_tunnel.ko ] && [ -f /kmod/tunnel_echo.ko ]; then
	load kup_tunnel && load tunnel_echo && vm_bench rtt tunnel
	rmmod tunnel_echo
	rmmod kup_tunnel
else
	echo "# vm_rtt: kup_tunnel.ko or tunnel_echo.ko not built: no /proc/tunnel round trip"
fi
exit 0
