// SPDX-License-Identifier: GPL-2.0
/*
 * kup.ko module entry: the char device region and the "kup" class that every
 * KUP device hangs off.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <kup/kup_compat.h>
#include "kup_internal.h"
#define CREATE_TRACE_POINTS
#include "kup_trace.h"

struct class *kup_class;
dev_t kup_devt;
struct workqueue_struct *kup_wq;
struct proc_dir_entry *kup_proc_dir;

#ifdef KUP_TEST_HOOKS
static char *test_pause_at = "";
module_param(test_pause_at, charp, 0444);
MODULE_PARM_DESC(test_pause_at, "test builds only: where kup_test_pause() sleeps");
static uint test_pause_ms = 2000;
module_param(test_pause_ms, uint, 0444);
MODULE_PARM_DESC(test_pause_ms, "test builds only: how long it sleeps");

void kup_test_pause(const char *where)
{
	if (strcmp(where, test_pause_at))
		return;
	pr_info("kup: test pause at %s for %u ms\n", where, test_pause_ms);
	/* Some pause points are reached in atomic context: spin there. */
	if (kup_can_wake_now())
		msleep(test_pause_ms);
	else
		mdelay(test_pause_ms);
}

static atomic_t live_sessions = ATOMIC_INIT(0);

void kup_test_live(int delta)
{
	atomic_add(delta, &live_sessions);
}

static int live_sessions_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&live_sessions));
}

/* Read only, also at load time (where the kernel calls .set unchecked). */
static int live_sessions_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops live_sessions_ops = {
	.set = live_sessions_set,
	.get = live_sessions_get,
};
module_param_cb(test_live_sessions, &live_sessions_ops, NULL, 0444);
MODULE_PARM_DESC(test_live_sessions, "test builds only: sessions not yet freed");
#endif

static int __init kup_init(void)
{
	int err;

	err = alloc_chrdev_region(&kup_devt, 0, KUP_MAX_DEVICES, "kup");
	if (err)
		return err;
	kup_class = kup_class_create("kup");
	if (IS_ERR(kup_class)) {
		err = PTR_ERR(kup_class);
		goto unregister_region;
	}
	err = -ENOMEM;
	/*
	 * Per-CPU: a session's pages are freed on the CPU whose close queued
	 * the work, back into the per-CPU page lists the next attach there
	 * takes from. An unbound queue freed them onto another CPU's lists,
	 * which MemAvailable does not count: t_lifetime saw 11 MB "lost"
	 * over 1000 attach cycles with every session freed.
	 */
	kup_wq = alloc_workqueue("kup", KUP_WQ_PERCPU, 0);
	if (!kup_wq)
		goto destroy_class;
	kup_proc_dir = proc_mkdir("kup", NULL);
	if (!kup_proc_dir)
		goto destroy_wq;
	pr_info("kup: loaded\n");
	return 0;

destroy_wq:
	destroy_workqueue(kup_wq);
destroy_class:
	class_destroy(kup_class);
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
	/* Sessions are freed from kup_wq: let the last of them finish. */
	destroy_workqueue(kup_wq);
	proc_remove(kup_proc_dir);
	class_destroy(kup_class);
	unregister_chrdev_region(kup_devt, KUP_MAX_DEVICES);
	pr_info("kup: unloaded\n");
}

module_init(kup_init);
module_exit(kup_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUP: zero-copy kernel-user message channels");
MODULE_AUTHOR("The KUP developers");
MODULE_VERSION(KUP_VERSION);
