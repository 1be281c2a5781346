// SPDX-License-Identifier: GPL-2.0
/*
 * The targets, as data: each is a ratio of two figures (or one figure)
 * against a bound, with the plain SPSC ring's figure on the same measure
 * beside it (a target the ring itself misses cannot be met on that
 * machine). bench/README.md lists them in words.
 */
#include <math.h>
#include <string.h>
#include "report.h"

struct target {
	const char *what;
	enum bench_fig num, den;	/* den FIG_NONE: the figure itself */
	unsigned int size;		/* of both, for sized figures */
	int at_most;			/* value <= bound, else >= */
	double bound;
	const char *unit;		/* "x" for a ratio */
	/* The ring's figure: ring_num / ring_den (den FIG_NONE: @den). */
	enum bench_fig ring_num, ring_den;
};

#define AT_MOST	1
#define AT_LEAST 0
#define NO_RING	FIG_NONE, FIG_NONE
/* The ring against itself: 1. */
#define RING_IS(f)	f, f

static const struct target targets[] = {
	{ "host: KUP round trip / cache-line ping-pong",
	  FIG_HOST_RTT_KUP, FIG_HOST_RTT_LIMIT, 0, AT_MOST, 1.3, "x",
	  FIG_HOST_RTT_RING, FIG_NONE },
	{ "host: KUP 64 B user->kernel / plain SPSC ring",
	  FIG_HOST_KUP_U2K, FIG_HOST_RING, 64, AT_LEAST, 0.7, "x", RING_IS(FIG_HOST_RING) },
	{ "host: KUP 64 B kernel->user / plain SPSC ring",
	  FIG_HOST_KUP_K2U, FIG_HOST_RING, 64, AT_LEAST, 0.7, "x", RING_IS(FIG_HOST_RING) },
	{ "host: KUP burst 64 B user->kernel / plain SPSC ring",
	  FIG_HOST_KUP_U2K_BURST, FIG_HOST_RING, 64, AT_LEAST, 0.8, "x", RING_IS(FIG_HOST_RING) },
	{ "host: KUP burst 64 B kernel->user / plain SPSC ring",
	  FIG_HOST_KUP_K2U_BURST, FIG_HOST_RING, 64, AT_LEAST, 0.8, "x", RING_IS(FIG_HOST_RING) },
	{ "host: KUP 64 B user->kernel / pipe",
	  FIG_HOST_KUP_U2K, FIG_HOST_PIPE, 64, AT_LEAST, 30, "x", FIG_HOST_RING, FIG_NONE },
	{ "host: KUP 64 B kernel->user / pipe",
	  FIG_HOST_KUP_K2U, FIG_HOST_PIPE, 64, AT_LEAST, 30, "x", FIG_HOST_RING, FIG_NONE },
	{ "host: KUP 64 KiB user->kernel / memcpy",
	  FIG_HOST_KUP_U2K, FIG_HOST_MEMCPY, 65536, AT_LEAST, 0.7, "x", FIG_HOST_RING, FIG_NONE },
	{ "host: KUP 64 KiB kernel->user / memcpy",
	  FIG_HOST_KUP_K2U, FIG_HOST_MEMCPY, 65536, AT_LEAST, 0.7, "x", FIG_HOST_RING, FIG_NONE },
	{ "VM: KUP polling round trip / cache-line ping-pong",
	  FIG_VM_RTT_KUP_POLL, FIG_VM_RTT_LIMIT, 0, AT_MOST, 1.5, "x", FIG_VM_RTT_RING, FIG_NONE },
	{ "VM: KUP polling round trip / plain SPSC ring",
	  FIG_VM_RTT_KUP_POLL, FIG_VM_RTT_RING, 0, AT_MOST, 1.2, "x", RING_IS(FIG_VM_RTT_RING) },
	{ "VM: KUP polling round trip / io_uring SQPOLL",
	  FIG_VM_RTT_KUP_POLL, FIG_VM_RTT_URING_SQPOLL, 0, AT_MOST, 0.5, "x",
	  FIG_VM_RTT_RING, FIG_NONE },
	{ "VM: KUP echo, 64 in flight / io_uring SQPOLL",
	  FIG_VM_ECHO_KUP_BURST, FIG_VM_ECHO_URING_SQPOLL, 0, AT_LEAST, 2, "x", NO_RING },
	{ "VM: KUP echo, 64 in flight / pipe",
	  FIG_VM_ECHO_KUP_BURST, FIG_VM_ECHO_PIPE, 0, AT_LEAST, 10, "x", NO_RING },
	{ "VM: KUP round trip, default flags / polling (KP_NB)",
	  FIG_VM_RTT_KUP_BLOCK, FIG_VM_RTT_KUP_POLL, 0, AT_MOST, 1.1, "x", NO_RING },
	{ "VM: KUP 64 B user->kernel / char device write()",
	  FIG_VM_U2K_KUP_COPY, FIG_VM_U2K_CHR, 64, AT_LEAST, 20, "x", FIG_VM_RING, FIG_NONE },
	{ "VM: KUP 64 B user->kernel / netlink",
	  FIG_VM_U2K_KUP_COPY, FIG_VM_U2K_NETLINK, 64, AT_LEAST, 20, "x", FIG_VM_RING, FIG_NONE },
	{ "VM: KUP 64 B kernel->user / char device read()",
	  FIG_VM_K2U_KUP_COPY, FIG_VM_K2U_CHR, 64, AT_LEAST, 20, "x", FIG_VM_RING, FIG_NONE },
	{ "VM: KUP 64 B kernel->user / netlink",
	  FIG_VM_K2U_KUP_COPY, FIG_VM_K2U_NETLINK, 64, AT_LEAST, 20, "x", FIG_VM_RING, FIG_NONE },
	{ "VM: KUP burst 64 B user->kernel / plain SPSC ring",
	  FIG_VM_U2K_KUP_BURST, FIG_VM_RING, 64, AT_LEAST, 0.7, "x", RING_IS(FIG_VM_RING) },
	{ "VM: KUP burst 64 B kernel->user / plain SPSC ring",
	  FIG_VM_K2U_KUP_BURST, FIG_VM_RING, 64, AT_LEAST, 0.7, "x", RING_IS(FIG_VM_RING) },
	{ "VM: KUP burst 64 B kernel->user / relay mmap",
	  FIG_VM_K2U_KUP_BURST, FIG_VM_K2U_RELAY_MMAP, 64, AT_LEAST, 1.5, "x", FIG_VM_RING, FIG_NONE },
	{ "VM: KUP burst 64 B kernel->user / BPF ring buffer",
	  FIG_VM_K2U_KUP_BURST, FIG_VM_K2U_BPF_RINGBUF, 64, AT_LEAST, 3, "x", FIG_VM_RING, FIG_NONE },
	{ "VM: KUP copy 64 B kernel->user / kfifo char device",
	  FIG_VM_K2U_KUP_COPY, FIG_VM_K2U_KFIFO, 64, AT_LEAST, 3, "x", FIG_VM_RING, FIG_NONE },
	{ "libkup: kernproxy_send() 64 B, without the copy",
	  FIG_INSTR_SEND, FIG_NONE, 0, AT_MOST, 100, "instr", NO_RING },
	{ "libkup: kernproxy_receive_len() 64 B",
	  FIG_INSTR_RECEIVE, FIG_NONE, 0, AT_MOST, 100, "instr", NO_RING },
};

