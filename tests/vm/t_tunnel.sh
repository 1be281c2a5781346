# SPDX-License-Identifier: GPL-2.0
# /proc/tunnel (kup_tunnel.ko): the in-kernel API step by step, user-space
# semantics, 10 MiB streams through tunnel_echo (blocking and non-blocking),
# concurrent readers and writers, and unload under blocked users.
. /tests/lib.sh

MiB=1048576

# now: seconds since boot, to 1/100 s; since T: seconds elapsed since T.
now() {
	cut -d' ' -f1 /proc/uptime
}
since() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# wait_for FILE: until FILE exists (or 20 s), then a little more so that
# its creator is asleep in the call it made next.
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.5
}

# gone PID: true once PID has exited (within 10 s).
gone() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# kapi SIZE: tunnel_test's three steps, user space reading and writing the
# test stream in between (see tests/kmod/tunnel_test.c).
kapi() {
	s=$1
	a=$((s - 1000))
	load tunnel_test step=1 size="$s" && rmmod tunnel_test
	check $? "tunnel_test step 1 ($s-byte buffers): accounting, bad arguments, calls from softirq, hard irq and under a spinlock"
	timeout 20 tunnel_pat check 0 $a </proc/tunnel
	check $? "user space reads the $a bytes of step 1 from /proc/tunnel"
	timeout 20 tunnel_pat gen 0 $a >/proc/tunnel
	check $? "user space writes $a bytes to /proc/tunnel"
	load tunnel_test step=2 size="$s" && rmmod tunnel_test
	check $? "tunnel_test step 2: writes across the buffer's edge until full, reads the user's bytes back"
	timeout 20 tunnel_pat check $a "$s" </proc/tunnel
	check $? "user space reads $s bytes across the edge"
	timeout 20 tunnel_pat gen $a "$s" >/proc/tunnel
	check $? "user space writes $s bytes across the edge"
	load tunnel_test step=3 size="$s" && rmmod tunnel_test
	check $? "tunnel_test step 3: reads them back across the edge, in atomic contexts too"
}

# stream_dd BYTES BS: dd writes BYTES random bytes, head -c reads them back.
stream_dd() {
	n=$1
	want=$(head -c "$n" /tmp/in | tr a-z A-Z | md5sum | cut -d' ' -f1)
	t=$(now)
	head -c "$n" /tmp/in | dd of=/proc/tunnel bs="$2" 2>/dev/null &
	pid=$!
	got=$(timeout 60 head -c "$n" /proc/tunnel | md5sum | cut -d' ' -f1)
	wait $pid
	st=$?
	[ "$got" = "$want" ] && [ $st -eq 0 ]
	check $? "$n bytes: dd bs=$2 into /proc/tunnel, head -c out, upper-cased md5 $got = $want ($(since "$t") s)"
}

# --- loading, the module parameter
load kup_tunnel pages=0 2>/dev/null
[ $? -ne 0 ] && [ ! -e /proc/tunnel ]
check $? "kup_tunnel pages=0 fails to load"
load kup_tunnel pages=1025 2>/dev/null
[ $? -ne 0 ]
check $? "kup_tunnel pages=1025 (more than TUNNEL_MAX_PAGES) fails to load"
load kup_tunnel
check $? "kup_tunnel loads"
[ "$(mode_of /proc/tunnel)" = "600 0 0" ]
check $? "/proc/tunnel is mode 0600 root:root (got $(mode_of /proc/tunnel))"
[ "$(cat /sys/module/kup_tunnel/parameters/pages)" = 1 ]
check $? "one page each way by default"

# --- the in-kernel API, then user-space semantics without and with a client
kapi 4096
tunnel_sem silent 4096
load tunnel_echo
check $? "tunnel_echo loads"
rmmod kup_tunnel 2>/dev/null
[ $? -ne 0 ] && [ -e /proc/tunnel ]
check $? "kup_tunnel cannot be unloaded under its client"
tunnel_sem echo 4096
echo "hello, tunnel" >/proc/tunnel
[ "$(head -c 14 /proc/tunnel)" = "HELLO, TUNNEL" ]
check $? "echo >/proc/tunnel, head -c </proc/tunnel: HELLO, TUNNEL"

# --- streams through tunnel_echo, one-page buffers
dd if=/dev/urandom of=/tmp/in bs=$MiB count=10 2>/dev/null
stream_dd $((10 * MiB)) 65536
t=$(now)
want=$(tr a-z A-Z </tmp/in | md5sum | cut -d' ' -f1)
cat /tmp/in >/proc/tunnel &
pid=$!
got=$(timeout 60 dd if=/proc/tunnel bs=4096 count=2560 iflag=fullblock 2>/dev/null |
	md5sum | cut -d' ' -f1)
wait $pid
st=$?
[ "$got" = "$want" ] && [ $st -eq 0 ]
check $? "10 MiB: cat >/proc/tunnel, dd out, upper-cased md5 $got = $want ($(since "$t") s)"
tunnel_stream nb $((10 * MiB))
tunnel_stream readers $MiB 3
tunnel_stream writers 500
rmmod tunnel_echo
check $? "tunnel_echo unloads"

