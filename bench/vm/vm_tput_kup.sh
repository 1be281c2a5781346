# SPDX-License-Identifier: GPL-2.0
# make bench, in the VM: KUP one-way throughput through kup_bench's sink and
# source, copying and zero copy, every message size. Prints "R" lines.
. /tests/lib.sh
load kup && load kup_bench pages=64 || { echo "# vm_tput_kup: cannot load the modules"; exit 0; }
vm_bench tput kup
vm_bench probe kup
rmmod kup_bench
rmmod kup
exit 0
