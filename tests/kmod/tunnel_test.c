// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checks of the /proc/tunnel API, in three steps with user space
 * in between (tests/vm/t_tunnel.sh); each load runs one step and succeeds
 * only if every check of it holds. S is the buffer size; the bytes are the
 * stream of tunnel_pat (tests/vm/tunnel_pat.c), positions given as [a, b).
 *
 *   step 1, both buffers empty: bad arguments, empty reads, and k2u gets
 *	[0, S - 1000), 32 bytes of it written from a timer, an hrtimer, an
 *	irq_work and under a spinlock with interrupts off.
 *	The user reads all of it (k2u's head stops 1000 bytes before the
 *	edge) and writes [0, S - 1000) to u2k.
 *   step 2: k2u gets [S - 1000, 2S - 1000) across the edge, then is full;
 *	u2k gives back [0, S - 1000). The user reads k2u across the edge and
 *	writes [S - 1000, 2S - 1000) to u2k, across its edge.
 *   step 3: u2k gives that back across the edge, the first 32 bytes of it
 *	in the four atomic contexts; both buffers end empty.
 *
 * tunnel_user() and tunnel_avail() are checked after every call.
 */
#include <linux/completion.h>
#include <linux/hardirq.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <kup/tunnel.h>
#include <kup/kup_compat.h>

static int step;
module_param(step, int, 0444);
MODULE_PARM_DESC(step, "which step to run (1, 2, 3)");

static int size = 4096;
module_param(size, int, 0444);
MODULE_PARM_DESC(size, "the tunnel's buffer size in bytes (pages * 4096)");

static int failures;
static char *pat, *got;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		pr_err("tunnel_test: step %d line %d: %s\n", step,	\
		       __LINE__, #cond);				\
		failures++;						\
	}								\
} while (0)

/* k2u holds @used bytes, and the two counts add up to the size. */
#define CHECK_K2U(used) do {						\
	CHECK(tunnel_user() == (used));					\
	CHECK(tunnel_avail() == size - (used));			\
} while (0)

/* Byte @pos of the test stream: 8-byte records "%07X\n" of their number. */
static char pat_byte(unsigned long pos)
{
	if (pos % 8 == 7)
		return '\n';
	return "0123456789ABCDEF"[(pos / 8 >> (4 * (6 - pos % 8))) & 15];
}

static char *pat_at(unsigned long pos, int len)
{
	int i;

	for (i = 0; i < len; i++)
		pat[i] = pat_byte(pos + i);
	return pat;
}

/* tunnel_write() of [pos, pos + len) must take @taken bytes. */
static void put(unsigned long pos, int len, int taken)
{
	int used = tunnel_user();

	CHECK(tunnel_write(pat_at(pos, len), len) == taken);
	CHECK_K2U(used + taken);
}

/* tunnel_read() of @len bytes must give @given of them, from @pos on. */
static void take(unsigned long pos, int len, int given)
{
	int used = tunnel_user();

	CHECK(tunnel_read(got, len) == given);
	CHECK(given <= 0 || !memcmp(got, pat_at(pos, given), given));
	CHECK_K2U(used);
}

/* Drain u2k in @piece-sized reads: [pos, pos + len) and then nothing. */
static void take_all(unsigned long pos, int len, int piece)
{
	int n;

	for (; len > 0; pos += n, len -= n) {
		n = min(piece, len);
		take(pos, n, n);
	}
	take(0, piece, 0);
}

static void check_bad_arguments(void)
{
	char c;
	int used = tunnel_user();

	CHECK(tunnel_read(NULL, 1) == -EINVAL);
	CHECK(tunnel_read(NULL, 0) == -EINVAL);
	CHECK(tunnel_read(&c, -1) == -EINVAL);
	CHECK(tunnel_read(&c, INT_MIN) == -EINVAL);
	CHECK(tunnel_write(NULL, 1) == -EINVAL);
	CHECK(tunnel_write(NULL, 0) == -EINVAL);
	CHECK(tunnel_write(&c, -1) == -EINVAL);
	CHECK(tunnel_write(&c, INT_MIN) == -EINVAL);
	CHECK(tunnel_read(&c, 0) == 0);
	CHECK(tunnel_write(&c, 0) == 0);
	CHECK_K2U(used);
}

/*
 * One call of the API in an atomic context: write @wlen bytes of the stream
 * at @wpos, and read 8 bytes that must be [rpos, rpos + rlen).
 */
