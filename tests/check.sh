#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test suite (make check): host unit tests, the VM suite, the
# package test (tests/pkg/check.sh), and the VM runner's self-tests. Every
# line "ok - ..." or "not ok - ..." from the parts is one test; they are
# numbered here and counted at the end.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
log=build/check.log
mkdir -p build
: >"$log"
n=0
passed=0
failed=0

# report: number and count the TAP lines of a part, pass the rest through.
report() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok "*)
			n=$((n + 1)); passed=$((passed + 1))
			echo "ok $n ${line#ok }" ;;
		"not ok "*)
			n=$((n + 1)); failed=$((failed + 1))
			echo "not ok $n ${line#not ok }" ;;
		*) echo "$line" ;;
		esac
	done
}

# expect_caught NAME PATTERN ARGS...: a VM run that must be reported failed,
# with PATTERN in the runner's explanation.
expect_caught() {
	local name=$1 pat=$2 out rc
	shift 2
	out=$(tests/vm/run-vm.sh "$@" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/#   /' >>"$log"
	if [ $rc -ne 0 ] && echo "$out" | grep -q -E "$pat"; then
		echo "ok - runner catches $name"
	else
		echo "not ok - runner catches $name (exit $rc)"
		echo "$out" | sed 's/^/#   /'
	fi
}

# expect_streamed: the runner prints a VM test line as the VM writes it.
# The VM prints a line, sleeps 6 s, prints another; the first must reach us
# at least 4 s before the runner has finished (it reads the sleep's end and
# the VM's power-off after it). A runner that prints only after QEMU has
# exited delivers every line at the same moment.
expect_streamed() {
	local line first="" out=""
	while IFS= read -r line; do
		out="$out$line"$'\n'
		case "$line" in
		*"the line before the pause"*) first=$SECONDS ;;
		esac
	done < <(tests/vm/run-vm.sh --name selftest-stream --timeout 60 \
		 tests/vm/selftest_stream.sh 2>&1)
	echo "$out" | sed 's/^/#   /' >>"$log"
	local ahead=${first:+$((SECONDS - first))}
	if [ -n "$ahead" ] && [ "$ahead" -ge 4 ] &&
	   echo "$out" | grep -q 'ok - vm(selftest-stream): reached the end sentinel'; then
		echo "ok - runner prints VM lines as they come (the first ${ahead}s before the end)"
	else
		echo "not ok - runner prints VM lines as they come (the first ${ahead:-never}${ahead:+s before the end})"
		echo "$out" | sed 's/^/#   /'
	fi
}

# The VM suite on another kernel, with the modules make check-run built
# for it: suite_on NAME MODULES-TREE KDIR KERNEL-IMAGE [run-vm.sh ARGS...].
suite_on() {
	local name=$1 mods=$2 kdir=$3 image=$4 rc
	shift 4
	if [ ! -d "$kdir" ] || [ ! -e "$mods/kup.ko" ]; then
		echo "not ok - the $name kernel's tree ($kdir) and $mods/kup.ko are there (make setup; make modules-$name)"
		return
	fi
	KDIR=$kdir KERNEL=$image KUP_VM_MODULES=$mods tests/vm/run-vm.sh --name "$name" "$@"
	rc=$?
	[ $rc -le 1 ] || echo "not ok - the VM runner died with status $rc ($name kernel)"
}

# Debian's PREEMPT_RT kernel. Its t_integrity, with 4 threads or processes
# and 4 polling kernel threads on 2 vCPUs, took 45 to 105 s in five runs of
# one day (the generic kernel's about 40): more room than the defaults.
rt_suite() {
	local rt=${RT_KDIR:-$(scripts/kernel.sh rt-kdir)}

	suite_on rt build/rt "$rt" "$(KDIR=$rt KERNEL= scripts/kernel.sh image)" \
		--timeout 420 --script-timeout 240
}

# The debug kernel (scripts/debug-kernel.sh): lockdep, KASAN and the rest
# make everything slower, hence the longer limits. 5-level paging off: with
# it that KASAN kernel faults at boot under -cpu max. Its console is x86's
# earlyprintk (see scripts/debug-kernel.config).
debug_suite() {
	local d
	d=$(scripts/debug-kernel.sh dir)
	KUP_VM_CPU=max,la57=off KUP_VM_CONSOLE=earlyprintk=serial,ttyS0,115200,keep \
		suite_on debug build/debug "$d/build" \
		"$d/build/arch/x86/boot/bzImage" --timeout 900 --hung 60 \
		--script-timeout 300
}

