// SPDX-License-Identifier: GPL-2.0
/* The printed tables: host, VM, instructions. */
#include <math.h>
#include <string.h>
#include "report.h"

#define N(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* A round trip table: each path's ns and KUP's figure / it. */
static void rtt_table(const char *title, enum bench_fig kup, enum bench_fig limit,
		      const enum bench_fig *paths, int n)
{
	int i;

	printf("\n%s\n", title);
	printf("  %-36s %12s %12s\n", "path", "ns/round trip", "KUP / path");
	for (i = 0; i < n; i++) {
		printf("  %-36s", bench_figs[paths[i]].label);
		pnum(fig(paths[i], 0), 13, "%*.0f");
		if (paths[i] == kup)
			printf("%13s", "");
		else
			pratio(keep_ratio(kup, paths[i], 0), 13);
		if (paths[i] == limit)
			printf("   <- the limit");
		printf("\n");
	}
}

/* A column of a throughput table: its title is the figure's label. */
static void tput_table(const char *title, enum bench_fig kup,
		       const enum bench_fig *cols, int ncols,
		       const enum bench_fig *rcols, int nrcols)
{
	unsigned int s;
	int i;

	printf("\n%s\n", title);
	printf("  %6s", "size");
	for (i = 0; i < ncols; i++)
		printf(" %11s", bench_figs[cols[i]].label);
	printf("  |");
	for (i = 0; i < nrcols; i++) {
		char t[24];

		snprintf(t, sizeof(t), "/%s", bench_figs[rcols[i]].label);
		printf(" %11s", t);
	}
	printf("\n");
	for (s = 0; s < NSIZES; s++) {
		printf("  %6u", sizes[s]);
		for (i = 0; i < ncols; i++)
			pnum(mbps(fig(cols[i], sizes[s]), sizes[s]), 12, "%*.0f");
		printf("  |");
		for (i = 0; i < nrcols; i++)
			pratio(keep_ratio(kup, rcols[i], sizes[s]), 12);
		printf("\n");
	}
}

/* Records a peer did not deliver intact, per size; not in its rate. */
static void dropped_line(const char *what, enum bench_fig a, enum bench_fig b)
{
	unsigned int s;

	printf("  %s, %% of the records, not in its rate:", what);
	for (s = 0; s < NSIZES; s++) {
		if (isnan(fig(a, sizes[s])))
			continue;
		printf(" %u B %.2g", sizes[s], 100 * fig(a, sizes[s]));
		if (b != FIG_NONE)
			printf(" / %.2g", 100 * fig(b, sizes[s]));
		printf(";");
	}
	printf("\n");
}

/* Pipelined echo: messages/s with 64 in flight, against KUP's bursts. */
static void echo_table(void)
{
	static const enum bench_fig rows[] = {
		FIG_VM_ECHO_KUP_BURST, FIG_VM_ECHO_KUP_POLL, FIG_VM_ECHO_KUP_BLOCK,
		FIG_VM_ECHO_URING_SQPOLL, FIG_VM_ECHO_URING_WAIT,
		FIG_VM_ECHO_URING_ASYNC, FIG_VM_ECHO_PIPE,
	};
	int i;

	printf("\nEcho, 64 B, 64 messages in flight, every answer checked; ratios: KUP batch / path\n");
	printf("  %-42s %12s %12s\n", "path", "k msg/s", "KUP / path");
	for (i = 0; i < N(rows); i++) {
		printf("  %-42s", bench_figs[rows[i]].label);
		pnum(fig(rows[i], 0) / 1e3, 13, "%*.0f");
		if (i)
			pratio(keep_ratio(rows[0], rows[i], 0), 13);
		printf("\n");
	}
}

static void vm_costs(void)
{
	static const enum bench_fig rows[] = {
		FIG_VM_COST_SYSCALL, FIG_VM_COST_USER_SEND, FIG_VM_COST_USER_RECEIVE,
		FIG_VM_COST_K_SINK, FIG_VM_COST_K_EMPTY_POLL, FIG_VM_COST_K_SEND_COPY,
		FIG_VM_COST_K_RESERVE_COMMIT, FIG_VM_COST_K_LOCK_PAIR,
		FIG_VM_COST_K_REFCOUNT_PAIR, FIG_VM_COST_K_SMP_MB,
	};
	int i;

	printf("\nWhat single calls cost in this VM, each alone on its CPU (median of 3), ns:\n");
	for (i = 0; i < N(rows); i++) {
		printf("  %-52s", bench_figs[rows[i]].label);
		pnum(fig(rows[i], 0), 8, "%*.0f");
		printf("\n");
	}
}

