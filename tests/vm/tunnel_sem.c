// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/tunnel from user space, one phase per run (tests/vm/t_tunnel.sh):
 *
 *   tunnel_sem silent SIZE	kup_tunnel alone, both buffers empty: EAGAIN,
 *				poll/select/epoll, EINTR; leaves the
 *				user-to-kernel buffer full of the test stream
 *   tunnel_sem echo SIZE	tunnel_echo loaded: it returns that stream,
 *				then wake-ups, partial reads, upper-casing
 *   tunnel_sem block-read	for the unload test: blocks in read(),
 *   tunnel_sem block-write	write(), poll() or epoll_wait() and expects
 *   tunnel_sem block-poll	the unload to wake it with an error
 *   tunnel_sem block-epoll
 *   tunnel_sem spin		polls in a loop until a read gives EIO
 *
 * The block-* phases create /tmp/tunnel_ready.PHASE just before blocking.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"

#define TUNNEL "/proc/tunnel"

static char pat_byte(unsigned long pos)
{
	if (pos % 8 == 7)
		return '\n';
	return "0123456789ABCDEF"[(pos / 8 >> (4 * (6 - pos % 8))) & 15];
}

static int open_tunnel(int flags)
{
	int fd = open(TUNNEL, O_RDWR | flags);

	if (fd < 0) {
		tap_ok(0, "open %s: %s", TUNNEL, strerror(errno));
		exit(1);
	}
	return fd;
}

static short poll_now(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, timeout_ms) == 1 ? p.revents : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* SIGALRM in @ms without SA_RESTART: a blocked call fails with EINTR. */
static void alarm_ms(int ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { ms / 1000, ms % 1000 * 1000 } };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

/* In a child: write @s to the tunnel after @ms. */
static pid_t write_later(const char *s, int ms)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(TUNNEL, O_WRONLY);

		usleep(ms * 1000);
		_exit(write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : 1);
	}
	return pid;
}

static void reap(pid_t pid)
{
	int st;

	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the writing child succeeded");
}

static void silent_reads(int fd)
{
	char buf[16];
	double t;
	ssize_t r;

	r = read(fd, buf, sizeof(buf));
	tap_ok(r < 0 && errno == EAGAIN,
	       "O_NONBLOCK read of an empty tunnel gives EAGAIN (%zd, %s)",
	       r, strerror(errno));
	tap_ok(read(fd, buf, 0) == 0, "a read of 0 bytes returns 0");
	tap_ok(poll_now(fd, POLLIN | POLLOUT, 0) == POLLOUT,
	       "poll: empty tunnel is writable, not readable");
	fcntl(fd, F_SETFL, 0);
	alarm_ms(200);
	t = now();
	r = read(fd, buf, sizeof(buf));
	tap_ok(r < 0 && errno == EINTR && now() - t > 0.1,
	       "blocking read of an empty tunnel waits, a signal ends it with EINTR (%zd, %s)",
	       r, strerror(errno));
	fcntl(fd, F_SETFL, O_NONBLOCK);
}

/* Fill the user-to-kernel buffer with the stream [0, size). */
static void silent_fill(int fd, size_t size)
{
	size_t big = size + 4096, i;
	char *buf = malloc(big);
	ssize_t r;

	for (i = 0; i < big; i++)
		buf[i] = pat_byte(i);
	r = write(fd, buf, big);
	tap_ok(r == (ssize_t)size,
	       "O_NONBLOCK write of %zu bytes into an empty tunnel takes %zu (%zd)",
	       big, size, r);
	r = write(fd, buf, 1);
	tap_ok(r < 0 && errno == EAGAIN, "O_NONBLOCK write to a full tunnel gives EAGAIN (%zd, %s)",
	       r, strerror(errno));
	r = write(fd, buf, big);
	tap_ok(r < 0 && errno == EAGAIN,
	       "... also for more than PIPE_BUF bytes (%zd, %s)", r, strerror(errno));
	free(buf);
}

