// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libkup channels: attach, the data path over the shared rings, and the
 * sleeps behind the blocking calls.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kup_lib.h"

#define KUP_DEFAULT_SPIN	2000

static void kup_tx_flush(struct kup_chan_handle *c);

/* Offsets come from the kernel; check them before trusting them. */
static bool kup_off_ok(kup_u32 off, size_t size, size_t page)
{
	return off % size == 0 && off + size <= page;
}

static int kup_layout_check(const struct kup_layout *l, size_t ro, size_t rw)
{
	size_t pg = l->page_size;

	if (l->magic != KUP_MAGIC ||
	    (l->version != KUP_ABI_VERSION && l->version != KUP_ABI_VERSION_MP))
		return EPROTO;
	if (l->ro_size != ro || l->rw_size != rw || l->data_offset != pg ||
	    pg + 2 * l->data_size != ro || pg + 2 * l->data_size != rw ||
	    l->data_size & (l->data_size - 1) ||
	    l->max_msg + sizeof(struct kup_rec_hdr) != l->data_size)
		return EPROTO;
	if (!kup_off_ok(l->off_status, 4, pg) ||
	    !kup_off_ok(l->off_k2u_prod, 8, pg) ||
	    !kup_off_ok(l->off_k2u_prod_flags, 4, pg) ||
	    !kup_off_ok(l->off_u2k_cons, 8, pg) ||
	    !kup_off_ok(l->off_u2k_cons_flags, 4, pg) ||
	    !kup_off_ok(l->off_u2k_prod, 8, pg) ||
	    !kup_off_ok(l->off_u2k_prod_flags, 4, pg) ||
	    !kup_off_ok(l->off_u2k_want, 4, pg) ||
	    !kup_off_ok(l->off_k2u_cons, 8, pg) ||
	    !kup_off_ok(l->off_k2u_cons_flags, 4, pg) ||
	    (l->off_k2u_seen && !kup_off_ok(l->off_k2u_seen, 8, pg)))
		return EPROTO;
	return 0;
}

static void *kup_at(void *base, kup_u32 off)
{
	return (char *)base + off;
}

static void kup_rings_setup(struct kup_chan_handle *c)
{
	const struct kup_layout *l = c->ro;

	c->status = kup_at(c->ro, l->off_status);
	c->want = kup_at(c->rw, l->off_u2k_want);
	c->seen = l->off_k2u_seen ? kup_at(c->rw, l->off_k2u_seen) :
				    &c->seen_local;
	c->tx.prod = kup_at(c->rw, l->off_u2k_prod);
	c->tx.prod_flags = kup_at(c->rw, l->off_u2k_prod_flags);
	c->tx.cons = kup_at(c->ro, l->off_u2k_cons);
	c->tx.cons_flags = kup_at(c->ro, l->off_u2k_cons_flags);
	c->tx.data = kup_at(c->rw, l->data_offset);
	c->rx.prod = kup_at(c->ro, l->off_k2u_prod);
	c->rx.prod_flags = kup_at(c->ro, l->off_k2u_prod_flags);
	c->rx.cons = kup_at(c->rw, l->off_k2u_cons);
	c->rx.cons_flags = kup_at(c->rw, l->off_k2u_cons_flags);
	c->rx.data = kup_at(c->ro, l->data_offset);
	c->tx.size = c->rx.size = l->data_size;
	c->tx.max_msg = c->rx.max_msg = l->max_msg;
	/* Records from a multi-producer kernel side may be BUSY or DISCARDed. */
	c->rx.mp = l->version == KUP_ABI_VERSION_MP;
}

static int kup_chan_map(struct kup_chan_handle *c, const struct kup_attach *a)
{
	c->ro_len = a->ro_size;
	c->rw_len = a->rw_size;
	c->ro = mmap(NULL, c->ro_len, PROT_READ, MAP_SHARED, c->fd, 0);
	if (c->ro == MAP_FAILED) {
		c->ro = NULL;
		return errno;
	}
	c->rw = mmap(NULL, c->rw_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     c->fd, a->rw_offset);
	if (c->rw == MAP_FAILED) {
		c->rw = NULL;
		return errno;
	}
	return kup_layout_check(c->ro, c->ro_len, c->rw_len);
}

