# SPDX-License-Identifier: GPL-2.0
# A multi-producer channel (KUPDEV_CREATE_MP): a thread per vCPU and a
# hard-irq timer producing at once into one channel, random sizes, discards
# in the middle, a ring that fills; the user checks every record.
. /tests/lib.sh
load kup
load kup_test_mp count=20000
check $? "kup_test_mp loads: device kup_mp, a producer thread per vCPU, a hard-irq timer"
kup_mp
check $? "the user side of kup_mp passes"
rmmod kup_test_mp
check $? "kup_test_mp unloads"
rmmod kup
