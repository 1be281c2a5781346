# SPDX-License-Identifier: GPL-2.0
# The README's examples, extracted at build time, run here.
. /tests/lib.sh
load kup
load kup_echo chans=4 pages=4
[ "$(readme_user)" = "hello" ]
check $? "the README's user example prints the echo of \"hello\""
rmmod kup_echo
load readme_kmod
check $? "the README's kernel example loads"
[ -c /dev/mydev ]
check $? "it creates /dev/mydev"
rmmod readme_kmod
check $? "the README's kernel example unloads (thread stopped, device gone)"
load readme_burst
out=$(readme_burst_user)
check $? "the README's burst examples: the user gets every event ($out)"
[ "$out" = "1000 events in order" ]
check $? "... in order"
rmmod readme_burst
check $? "the README's burst example unloads"
load readme_mp
check $? "the README's multi-producer example loads"
out=$(readme_mp_user)
[ "$out" = "both producers" ]
check $? "its user gets events of the hard-irq timer and of the thread ($out)"
rmmod readme_mp
check $? "the README's multi-producer example unloads"
rmmod kup

load kup_tunnel
load readme_tunnel
check $? "the README's tunnel example loads"
[ "$(head -c 22 /proc/tunnel)" = "hello from the kernel" ]
check $? "its greeting comes out of /proc/tunnel"
echo "ping" >/proc/tunnel
[ "$(head -c 5 /proc/tunnel)" = "ping" ]
check $? "its timer echoes what user space writes"
rmmod readme_tunnel && rmmod kup_tunnel
check $? "the README's tunnel example and kup_tunnel unload"
