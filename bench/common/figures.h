/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every figure make bench produces, once. The programs print a figure by
 * its name (bench_fig() and friends in bench.h) and the report reads it by
 * the same name (fig() in report/), so renaming or dropping one here is a
 * build error on both sides, never a silent "-" in the table; the report
 * also refuses, loudly, an "R" line whose key is not here (instr.sh prints
 * its own).
 *
 * X(NAME, key, unit, label): @key is the "R" line's key, with %u where a
 * message size goes (the sized figures: bench_sizes[] in bench.h); @label
 * is what the report calls it.
 */
#ifndef _KUP_BENCH_FIGURES_H
#define _KUP_BENCH_FIGURES_H

#define BENCH_FIGURES(X)						\
	/* host, natively: round trips, 64 B */				\
	X(HOST_RTT_LIMIT, "host.rtt.limit", "ns", "cache line ping-pong") \
	X(HOST_RTT_RING, "host.rtt.ring", "ns", "plain SPSC ring each way") \
	X(HOST_RTT_KUP, "host.rtt.kup", "ns", "KUP (libkup <-> ring core)") \
	X(HOST_RTT_PIPE, "host.rtt.pipe", "ns", "pipe (two)")		\
	X(HOST_RTT_EVENTFD, "host.rtt.eventfd", "ns", "eventfd (two, 8 B)") \
	X(HOST_RTT_UNIX, "host.rtt.unix", "ns", "Unix stream socket")	\
	/* host: one-way throughput by size */				\
	X(HOST_KUP_U2K, "host.tput.kup_u2k.%u", "msg/s", "KUP u->k")	\
	X(HOST_KUP_K2U, "host.tput.kup_k2u.%u", "msg/s", "KUP k->u")	\
	X(HOST_KUP_U2K_BURST, "host.tput.kup_u2k_burst.%u", "msg/s", "burst u->k") \
	X(HOST_KUP_K2U_BURST, "host.tput.kup_k2u_burst.%u", "msg/s", "burst k->u") \
	X(HOST_RING, "host.tput.ring.%u", "msg/s", "ring")		\
	X(HOST_MEMCPY, "host.tput.memcpy.%u", "msg/s", "memcpy")	\
	X(HOST_PIPE, "host.tput.pipe.%u", "msg/s", "pipe")		\
	X(HOST_UNIX, "host.tput.unix.%u", "msg/s", "unix")		\
	/* host: bursts whose records are 64, 72 and 128 bytes */	\
	X(HOST_LAYOUT_U2K_56, "host.layout.u2k.56", "msg/s", "56 B payload, 64 B record") \
	X(HOST_LAYOUT_U2K_64, "host.layout.u2k.64", "msg/s", "64 B payload, 72 B record") \
	X(HOST_LAYOUT_U2K_120, "host.layout.u2k.120", "msg/s", "120 B payload, 128 B record") \
	X(HOST_LAYOUT_K2U_56, "host.layout.k2u.56", "msg/s", "56 B payload, 64 B record") \
	X(HOST_LAYOUT_K2U_64, "host.layout.k2u.64", "msg/s", "64 B payload, 72 B record") \
	X(HOST_LAYOUT_K2U_120, "host.layout.k2u.120", "msg/s", "120 B payload, 128 B record") \
	/* host: instructions per 64-byte message (instr.sh) */		\
	X(INSTR_SEND, "host.instr.send", "instr/msg", "kernproxy_send()") \
	X(INSTR_SEND_COPY, "host.instr.send_copy", "instr/msg", "its copy") \
	X(INSTR_SEND_ZC, "host.instr.send_zc", "instr/msg",		\
	  "kernproxy_reserve() + _commit()")				\
	X(INSTR_SEND_ZC_COPY, "host.instr.send_zc_copy", "instr/msg", "its copy") \
	X(INSTR_RECEIVE, "host.instr.receive", "instr/msg", "kernproxy_receive_len()") \
	X(INSTR_RECEIVE_COPY, "host.instr.receive_copy", "instr/msg", "its copy") \
	/* VM: round trips, 64 B */					\
	X(VM_RTT_LIMIT, "vm.rtt.limit", "ns", "cache line ping-pong (2 threads)") \
	X(VM_RTT_RING, "vm.rtt.ring", "ns", "plain SPSC ring each way")	\
	X(VM_RTT_KUP_POLL, "vm.rtt.kup_poll", "ns", "KUP, kup_echo polling") \
	X(VM_RTT_KUP_BLOCK, "vm.rtt.kup_block", "ns",			\
	  "KUP, kup_echo blocking (spins first)")			\
	X(VM_RTT_KUP_SLEEP, "vm.rtt.kup_sleep", "ns",			\
	  "KUP, both sides sleep every time")				\
	X(VM_RTT_IOCTL, "vm.rtt.ioctl", "ns", "ioctl copy in + out")	\
	X(VM_RTT_URING_SQPOLL, "vm.rtt.uring_sqpoll", "ns",		\
	  "io_uring uring_cmd, SQPOLL thread")				\
	X(VM_RTT_URING_WAIT, "vm.rtt.uring_wait", "ns",			\
	  "io_uring uring_cmd, submit+wait")				\
	X(VM_RTT_CHR, "vm.rtt.chr", "ns", "char dev write/kthread/read") \
	X(VM_RTT_NETLINK, "vm.rtt.netlink", "ns", "netlink echo")	\
	X(VM_RTT_TUNNEL, "vm.rtt.tunnel", "ns", "/proc/tunnel + tunnel_echo") \
	X(VM_RTT_PY_BLOCK, "vm.rtt.py_block", "ns", "Python binding, default flags") \
	X(VM_RTT_RS_BLOCK, "vm.rtt.rs_block", "ns", "Rust binding, default flags") \
	/* VM: many kernel producers on one channel, 64 B copies */	\
	X(VM_MP_MP, "vm.mp.mp", "msg/s", "multi-producer channel, a thread per vCPU") \
	X(VM_MP_SP, "vm.mp.sp", "msg/s", "single-producer channel, one thread") \
	X(VM_MP_SPLOCK, "vm.mp.splock", "msg/s", "single-producer channel + client spinlock, a thread per vCPU") \
	X(VM_WAKEUPS_KUP_POLL, "vm.wakeups.kup_poll", "per-rtt", "polling") \
	X(VM_WAKEUPS_KUP_BLOCK, "vm.wakeups.kup_block", "per-rtt", "blocking") \
	X(VM_WAKEUPS_KUP_SLEEP, "vm.wakeups.kup_sleep", "per-rtt", "sleeping") \
	/* VM: echo, 64 B, 64 in flight */				\
	X(VM_ECHO_KUP_BURST, "vm.echo.kup_burst", "msg/s",		\
	  "KUP, batch calls both sides, polling")			\
	X(VM_ECHO_KUP_POLL, "vm.echo.kup_poll", "msg/s", "KUP, one by one, polling") \
	X(VM_ECHO_KUP_BLOCK, "vm.echo.kup_block", "msg/s",		\
	  "KUP, one by one, default flags")				\
	X(VM_ECHO_URING_SQPOLL, "vm.echo.uring_sqpoll", "msg/s",	\
	  "io_uring uring_cmd, SQPOLL thread")				\
	X(VM_ECHO_URING_WAIT, "vm.echo.uring_wait", "msg/s",		\
	  "io_uring uring_cmd, submit_and_wait(64)")			\
	X(VM_ECHO_URING_ASYNC, "vm.echo.uring_async", "msg/s",		\
	  "io_uring uring_cmd, IOSQE_ASYNC (io-wq)")			\
	X(VM_ECHO_PIPE, "vm.echo.pipe", "msg/s", "two pipes and an echo thread") \
	/* VM: one-way throughput by size */				\
	X(VM_U2K_KUP_COPY, "vm.tput.u2k.kup_copy.%u", "msg/s", "KUP copy") \
	X(VM_U2K_KUP_ZC, "vm.tput.u2k.kup_zc.%u", "msg/s", "KUP zc")	\
	X(VM_U2K_KUP_BURST, "vm.tput.u2k.kup_burst.%u", "msg/s", "KUP burst") \
	X(VM_U2K_CHR, "vm.tput.u2k.chr.%u", "msg/s", "chr")		\
	X(VM_U2K_NETLINK, "vm.tput.u2k.netlink.%u", "msg/s", "netlink") \
	X(VM_U2K_TUNNEL, "vm.tput.u2k.tunnel.%u", "msg/s", "tunnel")	\
	X(VM_K2U_KUP_COPY, "vm.tput.k2u.kup_copy.%u", "msg/s", "KUP copy") \
	X(VM_K2U_KUP_ZC, "vm.tput.k2u.kup_zc.%u", "msg/s", "KUP zc")	\
	X(VM_K2U_KUP_BURST, "vm.tput.k2u.kup_burst.%u", "msg/s", "KUP burst") \
	X(VM_K2U_RELAY_MMAP, "vm.tput.k2u.relay_mmap.%u", "msg/s", "relay mmap") \
	X(VM_K2U_RELAY_READ, "vm.tput.k2u.relay_read.%u", "msg/s", "relay read") \
	X(VM_K2U_BPF_RINGBUF, "vm.tput.k2u.bpf_ringbuf.%u", "msg/s", "BPF ringbuf") \
	X(VM_K2U_KFIFO, "vm.tput.k2u.kfifo.%u", "msg/s", "kfifo")	\
	X(VM_K2U_CHR, "vm.tput.k2u.chr.%u", "msg/s", "chr")		\
	X(VM_K2U_NETLINK, "vm.tput.k2u.netlink.%u", "msg/s", "netlink") \
	X(VM_K2U_TUNNEL, "vm.tput.k2u.tunnel.%u", "msg/s", "tunnel")	\
	X(VM_RING, "vm.tput.ring.%u", "msg/s", "ring")			\
	X(VM_MEMCPY, "vm.tput.memcpy.%u", "msg/s", "memcpy")		\
	/* VM: what the peers did not deliver intact */		\
	/* (shares of all records sent, over every run of the size) */	\
	X(VM_RELAY_READ_STALE, "vm.stale.relay_read.%u", "share",	\
	  "relay read(), records stale")				\
	X(VM_RELAY_READ_LOST, "vm.lost.relay_read.%u", "share",		\
	  "relay read(), records lost")					\
	X(VM_BPF_RINGBUF_DROPS, "vm.drops.bpf_ringbuf.%u", "share",	\
	  "BPF ring buffer, records dropped")				\
	/* VM: single calls, each alone on its CPU */			\
	X(VM_COST_SYSCALL, "vm.cost.syscall", "ns", "getppid(), for scale") \
	X(VM_COST_USER_SEND, "vm.cost.user_send", "ns",		\
	  "libkup kernproxy_send(), 64 B")				\
	X(VM_COST_USER_RECEIVE, "vm.cost.user_receive", "ns",		\
	  "libkup kernproxy_receive_len(), 64 B")			\
	X(VM_COST_K_SINK, "vm.cost.k_sink", "ns",			\
	  "kupdev_receive_len(NB) + kupdev_unlock_channel()")		\
	X(VM_COST_K_EMPTY_POLL, "vm.cost.k_empty_poll", "ns",		\
	  "kupdev_receive_len(NB), ring empty")				\
	X(VM_COST_K_SEND_COPY, "vm.cost.k_send_copy", "ns",		\
	  "kupdev_send_flags(NB), 64 B")				\
	X(VM_COST_K_RESERVE_COMMIT, "vm.cost.k_reserve_commit", "ns",	\
	  "kupdev_reserve(NB) + kupdev_commit(), 64 B")			\
	X(VM_COST_K_LOCK_PAIR, "vm.cost.k_lock_pair", "ns",		\
	  "spin_lock_irqsave() + unlock")				\
	X(VM_COST_K_REFCOUNT_PAIR, "vm.cost.k_refcount_pair", "ns",	\
	  "refcount_inc() + refcount_dec()")				\
	X(VM_COST_K_SMP_MB, "vm.cost.k_smp_mb", "ns", "smp_mb()")

enum bench_fig {
#define BENCH_FIG_ENUM(name, key, unit, label) FIG_##name,
	BENCH_FIGURES(BENCH_FIG_ENUM)
#undef BENCH_FIG_ENUM
	FIG_COUNT,
	FIG_NONE = FIG_COUNT
};

struct bench_fig_def {
	const char *key, *unit, *label;
};

static const struct bench_fig_def bench_figs[] __attribute__((unused)) = {
#define BENCH_FIG_DEF(name, key, unit, label) [FIG_##name] = { key, unit, label },
	BENCH_FIGURES(BENCH_FIG_DEF)
#undef BENCH_FIG_DEF
};

#endif /* _KUP_BENCH_FIGURES_H */
