# SPDX-License-Identifier: GPL-2.0
# Runner self-test: insmod never returns; the runner must report the run failed.
. /tests/lib.sh
load kup_selftest hang=1
check $? "kup_selftest hang=1 returned"
