// SPDX-License-Identifier: GPL-2.0
/*
 * Test client for kupdev_wait_channel(): device kup_wait; a kernel thread
 * waits for attaches and greets each newly attached channel with the
 * message "hello <id>". Unloading stops the thread while it is blocked in
 * kupdev_wait_channel(), which must return for kthread_stop().
 *
 * Channel 1 also gets a send tried while a reservation is open: the
 * reserved message "reserved", then "send during a reservation: <err>".
 */
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <kup/kupdev.h>

static struct kupdev_softc *sc;
static struct task_struct *thread;

/* kupdev_send_flags() must refuse while a reservation owns the ring. */
static void send_in_reservation(int id)
{
	char msg[48];
	void *buf;
	int err, len;

	buf = kupdev_reserve(sc, id, 8, 0);
	if (IS_ERR(buf))
		return;
	memcpy(buf, "reserved", 8);
	err = kupdev_send_flags(sc, id, "sent", 4, KUPDEV_NB);
	kupdev_commit(sc, id);
	len = scnprintf(msg, sizeof(msg), "send during a reservation: %d", err);
	kupdev_send(sc, msg, len, id);
}

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
		if (id == 1)
			send_in_reservation(id);
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
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP kupdev_wait_channel() test client (test only)");
