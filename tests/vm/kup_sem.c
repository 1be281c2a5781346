// SPDX-License-Identifier: GPL-2.0
/*
 * In-VM semantics of the user API, against two devices:
 *   kup_sem_s  kup_sample: nobody on the kernel side reads or writes
 *   kup_echo   the echo service (4 channels of 1 page)
 * and kup_reg_mode (from kup_test_reg), which never called kupdev_notify().
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <kup.h>
#include "payload.h"
#include "kp_err.h"
#include "tap.h"

static short poll_now(void *ch, short events, int timeout_ms)
{
	struct pollfd p = { .fd = kernproxy_fd(ch), .events = events };

	return poll(&p, 1, timeout_ms) == 1 ? p.revents : 0;
}

static void check_attach_errors(void *dev)
{
	void *other = kernproxy_open("kup_sem_s");
	void *ch;
	int st;

	tap_ok(!kernproxy_channel(dev, 0, 2) && kp_errno() == EINVAL,
	       "attach with the wrong size gives EINVAL (%d)", kernproxy_errno);
	tap_ok(!kernproxy_channel(dev, 2, 1) && kp_errno() == EINVAL,
	       "attach of a channel id out of range gives EINVAL (%d)",
	       kernproxy_errno);
	ch = kernproxy_channel(dev, 0, 1);
	tap_ok(ch != NULL, "attach channel 0 (%d)", kernproxy_errno);
	tap_ok(!kernproxy_channel(other, 0, 1) && kp_errno() == EBUSY &&
	       kernproxy_error(other) == EBUSY,
	       "second attach of channel 0 gives EBUSY (%d)", kernproxy_errno);
	if (fork() == 0) {
		void *d = kernproxy_open("kup_sem_s");

		_exit(!kernproxy_channel(d, 0, 1) && kp_errno() == EBUSY ? 0 : 1);
	}
	wait(&st);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "attach of channel 0 from another process gives EBUSY");
	kernproxy_detach(ch);
	ch = kernproxy_channel(other, 0, 1);
	tap_ok(ch != NULL, "channel 0 can be attached again after detach (%d)",
	       kernproxy_errno);
	kernproxy_close(other);
}

/* Kernel side silent: empty and full rings, and what poll/epoll say. */
static void check_full_empty(void *dev)
{
	void *ch = kernproxy_channel(dev, 1, 1);
	size_t max, n = 0;
	int ep, r;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT };

	if (!tap_ok(ch != NULL, "attach channel 1 (%d)", kernproxy_errno))
		return;
	max = kernproxy_max_msg(ch);
	tap_ok(max == 4096 - 8, "largest message of a 1-page ring is 4088 (%zu)", max);
	tap_ok(!kernproxy_receive(ch, KP_NB) && kp_errno() == EAGAIN,
	       "KP_NB receive on an empty ring gives EAGAIN (%d)", kernproxy_errno);
	tap_ok(poll_now(ch, POLLIN | POLLOUT, 0) == POLLOUT,
	       "poll: empty ring is writable, not readable");
	tap_ok(kernproxy_send(ch, NULL, max + 1, KP_NB) < 0 &&
	       kp_errno() == EMSGSIZE,
	       "send of max+1 bytes gives EMSGSIZE (%d)", kernproxy_errno);
	tap_ok(kernproxy_send(ch, NULL, max + 1, 0) < 0 &&
	       kp_errno() == EMSGSIZE,
	       "blocking send of max+1 bytes gives EMSGSIZE at once");
	while (kernproxy_send(ch, NULL, 0, KP_NB) == 0 && n < 100000)
		n++;
	tap_ok(kp_errno() == EAGAIN && n == 4096 / 8,
	       "KP_NB send on a full ring gives EAGAIN after %zu empty records (%d)",
	       n, kernproxy_errno);
	tap_ok(poll_now(ch, POLLIN | POLLOUT, 0) == 0,
	       "poll: full ring is not writable");
	ep = epoll_create1(0);
	epoll_ctl(ep, EPOLL_CTL_ADD, kernproxy_fd(ch), &ev);
	r = epoll_wait(ep, &ev, 1, 100);
	tap_ok(r == 0, "epoll: nothing ready on a full, silent channel (%d)", r);
	close(ep);
	kernproxy_detach(ch);
}

static int echo_check(void *ch, size_t len, uint64_t key)
{
	size_t got;
	void *m = kernproxy_receive_len(ch, &got, 0);

	return m && got == len && !pl_check(m, len, key) &&
	       kernproxy_msg_len(ch) == len ? 0 : -1;
}

