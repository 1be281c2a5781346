/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every user-space benchmark program of make bench shares: the clock,
 * CPU pinning, the median, the repetition driver and the result lines.
 *
 * Results are printed as lines "R <key> <value> <unit>" on stdout; the
 * report program collects them from the host run and from the VM's console
 * output, so a figure travels as text and nothing else.
 *
 * Define _GNU_SOURCE before including anything (sched_setaffinity()).
 */
#ifndef _KUP_BENCH_H
#define _KUP_BENCH_H

#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before including any header"
#endif

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "figures.h"

#define BENCH_REPS		5
#define BENCH_LINE		64

/* 64-byte messages unless said otherwise. */
#define BENCH_RTT_SIZE		64

static const unsigned int bench_sizes[] __attribute__((unused)) = {
	64, 1024, 4096, 65536
};
#define BENCH_NSIZES	(sizeof(bench_sizes) / sizeof(bench_sizes[0]))

/* Seconds one repetition should take; set by the program (host vs VM). */
static double bench_rep_secs __attribute__((unused)) = 0.1;

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Pin the calling thread; a benchmark without its CPU still runs. */
static inline void bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static inline void bench_unpin(void)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * In a spin loop. Not in the VM (BENCH_NO_PAUSE): QEMU's TCG turns PAUSE
 * into an exit from its translated code, which costs more than the cache
 * line transfer a limit measures.
 */
static inline void bench_cpu_relax(void)
{
#if (defined(__x86_64__) || defined(__i386__)) && !defined(BENCH_NO_PAUSE)
	__builtin_ia32_pause();
#endif
}

/* Keep the compiler from dropping a copy nobody reads. */
static inline void bench_clobber(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static inline void __attribute__((format(printf, 1, 2), noreturn))
bench_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}


static inline void __attribute__((format(printf, 1, 2)))
bench_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

/*
 * One measurement: @n operations (round trips or messages); returns the
 * seconds they took, or a negative value if the path failed.
 */
typedef double (*bench_run_t)(void *ctx, uint64_t n);

/* The memcpy limit: @n copies of @size bytes on this CPU, in seconds. */
static inline double bench_memcpy_loop(void *dst, const void *src,
				       size_t size, uint64_t n)
{
	double t0 = bench_now();
	uint64_t i;

	for (i = 0; i < n; i++) {
		memcpy(dst, src, size);
		bench_clobber(dst);
	}
	return bench_now() - t0;
}

/*
 * Run @run often enough that a repetition takes about bench_rep_secs: grow
 * a pilot run until it takes a measurable time (it warms caches and wakes
 * the threads up too), size the repetitions from it, then take the median
 * rate of BENCH_REPS repetitions. Returns operations per second, or a
 * negative value if the path failed.
 */
static inline double bench_rate(bench_run_t run, void *ctx, uint64_t n0,
				uint64_t nmax)
{
	double rates[BENCH_REPS], t;
	uint64_t n = n0 ? n0 : 1;
	int i;

	for (;;) {
		t = run(ctx, n);
		if (t < 0)
			return -1;
		if (t >= bench_rep_secs / 10 || n >= nmax)
			break;
		n *= 4;
	}
	if (t > 0)
		n = (uint64_t)(n * bench_rep_secs / t);
	if (n < 1)
		n = 1;
	if (n > nmax)
		n = nmax;
	for (i = 0; i < BENCH_REPS; i++) {
		t = run(ctx, n);
		if (t <= 0)
			return -1;
		rates[i] = n / t;
	}
	return bench_median(rates, BENCH_REPS);
}

/* Figure @f's key, for message size @size if it is a sized one. */
static inline const char *bench_fig_key(enum bench_fig f, unsigned int size,
					char *buf, size_t len)
{
	snprintf(buf, len, bench_figs[f].key, size);
	return buf;
}

/* The "R" line of figure @f (figures.h), in the unit it is declared with. */
static inline void bench_fig(enum bench_fig f, unsigned int size, double value)
{
	char key[64];

	printf("R %s %.6g %s\n", bench_fig_key(f, size, key, sizeof(key)),
	       value, bench_figs[f].unit);
	fflush(stdout);
}

/* A rate from bench_rate() as figure @f: a round trip in ns, or per second. */
static inline void bench_fig_rate(enum bench_fig f, unsigned int size,
				  double rate)
{
	char key[64];

	if (rate <= 0)
		bench_note("%s: failed", bench_fig_key(f, size, key, sizeof(key)));
	else if (!strcmp(bench_figs[f].unit, "ns"))
		bench_fig(f, size, 1e9 / rate);
	else
		bench_fig(f, size, rate);
}

#endif /* _KUP_BENCH_H */
