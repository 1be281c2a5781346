// SPDX-License-Identifier: GPL-2.0
/*
 * The KUP in-kernel data path: send, receive, reserve/commit, peek/unlock,
 * and the waits behind them.
 *
 * The kernel side of each direction of a channel is a single producer or
 * a single consumer: callers serialize their own calls per channel and
 * direction (one kernel thread per direction is the usual shape).
 */
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include "kup_internal.h"
#include "kup_trace.h"

unsigned int spin_iters = 2000;
module_param(spin_iters, uint, 0644);
MODULE_PARM_DESC(spin_iters, "ring checks before a kernel caller sleeps");

/* kthread_should_stop() is only meaningful, and only legal, in a kthread. */
bool kup_should_stop(void)
{
	return (current->flags & PF_KTHREAD) && kthread_should_stop();
}

/* Nothing more will come through this session for a kernel caller. */
bool kup_sess_stopped(const struct kup_sess *s)
{
	return READ_ONCE(s->detached) || READ_ONCE(s->broken) ||
	       READ_ONCE(s->sc->dead);
}

int kup_sess_error(const struct kup_sess *s)
{
	return READ_ONCE(s->broken) ? -EPROTO : -EPIPE;
}

/* The trace events' ring fill: what the kernel produced or was given. */
#define trace_kup_send_n(s, n, bytes) \
	trace_kup_send(s, n, bytes, &(s)->k2u_p.pos, (s)->k2u.cons)
#define trace_kup_receive_n(s, n, bytes) \
	trace_kup_receive(s, n, bytes, (s)->u2k.prod, &(s)->u2k_c.pos)


/*
 * The wake-up check for records committed with KUPDEV_MORE, done once for
 * the whole burst; counted in *@wakeups, the caller's own counter. The
 * xchg() is fully ordered: after the commits it covers (kup_tx_commit()
 * set the mark with a release after them) and before the read of the
 * user's flag, so it is the barrier kup_prod_must_wake() pairs with
 * kup_cons_prepare_sleep().
 */
void kup_tx_flush(struct kup_sess *s, u64 *wakeups)
{
	if (!READ_ONCE(s->k2u_unflushed) || !xchg(&s->k2u_unflushed, 0))
		return;
	if (kup_read_once(*s->k2u.cons_flags) & KUP_NEED_WAKEUP) {
		kup_stat_add(*wakeups, 1);
		kup_sess_wake_user(s);
	}
}

/* Wait for a record from user space; 0 with *msg and *len set, or -errno. */
static int kup_rx_wait(struct kup_sess *s, void **msg, u64 *len,
		       unsigned int flags)
{
	unsigned int spins = 0;
	bool detached;
	int err;

	for (;;) {
		if (READ_ONCE(s->sc->dead) || READ_ONCE(s->broken))
			return kup_sess_error(s);
		/*
		 * "detached" before the ring, so that a record the user
		 * committed before it left is seen by the peek below. Pairs
		 * with the smp_store_release() in kup_sess_detach().
		 */
		detached = smp_load_acquire(&s->detached);
		err = kup_cons_peek(&s->u2k, &s->u2k_c, msg, len);
		if (err == -EPROTO)
			kup_sess_break(s, "u2k: bad record or producer position");
		/* After a detach: what was sent before it, and nothing more. */
		if (detached && (err == -EAGAIN || (!err &&
		    (s64)(READ_ONCE(s->u2k_end) - s->u2k_c.pos) <
		    (s64)kup_rec_size(*len))))
			return -EPIPE;
		if (err != -EAGAIN)
			return err;
		/* Waiting for the user: it must have heard of our burst. */
		kup_tx_flush(s, &s->ch->stats.rx_wakeups);
		if (flags & KUPDEV_NB)
			return -EAGAIN;
		if (kup_spin_again(&spins, spin_iters))
			continue;
		if (kup_cons_prepare_sleep(&s->u2k, &s->u2k_c)) {
			kup_end_sleep(s->u2k.cons_flags);
			continue;
		}
		kup_stat_add(s->ch->stats.empty_waits, 1);
		trace_kup_wait(s, false);
		err = kup_wait(s, kup_cons_ready(&s->u2k, &s->u2k_c));
		trace_kup_wait_done(s, err);
		kup_end_sleep(s->u2k.cons_flags);
		if (err)
			return err;
	}
}

