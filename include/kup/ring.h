/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The KUP ring core: a single-producer/single-consumer ring of
 * variable-length records in a data area that is mapped twice, back to
 * back, so that a record is always contiguous for its reader.
 *
 * Positions are free-running 64-bit byte counts; a position's offset in the
 * data area is pos & (size - 1). The producer publishes its position with a
 * release store after writing a record, the consumer publishes its position
 * with a release store after it is done with the bytes. Each side keeps its
 * own position privately and only ever writes it to shared memory, so a
 * hostile peer cannot change it; the peer's position is read once, checked,
 * and only the checked copy is used.
 *
 * Sleeping: a side that finds nothing to do sets its NEED_WAKEUP flag, issues
 * a full barrier and checks again before it sleeps; the other side, after
 * publishing, issues a full barrier and only then reads the flag. Either the
 * sleeper sees the new position or the waker sees the flag.
 *
 * The same code runs in kup.ko and in libkup through ring_shim.h.
 */
#ifndef _KUP_RING_H
#define _KUP_RING_H

#include <kup/ring_shim.h>
#include <uapi/kup/kup_abi.h>

struct kup_ring {
	kup_u64 *prod;			/* producer position (shared) */
	kup_u64 *cons;			/* consumer position (shared) */
	kup_u32 *prod_flags;		/* producer waits for room */
	kup_u32 *cons_flags;		/* consumer waits for data */
	unsigned char *data;		/* 2 * size bytes, mapped twice */
	kup_u64 size;			/* bytes, a power of two */
	kup_u64 max_msg;		/* largest payload */
	kup_u32 mp;			/* consumer of a multi-producer ring:
					 * records may be BUSY or DISCARDed */
};

/* Producer-private state. */
struct kup_prod {
	kup_u64 pos;			/* end of the last record staged */
	kup_u64 pub;			/* position last published */
	kup_u64 cons_seen;		/* consumer position last read */
	kup_u64 pending_len;		/* payload reserved, not committed */
};

/* Consumer-private state. */
struct kup_cons {
	kup_u64 pos;			/* next record to read */
	kup_u64 pub;			/* position last published */
	kup_u64 prod_seen;		/* producer position last read */
};

static inline kup_u64 kup_rec_size(kup_u64 len)
{
	return (sizeof(struct kup_rec_hdr) + len + KUP_REC_ALIGN - 1) &
	       ~(kup_u64)(KUP_REC_ALIGN - 1);
}

static inline struct kup_rec_hdr *kup_rec_at(const struct kup_ring *r,
					     kup_u64 pos)
{
	return (struct kup_rec_hdr *)(r->data + (pos & (r->size - 1)));
}

/*
 * kup_prod_reserve() - room for a record of @len payload bytes
 * Return: 0 and *@buf set to the payload; -EAGAIN if the ring is full,
 * -EMSGSIZE if @len can never fit, -EPROTO if the consumer position read
 * from shared memory is impossible (the ring is then broken).
 */
static inline int kup_prod_reserve(const struct kup_ring *r,
				   struct kup_prod *p, kup_u64 len, void **buf)
{
	kup_u64 need, c;

	if (kup_unlikely(len > r->max_msg))
		return -EMSGSIZE;
	need = kup_rec_size(len);
	if (p->pos + need - p->cons_seen > r->size) {
		/*
		 * Pairs with the release in kup_cons_publish(): the consumer
		 * has finished reading every byte before c, which we may now
		 * overwrite.
		 */
		c = kup_load_acquire(r->cons);
		/*
		 * Only [cons_seen, pub], aligned, is a possible position:
		 * the consumer cannot be past what was published.
		 */
		if (kup_unlikely(c - p->cons_seen > p->pub - p->cons_seen ||
				 (c & (KUP_REC_ALIGN - 1))))
			return -EPROTO;
		p->cons_seen = c;
		if (p->pos + need - c > r->size)
			return -EAGAIN;
	}
	p->pending_len = len;
	*buf = kup_rec_at(r, p->pos) + 1;
	return 0;
}

/*
 * kup_prod_stage() - finish the record reserved last, without publishing
 * it: a burst stages its records and publishes them all at once. Staged
 * records take room, so publish before waiting for more.
 */
