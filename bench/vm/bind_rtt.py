# SPDX-License-Identifier: GPL-2.0
"""make bench, in the VM: the Python binding's 64-byte round trip through
kup_echo with default flags, measured as vm_bench measures C's (a pilot run
grown until it is measurable, then the median of 5 repetitions of about
BENCH_SECS each). Prints the "R" line of vm.rtt.py_block."""

import os
import statistics
import time

import kup

REPS = 5
SECS = float(os.environ.get("BENCH_SECS", "0.25"))
MSG = b"ping".ljust(64, b"\0")


def run(ch, n):
    """@n round trips; the seconds they took."""
    t0 = time.perf_counter()
    for _ in range(n):
        ch.send(MSG)
        if len(ch.receive()) != len(MSG):
            raise SystemExit("# bind_rtt: a short echo")
    return time.perf_counter() - t0


def rate(ch):
    n = 100
    while True:
        t = run(ch, n)
        if t >= SECS / 10:
            break
        n *= 4
    n = max(1, int(n * SECS / t))
    return statistics.median(n / run(ch, n) for _ in range(REPS))


with kup.open("kup_echo") as dev:
    ch = dev.channel(0, size=4)
    print("R vm.rtt.py_block %.6g ns" % (1e9 / rate(ch)), flush=True)
