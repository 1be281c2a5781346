// SPDX-License-Identifier: GPL-2.0
/*
 * Test client of a multi-producer channel (KUPDEV_CREATE_MP): device kup_mp,
 * one channel of @pages, and producers on it at once, without a lock of
 * ours:
 *  - one kernel thread per online CPU, bound to it, blocking: @count
 *    records each, through kupdev_mp_reserve()/kupdev_mp_commit() and
 *    kupdev_send_batch() of two (or kupdev_send_flags() of one) in turn;
 *    every seventh sequence number (seq % 7 == 3) is reserved and then
 *    discarded; thread 0 writes its record SLOW_SEQ over 100 ms, and
 *    last of all discards DISCARD_RUN in a row, alone;
 *  - a hard-irq hrtimer (HRTIMER_MODE_REL_HARD: hard irq on PREEMPT_RT
 *    too) every @period_us, non-blocking: a full ring is a drop, counted.
 * A record: struct mp_rec, then filler bytes that depend on producer, seq
 * and place, 0 to @maxfill of them. When every thread is done, each
 * producer sends its end record (seq ~0). The user (tests/vm/kup_mp.c) checks every
 * record and reads the producers' counts from the "stats" parameter.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <kup/kupdev.h>
#include <kup/kup_compat.h>

static uint count = 20000;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "records per thread");

static uint pages = 1;
module_param(pages, uint, 0444);
MODULE_PARM_DESC(pages, "pages each way (power of two)");

static uint period_us = 100;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "the timer's period");

static uint maxfill = 200;
module_param(maxfill, uint, 0444);
MODULE_PARM_DESC(maxfill, "most filler bytes after a record's header");

#define MP_THREADS	8		/* at most; one per online CPU */
#define MP_IRQ		MP_THREADS	/* the timer's producer id */
#define MP_END		(~0ull)
#define SLOW_SEQ	1001		/* thread 0's slow reservation */

/* What every record starts with; the user side has its twin. */
struct mp_rec {
	u32 producer;
	u32 fill;
	u64 seq;
};

/* One producer's state: only that producer writes it. */
struct mp_prod {
	u64 seq;		/* next sequence number */
	u64 committed;		/* records the user must get */
	u64 drops;		/* full ring, non-blocking */
	u32 rnd;		/* xorshift32 state */
	bool ended;		/* its end record went out */
};

static struct kupdev_softc *sc;
static struct task_struct *threads[MP_THREADS];
static struct mp_prod prods[MP_THREADS + 1];
static unsigned int nthreads;
static atomic_t running;		/* threads not done yet */
static atomic_t timer_started;
static bool stopping;			/* the module is going */
static int sp_refused;			/* kupdev_reserve() said -EINVAL */
static bool quiet;			/* the timer holds off (discard run) */
#define DISCARD_RUN	2000
#define MP_BUF	(sizeof(struct mp_rec) + 256)
static u8 bufs[MP_THREADS][2][MP_BUF];	/* each thread's, for the copies */
static struct hrtimer timer;

/* xorshift32: the filler lengths. */
static u32 mp_next(struct mp_prod *p)
{
	u32 x = p->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return p->rnd = x;
}

static void mp_fill(void *buf, u32 id, u64 seq, u32 fill)
{
	struct mp_rec *r = buf;
	u8 *b = (u8 *)(r + 1);
	u32 i;

	r->producer = id;
	r->fill = fill;
	r->seq = seq;
	for (i = 0; i < fill; i++)
		b[i] = (u8)(seq * 31 + id * 7 + i);
}

static bool mp_discarded(u64 seq)
{
	return seq % 7 == 3;
}