/* Wait for room for @len bytes towards user space; 0 with *buf, or -errno. */
static int kup_tx_wait(struct kup_sess *s, size_t len, void **buf,
		       unsigned int flags)
{
	unsigned int spins = 0;
	int err;

	for (;;) {
		if (kup_sess_stopped(s))
			return kup_sess_error(s);
		err = kup_prod_reserve(&s->k2u, &s->k2u_p, len, buf);
		if (err == -EPROTO)
			kup_sess_break(s, KUP_BAD_K2U_CONS);
		if (err != -EAGAIN)
			return err;
		/* The ring is full: the user must hear of what is in it. */
		kup_tx_flush(s, &s->ch->stats.tx_wakeups);
		if (flags & KUPDEV_NB)
			return -EAGAIN;
		if (kup_spin_again(&spins, spin_iters))
			continue;
		if (kup_prod_prepare_sleep(&s->k2u, &s->k2u_p, len)) {
			kup_end_sleep(s->k2u.prod_flags);
			continue;
		}
		kup_stat_add(s->ch->stats.full_waits, 1);
		trace_kup_wait(s, true);
		err = kup_wait(s, kup_prod_room(&s->k2u, &s->k2u_p, len));
		trace_kup_wait_done(s, err);
		kup_end_sleep(s->k2u.prod_flags);
		if (err)
			return err;
	}
}

/*
 * After a publish: with @end (it ends the burst) wake the user if it
 * sleeps, a check that covers every record published before; otherwise
 * leave the check to the end of the burst.
 */
static void kup_tx_published(struct kup_sess *s, bool end)
{
	if (!end) {
		/* Pairs with the xchg() in kup_tx_flush(): after the publish. */
		smp_store_release(&s->k2u_unflushed, 1);
		return;
	}
	if (READ_ONCE(s->k2u_unflushed))
		WRITE_ONCE(s->k2u_unflushed, 0);
	if (kup_prod_must_wake(&s->k2u)) {
		kup_stat_add(s->ch->stats.tx_wakeups, 1);
		kup_sess_wake_user(s);
	}
}

/* Publish the reserved record; unless @more, wake the user if it sleeps. */
static void kup_tx_commit(struct kup_sess *s, bool more)
{
	struct kup_chan_stats *st = &s->ch->stats;
	u64 len = s->k2u_p.pending_len;

	kup_stat_add(st->k2u_msgs, 1);
	kup_stat_add(st->k2u_bytes, len);
	kup_prod_commit(&s->k2u, &s->k2u_p);
	trace_kup_send_n(s, 1, len);
	kup_tx_published(s, !more);
}

static void kup_rx_release(struct kup_sess *s)
{
	kup_cons_publish(&s->u2k, &s->u2k_c);
	if (kup_cons_must_wake(&s->u2k)) {
		kup_stat_add(s->ch->stats.rx_wakeups, 1);
		kup_sess_wake_user(s);
	}
}

/*
 * Publish the @n records a batch staged (*@bytes of payload), counted.
 * With @end (the batch is over and ends the burst) the wake-up check is
 * made here, as a single send always made it; otherwise it is left to
 * the end of the burst.
 */
static void kup_tx_publish(struct kup_sess *s, u64 *bytes, unsigned int n,
			   bool end)
{
	struct kup_chan_stats *st = &s->ch->stats;

	kup_stat_add(st->k2u_msgs, n);
	kup_stat_add(st->k2u_bytes, *bytes);
	kup_prod_publish(&s->k2u, &s->k2u_p);
	trace_kup_send_n(s, n, *bytes);
	*bytes = 0;
	kup_tx_published(s, end);
}

/*
 * Room for message @i of a batch: at once if there is (the records before
 * it stay staged), else published what is staged and waited as @flags
 * say. 0 with *@buf, or -errno.
 */
static int kup_batch_room(struct kup_sess *s, unsigned int i, size_t len,
			  void **buf, unsigned int flags, u64 *bytes,
			  unsigned int *staged)
{
	int err;

	/* The user left or broke the channel: stop where we are. */
	if (kup_sess_stopped(s))
		return kup_sess_error(s);
	err = i ? kup_prod_reserve(&s->k2u, &s->k2u_p, len, buf) : -EAGAIN;
	if (!err)
		return 0;
	if (*staged) {
		/* What is staged takes room: publish it before a wait. */
		kup_tx_publish(s, bytes, *staged, false);
		*staged = 0;
	}
	if (err == -EPROTO) {
		kup_sess_break(s, KUP_BAD_K2U_CONS);
		return err;
	}
	err = kup_tx_wait(s, len, buf, flags);
	if (!err && !(flags & KUPDEV_NB))
		cond_resched();
	return err;
}