static inline void kup_prod_stage(const struct kup_ring *r, struct kup_prod *p)
{
	struct kup_rec_hdr *h = kup_rec_at(r, p->pos);

	h->len = (kup_u32)p->pending_len;
	h->flags = 0;
	p->pos += kup_rec_size(p->pending_len);
}

/* kup_prod_publish() - make every staged record visible to the consumer. */
static inline void kup_prod_publish(const struct kup_ring *r,
				    struct kup_prod *p)
{
	p->pub = p->pos;
	/*
	 * Pairs with the acquire in kup_cons_peek(): headers and payloads
	 * are visible before the position that covers them.
	 */
	kup_store_release(r->prod, p->pos);
}

/* kup_prod_commit() - publish the record reserved last. */
static inline void kup_prod_commit(const struct kup_ring *r, struct kup_prod *p)
{
	kup_prod_stage(r, p);
	kup_prod_publish(r, p);
}

/* After a commit: must the (possibly sleeping) consumer be woken? */
static inline bool kup_prod_must_wake(const struct kup_ring *r)
{
	/*
	 * Pairs with the barrier in kup_cons_prepare_sleep(): either the
	 * consumer's recheck sees our new position, or we see its flag.
	 */
	kup_full_barrier();
	return kup_read_once(*r->cons_flags) & KUP_NEED_WAKEUP;
}

/*
 * kup_cons_peek() - the next record, without consuming it
 * Return: 0 with *@msg and *@len set; -EAGAIN if the ring is empty (on a
 * multi-producer ring also while the next record is BUSY); -EPROTO if the
 * producer position or the record header is impossible. A DISCARDed
 * record is stepped over.
 */
static inline int kup_cons_peek(const struct kup_ring *r, struct kup_cons *c,
				void **msg, kup_u64 *len)
{
	struct kup_rec_hdr *h;
	kup_u64 p, l;
	kup_u32 f;

	for (;;) {
		if (c->pos == c->prod_seen) {
			/* Pairs with the release in kup_prod_publish(). */
			p = kup_load_acquire(r->prod);
			if (p == c->pos)
				return -EAGAIN;
			/*
			 * An honest producer is never more than a ring ahead
			 * of what we published (records held unpublished
			 * still count).
			 */
			if (kup_unlikely(p - c->pub > r->size ||
					 p - c->pos > r->size ||
					 (p & (KUP_REC_ALIGN - 1))))
				return -EPROTO;
			c->prod_seen = p;
		}
		h = kup_rec_at(r, c->pos);
		/* Read once: only this checked copy of the length is used. */
		l = kup_read_once(h->len);
		if (kup_unlikely(l > r->max_msg ||
				 kup_rec_size(l) > c->prod_seen - c->pos))
			return -EPROTO;
		if (!r->mp)
			break;
		/* Pairs with the release of the commit or discard. */
		f = kup_load_acquire(&h->flags);
		if (f & KUP_REC_BUSY)
			return -EAGAIN;
		if (!(f & KUP_REC_DISCARD))
			break;
		c->pos += kup_rec_size(l);	/* a loop: runs may be long */
	}
	*msg = h + 1;
	*len = l;
	return 0;
}

/* Step past the record kup_cons_peek() returned; not yet published. */
static inline void kup_cons_advance(struct kup_cons *c, kup_u64 len)
{
	c->pos += kup_rec_size(len);
}

/* Give the bytes of every record stepped past back to the producer. */
static inline void kup_cons_publish(const struct kup_ring *r,
				    struct kup_cons *c)
{
	if (c->pub == c->pos)
		return;
	c->pub = c->pos;
	/*
	 * Pairs with the acquire in kup_prod_reserve(): our reads of the
	 * records are done before the producer may reuse their bytes.
	 */
	kup_store_release(r->cons, c->pos);
}

/* After a publish: must the (possibly sleeping) producer be woken? */
static inline bool kup_cons_must_wake(const struct kup_ring *r)
{
	/* Pairs with the barrier in kup_prod_prepare_sleep(). */
	kup_full_barrier();
	return kup_read_once(*r->prod_flags) & KUP_NEED_WAKEUP;
}

