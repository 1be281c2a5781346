// SPDX-License-Identifier: GPL-2.0
/*
 * Multi-producer channels (KUPDEV_CREATE_MP): the kernel -> user side, for
 * clients that produce on every CPU and in every context at once.
 *
 * A producer reserves its record under the session's raw spinlock: room,
 * the header (length, KUP_REC_BUSY) and the shared producer position move
 * together there, so records keep the order of their reservations. It then
 * writes its payload without the lock, and commits by clearing BUSY, or
 * discards by setting KUP_REC_DISCARD, each a release. The user consumer
 * (kup_cons_peek() in ring.h) stops at the first BUSY record and steps over
 * discarded ones: it never sees a half-written record, and a slow producer
 * holds back only the records reserved after its own.
 *
 * Wake-ups: a commit without KUPDEV_MORE, and every discard, checks whether
 * the user sleeps, the same barrier pairing as a single producer's
 * (kup_prod_must_wake() with kup_cons_prepare_sleep(), whose recheck reads
 * the BUSY flag: kup_cons_ready()). A KUPDEV_MORE commit leaves the check
 * to the end of its burst, through k2u_unflushed as kup_io.c does.
 *
 * Counters: the plain producer counters of struct kup_chan_stats have one
 * writer at a time here too, the holder of mp_lock; records and their
 * bytes are counted as they are committed, with atomics (see
 * struct kup_chan_stats).
 */
#include <linux/module.h>
#include <linux/sched/signal.h>
#include "kup_internal.h"
#include "kup_trace.h"

/* Add @n to a producer counter of @s, as its one writer. */
static void kup_mp_count(struct kup_sess *s, u64 *field, u64 n)
{
	unsigned long f;

	raw_spin_lock_irqsave(&s->mp_lock, f);
	kup_stat_add(*field, n);
	raw_spin_unlock_irqrestore(&s->mp_lock, f);
}

/* The end of a burst, or a discard: wake the user if it sleeps. */
static void kup_mp_wake_check(struct kup_sess *s)
{
	if (kup_prod_must_wake(&s->k2u)) {
		kup_mp_count(s, &s->ch->stats.tx_wakeups, 1);
		kup_sess_wake_user(s);
	}
}

/* kupdev_flush() and a failed call without KUPDEV_MORE, on an MP channel. */
int kup_mp_flush(struct kup_sess *s)
{
	u64 woke = 0;

	kup_tx_flush(s, &woke);
	if (woke)
		kup_mp_count(s, &s->ch->stats.tx_wakeups, woke);
	return 0;
}

/*
 * Reserve @len bytes: room, header and the published position under the
 * lock. 0 with *@buf, -EAGAIN (full), -EMSGSIZE or -EPROTO.
 */
static int kup_mp_take(struct kup_sess *s, size_t len, void **buf)
{
	struct kup_prod *p = &s->k2u_p;
	struct kup_rec_hdr *h;
	unsigned long f;
	int err;

	raw_spin_lock_irqsave(&s->mp_lock, f);
	err = kup_prod_reserve(&s->k2u, p, len, buf);
	if (!err) {
		h = (struct kup_rec_hdr *)*buf - 1;
		h->len = len;
		h->flags = KUP_REC_BUSY;
		p->pos += kup_rec_size(len);
		/* Pairs with kup_cons_peek()'s acquire: the header first. */
		kup_prod_publish(&s->k2u, p);
	}
	raw_spin_unlock_irqrestore(&s->mp_lock, f);
	return err;
}

/* Would @len bytes fit now? Under the lock: k2u_p is the producers'. */
static bool kup_mp_room(struct kup_sess *s, size_t len)
{
	unsigned long f;
	bool room;

	raw_spin_lock_irqsave(&s->mp_lock, f);
	room = kup_prod_room(&s->k2u, &s->k2u_p, len);
	raw_spin_unlock_irqrestore(&s->mp_lock, f);
	return room;
}

/*
 * Before sleeping for room: announce it, then look again (see ring.h).
 * Producers share the flag: it goes down when the last sleeper leaves,
 * and both under the lock, so that one producer's end of sleep never
 * takes down the flag another has just put up.
 */
static bool kup_mp_prepare_sleep(struct kup_sess *s, size_t len)
{
	unsigned long f;

	raw_spin_lock_irqsave(&s->mp_lock, f);
	s->mp_sleepers++;
	kup_write_once(*s->k2u.prod_flags, KUP_NEED_WAKEUP);
	raw_spin_unlock_irqrestore(&s->mp_lock, f);
	/* Pairs with the barrier in the user's kup_cons_must_wake(). */
	smp_mb();
	return kup_mp_room(s, len);
}

