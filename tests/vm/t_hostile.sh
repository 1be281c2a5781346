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
rmmod kup_echo
check $? "kup_echo unloads after the hostile user"
rmmod kup
check $? "kup.ko unloads after the hostile user"
