// SPDX-License-Identifier: GPL-2.0
/*
 * Test client: kernel threads asleep in kupdev_wait_channel() and
 * kupdev_wait_attached() while their device is unloaded, and made to run
 * only after kupdev_unload() would have freed it if it did not wait for
 * them. Everything happens on CPU 0: the sleepers are bound there, and the
 * unload runs there in a SCHED_FIFO thread, which a woken SCHED_NORMAL
 * thread cannot preempt. So the sleepers get to run exactly when the unload
 * sleeps or returns, deterministically, without a loop.
 *
 * At load: device kup_gone (1 page, 2 channels), the two sleepers, the
 * unload, then the log line "kup_test_gone: wait_channel -> E1,
 * wait_attached -> E2" (both must be -32, -EPIPE). The test boots with
 * init_on_free=1, so that a sleeper running on freed memory finds zeros
 * there (a NULL pointer in the wait queue it re-joins) and oopses instead
 * of reading stale values that look right.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <kup/kupdev.h>

static struct kupdev_softc *sc;

struct sleeper {
	struct task_struct *task;
	int (*wait)(void);
	int ret;
	struct completion done;
};

static int wait_channel(void)
{
	return kupdev_wait_channel(sc);
}

static int wait_attached(void)
{
	return kupdev_wait_attached(sc, 1);
}

static struct sleeper sleepers[] = {
	{ .wait = wait_channel },
	{ .wait = wait_attached },
};

/* One wait, then idle until the module goes: kthread_stop() needs us. */
static int sleeper_fn(void *arg)
{
	struct sleeper *sl = arg;

	sl->ret = sl->wait();
	complete(&sl->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

static int unloader_fn(void *arg)
{
	kupdev_unload(sc);
	kthread_complete_and_exit(arg, 0);
}

/* Until @t sleeps: it is then inside the wait, on the wait queue. */
static bool asleep(struct task_struct *t)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (READ_ONCE(t->__state) == TASK_INTERRUPTIBLE)
			return true;
		msleep(10);
	}
	return false;
}

static struct task_struct *start_on_cpu0(int (*fn)(void *), void *arg,
					 const char *name)
{
	struct task_struct *t = kthread_create(fn, arg, "%s", name);

	if (!IS_ERR(t))
		kthread_bind(t, 0);
	return t;
}

static int start_sleepers(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sleepers); i++) {
		struct sleeper *sl = &sleepers[i];

		init_completion(&sl->done);
		sl->task = start_on_cpu0(sleeper_fn, sl, "kup_gone_sleep");
		if (IS_ERR(sl->task))
			return PTR_ERR(sl->task);
		wake_up_process(sl->task);
		if (!asleep(sl->task))
			return -ETIMEDOUT;
	}
	return 0;
}

static void stop_sleepers(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sleepers); i++)
		if (!IS_ERR_OR_NULL(sleepers[i].task))
			kthread_stop(sleepers[i].task);
}

static int unload_on_cpu0(void)
{
	DECLARE_COMPLETION_ONSTACK(unloaded);
	struct task_struct *t;

	t = start_on_cpu0(unloader_fn, &unloaded, "kup_gone_unload");
	if (IS_ERR(t))
		return PTR_ERR(t);
	sched_set_fifo(t);
	wake_up_process(t);
	wait_for_completion(&unloaded);
	return 0;
}

static int __init kup_test_gone_init(void)
{
	int err;
	size_t i;

	sc = kupdev_create("kup_gone", 1, 2);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	kupdev_notify(sc);
	err = start_sleepers();
	if (err) {
		kupdev_unload(sc);
		stop_sleepers();
		return err;
	}
	err = unload_on_cpu0();
	if (err) {
		kupdev_unload(sc);
		stop_sleepers();
		return err;
	}
	for (i = 0; i < ARRAY_SIZE(sleepers); i++)
		if (!wait_for_completion_timeout(&sleepers[i].done, 10 * HZ))
			sleepers[i].ret = -ETIMEDOUT;
	pr_info("kup_test_gone: wait_channel -> %d, wait_attached -> %d\n",
		sleepers[0].ret, sleepers[1].ret);
	return 0;
}

static void __exit kup_test_gone_exit(void)
{
	stop_sleepers();
}

module_init(kup_test_gone_init);
module_exit(kup_test_gone_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP sleepers woken by an unload test client (test only)");
