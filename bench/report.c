// SPDX-License-Identifier: GPL-2.0
/*
 * report: turns the "R key value unit" lines of every benchmark of
 * make bench (host, instructions, VM) into the table on stdout, a JSON file
 * with every figure, ratio and target, and the data and script for the
 * throughput plot. It judges nothing: a missed target is reported, and the
 * exit status is 0 whatever the figures say.
 *
 * usage: report OUTDIR RESULTFILE...
 * Writes OUTDIR/results.json, OUTDIR/throughput.dat, OUTDIR/throughput.gp.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FIGS	512
#define MAX_NOTES	64

struct fig {
	char key[64];
	double value;
	char unit[16];
};

static struct fig figs[MAX_FIGS];
static int nfigs;
static char *notes[MAX_NOTES];
static int nnotes;

static const unsigned int sizes[] = { 64, 1024, 4096, 65536 };
#define NSIZES	(sizeof(sizes) / sizeof(sizes[0]))

static void load(const char *path)
{
	char line[512], key[64], unit[16];
	double v;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (sscanf(line, "R %63s %lf %15s", key, &v, unit) == 3) {
			if (nfigs < MAX_FIGS) {
				strcpy(figs[nfigs].key, key);
				figs[nfigs].value = v;
				strcpy(figs[nfigs].unit, unit);
				nfigs++;
			}
		} else if (!strncmp(line, "# ", 2) && nnotes < MAX_NOTES &&
			   (strstr(line, "failed") || strstr(line, "not built") ||
			    strstr(line, "cannot") || strstr(line, ": vm:") ||
			    !strncmp(line, "# vm:", 5) ||
			    !strncmp(line, "# host:", 7) ||
			    strstr(line, "instr:"))) {
			notes[nnotes++] = strdup(line + 2);
		}
	}
	fclose(f);
}

static double get(const char *fmt, ...)
{
	char key[64];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	for (i = 0; i < nfigs; i++)
		if (!strcmp(figs[i].key, key))
			return figs[i].value;
	return NAN;
}

/* A ratio: NAN unless both figures are there. */
static double ratio(double a, double b)
{
	return isnan(a) || isnan(b) || b == 0 ? NAN : a / b;
}

static void pnum(double v, int width, const char *fmt)
{
	if (isnan(v))
		printf("%*s", width, "-");
	else
		printf(fmt, width, v);
}

static void pratio(double v, int width)
{
	if (isnan(v))
		printf("%*s", width, "-");
	else if (v >= 100)
		printf("%*.0fx", width - 1, v);
	else if (v >= 10)
		printf("%*.1fx", width - 1, v);
	else
		printf("%*.2fx", width - 1, v);
}

static double mbps(double msgs, unsigned int size)
{
	return msgs * size / 1e6;
}

/* ---- ratios and targets, printed and kept for the JSON file ---- */

struct kept {
	char name[96];
	double value;
};

static struct kept ratios[256];
static int nratios;

static double keep(double v, const char *fmt, ...)
{
	va_list ap;

	if (nratios < (int)(sizeof(ratios) / sizeof(ratios[0]))) {
		va_start(ap, fmt);
		vsnprintf(ratios[nratios].name, sizeof(ratios[0].name), fmt, ap);
		va_end(ap);
		ratios[nratios++].value = v;
	}
	return v;
}

struct target {
	const char *what;
	double value;
	double bound;
	int at_most;		/* value <= bound, else value >= bound */
	const char *unit;
	double ring;		/* the plain ring's figure on the same measure */
};

static struct target targets[32];
static int ntargets;

/*
 * @ring: what the plain SPSC ring reaches on the same measure (NAN if that
 * means nothing): a target the ring misses cannot be met on this machine.
 */
static void target(const char *what, double value, int at_most, double bound,
		   const char *unit, double ring)
{
	targets[ntargets++] = (struct target){ what, value, bound, at_most,
					       unit, ring };
}

static const char *verdict(const struct target *t)
{
	if (isnan(t->value))
		return "no figure";
	if (t->at_most ? t->value <= t->bound : t->value >= t->bound)
		return "met";
	return "MISSED";
}

/* ---- the sections of the table ---- */

struct col {
	const char *title;
	const char *key;	/* printf format with %u for the size */
};

