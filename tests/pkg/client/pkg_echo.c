// SPDX-License-Identifier: GPL-2.0
/*
 * pkg_echo: the package test's client module (tests/pkg/check.sh). It is
 * built out of tree against nothing but what the packages installed: the
 * headers in /usr/src/kup-VERSION/include and kup.ko's Module.symvers that
 * DKMS keeps per kernel. Device /dev/pkg_echo, one channel of one page each
 * way: every message comes back upper-cased, so that the test sees this
 * module answer, not a loopback.
 */
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/string.h>
#include <kup/kupdev.h>

#define PKG_ECHO_MAX	256

static struct kupdev_softc *sc;
static struct task_struct *worker;

/* One request: copied out once (the user may change it in place), upper-cased, sent back. */
static int echo_one(void)
{
	char buf[PKG_ECHO_MAX];
	size_t len, i;
	char *req;

	req = kupdev_receive(sc, 0);
	if (IS_ERR(req))
		return PTR_ERR(req);
	len = min_t(size_t, kupdev_msg_len(sc, 0), sizeof(buf));
	memcpy(buf, req, len);
	kupdev_unlock_channel(sc, 0);
	for (i = 0; i < len; i++)
		buf[i] = toupper(buf[i]);
	return kupdev_send(sc, buf, len, 0);
}

static int serve(void *arg)
{
	while (!kthread_should_stop()) {
		if (kupdev_wait_attached(sc, 0))
			continue;	/* -EINTR: being stopped */
		while (!echo_one())
			;		/* -EPIPE: the user left */
	}
	return 0;
}

static int __init pkg_echo_init(void)
{
	sc = kupdev_create("pkg_echo", 1, 1);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	worker = kthread_run(serve, NULL, "pkg_echo");
	if (IS_ERR(worker)) {
		kupdev_unload(sc);
		return PTR_ERR(worker);
	}
	kupdev_notify(sc);
	return 0;
}

static void __exit pkg_echo_exit(void)
{
	kthread_stop(worker);
	kupdev_unload(sc);
}

module_init(pkg_echo_init);
module_exit(pkg_echo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUP package test: upper-casing echo, built against the installed kup");
KUP_MODULE_IMPORT_NS();
