# SPDX-License-Identifier: GPL-2.0
# Lifetime: process death, unload under blocked users, client threads
# blocked in every KUP call, attach/detach cycles, kupdev_wait_channel().
. /tests/lib.sh
load kup

# wait_ready: until a background kup_life is blocked (or 20 s).
wait_ready() {
	i=0
	while [ ! -e /tmp/kup_ready ] && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.5
	rm -f /tmp/kup_ready
}

# unload_under MODE PARAMS: a kup_life MODE blocks; kup_echo is unloaded.
unload_under() {
	load kup_echo chans=4 pages=1 $2
	kup_life $1 &
	pid=$!
	wait_ready
	rmmod kup_echo
	check $? "kup_echo ($2) unloads under a user blocked in $1"
	wait $pid
	check $? "kup_life $1 saw what it expected"
}
unload_under recv-unload ""
unload_under send-unload ""
unload_under recv-unload unload_first=1
unload_under send-unload unload_first=1

# Kernel threads asleep in kupdev_wait_channel()/kupdev_wait_attached()
# when their device is unloaded get to run only after kupdev_unload() has
# returned (kup_test_gone pins them and the unload to one CPU): the unload
# must have waited for them, or they wake on freed memory (zeroed by the
# suite's init_on_free=1: an oops).
load kup_test_gone
check $? "kup_test_gone: its device is unloaded under two sleeping threads"
dmesg | grep -q 'kup_test_gone: wait_channel -> -32, wait_attached -> -32'
check $? "both sleepers return -EPIPE ($(dmesg | sed -n 's/.*kup_test_gone: //p'))"
rmmod kup_test_gone
check $? "kup_test_gone unloads"

load kup_echo chans=4 pages=1
kup_stress threads 1 100000000 1 &
pid=$!
sleep 2
kill -9 $pid
wait $pid
[ $? -eq 137 ]
check $? "a streaming user is killed with SIGKILL mid-stream"
kup_stress threads 1 2000 1 7
grep -q '^0 0 ' /proc/kup/kup_echo
check $? "channel 0 shows detached again in /proc/kup/kup_echo"

kup_life cycles 1000
awk '$1 == 1 { exit !($12 >= 1000) }' /proc/kup/kup_echo
check $? "/proc/kup/kup_echo counts the 1000 attaches"
rmmod kup_echo
check $? "kup_echo unloads with no user"

load kup_test_wait
kup_life greet 2
kup_life greet 0
kup_life reserve-send

# What a user sends just before it closes reaches the kernel: the detach
# callback of kup_test_drain reads it all, in order, and then -EPIPE.
load kup_test_drain
kup_life send-close 0 5
dmesg | grep -q 'kup_test_drain: channel 0: 5 messages after the detach, then -32$'
check $? "the 5 messages a user sent before close() are all delivered, then -EPIPE ($(dmesg | grep -o 'kup_test_drain: channel 0: .*' | tail -n 1))"
kup_life send-close 0 3
dmesg | grep -c 'kup_test_drain: channel 0: .* messages after the detach' | grep -q '^2$' &&
	dmesg | grep 'kup_test_drain: channel 0:' | tail -n 1 | grep -q ': 3 messages after the detach, then -32$'
check $? "and again for the next user of the channel (3 messages)"
# A request left by a departed user that no kernel thread was reading: a
# thread serving the next user (here its attach callback) never gets it,
# so it can never answer it to the new user.
kup_life send-close 1 2
kup_life quiet 1
dmesg | grep -q 'kup_test_drain: channel 1: at the attach, received -11, reply 0$'
check $? "the next user's thread gets none of what the departed user left ($(dmesg | grep -o 'kup_test_drain: channel 1: .*' | tail -n 1))"
rmmod kup_test_drain
check $? "kup_test_drain unloads"
rmmod kup_test_wait
check $? "kup_test_wait unloads while blocked in kupdev_wait_channel()"
rmmod kup
check $? "kup.ko unloads after all of it"

# A session's pages (here 2 x 1025) are charged to the attaching user's
# memory cgroup: past its limit the attach fails with ENOMEM (no OOM kill,
# no allocation warning); with room it works.
cg=/sys/fs/cgroup
mkdir -p $cg && mount -t cgroup2 none $cg && echo +memory >$cg/cgroup.subtree_control
check $? "cgroup2 with the memory controller"
mkdir $cg/kup_small $cg/kup_big
echo 6M >$cg/kup_small/memory.max
echo 64M >$cg/kup_big/memory.max
load kup && load kup_echo chans=1 pages=1024
in_cgroup() {
	sh -c "echo \$\$ >$cg/$1/cgroup.procs && exec kup_life attach-pages kup_echo 1024"
}
out=$(in_cgroup kup_small)
[ "$out" = "attach kup_echo 1024: Cannot allocate memory" ]
check $? "an 8 MiB attach in a 6 MiB memory cgroup fails with ENOMEM ($out)"
out=$(in_cgroup kup_big)
[ "$out" = "attach kup_echo 1024: attached" ]
check $? "the same attach in a 64 MiB memory cgroup works ($out)"
rmmod kup_echo && rmmod kup
check $? "kup_echo and kup.ko unload"
rmdir $cg/kup_small $cg/kup_big
umount $cg

# The calls documented "any context", from a hard-irq timer (hard irq on
# PREEMPT_RT too): kupdev_notify(), non-blocking send, reserve/commit,
# receive/unlock, and the wake-up of a user asleep in a receive, each time.
load kup && load kup_test_irq count=200
kup_life irq 200
rmmod kup_test_irq
dmesg | grep -q 'kup_test_irq: sent 200, received 200, bad 0'
check $? "the timer sent 200 and took 200 replies ($(dmesg | sed -n 's/.*kup_test_irq: //p'))"
rmmod kup
check $? "kup.ko unloads"
