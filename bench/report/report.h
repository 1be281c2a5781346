/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report: the "R key value unit" lines of every part of make bench (host,
 * instructions, VM) become the table on stdout (tables.c, targets.c), a
 * JSON file with every figure, ratio and target (json.c), and the data and
 * script of the plot (plot.c). Figures are read by their name in
 * common/figures.h (parse.c). It judges nothing: a missed target is
 * reported, and the exit status is 0 whatever the figures say.
 */
#ifndef _KUP_REPORT_H
#define _KUP_REPORT_H

#include <stdio.h>
#include "figures.h"

/* The message sizes of the sized figures, as bench.h's bench_sizes[]. */
extern const unsigned int sizes[];
#define NSIZES	4

/* parse.c: every figure found, by name and size (NAN if missing). */
void load(const char *path);
double fig(enum bench_fig f, unsigned int size);
const char *fig_key(enum bench_fig f, unsigned int size, char *buf, size_t len);
/* How many figures have at least one value. */
int figs_found(void);
extern char *notes[];
extern int nnotes;

/* A ratio: NAN unless both figures are there. */
double ratio(double a, double b);
double mbps(double msgs, unsigned int size);
void pnum(double v, int width, const char *fmt);
void pratio(double v, int width);

/* Ratios printed in the tables, kept for the JSON file. */
struct kept {
	char name[96];
	double value;
};
extern struct kept ratios[];
extern int nratios;
double keep(double v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* fig(@a, @size) / fig(@b, @size), kept under both keys. */
double keep_ratio(enum bench_fig a, enum bench_fig b, unsigned int size);

/* targets.c: each target's figure and verdict. */
struct verdict {
	const char *what, *unit, *verdict;
	double value, bound, ring;
	int at_most;
};
int targets_eval(struct verdict *out, int max);

/* tables.c, targets.c, json.c, plot.c */
void host_tables(void);
void vm_tables(void);
void instr_table(void);
void target_table(void);
void write_json(const char *path);
void write_plot(const char *dir);

#endif /* _KUP_REPORT_H */
