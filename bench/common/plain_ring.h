/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "plain SPSC ring" limit of make bench: the least a single-producer/
 * single-consumer message queue can do. Fixed-size slots (one message size
 * per run, so no record header and no wrap), free-running slot counters on
 * their own cache lines, each side caching the other's counter, publication
 * with release and observation with acquire. No validation, no flags, no
 * sleeping: everything the KUP ring does beyond this is what it costs.
 */
#ifndef _KUP_BENCH_PLAIN_RING_H
#define _KUP_BENCH_PLAIN_RING_H

#include <stdint.h>
#include <stddef.h>

struct pring {
	_Alignas(64) uint64_t head;	/* slots produced; producer writes */
	_Alignas(64) uint64_t tail;	/* slots consumed; consumer writes */
	_Alignas(64) unsigned char *slots;
	size_t slot;			/* bytes per slot */
	uint64_t mask;			/* slot count - 1 (a power of two) */
};

struct pring_prod {
	uint64_t head;
	uint64_t tail_seen;
};

struct pring_cons {
	uint64_t tail;
	uint64_t head_seen;
};

/* @bytes of @slots make slots of @slot bytes; both powers of two. */
static inline void pring_init(struct pring *r, void *slots, size_t bytes,
			      size_t slot)
{
	r->head = 0;
	r->tail = 0;
	r->slots = slots;
	r->slot = slot;
	r->mask = bytes / slot - 1;
}

/* A free slot, or NULL if the ring is full. */
static inline void *pring_reserve(struct pring *r, struct pring_prod *p)
{
	if (p->head - p->tail_seen > r->mask) {
		/* Pairs with the release in pring_release(). */
		p->tail_seen = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (p->head - p->tail_seen > r->mask)
			return NULL;
	}
	return r->slots + (p->head & r->mask) * r->slot;
}

static inline void pring_commit(struct pring *r, struct pring_prod *p)
{
	/* Pairs with the acquire in pring_peek(): the slot before the count. */
	__atomic_store_n(&r->head, ++p->head, __ATOMIC_RELEASE);
}

/* The oldest unconsumed slot, or NULL if the ring is empty. */
static inline void *pring_peek(struct pring *r, struct pring_cons *c)
{
	if (c->tail == c->head_seen) {
		/* Pairs with the release in pring_commit(). */
		c->head_seen = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		if (c->tail == c->head_seen)
			return NULL;
	}
	return r->slots + (c->tail & r->mask) * r->slot;
}

static inline void pring_release(struct pring *r, struct pring_cons *c)
{
	/*
	 * Pairs with the acquire in pring_reserve(): our reads of the slot
	 * are done before the producer may overwrite it.
	 */
	__atomic_store_n(&r->tail, ++c->tail, __ATOMIC_RELEASE);
}

#endif /* _KUP_BENCH_PLAIN_RING_H */
