# SPDX-License-Identifier: GPL-2.0
# Integrity: 100 000 messages of random sizes (0 .. largest allowed) through
# kup_echo on all channels at once, from threads and from processes, with the
# echo service in blocking and in polling mode. One-page rings keep them full.
. /tests/lib.sh
load kup

for mode in blocking polling; do
	param=0
	[ $mode = polling ] && param=1
	load kup_echo chans=4 pages=1 poll=$param
	check $? "kup_echo loads in $mode mode"
	kup_stress threads 4 25000 1 $((param + 11))
	kup_stress procs 4 25000 1 $((param + 21))
	# Every message was counted both ways by the kernel.
	awk 'NR > 1 { k += $3; u += $5 } END { exit !(k == 200000 && u == 200000) }' \
		/proc/kup/kup_echo
	check $? "$mode: /proc/kup/kup_echo counts 200000 messages each way"
	rmmod kup_echo
	check $? "kup_echo unloads after the $mode run"
done
rmmod kup
