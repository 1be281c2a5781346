// SPDX-License-Identifier: GPL-2.0
/*
 * In-VM burst tests, the user half of tests/kmod/kup_test_burst.c (see
 * there for the phases). The channel is attached with spin 1, so that a
 * receive with nothing there goes to sleep at once: a burst must wake it
 * once, at its end, with the whole burst there. alarm() ends a run that a
 * lost wake-up would hang.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <time.h>
#include <unistd.h>
#include <kup.h>
#include "kp_err.h"
#include "tap.h"

#define BT_MSGS		200
#define BT_LEN		100

static struct kernproxy_msg msgs[BT_MSGS];

static int say(void *ch, const char *s)
{
	return kernproxy_send(ch, (void *)s, strlen(s), 0);
}

/* Does message @m read @want? */
static int is(const struct kernproxy_msg *m, const char *want)
{
	return m->len == strlen(want) && !memcmp(m->data, want, m->len);
}

/*
 * Phases 1-3: say "ready N", sleep in one blocking receive_batch; it must
 * return all @n messages of the burst at once.
 */
static void three(void *ch, int phase, int n)
{
	char b[16];
	int got, i, ok;

	snprintf(b, sizeof(b), "ready %d", phase);
	say(ch, b);
	got = kernproxy_receive_batch(ch, msgs, 64, 0);
	for (ok = got == n, i = 0; ok && i < n; i++) {
		snprintf(b, sizeof(b), "%d.%d", phase, i);
		ok = is(&msgs[i], b);
	}
	if (!tap_ok(ok, "phase %d: the sleeping user wakes once, at the end of the burst, with all %d messages (got %d)",
		    phase, n, got) && got > 0)
		tap_diag("the first one: \"%.*s\"", (int)msgs[0].len, (char *)msgs[0].data);
	if (phase == 3)
		say(ch, "ack 3");
}

/* Phase 4: the kernel's batch filled the ring: receive it all, in order. */
static void drain_full(void *ch)
{
	int got = 0, n, i, seq, ok = 1;

	say(ch, "ready 4");
	while (ok && (n = kernproxy_receive_batch(ch, msgs, 64, got ? KP_NB : 0)) > 0) {
		for (i = 0; i < n; i++) {
			memcpy(&seq, msgs[i].data, sizeof(seq));
			ok &= msgs[i].len == BT_LEN && seq == got + i &&
			      ((char *)msgs[i].data)[BT_LEN - 1] == 'a' + seq % 26;
		}
		got += n;
	}
	tap_ok(ok && got == (int)((kernproxy_max_msg(ch) + 8) / 112),
	       "phase 4: kupdev_send_batch(KUPDEV_NB) filled the ring with %d whole messages, in order",
	       got);
	kernproxy_release(ch);
	say(ch, "drained 4");
}

static void expect(void *ch, const char *want)
{
	size_t len;
	void *m = kernproxy_receive_len(ch, &len, 0);
	struct kernproxy_msg msg = { m, len };

	tap_ok(m && is(&msg, want), "the kernel says \"%s\" (%.*s)", want,
	       m ? (int)len : 0, m ? (char *)m : "");
}

/* Phase 5: five with KP_MORE, 50 ms apart, the kernel asleep; then flush. */
static void user_burst(void *ch)
{
	char b[8];
	int i, err = 0;

	expect(ch, "go 5");
	usleep(300000);
	for (i = 0; i < 5; i++) {
		snprintf(b, sizeof(b), "5.%d", i);
		err |= kernproxy_send(ch, b, strlen(b), KP_MORE);
		usleep(50000);
	}
	usleep(300000);
	err |= kernproxy_flush(ch);
	tap_ok(!err, "phase 5: five sends with KP_MORE, then kernproxy_flush()");
}

