// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the "R" lines: each key must be one of common/figures.h, for
 * one of the message sizes if it is a sized one; any other is a renamed or
 * forgotten figure and is said so loudly (stderr and the notes), never
 * dropped in silence. "# " lines that say something failed or describe
 * the machine become notes.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

#define MAX_NOTES	64

const unsigned int sizes[NSIZES] = { 64, 1024, 4096, 65536 };
char *notes[MAX_NOTES];
int nnotes;

static double values[FIG_COUNT][NSIZES];
static int loaded;

static int sized(enum bench_fig f)
{
	return strstr(bench_figs[f].key, "%u") != NULL;
}

const char *fig_key(enum bench_fig f, unsigned int size, char *buf, size_t len)
{
	snprintf(buf, len, bench_figs[f].key, size);
	return buf;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s && nnotes < MAX_NOTES)
		notes[nnotes++] = s;
	else
		free(s);
}

static void init(void)
{
	int f, s;

	for (f = 0; f < FIG_COUNT; f++)
		for (s = 0; s < NSIZES; s++)
			values[f][s] = NAN;
	loaded = 1;
}

/* Store @key's @value; 0, or -1 if no figure has that key. */
static int store(const char *key, double value, const char *unit)
{
	char k[64];
	int f, s;

	for (f = 0; f < FIG_COUNT; f++)
		for (s = 0; s < (sized(f) ? NSIZES : 1); s++)
			if (!strcmp(key, fig_key(f, sizes[s], k, sizeof(k)))) {
				if (strcmp(unit, bench_figs[f].unit))
					note("%s: unit %s, not %s", key, unit,
					     bench_figs[f].unit);
				values[f][s] = value;
				return 0;
			}
	return -1;
}

static int is_note(const char *line)
{
	return !strncmp(line, "# ", 2) &&
	       (strstr(line, "failed") || strstr(line, "not built") ||
		strstr(line, "cannot") || strstr(line, ": vm:") ||
		!strncmp(line, "# vm:", 5) || !strncmp(line, "# host:", 7) ||
		strstr(line, "instr:"));
}

void load(const char *path)
{
	char line[512], key[64], unit[16];
	FILE *f = fopen(path, "r");
	double v;

	if (!loaded)
		init();
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (sscanf(line, "R %63s %lf %15s", key, &v, unit) == 3) {
			if (store(key, v, unit)) {
				fprintf(stderr, "report: %s: no figure %s in common/figures.h\n",
					path, key);
				note("unknown figure %s (not in common/figures.h)", key);
			}
		} else if (is_note(line)) {
			note("%s", line + 2);
		}
	}
	fclose(f);
}

double fig(enum bench_fig f, unsigned int size)
{
	int s;

	if (!loaded)
		init();
	if (f >= FIG_COUNT)
		return NAN;
	if (!sized(f))
		return values[f][0];
	for (s = 0; s < NSIZES; s++)
		if (sizes[s] == size)
			return values[f][s];
	return NAN;
}

int figs_found(void)
{
	int f, s, n = 0;

	for (f = 0; f < FIG_COUNT; f++)
		for (s = 0; s < NSIZES; s++)
			if (!isnan(values[f][s])) {
				n++;
				break;
			}
	return n;
}

double ratio(double a, double b)
{
	return isnan(a) || isnan(b) || b == 0 ? NAN : a / b;
}

double mbps(double msgs, unsigned int size)
{
	return msgs * size / 1e6;
}

void pnum(double v, int width, const char *fmt)
{
	if (isnan(v))
		printf("%*s", width, "-");
	else
		printf(fmt, width, v);
}

void pratio(double v, int width)
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

struct kept ratios[256];
int nratios;

double keep(double v, const char *fmt, ...)
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

double keep_ratio(enum bench_fig a, enum bench_fig b, unsigned int size)
{
	char ka[64], kb[64];

	return keep(ratio(fig(a, size), fig(b, size)), "%s/%s",
		    fig_key(a, size, ka, sizeof(ka)), fig_key(b, size, kb, sizeof(kb)));
}