#define NTARGETS	((int)(sizeof(targets) / sizeof(targets[0])))

static const char *verdict_of(double value, const struct target *t)
{
	if (isnan(value))
		return "no figure";
	if (t->at_most ? value <= t->bound : value >= t->bound)
		return "met";
	return "MISSED";
}

int targets_eval(struct verdict *out, int max)
{
	int i;

	for (i = 0; i < NTARGETS && i < max; i++) {
		const struct target *t = &targets[i];
		double v = t->den == FIG_NONE ? fig(t->num, t->size) :
			   ratio(fig(t->num, t->size), fig(t->den, t->size));
		enum bench_fig rden = t->ring_den == FIG_NONE ? t->den : t->ring_den;

		out[i] = (struct verdict){
			.what = t->what, .unit = t->unit, .value = v,
			.bound = t->bound, .at_most = t->at_most,
			.verdict = verdict_of(v, t),
			.ring = t->ring_num == FIG_NONE ? NAN :
				ratio(fig(t->ring_num, t->size), fig(rden, t->size)),
		};
	}
	return i;
}

void target_table(void)
{
	struct verdict v[NTARGETS];
	int i, n = targets_eval(v, NTARGETS);

	printf("\n\n=== Targets (reported, not enforced); \"ring\": the plain SPSC ring on the same measure\n");
	printf("  %-52s %9s  %-12s %-9s %9s\n", "", "KUP", "target", "", "ring");
	for (i = 0; i < n; i++) {
		char bound[32];

		printf("  %-52s", v[i].what);
		if (!strcmp(v[i].unit, "x"))
			pratio(v[i].value, 10);
		else
			pnum(v[i].value, 10, "%*.1f");
		snprintf(bound, sizeof(bound), "%s %g%s", v[i].at_most ? "<=" : ">=",
			 v[i].bound, !strcmp(v[i].unit, "x") ? "x" : " instr");
		printf("  %-12s %-9s", bound, v[i].verdict);
		if (!isnan(v[i].ring))
			pratio(v[i].ring, 10);
		printf("\n");
	}
	for (i = 0; i < nnotes; i++)
		printf("%s%s\n", i ? "  " : "\nNotes:\n  ", notes[i]);
}
