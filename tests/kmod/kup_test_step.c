// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel client driven one call at a time by a test script: device
 * kup_step (2 channels of 1 page; multi-producer with mp=1). Each write
 * to /sys/module/kup_test_step/parameters/step makes one call on channel
 * 0, in the writer's context, and logs what it returned:
 *
 *   reserve        kupdev_mp_reserve() (mp=1) or kupdev_reserve(), 16
 *                  bytes, non-blocking; the payload is "reserved"
 *   commit         kupdev_mp_commit() or kupdev_commit() of it
 *   discard        kupdev_mp_discard() of it
 *   send TEXT      kupdev_send_flags(), non-blocking
 *   recv           kupdev_receive_copy(), non-blocking
 *   hold           kupdev_receive_len(), non-blocking: the message stays
 *                  held, by the writing thread
 *   unlock         kupdev_unlock_channel()
 *   unload         kupdev_unload(); only commit and discard may follow
 *
 * The log line is "kup_test_step: ACTION: RESULT", RESULT the return
 * value (for recv: the length and the text, or the error).
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <kup/kupdev.h>

static bool mp;
module_param(mp, bool, 0444);
MODULE_PARM_DESC(mp, "create the device with KUPDEV_CREATE_MP");

static struct kupdev_softc *sc;
static bool unloaded;
static DEFINE_MUTEX(step_lock);		/* one step at a time */
static struct kupdev_rsv rsv;		/* mp=1 */
static bool reserved;			/* mp=0: kupdev_reserve() is open */

#define STEP_RSV_LEN	16

static int step_reserve(void)
{
	void *buf;
	int err;

	if (mp) {
		err = kupdev_mp_reserve(sc, 0, STEP_RSV_LEN, KUPDEV_NB, &rsv);
		buf = err ? NULL : rsv.data;
	} else {
		buf = kupdev_reserve(sc, 0, STEP_RSV_LEN, KUPDEV_NB);
		err = PTR_ERR_OR_ZERO(buf);
		reserved = !err;
	}
	if (buf)
		memcpy(buf, "reserved\0\0\0\0\0\0\0\0", STEP_RSV_LEN);
	return err;
}

static int step_commit(void)
{
	if (mp)
		return kupdev_mp_commit(&rsv, 0);
	reserved = false;
	return kupdev_commit(sc, 0);
}

static void step_recv(void)
{
	char buf[64];
	ssize_t n = kupdev_receive_copy(sc, 0, buf, sizeof(buf), KUPDEV_NB);

	if (n < 0)
		pr_info("kup_test_step: recv: %zd\n", n);
	else
		pr_info("kup_test_step: recv: %zd %.*s\n", n, (int)n, buf);
}

static void step_hold(void)
{
	size_t n;
	char *m = kupdev_receive_len(sc, 0, &n, KUPDEV_NB);

	if (IS_ERR(m))
		pr_info("kup_test_step: hold: %ld\n", PTR_ERR(m));
	else
		pr_info("kup_test_step: hold: %zu %.*s\n", n, (int)min_t(size_t, n, 32), m);
}

/* One call, by name; after the unload only those a held record allows. */
static int step_run(const char *act, const char *arg)
{
	if (!strcmp(act, "commit"))
		return step_commit();
	if (!strcmp(act, "unlock")) {
		kupdev_unlock_channel(sc, 0);
		return 0;
	}
	if (!strcmp(act, "discard")) {
		kupdev_mp_discard(&rsv);
		return 0;
	}
	if (unloaded)
		return -ENODEV;
	if (!strcmp(act, "reserve"))
		return step_reserve();
	if (!strcmp(act, "send"))
		return kupdev_send_flags(sc, 0, arg, strlen(arg), KUPDEV_NB);
	if (!strcmp(act, "unload")) {
		unloaded = true;
		return kupdev_unload(sc);
	}
	return -EINVAL;
}

static int step_set(const char *val, const struct kernel_param *kp)
{
	char line[64], *arg;
	int err;

	strscpy(line, val, sizeof(line));
	strim(line);
	arg = strchr(line, ' ');
	if (arg)
		*arg++ = '\0';
	mutex_lock(&step_lock);
	if (!strcmp(line, "recv") && !unloaded) {
		step_recv();
	} else if (!strcmp(line, "hold") && !unloaded) {
		step_hold();
	} else {
		err = step_run(line, arg ?: "");
		pr_info("kup_test_step: %s: %d\n", line, err);
	}
	mutex_unlock(&step_lock);
	return 0;
}

static const struct kernel_param_ops step_ops = {
	.set = step_set,
};
module_param_cb(step, &step_ops, NULL, 0200);
MODULE_PARM_DESC(step, "the next call to make (see the source)");

static int __init kup_test_step_init(void)
{
	struct kupdev_options o = { .flags = mp ? KUPDEV_CREATE_MP : 0 };

	sc = kupdev_create_opts("kup_step", 1, 2, &o);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	kupdev_notify(sc);
	return 0;
}

static void __exit kup_test_step_exit(void)
{
	/* A reservation left open is given back before the device goes. */
	if (mp)
		kupdev_mp_discard(&rsv);
	else if (reserved)
		kupdev_commit(sc, 0);
	if (!unloaded)
		kupdev_unload(sc);
}

module_init(kup_test_step_init);
module_exit(kup_test_step_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP test client: one call per write to its step parameter (test only)");
