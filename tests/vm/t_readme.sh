# SPDX-License-Identifier: GPL-2.0
# The README's two examples, extracted at build time, run here.
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
rmmod kup
