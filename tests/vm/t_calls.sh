# SPDX-License-Identifier: GPL-2.0
# Calls of a kernel client (kup_test_step) and of a user (kup_cmd) put in
# an exact order by this script, each answer checked.
. /tests/lib.sh
load kup

# counts: channel 0's k2u_msgs, "TOTAL SESSION", from kupctl stats --json.
counts() {
	kupctl stats kup_step --json | sed -n 's/^[^[]*\[{"chan": 0, "attached": [a-z]*, "total": {"k2u_msgs": \([0-9]*\)[^}]*}, "session": {"k2u_msgs": \([0-9]*\).*/\1 \2/p'
}

# Many producers: what the counters say never goes down, and a commit on
# a session that stopped is a discard, as the caller is told.
load kup_test_step mp=1
check $? "kup_test_step mp=1 loads"
user_start a 4
user a attach kup_step 0
[ "$reply" = "attach 0" ]
check $? "a user attaches kup_step channel 0 ($reply)"
r=$(step reserve)
c1=$(counts)
r2=$(step discard)
c2=$(counts)
[ "$r" = "reserve: 0" ] && [ -n "$c1" ] && [ "${c2%% *}" -ge "${c1%% *}" ]
check $? "k2u_msgs never goes down: a reservation discarded after a snapshot ($r, $r2; total and session '$c1', then '$c2')"
r=$(step reserve)
user a close
user_stop a
user_start b 5
user b attach kup_step 0
r2=$(step discard)
c=$(counts)
[ "$r" = "reserve: 0" ] && [ "$reply" = "attach 0" ] && [ "${c#* }" = 0 ]
check $? "a reservation of the last user discarded under the next one: the session's k2u_msgs is 0 ('$c')"
r=$(step send hello)
user b recv
[ "$r" = "send: 0" ] && [ "$reply" = "recv 5 hello" ]
check $? "a send reaches the user ($r, $reply)"
r=$(step reserve)
r2=$(step unload)
r3=$(step commit)
user b recv
[ "$r" = "reserve: 0" ] && [ "$r3" = "commit: -32" ] && [ "$reply" = "recv EPIPE" ]
check $? "a commit after the unload reports the message dropped, and the user never gets it ($r, $r2, $r3, then $reply)"
user b close
user_stop b
rmmod kup_test_step
check $? "kup_test_step unloads"

# A blocking peek while earlier messages are held sleeps until the next
# one comes (the kernproxy_peek(3) example: the header, then the body);
# on a many-producer channel also with discarded records stepped over.
for mp in 0 1; do
	load kup_test_step mp=$mp
	user_start c 6
	user c attach kup_step 0
	[ $mp = 1 ] && step reserve >/dev/null && step discard >/dev/null
	r=$(step send one)
	user c peek
	p=$reply
	user_send c wpeek
	sleep 1
	r2=$(step send two)
	user_reply c
	cpu=$(echo "$reply" | sed -n 's/.* cpu=\([0-9]*\) .*/\1/p')
	[ "$p" = "peek 3 one" ] && [ "${reply%% cpu=*}" = "wpeek 3 two" ] &&
		[ -n "$cpu" ] && [ "$cpu" -lt 300 ]
	check $? "mp=$mp: a blocking peek behind a held message sleeps ($r, $p, $r2, $reply; CPU in ms)"
	user c close
	user_stop c
	rmmod kup_test_step
done

# A message held by the departed user's worker, whose release is handed
# to another thread (a completion), and one of the next user's held by
# its worker (this shell), released by it: two releases, in either order,
# free the two holds, each once, and no session is left behind. (A
# release cannot tell which it is meant for: the other thread's, coming
# first, takes the next user's; the departed user's is then the only one
# left, for the next release.)
load kup_test_step
for order in "other first" "holder first"; do
	user_start d 7
	user d attach kup_step 0
	user d send one
	r=$(step hold)
	user d close
	user_stop d
	user_start e 8
	user e attach kup_step 0
	user e send two
	step_here hold
	r2=$step_reply
	if [ "$order" = "other first" ]; then
		r3=$(step unlock)
		step_here unlock
	else
		step_here unlock
		r3=$(step unlock)
	fi
	user e close
	user_stop e
	live_sessions
	[ "$r" = "hold: 3 one" ] && [ "$r2" = "hold: 3 two" ] && [ "$live" = 0 ]
	check $? "a departed user's held message and the next user's, released by another thread and by the holder, $order: both freed ($r, $r2, $r3; $live sessions left)"
done
rmmod kup_test_step
check $? "kup_test_step unloads"

rmmod kup
check $? "kup.ko unloads after all of it"
