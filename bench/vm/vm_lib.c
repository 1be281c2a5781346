// SPDX-License-Identifier: GPL-2.0
/*
 * What the parts of vm_bench share: whole reads and writes, opening a
 * device, a peer thread on the other vCPU.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <kup.h>
#include "bench.h"
#include "plain_ring.h"
#include "bench_limits.h"
#include "vm_lib.h"

int full_read(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

int full_write(int fd, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, (const char *)buf + done, len - done);
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

int open_dev(const char *path)
{
	int fd = open(path, O_RDWR);

	if (fd < 0)
		bench_die("%s: %s", path, strerror(errno));
	return fd;
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;

	bench_pin(1);
	__atomic_store_n(&p->ready, 1, __ATOMIC_RELEASE);
	return p->fn(p);
}

void peer_start(struct peer *p, void *(*fn)(void *), void *arg, uint64_t n)
{
	p->fn = fn;
	p->arg = arg;
	p->n = n;
	p->ready = 0;
	if (pthread_create(&p->thread, NULL, peer_main, p))
		bench_die("pthread_create");
	while (!__atomic_load_n(&p->ready, __ATOMIC_ACQUIRE))
		bench_cpu_relax();
}

void peer_join(struct peer *p)
{
	pthread_join(p->thread, NULL);
}

double kup_failed(const char *what)
{
	bench_note("%s: %s", what, strerror(kernproxy_errno));
	return -1;
}

double vm_rep_secs(void)
{
	const char *secs = getenv("BENCH_SECS");

	return secs ? atof(secs) : 0.25;
}

/* A thread for the limits: fn(arg, n) pinned to vCPU 1. */
struct limit_job {
	struct peer p;
	void (*fn)(void *, uint64_t);
};

static void *limit_job_main(void *arg)
{
	struct peer *p = arg;
	struct limit_job *j = (struct limit_job *)p;

	j->fn(p->arg, p->n);
	return NULL;
}

static struct limit_job limit_job;

static void limit_thread_start(struct limit_peer *lp,
			       void (*fn)(void *, uint64_t), void *arg,
			       uint64_t n)
{
	limit_job.fn = fn;
	peer_start(&limit_job.p, limit_job_main, arg, n);
}

static void limit_thread_join(struct limit_peer *lp)
{
	peer_join(&limit_job.p);
}

struct limit_peer peer_thread = { limit_thread_start, limit_thread_join, 0 };