static void rtt_table(const char *title, const char *prefix,
		      const char *kup_key, const char *limit_key,
		      const char *const *paths, const char *const *names, int n)
{
	double kup = get("%s.%s", prefix, kup_key);
	int i;

	printf("\n%s\n", title);
	printf("  %-34s %12s %12s\n", "path", "ns/round trip", "KUP / path");
	for (i = 0; i < n; i++) {
		double v = get("%s.%s", prefix, paths[i]);
		double r = keep(ratio(kup, v), "%s.%s/%s", prefix, kup_key,
				paths[i]);

		printf("  %-34s", names[i]);
		pnum(v, 13, "%*.0f");
		if (!strcmp(paths[i], kup_key))
			printf("%13s", "");
		else
			pratio(r, 13);
		if (!strcmp(paths[i], limit_key))
			printf("   <- the limit");
		printf("\n");
	}
}

static void tput_table(const char *title, const char *kup_fmt,
		       const struct col *cols, int ncols,
		       const struct col *rcols, int nrcols)
{
	unsigned int s;
	int i;

	printf("\n%s\n", title);
	printf("  %6s", "size");
	for (i = 0; i < ncols; i++)
		printf(" %10s", cols[i].title);
	printf("  |");
	for (i = 0; i < nrcols; i++)
		printf(" %10s", rcols[i].title);
	printf("\n");
	for (s = 0; s < NSIZES; s++) {
		double kup = get(kup_fmt, sizes[s]);

		printf("  %6u", sizes[s]);
		for (i = 0; i < ncols; i++)
			pnum(mbps(get(cols[i].key, sizes[s]), sizes[s]), 11,
			     "%*.0f");
		printf("  |");
		for (i = 0; i < nrcols; i++) {
			char kname[64], name[64];
			double r;

			snprintf(kname, sizeof(kname), kup_fmt, sizes[s]);
			snprintf(name, sizeof(name), rcols[i].key, sizes[s]);
			r = keep(ratio(kup, get(rcols[i].key, sizes[s])),
				 "%s/%s", kname, name);
			pratio(r, 11);
		}
		printf("\n");
	}
}

/* Today's layout against the old one with flags beside the positions. */
static void whatif_table(void)
{
	unsigned int s;

	printf("\nFlags words on their own cache lines (today) vs beside the positions (old):\n");
	printf("  round trip, ns: today");
	pnum(get("host.rtt.kup"), 7, "%*.0f");
	printf(", old");
	pnum(get("host.rtt.kup_sep"), 7, "%*.0f");
	printf("\n");
	keep(ratio(get("host.rtt.kup_sep"), get("host.rtt.limit")),
	     "host.rtt.kup_sep/limit");
	printf("  %6s %12s %12s %12s %12s\n", "size", "u->k today", "u->k old",
	       "k->u today", "k->u old");
	for (s = 0; s < NSIZES; s++) {
		printf("  %6u", sizes[s]);
		pnum(mbps(get("host.tput.kup_u2k.%u", sizes[s]), sizes[s]), 13, "%*.0f");
		pnum(mbps(get("host.tput.kup_u2k_sep.%u", sizes[s]), sizes[s]), 13, "%*.0f");
		pnum(mbps(get("host.tput.kup_k2u.%u", sizes[s]), sizes[s]), 13, "%*.0f");
		pnum(mbps(get("host.tput.kup_k2u_sep.%u", sizes[s]), sizes[s]), 13, "%*.0f");
		printf("   MB/s\n");
		keep(ratio(get("host.tput.kup_u2k_sep.%u", sizes[s]),
			   get("host.tput.ring.%u", sizes[s])),
		     "host.tput.kup_u2k_sep.%u/host.tput.ring.%u", sizes[s], sizes[s]);
	}
}

/*
 * Records a peer did not deliver intact, per size (@fmt2: a second count
 * after a slash); they are counted out of its rate.
 */
static void dropped_line(const char *what, const char *fmt1, const char *fmt2)
{
	unsigned int s;

	printf("  %s, not in its rate:", what);
	for (s = 0; s < NSIZES; s++) {
		if (isnan(get(fmt1, sizes[s])))
			continue;
		printf(" %u B %.0f", sizes[s], get(fmt1, sizes[s]));
		if (fmt2)
			printf(" / %.0f", get(fmt2, sizes[s]));
		printf(";");
	}
	printf("\n");
}

