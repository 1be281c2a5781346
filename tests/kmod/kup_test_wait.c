// SPDX-License-Identifier: GPL-2.0
/*
 * Test client for kupdev_wait_channel(): device kup_wait; a kernel thread
 * waits for attaches and greets each newly attached channel with the
 * message "hello <id>". Unloading stops the thread while it is blocked in
 * kupdev_wait_channel(), which must return for kthread_stop().
 */
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <kup/kupdev.h>

static struct kupdev_softc *sc;
static struct task_struct *thread;

static int greeter(void *arg)
{
	char msg[32];
	int id, len;

	while (!kthread_should_stop()) {
		id = kupdev_wait_channel(sc);
		if (id < 0)
			continue;	/* -EINTR: we are being stopped */
		len = scnprintf(msg, sizeof(msg), "hello %d", id);
		kupdev_send(sc, msg, len, id);
	}
	return 0;
}

static int __init kup_test_wait_init(void)
{
	sc = kupdev_create("kup_wait", 1, 3);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	thread = kthread_run(greeter, NULL, "kup_wait");
	if (IS_ERR(thread)) {
		kupdev_unload(sc);
		return PTR_ERR(thread);
	}
	kupdev_notify(sc);
	return 0;
}

static void __exit kup_test_wait_exit(void)
{
	kthread_stop(thread);
	kupdev_unload(sc);
}

module_init(kup_test_wait_init);
module_exit(kup_test_wait_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUP kupdev_wait_channel() test client (test only)");
