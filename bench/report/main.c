// SPDX-License-Identifier: GPL-2.0
/*
 * usage: report OUTDIR RESULTFILE...
 * Prints the table; writes OUTDIR/results.json, OUTDIR/throughput.dat,
 * OUTDIR/peers64.dat and OUTDIR/throughput.gp (see report.h).
 */
#include "report.h"

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
	printf("KUP benchmarks: %d of %d figures measured, each the median of 5 repetitions\n",
	       figs_found(), FIG_COUNT);
	host_tables();
	vm_tables();
	instr_table();
	target_table();
	snprintf(path, sizeof(path), "%s/results.json", argv[1]);
	write_json(path);
	write_plot(argv[1]);
	return 0;
}
