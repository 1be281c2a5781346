// SPDX-License-Identifier: GPL-2.0
/*
 * kup_echo: a KUP service that sends every message back on the channel it
 * came from. Device /dev/kup_echo; one kernel thread per channel.
 *
 * It shows the patterns a KUP client needs:
 *  - zero copy both ways: the request is read in place (kupdev_receive_len)
 *    and the reply written in place (kupdev_reserve/kupdev_commit);
 *  - a thread that waits for a user, serves it until -EPIPE, and waits for
 *    the next one;
 *  - bursts (burst=N): up to N requests at once with kupdev_receive_batch(),
 *    the replies reserved with KUPDEV_MORE but the last, so that the check
 *    whether the user sleeps is made once per burst, and one unlock gives
 *    all the requests' room back;
 *  - teardown: kthread_stop() wakes a thread blocked in any KUP call, and
 *    kupdev_unload() wakes everybody with -EPIPE. Stopping the threads
 *    first is the simple order; unload_first=1 unloads first, and a thread
 *    then parks once its wait returned -EPIPE (it calls nothing more).
 */
#include <linux/atomic.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kup/kupdev.h>

static uint chans = 4;
module_param(chans, uint, 0444);
MODULE_PARM_DESC(chans, "number of channels");

static uint pages = 4;
module_param(pages, uint, 0444);
MODULE_PARM_DESC(pages, "pages per direction per channel (power of two)");

static bool poll;
module_param(poll, bool, 0444);
MODULE_PARM_DESC(poll, "poll the rings instead of sleeping when idle");

#define ECHO_BURST_MAX	64
static uint burst;
module_param(burst, uint, 0444);
MODULE_PARM_DESC(burst, "serve up to this many requests at once (0: one by one; at most 64)");

static bool unload_first;
module_param(unload_first, bool, 0444);
MODULE_PARM_DESC(unload_first, "at exit, unload the device before stopping the threads");

static struct kupdev_softc *sc;
static struct task_struct **threads;
static atomic_t attaches, detaches;

static void echo_attach(struct kupdev_softc *dev, int id, void *priv)
{
	atomic_inc(&attaches);
}

static void echo_detach(struct kupdev_softc *dev, int id, void *priv)
{
	atomic_inc(&detaches);
}

static const struct kupdev_ops echo_ops = {
	.attach = echo_attach,
	.detach = echo_detach,
};

/* In polling mode an empty/full ring is retried; in any mode errors end. */
static bool echo_retry(long err)
{
	if (err != -EAGAIN || kthread_should_stop())
		return false;
	cond_resched();
	return true;
}

static int echo_one(int id, unsigned int flags)
{
	size_t len;
	void *req, *rep;

	do {
		req = kupdev_receive_len(sc, id, &len, flags);
	} while (IS_ERR(req) && echo_retry(PTR_ERR(req)));
	if (IS_ERR(req))
		return PTR_ERR(req);
	if (len == 0) {
		/* An empty message is answered with kupdev_pass(). */
		kupdev_unlock_channel(sc, id);
		kupdev_pass(sc, id);
		return 0;
	}
	do {
		rep = kupdev_reserve(sc, id, len, flags);
	} while (IS_ERR(rep) && echo_retry(PTR_ERR(rep)));
	if (!IS_ERR(rep)) {
		memcpy(rep, req, len);
		kupdev_commit(sc, id);
	}
	kupdev_unlock_channel(sc, id);
	return PTR_ERR_OR_ZERO(rep);
}

/* Reply to each of @n requests in place; the last reply ends the burst. */
static int echo_replies(int id, const struct kupdev_msg *req, int n,
			unsigned int flags)
{
	void *rep;
	int i;

	for (i = 0; i < n; i++) {
		unsigned int more = i + 1 < n ? KUPDEV_MORE : 0;

		do {
			rep = kupdev_reserve(sc, id, req[i].len, flags | more);
		} while (IS_ERR(rep) && echo_retry(PTR_ERR(rep)));
		if (IS_ERR(rep))
			return PTR_ERR(rep);
		memcpy(rep, req[i].data, req[i].len);
		kupdev_commit(sc, id);
	}
	return 0;
}

static int echo_burst(int id, unsigned int flags, struct kupdev_msg *req)
{
	int n, err;

	do {
		n = kupdev_receive_batch(sc, id, req, burst, flags);
	} while (n < 0 && echo_retry(n));
	if (n < 0)
		return n;
	err = echo_replies(id, req, n, flags);
	kupdev_unlock_channel(sc, id);
	return err;
}

/* Park until kthread_stop(): the device is gone, nothing is left to do. */
static void echo_idle(void)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
}

static int echo_thread(void *arg)
{
	int id = (long)arg, err;
	unsigned int flags = poll ? KUPDEV_NB : 0;
	struct kupdev_msg *req = NULL;

	if (burst) {
		req = kcalloc(burst, sizeof(*req), GFP_KERNEL);
		if (!req)
			pr_warn("kup_echo/%d: no memory for bursts, one by one\n", id);
	}
	while (!kthread_should_stop()) {
		err = kupdev_wait_attached(sc, id);
		if (err == -EPIPE)
			break;
		if (err)
			continue;
		while (!(req ? echo_burst(id, flags, req) : echo_one(id, flags)))
			;
	}
	kfree(req);
	echo_idle();
	return 0;
}

static void echo_stop_threads(void)
{
	uint i;

	for (i = 0; i < chans; i++)
		if (!IS_ERR_OR_NULL(threads[i]))
			kthread_stop(threads[i]);
}

static int __init kup_echo_init(void)
{
	long i;

	if (burst > ECHO_BURST_MAX)
		return -EINVAL;
	threads = kcalloc(chans, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;
	sc = kupdev_create("kup_echo", pages, chans);
	if (IS_ERR(sc)) {
		kfree(threads);
		return PTR_ERR(sc);
	}
	kupdev_set_ops(sc, &echo_ops, NULL);
	for (i = 0; i < chans; i++) {
		threads[i] = kthread_run(echo_thread, (void *)i, "kup_echo/%ld", i);
		if (IS_ERR(threads[i])) {
			long err = PTR_ERR(threads[i]);

			echo_stop_threads();
			kupdev_unload(sc);
			kfree(threads);
			return err;
		}
	}
	kupdev_notify(sc);
	pr_info("kup_echo: %u channels of %u pages, %s mode%s\n", chans, pages,
		poll ? "polling" : "blocking", burst ? ", bursts" : "");
	return 0;
}

static void __exit kup_echo_exit(void)
{
	if (unload_first) {
		kupdev_unload(sc);
		echo_stop_threads();
	} else {
		echo_stop_threads();
		kupdev_unload(sc);
	}
	kfree(threads);
	pr_info("kup_echo: %d attaches, %d detaches\n", atomic_read(&attaches),
		atomic_read(&detaches));
}

module_init(kup_echo_init);
module_exit(kup_echo_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP echo service");