static void kup_mp_end_sleep(struct kup_sess *s)
{
	unsigned long f;

	raw_spin_lock_irqsave(&s->mp_lock, f);
	if (!--s->mp_sleepers)
		kup_end_sleep(s->k2u.prod_flags);
	raw_spin_unlock_irqrestore(&s->mp_lock, f);
}

/* Room for @len bytes, waiting as @flags say; 0 with *@buf, or -errno. */
static int kup_mp_wait(struct kup_sess *s, size_t len, void **buf,
		       unsigned int flags)
{
	unsigned int spins = 0;
	int err;

	for (;;) {
		if (kup_sess_stopped(s))
			return kup_sess_error(s);
		err = kup_mp_take(s, len, buf);
		if (err == -EPROTO)
			kup_sess_break(s, KUP_BAD_K2U_CONS);
		if (err != -EAGAIN)
			return err;
		/* The ring is full: the user must hear of what is in it. */
		kup_mp_flush(s);
		if (flags & KUPDEV_NB)
			return -EAGAIN;
		if (kup_spin_again(&spins, spin_iters))
			continue;
		if (kup_mp_prepare_sleep(s, len)) {
			kup_mp_end_sleep(s);
			continue;
		}
		kup_mp_count(s, &s->ch->stats.full_waits, 1);
		trace_kup_wait(s, true);
		err = kup_wait(s, kup_mp_room(s, len));
		trace_kup_wait_done(s, err);
		kup_mp_end_sleep(s);
		if (err)
			return err;
	}
}

/*
 * End the record at @data of @s: committed (@how 0) or discarded
 * (KUP_REC_DISCARD); with @end, check whether the user sleeps. A commit
 * on a session that stopped becomes a discard: the caller is told the
 * message was dropped, so the user must never see it (a caller that sends
 * it again would duplicate it). One that is seen still working publishes,
 * as a send does: the user is still there to read it, or leaves after.
 */
static int kup_mp_end(struct kup_sess *s, void *data, size_t len, u32 how,
		      bool end)
{
	struct kup_rec_hdr *h = (struct kup_rec_hdr *)data - 1;
	struct kup_chan_stats *st = &s->ch->stats;
	int err = 0;

	if (!how && kup_sess_stopped(s)) {
		err = kup_sess_error(s);
		how = KUP_REC_DISCARD;
	}
	/* Pairs with kup_cons_peek()'s and kup_cons_ready()'s acquire. */
	smp_store_release(&h->flags, how);
	if (err)
		return err;
	if (!how) {
		atomic64_inc(&st->mp_msgs);
		atomic64_add(len, &st->mp_bytes);
		trace_kup_send(s, 1, len, &s->k2u_p.pos, s->k2u.cons);
	}
	if (kup_sess_stopped(s))
		return how ? kup_sess_error(s) : 0;
	if (end)
		kup_mp_wake_check(s);
	else
		/* Pairs with the xchg() in kup_tx_flush(): after the release. */
		smp_store_release(&s->k2u_unflushed, 1);
	return 0;
}

/* kup_mp_end() of a reservation, whose session reference then goes. */
static int kup_mp_finish(struct kupdev_rsv *r, u32 how, bool end)
{
	struct kup_sess *s = r->priv;
	int err;

	r->priv = NULL;
	err = kup_mp_end(s, r->data, r->len, how, end);
	kup_sess_put(s);
	return err;
}

/* kupdev_mp_reserve() inside kup_dev_enter(). */
static int kup_mp_reserve(struct kupdev_softc *sc, int chan_id, size_t len,
			  unsigned int flags, struct kupdev_rsv *r)
{
	struct kup_sess *s = kup_sess_get(sc, chan_id, false);
	void *buf;
	int err;

	if (IS_ERR(s))
		return PTR_ERR(s);
	err = kup_mp_wait(s, len, &buf, flags);
	if (err) {
		/* A failed reserve without KUPDEV_MORE ends a burst all the same. */
		if (!(flags & KUPDEV_MORE))
			kup_mp_flush(s);
		kup_sess_put(s);
		return err;
	}
	r->data = buf;
	r->len = len;
	r->priv = s;		/* the reference stays with the reservation */
	return 0;
}