/* Pipelined echo: messages/s with ECHO_WINDOW in flight, against KUP's bursts. */
static void echo_table(void)
{
	static const struct {
		const char *key, *name;
	} rows[] = {
		{ "kup_burst", "KUP, batch calls both sides, polling" },
		{ "kup_poll", "KUP, one by one, polling" },
		{ "kup_block", "KUP, one by one, default flags" },
		{ "uring_sqpoll", "io_uring uring_cmd, SQPOLL thread" },
		{ "uring_wait", "io_uring uring_cmd, submit_and_wait(64)" },
		{ "pipe", "two pipes and an echo thread" },
	};
	double kup = get("vm.echo.kup_burst");
	unsigned int i;

	printf("\nEcho, 64 B, 64 messages in flight, every answer checked; ratios: KUP batch / path\n");
	printf("  %-42s %12s %12s\n", "path", "k msg/s", "KUP / path");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double v = get("vm.echo.%s", rows[i].key);

		printf("  %-42s", rows[i].name);
		pnum(v / 1e3, 13, "%*.0f");
		if (i)
			pratio(keep(ratio(kup, v), "vm.echo.kup_burst/%s",
				    rows[i].key), 13);
		printf("\n");
	}
}

static void vm_costs(void)
{
	static const struct {
		const char *key, *what;
	} rows[] = {
		{ "syscall", "getppid(), for scale" },
		{ "user_send", "libkup kernproxy_send(), 64 B" },
		{ "user_receive", "libkup kernproxy_receive_len(), 64 B" },
		{ "k_sink", "kupdev_receive_len(NB) + kupdev_unlock_channel()" },
		{ "k_empty_poll", "kupdev_receive_len(NB), ring empty" },
		{ "k_send_copy", "kupdev_send_flags(NB), 64 B" },
		{ "k_reserve_commit", "kupdev_reserve(NB) + kupdev_commit(), 64 B" },
		{ "k_lock_pair", "spin_lock_irqsave() + unlock" },
		{ "k_refcount_pair", "refcount_inc() + refcount_dec()" },
		{ "k_smp_mb", "smp_mb()" },
	};
	unsigned int i;

	printf("\nWhat single calls cost in this VM, each alone on its CPU (median of 3), ns:\n");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		printf("  %-52s", rows[i].what);
		pnum(get("vm.cost.%s", rows[i].key), 8, "%*.0f");
		printf("\n");
	}
}

static void host_tables(void)
{
	static const char *const paths[] = { "limit", "ring", "kup", "pipe",
					     "eventfd", "unix" };
	static const char *const names[] = {
		"cache line ping-pong", "plain SPSC ring each way",
		"KUP (libkup <-> ring core)", "pipe (two)", "eventfd (two, 8 B)",
		"Unix stream socket",
	};
	static const struct col cols[] = {
		{ "KUP u->k", "host.tput.kup_u2k.%u" },
		{ "KUP k->u", "host.tput.kup_k2u.%u" },
		{ "ring", "host.tput.ring.%u" },
		{ "memcpy", "host.tput.memcpy.%u" },
		{ "pipe", "host.tput.pipe.%u" },
		{ "unix", "host.tput.unix.%u" },
	};
	static const struct col rcols[] = {
		{ "/ring", "host.tput.ring.%u" },
		{ "/memcpy", "host.tput.memcpy.%u" },
		{ "/pipe", "host.tput.pipe.%u" },
		{ "/unix", "host.tput.unix.%u" },
	};

	printf("\n=== Host, native: the ring core between two processes sharing a channel's memory");
	rtt_table("Round trip, 64 B (each side polls; pipe, eventfd, socket block)",
		  "host.rtt", "kup", "limit", paths, names, 6);
	tput_table("One-way throughput, MB/s (copied in by the sender, out by the receiver); ratios: KUP user->kernel / path",
		   "host.tput.kup_u2k.%u", cols, 6, rcols, 4);
	tput_table("                    ratios: KUP kernel->user / path",
		   "host.tput.kup_k2u.%u", cols, 0, rcols, 4);
	whatif_table();
}

