#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the ring core: build them (tests/host/Makefile) and run them
# all, plain, under ThreadSanitizer and AddressSanitizer, and the fuzzer.
# Prints only TAP lines without numbers ("ok - ...", "not ok - ...") and
# "# " comments; the caller numbers them. A run that crashes, trips a
# sanitizer or times out is a "not ok". Exits non-zero if anything failed.
# Takes about a minute and a half on two cores.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
bin=build/host-tests
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; failed=1; }

# Sanitizer reports must end the run with a failure, not scroll past.
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
export ASAN_OPTIONS="abort_on_error=0 exitcode=67 detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1"
# ThreadSanitizer (LLVM 14) needs the classic address space layout; with
# ASLR's many random bits on newer kernels it can refuse to start.
norand=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
	norand=(setarch "$(uname -m)" -R)
fi

# show FILE: a failed run's other output, as comments, not too much of it.
show() {
	grep -v -E '^(ok - |not ok - |# )' "$1" | head -n 40 | sed 's/^/#   /'
}

# run NAME SECONDS CMD...: run a test program; its TAP lines are passed on
# with NAME in front, and a crash or timeout is a failure of its own.
run() {
	local name=$1 secs=$2 rc line out=$tmp/out
	shift 2
	timeout --foreground -k 5 "$secs" "$@" >"$out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) ok "$name: ${line#ok - }" ;;
		"not ok - "*) notok "$name: ${line#not ok - }" ;;
		"# "*) echo "# $name: ${line#\# }" ;;
		esac
	done <"$out"
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		notok "$name: finished within ${secs}s (timed out)"
		show "$out"
	elif [ $rc -ne 0 ] && ! { [ $rc -eq 1 ] && grep -q '^not ok - ' "$out"; }; then
		notok "$name: exited with status $rc (crash or sanitizer report)"
		show "$out"
	elif [ $rc -eq 0 ] && ! grep -q '^ok - ' "$out"; then
		notok "$name: reported no result"
		show "$out"
	fi
}

# expect_fail NAME PATTERN SECONDS CMD...: a run damaged on purpose; it must
# fail (exit status 1) and say PATTERN. Its own TAP lines are not passed on.
expect_fail() {
	local name=$1 pat=$2 secs=$3 rc out=$tmp/out
	shift 3
	timeout --foreground -k 5 "$secs" "$@" >"$out" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q -E "$pat" "$out"; then
		ok "$name"
		grep -m1 '^not ok - ' "$out" | sed 's/^not ok - /#   caught: /'
	else
		notok "$name (exit status $rc)"
		show "$out"
		grep -E '^(ok|not ok) - ' "$out" | sed 's/^/#   /'
	fi
}

echo "# host ring tests (tests/host)"
if ! make -s -C tests/host >"$tmp/build" 2>&1; then
	notok "host ring tests build"
	sed 's/^/#   /' "$tmp/build" | head -n 40
	exit 1
fi
ok "host ring tests build (gcc, clang TSan/ASan/UBSan, libFuzzer)"

run ring_stress 60 $bin/ring_stress
run ring_stress.tsan 150 "${norand[@]}" $bin/ring_stress.tsan -n 1500000
run ring_stress.asan 60 $bin/ring_stress.asan -n 1000000
for kind in flip dup drop; do
	expect_fail "ring_stress catches a damaged stream ($kind)" \
		'^not ok - no check failed while streaming: A->B: record' \
		30 $bin/ring_stress -n 200000 -c $kind
done

run wake_test 60 $bin/wake_test
run wake_test 60 $bin/wake_test -f -n 1000000
run wake_test.tsan 60 "${norand[@]}" $bin/wake_test.tsan -n 1000000
run wake_test 60 $bin/wake_test -b 64 -n 1000000
run wake_test.tsan 60 "${norand[@]}" $bin/wake_test.tsan -b 16 -n 1000000
expect_fail "wake_test catches a burst sender that sleeps on a full ring unchecked" \
	'lost wake-up' 30 $bin/wake_test -b 64 -F -w 200
expect_fail "wake_test's watchdog reports a lost wake-up instead of hanging" \
	'lost wake-up' 30 $bin/wake_test -D -w 200
# Without the barrier a lost wake-up is possible, not certain: comments only.
timeout --foreground -k 5 30 $bin/wake_test -B -w 20 -n 2000000 >"$tmp/out" 2>&1
grep '^# sleeper without' "$tmp/out" | sed 's/^# /# wake_test: /'

# The fuzzer: a bounded run from an empty corpus; a crash leaves its input
# in build/host-tests/ for fuzz_validate.replay.
timeout --foreground -k 5 60 $bin/fuzz_validate -max_total_time=20 -timeout=10 \
	-rss_limit_mb=2048 -artifact_prefix="$bin/fuzz-" >"$tmp/fuzz" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	ok "fuzz_validate: 20 s of libFuzzer found no bad position or header accepted"
	grep -E '^Done [0-9]+ runs' "$tmp/fuzz" | sed 's/^/# fuzz_validate: /'
else
	notok "fuzz_validate: exited with status $rc"
	grep -E 'fuzz_validate:|ERROR|SUMMARY|artifact|Test unit written' \
		"$tmp/fuzz" | head -n 20 | sed 's/^/#   /'
fi

exit $failed
