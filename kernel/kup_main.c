// SPDX-License-Identifier: GPL-2.0
/*
 * kup.ko module entry: the char device region and the "kup" class that every
 * KUP device hangs off.
 */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/version.h>
#include "kup_internal.h"

struct class *kup_class;
dev_t kup_devt;

static int __init kup_init(void)
{
	int err;

	err = alloc_chrdev_region(&kup_devt, 0, KUP_MAX_DEVICES, "kup");
	if (err)
		return err;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	kup_class = class_create("kup");
#else
	kup_class = class_create(THIS_MODULE, "kup");
#endif
	if (IS_ERR(kup_class)) {
		err = PTR_ERR(kup_class);
		goto unregister_region;
	}
	pr_info("kup: loaded\n");
	return 0;

unregister_region:
	unregister_chrdev_region(kup_devt, KUP_MAX_DEVICES);
	return err;
}

static void __exit kup_exit(void)
{
	/*
	 * Client modules depend on our symbols, so they are gone by now; a
	 * device one of them forgot to unload is torn down here rather than
	 * leaked with a dangling class.
	 */
	kup_registry_exit();
	class_destroy(kup_class);
	unregister_chrdev_region(kup_devt, KUP_MAX_DEVICES);
	pr_info("kup: unloaded\n");
}

module_init(kup_init);
module_exit(kup_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUP: zero-copy kernel-user message channels");
MODULE_AUTHOR("The KUP developers");
