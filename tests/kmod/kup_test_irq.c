// SPDX-License-Identifier: GPL-2.0
/*
 * Test client for the calls documented as "any context": every KUPDEV_NB
 * call from a hard-irq hrtimer (HRTIMER_MODE_REL_HARD expires in hard irq
 * on PREEMPT_RT too, where a spinlock_t may not be taken). Device kup_irq,
 * 1 page, 1 channel. The 300th tick calls kupdev_notify(), waking a user
 * that waits to attach. Then it is ping-pong: a tick sends message "irq N"
 * (kupdev_send_flags() and kupdev_reserve()/kupdev_commit() in turn), and
 * the ticks after it look for the user's reply "user"
 * (kupdev_receive_len() + kupdev_unlock_channel()) before the next one is
 * sent, up to @count. The user sleeps for each message, so each must wake
 * it from the timer: one wake-up lost, and the exchange stops. At unload it
 * logs "kup_test_irq: sent S, received R, bad B".
 */
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <kup/kupdev.h>
#include <kup/kup_compat.h>

static uint count = 200;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "messages to send from the timer");

static struct kupdev_softc *sc;
static struct hrtimer timer;
static unsigned int ticks, sent, received, bad;
static bool awaiting_reply;

static void tick_send(void)
{
	char msg[16];
	int len, err;
	void *buf;

	if (sent >= count)
		return;
	len = scnprintf(msg, sizeof(msg), "irq %u", sent);
	if (sent & 1) {
		buf = kupdev_reserve(sc, 0, len, KUPDEV_NB);
		if (IS_ERR(buf))
			return;
		memcpy(buf, msg, len);
		err = kupdev_commit(sc, 0);
	} else {
		err = kupdev_send_flags(sc, 0, msg, len, KUPDEV_NB);
	}
	if (!err) {
		sent++;
		awaiting_reply = true;
	}
}

static void tick_receive(void)
{
	size_t len;
	void *msg = kupdev_receive_len(sc, 0, &len, KUPDEV_NB);

	if (IS_ERR(msg))
		return;
	received++;
	awaiting_reply = false;
	if (len != 4 || memcmp(msg, "user", 4))
		bad++;
	kupdev_unlock_channel(sc, 0);
}

static enum hrtimer_restart tick(struct hrtimer *t)
{
	if (++ticks == 300)
		kupdev_notify(sc);
	if (awaiting_reply)
		tick_receive();
	else
		tick_send();
	hrtimer_forward_now(t, ms_to_ktime(1));
	return HRTIMER_RESTART;
}

static int __init kup_test_irq_init(void)
{
	sc = kupdev_create("kup_irq", 1, 1);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	kup_hrtimer_setup(&timer, tick, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	hrtimer_start(&timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	return 0;
}

static void __exit kup_test_irq_exit(void)
{
	hrtimer_cancel(&timer);
	kupdev_unload(sc);
	pr_info("kup_test_irq: sent %u, received %u, bad %u\n", sent,
		received, bad);
}

module_init(kup_test_irq_init);
module_exit(kup_test_irq_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP calls from hard irq test client (test only)");
