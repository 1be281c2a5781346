# SPDX-License-Identifier: GPL-2.0
# Runner self-test: plants a WARN_ON(); the runner must report the run failed.
. /tests/lib.sh
load kup_selftest warn=1
check $? "kup_selftest warn=1 loaded"
