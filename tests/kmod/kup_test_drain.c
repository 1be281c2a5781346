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
 */
#include <linux/err.h>
#include <linux/module.h>
#include <kup/kupdev.h>

static struct kupdev_softc *sc;

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
	sc = kupdev_create("kup_drain", 1, 2);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	kupdev_set_ops(sc, &drain_ops, NULL);
	kupdev_notify(sc);
	return 0;
}

static void __exit kup_test_drain_exit(void)
{
	kupdev_unload(sc);
}

module_init(kup_test_drain_init);
module_exit(kup_test_drain_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUP test client: reads what a user left behind (test only)");