/* kupdev_send_batch() inside kup_dev_enter(), for @n > 0. */
static int kup_send_batch(struct kupdev_softc *sc, int chan_id,
			  const struct kupdev_msg *msgs, unsigned int n,
			  unsigned int flags)
{
	struct kup_sess *s = kup_sess_get(sc, chan_id, false);
	bool end = !(flags & KUPDEV_MORE);
	unsigned int i = 0, staged = 0;
	u64 bytes = 0;
	void *buf;
	int err = 0;

	if (IS_ERR(s))
		return PTR_ERR(s);
	/*
	 * An open reservation owns the producer position: a record written
	 * now would land on it, and the later commit would publish a stale
	 * header past the consumer.
	 */
	if (READ_ONCE(s->ch->tx) == s)
		err = -EBUSY;
	for (; !err && i < n; i++) {
		err = kup_batch_room(s, i, msgs[i].len, &buf, flags, &bytes, &staged);
		if (err)
			break;
		memcpy(buf, msgs[i].data, msgs[i].len);
		bytes += msgs[i].len;
		kup_prod_stage(&s->k2u, &s->k2u_p);
		staged++;
	}
	if (staged)
		kup_tx_publish(s, &bytes, staged, end);
	else if (end)
		/* The one check for a burst before this failed call. */
		kup_tx_flush(s, &s->ch->stats.tx_wakeups);
	kup_sess_put(s);
	return i ? i : err;
}

/*
 * kupdev_flush() inside kup_dev_enter(). Not kup_sess_get(): a flush is
 * nobody's answer, and tells no thread of a departure. A reference only when
 * there is something to check: a session's pages are freed when its last
 * reference goes, not after a grace period as the session itself.
 */
static int kup_flush(struct kupdev_softc *sc, int chan_id)
{
	struct kup_sess *s;

	if (chan_id < 0 || chan_id >= sc->chan_cnt)
		return -EINVAL;
	rcu_read_lock();
	s = rcu_dereference(sc->chans[chan_id].sess);
	if (s && (!READ_ONCE(s->k2u_unflushed) || !refcount_inc_not_zero(&s->ref)))
		s = NULL;
	rcu_read_unlock();
	if (s) {
		if (sc->mp)
			kup_mp_flush(s);
		else
			kup_tx_flush(s, &s->ch->stats.tx_wakeups);
		kup_sess_put(s);
	}
	return 0;
}

/**
 * kupdev_send_batch() - copy up to @n messages to the user side at once
 * @sc: device
 * @chan_id: channel
 * @msgs: the messages, in order
 * @n: how many
 * @flags: 0 to wait for room for each, KUPDEV_NB to stop at the first
 *	that does not fit; KUPDEV_MORE: the burst goes on after this call
 *
 * As kupdev_send_flags() for each message, with one check whether the user
 * sleeps, after the last one (none with KUPDEV_MORE). The messages are
 * published together at the end, or before the call waits for room.
 * Without KUPDEV_MORE the call ends the burst whatever happens, even when
 * it fails or @n is 0: kupdev_send_batch(sc, id, NULL, 0, 0) is
 * kupdev_flush(). @n is capped at INT_MAX.
 *
 * Context: process context; with KUPDEV_NB any context.
 *
 * Return: the number of messages sent, from the first on (fewer than @n
 * when an error or, with KUPDEV_NB, a full ring stopped the batch: a
 * lasting cause, such as a departed user, is reported by the next call);
 * 0 if @n is 0; or, if none was sent, -errno as kupdev_send_flags().
 */
