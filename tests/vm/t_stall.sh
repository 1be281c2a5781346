# SPDX-License-Identifier: GPL-2.0
# Races held open at their exact point. kup_stall reads a file into (or
# writes it from) a page that userfaultfd holds back, so the call stalls
# inside its copy to user space for as long as the test wants; kup_test_slow
# and kup.ko's test-only pauses hold the kernel side.
. /tests/lib.sh

# callback_order: kup_test_slow's callbacks for channel 0 in the kernel
# log, oldest first ("attach detach ...").
callback_order() {
	dmesg | sed -n 's/.*kup_test_slow: \(attach\|detach\) of channel 0.*/\1/p' |
		tr '\n' ' '
}

# wait_for TEST...: until the test holds, 10 s at most.
wait_for() {
	i=0
	while ! "$@" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	"$@"
}

# stall_start [-w] FILE: a read (write) of FILE, stalled in its copy.
stall_start() {
	rm -f /tmp/kup_stalled /tmp/kup_release
	kup_stall "$@" >/tmp/stall.out 2>&1 &
	stall=$!
	wait_for test -e /tmp/kup_stalled
}

# stall_end: let the stalled copy go on; true once it returned.
stall_end() {
	touch /tmp/kup_release
	wait $stall
	rc=$?
	sed 's/^/# /' /tmp/stall.out
	return $rc
}

