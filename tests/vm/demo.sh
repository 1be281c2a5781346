# SPDX-License-Identifier: GPL-2.0
# make demo: what KUP does, shown in the VM.
. /tests/lib.sh
echo "== loading kup.ko and the kup_echo service (4 channels, 4 pages each way)"
load kup && load kup_echo chans=4 pages=4
check $? "modules loaded"
ls -l /dev/kup_echo
kupctl list
echo
echo "== a user process talks to the kernel through shared rings (blocking mode)"
kup_demo 0 4 8
check $? "ping-pong and stream through kup_echo"
echo
echo "== the same with the kernel side polling its rings"
rmmod kup_echo && load kup_echo chans=4 pages=4 poll=1
kup_demo 1 4 8
check $? "ping-pong and stream through kup_echo in polling mode"
echo
echo "== per-channel counters kept by the kernel: since the device was created (total)"
echo "   and since the last attach (session); kupctl reads them through /dev/kup_echo"
kupctl stats kup_echo
echo
echo "== unloading: the device goes away"
rmmod kup_echo
ls -l /dev/kup_echo 2>&1 || true
rmmod kup
echo
echo "== /proc/tunnel: a pipe-like file between kernel and user space"
load kup_tunnel && load tunnel_echo
check $? "kup_tunnel and its example client tunnel_echo loaded"
ls -l /proc/tunnel
echo "one page each way: pages=$(cat /sys/module/kup_tunnel/parameters/pages)"
echo "hello through the tunnel" >/proc/tunnel
head -c 25 /proc/tunnel
echo "== 4 MiB with dd, back upper-cased, checked by md5"
dd if=/dev/urandom of=/tmp/tunnel_in bs=1048576 count=4 2>/dev/null
dd if=/tmp/tunnel_in of=/proc/tunnel bs=65536 2>/dev/null &
[ "$(head -c 4194304 /proc/tunnel | md5sum | cut -d' ' -f1)" = \
  "$(tr a-z A-Z </tmp/tunnel_in | md5sum | cut -d' ' -f1)" ]
check $? "4 MiB through /proc/tunnel and tunnel_echo, md5 matches"
wait
rmmod tunnel_echo && rmmod kup_tunnel
dmesg | grep -o 'tunnel_echo: echoed.*' | tail -n 1
ls /proc/tunnel 2>&1 || true
