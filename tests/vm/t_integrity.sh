# SPDX-License-Identifier: GPL-2.0
# Integrity: 100 000 messages (50 000 in bursts) of random sizes (0 .. largest allowed) through
# kup_echo on all channels at once, from threads and from processes, with the
# echo service in blocking and in polling mode, one message at a time and in
# bursts (kupdev_receive_batch() and KUPDEV_MORE in the kernel, the user's
# kernproxy_send_batch(), KP_MORE and kernproxy_receive_batch()). One-page
# rings keep them full.
. /tests/lib.sh
load kup

n=0
for mode in blocking polling bursts polling-bursts; do
	case $mode in
	blocking) params= user= cnt=25000 ;;
	polling) params=poll=1 user= cnt=25000 ;;
	bursts) params=burst=16 user=16 cnt=12500 ;;
	polling-bursts) params="poll=1 burst=8" user=5 cnt=12500 ;;
	esac
	n=$((n + 1))
	# shellcheck disable=SC2086
	load kup_echo chans=4 pages=1 $params
	check $? "kup_echo loads in $mode mode"
	kup_stress threads 4 $cnt 1 $((n + 10)) $user
	kup_stress procs 4 $cnt 1 $((n + 20)) $user
	# Every message was counted both ways by the kernel.
	awk -v want=$((cnt * 8)) 'NR > 1 { k += $3; u += $5 }
		END { exit !(k == want && u == want) }' /proc/kup/kup_echo
	check $? "$mode: /proc/kup/kup_echo counts $((cnt * 8)) messages each way"
	rmmod kup_echo
	check $? "kup_echo unloads after the $mode run"
done
rmmod kup
