# SPDX-License-Identifier: GPL-2.0
# The device registry: nodes appear with the right mode and go away,
# repeated load/unload is clean, duplicate names fail.
. /tests/lib.sh

load kup
check $? "kup.ko loads"

load kup_sample name=kup_s0 chans=3
check $? "kup_sample creates a device"
[ -c /dev/kup_s0 ]
check $? "/dev/kup_s0 is a character device"
[ "$(mode_of /dev/kup_s0)" = "600 0 0" ]
check $? "/dev/kup_s0 is mode 0600 root:root (got $(mode_of /dev/kup_s0))"
[ -d /sys/class/kup/kup_s0 ]
check $? "/sys/class/kup/kup_s0 exists"

load kup_test_reg dup=kup_s0
check $? "in-kernel registry checks pass (bad args EINVAL, duplicates EEXIST)"
# Its log line, also when a check failed: isalnum() is Latin-1 in the
# kernel, and took 0xc0..0xff (but 0xd7, 0xf7) for letters.
line=$(dmesg | sed -n 's/.*kup_test_reg: 8-bit names: //p' | tail -n 1)
[ -n "$line" ] && [ "${line%% *}" = 0 ]
check $? "kupdev_create() refuses every name with a byte 0x80..0xff (EINVAL): ${line:-no verdict logged}"
[ "$(mode_of /dev/kup_reg_mode)" = "640 0 6" ]
check $? "kupdev_create_opts sets mode and group (got $(mode_of /dev/kup_reg_mode))"
rmmod kup_test_reg
check $? "kup_test_reg unloads"
[ ! -e /dev/kup_reg_mode ]
check $? "its node is gone"

rmmod kup_sample
check $? "kup_sample unloads"
[ ! -e /dev/kup_s0 ] && [ ! -e /sys/class/kup/kup_s0 ]
check $? "/dev/kup_s0 disappears with its device"

fails=0
i=0
while [ $i -lt 20 ]; do
	load kup_sample name=kup_loop || fails=$((fails + 1))
	[ -c /dev/kup_loop ] || fails=$((fails + 1))
	rmmod kup_sample || fails=$((fails + 1))
	[ -e /dev/kup_loop ] && fails=$((fails + 1))
	i=$((i + 1))
done
[ $fails -eq 0 ]
check $? "20 load/unload cycles of a client, node each time ($fails failures)"

# An open file keeps the device alive across unload; the node goes at once.
load kup_sample name=kup_held
exec 3</dev/kup_held
rmmod kup_sample
check $? "client unloads while /dev/kup_held is open"
[ ! -e /dev/kup_held ]
check $? "the node goes away though a file is still open"
exec 3<&-

i=0
fails=0
while [ $i -lt 20 ]; do
	rmmod kup || fails=$((fails + 1))
	load kup || fails=$((fails + 1))
	i=$((i + 1))
done
[ $fails -eq 0 ]
check $? "20 load/unload cycles of kup.ko ($fails failures)"
rmmod kup
check $? "kup.ko unloads at the end"

load kup
load kup_sample name=kup_lib chans=5 pages=2
kup_open kup_lib
kupctl list | grep -q -E '^kup_lib +[0-9]+:[0-9]+ +5 +2$'
check $? "kupctl list shows kup_lib with 5 channels of 2 pages"
rmmod kup_sample
kup_open kup_lib | grep -q 'not ok - kernproxy_open("kup_lib") succeeds'
check $? "kernproxy_open fails once the device is unloaded"
rmmod kup
