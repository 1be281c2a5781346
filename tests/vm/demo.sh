# SPDX-License-Identifier: GPL-2.0
# make demo: what KUP does, shown in the VM.
. /tests/lib.sh
echo "== loading kup.ko and a client module that creates /dev/kup_demo"
load kup && load kup_sample name=kup_demo chans=4 pages=1
check $? "modules loaded"
ls -l /dev/kup_demo
kupctl list
echo "== unloading the client: the device goes away"
rmmod kup_sample
ls -l /dev/kup_demo 2>&1
rmmod kup
