# SPDX-License-Identifier: GPL-2.0
# A daemon's everyday patterns (tests/vm/kup_daemon.c) against an echo
# service in the seed API's shape (a worker per attach, stopping at its
# first error) and in the per-channel shape (tests/kmod/kup_test_serve.c).
# The service answers 50 ms after a request, so that every daemon killed
# dies while a worker holds one of its requests and more wait unread.
. /tests/lib.sh
load kup
for style in seed chan; do
	load kup_test_serve style=$style delay_ms=50
	check $? "kup_test_serve style=$style loads"
	for what in "restart 20" "ticks 10" "fork 10" epoll; do
		kup_daemon $what
		check $? "style=$style: kup_daemon $what exits 0"
	done
	dmesg | grep -q 'kup_test_serve: .*worker stops: -\(11\|4\)$'
	[ $? -ne 0 ]
	check $? "style=$style: no worker stopped on EAGAIN or EINTR"
	rmmod kup_test_serve
	check $? "kup_test_serve style=$style unloads"
done
rmmod kup
check $? "kup.ko unloads after all of it"
