#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: the fuzzer of tests/vm/t_fuzz.sh for as long as asked, on the
# debug kernel (lockdep, KASAN, KCOV where its configuration has it), or
# on the generic one with FUZZ_KERNEL=generic.
#
# Environment: FUZZ_SECS (each of the two runs, default 600), FUZZ_SEED
# (the second run's seed, default a fresh one, printed), FUZZ_KERNEL
# (debug or generic). On the debug kernel it ends with what the runs
# reached of kup.ko, per function; "fuzz.sh report" prints that again.
set -eu
set -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# What the runs reached of kup.ko: KCOV records one address per basic
# block, at its call of __sanitizer_cov_trace_pc (kup_fuzz prints them
# with KUP_FUZZ_PCS as that call's relocation offset in .text). Per
# function, the functions reached first; the kernel-side API (kupdev_*)
# runs in the clients' threads, which KCOV does not follow.
report() {
	objdump -dr -j .text build/debug/kup.ko | awk -v out=build/vm/fuzz/output.log '
		BEGIN {
			while ((getline l < out) > 0)
				if (l ~ /^# fuzz site /) {
					sub(/^# fuzz site /, "", l)
					sub(/\r$/, "", l)
					hit[l] = 1
				}
		}
		/^[0-9a-f]+ <.*>:$/ { f = $2; gsub(/[<>:]/, "", f); next }
		/R_X86_64_PLT32[ \t]+__sanitizer_cov_trace_pc/ {
			off = $1; sub(/:$/, "", off)
			all[f]++; n++
			if (off in hit) { got[f]++; m++ }
		}
		END {
			if (!n) { print "fuzz: kup.ko has no KCOV instrumentation"; exit }
			for (f in got) { fn++; fall += all[f]; fgot += got[f] }
			printf "fuzz: reached %d of kup.ko'"'"'s %d basic blocks (%d %%); in the %d functions reached, %d of %d (%d %%)\n",
				m, n, 100 * m / n, fn, fgot, fall, fall ? 100 * fgot / fall : 0
			fflush()
			sort = "sort -k3,3nr -k5,5nr"
			for (f in got)
				printf "fuzz:   %-36s %4d of %4d\n", f, got[f], all[f] | sort
			close(sort)
		}'
}

if [ "${1:-}" = report ]; then
	report
	exit
fi
secs=${FUZZ_SECS:-600}
seed=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
case "$secs$seed" in
*[!0-9]*) echo "fuzz: FUZZ_SECS and FUZZ_SEED are numbers" >&2; exit 2 ;;
esac
mkdir -p build/fuzz
script=build/fuzz/t_fuzz.sh
{ echo "FUZZ_SECS=$secs FUZZ_SEED=$seed; export KUP_FUZZ_PCS=1"; cat tests/vm/t_fuzz.sh; } >"$script"
echo "fuzz: two runs of $secs s, seeds 1 and $seed, on the ${FUZZ_KERNEL:-debug} kernel"
limit=$((2 * secs + 300))
if [ "${FUZZ_KERNEL:-debug}" = generic ]; then
	exec tests/vm/run-vm.sh --name fuzz --timeout $((limit + 120)) \
		--script-timeout "$limit" "$script"
fi
d=$(scripts/debug-kernel.sh dir)
rc=0
KDIR=$d/build KERNEL=$d/build/arch/x86/boot/bzImage KUP_VM_MODULES=build/debug \
KUP_VM_CPU=max,la57=off KUP_VM_CONSOLE=earlyprintk=serial,ttyS0,115200,keep \
	tests/vm/run-vm.sh --name fuzz --timeout $((limit + 300)) --hung 60 \
	--script-timeout "$limit" "$script" || rc=$?
report || echo "fuzz: no coverage report (objdump failed)"
exit $rc