int kupdev_send_batch(struct kupdev_softc *sc, int chan_id,
		      const struct kupdev_msg *msgs, unsigned int n,
		      unsigned int flags)
{
	int err = kup_call_enter(sc, flags);

	if (err)
		return err;
	if (flags & ~KUPDEV_DATA_FLAGS)
		err = -EINVAL;
	else if (!n || !msgs)
		err = (flags & KUPDEV_MORE ? 0 : kup_flush(sc, chan_id)) ?:
		      (n ? -EINVAL : 0);
	else if (sc->mp)
		err = kup_mp_send_batch(sc, chan_id, msgs,
					min_t(unsigned int, n, INT_MAX), flags);
	else
		err = kup_send_batch(sc, chan_id, msgs,
				     min_t(unsigned int, n, INT_MAX), flags);
	kup_dev_leave(sc);
	return err;
}
KUP_EXPORT(kupdev_send_batch);

/**
 * kupdev_send_flags() - copy one message to the user side of a channel
 * @sc: device
 * @chan_id: channel
 * @data: payload (may be NULL when @len is 0)
 * @len: payload bytes, 0 .. kupdev_max_msg()
 * @flags: 0 to wait for room, KUPDEV_NB to fail with -EAGAIN instead;
 *	KUPDEV_MORE: more messages follow, check whether the user sleeps
 *	at the end of the burst
 *
 * Context: process context; with KUPDEV_NB any context.
 * Return: 0; -EAGAIN (KUPDEV_NB, ring full); -EMSGSIZE (@len can never
 * fit); -EPIPE (no user attached, user gone, device unloaded; also for
 * the thread that was receiving from a departed user, once where it would
 * reach the next one and for its answers to what that user left: see
 * kup_who.c); -EPROTO
 * (channel broken by its user); -EINTR (signal or kthread_stop());
 * -EBUSY (a kupdev_reserve() on the channel is not committed yet);
 * -EINVAL (bad channel or flags).
 */
int kupdev_send_flags(struct kupdev_softc *sc, int chan_id, const void *data,
		      size_t len, unsigned int flags)
{
	struct kupdev_msg m = { .data = (void *)data, .len = len };
	int n = kupdev_send_batch(sc, chan_id, &m, 1, flags);

	return n < 0 ? n : 0;
}
KUP_EXPORT(kupdev_send_flags);

/**
 * kupdev_send() - copy one message to the user side, waiting for room
 * @sc: device
 * @data: payload
 * @len: payload bytes
 * @chan_id: channel
 *
 * Context: process context; may sleep.
 * Return: 0 or -errno as kupdev_send_flags().
 */
int kupdev_send(struct kupdev_softc *sc, void *data, size_t len, int chan_id)
{
	return kupdev_send_flags(sc, chan_id, data, len, 0);
}
KUP_EXPORT(kupdev_send);

/**
 * kupdev_pass() - hand the turn to user space with an empty message
 * @sc: device
 * @chan_id: channel
 *
 * The user receives a message of length 0. Waits for room.
 *
 * Context: process context; may sleep.
 */
void kupdev_pass(struct kupdev_softc *sc, int chan_id)
{
	kupdev_send_flags(sc, chan_id, NULL, 0, 0);
}
KUP_EXPORT(kupdev_pass);

/* kupdev_reserve() inside kup_dev_enter(). */
static void *kup_reserve(struct kupdev_softc *sc, int chan_id, size_t len,
			 unsigned int flags)
{
	struct kup_sess *s = kup_sess_get(sc, chan_id, false);
	void *buf;
	int err;

	if (IS_ERR(s))
		return s;
	err = kup_slot_take(s, false);
	if (err)
		goto end_burst;
	err = kup_tx_wait(s, len, &buf, flags);
	if (!err) {
		WRITE_ONCE(s->tx_more, flags & KUPDEV_MORE);
		return buf;	/* the reference stays with the reservation */
	}
	kup_slot_drop(s, false);
end_burst:
	/* A failed reserve without KUPDEV_MORE ends a burst all the same. */
	if (!(flags & KUPDEV_MORE))
		kup_tx_flush(s, &s->ch->stats.tx_wakeups);
	kup_sess_put(s);
	return ERR_PTR(err);
}

/**
 * kupdev_reserve() - room for one message to the user side, zero copy
 * @sc: device
 * @chan_id: channel
 * @len: payload bytes the caller will write
 * @flags: 0 or KUPDEV_NB; KUPDEV_MORE applies to the commit
 *
 * The caller writes @len bytes at the returned address (in the shared
 * pages) and calls kupdev_commit(). One reservation per channel at a time.
 *
 * Context: process context; with KUPDEV_NB any context.
 * Return: the payload address, or ERR_PTR() as kupdev_send_flags(), and
 * -EBUSY if a reservation is already open on the channel.
 */
