// SPDX-License-Identifier: GPL-2.0
/*
 * Test client: a tunnel_write() must be readable when it returns, though a
 * lower-priority kernel writer on the same CPU is in the middle of its own.
 * The bytes of concurrent writers are published by the last one out, so a
 * writer preempted between its reservation and its publication held back
 * everybody's: on PREEMPT_RT, where the copy was preemptible with the lock
 * dropped, a SCHED_FIFO writer that preempted a nice-19 one mid-copy saw
 * its own bytes stay unpublished for as long as it kept the CPU.
 *
 * Load kup_tunnel with pages=1024 (an empty 4 MiB buffer). Two kernel
 * threads bound to CPU 0: "low" (nice 19) writes all but the last page in
 * one call; "high" (SCHED_FIFO), started first, looks every 50-100 us
 * until it finds low either in the middle of that call (tunnel_user() 0,
 * tunnel_avail() short of the size: reserved, not published) or done;
 * then it writes 8 bytes, checks at once whether tunnel_user() counts
 * them, and again after 100 ms more on the CPU. Logs
 *   "tunnel_test_prio: a SCHED_FIFO writer's 8 bytes, visible when its
 *   tunnel_write() returned: yes|no (user bytes U0 -> U1, U2 after 100 ms
 *   more); the nice-19 writer of B bytes on its CPU was in the middle of
 *   its copy|done"
 * The bytes stay for user space: the stream of tests/vm/tunnel_pat.c
 * (8-byte records "%07X\n" of their own number), low's first and high's
 * record after them, so that "tunnel_pat check 0 B+8" verifies both.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/vmalloc.h>
#include <kup/tunnel.h>

#define SIZE	(TUNNEL_MAX_PAGES * 4096)
#define LOW_LEN	(SIZE - 4096)

static DECLARE_COMPLETION(high_looking);
static DECLARE_COMPLETION(low_done);
static DECLARE_COMPLETION(high_done);
static char *low_buf;
static bool low_wrote;

static int low(void *arg)
{
	wait_for_completion(&high_looking);
	WRITE_ONCE(low_wrote, tunnel_write(low_buf, LOW_LEN) == LOW_LEN);
	kthread_complete_and_exit(&low_done, 0);
}

static int high(void *arg)
{
	char rec[9];
	bool caught = false, at_once;
	int i, used, u0, u1, u2, w;

	complete(&high_looking);
	/* 10 s at least; low's copy takes milliseconds, even emulated. */
	for (i = 0; i < 100000; i++) {
		used = tunnel_user();
		if (used == LOW_LEN)
			break;			/* low is done */
		/*
		 * Reserved, not published: room short, nothing readable, and
		 * still nothing after the look at the room (which may have
		 * waited for low's copy, where the copy holds the lock).
		 */
		if (!used && tunnel_avail() < SIZE && !tunnel_user()) {
			caught = true;
			break;
		}
		usleep_range(50, 100);
	}
	snprintf(rec, sizeof(rec), "%07X\n", LOW_LEN / 8);
	u0 = tunnel_user();
	w = tunnel_write(rec, 8);
	u1 = tunnel_user();
	at_once = w == 8 && u1 == u0 + 8;
	/* Still on the CPU: does anything publish them meanwhile? */
	mdelay(100);
	u2 = tunnel_user();
	pr_info("tunnel_test_prio: a SCHED_FIFO writer's 8 bytes, visible when its tunnel_write() returned: %s (user bytes %d -> %d, %d after 100 ms more); the nice-19 writer of %d bytes on its CPU was %s\n",
		at_once ? "yes" : "no", u0, u1, u2, LOW_LEN,
		caught ? "in the middle of its copy" :
		i < 100000 ? "done" : "not seen at all in 10 s");
	kthread_complete_and_exit(&high_done, 0);
}

static int __init tunnel_test_prio_init(void)
{
	struct task_struct *l, *h;
	int i;

	if (tunnel_user() || tunnel_avail() != SIZE) {
		pr_err("tunnel_test_prio: needs an empty tunnel of %d pages\n",
		       TUNNEL_MAX_PAGES);
		return -EINVAL;
	}
	low_buf = vmalloc(LOW_LEN + 1);		/* + the last record's NUL */
	if (!low_buf)
		return -ENOMEM;
	for (i = 0; i < LOW_LEN / 8; i++)
		snprintf(low_buf + 8 * i, 9, "%07X\n", i);
	l = kthread_create(low, NULL, "tunnel_low");
	h = IS_ERR(l) ? l : kthread_create(high, NULL, "tunnel_high");
	if (IS_ERR(h)) {
		if (!IS_ERR(l))
			kthread_stop(l);
		vfree(low_buf);
		return PTR_ERR(h);
	}
	kthread_bind(l, 0);
	kthread_bind(h, 0);
	set_user_nice(l, MAX_NICE);
	sched_set_fifo(h);
	wake_up_process(h);
	wake_up_process(l);
	wait_for_completion(&high_done);
	wait_for_completion(&low_done);
	vfree(low_buf);
	if (!READ_ONCE(low_wrote))
		pr_err("tunnel_test_prio: the nice-19 writer's tunnel_write() did not take %d bytes\n",
		       LOW_LEN);
	return 0;
}

static void __exit tunnel_test_prio_exit(void)
{
}

module_init(tunnel_test_prio_init);
module_exit(tunnel_test_prio_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("/proc/tunnel: a high-priority writer behind a preempted one (test only)");