static void vm_tables(void)
{
	static const char *const paths[] = {
		"limit", "ring", "kup_poll", "kup_block", "kup_sleep", "ioctl",
		"uring_sqpoll", "uring_wait", "chr", "netlink", "tunnel",
	};
	static const char *const names[] = {
		"cache line ping-pong (2 threads)", "plain SPSC ring each way",
		"KUP, kup_echo polling", "KUP, kup_echo blocking (spins first)",
		"KUP, both sides sleep every time", "ioctl copy in + out",
		"io_uring uring_cmd, SQPOLL thread",
		"io_uring uring_cmd, submit+wait",
		"char dev write/kthread/read", "netlink echo",
		"/proc/tunnel + tunnel_echo",
	};
	static const struct col u2k[] = {
		{ "KUP copy", "vm.tput.u2k.kup_copy.%u" },
		{ "KUP zc", "vm.tput.u2k.kup_zc.%u" },
		{ "KUP burst", "vm.tput.u2k.kup_burst.%u" },
		{ "chr", "vm.tput.u2k.chr.%u" },
		{ "netlink", "vm.tput.u2k.netlink.%u" },
		{ "tunnel", "vm.tput.u2k.tunnel.%u" },
		{ "ring", "vm.tput.ring.%u" },
		{ "memcpy", "vm.tput.memcpy.%u" },
	};
	static const struct col k2u[] = {
		{ "KUP copy", "vm.tput.k2u.kup_copy.%u" },
		{ "KUP zc", "vm.tput.k2u.kup_zc.%u" },
		{ "KUP burst", "vm.tput.k2u.kup_burst.%u" },
		{ "relay mmap", "vm.tput.k2u.relay_mmap.%u" },
		{ "relay read", "vm.tput.k2u.relay_read.%u" },
		{ "BPF ringbuf", "vm.tput.k2u.bpf_ringbuf.%u" },
		{ "kfifo", "vm.tput.k2u.kfifo.%u" },
		{ "chr", "vm.tput.k2u.chr.%u" },
		{ "netlink", "vm.tput.k2u.netlink.%u" },
		{ "tunnel", "vm.tput.k2u.tunnel.%u" },
		{ "ring", "vm.tput.ring.%u" },
		{ "memcpy", "vm.tput.memcpy.%u" },
	};
	static const struct col ru2k[] = {
		{ "/ring", "vm.tput.ring.%u" },
		{ "/memcpy", "vm.tput.memcpy.%u" },
		{ "/chr", "vm.tput.u2k.chr.%u" },
		{ "/netlink", "vm.tput.u2k.netlink.%u" },
		{ "/tunnel", "vm.tput.u2k.tunnel.%u" },
	};
	static const struct col rk2u[] = {
		{ "/relay", "vm.tput.k2u.relay_mmap.%u" },
		{ "/bpf", "vm.tput.k2u.bpf_ringbuf.%u" },
		{ "/kfifo", "vm.tput.k2u.kfifo.%u" },
		{ "/ring", "vm.tput.ring.%u" },
		{ "/memcpy", "vm.tput.memcpy.%u" },
		{ "/chr", "vm.tput.k2u.chr.%u" },
		{ "/netlink", "vm.tput.k2u.netlink.%u" },
		{ "/tunnel", "vm.tput.k2u.tunnel.%u" },
	};

	printf("\n\n=== VM (QEMU TCG, 2 vCPUs; only ratios mean anything): end to end through kup.ko");
	rtt_table("Round trip, 64 B; ratios: KUP polling / path", "vm.rtt",
		  "kup_poll", "limit", paths, names, 11);
	echo_table();
	tput_table("User -> kernel, MB/s (one copy per message: the sender's, or the system call's); ratios: KUP copy / path",
		   "vm.tput.u2k.kup_copy.%u", u2k, 8, ru2k, 5);
	tput_table("Kernel -> user, MB/s (relay and kfifo: every record checked); ratios: KUP copy / path",
		   "vm.tput.k2u.kup_copy.%u", k2u, 12, rk2u, 8);
	dropped_line("relay read(), records stale / lost", "vm.stale.relay_read.%u",
		     "vm.lost.relay_read.%u");
	dropped_line("BPF ring buffer, records dropped (ring full; under TCG its spinlock and atomics are emulated)",
		     "vm.drops.bpf_ringbuf.%u", NULL);
	printf("  wake-ups per round trip: polling %.3g, blocking %.3g, sleeping %.3g\n",
	       get("vm.wakeups.kup_poll"), get("vm.wakeups.kup_block"),
	       get("vm.wakeups.kup_sleep"));
	vm_costs();
}