static void silent_full(int fd)
{
	fd_set rd, wr;
	struct timeval tv = { 0, 0 };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT };
	int ep = epoll_create1(0);
	ssize_t r;
	double t;

	tap_ok(poll_now(fd, POLLIN | POLLOUT, 0) == 0,
	       "poll: full tunnel, nothing to read: neither readable nor writable");
	t = now();
	tap_ok(poll_now(fd, POLLIN | POLLOUT, 300) == 0 && now() - t > 0.25,
	       "poll with a 300 ms timeout times out");
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(fd, &rd);
	FD_SET(fd, &wr);
	tap_ok(select(fd + 1, &rd, &wr, NULL, &tv) == 0, "select agrees");
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	tap_ok(epoll_wait(ep, &ev, 1, 100) == 0, "epoll agrees");
	close(ep);
	fcntl(fd, F_SETFL, 0);
	alarm_ms(200);
	t = now();
	r = write(fd, "x", 1);
	tap_ok(r < 0 && errno == EINTR && now() - t > 0.1,
	       "blocking write to a full tunnel waits, a signal ends it with EINTR (%zd, %s)",
	       r, strerror(errno));
}

static int phase_silent(size_t size)
{
	int fd = open_tunnel(O_NONBLOCK);

	tap_ok(lseek(fd, 0, SEEK_SET) < 0 && errno == ESPIPE,
	       "lseek gives ESPIPE, as on a pipe");
	silent_reads(fd);
	silent_fill(fd, size);
	silent_full(fd);
	close(fd);
	return tap_exit_status();
}

/* Read exactly @len bytes, or fail after 10 s. */
static int read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		if (!(poll_now(fd, POLLIN, 10000) & POLLIN))
			return -1;
		r = read(fd, buf + got, len - got);
		if (r > 0)
			got += r;
		else if (!(r < 0 && errno == EAGAIN))
			return -1;
	}
	return 0;
}

static void echo_returns_fill(int fd, size_t size)
{
	char *buf = malloc(size);
	size_t i, bad = 0;

	tap_ok(poll_now(fd, POLLIN, 10000) & POLLIN,
	       "poll: the echo's bytes make the tunnel readable");
	tap_ok(read_all(fd, buf, size) == 0, "the echo returned %zu bytes", size);
	for (i = 0; i < size; i++)
		bad += buf[i] != pat_byte(i);
	tap_ok(!bad, "... they are the stream written before it was loaded (%zu wrong)", bad);
	tap_ok(poll_now(fd, POLLIN | POLLOUT, 1000) == POLLOUT,
	       "poll: drained tunnel is writable, not readable");
	free(buf);
}

static void echo_partial(int fd)
{
	char buf[64] = "";
	ssize_t w, r1, r2;

	w = write(fd, "abcdefghij", 10);
	tap_ok(w == 10, "write of 10 bytes (%zd)", w);
	poll_now(fd, POLLIN, 10000);
	r1 = read(fd, buf, 4);
	r2 = read(fd, buf + 4, sizeof(buf) - 4);
	tap_ok(r1 == 4 && r2 == 6 && !strcmp(buf, "ABCDEFGHIJ"),
	       "partial reads: 4 then the other 6, upper-cased (%zd, %zd, \"%s\")",
	       r1, r2, buf);
}

static void echo_wakeups(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char buf[64] = "";
	int ep = epoll_create1(0);
	pid_t pid;
	ssize_t r;

	fcntl(fd, F_SETFL, 0);
	pid = write_later("wake me", 200);
	r = read(fd, buf, sizeof(buf) - 1);
	tap_ok(r == 7 && !strcmp(buf, "WAKE ME"),
	       "a blocked read wakes with the echo's bytes (%zd, \"%s\")", r, buf);
	reap(pid);
	pid = write_later("poll", 200);
	tap_ok(poll_now(fd, POLLIN, -1) == POLLIN, "a blocked poll wakes with POLLIN");
	r = read(fd, buf, sizeof(buf));
	reap(pid);
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	pid = write_later("epoll", 200);
	tap_ok(epoll_wait(ep, &ev, 1, -1) == 1 && ev.events == EPOLLIN,
	       "a blocked epoll_wait wakes with EPOLLIN (%#x)", ev.events);
	r = read(fd, buf, sizeof(buf));
	tap_ok(r == 5, "... and the bytes are there (%zd)", r);
	reap(pid);
	close(ep);
}

static int phase_echo(size_t size)
{
	int fd = open_tunnel(O_NONBLOCK);

	echo_returns_fill(fd, size);
	echo_partial(fd);
	echo_wakeups(fd);
	close(fd);
	return tap_exit_status();
}

static void ready(const char *phase)
{
	char path[64];

	snprintf(path, sizeof(path), "/tmp/tunnel_ready.%s", phase);
	close(open(path, O_CREAT | O_WRONLY, 0644));
}