# The other kernels of the matrix (scripts/kernels.sh: Linux 6.12 from
# backports on Debian 12, the newest Debian kernel), with the modules make
# check-run built for each in build/NAME. Each must be in the range KUP
# declares (KERNELS): unstable moving past Linux-Maximum is a failure until
# KUP is tested there and the maximum raised.
matrix_suites() {
	local k rel
	for k in $(scripts/kernels.sh list); do
		if ! rel=$(scripts/kernels.sh release "$k"); then
			echo "not ok - the $k kernel is prepared (make modules-matrix)"
			continue
		fi
		phase "VM suite on Linux $rel, the $k kernel (modules built in build/$k)"
		if scripts/kernel-range.sh check "$rel"; then
			echo "ok - Linux $rel ($k) is in the range KERNELS declares"
		else
			echo "not ok - Linux $rel ($k) is in the range KERNELS declares:" \
			     "test KUP on it, then raise Linux-Maximum"
		fi
		# The generic kernel's limits would do on an idle machine (both
		# took about as long as 6.1's); the RT suite's allow for a
		# busy one, where 6.12's took 240 s.
		suite_on "$k" "build/$k" "$(scripts/kernels.sh kdir "$k")" \
			"$(scripts/kernels.sh image "$k")" --timeout 420 --script-timeout 240
	done
}

# phase TITLE: a part begins; the one before it ended, and took so long
# (make check's time, part by part, for CI's budget).
phase_name=""
phase_t0=0
phase() {
	[ -z "$phase_name" ] || echo "# ($phase_name: $((SECONDS - phase_t0))s)"
	phase_name=$1
	phase_t0=$SECONDS
	[ -z "$1" ] || echo "# $1"
}

run_parts() {
	phase "man pages"
	tests/man/check.sh
	[ $? -le 1 ] || echo "not ok - the man page check died"
	phase "host unit tests"
	for t in build/host/test_*; do
		[ -x "$t" ] || continue
		timeout --foreground 600 "$t" || echo "not ok - $(basename "$t") exited with status $?"
	done
	tests/host/run.sh || echo "not ok - host ring tests exited with status $?"
	tests/host/abi_check.sh
	phase "VM suite"
	# It exits 1 after a "not ok" line of its own; anything else means
	# it died before it could say why.
	# The RT suite's limits: the suite now takes about 240 s on an idle
	# machine (the runner's default whole-run limit), 6.12's and 7.2's
	# about 200 s.
	tests/vm/run-vm.sh --timeout 420 --script-timeout 240
	rc=$?
	[ $rc -le 1 ] || echo "not ok - the VM runner died with status $rc"
	phase "VM suite on the PREEMPT_RT kernel (modules built in build/rt)"
	rt_suite
	phase "VM suite on the debug kernel (modules built in build/debug)"
	debug_suite
	matrix_suites
	phase "the Python and Rust bindings: on the host, then in a VM of their own"
	tests/bindings.sh
	rc=$?
	[ $rc -le 1 ] || echo "not ok - the bindings' test died with status $rc"
	phase "the packages: make install, make deb, in a fresh root and the VM"
	tests/pkg/check.sh
	rc=$?
	[ $rc -le 1 ] || echo "not ok - the package test died with status $rc"
	phase "VM runner self-tests"
	expect_streamed
	phase "VM runner self-tests (each run below must be reported as failed)"
	expect_caught "a planted WARN_ON" 'splat: .*WARNING:' \
		--name selftest-warn --timeout 60 tests/vm/selftest_warn.sh
	expect_caught "a planted hang" 'splat: .*blocked for more than' \
		--name selftest-hang --timeout 90 --hung 5 tests/vm/selftest_hang.sh
	expect_caught "a VM that never finishes" 'not ok - vm\(selftest-timeout\): finished within' \
		--name selftest-timeout --timeout 20 --hung 0 tests/vm/selftest_hang.sh
	phase ""
}

start=$(date +%s)
# A pipeline, not a process substitution: the parts run in the foreground,
# so Ctrl-C stops them (an asynchronous command ignores SIGINT, and so would
# a VM it started); lastpipe runs report in this shell, for the counters.
shopt -s lastpipe
run_parts 2>&1 | tee -a "$log" | report
echo "# $n tests in $(($(date +%s) - start))s; full log in $log"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $n -gt 0 ]
