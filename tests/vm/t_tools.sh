# SPDX-License-Identifier: GPL-2.0
# libkup's device calls (kernproxy_info, kernproxy_dev_fd, errno), and
# kupctl against known traffic: counters that survive a detach, the
# session's beside the total, read by a user without write access, and
# kupctl top's rates against the rate a paced sender achieved.
. /tests/lib.sh

load kup
load kup_echo chans=4 pages=4
check $? "kup_echo loads (4 channels of 4 pages)"

kup_tools api

# stat CHAN total|session COLUMN: one counter from kupctl stats. Columns:
# chan user total|session k2u_msgs k2u_bytes u2k_msgs u2k_bytes
# wakeups_sent wakeups_recv full_waits empty_waits proto_errors attaches.
stat() {
	kupctl stats kup_echo | awk -v c="$1" -v w="$2" -v f="$3" '
		NR > 2 && $1 == c && $3 == w { print $f; found = 1 }
		END { if (!found) print "none" }'
}

kup_tools traffic 1 1000 100
check $? "1000 echoes of 100 bytes on channel 1"
[ "$(stat 1 total 4) $(stat 1 total 5) $(stat 1 total 6) $(stat 1 total 7) $(stat 1 total 13)" = \
  "1000 100000 1000 100000 1" ]
check $? "after the detach, channel 1's totals still count them (k2u $(stat 1 total 4)/$(stat 1 total 5), u2k $(stat 1 total 6)/$(stat 1 total 7), attaches $(stat 1 total 13))"
[ "$(stat 1 total 2)" = "-" ] && [ "$(stat 0 total 4)" = "0" ]
check $? "channel 1 shows no user now; channel 0's own counters are apart"

kup_tools traffic 1 500 10
[ "$(stat 1 total 6) $(stat 1 total 7) $(stat 1 session 6) $(stat 1 session 7) $(stat 1 total 13) $(stat 1 session 13)" = \
  "1500 105000 500 5000 2 1" ]
check $? "a second user: totals 1500 messages / 105000 bytes, its session 500 / 5000 (got $(stat 1 total 6)/$(stat 1 total 7), $(stat 1 session 6)/$(stat 1 session 7))"

json=$(kupctl stats kup_echo --json)
echo "$json" | grep -q '^{"device": "kup_echo", "channels": 4, "pages": 4, "stats": \[.*{"chan": 1, "attached": false, "total": {"k2u_msgs": 1500, "k2u_bytes": 105000, "u2k_msgs": 1500, "u2k_bytes": 105000, .*"attaches": 2}, "session": {"k2u_msgs": 500, .*}\]}$'
check $? "kupctl stats --json has the same counters"

kupctl stats kup_no_such >/dev/null 2>&1
[ $? -eq 1 ]
check $? "kupctl stats of a missing device exits 1"
kupctl bogus >/dev/null 2>&1
[ $? -eq 2 ]
check $? "kupctl with a bad command exits 2"
kupctl --help | grep -q '^usage: kupctl list' && kupctl --version | grep -q '^kupctl [0-9]'
check $? "kupctl --help and --version"

# More devices than kupctl once kept (64; kup.ko allows 256): every one is
# listed and shown by top. Sorted by name, kup_echo comes first and
# kup_many_099 last, so a list cut anywhere loses the last ones.
load kup_test_reg many=100
check $? "kup_test_reg many=100 creates 100 more devices"
n=$(kupctl list | grep -c -E '^kup_many_[0-9]{3} ')
kupctl list | grep -q '^kup_echo ' && kupctl list | grep -q '^kup_many_099 ' && [ "$n" = 100 ]
check $? "kupctl list shows all 101 devices (kup_many_*: $n of 100, the last $(kupctl list | tail -n 1 | cut -d' ' -f1))"
kupctl top -d 0.1 -n 1 >/tmp/top_many
n=$(grep -c -E '^kup_many_[0-9]{3} +0 ' /tmp/top_many)
grep -q '^kup_echo  *3 ' /tmp/top_many && grep -q '^kup_many_099 ' /tmp/top_many && [ "$n" = 100 ]
check $? "kupctl top shows every device's channels ($n of the 100 kup_many_*, and kup_echo's)"
kupctl top -d 0.1 -n 1 kup_many_099 kup_many_000 | grep -c -E '^kup_many_(000|099) +0 ' | grep -q '^2$'
check $? "kupctl top NAME... follows the devices named among them"
rmmod kup_test_reg
check $? "kup_test_reg unloads its 100 devices"