void *kupdev_reserve(struct kupdev_softc *sc, int chan_id, size_t len,
		     unsigned int flags)
{
	int err = kup_call_enter(sc, flags);
	void *ret;

	if (err)
		return ERR_PTR(err);
	/* A multi-producer channel's reservations are kupdev_mp_reserve()'s. */
	ret = flags & ~KUPDEV_DATA_FLAGS || sc->mp ? ERR_PTR(-EINVAL) :
	      kup_reserve(sc, chan_id, len, flags);
	kup_dev_leave(sc);
	return ret;
}
KUP_EXPORT(kupdev_reserve);

/**
 * kupdev_commit() - send the message prepared after kupdev_reserve()
 * @sc: device
 * @chan_id: channel
 *
 * Allowed after kupdev_unload() for a reservation made before it: the
 * reservation keeps what it needs.
 *
 * Context: any context.
 * Return: 0; -EINVAL if no reservation is open; -EPIPE if the user went
 * away meanwhile (the message is dropped).
 */
int kupdev_commit(struct kupdev_softc *sc, int chan_id)
{
	struct kup_sess *s;
	int err = 0;

	if (IS_ERR_OR_NULL(sc) || chan_id < 0 || chan_id >= sc->chan_cnt)
		return -EINVAL;
	s = kup_slot_mine(&sc->chans[chan_id], false, true);
	if (!s)
		return -EINVAL;
	if (kup_sess_stopped(s))
		err = kup_sess_error(s);
	else
		kup_tx_commit(s, READ_ONCE(s->tx_more));
	kup_sess_put(s);
	return err;
}
KUP_EXPORT(kupdev_commit);

/* kupdev_receive_batch() inside kup_dev_enter(). */
static int kup_receive_batch(struct kupdev_softc *sc, int chan_id,
			     struct kupdev_msg *msgs, unsigned int max,
			     unsigned int flags)
{
	struct kup_sess *s = kup_sess_get(sc, chan_id, true);
	unsigned int n = 0;
	u64 l, bytes = 0;
	void *msg;
	int err;

	if (IS_ERR(s))
		return PTR_ERR(s);
	err = kup_slot_take(s, true);
	if (err)
		goto put;
	/* Wait for the first as @flags say; take the others that are there. */
	while (n < max && !(err = kup_rx_wait(s, &msg, &l, n ? KUPDEV_NB : flags))) {
		kup_cons_advance(&s->u2k_c, l);
		kup_stat_add(s->ch->stats.u2k_msgs, 1);
		kup_stat_add(s->ch->stats.u2k_bytes, l);
		bytes += l;
		msgs[n].data = msg;
		msgs[n++].len = l;
	}
	if (n) {
		trace_kup_receive_n(s, n, bytes);
		WRITE_ONCE(s->rx_len, l);
		return n;	/* the reference stays with the held messages */
	}
	kup_slot_drop(s, true);
	if (err == -EPIPE || err == -EPROTO)
		kup_drain_done(s);
put:
	kup_sess_put(s);
	return err;
}

/**
 * kupdev_receive_batch() - up to @max messages from user space, zero copy
 * @sc: device
 * @chan_id: channel
 * @msgs: filled with the messages, in order
 * @max: room in @msgs
 * @flags: 0 to wait for the first, KUPDEV_NB to fail with -EAGAIN when
 *	there is none; the others are those already there
 *
 * As kupdev_receive_len() for each: all of them stay valid, in the shared
 * pages, until kupdev_unlock_channel(), which gives their room back with
 * one release and one check whether the user waits for room.
 * kupdev_msg_len() gives the last one's length.
 *
 * Context: process context; with KUPDEV_NB any context.
 * Return: the number of messages (1 to @max), or -errno as
 * kupdev_receive_len(); -EINVAL also for @max 0.
 */
int kupdev_receive_batch(struct kupdev_softc *sc, int chan_id,
			 struct kupdev_msg *msgs, unsigned int max,
			 unsigned int flags)
{
	int err = kup_call_enter(sc, flags);

	if (err)
		return err;
	if (flags & ~KUPDEV_NB || !max || !msgs)
		err = -EINVAL;
	else
		err = kup_receive_batch(sc, chan_id, msgs, max, flags);
	kup_dev_leave(sc);
	return err;
}
KUP_EXPORT(kupdev_receive_batch);

