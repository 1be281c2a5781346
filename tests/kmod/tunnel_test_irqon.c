// SPDX-License-Identifier: GPL-2.0
/*
 * Test client: a big tunnel_write() must not keep interrupts off while it
 * copies. A kernel thread on CPU 0 writes the whole k2u buffer (load
 * kup_tunnel with pages=1024: 4 MiB) in one call, while an hrtimer pinned
 * to CPU 0 ticks every 50 us and counts its ticks during the call. With
 * interrupts off for the copy, only the interrupt held back comes, as they
 * come on again: a few ticks at most (the hrtimer interrupt runs late
 * timers again a few times before it gives up); with them on, the copy
 * (milliseconds under emulation) sees about one per 50 us. Logs
 * "tunnel_test_irqon: N timer ticks during a B-byte tunnel_write() of U us,
 * T taken"; the bytes stay for user space to read: the stream of
 * tests/vm/tunnel_pat.c (8-byte records "%07X\n" of their own number), so
 * that "tunnel_pat check 0 T" verifies them.
 */
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <kup/tunnel.h>
#include <kup/kup_compat.h>

static struct hrtimer timer;
static bool writing;
static unsigned int ticks;

static enum hrtimer_restart tick(struct hrtimer *t)
{
	if (READ_ONCE(writing))
		ticks++;
	hrtimer_forward_now(t, ns_to_ktime(50 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int writer(void *arg)
{
	int i, len = tunnel_avail() & ~7, taken;
	ktime_t start;
	s64 us;
	char *buf = vmalloc(len + 1);	/* + the last record's NUL */

	if (!buf)
		kthread_complete_and_exit(arg, 0);
	for (i = 0; i < len / 8; i++)
		snprintf(buf + 8 * i, 9, "%07X\n", i);
	kup_hrtimer_setup(&timer, tick, CLOCK_MONOTONIC,
			  HRTIMER_MODE_REL_PINNED_HARD);
	hrtimer_start(&timer, ns_to_ktime(50 * NSEC_PER_USEC), HRTIMER_MODE_REL_PINNED_HARD);
	start = ktime_get();
	WRITE_ONCE(writing, true);
	taken = tunnel_write(buf, len);
	WRITE_ONCE(writing, false);
	us = ktime_us_delta(ktime_get(), start);
	hrtimer_cancel(&timer);
	pr_info("tunnel_test_irqon: %u timer ticks during a %d-byte tunnel_write() of %lld us, %d taken\n",
		ticks, len, us, taken);
	vfree(buf);
	kthread_complete_and_exit(arg, 0);
}

static int __init tunnel_test_irqon_init(void)
{
	DECLARE_COMPLETION_ONSTACK(done);
	struct task_struct *t = kthread_create(writer, &done, "tunnel_irqon");

	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, 0);
	wake_up_process(t);
	wait_for_completion(&done);
	return 0;
}

static void __exit tunnel_test_irqon_exit(void)
{
}

module_init(tunnel_test_irqon_init);
module_exit(tunnel_test_irqon_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("tunnel_write() with interrupts on test client (test only)");