# Read access to the node is enough for the counters, and not for a channel.
chmod 0644 /dev/kup_echo
kup_tools asuser 1000 kupctl stats kup_echo | grep -q -E '^ +1 +- +total +1500 '
check $? "a user who may only read /dev/kup_echo reads its counters"
kup_tools asuser 1000 kup_tools traffic 2 1 8 2>&1 | grep -q 'Permission denied' &&
	[ "$(stat 2 total 13)" = "0" ]
check $? "... cannot open it for writing, which libkup does to attach (EACCES)"
kup_tools asuser 1000 kup_tools roattach
check $? "... and its read-only fd cannot attach a channel (EBADF)"
kupctl stats null >/dev/null 2>/tmp/err
[ $? -eq 1 ] && grep -q 'no such KUP device' /tmp/err
check $? "kupctl stats of a node that is not a KUP device (/dev/null) refuses it: $(cat /tmp/err)"
chmod 0600 /dev/kup_echo
kup_tools asuser 1000 kupctl stats kup_echo >/dev/null 2>&1
[ $? -eq 1 ]
check $? "without read access, kupctl stats fails (exit 1)"

# kupctl top against a sender paced at 400 echoes a second for 5 s, which
# logs how many it has done as it goes, on the clock top -t prints: each
# round's rates must be what the log says was done in that round. (The
# pace itself may falter under emulation; what top shows must not.)
kup_tools paced 3 400 5 /tmp/paced.log >/tmp/paced &
pid=$!
sleep 1
kupctl top -t -d 1 -n 3 kup_echo >/tmp/top
wait $pid
check $? "the paced sender ran ($(cat /tmp/paced))"
sed 's/^/# top: /' /tmp/top
# done_at T: the sender's count at time T, from its log.
bad=$(awk '
	FILENAME == "/tmp/paced.log" { t[n] = $1; c[n++] = $2; next }
	/^kupctl top:/ { from = $(NF - 2); to = $NF; sub(/,$/, "", from); next }
	$1 == "kup_echo" && $2 == 3 {
		rounds++
		want = (at(to) - at(from)) / (to - from)
		all += want
		tol = 0.1 * want + 10
		if ($4 < want - tol || $4 > want + tol || $6 < want - tol || $6 > want + tol) {
			printf "round %d: top %s/%s, the log %.0f; ", rounds, $4, $6, want
			b++
		}
	}
	function at(x,  k) { for (k = n - 1; k > 0 && t[k] > x; k--); return c[k] }
	END {
		if (rounds != 3) print "rounds " rounds
		else if (all < 300) print "the sender did only " all " a second"
		else print b + 0
	}' /tmp/paced.log /tmp/top)
[ "$bad" = 0 ]
check $? "kupctl top: 3 rounds, channel 3 each way within 10% of what the sender did in each (off: $bad)"
awk '$1 == "kup_echo" && $2 == 0' /tmp/top | awk '$4 != 0 || $6 != 0 { b = 1 } END { exit b || NR != 3 }'
check $? "kupctl top: an idle channel shows 0/s, in each of the 3 rounds"

# top follows a device by name: it lets go of one that is unloaded (an open
# fd would keep its memory and kup.ko), and picks up one of that name that
# comes back.
kupctl top -d 0.5 -n 10 kup_echo >/tmp/top2 &
tpid=$!
sleep 1
rmmod kup_echo
sleep 1.5
held=$(ls -l /proc/$tpid/fd 2>/dev/null | grep -c kup_echo)
grep -q '^kup_echo *(gone)' /tmp/top2 && [ "$held" = 0 ]
check $? "kupctl top shows an unloaded device gone and closes its fd (held: $held)"
load kup_echo chans=4 pages=4
wait $tpid
grep -q '^kup_echo *(new' /tmp/top2 && [ "$(awk '$1 == "kup_echo" && $2 == 3' /tmp/top2 | tail -n 1 | awk '{ print $3 }')" = "-" ]
check $? "... and follows the device of that name when it comes back"

# The device fd reports the unload to a poller.
rm -f /tmp/polling
kup_tools waithup /tmp/polling >/tmp/hup &
pid=$!
i=0
while [ ! -e /tmp/polling ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
rmmod kup_echo
check $? "kup_echo unloads while a process polls its device fd"
wait $pid
check $? "$(cat /tmp/hup)"
rmmod kup