/* Phase 6: one non-blocking batch fills the ring; the next gets EAGAIN. */
static void user_full(void *ch)
{
	int fit = (kernproxy_max_msg(ch) + 8) / 112, i, n, again;
	static char payload[BT_MSGS][BT_LEN];
	char b[24];

	expect(ch, "go 6");
	for (i = 0; i < BT_MSGS; i++) {
		memset(payload[i], 'A', BT_LEN);
		memcpy(payload[i], &i, sizeof(i));
		msgs[i].data = payload[i];
		msgs[i].len = BT_LEN;
	}
	/* The kernel reads nothing for a second. */
	n = kernproxy_send_batch(ch, msgs, BT_MSGS, KP_NB);
	again = kernproxy_send_batch(ch, msgs, BT_MSGS, KP_NB);
	tap_ok(n == fit && again == -1 && kp_errno() == EAGAIN,
	       "phase 6: kernproxy_send_batch(KP_NB) sends the %d that fit (%d), the next none (%d, %s)",
	       fit, n, again, strerror(kernproxy_errno));
	snprintf(b, sizeof(b), "done 6 %d", n);
	say(ch, b);
}

/*
 * Wait up to @ms in our own poll() for a message; 1 if a wake-up came for
 * one. What we hold is given back first: POLLIN counts it until then. A
 * poll() that times out looks once more, and a message there unannounced
 * then shows as POLLIN too: only a return well before @ms is a wake-up.
 */
static int poll_in(void *ch, int ms)
{
	struct pollfd p = { .fd = kernproxy_fd(ch), .events = POLLIN };
	struct timespec a, b;
	long took;
	int r;

	kernproxy_release(ch);
	clock_gettime(CLOCK_MONOTONIC, &a);
	r = poll(&p, 1, ms);
	clock_gettime(CLOCK_MONOTONIC, &b);
	took = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	return r == 1 && (p.revents & POLLIN) && took < ms * 9 / 10;
}

/* Phase 7: asleep in poll(), woken by a batch that then failed. */
static void batch_error(void *ch)
{
	struct kernproxy_msg m;
	int woke;

	expect(ch, "go 7");
	say(ch, "ready 7");
	/* Within 1 s: the kernel calls nothing more for 2 s after the batch. */
	woke = poll_in(ch, 1000);
	m.data = kernproxy_receive_len(ch, &m.len, KP_NB);
	tap_ok(woke && m.data && is(&m, "7.0"),
	       "phase 7: a batch stopped by an error after its first message wakes the user (woken %d)",
	       woke);
	say(ch, "got 7");
}

/* Phase 8: KP_MORE, then our own poll() without a flush. */
static void user_poll(void *ch)
{
	int woke;

	expect(ch, "go 8");
	usleep(300000);		/* the kernel is asleep in its receive */
	kernproxy_send(ch, "8.0", 3, KP_MORE);
	woke = poll_in(ch, 3000);
	tap_ok(woke, "phase 8: a KP_MORE send, then the user's own poll(): the kernel wakes and answers");
	kernproxy_flush(ch);	/* so that the rest goes on if it did not */
	expect(ch, "8 back");
}

/* Phase 9: three messages, then leave without reading anything. */
static void leave(void *ch)
{
	expect(ch, "go 9");
	say(ch, "9.0");
	say(ch, "9.1");
	say(ch, "9.2");
}

int main(void)
{
	struct kernproxy_chan_opts o = { .spin = 1 };
	void *dev = kernproxy_open("kup_burst");
	void *ch = dev ? kernproxy_channel_opts(dev, 0, 1, &o) : NULL;

	alarm(30);
	if (!tap_ok(ch != NULL, "attach kup_burst 0 (%s)", strerror(kernproxy_errno)))
		return 1;
	tap_ok(kernproxy_send_batch(ch, msgs, 0, 0) == 0, "kernproxy_send_batch() of none sends nothing");
	three(ch, 1, 3);
	three(ch, 2, 3);
	three(ch, 3, 2);
	drain_full(ch);
	user_burst(ch);
	user_full(ch);
	batch_error(ch);
	user_poll(ch);
	expect(ch, "kernel ok");
	leave(ch);
	kernproxy_close(dev);
	return tap_exit_status();
}
