#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel under QEMU with an initramfs of our own and run
# in-VM test scripts in it. Prints TAP lines ("ok - ..." / "not ok - ...")
# for each in-VM test and for the runner's own verdicts (end reached, no
# splat, no timeout); exits non-zero if any of them failed.
#
# usage: run-vm.sh [--timeout SECS] [--hung SECS] [--script-timeout SECS]
#                  [--name TAG] [--demo] [SCRIPT...]
# SCRIPTs default to tests/vm/t_*.sh; --demo runs tests/vm/demo.sh instead.
# Environment: KERNEL (image to boot), KDIR (its headers, for the modules):
# by default as scripts/kernel.sh finds them; KUP_VM_MODULES (the tree whose
# *.ko go into the VM, default the source tree, e.g. build/rt for the
# PREEMPT_RT kernel's build); KUP_VM_BINS (the directory whose programs go
# into the VM's /bin instead of build/vm-bin/* and build/tools/kupctl, e.g.
# the package test's installed ones); KUP_VM_EXTRA (a tree laid over the
# root, e.g. python3 and its libraries for the bindings' boot, see
# tests/bindings.sh); KUP_VM_CPU (QEMU -cpu model, default max);
# KUP_VM_CONSOLE (how the kernel's console reaches serial port 0, default
# console=ttyS0).
#
# The test lines are printed as the VM writes them, not after it stopped:
# QEMU runs in the background and its test serial port is followed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
timeout=240
hung=30
script_timeout=120
tag=suite
demo=0
scripts=()
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout=$2; shift 2 ;;
	--hung) hung=$2; shift 2 ;;
	--script-timeout) script_timeout=$2; shift 2 ;;
	--name) tag=$2; shift 2 ;;
	--demo) demo=1; tag=demo; shift ;;
	*) scripts+=("$1"); shift ;;
	esac
