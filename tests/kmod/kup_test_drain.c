// SPDX-License-Identifier: GPL-2.0
/*
 * Test client for what a user leaves behind: device kup_drain (1 page,
 * 2 channels) whose kernel side reads nothing while the user is attached.
 * Channel 0: when the user detaches, the detach callback receives
 * everything still there, checks it is "msg 0", "msg 1", ... in order, and
 * logs
 *   kup_test_drain: channel 0: N messages after the detach, then ERR
 * where ERR is what the receive after the last one returned.
 * Channel 1: nothing is read at the detach; when the next user attaches,
 * the attach callback receives one message (the departed user's, if any)
 * and answers it, as a request/response server would, and logs
 *   kup_test_drain: channel 1: at the attach, received LEN, reply ERR
 * The answer must not reach the new user: it was meant for the old one.
 * Channel 2: a kernel thread that waits for a user by trying to receive
 * and sleeping 20 ms after each -EPIPE, so that it takes a session as soon
 * as one is on the channel, and answers each message M with "got M".
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <kup/kupdev.h>

static struct kupdev_softc *sc;
static struct task_struct *server;

static int serve(void *arg)
{
	char buf[64];
	ssize_t n;

	while (!kthread_should_stop()) {
		memcpy(buf, "got ", 4);
		n = kupdev_receive_copy(sc, 2, buf + 4, sizeof(buf) - 4, 0);
		if (n == -EPIPE)
			msleep(20);
		else if (n >= 0)
			kupdev_send(sc, buf, n + 4, 2);
	}
	return 0;
}

static void drain_detach(struct kupdev_softc *dev, int id, void *priv)
{
	char buf[32], want[32];
	ssize_t n;
	int i;

	if (id != 0)
		return;
	for (i = 0;; i++) {
		n = kupdev_receive_copy(dev, id, buf, sizeof(buf), KUPDEV_NB);
		if (n < 0)
			break;
		if (n != scnprintf(want, sizeof(want), "msg %d", i) ||
		    memcmp(buf, want, n)) {
			pr_err("kup_test_drain: channel %d: message %d is wrong\n",
			       id, i);
			break;
		}
	}
	pr_info("kup_test_drain: channel %d: %d messages after the detach, then %zd\n",
		id, i, n);
}

static void drain_attach(struct kupdev_softc *dev, int id, void *priv)
{
	char buf[32];
	ssize_t n;
	int err = 0;

	if (id != 1)
		return;
	n = kupdev_receive_copy(dev, id, buf, sizeof(buf), KUPDEV_NB);
	if (n >= 0)
		err = kupdev_send_flags(dev, id, "a reply to the old user", 23,
					KUPDEV_NB);
	pr_info("kup_test_drain: channel 1: at the attach, received %zd, reply %d\n",
		n, err);
}

static const struct kupdev_ops drain_ops = {
	.attach = drain_attach,
	.detach = drain_detach,
};

static int __init kup_test_drain_init(void)
{
	sc = kupdev_create("kup_drain", 1, 3);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	server = kthread_run(serve, NULL, "kup_drain/2");
	if (IS_ERR(server)) {
		kupdev_unload(sc);
		return PTR_ERR(server);
	}
	kupdev_set_ops(sc, &drain_ops, NULL);
	kupdev_notify(sc);
	return 0;
}

static void __exit kup_test_drain_exit(void)
{
	kthread_stop(server);
	kupdev_unload(sc);
}

module_init(kup_test_drain_init);
module_exit(kup_test_drain_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP test client: reads what a user left behind (test only)");
