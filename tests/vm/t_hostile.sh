# SPDX-License-Identifier: GPL-2.0
# Hostile user space: scribbled shared memory, malformed ioctls and mmaps.
# The runner's splat check is half of each test.
. /tests/lib.sh
load kup
load kup_echo chans=4 pages=1
kup_hostile scribble
awk '$1 == 0 { exit !($11 >= 1) }' /proc/kup/kup_echo
check $? "/proc/kup/kup_echo reports the protocol error on channel 0"
kup_hostile ioctls
kup_hostile mmaps
# Wrong handles and flags: a library that took them crashed (each call is
# made in a child, so a crash is a "not ok" line of its own).
kup_hostile handles
check $? "kup_hostile handles exits 0 (every check passed, nothing crashed)"
# A reservation open across the unload: its commit reports EPIPE.
rm -f /tmp/hostile_reserved
kup_hostile unload /tmp/hostile_reserved &
pid=$!
i=0
while [ ! -e /tmp/hostile_reserved ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
rmmod kup_echo
check $? "kup_echo unloads after the hostile user"
wait $pid
check $? "kup_hostile unload exits 0 (commit after the unload: EPIPE)"
rmmod kup
check $? "kup.ko unloads after the hostile user"