/* Bursts by record size: does a record straddling cache lines cost? */
static void layout_table(void)
{
	static const enum bench_fig rows[][2] = {
		{ FIG_HOST_LAYOUT_U2K_56, FIG_HOST_LAYOUT_K2U_56 },
		{ FIG_HOST_LAYOUT_U2K_64, FIG_HOST_LAYOUT_K2U_64 },
		{ FIG_HOST_LAYOUT_U2K_120, FIG_HOST_LAYOUT_K2U_120 },
	};
	int i;

	printf("\nRecord layout, bursts (8-byte header, 8-aligned records), M msg/s; ratios: / the 64 B record\n");
	printf("  %-30s %10s %10s %10s %10s\n", "", "u->k", "k->u", "/ u->k", "/ k->u");
	for (i = 0; i < N(rows); i++) {
		printf("  %-30s", bench_figs[rows[i][0]].label);
		pnum(fig(rows[i][0], 0) / 1e6, 11, "%*.1f");
		pnum(fig(rows[i][1], 0) / 1e6, 11, "%*.1f");
		pratio(keep_ratio(rows[i][0], rows[0][0], 0), 11);
		pratio(keep_ratio(rows[i][1], rows[0][1], 0), 11);
		printf("\n");
	}
}

void host_tables(void)
{
	static const enum bench_fig paths[] = {
		FIG_HOST_RTT_LIMIT, FIG_HOST_RTT_RING, FIG_HOST_RTT_KUP,
		FIG_HOST_RTT_PIPE, FIG_HOST_RTT_EVENTFD, FIG_HOST_RTT_UNIX,
	};
	static const enum bench_fig cols[] = {
		FIG_HOST_KUP_U2K, FIG_HOST_KUP_K2U, FIG_HOST_KUP_U2K_BURST,
		FIG_HOST_KUP_K2U_BURST, FIG_HOST_RING, FIG_HOST_MEMCPY,
		FIG_HOST_PIPE, FIG_HOST_UNIX,
	};
	static const enum bench_fig rcols[] = {
		FIG_HOST_RING, FIG_HOST_MEMCPY, FIG_HOST_PIPE, FIG_HOST_UNIX,
	};
	static const struct {
		const char *title;
		enum bench_fig kup;
	} dirs[] = {
		{ "One-way throughput, MB/s (copied in by the sender, out by the receiver); ratios: KUP user->kernel / path",
		  FIG_HOST_KUP_U2K },
		{ "                    ratios: KUP kernel->user / path", FIG_HOST_KUP_K2U },
		{ "                    ratios: KUP bursts user->kernel / path", FIG_HOST_KUP_U2K_BURST },
		{ "                    ratios: KUP bursts kernel->user / path", FIG_HOST_KUP_K2U_BURST },
	};
	int i;

	printf("\n=== Host, native: the ring core between two processes sharing a channel's memory");
	rtt_table("Round trip, 64 B (each side polls; pipe, eventfd, socket block)",
		  FIG_HOST_RTT_KUP, FIG_HOST_RTT_LIMIT, paths, N(paths));
	for (i = 0; i < N(dirs); i++)
		tput_table(dirs[i].title, dirs[i].kup, cols, i ? 0 : N(cols),
			   rcols, N(rcols));
	layout_table();
}

/* What a binding adds to C's round trip, default flags, same boot. */
static void bindings_table(void)
{
	static const enum bench_fig rows[] = { FIG_VM_RTT_PY_BLOCK, FIG_VM_RTT_RS_BLOCK };
	double c = fig(FIG_VM_RTT_KUP_BLOCK, 0);
	int i;

	printf("\n  Bindings, 64 B round trip through kup_echo, default flags (C: %.0f ns)\n", c);
	printf("  %-36s %10s %12s %8s\n", "path", "ns", "over C, ns", "x C");
	for (i = 0; i < N(rows); i++) {
		double b = fig(rows[i], 0);

		printf("  %-36s", bench_figs[rows[i]].label);
		pnum(b, 11, "%*.0f");
		pnum(b - c, 13, "%*.0f");
		pnum(b / c, 9, "%*.2f");
		printf("\n");
	}
}

/* Many producers on one channel: multi-producer against the other ways. */
static void mp_table(void)
{
	static const enum bench_fig rows[] = { FIG_VM_MP_MP, FIG_VM_MP_SP, FIG_VM_MP_SPLOCK };
	double mp = fig(FIG_VM_MP_MP, 0);
	int i;

	printf("\n  Kernel -> user, 64 B copies from many kernel producers; ratios: multi-producer / row\n");
	printf("  %-64s %12s %8s\n", "path", "msg/s", "ratio");
	for (i = 0; i < N(rows); i++) {
		double v = fig(rows[i], 0);

		printf("  %-64s", bench_figs[rows[i]].label);
		pnum(v, 13, "%*.0f");
		pnum(mp / v, 9, "%*.2f");
		printf("\n");
	}
}

