// SPDX-License-Identifier: GPL-2.0
/*
 * The plot's data and gnuplot script: MB/s by message size, host and VM
 * side by side (log-log), and bars of the 64-byte kernel -> user streams
 * of KUP and its peers in the VM. The curves' titles are their own (a
 * legend says more than a table column).
 */
#include <math.h>
#include "report.h"

struct curve {
	const char *title;
	enum bench_fig fig;
};

static const struct curve plot_host[] = {
	{ "KUP user->kernel", FIG_HOST_KUP_U2K },
	{ "KUP kernel->user", FIG_HOST_KUP_K2U },
	{ "KUP bursts user->kernel", FIG_HOST_KUP_U2K_BURST },
	{ "KUP bursts kernel->user", FIG_HOST_KUP_K2U_BURST },
	{ "plain SPSC ring", FIG_HOST_RING },
	{ "memcpy", FIG_HOST_MEMCPY },
	{ "pipe", FIG_HOST_PIPE },
	{ "Unix socket", FIG_HOST_UNIX },
};

static const struct curve plot_vm[] = {
	{ "KUP copy user->kernel", FIG_VM_U2K_KUP_COPY },
	{ "KUP copy kernel->user", FIG_VM_K2U_KUP_COPY },
	{ "KUP zero copy user->kernel (payload not written)", FIG_VM_U2K_KUP_ZC },
	{ "KUP bursts of 64 user->kernel", FIG_VM_U2K_KUP_BURST },
	{ "KUP bursts of 64 kernel->user", FIG_VM_K2U_KUP_BURST },
	{ "relay, sub-buffers read in place, kernel->user", FIG_VM_K2U_RELAY_MMAP },
	{ "relay read(), kernel->user", FIG_VM_K2U_RELAY_READ },
	{ "BPF ring buffer, kernel->user", FIG_VM_K2U_BPF_RINGBUF },
	{ "kfifo char device read(), kernel->user", FIG_VM_K2U_KFIFO },
	{ "char dev write()", FIG_VM_U2K_CHR },
	{ "netlink user->kernel", FIG_VM_U2K_NETLINK },
	{ "/proc/tunnel write()", FIG_VM_U2K_TUNNEL },
	{ "plain SPSC ring", FIG_VM_RING },
	{ "memcpy", FIG_VM_MEMCPY },
};

static const struct curve plot_peers[] = {
	{ "KUP bursts", FIG_VM_K2U_KUP_BURST },
	{ "KUP copy", FIG_VM_K2U_KUP_COPY },
	{ "KUP zero copy", FIG_VM_K2U_KUP_ZC },
	{ "relay mmap", FIG_VM_K2U_RELAY_MMAP },
	{ "relay read()", FIG_VM_K2U_RELAY_READ },
	{ "BPF ringbuf", FIG_VM_K2U_BPF_RINGBUF },
	{ "kfifo read()", FIG_VM_K2U_KFIFO },
	{ "char dev read()", FIG_VM_K2U_CHR },
	{ "netlink", FIG_VM_K2U_NETLINK },
	{ "/proc/tunnel", FIG_VM_K2U_TUNNEL },
	{ "plain SPSC ring", FIG_VM_RING },
};

#define NPH	(int)(sizeof(plot_host) / sizeof(plot_host[0]))
#define NPV	(int)(sizeof(plot_vm) / sizeof(plot_vm[0]))
#define NPP	(int)(sizeof(plot_peers) / sizeof(plot_peers[0]))

static FILE *out(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		perror(path);
	return f;
}

static void write_dat(const char *dir)
{
	FILE *f = out(dir, "throughput.dat");
	unsigned int s;
	int i;

	if (!f)
		return;
	fprintf(f, "# size, MB/s: host columns 2..%d, VM columns %d..%d\n",
		NPH + 1, NPH + 2, NPH + NPV + 1);
	for (s = 0; s < NSIZES; s++) {
		fprintf(f, "%u", sizes[s]);
		for (i = 0; i < NPH; i++)
			fprintf(f, " %.6g", mbps(fig(plot_host[i].fig, sizes[s]), sizes[s]));
		for (i = 0; i < NPV; i++)
			fprintf(f, " %.6g", mbps(fig(plot_vm[i].fig, sizes[s]), sizes[s]));
		fprintf(f, "\n");
	}
	fclose(f);
	f = out(dir, "peers64.dat");
	if (!f)
		return;
	fprintf(f, "# 64 B kernel -> user in the VM: label, MB/s\n");
	for (i = 0; i < NPP; i++)
		fprintf(f, "\"%s\" %.6g\n", plot_peers[i].title,
			mbps(fig(plot_peers[i].fig, 64), 64));
	fclose(f);
}

static void curves(FILE *f, const char *dir, const struct curve *c, int n,
		   int first_col)
{
	int i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s'%s/throughput.dat' using 1:%d with linespoints lw 2 title '%s'",
			i ? ", \\\n     " : "", dir, first_col + i, c[i].title);
	fprintf(f, "\n");
}

void write_plot(const char *dir)
{
	FILE *f;

	write_dat(dir);
	f = out(dir, "throughput.gp");
	if (!f)
		return;
	fprintf(f, "# make bench: throughput by message size (report/plot.c writes this)\n");
	fprintf(f, "set terminal pngcairo size 2300,650 font 'sans,10'\n");
	fprintf(f, "set output '%s/throughput.png'\n", dir);
	fprintf(f, "set datafile missing 'nan'\nset logscale xy\nset grid\n");
	fprintf(f, "set xtics ('64 B' 64, '1 KiB' 1024, '4 KiB' 4096, '64 KiB' 65536)\n");
	fprintf(f, "set xlabel 'message size'\nset ylabel 'MB/s'\nset key left top\n");
	fprintf(f, "set multiplot layout 1,3 title 'KUP one-way throughput (median of 5)'\n");
	fprintf(f, "set title 'host, native: ring core between two processes'\nplot ");
	curves(f, dir, plot_host, NPH, 2);
	fprintf(f, "set title 'VM (QEMU TCG): through kup.ko and the syscall paths'\nplot ");
	curves(f, dir, plot_vm, NPV, NPH + 2);
	fprintf(f, "unset logscale\nset logscale y\nunset xlabel\nset xtics rotate by -40\n");
	fprintf(f, "set style fill solid 0.6\nset boxwidth 0.7\nset key off\n");
	fprintf(f, "set title 'VM: 64 B kernel->user, KUP and the peers'\n");
	fprintf(f, "plot '%s/peers64.dat' using 0:2:xtic(1) with boxes\n", dir);
	fprintf(f, "unset multiplot\n");
	fclose(f);
}