/* After the unload the open file stays, and fails with EIO. */
static void after_unload(int fd, const char *what)
{
	char c;
	ssize_t r = read(fd, &c, 1);

	tap_ok(r < 0 && errno == EIO,
	       "%s: a read() on the file after the unload gives EIO (%zd, %s)",
	       what, r, strerror(errno));
	tap_ok(close(fd) == 0, "%s: the file closes", what);
}

static int phase_block_read(void)
{
	int fd = open_tunnel(0);
	char buf[16];
	ssize_t r;

	ready("block-read");
	r = read(fd, buf, sizeof(buf));
	tap_ok(r < 0 && errno == EIO,
	       "a reader blocked in read() gets EIO at unload (%zd, %s)",
	       r, strerror(errno));
	after_unload(fd, "reader");
	return tap_exit_status();
}

static int phase_block_write(void)
{
	int fd = open_tunnel(O_NONBLOCK);
	char buf[512] = "";
	ssize_t r;

	while (write(fd, buf, sizeof(buf)) > 0)
		;
	fcntl(fd, F_SETFL, 0);
	ready("block-write");
	r = write(fd, buf, sizeof(buf));
	tap_ok(r < 0 && errno == EIO,
	       "a writer blocked in write() gets EIO at unload (%zd, %s)",
	       r, strerror(errno));
	after_unload(fd, "writer");
	return tap_exit_status();
}

static int phase_block_poll(void)
{
	int fd = open_tunnel(0);
	short ev;

	ready("block-poll");
	ev = poll_now(fd, POLLIN, 60000);
	tap_ok(ev, "a poll() blocked on POLLIN wakes at unload (%#x)", ev);
	after_unload(fd, "poller");
	return tap_exit_status();
}

/*
 * The epoll entry must leave the module's wait queue at unload: closing the
 * epoll instance and the file a while after the module's memory is gone
 * must not touch it.
 */
static int phase_block_epoll(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = open_tunnel(0), ep = epoll_create1(0), n;

	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	ready("block-epoll");
	n = epoll_wait(ep, &ev, 1, 60000);
	tap_ok(n == 1, "an epoll_wait() blocked on EPOLLIN wakes at unload (%d, %#x)",
	       n, ev.events);
	sleep(1);
	tap_ok(epoll_wait(ep, &ev, 1, 0) >= 0, "epoll_wait after the unload");
	tap_ok(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) == 0,
	       "EPOLL_CTL_DEL after the unload");
	close(ep);
	after_unload(fd, "epoll user");
	return tap_exit_status();
}

/*
 * For unload races: poll(), select() and epoll_wait() (on a new epoll
 * instance each round, and on one kept throughout) in a loop with short
 * timeouts, until a read gives EIO. Exit status 0 when it did.
 */
static int phase_spin(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = open_tunnel(O_NONBLOCK), kept = epoll_create1(0), ep;
	struct timeval tv;
	fd_set rd;
	char c;

	epoll_ctl(kept, EPOLL_CTL_ADD, fd, &ev);
	ready("spin");
	while (!(read(fd, &c, 1) < 0 && errno == EIO)) {
		poll_now(fd, POLLIN, 1);
		ep = epoll_create1(0);
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		epoll_wait(ep, &ev, 1, 1);
		close(ep);
		epoll_wait(kept, &ev, 1, 1);
		FD_ZERO(&rd);
		FD_SET(fd, &rd);
		tv.tv_sec = 0;
		tv.tv_usec = 1000;
		select(fd + 1, &rd, NULL, NULL, &tv);
	}
	close(kept);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *phase = argc > 1 ? argv[1] : "";
	size_t size = argc > 2 ? strtoul(argv[2], NULL, 0) : 4096;

	if (!strcmp(phase, "silent"))
		return phase_silent(size);
	if (!strcmp(phase, "echo"))
		return phase_echo(size);
	if (!strcmp(phase, "block-read"))
		return phase_block_read();
	if (!strcmp(phase, "block-write"))
		return phase_block_write();
	if (!strcmp(phase, "block-poll"))
		return phase_block_poll();
	if (!strcmp(phase, "block-epoll"))
		return phase_block_epoll();
	if (!strcmp(phase, "spin"))
		return phase_spin();
	fprintf(stderr, "usage: tunnel_sem silent|echo SIZE | block-read|block-write|block-poll|block-epoll|spin\n");
	return 2;
}