/*
 * A channel over two regions laid out as kup.ko lays out a channel's (its
 * struct kup_layout at the start of @ro), without a device or an fd, for
 * the host benchmarks that play kup.ko in user space: they measure this
 * library's own code on memory it reads exactly as it reads a channel's.
 * Nothing can wake it, so it never sleeps: it spins. Freed with free();
 * the regions stay the caller's. NULL with errno (EPROTO: a bad layout).
 */
struct kup_chan_handle *kup_chan_over(void *ro, size_t ro_len, void *rw,
				      size_t rw_len)
{
	struct kup_chan_handle *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return NULL;
	c->hdr.kind = KUP_KIND_CHAN;
	c->hdr.forks = kup_forks;
	c->fd = -1;
	c->spin = UINT_MAX;
	c->ro = ro;
	c->rw = rw;
	err = kup_layout_check(ro, ro_len, rw_len);
	if (err) {
		free(c);
		errno = err;
		return NULL;
	}
	kup_rings_setup(c);
	return c;
}

void kup_chan_free(struct kup_chan_handle *c)
{
	/* A stale pointer used after this must not pass kup_is_chan(). */
	c->hdr.kind = 0;
	if (c->ro)
		munmap(c->ro, c->ro_len);
	if (c->rw)
		munmap(c->rw, c->rw_len);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

/*
 * KUP_IOC_ATTACH saying we read multi-producer records; a kup.ko from
 * before them knows only KUP_ABI_VERSION, and says EINVAL to the newer.
 */
static int kup_attach_ioctl(int fd, struct kup_attach *a)
{
	if (!ioctl(fd, KUP_IOC_ATTACH, a))
		return 0;
	if (errno != EINVAL)
		return -1;
	a->abi_version = KUP_ABI_VERSION;
	return ioctl(fd, KUP_IOC_ATTACH, a);
}

/**
 * kernproxy_channel_opts() - attach to a channel of a device
 * @handle: from kernproxy_open()
 * @chan_id: channel number
 * @size: the device's pages per direction (must match)
 * @opts: NULL for defaults
 *
 * Waits until the kernel side has called kupdev_notify() unless
 * KP_ATTACH_NOWAIT. Return: a channel, or NULL with EBUSY (attached by
 * someone else), EINVAL (bad id or size), EAGAIN, EINTR, EPIPE (device
 * unloaded), ENOMEM, EPROTO (unknown layout).
 */
KUP_API void *kernproxy_channel_opts(void *handle, size_t chan_id, size_t size,
				     const struct kernproxy_chan_opts *opts)
{
	struct kup_handle *h = handle;
	struct kup_attach a = { .abi_version = KUP_ABI_VERSION_MP };
	struct kup_chan_handle *c;
	int err;

	if (!kup_is_dev(h)) {
		kup_bad_handle(h);
		return NULL;
	}
	if (chan_id > UINT32_MAX || size > UINT32_MAX ||
	    (opts && (opts->flags & ~KP_ATTACH_NOWAIT))) {
		kup_fail(h, EINVAL);
		return NULL;
	}
	a.chan_id = chan_id;
	a.pages = size;
	a.flags = opts && (opts->flags & KP_ATTACH_NOWAIT) ? KUP_ATTACH_NOWAIT : 0;
	if (kup_attach_ioctl(h->fd, &a) < 0) {
		kup_fail(h, errno);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(a.fd);
		kup_fail(h, ENOMEM);
		return NULL;
	}
	c->hdr.kind = KUP_KIND_CHAN;
	c->hdr.forks = kup_forks;
	c->fd = a.fd;
	c->dev = h;
	c->chan_id = chan_id;
	c->spin = opts && opts->spin ? opts->spin : KUP_DEFAULT_SPIN;
	err = kup_chan_map(c, &a);
	if (err) {
		kup_chan_free(c);
		kup_fail(h, err);
		return NULL;
	}
	kup_rings_setup(c);
	pthread_mutex_lock(&h->lock);
	c->next = h->chans;
	h->chans = c;
	pthread_mutex_unlock(&h->lock);
	return c;
}

/**
 * kernproxy_channel() - attach to a channel (see kernproxy_channel_opts())
 */
KUP_API void *kernproxy_channel(void *handle, size_t chan_id, size_t size)
{
	return kernproxy_channel_opts(handle, chan_id, size, NULL);
}

/**
 * kernproxy_detach() - leave a channel; another process may attach it then
 * @chan: the channel; NULL or another kind of handle: EINVAL, nothing done
 */
KUP_API void kernproxy_detach(void *chan)
{
	struct kup_chan_handle *c = chan, **pp;
	bool inherited = kup_inherited(c ? &c->hdr : NULL, KUP_KIND_CHAN);

	if (!kup_is_chan(c) && !inherited) {
		kup_bad_handle(c);
		return;
	}
	/*
	 * Inherited across fork(): none of its mappings are ours, and the
	 * device's lock may have been held by a thread of the parent; our
	 * copies of its fd and memory go, nothing else is touched.
	 */
	if (inherited)
		c->ro = c->rw = NULL;
	else
		/* The fd may live on elsewhere (dup, fork): end a burst first. */
		kup_tx_flush(c);
	if (!inherited)
		pthread_mutex_lock(&c->dev->lock);
	for (pp = &c->dev->chans; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (!inherited)
		pthread_mutex_unlock(&c->dev->lock);
	kup_chan_free(c);
}

/*
 * Every call below takes a channel handle: NULL, a device handle or a
 * detached channel fails with EINVAL (recorded on what was passed, if it
 * is a live handle) instead of crashing. The calls that return a size
 * return 0 then, the void ones just set the error.
 */
KUP_API int kernproxy_fd(void *chan)
{
	struct kup_chan_handle *c = chan;

	return kup_is_chan(c) ? c->fd : kup_bad_handle(c);
}

KUP_API size_t kernproxy_max_msg(void *chan)
{
	struct kup_chan_handle *c = chan;

	if (!kup_is_chan(c)) {
		kup_bad_handle(c);
		return 0;
	}
	return c->tx.max_msg;
}

KUP_API size_t kernproxy_msg_len(void *chan)
{
	struct kup_chan_handle *c = chan;

	if (!kup_is_chan(c)) {
		kup_bad_handle(c);
		return 0;
	}
	return c->last_len;
}

/* The channel is over (EPIPE) or broken (EPROTO); 0 while it works. */
static int kup_chan_state(const struct kup_chan_handle *c)
{
	kup_u32 st = kup_load_acquire(c->status);

	if (st & KUP_ST_BROKEN)
		return EPROTO;
	return st & KUP_ST_DETACHED ? EPIPE : 0;
}

/*
 * Sleep in poll() until the kernel may have changed something. The caller
 * announced its sleep (NEED_WAKEUP + full barrier) and rechecked first.
 */
static int kup_chan_sleep(struct kup_chan_handle *c, short events)
{
	struct pollfd p = { .fd = c->fd, .events = events };

	if (poll(&p, 1, -1) < 0)
		return errno;
	return 0;
}

static void kup_wake_kernel(struct kup_chan_handle *c)
{
	ioctl(c->fd, KUP_IOC_WAKE);
}

/*
 * The wake-up check for records committed with KP_MORE, once for the
 * burst: kup_prod_must_wake()'s barrier comes after every one of them.
 */
static void kup_tx_flush(struct kup_chan_handle *c)
{
	if (!c->unflushed)
		return;
	c->unflushed = false;
	if (kup_prod_must_wake(&c->tx))
		kup_wake_kernel(c);
}

/* Publish what a batch staged; its wake-up check waits for the burst's end. */
static void kup_tx_publish(struct kup_chan_handle *c)
{
	kup_prod_publish(&c->tx, &c->txp);
	c->unflushed = true;
}

/**
 * kernproxy_flush() - end a burst sent with KP_MORE
 * @chan: channel
 *
 * Wakes the kernel side if it sleeps waiting for what was sent since the
 * last check. Return: 0, or -1 with EINVAL if @chan is not a channel.
 */
KUP_API int kernproxy_flush(void *chan)
{
	if (!kup_is_chan(chan))
		return kup_bad_handle(chan);
	kup_tx_flush(chan);
	return 0;
}

/* Wait for a record; 0 with *msg and *len set, or an errno value. */
static void kup_rx_release(struct kup_chan_handle *c);

/*
 * Tell poll() where our reading is: past the records we hold, which the
 * published consumer position still covers, so that a poll (ours before a
 * sleep, or the caller's own) waits for what comes after them instead of
 * reporting them again. Its own cache line, which the kernel reads only in
 * poll: a plain store per receive.
 */
static void kup_rx_seen(struct kup_chan_handle *c)
{
	kup_write_once(*c->seen, c->rxc.pos);
}

static int kup_rx_wait(struct kup_chan_handle *c, void **msg, kup_u64 *len,
		       int flags)
{
	unsigned int spins = 0;
	int err;

	for (;;) {
		err = kup_cons_peek(&c->rx, &c->rxc, msg, len);
		if (kup_likely(err == 0))
			return 0;
		if (err != -EAGAIN)
			return -err;
		/*
		 * A multi-producer ring's discarded records were stepped over:
		 * with nothing held, their room goes back now, or a ring full
		 * of them would leave the kernel's producers waiting for
		 * room while we wait for a record.
		 */
		if (!c->rx_held)
			kup_rx_release(c);
		/*
		 * What the kernel sent before it left is still delivered: it
		 * may have committed a last record between the peek above
		 * and the detach. The status load is an acquire and the
		 * kernel sets the bit with a fully ordered cmpxchg(), so one
		 * more peek sees every record committed before that, by the
		 * thread that detached or any it synchronized with (a
		 * kernel sender racing with unload on another CPU may still
		 * commit after it: that record is not delivered).
		 */
		err = kup_chan_state(c);
		if (err == EPIPE && !kup_cons_peek(&c->rx, &c->rxc, msg, len))
			return 0;
		if (err)
			return err;
		/* Waiting for the kernel: it must have heard of our burst. */
		kup_tx_flush(c);
		if (flags & KP_NB)
			return EAGAIN;
		if (kup_spin_again(&spins, c->spin))
			continue;
		/* Before the barrier of the flag: the kernel's poll reads it. */
		kup_rx_seen(c);
		err = kup_cons_prepare_sleep(&c->rx, &c->rxc) ? 0 :
		      kup_chan_sleep(c, POLLIN);
		kup_end_sleep(c->rx.cons_flags);
		if (err)
			return err;
	}
}

static void kup_rx_release(struct kup_chan_handle *c)
{
	c->rx_held = false;
	if (c->rxc.pub == c->rxc.pos)
		return;
	kup_cons_publish(&c->rx, &c->rxc);
	if (kup_cons_must_wake(&c->rx))
		kup_wake_kernel(c);
}

KUP_API void kernproxy_release(void *chan)
{
	if (!kup_is_chan(chan)) {
		kup_bad_handle(chan);
		return;
	}
	kup_rx_release(chan);
}

/*
 * A receive's handle and flags: a channel, and no flag but KP_NB (the
 * others are refused, so that one a later library gives a meaning is not
 * silently ignored by this one). False with EINVAL recorded otherwise.
 */
static inline bool kup_rx_args_ok(struct kup_chan_handle *c, int flags)
{
	if (kup_likely(kup_is_chan(c)) && kup_likely(!(flags & ~KP_NB)))
		return true;
	if (kup_is_chan(c))
		kup_fail(c, EINVAL);
	else
		kup_bad_handle(c);
	return false;
}

/*
 * The next message, keeping earlier ones held; the arguments are checked.
 * The fast path inline, a record there at once; kup_rx_wait(), which
 * looks again, stays out of line for the rest.
 */
static inline void *kup_peek(struct kup_chan_handle *c, size_t *len, int flags)
{
	kup_u64 l;
	void *msg;
	int err = kup_cons_peek(&c->rx, &c->rxc, &msg, &l);

	if (kup_unlikely(err))
		err = kup_rx_wait(c, &msg, &l, flags);
	if (kup_unlikely(err)) {
		kup_fail(c, err);
		return NULL;
	}
	kup_cons_advance(&c->rxc, l);
	kup_rx_seen(c);
	c->rx_held = true;
	c->last_len = l;
	if (len)
		*len = l;
	return msg;
}

KUP_API void *kernproxy_peek(void *chan, size_t *len, int flags)
{
	if (!kup_rx_args_ok(chan, flags))
		return NULL;
	return kup_peek(chan, len, flags);
}

/* Release what was received, then the next message. */
static inline void *kup_receive(struct kup_chan_handle *c, size_t *len,
				int flags)
{
	if (!kup_rx_args_ok(c, flags))
		return NULL;
	kup_rx_release(c);
	return kup_peek(c, len, flags);
}

KUP_API void *kernproxy_receive_len(void *chan, size_t *len, int flags)
{
	return kup_receive(chan, len, flags);
}

KUP_API void *kernproxy_receive(void *chan, int flags)
{
	return kup_receive(chan, NULL, flags);
}

KUP_API int kernproxy_receive_batch(void *chan, struct kernproxy_msg *msgs,
				    int max, int flags)
{
	struct kup_chan_handle *c = chan;
	int n = 0;

	if (!kup_rx_args_ok(c, flags))
		return -1;
	if (max <= 0 || !msgs)
		return kup_fail(c, EINVAL);
	kup_rx_release(c);
	msgs[0].data = kup_peek(c, &msgs[0].len, flags);
	if (!msgs[0].data)
		return -1;
	for (n = 1; n < max; n++) {
		kup_u64 l;

		if (kup_cons_peek(&c->rx, &c->rxc, &msgs[n].data, &l))
			break;
		kup_cons_advance(&c->rxc, l);
		msgs[n].len = l;
		c->last_len = l;
	}
	kup_rx_seen(c);
	return n;
}

/* Wait for room; 0 with *buf set, or an errno value. */
static int kup_tx_wait(struct kup_chan_handle *c, size_t len, void **buf,
		       int flags)
{
	unsigned int spins = 0;
	int err;

	for (;;) {
		err = kup_chan_state(c);
		if (kup_unlikely(err))
			return err;
		err = kup_prod_reserve(&c->tx, &c->txp, len, buf);
		if (kup_likely(err == 0))
			return 0;
		if (err != -EAGAIN)
			return -err;
		/* The ring is full: the kernel must hear of what is in it. */
		kup_tx_flush(c);
		if (flags & KP_NB)
			return EAGAIN;
		if (kup_spin_again(&spins, c->spin))
			continue;
		kup_write_once(*c->want, (kup_u32)len);
		/* Room may have appeared since the reserve: then just retry. */
		err = kup_prod_prepare_sleep(&c->tx, &c->txp, len) ? 0 :
		      kup_chan_sleep(c, POLLOUT);
		kup_end_sleep(c->tx.prod_flags);
		if (err)
			return err;
	}
}

/* kernproxy_reserve() on a channel handle. */
static inline void *kup_reserve(struct kup_chan_handle *c, size_t len,
				int flags)
{
	void *buf;
	int err;

	if (kup_unlikely(c->reserved)) {
		if (!(flags & KP_MORE))
			kup_tx_flush(c);
		kup_fail(c, EBUSY);
		return NULL;
	}
	/*
	 * The fast path inline: room at once on a running channel. Only
	 * the rest goes through kup_tx_wait(), which two callers share and
	 * the compiler therefore keeps out of line (a call and its frame
	 * were a third of a 64-byte send).
	 */
	err = kup_likely(!kup_chan_state(c)) &&
	      kup_likely(!kup_prod_reserve(&c->tx, &c->txp, len, &buf)) ? 0 :
	      kup_tx_wait(c, len, &buf, flags);
	if (kup_unlikely(err)) {
		/* A failed reserve without KP_MORE ends a burst all the same. */
		if (!(flags & KP_MORE))
			kup_tx_flush(c);
		kup_fail(c, err);
		return NULL;
	}
	c->reserved = true;
	c->tx_more = flags & KP_MORE;
	return buf;
}

KUP_API void *kernproxy_reserve(void *chan, size_t len, int flags)
{
	if (!kup_is_chan(chan)) {
		kup_bad_handle(chan);
		return NULL;
	}
	return kup_reserve(chan, len, flags);
}

/*
 * A commit that found the channel over or broken since its reserve: the
 * record is dropped (nobody would read it; the next reserve takes its
 * room again), and the caller told, as the reserve would have told it.
 * Out of line, so that the fast path keeps no frame for it.
 */
static __attribute__((noinline, cold)) int
kup_commit_dead(struct kup_chan_handle *c)
{
	/* A failed commit without KP_MORE ends a burst all the same. */
	if (!c->tx_more)
		kup_tx_flush(c);
	return kup_fail(c, kup_chan_state(c));
}

/* kernproxy_commit() on a channel handle. */
static inline int kup_commit(struct kup_chan_handle *c)
{
	if (kup_unlikely(!c->reserved))
		return kup_fail(c, EINVAL);
	c->reserved = false;
	/*
	 * One load: a commit racing with the unload may still succeed and
	 * its record go unread; one after it fails.
	 */
	if (kup_unlikely(kup_load_acquire(c->status) &
			 (KUP_ST_BROKEN | KUP_ST_DETACHED)))
		return kup_commit_dead(c);
	kup_prod_commit(&c->tx, &c->txp);
	if (c->tx_more) {
		c->unflushed = true;
		return 0;
	}
	/* This check covers the earlier KP_MORE records too. */
	c->unflushed = false;
	if (kup_prod_must_wake(&c->tx))
		kup_wake_kernel(c);
	return 0;
}

KUP_API int kernproxy_commit(void *chan)
{
	if (!kup_is_chan(chan))
		return kup_bad_handle(chan);
	return kup_commit(chan);
}

/* One check of the handle, then a reserve and a commit without theirs. */
KUP_API int kernproxy_send(void *chan, void *data, size_t len, int flags)
{
	struct kup_chan_handle *c = chan;
	void *buf;

	if (!kup_is_chan(c))
		return kup_bad_handle(c);
	buf = kup_reserve(c, len, flags);
	if (kup_unlikely(!buf))
		return -1;
	memcpy(buf, data, len);
	return kup_commit(c);
}

/**
 * kernproxy_send_batch() - send up to @n messages, one wake-up check
 * @chan: channel
 * @msgs: the messages, in order
 * @n: how many
 * @flags: KP_NB: stop at the first that does not fit; KP_MORE: the burst
 *	goes on after this call
 *
 * Return: how many were sent, from the first on (fewer than @n when an
 * error or, with KP_NB, a full ring stopped the batch; the next call
 * reports it), 0 for @n 0, or -1 with the error if none was sent.
 */
KUP_API int kernproxy_send_batch(void *chan, const struct kernproxy_msg *msgs,
				 int n, int flags)
{
	struct kup_chan_handle *c = chan;
	int i, staged = 0, err;
	void *buf;

	if (!kup_is_chan(c))
		return kup_bad_handle(c);
	/* An open reservation owns the producer position. */
	err = n < 0 || (n && !msgs) ? EINVAL : c->reserved && n ? EBUSY : 0;
	if (kup_unlikely(err)) {
		if (!(flags & KP_MORE))
			kup_tx_flush(c);
		return kup_fail(c, err);
	}
	for (i = 0; i < n; i++) {
		/*
		 * The first waits as flags say; the others first try at
		 * once, unless the kernel side is gone or broke the channel.
		 */
		if (!i || kup_chan_state(c) ||
		    kup_prod_reserve(&c->tx, &c->txp, msgs[i].len, &buf)) {
			/* What is staged takes room: publish it before a wait. */
			if (staged)
				kup_tx_publish(c);
			staged = 0;
			err = kup_tx_wait(c, msgs[i].len, &buf, flags);
			if (kup_unlikely(err)) {
				kup_fail(c, err);
				break;
			}
		}
		memcpy(buf, msgs[i].data, msgs[i].len);
		kup_prod_stage(&c->tx, &c->txp);
		staged = 1;
	}
	if (staged)
		kup_tx_publish(c);
	if (!(flags & KP_MORE))
		kup_tx_flush(c);
	return i ? i : n ? -1 : 0;
}

KUP_API int kernproxy_stats(void *chan, struct kernproxy_stats *st)
{
	struct kup_chan_handle *c = chan;
	struct kup_stats k;

	if (!kup_is_chan(c))
		return kup_bad_handle(c);
	if (!st)
		return kup_fail(c, EINVAL);
	if (ioctl(c->fd, KUP_IOC_STATS, &k) < 0)
		return kup_fail(c, errno);
	st->k2u_msgs = k.k2u_msgs;
	st->k2u_bytes = k.k2u_bytes;
	st->u2k_msgs = k.u2k_msgs;
	st->u2k_bytes = k.u2k_bytes;
	st->wakeups_sent = k.wakeups_sent;
	st->wakeups_recv = k.wakeups_recv;
	st->full_waits = k.full_waits;
	st->empty_waits = k.empty_waits;
	st->proto_errors = k.proto_errors;
	st->attaches = k.attaches;
	return 0;
}