static void instr_table(void)
{
	printf("\n\n=== Instructions per 64-byte message, libkup fast path (callgrind, host build)\n");
	printf("  %-36s %10s %14s\n", "call", "instr/msg", "+ payload copy");
	printf("  %-36s", "kernproxy_send()");
	pnum(get("host.instr.send"), 11, "%*.1f");
	pnum(get("host.instr.send_copy"), 15, "%*.1f");
	printf("\n  %-36s", "kernproxy_reserve() + _commit()");
	pnum(get("host.instr.send_zc"), 11, "%*.1f");
	pnum(get("host.instr.send_zc_copy"), 15, "%*.1f");
	printf("\n  %-36s", "kernproxy_receive_len()");
	pnum(get("host.instr.receive"), 11, "%*.1f");
	pnum(get("host.instr.receive_copy"), 15, "%*.1f");
	printf("\n");
}

static void collect_targets(void)
{
	double ring64 = get("host.tput.ring.64"), vring64 = get("vm.tput.ring.64");

	target("host: KUP round trip / cache-line ping-pong",
	       get("host.rtt.kup") / get("host.rtt.limit"), 1, 1.3, "x",
	       get("host.rtt.ring") / get("host.rtt.limit"));
	target("host: KUP 64 B user->kernel / plain SPSC ring",
	       get("host.tput.kup_u2k.64") / ring64, 0, 0.7, "x", 1);
	target("host: KUP 64 B kernel->user / plain SPSC ring",
	       get("host.tput.kup_k2u.64") / ring64, 0, 0.7, "x", 1);
	target("host: KUP 64 B user->kernel / pipe",
	       get("host.tput.kup_u2k.64") / get("host.tput.pipe.64"), 0, 30, "x",
	       ring64 / get("host.tput.pipe.64"));
	target("host: KUP 64 B kernel->user / pipe",
	       get("host.tput.kup_k2u.64") / get("host.tput.pipe.64"), 0, 30, "x",
	       ring64 / get("host.tput.pipe.64"));
	target("host: KUP 64 KiB user->kernel / memcpy",
	       get("host.tput.kup_u2k.65536") / get("host.tput.memcpy.65536"), 0, 0.7, "x",
	       get("host.tput.ring.65536") / get("host.tput.memcpy.65536"));
	target("host: KUP 64 KiB kernel->user / memcpy",
	       get("host.tput.kup_k2u.65536") / get("host.tput.memcpy.65536"), 0, 0.7, "x",
	       get("host.tput.ring.65536") / get("host.tput.memcpy.65536"));
	target("VM: KUP polling round trip / cache-line ping-pong",
	       get("vm.rtt.kup_poll") / get("vm.rtt.limit"), 1, 1.5, "x",
	       get("vm.rtt.ring") / get("vm.rtt.limit"));
	target("VM: KUP polling round trip / plain SPSC ring",
	       get("vm.rtt.kup_poll") / get("vm.rtt.ring"), 1, 1.2, "x", 1);
	target("VM: KUP polling round trip / io_uring SQPOLL",
	       get("vm.rtt.kup_poll") / get("vm.rtt.uring_sqpoll"), 1, 0.5, "x",
	       get("vm.rtt.ring") / get("vm.rtt.uring_sqpoll"));
	target("VM: KUP echo, 64 in flight / io_uring SQPOLL",
	       get("vm.echo.kup_burst") / get("vm.echo.uring_sqpoll"), 0, 2, "x", NAN);
	target("VM: KUP echo, 64 in flight / pipe",
	       get("vm.echo.kup_burst") / get("vm.echo.pipe"), 0, 10, "x", NAN);
	target("VM: KUP round trip, default flags / polling (KP_NB)",
	       get("vm.rtt.kup_block") / get("vm.rtt.kup_poll"), 1, 1.1, "x", NAN);
	target("VM: KUP 64 B user->kernel / char device write()",
	       get("vm.tput.u2k.kup_copy.64") / get("vm.tput.u2k.chr.64"), 0, 20, "x",
	       vring64 / get("vm.tput.u2k.chr.64"));
	target("VM: KUP 64 B user->kernel / netlink",
	       get("vm.tput.u2k.kup_copy.64") / get("vm.tput.u2k.netlink.64"), 0, 20, "x",
	       vring64 / get("vm.tput.u2k.netlink.64"));
	target("VM: KUP 64 B kernel->user / char device read()",
	       get("vm.tput.k2u.kup_copy.64") / get("vm.tput.k2u.chr.64"), 0, 20, "x",
	       vring64 / get("vm.tput.k2u.chr.64"));
	target("VM: KUP 64 B kernel->user / netlink",
	       get("vm.tput.k2u.kup_copy.64") / get("vm.tput.k2u.netlink.64"), 0, 20, "x",
	       vring64 / get("vm.tput.k2u.netlink.64"));
	target("VM: KUP burst 64 B user->kernel / plain SPSC ring",
	       get("vm.tput.u2k.kup_burst.64") / vring64, 0, 0.7, "x", 1);
	target("VM: KUP burst 64 B kernel->user / plain SPSC ring",
	       get("vm.tput.k2u.kup_burst.64") / vring64, 0, 0.7, "x", 1);
	target("VM: KUP burst 64 B kernel->user / relay mmap",
	       get("vm.tput.k2u.kup_burst.64") / get("vm.tput.k2u.relay_mmap.64"), 0, 1.5, "x",
	       vring64 / get("vm.tput.k2u.relay_mmap.64"));
	target("VM: KUP burst 64 B kernel->user / BPF ring buffer",
	       get("vm.tput.k2u.kup_burst.64") / get("vm.tput.k2u.bpf_ringbuf.64"), 0, 3, "x",
	       vring64 / get("vm.tput.k2u.bpf_ringbuf.64"));
	target("VM: KUP copy 64 B kernel->user / kfifo char device",
	       get("vm.tput.k2u.kup_copy.64") / get("vm.tput.k2u.kfifo.64"), 0, 3, "x",
	       vring64 / get("vm.tput.k2u.kfifo.64"));
	target("libkup: kernproxy_send() 64 B, without the copy",
	       get("host.instr.send"), 1, 100, "instr", NAN);
	target("libkup: kernproxy_receive_len() 64 B",
	       get("host.instr.receive"), 1, 100, "instr", NAN);
}

