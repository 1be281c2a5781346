# SPDX-License-Identifier: GPL-2.0
# The Python and Rust bindings in the VM, in a boot of their own: its root
# carries python3 and the Rust programs (tests/bindings.sh lays them over
# it). Not a t_*.sh: the other runs stay small.
. /tests/lib.sh
export PYTHONPATH=/py PYTHONDONTWRITEBYTECODE=1 KUP_LIBRARY=/usr/lib/libkup.so.1
load kup
load kup_echo chans=4 pages=4
check $? "kup_echo loads"
/usr/bin/python3 -c 'import sys, kup; print("# python", sys.version.split()[0])'
check $? "python3 starts and imports kup"
out=$(/usr/bin/python3 /py/readme_python.py)
check $? "the README's Python example runs"
[ "$out" = "b'hello'" ]
check $? "... and prints the echo of b'hello' (got $out)"
rm -f /tmp/py_ready
/usr/bin/python3 /py/test_vm.py &
pid=$!
i=0
while [ ! -e /tmp/py_ready ] && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
rmmod kup_echo
check $? "kup_echo unloads under the Python user"
wait $pid
check $? "the Python binding's test passes"

load kup_echo chans=4 pages=4
[ "$(readme_rust)" = "hello" ]
check $? "the README's Rust example prints the echo of hello"
rm -f /tmp/rs_ready
kup_rust_vm &
pid=$!
i=0
while [ ! -e /tmp/rs_ready ] && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
rmmod kup_echo
check $? "kup_echo unloads under the Rust user"
wait $pid
check $? "the Rust binding's test passes"
rmmod kup
