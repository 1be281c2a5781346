// SPDX-License-Identifier: GPL-2.0
/*
 * A daemon's everyday patterns against the echo service of
 * tests/kmod/kup_test_serve.c (device kup_serve, 4 channels of 4 pages),
 * done the way a daemon does them:
 *
 *   kup_daemon restart N   N daemons in turn on channel 0, each killed
 *                          (SIGKILL) with requests in flight, the next one
 *                          started at once: each must be answered, with
 *                          its own requests only, in order;
 *   kup_daemon ticks N     N daemons in turn on channel 1, where the kernel
 *                          keeps sending: each gets ticks, in order;
 *   kup_daemon fork N      N daemons in turn on channel 0, each forking a
 *                          worker that keeps everything and exiting: the
 *                          next one attaches at once and is answered;
 *   kup_daemon epoll       one daemon, an epoll loop over channels 0, 2 and
 *                          3 and a pipe, sending bursts with KP_MORE and
 *                          kernproxy_flush() before each wait.
 *
 * A wait longer than 10 s for an answer counts as a hang.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <kup.h>
#include "tap.h"

#define PAGES		4
#define WAIT_MS		10000
#define IN_FLIGHT	3

static void *attach(int chan, void **dev)
{
	void *ch;

	*dev = kernproxy_open("kup_serve");
	if (!*dev)
		return NULL;
	ch = kernproxy_channel(*dev, chan, PAGES);
	if (!ch)
		kernproxy_close(*dev);
	return ch;
}

/* The next message within WAIT_MS, or NULL (errno ETIMEDOUT on a hang). */
static char *next_msg(void *ch, size_t *len)
{
	struct pollfd p = { .fd = kernproxy_fd(ch), .events = POLLIN };
	char *m;

	for (;;) {
		m = kernproxy_receive_len(ch, len, KP_NB);
		if (m || kernproxy_errno != EAGAIN)
			return m;
		if (poll(&p, 1, WAIT_MS) == 0) {
			errno = ETIMEDOUT;
			return NULL;
		}
	}
}

/* Send @want and check that exactly it comes back next. 0 or 1. */
static int expect(void *ch, const char *want, const char *who)
{
	size_t len;
	char *m = next_msg(ch, &len);

	if (!m) {
		printf("# %s: no answer to '%s': %s\n", who, want, strerror(errno));
		return 1;
	}
	if (len != strlen(want) || memcmp(m, want, len)) {
		printf("# %s: '%.*s' where '%s' was due\n", who, (int)len, m, want);
		return 1;
	}
	return 0;
}

static int ask(void *ch, const char *req, int flags)
{
	return kernproxy_send(ch, (void *)req, strlen(req), flags);
}

/*
 * Daemon @g: one answered request, then IN_FLIGHT more sent; the last
 * daemon waits for their answers, the others tell @fd and wait to be
 * killed. Exit status 0, or 1 with the reason printed.
 */
static int restart_child(int g, int last, int fd)
{
	char req[32], who[32];
	void *dev, *ch = attach(0, &dev);
	int i;

	snprintf(who, sizeof(who), "daemon %d", g);
	if (!ch) {
		printf("# %s: attach: %s\n", who, strerror(kernproxy_errno));
		return 1;
	}
	snprintf(req, sizeof(req), "g%d r0", g);
	if (ask(ch, req, 0) || expect(ch, req, who))
		return 1;
	for (i = 1; i <= IN_FLIGHT; i++) {
		snprintf(req, sizeof(req), "g%d r%d", g, i);
		if (ask(ch, req, KP_NB))
			return printf("# %s: send: %s\n", who, strerror(errno)), 1;
	}
	if (!last) {
		if (write(fd, "k", 1) != 1)
			return 1;
		pause();
	}
	for (i = 1; i <= IN_FLIGHT; i++) {
		snprintf(req, sizeof(req), "g%d r%d", g, i);
		if (expect(ch, req, who))
			return 1;
	}
	kernproxy_close(dev);
	return 0;
}

/* Wait for @pid; its exit status, or -1 if a signal ended it. */
static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int restart(int n)
{
	int g, fds[2], bad = 0;
	pid_t pid;
	char c;

	for (g = 1; g <= n && !bad; g++) {
		if (pipe(fds))
			return 1;
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			close(fds[0]);
			_exit(restart_child(g, g == n, fds[1]));
		}
		close(fds[1]);
		if (g < n && read(fds[0], &c, 1) == 1) {
			/* Requests in flight: killed now, the next one at once. */
			kill(pid, SIGKILL);
			bad = reap(pid) != -1;
		} else {
			bad = reap(pid) != 0;
		}
		close(fds[0]);
	}
	tap_ok(!bad, "restart: %d daemons, each killed with %d requests in flight and the next one started at once, each answered with its own requests only, in order (%d)",
	       n, IN_FLIGHT, g - 1);
	return tap_exit_status();
}

/*
 * Daemon @g of "fork": answered once, then it forks a worker that keeps
 * everything (the channel fd too) and lives on, as a daemon that forks
 * workers does, and exits. The worker's pid goes to @fd.
 */
static int fork_child(int g, int fd)
{
	char req[32], who[32];
	void *dev, *ch = attach(0, &dev);
	pid_t w;

	snprintf(who, sizeof(who), "forking daemon %d", g);
	if (!ch)
		return printf("# %s: attach: %s\n", who, strerror(kernproxy_errno)), 1;
	snprintf(req, sizeof(req), "g%d r0", g);
	if (ask(ch, req, 0) || expect(ch, req, who))
		return 1;
	w = fork();
	if (w == 0) {
		pause();
		_exit(0);
	}
	return write(fd, &w, sizeof(w)) == sizeof(w) ? 0 : 1;
}