/**
 * kupdev_mp_reserve() - room for one message on a multi-producer channel
 * @sc: device, created with KUPDEV_CREATE_MP
 * @chan_id: channel
 * @len: payload bytes the caller will write, 0 .. kupdev_max_msg()
 * @flags: 0 to wait for room, KUPDEV_NB to fail with -EAGAIN instead
 * @rsv: filled in: write @rsv->len bytes at @rsv->data, then
 *	kupdev_mp_commit() or kupdev_mp_discard() it, exactly once
 *
 * Any number of reservations may be open at once, from any CPU and context.
 * The user receives the records in the order of their reservations; a
 * reservation not yet committed holds back those reserved after it, so
 * commit soon, and never sleep holding one where a commit may wait for you.
 *
 * Context: process context; with KUPDEV_NB any context, hard irq included.
 * Return: 0; -EAGAIN (KUPDEV_NB, ring full); -EMSGSIZE; -EPIPE (no user,
 * user gone, device unloaded); -EPROTO (channel broken by its user);
 * -EINTR; -EINVAL (not a multi-producer device, bad channel or flags).
 */
int kupdev_mp_reserve(struct kupdev_softc *sc, int chan_id, size_t len,
		      unsigned int flags, struct kupdev_rsv *rsv)
{
	int err = kup_call_enter(sc, flags);

	if (err)
		return err;
	if (!sc->mp || !rsv || (flags & ~KUPDEV_DATA_FLAGS))
		err = -EINVAL;
	else
		err = kup_mp_reserve(sc, chan_id, len, flags, rsv);
	kup_dev_leave(sc);
	return err;
}
KUP_EXPORT(kupdev_mp_reserve);

/**
 * kupdev_mp_commit() - publish a reservation of kupdev_mp_reserve()
 * @rsv: the reservation, its payload written
 * @flags: 0, or KUPDEV_MORE: more follow, check whether the user sleeps at
 *	the end of the burst (a commit without it, kupdev_flush())
 *
 * Allowed after kupdev_unload() for a reservation made before it.
 *
 * Context: any context.
 * Return: 0; -EPIPE or -EPROTO if the user went away or broke the channel
 * meanwhile (the message is dropped); -EINVAL if @rsv is not open, or for
 * a flag other than KUPDEV_MORE (the message is then discarded).
 */
int kupdev_mp_commit(struct kupdev_rsv *rsv, unsigned int flags)
{
	if (!rsv || !rsv->priv)
		return -EINVAL;
	/* Never left open: the user would wait behind it for good. */
	if (flags & ~KUPDEV_MORE) {
		kupdev_mp_discard(rsv);
		return -EINVAL;
	}
	return kup_mp_finish(rsv, 0, !(flags & KUPDEV_MORE));
}
KUP_EXPORT(kupdev_mp_commit);

/**
 * kupdev_mp_discard() - give up a reservation of kupdev_mp_reserve()
 * @rsv: the reservation
 *
 * The user never sees the record; those reserved after it go on. Harmless
 * on a reservation that is not open. Allowed after kupdev_unload() for a
 * reservation made before it.
 *
 * Context: any context.
 */
void kupdev_mp_discard(struct kupdev_rsv *rsv)
{
	if (!rsv || !rsv->priv)
		return;
	/* A discarded record at the head may be what the user waits behind. */
	kup_mp_finish(rsv, KUP_REC_DISCARD, true);
}
KUP_EXPORT(kupdev_mp_discard);

/*
 * kupdev_send_batch() on an MP channel, inside kup_dev_enter(): each
 * message reserved, copied and committed, with KUPDEV_MORE but for the
 * last (unless the caller's burst goes on), so one check per batch. One
 * session for the whole batch, as for a single producer: a batch never
 * goes partly to one user and partly to the next.
 */
int kup_mp_send_batch(struct kupdev_softc *sc, int chan_id,
		      const struct kupdev_msg *msgs, unsigned int n,
		      unsigned int flags)
{
	struct kup_sess *s = kup_sess_get(sc, chan_id, false);
	unsigned int i;
	void *buf;
	int err = 0;

	if (IS_ERR(s))
		return PTR_ERR(s);
	for (i = 0; i < n; i++) {
		err = kup_mp_wait(s, msgs[i].len, &buf, flags);
		if (err)
			break;
		memcpy(buf, msgs[i].data, msgs[i].len);
		err = kup_mp_end(s, buf, msgs[i].len, 0,
				 i + 1 == n && !(flags & KUPDEV_MORE));
		if (err)
			break;
		if (!(flags & KUPDEV_NB))
			cond_resched();
	}
	/* Stopped early: the burst ends here all the same. */
	if (i < n && !(flags & KUPDEV_MORE))
		kup_mp_flush(s);
	kup_sess_put(s);
	/* A commit that found the user gone counts as not sent. */
	return i ? i : err;
}
