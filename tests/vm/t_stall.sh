# SPDX-License-Identifier: GPL-2.0
# A file operation held in flight while its device is unloaded: kup_stall
# reads /proc/kup/NAME into a page that userfaultfd holds back, so the read
# stalls inside its copy to user space for as long as the test wants.
. /tests/lib.sh

# wait_for TEST...: until the test holds, 10 s at most.
wait_for() {
	i=0
	while ! "$@" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	"$@"
}

load kup && load kup_sample name=kup_st
rm -f /tmp/kup_stalled /tmp/kup_release
kup_stall /proc/kup/kup_st >/tmp/stall.out 2>&1 &
stall=$!
wait_for test -e /tmp/kup_stalled
check $? "a read of /proc/kup/kup_st is stalled in its copy to user space"

# The unload is under way once the node is gone; while the stalled read
# holds /proc/kup/kup_st, it cannot finish, and the name is still taken.
rmmod kup_sample &
unload=$!
wait_for test ! -e /dev/kup_st
check $? "the unload of kup_st has begun (/dev/kup_st is gone)"
load kup_test_reg dup=kup_st
check $? "kupdev_create(\"kup_st\") while its unload is under way gives -EEXIST"
rmmod kup_test_reg

touch /tmp/kup_release
wait $stall
check $? "the stalled read returns once its page comes"
sed 's/^/# /' /tmp/stall.out
wait $unload
check $? "rmmod kup_sample returns"
load kup_sample name=kup_st
check $? "the name kup_st is free again after the unload"
rmmod kup_sample && rmmod kup
check $? "kup_sample and kup.ko unload"

# The same race, held at another point: unload waits for a detach callback
# that sleeps (kup_test_slow), with the device already gone from /dev but
# its /proc/kup entry still there.
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
