// SPDX-License-Identifier: GPL-2.0
/*
 * tunnel_echo: sends every byte written to /proc/tunnel back to its
 * readers, with the ASCII letters a-z upper-cased (as tr a-z A-Z would).
 *
 * A tunnel client learns of new bytes only by looking, so the echo looks
 * from a work item, kicked two ways:
 *  - an hrtimer every period_us microseconds: enough on its own, and what a
 *    client of the four seed functions does;
 *  - tunnel_set_notify() (extended API, notify=1): user space's read() and
 *    write() kick it at once, so a stream need not wait for the timer.
 *
 * It takes no more than fits on the way back (tunnel_avail()), so slow
 * readers stall the echo instead of losing bytes; should another kernel
 * writer take that room first, the rest is held and written next time.
 */
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/workqueue.h>
#include <kup/tunnel.h>
#include <kup/kup_compat.h>

static bool notify = true;
module_param(notify, bool, 0444);
MODULE_PARM_DESC(notify, "run at once on user reads and writes");

static uint period_us = 1000;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "look every period_us microseconds (0: never)");

static struct work_struct echo_work;
static struct hrtimer echo_timer;

/* Only echo_work touches these, and a work item never runs twice at once. */
static char echo_buf[PAGE_SIZE];
static int echo_off, echo_len;		/* taken, not yet written back */
static unsigned long echo_total;

static void echo_upcase(char *p, int n)
{
	for (; n > 0; n--, p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 'a' - 'A';
}

/* Write back what is held; true when nothing is held any more. */
static bool echo_flush(void)
{
	int n;

	if (!echo_len)
		return true;
	n = tunnel_write(echo_buf + echo_off, echo_len);
	if (n > 0) {
		echo_off += n;
		echo_len -= n;
		echo_total += n;
	}
	return !echo_len;
}

static void echo_pump(struct work_struct *work)
{
	int n;

	while (echo_flush()) {
		n = min_t(int, tunnel_avail(), sizeof(echo_buf));
		if (n <= 0)
			break;
		n = tunnel_read(echo_buf, n);
		if (n <= 0)
			break;
		echo_upcase(echo_buf, n);
		echo_off = 0;
		echo_len = n;
		cond_resched();
	}
}

/* tunnel_notify_t: in the user's read() or write(), must not sleep. */
static void echo_kick(void)
{
	queue_work(system_unbound_wq, &echo_work);
}

static ktime_t echo_period(void)
{
	return ns_to_ktime((u64)period_us * NSEC_PER_USEC);
}

static enum hrtimer_restart echo_tick(struct hrtimer *timer)
{
	queue_work(system_unbound_wq, &echo_work);
	hrtimer_forward_now(timer, echo_period());
	return HRTIMER_RESTART;
}

static int __init tunnel_echo_init(void)
{
	int err;

	if (!notify && !period_us)
		return -EINVAL;		/* nothing would ever run the echo */
	INIT_WORK(&echo_work, echo_pump);
	if (notify) {
		err = tunnel_set_notify(echo_kick);
		if (err)
			return err;
	}
	if (period_us) {
		kup_hrtimer_setup(&echo_timer, echo_tick, CLOCK_MONOTONIC,
				  HRTIMER_MODE_REL);
		hrtimer_start(&echo_timer, echo_period(), HRTIMER_MODE_REL);
	}
	/* Bytes written before we came are waiting already. */
	queue_work(system_unbound_wq, &echo_work);
	return 0;
}

static void __exit tunnel_echo_exit(void)
{
	/* Stop the kicks first, then the work they queue. */
	if (notify)
		tunnel_set_notify(NULL);
	if (period_us)
		hrtimer_cancel(&echo_timer);
	cancel_work_sync(&echo_work);
	pr_info("tunnel_echo: echoed %lu bytes, dropped %d held at unload\n",
		echo_total, echo_len);
}

module_init(tunnel_echo_init);
module_exit(tunnel_echo_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("/proc/tunnel client: echoes user bytes back, upper-cased");