/*
 * Is there a record the consumer has not stepped past? (a hint) On a
 * multi-producer ring, one still BUSY is not there yet: a consumer may
 * sleep on it, and its commit wakes it.
 */
static inline bool kup_cons_ready(const struct kup_ring *r,
				  const struct kup_cons *c)
{
	if (kup_load_acquire(r->prod) == c->pos)
		return false;
	/* Pairs with the release of the commit, as in kup_cons_peek(). */
	return !r->mp ||
	       !(kup_load_acquire(&kup_rec_at(r, c->pos)->flags) & KUP_REC_BUSY);
}

/* Would @len payload bytes fit now? (a hint; reserve decides) */
static inline bool kup_prod_room(const struct kup_ring *r,
				 const struct kup_prod *p, kup_u64 len)
{
	return p->pos + kup_rec_size(len) - kup_load_acquire(r->cons) <= r->size;
}

/*
 * Announce that the consumer is about to sleep. Returns true if a record
 * arrived meanwhile, in which case it must not sleep.
 */
static inline bool kup_cons_prepare_sleep(const struct kup_ring *r,
					  const struct kup_cons *c)
{
	kup_write_once(*r->cons_flags, KUP_NEED_WAKEUP);
	/* Pairs with the barrier in kup_prod_must_wake(). */
	kup_full_barrier();
	return kup_cons_ready(r, c);
}

/* The same for a producer that waits for room for @len payload bytes. */
static inline bool kup_prod_prepare_sleep(const struct kup_ring *r,
					  const struct kup_prod *p,
					  kup_u64 len)
{
	kup_write_once(*r->prod_flags, KUP_NEED_WAKEUP);
	/* Pairs with the barrier in kup_cons_must_wake(). */
	kup_full_barrier();
	return kup_prod_room(r, p, len);
}

static inline void kup_end_sleep(kup_u32 *flags)
{
	kup_write_once(*flags, 0);
}

/*
 * In a wait loop that found nothing: true (after a pause) while the caller
 * should check the ring again, false once @limit checks are used up and it
 * should go to sleep; the count then starts over for the next round.
 */
static inline bool kup_spin_again(unsigned int *spins, unsigned int limit)
{
	if ((*spins)++ < limit) {
		kup_cpu_relax();
		return true;
	}
	*spins = 0;
	return false;
}

/*
 * kup_layout_fill() - the layout kup.ko publishes at the start of a
 * channel's RO page: @data_size bytes each way, in regions of @region
 * bytes (a control page of @page_size, then the data twice), the ring
 * words at KUP_RO_* and KUP_RW_*. The host benchmarks, which lay a channel
 * out without kup.ko, write the same.
 */
static inline void kup_layout_fill(struct kup_layout *l, kup_u32 page_size,
				   kup_u64 data_size, kup_u64 region)
{
	l->magic = KUP_MAGIC;
	l->version = KUP_ABI_VERSION;
	l->page_size = page_size;
	l->data_size = data_size;
	l->max_msg = data_size - sizeof(struct kup_rec_hdr);
	l->ro_size = region;
	l->rw_size = region;
	l->data_offset = page_size;
	l->off_status = KUP_RO_STATUS;
	l->off_k2u_prod = KUP_RO_K2U_PROD;
	l->off_k2u_prod_flags = KUP_RO_K2U_PROD_FLAGS;
	l->off_u2k_cons = KUP_RO_U2K_CONS;
	l->off_u2k_cons_flags = KUP_RO_U2K_CONS_FLAGS;
	l->off_u2k_prod = KUP_RW_U2K_PROD;
	l->off_u2k_prod_flags = KUP_RW_U2K_PROD_FLAGS;
	l->off_u2k_want = KUP_RW_U2K_WANT;
	l->off_k2u_cons = KUP_RW_K2U_CONS;
	l->off_k2u_cons_flags = KUP_RW_K2U_CONS_FLAGS;
	l->off_k2u_seen = KUP_RW_K2U_SEEN;
}

#endif /* _KUP_RING_H */