static int forks(int n)
{
	pid_t pid, workers[64];
	int g, fds[2], bad = 0, nw = 0;

	if (n > 64 || pipe(fds))
		return 1;
	for (g = 1; g <= n && !bad; g++) {
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(fork_child(g, fds[1]));
		bad = reap(pid) != 0 ||
		      read(fds[0], &workers[nw++], sizeof(pid_t)) != sizeof(pid_t);
	}
	tap_ok(!bad, "fork: %d daemons in turn, each forks a worker that keeps the channel fd and exits: the next one attaches at once and is answered (%d)",
	       n, g - 1);
	while (nw--)
		kill(workers[nw], SIGKILL);
	return tap_exit_status();
}

/* Daemon @g on channel 1: five ticks, each later than the one before. */
static int ticks_child(int g)
{
	void *dev, *ch = attach(1, &dev);
	unsigned long long t, prev = 0;
	size_t len;
	char *m;
	int i;

	if (!ch)
		return printf("# ticks %d: attach: %s\n", g, strerror(kernproxy_errno)), 1;
	for (i = 0; i < 5; i++) {
		m = next_msg(ch, &len);
		if (!m || sscanf(m, "tick %llu", &t) != 1 || (i && t <= prev)) {
			printf("# ticks %d: tick %d: %s\n", g, i,
			       m ? "out of order" : strerror(errno));
			return 1;
		}
		prev = t;
	}
	return 0;
}

static int ticks(int n)
{
	int g, bad = 0;
	pid_t pid;

	for (g = 1; g <= n && !bad; g++) {
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(ticks_child(g));
		bad = reap(pid) != 0;
	}
	tap_ok(!bad, "ticks: %d daemons in turn on a channel the kernel keeps sending to, each gets its ticks in order", n);
	return tap_exit_status();
}

#define EP_CHANS	3
#define EP_BURST	8
#define EP_ROUNDS	20

static const int ep_ids[EP_CHANS] = { 0, 2, 3 };

static void *ep_poke(void *arg)
{
	usleep(20000);
	return write(*(int *)arg, "p", 1) == 1 ? NULL : arg;
}

/* One round: a burst per channel, then the event loop until all answer. */
static int ep_round(int ep, void **chs, int *pfd, int r)
{
	int got[EP_CHANS] = { 0 }, left = EP_CHANS * EP_BURST, poked = 0, i, n;
	struct epoll_event ev[8];
	pthread_t t;
	char req[32];

	for (i = 0; i < EP_CHANS; i++) {
		for (n = 0; n < EP_BURST; n++) {
			snprintf(req, sizeof(req), "c%d r%d.%d", ep_ids[i], r, n);
			if (ask(chs[i], req, KP_MORE))
				return 1;
		}
		/* The burst ends before the wait: epoll_wait() does not end it. */
		kernproxy_flush(chs[i]);
	}
	if (pthread_create(&t, NULL, ep_poke, &pfd[1]))
		return 1;
	while (left || !poked) {
		n = epoll_wait(ep, ev, 8, WAIT_MS);
		if (n <= 0) {
			printf("# epoll round %d: nothing for %d ms, %d answers missing\n",
			       r, WAIT_MS, left);
			break;
		}
		while (n--) {
			i = ev[n].data.u32;
			if (i == EP_CHANS) {
				char c;

				poked = read(pfd[0], &c, 1) == 1;
				continue;
			}
			for (;;) {
				size_t len;
				char *m = kernproxy_receive_len(chs[i], &len, KP_NB);

				if (!m)
					break;
				snprintf(req, sizeof(req), "c%d r%d.%d", ep_ids[i], r, got[i]);
				if (len != strlen(req) || memcmp(m, req, len)) {
					printf("# epoll: '%.*s' where '%s' was due\n",
					       (int)len, m, req);
					pthread_join(t, NULL);
					return 1;
				}
				got[i]++;
				left--;
			}
		}
	}
	pthread_join(t, NULL);
	return left || !poked;
}

static int epoll_loop(void)
{
	void *devs[EP_CHANS], *chs[EP_CHANS];
	struct epoll_event e = { .events = EPOLLIN };
	int ep = epoll_create1(0), pfd[2], i, r, bad = 0;

	if (ep < 0 || pipe(pfd))
		return 1;
	for (i = 0; i < EP_CHANS; i++) {
		chs[i] = attach(ep_ids[i], &devs[i]);
		if (!chs[i])
			return printf("# epoll: attach %d: %s\n", ep_ids[i],
				      strerror(kernproxy_errno)), 1;
		e.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, kernproxy_fd(chs[i]), &e))
			return 1;
	}
	e.data.u32 = EP_CHANS;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &e))
		return 1;
	for (r = 0; r < EP_ROUNDS && !bad; r++)
		bad = ep_round(ep, chs, pfd, r);
	tap_ok(!bad, "epoll: a daemon's event loop over 3 channels and a pipe, %d rounds of a KP_MORE burst of %d per channel, flushed before the wait: every answer, in order (%d rounds)",
	       EP_ROUNDS, EP_BURST, r);
	for (i = 0; i < EP_CHANS; i++)
		kernproxy_close(devs[i]);
	return tap_exit_status();
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 10;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "restart"))
		return restart(n);
	if (argc > 1 && !strcmp(argv[1], "ticks"))
		return ticks(n);
	if (argc > 1 && !strcmp(argv[1], "fork"))
		return forks(n);
	if (argc > 1 && !strcmp(argv[1], "epoll"))
		return epoll_loop();
	fprintf(stderr, "usage: kup_daemon restart|ticks|fork [N] | epoll\n");
	return 2;
}