# finishes_in SECS CMD...: CMD returns within SECS (its status is in
# /tmp/rc); false if it is still running then (it is left running).
finishes_in() {
	secs=$1
	shift
	rm -f /tmp/rc
	("$@"; echo $? >/tmp/rc) &
	i=0
	while [ ! -e /tmp/rc ] && [ $i -lt $((secs * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	test -e /tmp/rc
}

# The unload never waits for user space: not for a read of its stats
# stalled in the copy to user space (procfs would hold the unload until the
# copy ends; the stats are in sysfs, which copies with nothing held).
load kup && load kup_sample name=kup_st
stall_start /proc/kup/kup_st
check $? "a read of /proc/kup/kup_st is stalled in its copy to user space"
finishes_in 10 rmmod kup_sample
check $? "rmmod kup_sample returns while the read is stalled"
[ "$(cat /tmp/rc 2>/dev/null)" = 0 ] && [ ! -e /dev/kup_st ]
check $? "kup_sample is unloaded, /dev/kup_st is gone"
load kup_sample name=kup_st
check $? "the name kup_st is free again at once"
rmmod kup_sample
stall_end
check $? "the stalled read returns once its page comes"
grep -q 'returned [0-9]*[1-9]' /tmp/stall.out
check $? "it read the counters ($(cat /tmp/stall.out))"
rmmod kup
check $? "kup.ko unloads"

# rmmod kup_tunnel does not wait for a read() or write() of /proc/tunnel
# stalled in its copy: it fails at once ("in use"), and works once the
# copy is done. (tunnel_echo puts bytes in for the read to take.)
for dir in read write; do
	flag=; [ $dir = write ] && flag=-w
	load kup_tunnel && load tunnel_echo
	[ $dir = read ] && printf 'ping' >/proc/tunnel && sleep 0.5
	rmmod tunnel_echo
	stall_start $flag /proc/tunnel
	check $? "a $dir of /proc/tunnel is stalled in its copy"
	finishes_in 10 rmmod kup_tunnel
	check $? "rmmod kup_tunnel returns while the $dir is stalled"
	[ "$(cat /tmp/rc 2>/dev/null)" != 0 ] && grep -q kup_tunnel /proc/modules
	check $? "it failed: kup_tunnel is still loaded, in use"
	stall_end
	check $? "the stalled $dir returns once its page comes"
	grep -q "$dir() of /proc/tunnel returned [1-9]" /tmp/stall.out
	check $? "it moved its bytes"
	[ -e /tmp/rc ] || wait_for test -e /tmp/rc
	rmmod kup_tunnel
	check $? "rmmod kup_tunnel works after the $dir"
done

# An unload that waits for a detach callback that sleeps (kup_test_slow),
# with the device already gone from /dev but its /proc/kup entry still
# there: its name is still taken.
load kup && load kup_test_slow name=kup_st detach_ms=3000
kup_life attach kup_st &
closer=$!
wait_for sh -c 'dmesg | grep -q "kup_test_slow: detach of channel 0"'
check $? "the detach callback of kup_st is running"
rmmod kup_test_slow &
unload=$!
wait_for test ! -e /dev/kup_st
check $? "the unload of kup_st has begun and waits for the callback"
load kup_test_reg dup=kup_st
check $? "kupdev_create(\"kup_st\") meanwhile gives -EEXIST, no clash in /proc/kup"
rmmod kup_test_reg
wait $closer
check $? "the user's close returns after the callback"
wait $unload
check $? "rmmod kup_test_slow returns"
rmmod kup
check $? "kup.ko unloads"

# kup.ko's test-only pauses (kup_test_pause(), test builds only) hold a
# race open at its exact point.

# An unload right after an attach published its session, before the attach
# returned: the session must outlive it (the file owns it from birth).
load kup test_pause_at=attach-linked test_pause_ms=2000 && load kup_sample name=kup_st
kup_life attach-gone kup_st &
user=$!
wait_for sh -c 'dmesg | grep -q "kup: test pause at attach-linked"'
check $? "an attach of kup_st is paused right after its session was linked"
rmmod kup_sample
check $? "kup_sample unloads meanwhile"
wait $user
check $? "the attach finishes on the unloaded device without harm"
rmmod kup
check $? "kup.ko unloads"

# A user leaves, and the next one comes while the first one's departure is
# paused between its unlink and the detach callback: the client must hear
# of the departure before the arrival. (The kernel log is emptied first:
# the order is read from it.)
dmesg -c >/dev/null
load kup test_pause_at=release-unlinked test_pause_ms=2000 &&
	load kup_test_slow name=kup_ord detach_ms=0
kup_life attach kup_ord &
first=$!
wait_for sh -c 'dmesg | grep -q "kup: test pause at release-unlinked"'
check $? "the first user's departure is paused after its unlink"
kup_life attach kup_ord
wait $first
order=$(callback_order)
[ "$order" = "attach detach attach detach " ]
check $? "callbacks come in order, each departure before the next arrival ($order)"
rmmod kup_test_slow && rmmod kup
check $? "kup_test_slow and kup.ko unload"

# An attach that fails after the channel was taken (EFAULT on the answer)
# must not give the client a departure without an arrival, and leaves the
# channel to the next user.
dmesg -c >/dev/null
load kup && load kup_test_slow name=kup_ord detach_ms=0
kup_life attach-efault kup_ord
kup_life attach kup_ord
check $? "the next user attaches"
order=$(callback_order)
[ "$order" = "attach detach " ]
check $? "the failed attach made no callback, the next user two ($order)"
rmmod kup_test_slow && rmmod kup
check $? "kup_test_slow and kup.ko unload"

# Two status bits set at once: a kernel thread that found the user's ring
# broken is paused between reading the status word and setting BROKEN,
# while the unload sets DETACHED. The user must see both.
rm -f /tmp/kup_unloaded
load kup test_pause_at=status-broken test_pause_ms=3000 &&
	load kup_echo chans=1 pages=1 unload_first=1
kup_life status-race &
user=$!
wait_for sh -c 'dmesg | grep -q "kup: test pause at status-broken"'
check $? "kup_echo's thread is paused setting BROKEN"
rmmod kup_echo
check $? "kup_echo unloads meanwhile"
touch /tmp/kup_unloaded
wait $user
check $? "the user sees both bits"
rmmod kup
check $? "kup.ko unloads"

# An attach that fails for want of an fd, paused right after the point
# where the old code had already put its session on the channel: a kernel
# thread looking for a user must not be left asleep on a session nobody
# owns; it serves the next user.
load kup test_pause_at=attach-linked test_pause_ms=1000 && load kup_test_drain
kup_life emfile
rmmod kup_test_drain && rmmod kup
check $? "kup_test_drain and kup.ko unload"

# A fork()ed child keeps what it inherited, the channel fd included, as a
# daemon's worker does: the channel is detached when the user that
# attached exits, not when the child does (30 s later), and the next user
# attaches at once. The child's libkup calls on what it inherited fail
# with EBADF, and its kernproxy_close() touches none of the parent's
# mappings (kup_life fork writes what they did to /tmp/fork_child).
dmesg -c >/dev/null
rm -f /tmp/fork_child
load kup && load kup_test_slow name=kup_fork detach_ms=0
child=$(kup_life fork kup_fork)
check $? "a user attaches kup_fork, forks and exits"
wait_for sh -c 'dmesg | grep -q "kup_test_slow: detach of channel 0"'
check $? "the channel is detached while the child lives, its copy of the fd open"
user_start f 7
user f attach kup_fork 0
check $([ "$reply" = "attach 0" ]; echo $?) "the next user attaches at once ($reply)"
user f close
user_stop f
wait_for grep -q '^send' /tmp/fork_child
grep -q '^send -1 Bad file descriptor$' /tmp/fork_child
check $? "the child's send on the inherited channel fails with EBADF ($(head -n 1 /tmp/fork_child))"
kill -USR1 "$child"
wait_for grep -q '^close done$' /tmp/fork_child
check $? "the child's kernproxy_close() of what it inherited returns ($(tail -n 1 /tmp/fork_child))"
kill "$child"
rmmod kup_test_slow && rmmod kup
check $? "kup_test_slow and kup.ko unload"

# A client that speaks first: right after kupdev_wait_attached() its
# thread greets the user. The thread served the last user, whose
# departure is recorded (at its unlink, paused here after the detach that
# woke the thread) only while the thread waits for the next one: its
# greeting must reach that user, not fail with -EPIPE for the one before.
dmesg -c >/dev/null
load kup test_pause_at=unlink test_pause_ms=1500 &&
	load kup_test_serve style=chan greet=1
check $? "kup_test_serve style=chan greet=1 loads"
user_start g 7
user g attach kup_serve 0 4
[ "$reply" = "attach 0" ]
check $? "a user attaches kup_serve channel 0 ($reply)"
user g wrecv
r=${reply%% cpu=*}
user g send ping
user g wrecv
[ "$r" = "wrecv 5 hello" ] && [ "${reply%% cpu=*}" = "wrecv 4 ping" ]
check $? "the first user is greeted and served ($r, ${reply%% cpu=*})"
user g close
user_stop g
wait_for sh -c 'dmesg | grep -q "kup: test pause at unlink"'
check $? "the departure's unlink is paused"
serve0=$(grep -lx 'kup_serve/0' /proc/[0-9]*/comm | head -n 1)
wait_for grep -q wait_attached "${serve0%/comm}/wchan"
check $? "channel 0's thread waits for the next user meanwhile ($(cat "${serve0%/comm}/wchan"))"
user_start h 8
user h attach kup_serve 0 4
user h send ping2
user h wrecv
r=${reply%% cpu=*}
user h wrecv
greeting=$(dmesg | grep 'greeting:')
[ "$r" = "wrecv 5 hello" ] && [ "${reply%% cpu=*}" = "wrecv 5 ping2" ] && [ -z "$greeting" ]
ok=$?
check $ok "the next user gets its greeting first, then its answer ($r, ${reply%% cpu=*}${greeting:+; $greeting})"
# Without its greeting, the user still waits for a second message.
if [ $ok = 0 ]; then
	user h close
else
	kill "$user_pid_h"
fi
user_stop h
rmmod kup_test_serve && rmmod kup
check $? "kup_test_serve and kup.ko unload"
