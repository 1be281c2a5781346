// SPDX-License-Identifier: GPL-2.0
/*
 * Test client whose detach callback takes its time: device @name (1 page,
 * 2 channels); each attach callback logs "kup_test_slow: attach of channel
 * N", each detach callback "kup_test_slow: detach of channel N" and then
 * sleeps @detach_ms. A kupdev_unload() meanwhile is held at the exact
 * point where it waits for running callbacks, with the device already
 * gone from /dev: the window in which tests try what a racing client
 * could do.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/module.h>
#include <kup/kupdev.h>

static char *name = "kup_slow";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "device name (/dev/<name>)");

static uint detach_ms = 3000;
module_param(detach_ms, uint, 0444);
MODULE_PARM_DESC(detach_ms, "how long each detach callback sleeps");

static struct kupdev_softc *sc;

static void slow_detach(struct kupdev_softc *dev, int id, void *priv)
{
	pr_info("kup_test_slow: detach of channel %d, sleeping %u ms\n", id,
		detach_ms);
	msleep(detach_ms);
}

static void slow_attach(struct kupdev_softc *dev, int id, void *priv)
{
	pr_info("kup_test_slow: attach of channel %d\n", id);
}

static const struct kupdev_ops slow_ops = {
	.attach = slow_attach,
	.detach = slow_detach,
};

static int __init kup_test_slow_init(void)
{
	sc = kupdev_create(name, 1, 2);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	kupdev_set_ops(sc, &slow_ops, NULL);
	kupdev_notify(sc);
	return 0;
}

static void __exit kup_test_slow_exit(void)
{
	kupdev_unload(sc);
}

module_init(kup_test_slow_init);
module_exit(kup_test_slow_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP client with a slow detach callback (test only)");
