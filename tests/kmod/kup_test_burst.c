// SPDX-License-Identifier: GPL-2.0
/*
 * kup_test_burst: the kernel half of the burst tests (tests/vm/kup_burst.c
 * is the user half). Device /dev/kup_burst, one channel of one page. Its
 * thread runs a fixed script with the user, phase by phase; each phase
 * begins when the user says "ready N" or when this side says "go N":
 *
 *  1. three sends with KUPDEV_MORE, 100 ms apart, to a user asleep in a
 *     receive, then kupdev_flush(): the user must wake once, at the flush,
 *     and find all three there;
 *  2. the same ended by a send without KUPDEV_MORE;
 *  3. the same ended by a blocking receive (waiting for the user's "ack 3"
 *     is what must wake it);
 *  4. kupdev_send_batch(KUPDEV_NB | KUPDEV_MORE) of one message fewer
 *     than fit (100 bytes each) into the one-page ring of a sleeping user,
 *     which must not wake it; then a batch of 200 with KUPDEV_NB: exactly
 *     the one that fits goes, and its full ring wakes the user;
 *  5. the user's burst with KP_MORE and kernproxy_flush(), taken with
 *     kupdev_receive_batch() of 3, then of 64 with KUPDEV_NB (2), then none;
 *  6. the user's kernproxy_send_batch(KP_NB) that fills the ring while this
 *     side reads nothing for a second: received in batches, in order;
 *  7. a batch stopped by an error (a message too large) after its first
 *     message still wakes the user, asleep in poll();
 *  8. the user sends with KP_MORE and waits in its own poll() without a
 *     flush, this side asleep in a receive: the poll must wake it;
 *  9. after "kernel ok": the user sends three and leaves; kupdev_flush()
 *     must not drop what it left, which the receive then still gets (the
 *     verdict goes to the kernel log).
 * Bad arguments come first. At the end this side sends
 * "kernel ok", or "kernel FAIL: what" as soon as a check fails.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/string.h>
#include <kup/kupdev.h>

#define BT_MSGS		200
#define BT_LEN		100

static struct kupdev_softc *sc;
static struct task_struct *thread;
static struct kupdev_msg msgs[BT_MSGS];
static char payload[BT_MSGS][BT_LEN];
static char fail[96];

#define BT_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(fail, sizeof(fail), __VA_ARGS__);	\
			return -EPROTO;					\
		}							\
	} while (0)

static int bt_send(unsigned int flags, const char *fmt, ...)
{
	char b[32];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vscnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	return kupdev_send_flags(sc, 0, b, n, flags);
}

/* Wait for the user's next message; it must read @want. */
static int bt_expect(const char *want)
{
	char b[32];
	ssize_t n = kupdev_receive_copy(sc, 0, b, sizeof(b) - 1, 0);

	if (n >= 0)
		b[n] = 0;
	BT_CHECK(n >= 0 && !strcmp(b, want), "wanted \"%s\", got %zd \"%s\"",
		 want, n, n >= 0 ? b : "");
	return 0;
}

/*
 * Wait until the user sleeps in its receive or poll(), past its last look
 * at the ring, so that what is sent next can only reach it by a wake-up.
 */
static int bt_user_asleep(int phase)
{
	int i;

	for (i = 0; i < 1000 && !kup_test_user_sleeps(sc, 0); i++)
		msleep(10);
	BT_CHECK(i < 1000, "phase %d: the user did not fall asleep in 10 s", phase);
	return 0;
}

/* A burst of three towards a sleeping user; @end ends it. */
static int bt_three(int phase, int (*end)(int phase))
{
	char ready[16];
	int i, err;

	snprintf(ready, sizeof(ready), "ready %d", phase);
	err = bt_expect(ready) ?: bt_user_asleep(phase);
	if (err)
		return err;
	for (i = 0; i < 2; i++) {
		err = bt_send(KUPDEV_MORE, "%d.%d", phase, i);
		BT_CHECK(!err, "phase %d: send %d with KUPDEV_MORE: %d", phase, i, err);
		msleep(100);
	}
	return end(phase);
}

static int bt_end_flush(int phase)
{
	int err = bt_send(KUPDEV_MORE, "%d.2", phase);

	BT_CHECK(!err, "phase 1: third send: %d", err);
	msleep(100);
	err = kupdev_flush(sc, 0);
	BT_CHECK(!err, "kupdev_flush: %d", err);
	return 0;
}

