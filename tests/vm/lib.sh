# SPDX-License-Identifier: GPL-2.0
# Shell helpers sourced by the in-VM test scripts.

# ok CONDITION-STATUS DESCRIPTION: print one TAP line for the last command.
check() {
	if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

# load MODULE [PARAMS...]: insmod from /kmod.
load() {
	m=$1
	shift
	insmod "/kmod/$m.ko" "$@"
}

# mode_of PATH: octal permission bits, owner and group ("600 0 0").
mode_of() {
	stat -c '%a %u %g' "$1" 2>/dev/null
}

# A user driven line by line (tests/vm/kup_cmd.c), so that its calls and a
# kernel client's come in an exact order. user_start TAG FD starts it, its
# commands written through file descriptor FD. user TAG COMMAND sends one
# and sets $reply to its answer line; user_send TAG COMMAND sends one
# without waiting (a blocking call), and user_reply TAG collects the
# answer (empty after 20 s). user_stop TAG ends it.
user_start() {
	rm -f "/tmp/$1.in" "/tmp/$1.out"
	mkfifo "/tmp/$1.in"
	kup_cmd <"/tmp/$1.in" >"/tmp/$1.out" 2>&1 &
	eval "user_pid_$1=\$!; user_fd_$1=$2; user_n_$1=0; exec $2>/tmp/$1.in"
}

user_send() {
	_t=$1
	shift
	eval "echo \"\$*\" >&\$user_fd_$_t; user_n_$_t=\$((user_n_$_t + 1))"
}

user_reply() {
	eval "_n=\$user_n_$1"
	_i=0
	while [ "$(wc -l <"/tmp/$1.out")" -lt "$_n" ] && [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	reply=$(sed -n "${_n}p" "/tmp/$1.out")
}

user() {
	user_send "$@"
	user_reply "$1"
}

user_stop() {
	eval "_fd=\$user_fd_$1; _pid=\$user_pid_$1"
	eval "exec $_fd>&-"
	wait "$_pid"
}

# live_sessions: $live := the sessions kup.ko has not freed, once they are
# 0 or after 5 s (a detached session is freed from a workqueue).
live_sessions() {
	_i=0
	while [ "$(cat /sys/module/kup/parameters/test_live_sessions)" != 0 ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	live=$(cat /sys/module/kup/parameters/test_live_sessions)
}

# step_here COMMAND: one call of kup_test_step's client (tests/kmod),
# made by this shell's own thread; its log line without the module's
# prefix goes to $step_reply.
step_here() {
	echo "$*" >/sys/module/kup_test_step/parameters/step
	step_reply=$(dmesg | grep 'kup_test_step: ' | tail -n 1 | sed 's/.*kup_test_step: //')
}

# step COMMAND: as step_here, printing the line; r=$(step ...) makes the
# call from a new thread each time (the subshell).
step() {
	step_here "$@"
	echo "$step_reply"
}