# The echo from its timer alone, as a client of the four seed functions.
load tunnel_echo notify=0 period_us=1000
check $? "tunnel_echo notify=0 loads"
stream_dd $MiB 4096
rmmod tunnel_echo

# --- other sizes: 3 pages each way (not a power of two)
rmmod kup_tunnel
check $? "kup_tunnel unloads"
[ ! -e /proc/tunnel ]
check $? "/proc/tunnel is gone"
load kup_tunnel pages=3
check $? "kup_tunnel pages=3 loads"
kapi 12288
load tunnel_echo
stream_dd $((2 * MiB)) 65536
rmmod tunnel_echo

# --- unload with users blocked in read, write, poll, epoll_wait and cat
rm -f /tmp/tunnel_ready.*
tunnel_sem block-write &
p1=$!
wait_for /tmp/tunnel_ready.block-write
tunnel_sem block-read &
p2=$!
tunnel_sem block-poll &
p3=$!
tunnel_sem block-epoll &
p4=$!
cat /proc/tunnel >/tmp/cat.out 2>/tmp/cat.err &
p5=$!
wait_for /tmp/tunnel_ready.block-read
wait_for /tmp/tunnel_ready.block-poll
wait_for /tmp/tunnel_ready.block-epoll
t=$(now)
timeout 20 rmmod kup_tunnel
check $? "kup_tunnel unloads under blocked users ($(since "$t") s)"
[ ! -e /proc/tunnel ]
check $? "/proc/tunnel is gone"
gone $p5 && ! wait $p5
check $? "a blocked cat ends with an error: $(cat /tmp/cat.err)"
for p in "$p1 write" "$p2 read" "$p3 poll" "$p4 epoll_wait"; do
	gone ${p% *}
	check $? "the user blocked in ${p#* } has ended"
	wait ${p% *}
done

# --- unload races: processes polling in a loop (poll, select, epoll)
fails=0
c=0
while [ $c -lt 10 ]; do
	load kup_tunnel || fails=$((fails + 1))
	rm -f /tmp/tunnel_ready.*
	pids=
	for i in 1 2 3; do
		tunnel_sem spin &
		pids="$pids $!"
	done
	wait_for /tmp/tunnel_ready.spin
	timeout 20 rmmod kup_tunnel || fails=$((fails + 1))
	for p in $pids; do
		gone $p && wait $p || fails=$((fails + 1))
	done
	c=$((c + 1))
done
[ $fails -eq 0 ]
check $? "10 unloads under 3 processes polling in a loop: each sees EIO ($fails failures)"
load kup_tunnel && rmmod kup_tunnel
check $? "kup_tunnel loads and unloads again afterwards"

# A tunnel_write() of the whole 4 MiB buffer copies with interrupts on:
# an interrupt made pending on its CPU as the copy begins (a self-IPI,
# from kup_tunnel's test hook) is served before the copy ends, not after
# it (as with interrupts off), whatever the host's timing; and the bytes
# arrive intact.
load kup_tunnel pages=1024 && load tunnel_test_irqon
line=$(dmesg | sed -n 's/.*tunnel_test_irqon: //p')
echo "$line" | grep -q 'served during it: yes (.*, 4194304 taken)$'
check $? "interrupts are served during a 4 MiB tunnel_write() ($line)"
tunnel_pat check 0 4194304 </proc/tunnel
check $? "user space reads the 4 MiB intact"
rmmod tunnel_test_irqon && rmmod kup_tunnel
check $? "tunnel_test_irqon and kup_tunnel unload"

# A SCHED_FIFO kernel writer and a nice-19 one bound to the same CPU: low
# writes 4 MiB less a page in one call, high looks every 50-100 us until
# it finds low in the middle of that call (or done), then writes 8 bytes:
# they must be readable when its tunnel_write() returns. The last writer
# out publishes everybody's bytes, so with the copy preemptible and the
# lock dropped (PREEMPT_RT), high used to find low mid-copy and its own
# bytes held back for as long as it kept the CPU (here 100 ms more).
load kup_tunnel pages=1024 && load tunnel_test_prio
check $? "kup_tunnel pages=1024 and tunnel_test_prio load"
line=$(dmesg | sed -n 's/.*tunnel_test_prio: //p' | tail -n 1)
echo "$line" | grep -q 'visible when its tunnel_write() returned: yes'
check $? "a SCHED_FIFO tunnel_write() is readable when it returns, with a nice-19 writer on its CPU: ${line:-no verdict logged}"
n=$(echo "$line" | sed -n 's/.* writer of \([0-9]*\) bytes .*/\1/p')
timeout 20 tunnel_pat check 0 $((${n:-0} + 8)) </proc/tunnel
check $? "user space reads both writers' bytes intact, in order ($((${n:-0} + 8)) bytes)"
rmmod tunnel_test_prio && rmmod kup_tunnel
check $? "tunnel_test_prio and kup_tunnel unload"
