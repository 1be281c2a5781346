/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The limits every part of make bench measures against, written once: a
 * cache line ping-ponged between two CPUs, a plain SPSC ring each way (a
 * round trip of bare rings), a plain SPSC ring one way. Over a peer that
 * the part provides, pinned to the other CPU: a process on the host
 * (host_bench), a thread in the VM (vm_bench). Their memory is shared
 * either way (MAP_SHARED | MAP_ANONYMOUS).
 *
 * Include bench.h and plain_ring.h first.
 */
#ifndef _KUP_BENCH_LIMITS_H
#define _KUP_BENCH_LIMITS_H

#include <sys/mman.h>

struct limit_peer {
	/* Run fn(arg, n) on the other CPU; join waits for it to return. */
	void (*start)(struct limit_peer *p, void (*fn)(void *arg, uint64_t n),
		      void *arg, uint64_t n);
	void (*join)(struct limit_peer *p);
	uint64_t id;			/* the part's: a pid, a pthread_t */
};

static inline void *limit_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bench_die("mmap: %s", strerror(errno));
	return p;
}

/* One cache line: odd values from us, even ones from the peer. */
static inline void limit_line_peer(void *arg, uint64_t n)
{
	uint64_t *w = arg, i;

	for (i = 0; i <= n; i++) {
		while (__atomic_load_n(w, __ATOMIC_ACQUIRE) != 2 * i + 1)
			bench_cpu_relax();
		__atomic_store_n(w, 2 * i + 2, __ATOMIC_RELEASE);
	}
}

/* @n round trips, in seconds; the first, uncounted, waits for the peer. */
static inline double limit_rtt_line(struct limit_peer *p, uint64_t n)
{
	uint64_t *w = limit_alloc(4096), i;
	double t0 = 0;

	p->start(p, limit_line_peer, w, n);
	for (i = 0; i <= n; i++) {
		if (i == 1)
			t0 = bench_now();
		__atomic_store_n(w, 2 * i + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(w, __ATOMIC_ACQUIRE) != 2 * i + 2)
			bench_cpu_relax();
	}
	t0 = bench_now() - t0;
	p->join(p);
	munmap(w, 4096);
	return t0;
}

/* A plain ring each way, BENCH_RTT_SIZE-byte slots of @ring bytes. */
struct limit_rings {
	struct pring there, back;
};

static inline void limit_echo_peer(void *arg, uint64_t n)
{
	struct limit_rings *rp = arg;
	struct pring_cons c = { 0, 0 };
	struct pring_prod q = { 0, 0 };
	void *in, *out;
	uint64_t i;

	for (i = 0; i <= n; i++) {
		while (!(in = pring_peek(&rp->there, &c)))
			bench_cpu_relax();
		while (!(out = pring_reserve(&rp->back, &q)))
			bench_cpu_relax();
		memcpy(out, in, BENCH_RTT_SIZE);
		pring_commit(&rp->back, &q);
		pring_release(&rp->there, &c);
	}
}

static inline double limit_rtt_ring(struct limit_peer *p, size_t ring,
				    uint64_t n)
{
	size_t len = 4096 + 2 * ring;
	struct limit_rings *rp = limit_alloc(len);
	struct pring_prod q = { 0, 0 };
	struct pring_cons c = { 0, 0 };
	char msg[BENCH_RTT_SIZE] = "ping";
	double t0 = 0;
	uint64_t i;
	void *slot;

	pring_init(&rp->there, (char *)rp + 4096, ring, BENCH_RTT_SIZE);
	pring_init(&rp->back, (char *)rp + 4096 + ring, ring, BENCH_RTT_SIZE);
	p->start(p, limit_echo_peer, rp, n);
	for (i = 0; i <= n; i++) {
		if (i == 1)
			t0 = bench_now();
		while (!(slot = pring_reserve(&rp->there, &q)))
			bench_cpu_relax();
		memcpy(slot, msg, sizeof(msg));
		pring_commit(&rp->there, &q);
		while (!(slot = pring_peek(&rp->back, &c)))
			bench_cpu_relax();
		bench_clobber(slot);
		pring_release(&rp->back, &c);
	}
	t0 = bench_now() - t0;
	p->join(p);
	munmap(rp, len);
	return t0;
}

/*
 * One way: @n messages of @size bytes copied in from @src; the consumer
 * copies each out to @dst, or with @dst NULL reads its first word in
 * place (as each part's KUP receiver does).
 */
struct limit_stream {
	struct pring r;
	size_t size;
	unsigned char *dst;
	unsigned int ready;
	uint64_t word;
};

static inline void limit_consumer(void *arg, uint64_t n)
{
	struct limit_stream *s = arg;
	struct pring_cons c = { 0, 0 };
	uint64_t i;
	void *slot;

	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++) {
		while (!(slot = pring_peek(&s->r, &c)))
			bench_cpu_relax();
		if (s->dst) {
			memcpy(s->dst, slot, s->size);
			bench_clobber(s->dst);
		} else {
			s->word = *(volatile uint64_t *)slot;
		}
		pring_release(&s->r, &c);
	}
}

static inline double limit_tput_ring(struct limit_peer *p, size_t ring,
				     size_t size, const void *src,
				     unsigned char *dst, uint64_t n)
{
	size_t len = 4096 + ring;
	struct limit_stream *s = limit_alloc(len);
	struct pring_prod q = { 0, 0 };
	double t0;
	uint64_t i;
	void *slot;

	pring_init(&s->r, (char *)s + 4096, ring, size);
	s->size = size;
	s->dst = dst;
	p->start(p, limit_consumer, s, n);
	while (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
		bench_cpu_relax();
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		while (!(slot = pring_reserve(&s->r, &q)))
			bench_cpu_relax();
		memcpy(slot, src, size);
		pring_commit(&s->r, &q);
	}
	/* Done when the consumer has given the last one back. */
	while (__atomic_load_n(&s->r.tail, __ATOMIC_ACQUIRE) != n)
		bench_cpu_relax();
	t0 = bench_now() - t0;
	p->join(p);
	munmap(s, len);
	return t0;
}

#endif /* _KUP_BENCH_LIMITS_H */
