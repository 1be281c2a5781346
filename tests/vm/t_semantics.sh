# SPDX-License-Identifier: GPL-2.0
# Semantics of the user API: errors, non-blocking calls, poll/epoll,
# zero-length messages, zero copy, batches, statistics.
. /tests/lib.sh
load kup
load kup_sample name=kup_sem_s chans=2 pages=1
load kup_test_reg
load kup_echo chans=4 pages=1
kup_sem
rmmod kup_echo kup_sample kup_test_reg
rmmod kup

# Bursts: KUPDEV_MORE/KP_MORE, the flushes that end a burst, batch calls at
# a full and an empty ring (tests/kmod/kup_test_burst.c has the phases).
load kup
load kup_test_burst
kup_burst
check $? "kup_burst ends with every phase passed (a lost wake-up ends it by alarm)"
i=0
while ! dmesg | grep -q "kup_test_burst: " && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
dmesg | grep -q "kup_test_burst: ok"
check $? "phase 9: a flush keeps what a departed user left ($(dmesg | grep -o 'kup_test_burst: .*'))"
rmmod kup_test_burst
check $? "kup_test_burst unloads"
rmmod kup

# Again with every poll of the channel pausing between its registration on
# the wait queue and its look at the ring: kup_test_burst must still wait
# until the user is past that look before it sends towards it (it used to
# take a poller on the wait queue for a sleeper: "got 1").
load kup test_pause_at=poll-look test_pause_ms=100
load kup_test_burst
kup_burst
check $? "kup_burst passes with every poll pausing 100 ms before its look at the ring"
rmmod kup_test_burst
rmmod kup