static void target_table(void)
{
	int i;

	printf("\n\n=== Targets (reported, not enforced); \"ring\": the plain SPSC ring on the same measure\n");
	printf("  %-52s %9s  %-12s %-9s %9s\n", "", "KUP", "target", "", "ring");
	for (i = 0; i < ntargets; i++) {
		const struct target *t = &targets[i];
		char bound[32];

		printf("  %-52s", t->what);
		if (!strcmp(t->unit, "x"))
			pratio(t->value, 10);
		else
			pnum(t->value, 10, "%*.1f");
		snprintf(bound, sizeof(bound), "%s %g%s", t->at_most ? "<=" : ">=",
			 t->bound, !strcmp(t->unit, "x") ? "x" : " instr");
		printf("  %-12s %-9s", bound, verdict(t));
		if (!isnan(t->ring))
			pratio(t->ring, 10);
		printf("\n");
	}
	for (i = 0; i < nnotes; i++)
		printf("%s%s\n", i ? "  " : "\nNotes:\n  ", notes[i]);
}

/* ---- files ---- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", v);
}

static void write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	time_t now = time(NULL);
	char when[64];
	int i;

	if (!f) {
		perror(path);
		return;
	}
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(f, "{\n  \"generated\": \"%s\",\n  \"figures\": {", when);
	for (i = 0; i < nfigs; i++) {
		const char *size = strrchr(figs[i].key, '.');

		fprintf(f, "%s\n    ", i ? "," : "");
		json_str(f, figs[i].key);
		fprintf(f, ": { \"value\": ");
		json_num(f, figs[i].value);
		fprintf(f, ", \"unit\": ");
		json_str(f, figs[i].unit);
		if (!strcmp(figs[i].unit, "msg/s") && size) {
			fprintf(f, ", \"MB/s\": ");
			json_num(f, mbps(figs[i].value, atoi(size + 1)));
		}
		fprintf(f, " }");
	}
	fprintf(f, "\n  },\n  \"ratios\": {");
	for (i = 0; i < nratios; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		json_str(f, ratios[i].name);
		fprintf(f, ": ");
		json_num(f, ratios[i].value);
	}
	fprintf(f, "\n  },\n  \"targets\": [");
	for (i = 0; i < ntargets; i++) {
		fprintf(f, "%s\n    { \"what\": ", i ? "," : "");
		json_str(f, targets[i].what);
		fprintf(f, ", \"value\": ");
		json_num(f, targets[i].value);
		fprintf(f, ", \"bound\": \"%s %g\", \"unit\": ",
			targets[i].at_most ? "<=" : ">=", targets[i].bound);
		json_str(f, targets[i].unit);
		fprintf(f, ", \"verdict\": ");
		json_str(f, verdict(&targets[i]));
		fprintf(f, ", \"plain_ring\": ");
		json_num(f, targets[i].ring);
		fprintf(f, " }");
	}
	fprintf(f, "\n  ],\n  \"notes\": [");
	for (i = 0; i < nnotes; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		json_str(f, notes[i]);
	}
	fprintf(f, "\n  ]\n}\n");
	fclose(f);
}

/* The plot: MB/s by message size, host and VM side by side, log-log. */
static const struct col plot_host[] = {
	{ "KUP user->kernel", "host.tput.kup_u2k.%u" },
	{ "KUP kernel->user", "host.tput.kup_k2u.%u" },
	{ "plain SPSC ring", "host.tput.ring.%u" },
	{ "memcpy", "host.tput.memcpy.%u" },
	{ "pipe", "host.tput.pipe.%u" },
	{ "Unix socket", "host.tput.unix.%u" },
};