done
if [ ${#scripts[@]} -eq 0 ]; then
	if [ $demo = 1 ]; then
		scripts=("$top/tests/vm/demo.sh")
	else
		scripts=("$top"/tests/vm/t_*.sh)
	fi
fi

KERNEL=$("$top/scripts/kernel.sh" image)
work="$top/build/vm/$tag"
console="$work/console.log"
output="$work/output.log"

die() {
	echo "not ok - vm($tag): $*"
	exit 1
}

[ -r "$KERNEL" ] || die "no kernel image $KERNEL: run 'make setup', or set KERNEL="
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing"
busybox=$(command -v busybox) || die "busybox missing"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	die "$busybox is not static (install busybox-static)"

# The initramfs: busybox, our modules, static test programs, the scripts.
build_initramfs() {
	local root="$work/root" i=0 s
	rm -rf "$work" && mkdir -p "$root"/{bin,dev,proc,sys,tmp,kmod,tests}
	cp "$busybox" "$root/bin/busybox"
	if [ -n "${KUP_VM_MODULES:-}" ]; then
		find "$KUP_VM_MODULES" -name '*.ko' -print
	else
		find "$top" -path "$top/build" -prune -o -name '*.ko' -print
		ls "$top"/build/readme/*.ko 2>/dev/null
	fi | xargs -r cp -t "$root/kmod/"
	if [ -n "${KUP_VM_BINS:-}" ]; then
		cp "$KUP_VM_BINS"/* "$root/bin/" || return 1
	else
		[ -d "$top/build/vm-bin" ] && cp "$top"/build/vm-bin/* "$root/bin/"
		[ -x "$top/build/tools/kupctl" ] && cp "$top/build/tools/kupctl" "$root/bin/"
	fi
	if [ -n "${KUP_VM_EXTRA:-}" ]; then
		cp -a "$KUP_VM_EXTRA"/. "$root/" || return 1
	fi
	cp "$top/tests/vm/lib.sh" "$root/tests/"
	for s in "${scripts[@]}"; do
		i=$((i + 1))
		cp "$s" "$root/tests/$(printf '%02d' $i)_$(basename "$s")"
	done
	sed "s/@HUNG@/$hung/; s/@SCRIPT_TIMEOUT@/$script_timeout/" \
		"$top/tests/vm/init" >"$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio"
}

# Console to serial 0 (kernel messages), test output to serial 1: user
# space and printk never interleave mid-line in the file we parse. QEMU runs
# in the background so that show() can print the lines as they come, and
# so does show(), so that the trap can stop QEMU as soon as we are
# interrupted (a background job ignores SIGINT; a trap waits for a
# foreground command). init_on_free=1 zeroes what the kernel frees: code
# that uses freed memory finds NULL pointers and oopses at once, instead of
# reading stale values that still look right. tsc=unstable: from 7.x on,
# switching to the TSC clocksource turns a static key on, which patches
# the timekeeping code live (int3 first, then the new bytes) while the
# other vCPU runs it in its tick; multi-threaded TCG can still execute an
# int3 that is no longer in memory, an "Oops: int3" in ktime_get() a few
# seconds into the boot (every time, in 3 runs of a test that switches
# clocksources in a loop). 6.1 already marks the emulated CPU's TSC unstable and stays
# on hpet: with this, every kernel boots the same way.
boot() {
	local accel=tcg,thread=multi
	[ "${KUP_VM_KVM:-0}" = 1 ] && [ -w /dev/kvm ] && accel=kvm
	: >"$output"
	qemu=""
	trap '[ -n "$qemu" ] && kill $qemu 2>/dev/null; exit 130' INT TERM
	timeout -k 5 "$timeout" qemu-system-x86_64 \
		-accel "$accel" -cpu "${KUP_VM_CPU:-max}" -smp 2 -m 1024 -no-reboot \
		-display none -monitor none -nodefaults \
		-serial "file:$console" -serial "file:$output" \
		-kernel "$KERNEL" -initrd "$work/initramfs.cpio" \
		-append "${KUP_VM_CONSOLE:-console=ttyS0} panic=-1 oops=panic panic_on_warn=1 printk.devkmsg=on init_on_free=1 tsc=unstable" \
		</dev/null >"$work/qemu.log" 2>&1 &
	qemu=$!
	# tail reads what is left once QEMU is gone, then exits.
	tail -n +1 -s 0.2 --pid=$qemu -f "$output" | show &
	shower=$!
	wait $qemu
	rc=$?
	trap - INT TERM
	wait $shower
	return $rc
}

# The test lines, numbered by tests/check.sh later; in a demo everything
# but the sentinel.
show() {
	if [ $demo = 1 ]; then
		grep --line-buffered -v '^# KUP-VM-END'
	else
		grep --line-buffered -E '^(not )?ok ' |
			sed -u "s/^\(\(not \)\?ok\) /\1 - vm($tag): /; s/: - /: /"
	fi
}

splat_re='BUG:|WARNING:|Oops|Call Trace|general protection|soft lockup|hung task|blocked for more than|Kernel panic'

build_initramfs || die "cannot build the initramfs"
start=$(date +%s)
boot
rc=$?
secs=$(($(date +%s) - start))

fail=0
verdict() {
	if [ "$1" = 0 ]; then echo "ok - vm($tag): $2"; else echo "not ok - vm($tag): $2"; fail=1; fi
}
[ $rc -ne 124 ] && [ $rc -ne 137 ]
verdict $? "finished within ${timeout}s (took ${secs}s)"
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 137 ]; then
	verdict 1 "QEMU exited with status $rc"
	sed 's/^/#   qemu: /' "$work/qemu.log"
fi
grep -q '^# KUP-VM-END' "$output" && grep -q 'KUP-VM-END' "$console"
verdict $? "reached the end sentinel"
! grep -q -E "$splat_re" "$console"
verdict $? "no kernel splat on the console"
grep -q '^not ok ' "$output" && fail=1
if [ $fail = 1 ]; then
	echo "# vm($tag) failed; the last lines of the kernel console (all of it: $console):"
	grep -E -m5 "$splat_re" "$console" | sed 's/^/#   splat: /'
	tail -n 25 "$console" | sed 's/^/#   /'
	grep -v -E '^(not )?ok ' "$output" | tail -n 25 | sed 's/^/#   out: /'
fi
exit $fail