/**
 * kupdev_receive_len() - the next message from user space, zero copy
 * @sc: device
 * @chan_id: channel
 * @len: where to store the payload length (may be NULL)
 * @flags: 0 to wait, KUPDEV_NB to fail with -EAGAIN when there is none
 *
 * The payload stays in the shared pages, where the user can still write
 * it: copy what you parse (or use kupdev_receive_copy()). It stays valid
 * until kupdev_unlock_channel(), which must be called before the next
 * receive on the channel. Messages the user sent before it went away are
 * still delivered; then -EPIPE.
 *
 * Context: process context; with KUPDEV_NB any context.
 * Return: the payload, or ERR_PTR(): -EAGAIN, -EPIPE, -EPROTO (the user
 * broke the channel), -EINTR (signal or kthread_stop()), -EBUSY (a message
 * is still held), -EINVAL.
 */
void *kupdev_receive_len(struct kupdev_softc *sc, int chan_id, size_t *len,
			 unsigned int flags)
{
	struct kupdev_msg m;
	int n = kupdev_receive_batch(sc, chan_id, &m, 1, flags);

	if (n < 0)
		return ERR_PTR(n);
	if (len)
		*len = m.len;
	return m.data;
}
KUP_EXPORT(kupdev_receive_len);

/**
 * kupdev_receive() - wait for the next message from user space, zero copy
 * @sc: device
 * @chan_id: channel
 *
 * See kupdev_receive_len(); the length is kupdev_msg_len().
 *
 * Context: process context; may sleep.
 * Return: the payload or an ERR_PTR() (-EPIPE, -EINTR, -EPROTO, ...).
 */
void *kupdev_receive(struct kupdev_softc *sc, int chan_id)
{
	return kupdev_receive_len(sc, chan_id, NULL, 0);
}
KUP_EXPORT(kupdev_receive);

/**
 * kupdev_msg_len() - length of the message held on a channel
 * @sc: device
 * @chan_id: channel
 *
 * Context: any context.
 * Return: the payload length of the message returned by the last receive
 * (of the last one, after kupdev_receive_batch()), 0 if none is held.
 */
size_t kupdev_msg_len(struct kupdev_softc *sc, int chan_id)
{
	struct kup_sess *s;
	size_t len = 0;

	if (IS_ERR_OR_NULL(sc) || chan_id < 0 || chan_id >= sc->chan_cnt)
		return 0;
	/* Another thread's hold may go meanwhile: sessions outlive RCU. */
	rcu_read_lock();
	s = kup_slot_mine(&sc->chans[chan_id], true, false);
	if (s)
		len = READ_ONCE(s->rx_len);
	rcu_read_unlock();
	return len;
}
KUP_EXPORT(kupdev_msg_len);

/**
 * kupdev_unlock_channel() - done with the message from the last receive
 * @sc: device
 * @chan_id: channel
 *
 * Gives its bytes back to the user side. Harmless if none is held (before
 * kupdev_unload() returned). Allowed after it for a message received
 * before it.
 *
 * Context: any context.
 */
void kupdev_unlock_channel(struct kupdev_softc *sc, int chan_id)
{
	struct kup_sess *s;

	if (IS_ERR_OR_NULL(sc) || chan_id < 0 || chan_id >= sc->chan_cnt)
		return;
	s = kup_slot_mine(&sc->chans[chan_id], true, true);
	if (!s)
		return;
	if (!READ_ONCE(s->broken))
		kup_rx_release(s);
	kup_sess_put(s);
}
KUP_EXPORT(kupdev_unlock_channel);

