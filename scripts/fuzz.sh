#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: the fuzzer of tests/vm/t_fuzz.sh for as long as asked, on the
# debug kernel (lockdep, KASAN, KCOV where its configuration has it), or
# on the generic one with FUZZ_KERNEL=generic.
#
# Environment: FUZZ_SECS (each of the two runs, default 600), FUZZ_SEED
# (the second run's seed, default a fresh one, printed), FUZZ_KERNEL
# (debug or generic).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${FUZZ_SECS:-600}
seed=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
case "$secs$seed" in
*[!0-9]*) echo "fuzz: FUZZ_SECS and FUZZ_SEED are numbers" >&2; exit 2 ;;
esac
mkdir -p build/fuzz
script=build/fuzz/t_fuzz.sh
{ echo "FUZZ_SECS=$secs FUZZ_SEED=$seed"; cat tests/vm/t_fuzz.sh; } >"$script"
echo "fuzz: two runs of $secs s, seeds 1 and $seed, on the ${FUZZ_KERNEL:-debug} kernel"
limit=$((2 * secs + 300))
if [ "${FUZZ_KERNEL:-debug}" = generic ]; then
	exec tests/vm/run-vm.sh --name fuzz --timeout $((limit + 120)) \
		--script-timeout "$limit" "$script"
fi
d=$(scripts/debug-kernel.sh dir)
KDIR=$d/build KERNEL=$d/build/arch/x86/boot/bzImage KUP_VM_MODULES=build/debug \
KUP_VM_CPU=max,la57=off KUP_VM_CONSOLE=earlyprintk=serial,ttyS0,115200,keep \
	exec tests/vm/run-vm.sh --name fuzz --timeout $((limit + 300)) --hung 60 \
	--script-timeout "$limit" "$script"
