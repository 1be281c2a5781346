// SPDX-License-Identifier: GPL-2.0
/*
 * An echo service for the daemon-pattern tests (tests/vm/kup_daemon.c):
 * device kup_serve, 4 channels of 4 pages. Each request is sent back as
 * it came. Channels 0, 2 and 3 are served in one of two shapes:
 *
 *   style=seed   the seed API's: a thread in kupdev_wait_channel() starts
 *                a worker for each attach; the worker loops kupdev_receive(),
 *                kupdev_send() of the answer, kupdev_unlock_channel(), and
 *                stops at the first error;
 *   style=chan   one thread per channel: kupdev_wait_attached(), then
 *                receive, unlock and answer until the receive fails.
 *
 * @delay_ms: each answer is sent that long after its request was received,
 * so that a test can kill the user while a worker holds a request.
 * @greet (style=chan): each user gets "hello" first, sent right after
 * kupdev_wait_attached() returned, as a client that speaks first does.
 * Channel 1 gets "tick N" every 10 ms from a thread of its own, sent to
 * whoever is attached, N counting every tick ever sent.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <kup/kupdev.h>

static char *style = "seed";
module_param(style, charp, 0444);
MODULE_PARM_DESC(style, "seed (a worker per attach) or chan (a thread per channel)");

static uint delay_ms;
module_param(delay_ms, uint, 0444);
MODULE_PARM_DESC(delay_ms, "time between a request and its answer");

static bool greet;
module_param(greet, bool, 0444);
MODULE_PARM_DESC(greet, "style=chan: send \"hello\" to each user first");

#define SERVE_CHANS	4
#define SERVE_TICK	1		/* the channel that gets ticks */
#define SERVE_WORKERS	512		/* seed workers over the module's life */

static struct kupdev_softc *sc;
static struct task_struct *threads[SERVE_CHANS];	/* chan, or [0] seed */
static struct task_struct *ticker;
static struct task_struct *workers[SERVE_WORKERS];
static unsigned int nworkers;
static atomic_t served = ATOMIC_INIT(0);	/* answers sent */
module_param_named(answers, served.counter, int, 0444);

/*
 * Answer one request. Return: the receive's error, or 0 with the answer's
 * in *@sent (0 or -errno).
 */
static int serve_one(int id, bool unlock_first, int *sent)
{
	char buf[128];
	size_t len;
	void *req = kupdev_receive(sc, id);

	if (IS_ERR(req))
		return PTR_ERR(req);
	len = min(kupdev_msg_len(sc, id), sizeof(buf));
	memcpy(buf, req, len);
	if (unlock_first)
		kupdev_unlock_channel(sc, id);
	if (delay_ms)
		msleep(delay_ms);
	*sent = kupdev_send(sc, buf, len, id);
	if (!unlock_first)
		kupdev_unlock_channel(sc, id);
	if (!*sent)
		atomic_inc(&served);
	return 0;
}

/* style=seed: the worker of one attach, until its first error. */
static int seed_worker(void *arg)
{
	int id = (long)arg, err, sent = 0;

	do
		err = serve_one(id, false, &sent);
	while (!err && !sent && !kthread_should_stop());
	pr_info("kup_test_serve: channel %d: worker stops: %d\n", id, err ?: sent);
	/* Its task is put by the module's exit (kthread_stop()). */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

static int seed_dispatch(void *arg)
{
	struct task_struct *t;
	int id;

	while (!kthread_should_stop()) {
		id = kupdev_wait_channel(sc);
		if (id < 0 || id == SERVE_TICK)
			continue;
		if (nworkers == SERVE_WORKERS) {
			pr_err("kup_test_serve: too many workers\n");
			continue;
		}
		t = kthread_run(seed_worker, (void *)(long)id, "kup_serve/w%d", id);
		if (!IS_ERR(t))
			workers[nworkers++] = t;
	}
	return 0;
}

/* style=chan: one thread for channel @arg, user after user. */
static int chan_thread(void *arg)
{
	int id = (long)arg, sent;

	while (!kthread_should_stop()) {
		if (kupdev_wait_attached(sc, id))
			continue;
		sent = greet ? kupdev_send(sc, "hello", 5, id) : 0;
		if (sent)
			pr_info("kup_test_serve: channel %d: greeting: %d\n", id, sent);
		/* Until a receive fails; an answer that fails is left. */
		while (!serve_one(id, true, &sent) && !kthread_should_stop())
			;
	}
	return 0;
}

static int tick_thread(void *arg)
{
	char msg[32];
	u64 n = 0;
	int len;

	while (!kthread_should_stop()) {
		len = scnprintf(msg, sizeof(msg), "tick %llu", n);
		if (!kupdev_send_flags(sc, SERVE_TICK, msg, len, KUPDEV_NB))
			n++;
		msleep(10);
	}
	return 0;
}

static void serve_stop(void)
{
	unsigned int i;

	for (i = 0; i < SERVE_CHANS; i++)
		if (!IS_ERR_OR_NULL(threads[i]))
			kthread_stop(threads[i]);
	if (!IS_ERR_OR_NULL(ticker))
		kthread_stop(ticker);
	/* The dispatcher is stopped: nothing adds to workers[] any more. */
	for (i = 0; i < nworkers; i++)
		kthread_stop(workers[i]);
}

static int serve_start(void)
{
	long i;

	if (!strcmp(style, "seed")) {
		threads[0] = kthread_run(seed_dispatch, NULL, "kup_serve/d");
		return PTR_ERR_OR_ZERO(threads[0]);
	}
	if (strcmp(style, "chan"))
		return -EINVAL;
	for (i = 0; i < SERVE_CHANS; i++) {
		if (i == SERVE_TICK)
			continue;
		threads[i] = kthread_run(chan_thread, (void *)i, "kup_serve/%ld", i);
		if (IS_ERR(threads[i]))
			return PTR_ERR(threads[i]);
	}
	return 0;
}

static int __init kup_test_serve_init(void)
{
	int err;

	sc = kupdev_create("kup_serve", 4, SERVE_CHANS);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	err = serve_start();
	if (!err) {
		ticker = kthread_run(tick_thread, NULL, "kup_serve/tick");
		err = PTR_ERR_OR_ZERO(ticker);
	}
	if (err) {
		serve_stop();
		kupdev_unload(sc);
		return err;
	}
	kupdev_notify(sc);
	return 0;
}

static void __exit kup_test_serve_exit(void)
{
	serve_stop();
	kupdev_unload(sc);
}

module_init(kup_test_serve_init);
module_exit(kup_test_serve_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP test client: an echo service in the seed API's shape or per channel (test only)");
