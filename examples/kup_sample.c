// SPDX-License-Identifier: GPL-2.0
/*
 * kup_sample: the smallest KUP client. It creates /dev/<name> when loaded
 * and removes it when unloaded; it never reads or writes its channels,
 * which is what tests of full and empty rings want.
 */
#include <linux/module.h>
#include <kup/kupdev.h>

static char *name = "kup_sample";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "device name (/dev/<name>)");

static uint chans = 4;
module_param(chans, uint, 0444);
MODULE_PARM_DESC(chans, "number of channels");

static uint pages = 1;
module_param(pages, uint, 0444);
MODULE_PARM_DESC(pages, "pages per direction per channel (power of two)");

static bool notify = true;
module_param(notify, bool, 0444);
MODULE_PARM_DESC(notify, "call kupdev_notify() at load (users may attach)");

static struct kupdev_softc *sc;

static int __init kup_sample_init(void)
{
	sc = kupdev_create(name, pages, chans);
	if (IS_ERR(sc)) {
		pr_err("kup_sample: cannot create %s: %ld\n", name, PTR_ERR(sc));
		return PTR_ERR(sc);
	}
	if (notify)
		kupdev_notify(sc);
	pr_info("kup_sample: /dev/%s with %u channels\n", name, chans);
	return 0;
}

static void __exit kup_sample_exit(void)
{
	kupdev_unload(sc);
}

module_init(kup_sample_init);
module_exit(kup_sample_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP sample client: creates one device");
