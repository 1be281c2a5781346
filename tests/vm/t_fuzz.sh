# SPDX-License-Identifier: GPL-2.0
# The fuzzer (tests/vm/kup_fuzz.c) over every kup.ko surface user space
# has, while kernel clients run: kup_echo, kup_serve (a thread per
# channel), kup_mp (producers on every CPU and in hard irq), and kup_step,
# loaded and unloaded over and over meanwhile. A fixed seed first, then a
# fresh one (printed: "kup_fuzz SEED SECONDS" replays it). make fuzz runs
# it longer (FUZZ_SECS, FUZZ_SEED set before this text).
. /tests/lib.sh
: "${FUZZ_SECS:=20}"
: "${FUZZ_SEED:=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
mount -t debugfs none /sys/kernel/debug 2>/dev/null
load kup
load kup_echo chans=4 pages=1 &&
	load kup_test_serve style=chan &&
	load kup_test_mp count=1000000 period_us=1000
check $? "kup_echo, kup_test_serve style=chan and kup_test_mp load"
# A client that comes and goes all along.
(
	while [ ! -e /tmp/fuzz_done ]; do
		load kup_test_step mp=1 && sleep 0.3 && rmmod kup_test_step
		sleep 0.2
	done
) &
churn=$!
for seed in 1 "$FUZZ_SEED"; do
	kup_fuzz "$seed" "$FUZZ_SECS" kup_step
	check $? "kup_fuzz $seed $FUZZ_SECS exits 0 (the replay of this run)"
done
touch /tmp/fuzz_done
wait $churn
lsmod | grep -q kup_test_step && rmmod kup_test_step
rmmod kup_test_mp && rmmod kup_test_serve && rmmod kup_echo
check $? "the clients unload after the fuzzing"
# Sessions go from a workqueue: give it a moment, then none may be left.
live_sessions
[ "$live" = 0 ]
check $? "every session the fuzzing made is freed ($live left)"
rmmod kup
check $? "kup.ko unloads after all of it"
