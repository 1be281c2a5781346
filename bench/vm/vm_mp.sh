# SPDX-License-Identifier: GPL-2.0
# make bench, in the VM: many kernel producers on one channel (vm.mp.*),
# 64-byte copies: a multi-producer channel with a thread per vCPU, a
# single-producer channel with one thread, and the same with a thread per
# vCPU behind a spinlock of the client's.
. /tests/lib.sh
load kup || { echo "# vm_mp: cannot load kup.ko"; exit 0; }
for m in "mp 2" "sp 1" "splock 2"; do
	set -- $m
	load kup_bench_mp mode=$1 producers=$2 count=200000 && vm_bench mp $1
	rmmod kup_bench_mp
done
rmmod kup