struct atomic_call {
	unsigned long wpos, rpos;
	int wlen, rlen;
	struct completion done;
	struct timer_list timer;
	struct hrtimer hrtimer;
	struct irq_work work;
};

static void atomic_body(struct atomic_call *c)
{
	check_bad_arguments();
	put(c->wpos, c->wlen, c->wlen);
	take(c->rpos, 8, c->rlen);
	complete(&c->done);
}

/* On PREEMPT_RT timers and irq_work run in threads: nothing to check there. */
static bool rt(void)
{
	return IS_ENABLED(CONFIG_PREEMPT_RT);
}

static void timer_fn(struct timer_list *t)
{
	struct atomic_call *c = kup_timer_container_of(c, t, timer);

	CHECK(rt() || in_serving_softirq());
	atomic_body(c);
}

static enum hrtimer_restart hrtimer_fn(struct hrtimer *t)
{
	struct atomic_call *c = container_of(t, struct atomic_call, hrtimer);

	CHECK(rt() || in_hardirq());
	atomic_body(c);
	return HRTIMER_NORESTART;
}

static void irq_work_fn(struct irq_work *w)
{
	struct atomic_call *c = container_of(w, struct atomic_call, work);

	CHECK(rt() || in_hardirq());
	atomic_body(c);
}

static void in_atomic_contexts(unsigned long wpos, int wlen,
			       unsigned long rpos, int rlen)
{
	static DEFINE_SPINLOCK(lock);
	struct atomic_call c = { .wlen = wlen, .rlen = rlen };
	unsigned long flags;

	c.wpos = wpos;
	c.rpos = rpos;
	init_completion(&c.done);
	timer_setup_on_stack(&c.timer, timer_fn, 0);
	mod_timer(&c.timer, jiffies + 1);
	wait_for_completion(&c.done);
	kup_timer_delete_sync(&c.timer);
	kup_timer_destroy_on_stack(&c.timer);

	c.wpos += wlen;
	c.rpos += rlen;
	reinit_completion(&c.done);
	kup_hrtimer_setup_on_stack(&c.hrtimer, hrtimer_fn, CLOCK_MONOTONIC,
				   HRTIMER_MODE_REL);
	hrtimer_start(&c.hrtimer, ns_to_ktime(100 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL);
	wait_for_completion(&c.done);
	hrtimer_cancel(&c.hrtimer);
	destroy_hrtimer_on_stack(&c.hrtimer);

	c.wpos += wlen;
	c.rpos += rlen;
	reinit_completion(&c.done);
	init_irq_work(&c.work, irq_work_fn);
	irq_work_queue(&c.work);
	wait_for_completion(&c.done);
	irq_work_sync(&c.work);

	c.wpos += wlen;
	c.rpos += rlen;
	reinit_completion(&c.done);
	spin_lock_irqsave(&lock, flags);
	atomic_body(&c);
	spin_unlock_irqrestore(&lock, flags);
}

static void step1(void)
{
	CHECK_K2U(0);
	check_bad_arguments();
	take(0, 16, 0);			/* u2k is empty */
	put(0, 100, 100);
	in_atomic_contexts(100, 8, 0, 0);
	put(132, size - 1132, size - 1132);
}

static void step2(void)
{
	CHECK_K2U(0);			/* the user read it all */
	put(size - 1000, size + 10, size);
	put(0, 1, 0);			/* full */
	take_all(0, size - 1000, 333);
}

static void step3(void)
{
	CHECK_K2U(0);
	in_atomic_contexts(0, 0, size - 1000, 8);
	take_all(size - 1000 + 32, size - 32, 777);
	CHECK_K2U(0);
}

static int __init tunnel_test_init(void)
{
	pat = kvmalloc(2 * size, GFP_KERNEL);
	got = kvmalloc(2 * size, GFP_KERNEL);
	if (!pat || !got) {
		failures++;
		goto out;
	}
	switch (step) {
	case 1:
		step1();
		break;
	case 2:
		step2();
		break;
	case 3:
		step3();
		break;
	default:
		pr_err("tunnel_test: step=%d, must be 1, 2 or 3\n", step);
		failures++;
	}
out:
	kvfree(pat);
	kvfree(got);
	if (failures)
		return -EINVAL;
	pr_info("tunnel_test: step %d: all checks passed\n", step);
	return 0;
}

static void __exit tunnel_test_exit(void)
{
}

module_init(tunnel_test_init);
module_exit(tunnel_test_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("/proc/tunnel API checks (test only)");
