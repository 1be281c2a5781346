# SPDX-License-Identifier: GPL-2.0
# Runner self-test: a line, a pause, a line. The host must see the first
# line while the VM is still in the pause (the runner streams the output).
echo "ok - the line before the pause"
sleep 6
echo "ok - the line after the pause"
