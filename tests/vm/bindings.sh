# SPDX-License-Identifier: GPL-2.0
# The Python and Rust bindings in the VM, in a boot of their own: its root
# carries python3 and the Rust programs (tests/bindings.sh lays them over
# it). Not a t_*.sh: the other runs stay small.
. /tests/lib.sh
export PYTHONPATH=/py PYTHONDONTWRITEBYTECODE=1 KUP_LIBRARY=/usr/lib/libkup.so.1
# run_then_unload PROGRAM READY WHAT: PROGRAM works on kup_echo, creates
# READY when it wants the unload, and must then see the kernel side gone.
run_then_unload() {
	rm -f "$2"
	$1 &
	pid=$!
	i=0
	while [ ! -e "$2" ] && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	rmmod kup_echo
	check $? "kup_echo unloads under the $3 user"
	wait $pid
	check $? "the $3 binding's test passes"
}

load kup
load kup_echo chans=4 pages=4
check $? "kup_echo loads"
/usr/bin/python3 -c 'import sys, kup; print("# python", sys.version.split()[0])'
check $? "python3 starts and imports kup"
out=$(/usr/bin/python3 /py/readme_python.py)
check $? "the README's Python example runs"
[ "$out" = "b'hello'" ]
check $? "... and prints the echo of b'hello' (got $out)"
run_then_unload "/usr/bin/python3 /py/test_vm.py" /tmp/py_ready Python

load kup_echo chans=4 pages=4
[ "$(readme_rust)" = "hello" ]
check $? "the README's Rust example prints the echo of hello"
run_then_unload kup_rust_vm /tmp/rs_ready Rust
rmmod kup
