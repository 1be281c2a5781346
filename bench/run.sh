#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every benchmark of make bench and report; called by bench/Makefile
# once everything is built. Parts that cannot run say so and the report
# shows "-" for their figures; nothing here fails over a figure.
#
# Environment: HOST_SECS (seconds per host repetition, default 0.2).
set -u
cd "$(dirname "$0")"
mkdir -p ../build/bench
out=$(cd ../build/bench && pwd)
start=$(date +%s)

echo "bench: host, native: round trips and throughput (about a minute)"
"$out/host_bench" "${HOST_SECS:-0.2}" >"$out/host.txt" ||
	echo "# host: host_bench failed" >>"$out/host.txt"

echo "bench: host: instructions per message on libkup's fast path (callgrind)"
host/instr.sh "$out/instr" "$out/callgrind" >"$out/instr.txt"

# TCG runs REP MOVSB one byte at a time, where real CPUs with ERMS/FSRM
# move whole lines: with those features visible, every kernel memcpy() and
# copy_to_user() here (KUP's and the baselines' alike) would cost 10x what
# it costs anywhere else. Hidden, the kernel picks its unrolled copy.
# The bindings' programs ride along in the same boot (vm_bind.sh).
extra=$(cd .. && pwd)/build/vm-bindings
../scripts/vm-bindings.sh "$extra" >/dev/null 2>"$out/vm-bindings.log" || {
	echo "bench: no bindings in the VM (see $out/vm-bindings.log)"
	extra=""
}
echo "bench: VM: one boot, every in-VM benchmark (about 1.5 minutes)"
KUP_VM_EXTRA=$extra KUP_VM_CPU=max,erms=off,fsrm=off ../tests/vm/run-vm.sh --demo --name bench --timeout 420 \
	vm/vm_rtt.sh vm/vm_tput_kup.sh vm/vm_tput_sys.sh vm/vm_bind.sh vm/vm_mp.sh >"$out/vm.txt" 2>&1 ||
	echo "# vm: the VM run failed (see build/vm/bench/console.log); its figures are missing" >>"$out/vm.txt"

echo
"$out/report" "$out" "$out/host.txt" "$out/instr.txt" "$out/vm.txt" |
	tee "$out/table.txt"

if command -v gnuplot >/dev/null; then
	gnuplot "$out/throughput.gp" && echo "plot: $out/throughput.png"
else
	echo "plot: gnuplot is not installed (apt-get install gnuplot-nox)"
fi
echo "results: $out/results.json, table: $out/table.txt"
echo "bench: wall time $(($(date +%s) - start)) s (building not counted)"
