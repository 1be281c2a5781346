# SPDX-License-Identifier: GPL-2.0
# kup.ko's trace events (system "kup") through tracefs: known traffic, and
# the events that must come of it, counted.
. /tests/lib.sh

T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
check $? "tracefs is mounted at $T"
load kup
[ -d $T/events/kup/kup_send ] && [ -d $T/events/kup/kup_proto_error ]
check $? "kup.ko has its trace events ($(ls $T/events/kup | grep -c '^kup_') in events/kup)"
echo 1 >$T/events/kup/enable
echo >$T/trace

load kup_echo chans=4 pages=4
kup_tools traffic 1 100 64 >/dev/null
check $? "100 echoes of 64 bytes on channel 1"
kup_tools traffic 2 50 100 >/dev/null
check $? "50 echoes of 100 bytes on channel 2"
# Both sides sleep at once: the kernel checks its ring once before it
# sleeps, libkup once, and 5 ms pass between the echoes.
echo 1 >/sys/module/kup/parameters/spin_iters
kup_tools traffic 3 20 8 5 1 >/dev/null
check $? "20 echoes 5 ms apart on channel 3, both sides sleeping"
echo 2000 >/sys/module/kup/parameters/spin_iters
kup_tools break 0
check $? "a bad producer position breaks channel 0"
rmmod kup_echo
echo 0 >$T/events/kup/enable
cat $T/trace >/tmp/trace
echo "# $(grep -c ' kup_' /tmp/trace) kup events; the first ones:"
grep ' kup_' /tmp/trace | head -n 5 | sed 's/^ */# /'

# count EVENT PATTERN: events EVENT whose fields match PATTERN.
count() {
	grep " $1: " /tmp/trace | grep -c -E "$2"
}

# sum EVENT CHAN FIELD: FIELD summed over EVENT on channel CHAN.
sum() {
	grep " $1: dev=kup_echo chan=$2 " /tmp/trace |
		sed -n "s/.* $3=\([0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'
}

[ "$(count kup_create 'dev=kup_echo chans=4 pages=4')" = 1 ]
check $? "kup_create: once, dev=kup_echo chans=4 pages=4"
[ "$(count kup_attach 'dev=kup_echo chan=1 pid=[0-9]+')" = 1 ] &&
	[ "$(count kup_attach 'dev=kup_echo chan=2 ')" = 1 ]
check $? "kup_attach: once each on channels 1 and 2, with the pid"
[ "$(count kup_detach 'dev=kup_echo chan=1 status=0x1 ')" = 1 ]
check $? "kup_detach: once on channel 1, status DETACHED"
[ "$(sum kup_receive 1 n) $(sum kup_receive 1 bytes) $(sum kup_send 1 n) $(sum kup_send 1 bytes)" = "100 6400 100 6400" ]
check $? "channel 1: kup_receive and kup_send add up to 100 messages, 6400 bytes each way (got $(sum kup_receive 1 n)/$(sum kup_receive 1 bytes), $(sum kup_send 1 n)/$(sum kup_send 1 bytes))"
[ "$(sum kup_receive 2 n) $(sum kup_receive 2 bytes) $(sum kup_send 2 n) $(sum kup_send 2 bytes)" = "50 5000 50 5000" ]
check $? "channel 2: 50 messages, 5000 bytes each way"
# Read after the publish, the fill is the new record, unless the user took
# it already: whole 72-byte records, and not always none.
[ "$(count kup_send 'chan=1 n=1 bytes=64 fill=(0|72|144|216|288)$')" = 100 ] &&
	[ "$(count kup_send 'chan=1 n=1 bytes=64 fill=(72|144|216|288)$')" -ge 1 ]
check $? "kup_send on channel 1: the fill after each is whole 72-byte records ($(grep ' kup_send: dev=kup_echo chan=1 ' /tmp/trace | sed 's/.*fill=//' | sort | uniq -c | tr -s ' \n' ' '))"
w=$(count kup_wait 'chan=3 for=data')
k=$(count kup_wake_kernel 'chan=3$')
d=$(count kup_wait_done 'chan=3 err=0')
[ "$w" -ge 20 ] && [ "$k" -ge 19 ] && [ "$d" -ge 19 ]
check $? "channel 3: the kernel slept for data before each echo ($w), the user woke it ($k), it woke with 0 ($d)"
u=$(count kup_user_wait 'chan=3$')
v=$(count kup_wake_user 'chan=3$')
[ "$u" -ge 1 ] && [ "$v" -ge 1 ]
check $? "channel 3: the user slept in poll() ($u) and the kernel woke it ($v)"
[ "$(count kup_proto_error 'dev=kup_echo chan=0 what=u2k: bad record or producer position')" = 1 ]
check $? "kup_proto_error: once on channel 0, saying what was wrong"
[ "$(count kup_unload 'dev=kup_echo ')" = 1 ]
check $? "kup_unload: once"

# Off means off: nothing more is recorded.
echo >$T/trace
load kup_echo chans=4 pages=4
kup_tools traffic 1 10 8 >/dev/null
rmmod kup_echo
[ "$(grep -c ' kup_' $T/trace)" = 0 ]
check $? "with the events off, traffic records nothing"
rmmod kup