static const struct col plot_vm[] = {
	{ "KUP copy user->kernel", "vm.tput.u2k.kup_copy.%u" },
	{ "KUP copy kernel->user", "vm.tput.k2u.kup_copy.%u" },
	{ "KUP zero copy user->kernel (payload not written)", "vm.tput.u2k.kup_zc.%u" },
	{ "KUP bursts of 64 user->kernel", "vm.tput.u2k.kup_burst.%u" },
	{ "KUP bursts of 64 kernel->user", "vm.tput.k2u.kup_burst.%u" },
	{ "relay, sub-buffers read in place, kernel->user", "vm.tput.k2u.relay_mmap.%u" },
	{ "relay read(), kernel->user", "vm.tput.k2u.relay_read.%u" },
	{ "BPF ring buffer, kernel->user", "vm.tput.k2u.bpf_ringbuf.%u" },
	{ "kfifo char device read(), kernel->user", "vm.tput.k2u.kfifo.%u" },
	{ "char dev write()", "vm.tput.u2k.chr.%u" },
	{ "netlink user->kernel", "vm.tput.u2k.netlink.%u" },
	{ "/proc/tunnel write()", "vm.tput.u2k.tunnel.%u" },
	{ "plain SPSC ring", "vm.tput.ring.%u" },
	{ "memcpy", "vm.tput.memcpy.%u" },
};

/* The bars: 64-byte kernel -> user streams in the VM, KUP and its peers. */
static const struct col plot_peers[] = {
	{ "KUP bursts", "vm.tput.k2u.kup_burst.64" },
	{ "KUP copy", "vm.tput.k2u.kup_copy.64" },
	{ "KUP zero copy", "vm.tput.k2u.kup_zc.64" },
	{ "relay mmap", "vm.tput.k2u.relay_mmap.64" },
	{ "relay read()", "vm.tput.k2u.relay_read.64" },
	{ "BPF ringbuf", "vm.tput.k2u.bpf_ringbuf.64" },
	{ "kfifo read()", "vm.tput.k2u.kfifo.64" },
	{ "char dev read()", "vm.tput.k2u.chr.64" },
	{ "netlink", "vm.tput.k2u.netlink.64" },
	{ "/proc/tunnel", "vm.tput.k2u.tunnel.64" },
	{ "plain SPSC ring", "vm.tput.ring.64" },
};