/* Reserve, fill and commit (or, for a discard number, discard) one. */
static int mp_by_reserve(struct mp_prod *p, u32 id, u32 fill)
{
	struct kupdev_rsv r;
	int err = kupdev_mp_reserve(sc, 0, sizeof(struct mp_rec) + fill, 0, &r);

	if (err)
		return err;
	/*
	 * Once, a slow writer: garbage first, the record 100 ms later. A
	 * consumer that read a record before its commit would find it;
	 * meanwhile the other producers' records queue up behind it.
	 */
	if (id == 0 && p->seq == SLOW_SEQ) {
		memset(r.data, 0xee, r.len);
		msleep(100);
	}
	mp_fill(r.data, id, p->seq, fill);
	if (mp_discarded(p->seq)) {
		kupdev_mp_discard(&r);
		p->seq++;
		return 0;
	}
	err = kupdev_mp_commit(&r, 0);
	if (!err) {
		p->seq++;
		p->committed++;
	}
	return err;
}

/* The next one, and the one after it unless that is a discard number. */
static int mp_by_send(struct mp_prod *p, u32 id, u32 fill)
{
	u8 (*b)[MP_BUF] = bufs[id];
	struct kupdev_msg m[2];
	unsigned int n = mp_discarded(p->seq + 1) ? 1 : 2;
	int sent;

	mp_fill(b[0], id, p->seq, fill);
	m[0] = (struct kupdev_msg){ b[0], sizeof(struct mp_rec) + fill };
	if (n == 2) {
		fill = mp_next(p) % (maxfill + 1);
		mp_fill(b[1], id, p->seq + 1, fill);
		m[1] = (struct kupdev_msg){ b[1], sizeof(struct mp_rec) + fill };
		sent = kupdev_send_batch(sc, 0, m, 2, 0);
	} else {
		sent = kupdev_send_flags(sc, 0, m[0].data, m[0].len, 0) ?: 1;
	}
	if (sent < 0)
		return sent;
	p->seq += sent;
	p->committed += sent;
	/* A batch cut short: what went is counted, the rest is an error. */
	return sent == n ? 0 : -EPIPE;
}

/* The end record of producer @id; -EAGAIN from a full ring (NB). */
static int mp_end(u32 id, unsigned int flags)
{
	struct mp_rec r = { .producer = id, .fill = 0, .seq = MP_END };

	return kupdev_send_flags(sc, 0, &r, sizeof(r), flags);
}

/*
 * Thread 0, last of all: DISCARD_RUN records reserved and discarded in a
 * row, the timer quiet, so that the ring fills with nothing but discards.
 * The user must give their room back while it has nothing to receive, or
 * this thread waits for room for good.
 */
static int mp_discard_run(struct mp_prod *p)
{
	struct kupdev_rsv r;
	unsigned int i;
	int err = 0;

	while (atomic_read(&running) > 1 && !kthread_should_stop())
		msleep(10);
	WRITE_ONCE(quiet, true);
	for (i = 0; i < DISCARD_RUN && !err; i++) {
		err = kupdev_mp_reserve(sc, 0, sizeof(struct mp_rec), 0, &r);
		if (!err) {
			mp_fill(r.data, 0, p->seq++, 0);
			kupdev_mp_discard(&r);
		}
	}
	WRITE_ONCE(quiet, false);
	return err;
}

/* A blocking producer, bound to its CPU. */
static int mp_thread(void *arg)
{
	u32 id = (uintptr_t)arg;
	struct mp_prod *p = &prods[id];
	int err;

	err = kupdev_wait_attached(sc, 0);
	/* Once: a start while the callback runs would requeue it under it. */
	if (!err && !READ_ONCE(stopping) && !atomic_xchg(&timer_started, 1))
		hrtimer_start(&timer, ns_to_ktime(period_us * NSEC_PER_USEC), HRTIMER_MODE_REL_HARD);
	while (!err && p->committed < count && !kthread_should_stop()) {
		u32 fill = mp_next(p) % (maxfill + 1);

		if (mp_discarded(p->seq) || p->seq & 1)
			err = mp_by_reserve(p, id, fill);
		else
			err = mp_by_send(p, id, fill);
	}
	if (!err && id == 0)
		err = mp_discard_run(p);
	if (!err && !kthread_should_stop())
		p->ended = !mp_end(id, 0);
	atomic_dec(&running);
	/* kthread_stop() wants us still there. */
	while (!kthread_should_stop())
		msleep(20);
	return 0;
}

