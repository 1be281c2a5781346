# SPDX-License-Identifier: GPL-2.0
# make demo: what KUP does, shown in the VM.
. /tests/lib.sh
echo "== loading kup.ko and the kup_echo service (4 channels, 4 pages each way)"
load kup && load kup_echo chans=4 pages=4
check $? "modules loaded"
ls -l /dev/kup_echo
kupctl list
echo
echo "== a user process talks to the kernel through shared rings (blocking mode)"
kup_demo 0 4 8
check $? "ping-pong and stream through kup_echo"
echo
echo "== the same with the kernel side polling its rings"
rmmod kup_echo && load kup_echo chans=4 pages=4 poll=1
kup_demo 1 4 8
check $? "ping-pong and stream through kup_echo in polling mode"
echo
echo "== per-channel counters kept by the kernel (/proc/kup/kup_echo)"
kupctl stats kup_echo
echo
echo "== unloading: the device goes away"
rmmod kup_echo
ls -l /dev/kup_echo 2>&1
rmmod kup
