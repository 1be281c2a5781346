// SPDX-License-Identifier: GPL-2.0
/*
 * vm_bench mp MODE: the user side of kup_bench_mp.ko's stream (vm_mp.sh):
 * receive every message of every producer, in batches, and time it from
 * the first to the last; prints vm.mp.MODE in messages per second.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <kup.h>
#include "bench.h"
#include "vm_lib.h"

/* A number from kup_bench_mp.ko's parameters. */
static unsigned long mp_param(const char *name)
{
	char path[96];
	unsigned long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kup_bench_mp/parameters/%s", name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lu", &v) != 1)
		bench_die("%s: cannot read it", path);
	fclose(f);
	return v;
}

void run_mp(const char *mode)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long threads = mp_param("producers"), total;
	static const struct { const char *mode; enum bench_fig fig; } figs[] = {
		{ "mp", FIG_VM_MP_MP }, { "sp", FIG_VM_MP_SP },
		{ "splock", FIG_VM_MP_SPLOCK },
	};
	struct kernproxy_msg m[64];
	unsigned long got = 0;
	double t0 = 0;
	void *dev, *ch;
	unsigned int i;
	int n;

	for (i = 0; i < sizeof(figs) / sizeof(figs[0]) && strcmp(figs[i].mode, mode); i++)
		;
	if (i == sizeof(figs) / sizeof(figs[0]))
		bench_die("unknown mp mode %s", mode);
	/* As many threads as the module started: one per online CPU at most. */
	if (threads > (unsigned long)cpus)
		threads = cpus;
	if (threads > 8)
		threads = 8;
	total = threads * mp_param("count");
	dev = kernproxy_open("kupb_mp");
	ch = dev ? kernproxy_channel(dev, 0, 64) : NULL;
	if (!ch)
		bench_die("kupb_mp channel: %s", strerror(kernproxy_errno));
	while (got < total) {
		n = kernproxy_receive_batch(ch, m, 64, 0);
		if (n < 0)
			bench_die("kupb_mp receive: %s", strerror(kernproxy_errno));
		if (!got)
			t0 = bench_now();
		got += n;
	}
	bench_fig(figs[i].fig, 0, (got - 1) / (bench_now() - t0));
	kernproxy_close(dev);
}