static void check_echo_poll(void *ch)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0), r;
	unsigned char b[64];

	epoll_ctl(ep, EPOLL_CTL_ADD, kernproxy_fd(ch), &ev);
	tap_ok(epoll_wait(ep, &ev, 1, 0) == 0, "epoll: no echo before a send");
	pl_fill(b, sizeof(b), 7);
	kernproxy_send(ch, b, sizeof(b), 0);
	r = epoll_wait(ep, &ev, 1, 10000);
	tap_ok(r == 1 && (ev.events & EPOLLIN), "epoll: EPOLLIN once the echo is there");
	tap_ok(echo_check(ch, sizeof(b), 7) == 0, "the echo is intact");
	tap_ok(!kernproxy_receive(ch, KP_NB) && kp_errno() == EAGAIN,
	       "KP_NB receive after the echo gives EAGAIN");
	kernproxy_send(ch, b, sizeof(b), 0);
	tap_ok(poll_now(ch, POLLIN, 10000) & POLLIN, "poll: POLLIN for the next echo");
	tap_ok(echo_check(ch, sizeof(b), 7) == 0, "the second echo is intact");
	close(ep);
}

static void check_echo_sizes(void *ch)
{
	static unsigned char big[4088];
	size_t len = 1;
	void *m;

	tap_ok(kernproxy_send(ch, NULL, 0, 0) == 0, "send of an empty message");
	m = kernproxy_receive_len(ch, &len, 0);
	tap_ok(m != NULL && len == 0,
	       "kupdev_pass() arrives as a zero-length message (len %zu)", len);
	pl_fill(big, sizeof(big), 99);
	tap_ok(kernproxy_send(ch, big, sizeof(big), 0) == 0 &&
	       echo_check(ch, sizeof(big), 99) == 0,
	       "a message of the largest size echoes intact");
}

static void check_zero_copy(void *ch)
{
	struct kernproxy_msg v[8];
	struct kernproxy_stats st;
	int i, got = 0, bad = 0, n, r;
	void *buf;

	for (i = 0; i < 8; i++) {
		buf = kernproxy_reserve(ch, 100 + i, 0);
		if (!buf)
			break;
		pl_fill(buf, 100 + i, 1000 + i);
		kernproxy_commit(ch);
	}
	tap_ok(i == 8, "8 messages sent with reserve/commit");
	tap_ok(!kernproxy_commit(ch) || kp_errno() == EINVAL,
	       "commit without reserve gives EINVAL");
	while (got < 8) {
		n = kernproxy_receive_batch(ch, v, 8 - got, 0);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++, got++)
			bad += v[i].len != (size_t)(100 + got) ||
			       pl_check(v[i].data, v[i].len, 1000 + got);
	}
	tap_ok(got == 8 && !bad, "batch receive returns the 8 in order, intact (%d bad)", bad);
	kernproxy_release(ch);
	r = kernproxy_stats(ch, &st);
	tap_ok(r == 0 && st.u2k_msgs >= 12 &&
	       st.k2u_msgs >= 12 && st.attaches >= 1 && st.proto_errors == 0,
	       "kernproxy_stats counts the traffic (u2k %llu, k2u %llu)",
	       (unsigned long long)st.u2k_msgs, (unsigned long long)st.k2u_msgs);
}

int main(void)
{
	struct kernproxy_chan_opts nowait = { .flags = KP_ATTACH_NOWAIT };
	void *dev;
	void *ch;

	tap_ok(!kernproxy_open("kup_nonexistent") && kp_errno() == ENOENT,
	       "missing device gives ENOENT");
	dev = kernproxy_open("kup_sem_s");
	if (!tap_ok(dev != NULL, "open kup_sem_s"))
		return 1;
	check_attach_errors(dev);
	check_full_empty(dev);
	kernproxy_close(dev);

	dev = kernproxy_open("kup_reg_mode");
	tap_ok(dev && !kernproxy_channel_opts(dev, 0, 1, &nowait) &&
	       kp_errno() == EAGAIN,
	       "attach before kupdev_notify() with KP_ATTACH_NOWAIT gives EAGAIN");
	kernproxy_close(dev);

	dev = kernproxy_open("/dev/kup_echo");
	ch = dev ? kernproxy_channel(dev, 2, 1) : NULL;
	if (!tap_ok(ch != NULL, "attach kup_echo channel 2 (%d)", kernproxy_errno))
		return 1;
	check_echo_poll(ch);
	check_echo_sizes(ch);
	check_zero_copy(ch);
	kernproxy_close(dev);
	return tap_exit_status();
}