void vm_tables(void)
{
	static const enum bench_fig paths[] = {
		FIG_VM_RTT_LIMIT, FIG_VM_RTT_RING, FIG_VM_RTT_KUP_POLL,
		FIG_VM_RTT_KUP_BLOCK, FIG_VM_RTT_KUP_SLEEP, FIG_VM_RTT_IOCTL,
		FIG_VM_RTT_URING_SQPOLL, FIG_VM_RTT_URING_WAIT, FIG_VM_RTT_CHR,
		FIG_VM_RTT_NETLINK, FIG_VM_RTT_TUNNEL,
	};
	static const enum bench_fig u2k[] = {
		FIG_VM_U2K_KUP_COPY, FIG_VM_U2K_KUP_ZC, FIG_VM_U2K_KUP_BURST,
		FIG_VM_U2K_CHR, FIG_VM_U2K_NETLINK, FIG_VM_U2K_TUNNEL,
		FIG_VM_RING, FIG_VM_MEMCPY,
	};
	static const enum bench_fig k2u[] = {
		FIG_VM_K2U_KUP_COPY, FIG_VM_K2U_KUP_ZC, FIG_VM_K2U_KUP_BURST,
		FIG_VM_K2U_RELAY_MMAP, FIG_VM_K2U_RELAY_READ, FIG_VM_K2U_BPF_RINGBUF,
		FIG_VM_K2U_KFIFO, FIG_VM_K2U_CHR, FIG_VM_K2U_NETLINK,
		FIG_VM_K2U_TUNNEL, FIG_VM_RING, FIG_VM_MEMCPY,
	};
	static const enum bench_fig ru2k[] = {
		FIG_VM_RING, FIG_VM_MEMCPY, FIG_VM_U2K_CHR, FIG_VM_U2K_NETLINK,
		FIG_VM_U2K_TUNNEL,
	};
	static const enum bench_fig rk2u[] = {
		FIG_VM_K2U_RELAY_MMAP, FIG_VM_K2U_BPF_RINGBUF, FIG_VM_K2U_KFIFO,
		FIG_VM_RING, FIG_VM_MEMCPY, FIG_VM_K2U_CHR, FIG_VM_K2U_NETLINK,
		FIG_VM_K2U_TUNNEL,
	};

	printf("\n\n=== VM (QEMU TCG, 2 vCPUs; only ratios mean anything): end to end through kup.ko");
	rtt_table("Round trip, 64 B; ratios: KUP polling / path", FIG_VM_RTT_KUP_POLL,
		  FIG_VM_RTT_LIMIT, paths, N(paths));
	echo_table();
	tput_table("User -> kernel, MB/s (one copy per message: the sender's, or the system call's); ratios: KUP copy / path",
		   FIG_VM_U2K_KUP_COPY, u2k, N(u2k), ru2k, N(ru2k));
	tput_table("Kernel -> user, MB/s (every peer's records checked); ratios: KUP copy / path",
		   FIG_VM_K2U_KUP_COPY, k2u, N(k2u), rk2u, N(rk2u));
	dropped_line("relay read(), records stale / lost", FIG_VM_RELAY_READ_STALE,
		     FIG_VM_RELAY_READ_LOST);
	dropped_line("BPF ring buffer, records dropped (ring full; under TCG its spinlock and atomics are emulated)",
		     FIG_VM_BPF_RINGBUF_DROPS, FIG_NONE);
	printf("  wake-ups per round trip: polling %.3g, blocking %.3g, sleeping %.3g\n",
	       fig(FIG_VM_WAKEUPS_KUP_POLL, 0), fig(FIG_VM_WAKEUPS_KUP_BLOCK, 0),
	       fig(FIG_VM_WAKEUPS_KUP_SLEEP, 0));
	bindings_table();
	mp_table();
	vm_costs();
}

void instr_table(void)
{
	static const enum bench_fig rows[][2] = {
		{ FIG_INSTR_SEND, FIG_INSTR_SEND_COPY },
		{ FIG_INSTR_SEND_ZC, FIG_INSTR_SEND_ZC_COPY },
		{ FIG_INSTR_RECEIVE, FIG_INSTR_RECEIVE_COPY },
	};
	int i;

	printf("\n\n=== Instructions per 64-byte message, libkup fast path (callgrind, host build)\n");
	printf("  %-36s %10s %14s\n", "call", "instr/msg", "+ payload copy");
	for (i = 0; i < N(rows); i++) {
		printf("  %-36s", bench_figs[rows[i][0]].label);
		pnum(fig(rows[i][0], 0), 11, "%*.1f");
		pnum(fig(rows[i][1], 0), 15, "%*.1f");
		printf("\n");
	}
}
