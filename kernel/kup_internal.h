/* SPDX-License-Identifier: GPL-2.0 */
/* Private to kup.ko: shared between its source files, never installed. */
#ifndef _KUP_INTERNAL_H
#define _KUP_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <kup/kupdev.h>

#define KUP_MAX_DEVICES		256

struct kupdev_softc {
	struct kref ref;		/* client + each open file */
	struct list_head node;		/* in kup_devices, under kup_lock */
	char name[KUPDEV_NAME_MAX + 1];
	size_t size;			/* pages per direction per channel */
	size_t chan_cnt;
	int minor;
	struct cdev *cdev;
	struct device *dev;
	struct kupdev_options opts;
	bool dead;			/* kupdev_unload() has begun */
};

/* kup_main.c: the module-wide state every device hangs off. */
extern struct class *kup_class;
extern dev_t kup_devt;

/* kup_dev.c */
extern const struct file_operations kup_dev_fops;
void kup_dev_put(struct kupdev_softc *sc);
struct kupdev_softc *kup_dev_get_by_minor(int minor);
void kup_registry_exit(void);

#endif /* _KUP_INTERNAL_H */