#define NPH	(int)(sizeof(plot_host) / sizeof(plot_host[0]))
#define NPV	(int)(sizeof(plot_vm) / sizeof(plot_vm[0]))
#define NPP	(int)(sizeof(plot_peers) / sizeof(plot_peers[0]))

static void write_peers_dat(const char *dir)
{
	char path[4096];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/peers64.dat", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return;
	}
	fprintf(f, "# 64 B kernel -> user in the VM: label, MB/s\n");
	for (i = 0; i < NPP; i++)
		fprintf(f, "\"%s\" %.6g\n", plot_peers[i].title,
			mbps(get(plot_peers[i].key), 64));
	fclose(f);
}

static void write_plot(const char *dir)
{
	char path[4096];
	unsigned int s;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/throughput.dat", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return;
	}
	fprintf(f, "# size, MB/s: host columns 2..%d, VM columns %d..%d\n",
		NPH + 1, NPH + 2, NPH + NPV + 1);
	for (s = 0; s < NSIZES; s++) {
		fprintf(f, "%u", sizes[s]);
		for (i = 0; i < NPH; i++)
			fprintf(f, " %.6g", mbps(get(plot_host[i].key, sizes[s]), sizes[s]));
		for (i = 0; i < NPV; i++)
			fprintf(f, " %.6g", mbps(get(plot_vm[i].key, sizes[s]), sizes[s]));
		fprintf(f, "\n");
	}
	fclose(f);

	snprintf(path, sizeof(path), "%s/throughput.gp", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return;
	}
	fprintf(f, "# make bench: throughput by message size (report.c writes this)\n");
	fprintf(f, "set terminal pngcairo size 2300,650 font 'sans,10'\n");
	fprintf(f, "set output '%s/throughput.png'\n", dir);
	fprintf(f, "set datafile missing 'nan'\nset logscale xy\nset grid\n");
	fprintf(f, "set xtics ('64 B' 64, '1 KiB' 1024, '4 KiB' 4096, '64 KiB' 65536)\n");
	fprintf(f, "set xlabel 'message size'\nset ylabel 'MB/s'\nset key left top\n");
	fprintf(f, "set multiplot layout 1,3 title 'KUP one-way throughput (median of %d)'\n", 5);
	fprintf(f, "set title 'host, native: ring core between two processes'\nplot ");
	for (i = 0; i < NPH; i++)
		fprintf(f, "%s'%s/throughput.dat' using 1:%d with linespoints lw 2 title '%s'",
			i ? ", \\\n     " : "", dir, i + 2, plot_host[i].title);
	fprintf(f, "\nset title 'VM (QEMU TCG): through kup.ko and the syscall paths'\nplot ");
	for (i = 0; i < NPV; i++)
		fprintf(f, "%s'%s/throughput.dat' using 1:%d with linespoints lw 2 title '%s'",
			i ? ", \\\n     " : "", dir, NPH + i + 2, plot_vm[i].title);
	fprintf(f, "\nunset logscale\nset logscale y\nunset xlabel\nset xtics rotate by -40\n");
	fprintf(f, "set style fill solid 0.6\nset boxwidth 0.7\nset key off\n");
	fprintf(f, "set title 'VM: 64 B kernel->user, KUP and the peers'\n");
	fprintf(f, "plot '%s/peers64.dat' using 0:2:xtic(1) with boxes\n", dir);
	fprintf(f, "unset multiplot\n");
	fclose(f);
	write_peers_dat(dir);
}

int main(int argc, char **argv)
{
	char path[4096];
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: report OUTDIR RESULTFILE...\n");
		return 1;
	}
	for (i = 2; i < argc; i++)
		load(argv[i]);
	printf("KUP benchmarks: %d figures, each the median of 5 repetitions\n", nfigs);
	host_tables();
	vm_tables();
	instr_table();
	collect_targets();
	target_table();
	snprintf(path, sizeof(path), "%s/results.json", argv[1]);
	write_json(path);
	write_plot(argv[1]);
	return 0;
}