/* The timer's producer: non-blocking, a full ring is a drop. */
static enum hrtimer_restart tick(struct hrtimer *t)
{
	struct mp_prod *p = &prods[MP_IRQ];
	struct kupdev_rsv r;
	u32 fill;

	/* The module is going: kupdev_*() may no longer be called. */
	if (READ_ONCE(stopping))
		return HRTIMER_NORESTART;
	if (READ_ONCE(quiet))
		goto again;
	if (!atomic_read(&running)) {
		/* The threads are done: end, retrying while the ring is full. */
		if (!mp_end(MP_IRQ, KUPDEV_NB)) {
			p->ended = true;
			return HRTIMER_NORESTART;
		}
		goto again;
	}
	fill = p->rnd % (maxfill + 1);
	if (kupdev_mp_reserve(sc, 0, sizeof(struct mp_rec) + fill, KUPDEV_NB, &r)) {
		p->drops++;
		goto again;
	}
	mp_next(p);
	mp_fill(r.data, MP_IRQ, p->seq, fill);
	if (!kupdev_mp_commit(&r, 0)) {
		p->seq++;
		p->committed++;
	}
again:
	hrtimer_forward_now(t, ns_to_ktime(period_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/* "stats": threads, then per producer "id:committed", then the drops. */
static int stats_get(char *buf, const struct kernel_param *kp)
{
	int n = scnprintf(buf, PAGE_SIZE, "threads=%u running=%d sp_refused=%d",
			  nthreads, atomic_read(&running), sp_refused);
	unsigned int i;

	for (i = 0; i < nthreads; i++)
		n += scnprintf(buf + n, PAGE_SIZE - n, " p%u=%llu", i,
			       prods[i].committed);
	n += scnprintf(buf + n, PAGE_SIZE - n, " irq=%llu drops=%llu ended=%d\n",
		       prods[MP_IRQ].committed, prods[MP_IRQ].drops,
		       prods[MP_IRQ].ended);
	return n;
}

static const struct kernel_param_ops stats_ops = { .get = stats_get };
module_param_cb(stats, &stats_ops, NULL, 0444);
MODULE_PARM_DESC(stats, "what each producer committed, and the timer's drops");

static int __init kup_test_mp_init(void)
{
	struct kupdev_options o = { .mode = 0600, .flags = KUPDEV_CREATE_MP };
	unsigned int cpu, i;

	if (maxfill > 256)
		return -EINVAL;
	sc = kupdev_create_opts("kup_mp", pages, 1, &o);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	/* A multi-producer channel has no single-producer reservation. */
	sp_refused = PTR_ERR_OR_ZERO(kupdev_reserve(sc, 0, 8, KUPDEV_NB)) == -EINVAL;
	for (i = 0; i <= MP_IRQ; i++)
		prods[i].rnd = 2463534242u + i;
	kup_hrtimer_setup(&timer, tick, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	for_each_online_cpu(cpu) {
		if (nthreads == MP_THREADS)
			break;
		threads[nthreads] = kthread_create(mp_thread,
						   (void *)(uintptr_t)nthreads,
						   "kup_mp/%u", cpu);
		if (IS_ERR(threads[nthreads]))
			break;
		kthread_bind(threads[nthreads], cpu);
		nthreads++;
	}
	atomic_set(&running, nthreads);
	for (i = 0; i < nthreads; i++)
		wake_up_process(threads[i]);
	kupdev_notify(sc);
	return 0;
}

/*
 * No call after kupdev_unload() has returned: the threads are stopped
 * first (kthread_stop() wakes one blocked in a KUP call), then the timer,
 * which stopping keeps from calling anything more.
 */
static void __exit kup_test_mp_exit(void)
{
	unsigned int i;

	WRITE_ONCE(stopping, true);
	for (i = 0; i < nthreads; i++)
		kthread_stop(threads[i]);
	hrtimer_cancel(&timer);
	kupdev_unload(sc);
}

module_init(kup_test_mp_init);
module_exit(kup_test_mp_exit);
MODULE_DESCRIPTION("KUP multi-producer channel test client (test only)");
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