/* kupdev_receive_copy() inside kup_dev_enter(). */
static ssize_t kup_receive_copy(struct kupdev_softc *sc, int chan_id, void *buf,
				size_t size, unsigned int flags)
{
	struct kup_sess *s = kup_sess_get(sc, chan_id, true);
	void *msg;
	u64 l;
	int err;

	if (IS_ERR(s))
		return PTR_ERR(s);
	err = kup_slot_take(s, true);
	if (err)
		goto put;
	err = kup_rx_wait(s, &msg, &l, flags);
	if (!err && l > size)
		err = -EMSGSIZE;
	if (!err) {
		memcpy(buf, msg, l);
		kup_cons_advance(&s->u2k_c, l);
		kup_stat_add(s->ch->stats.u2k_msgs, 1);
		kup_stat_add(s->ch->stats.u2k_bytes, l);
		trace_kup_receive_n(s, 1, l);
		kup_rx_release(s);
	}
	kup_slot_drop(s, true);
	if (err == -EPIPE || err == -EPROTO)
		kup_drain_done(s);
put:
	kup_sess_put(s);
	return err ? err : (ssize_t)l;
}

/**
 * kupdev_receive_copy() - receive one message into a private buffer
 * @sc: device
 * @chan_id: channel
 * @buf: destination
 * @size: bytes at @buf
 * @flags: 0 or KUPDEV_NB
 *
 * For data the caller parses: once copied, user space cannot change it.
 *
 * Context: process context; with KUPDEV_NB any context.
 * Return: the message length, or -errno as kupdev_receive_len(), and
 * -EMSGSIZE if the message is longer than @size (it is then left in place).
 */
ssize_t kupdev_receive_copy(struct kupdev_softc *sc, int chan_id, void *buf,
			    size_t size, unsigned int flags)
{
	ssize_t ret;

	if (flags & ~KUPDEV_NB)
		return -EINVAL;
	ret = kup_call_enter(sc, flags);
	if (ret)
		return ret;
	ret = kup_receive_copy(sc, chan_id, buf, size, flags);
	kup_dev_leave(sc);
	return ret;
}
KUP_EXPORT(kupdev_receive_copy);

/**
 * kupdev_flush() - end a burst sent with KUPDEV_MORE
 * @sc: device
 * @chan_id: channel
 *
 * Wakes the user if it sleeps waiting for the messages sent since the
 * last check. Cheap when there is nothing to check: no barrier, no atomic.
 * Never touches what a departed user left for the receiver.
 * A call of the sending side: serialize it with the channel's sends.
 *
 * Context: any context.
 * Return: 0 (also when no user is attached); -EPIPE once the device is
 * unloaded; -EINVAL for a bad device or channel.
 */
int kupdev_flush(struct kupdev_softc *sc, int chan_id)
{
	int err = kup_dev_enter(sc);

	if (err)
		return err;
	err = kup_flush(sc, chan_id);
	kup_dev_leave(sc);
	return err;
}
KUP_EXPORT(kupdev_flush);

/**
 * kupdev_max_msg() - the largest payload one message can have
 * @sc: device
 *
 * Return: bytes.
 */
size_t kupdev_max_msg(struct kupdev_softc *sc)
{
	return (sc->size << PAGE_SHIFT) - sizeof(struct kup_rec_hdr);
}
KUP_EXPORT(kupdev_max_msg);

#ifdef KUP_TEST_HOOKS
/*
 * Test builds only: is the attached user of @chan_id asleep waiting for
 * records? Its NEED_WAKEUP flag is up and its poll() returned from its
 * last look at the ring with nothing (kup_chan_poll()), so from here on
 * only a wake-up reaches it. A test that must send towards a sleeping
 * user waits for this instead of guessing how long the user takes.
 *
 * RCU keeps only the struct kup_sess: its pages (the flag is in one) go
 * at its last put, without a grace period (kup_sess_free_work()). So a
 * reference first, as kup_flush() takes one, and none if it is on its way
 * out (the user left: not asleep).
 */
bool kup_test_user_sleeps(struct kupdev_softc *sc, int chan_id)
{
	bool asleep = false;
	struct kup_sess *s;

	if (chan_id < 0 || chan_id >= sc->chan_cnt || kup_dev_enter(sc))
		return false;
	rcu_read_lock();
	s = rcu_dereference(sc->chans[chan_id].sess);
	if (s && !refcount_inc_not_zero(&s->ref))
		s = NULL;
	rcu_read_unlock();
	if (s) {
		asleep = READ_ONCE(s->test_poll_armed) &&
			 (kup_read_once(*s->k2u.cons_flags) & KUP_NEED_WAKEUP) &&
			 wq_has_sleeper(&s->uwq);
		kup_sess_put(s);
	}
	kup_dev_leave(sc);
	return asleep;
}
KUP_EXPORT(kup_test_user_sleeps);
#endif