static int bt_end_send(int phase)
{
	int err = bt_send(0, "%d.2", phase);

	BT_CHECK(!err, "phase 2: send without KUPDEV_MORE: %d", err);
	return 0;
}

static int bt_end_receive(int phase)
{
	return bt_expect("ack 3");
}

/* Phase 4: as many as fit, then -EAGAIN. */
static int bt_full(void)
{
	size_t fit = (kupdev_max_msg(sc) + 8) / ALIGN(8 + BT_LEN, 8);
	int i, n, err;

	/* A one-page ring: 36 fit with 4 KiB pages, 585 with 64 KiB. */
	BT_CHECK(fit < BT_MSGS, "phase 4: %zu messages fit, more than %d", fit, BT_MSGS);
	err = bt_expect("ready 4");
	if (err)
		return err;
	for (i = 0; i < BT_MSGS; i++) {
		memset(payload[i], 'a' + i % 26, BT_LEN);
		memcpy(payload[i], &i, sizeof(i));
		msgs[i].data = payload[i];
		msgs[i].len = BT_LEN;
	}
	/*
	 * The user is asleep in its receive. The first batch stops short of
	 * a full ring (which would end the burst), so with KUPDEV_MORE it
	 * wakes nobody and nothing is taken before the second, which sends
	 * the one that still fits; finding the ring full then ends the burst
	 * and wakes the user.
	 */
	err = bt_user_asleep(4);
	if (err)
		return err;
	n = kupdev_send_batch(sc, 0, msgs, fit - 1, KUPDEV_NB | KUPDEV_MORE);
	BT_CHECK(n == fit - 1, "send_batch(NB) of %zu into an empty ring sent %d",
		 fit - 1, n);
	n = kupdev_send_batch(sc, 0, msgs + fit - 1, BT_MSGS - fit + 1, KUPDEV_NB);
	BT_CHECK(n == 1, "send_batch(NB) into a ring with room for one sent %d", n);
	return bt_expect("drained 4");
}

/* Check @n received messages against "5.0", "5.1", ... from @first. */
static int bt_check_five(int n, int first)
{
	char want[8];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "5.%d", first + i);
		BT_CHECK(msgs[i].len == strlen(want) &&
			 !memcmp(msgs[i].data, want, msgs[i].len),
			 "phase 5: message %d is not %s", first + i, want);
	}
	return 0;
}

/* Phase 5: the user's burst, taken in two batches. */
static int bt_user_burst(void)
{
	int n, err = bt_send(0, "go 5");

	BT_CHECK(!err, "send go 5: %d", err);
	n = kupdev_receive_batch(sc, 0, msgs, 3, 0);
	BT_CHECK(n == 3, "receive_batch(3) after the user's flush gave %d", n);
	err = bt_check_five(3, 0);
	kupdev_unlock_channel(sc, 0);
	if (err)
		return err;
	n = kupdev_receive_batch(sc, 0, msgs, 64, KUPDEV_NB);
	BT_CHECK(n == 2, "receive_batch(64, NB) for the rest gave %d", n);
	err = bt_check_five(2, 3);
	BT_CHECK(kupdev_msg_len(sc, 0) == 3, "kupdev_msg_len() is not the last one's");
	kupdev_unlock_channel(sc, 0);
	if (err)
		return err;
	n = kupdev_receive_batch(sc, 0, msgs, 64, KUPDEV_NB);
	BT_CHECK(n == -EAGAIN, "receive_batch(NB) on an empty ring gave %d", n);
	return 0;
}

/* Phase 6: the user fills the ring with one batch; take it in order. */
static int bt_user_full(void)
{
	size_t fit = (kupdev_max_msg(sc) + 8) / ALIGN(8 + BT_LEN, 8);
	int got = 0, n, i, seq, err = bt_send(0, "go 6");
	char done[24];

	BT_CHECK(!err, "send go 6: %d", err);
	msleep(1000);	/* the user's batch finds the ring full */
	while (got < fit) {
		n = kupdev_receive_batch(sc, 0, msgs, min_t(size_t, 16, fit - got), 0);
		BT_CHECK(n > 0, "phase 6: receive_batch gave %d after %d", n, got);
		for (i = 0; i < n; i++) {
			memcpy(&seq, msgs[i].data, sizeof(seq));
			if (msgs[i].len != BT_LEN || seq != got + i) {
				kupdev_unlock_channel(sc, 0);
				BT_CHECK(0, "phase 6: message %d is %d", got + i, seq);
			}
		}
		kupdev_unlock_channel(sc, 0);
		got += n;
	}
	snprintf(done, sizeof(done), "done 6 %zu", fit);
	return bt_expect(done);
}

/* Phase 7: the batch's error comes after a message the user must get. */
static int bt_batch_error(void)
{
	struct kupdev_msg m[2] = {
		{ .data = "7.0", .len = 3 },
		{ .data = payload[0], .len = kupdev_max_msg(sc) + 1 },
	};
	int n, err = bt_send(0, "go 7");

	BT_CHECK(!err, "send go 7: %d", err);
	err = bt_expect("ready 7") ?: bt_user_asleep(7);
	if (err)
		return err;
	n = kupdev_send_batch(sc, 0, m, 2, 0);
	BT_CHECK(n == 1, "send_batch of a good and a too large message gave %d", n);
	/* Nothing else of ours may wake the user meanwhile (a wait would). */
	msleep(2000);
	return bt_expect("got 7");
}

/* Phase 8: asleep in a receive, woken by the user's own poll(). */
static int bt_user_poll(void)
{
	int n, err = bt_send(0, "go 8");

	BT_CHECK(!err, "send go 8: %d", err);
	n = kupdev_receive_batch(sc, 0, msgs, 64, 0);
	BT_CHECK(n == 1 && msgs[0].len == 3 && !memcmp(msgs[0].data, "8.0", 3),
		 "phase 8: receive gave %d", n);
	kupdev_unlock_channel(sc, 0);
	err = bt_send(0, "8 back");
	BT_CHECK(!err, "send 8 back: %d", err);
	return 0;
}

/* Phase 9: what a departed user left survives a flush. */
static int bt_flush_drain(void)
{
	int n, err = bt_send(0, "go 9");

	BT_CHECK(!err, "send go 9: %d", err);
	msleep(1000);	/* the user sends three and exits */
	err = kupdev_flush(sc, 0);
	BT_CHECK(!err, "kupdev_flush() after the user left: %d", err);
	n = kupdev_receive_batch(sc, 0, msgs, 64, KUPDEV_NB);
	if (n > 0)
		kupdev_unlock_channel(sc, 0);
	BT_CHECK(n == 3, "phase 9: the receive after the flush got %d of the 3 the user left", n);
	n = kupdev_receive_batch(sc, 0, msgs, 64, KUPDEV_NB);
	BT_CHECK(n == -EPIPE, "phase 9: then %d, not -EPIPE", n);
	return 0;
}

static int bt_script(void)
{
	int err;

	/* (The user may have sent already: an empty ring is phase 5's.) */
	BT_CHECK(kupdev_receive_batch(sc, 0, msgs, 0, 0) == -EINVAL,
		 "receive_batch of max 0");
	BT_CHECK(kupdev_send_batch(sc, 0, msgs, 1, 0x80) == -EINVAL,
		 "send_batch with unknown flags");
	BT_CHECK(kupdev_send_flags(sc, 0, "x", 1, 0x80) == -EINVAL,
		 "send_flags with unknown flags");
	BT_CHECK(kupdev_send_batch(sc, 0, msgs, 0, 0) == 0, "send_batch of none");
	err = bt_three(1, bt_end_flush);
	err = err ?: bt_three(2, bt_end_send);
	err = err ?: bt_three(3, bt_end_receive);
	err = err ?: bt_full();
	err = err ?: bt_user_burst();
	err = err ?: bt_user_full();
	err = err ?: bt_batch_error();
	return err ?: bt_user_poll();
}

static int bt_thread(void *arg)
{
	int err = kupdev_wait_attached(sc, 0);

	if (!err) {
		err = bt_script();
		if (err)
			bt_send(KUPDEV_NB, "kernel FAIL: %s", fail[0] ? fail : "an error");
		else
			bt_send(0, "kernel ok");
		err = err ?: bt_flush_drain();
		pr_info("kup_test_burst: %s%s\n", err ? "FAIL: " : "ok",
			err ? fail : "");
	}
	while (!kthread_should_stop())
		msleep_interruptible(100);
	return 0;
}

static int __init bt_init(void)
{
	sc = kupdev_create("kup_burst", 1, 1);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	thread = kthread_run(bt_thread, NULL, "kup_burst");
	if (IS_ERR(thread)) {
		kupdev_unload(sc);
		return PTR_ERR(thread);
	}
	kupdev_notify(sc);
	return 0;
}

static void __exit bt_exit(void)
{
	kthread_stop(thread);
	kupdev_unload(sc);
}

module_init(bt_init);
module_exit(bt_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP test: bursts, flush and batch edges");
