// SPDX-License-Identifier: GPL-2.0
/*
 * In-VM lifetime checks; the shell script around it unloads modules and
 * kills processes at the right moments.
 *   kup_life recv-unload   block in receive on kup_echo until it is unloaded
 *   kup_life send-unload   fill both rings of kup_echo, block in send until
 *                          it is unloaded
 *   kup_life cycles N      N attach/echo/detach cycles on kup_echo; no leak
 *   kup_life greet CHAN    attach kup_wait CHAN, expect "hello CHAN"
 *   kup_life attach NAME   attach channel 0 of NAME (1 page), then close
 *   kup_life attach-efault NAME  KUP_IOC_ATTACH on /dev/NAME with an answer
 *                          buffer it can read but not write: EFAULT
 *   kup_life emfile        an attach of kup_drain 2 that fails with EMFILE
 *                          (fd limit reached), then one that works: the
 *                          kernel thread of channel 2 must serve it
 *   kup_life attach-gone NAME  attach channel 0 of NAME while it is being
 *                          unloaded: the attach or the receive after it
 *                          reports EPIPE, nothing else
 *   kup_life send-close CHAN N  attach kup_drain CHAN, send "msg 0" ..
 *                          "msg N-1", close
 *   kup_life quiet CHAN    attach kup_drain CHAN: nothing arrives in 0.3 s
 *   kup_life reserve-send  attach kup_wait 1: a send while a reservation is
 *                          open is refused (-EBUSY), the reserved message
 *                          arrives whole, nothing else
 *   kup_life status-race   attach kup_echo 0, write an impossible producer
 *                          position and wake the kernel (its thread breaks
 *                          the channel); once /tmp/kup_unloaded exists, the
 *                          status word must say both BROKEN and DETACHED
 * A process that blocks first creates /tmp/kup_ready.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uapi/kup/kup_abi.h>
#include <kup.h>
#include "kup_maps.h"
#include "payload.h"
#include "kp_err.h"
#include "tap.h"

static void *attach(const char *name, int chan, void **dev)
{
	*dev = kernproxy_open(name);
	return *dev ? kernproxy_channel(*dev, chan, 1) : NULL;
}

static void ready(void)
{
	close(open("/tmp/kup_ready", O_CREAT | O_WRONLY, 0600));
}

static int recv_unload(void)
{
	unsigned char b[200];
	void *dev, *ch = attach("kup_echo", 0, &dev);
	void *held, *m;

	if (!tap_ok(ch != NULL, "recv-unload: attach kup_echo 0"))
		return 1;
	pl_fill(b, sizeof(b), 42);
	kernproxy_send(ch, b, sizeof(b), 0);
	held = kernproxy_receive(ch, 0);
	tap_ok(held && !pl_check(held, sizeof(b), 42), "recv-unload: echo received");
	ready();
	/* Peek keeps the first message held while we block for the next. */
	m = kernproxy_peek(ch, NULL, 0);
	tap_ok(!m && kp_errno() == EPIPE,
	       "blocked receive wakes with EPIPE when the device is unloaded (%d)",
	       kernproxy_errno);
	tap_ok(held && !pl_check(held, sizeof(b), 42),
	       "a received message stays readable after the unload");
	tap_ok(kernproxy_send(ch, b, 8, KP_NB) < 0 && kp_errno() == EPIPE,
	       "send after the unload gives EPIPE");
	kernproxy_close(dev);
	return tap_exit_status();
}

static int send_unload(void)
{
	unsigned char b[1000] = { 0 };
	void *dev, *ch = attach("kup_echo", 3, &dev);
	int idle = 0, sent = 0;

	if (!tap_ok(ch != NULL, "send-unload: attach kup_echo 3"))
		return 1;
	/* Echoes pile up unread: the kernel blocks for room, then so do we. */
	while (idle < 200) {
		if (kernproxy_send(ch, b, sizeof(b), KP_NB) == 0) {
			sent++;
			idle = 0;
		} else {
			idle++;
			usleep(5000);
		}
	}
	tap_ok(sent > 4, "send-unload: %d messages fill both rings", sent);
	ready();
	/*
	 * A kernel thread stopped before the unload may free one more slot
	 * on its way out, so a send or two can still go through: the first
	 * failure must be EPIPE.
	 */
	sent = 0;
	while (kernproxy_send(ch, b, sizeof(b), 0) == 0 && sent < 100)
		sent++;
	tap_ok(sent < 100 && kp_errno() == EPIPE,
	       "blocked send wakes with EPIPE when the device is unloaded (%d)",
	       kernproxy_errno);
	kernproxy_close(dev);
	return tap_exit_status();
}

static long meminfo(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key));
	if (f)
		fclose(f);
	return v;
}

static int one_cycle(int i)
{
	unsigned char b[64];
	void *dev, *ch = attach("kup_echo", 1, &dev);
	size_t len;
	void *m;
	int ok;

	pl_fill(b, sizeof(b), i);
	ok = ch && kernproxy_send(ch, b, sizeof(b), 0) == 0 &&
	     (m = kernproxy_receive_len(ch, &len, 0)) && len == sizeof(b) &&
	     !pl_check(m, len, i);
	kernproxy_close(dev);
	return ok;
}

/* kup.ko's count of sessions not yet freed (test builds), or -1. */
static long live_sessions(void)
{
	FILE *f = fopen("/sys/module/kup/parameters/test_live_sessions", "r");
	long v = -1;

	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static int cycles(int n)
{
	long before, after, live0, live;
	int i, good = 0;

	for (i = 0; i < 20; i++)
		one_cycle(i);
	sleep(1);
	before = meminfo("MemAvailable:");
	live0 = live_sessions();
	for (i = 0; i < n; i++)
		good += one_cycle(i);
	/* Sessions are freed from a workqueue: give it up to 5 s. */
	for (i = 0; i < 50 && (live = live_sessions()) > live0; i++)
		usleep(100000);
	after = meminfo("MemAvailable:");
	tap_ok(good == n, "%d attach/echo/detach cycles (%d good)", n, good);
	tap_ok(live0 >= 0 && live == live0,
	       "every session of %d cycles is freed (kup.ko's live sessions %ld -> %ld)",
	       n, live0, live);
	/*
	 * The coarse view: n leaked sessions would be 16 MB and more. Free
	 * memory moves by a few MB on its own (per-CPU page lists).
	 */
	tap_ok(before - after < 8192,
	       "no memory lost over %d cycles (MemAvailable %ld -> %ld kB)",
	       n, before, after);
	return tap_exit_status();
}

static int greet(int chan)
{
	char want[32];
	void *dev, *ch = attach("kup_wait", chan, &dev);
	size_t len = 0;
	char *m = ch ? kernproxy_receive_len(ch, &len, 0) : NULL;

	snprintf(want, sizeof(want), "hello %d", chan);
	tap_ok(m && len == strlen(want) && !memcmp(m, want, len),
	       "kupdev_wait_channel() reported channel %d", chan);
	kernproxy_close(dev);
	return tap_exit_status();
}

/* The next message on @ch is @want (a string), within a second. */
static int next_is(void *ch, const char *want)
{
	size_t len = 0;
	char *m = NULL;
	int i;

	for (i = 0; i < 1000 && !m; i++) {
		m = kernproxy_receive_len(ch, &len, KP_NB);
		if (!m)
			usleep(1000);
	}
	if (m && len == strlen(want) && !memcmp(m, want, len))
		return 1;
	fprintf(stderr, "got %.*s (%zu bytes), expected %s\n",
		m ? (int)len : 6, m ? m : "(none)", len, want);
	return 0;
}

static int reserve_send(void)
{
	void *dev, *ch = attach("kup_wait", 1, &dev);

	tap_ok(ch && next_is(ch, "hello 1"), "kup_wait greets channel 1");
	tap_ok(ch && next_is(ch, "reserved"),
	       "the reserved message arrives whole after a send tried within it");
	tap_ok(ch && next_is(ch, "send during a reservation: -16"),
	       "kupdev_send_flags() during a reservation gives -EBUSY");
	tap_ok(ch && !kernproxy_receive(ch, KP_NB) && kp_errno() == EAGAIN,
	       "nothing else arrives");
	kernproxy_close(dev);
	return tap_exit_status();
}

static int attach_close(const char *name)
{
	void *dev, *ch = attach(name, 0, &dev);

	if (!ch)
		fprintf(stderr, "kup_life: attach %s: %s\n", name,
			strerror(kernproxy_errno));
	kernproxy_close(dev);
	return ch ? 0 : 1;
}

static volatile sig_atomic_t fork_go;

static void fork_go_set(int sig)
{
	fork_go = sig;
}

/*
 * Attach channel 0 of NAME, fork, and exit, as a daemon that forks a
 * worker does: the child keeps everything it inherited (the channel fd
 * too) and lingers 30 s (its pid is printed). The channel must be detached
 * when the parent is gone, not when the child is. The child's libkup calls
 * on what it inherited must fail cleanly: it tries a send at once and, on
 * SIGUSR1, kernproxy_close(), and writes what they did to /tmp/fork_child.
 */
static int fork_exit(const char *name)
{
	void *dev, *ch = attach(name, 0, &dev);
	FILE *f;
	pid_t pid;
	int r;

	if (!ch)
		return 1;
	signal(SIGUSR1, fork_go_set);
	pid = fork();
	if (pid == 0) {
		close(STDOUT_FILENO);	/* the caller waits for its end */
		f = fopen("/tmp/fork_child", "w");
		r = kernproxy_send(ch, "x", 1, KP_NB);
		fprintf(f, "send %d %s\n", r, strerror(kp_errno()));
		fflush(f);
		while (!fork_go)
			pause();
		kernproxy_close(dev);
		fprintf(f, "close done\n");
		fclose(f);
		sleep(30);
		_exit(0);
	}
	printf("%d\n", (int)pid);
	return pid > 0 ? 0 : 1;
}

/* Attach channel 0 of NAME with PAGES pages; report how it went. */
static int attach_pages(const char *name, int pages)
{
	void *dev = kernproxy_open(name);
	void *ch = dev ? kernproxy_channel(dev, 0, pages) : NULL;

	printf("attach %s %d: %s\n", name, pages,
	       ch ? "attached" : strerror(kernproxy_errno));
	kernproxy_close(dev);
	return ch ? 0 : 1;
}

/*
 * kup_test_irq's user: attach (waiting for the timer's kupdev_notify()),
 * then ping-pong N messages with the hard-irq timer, sleeping for each
 * (spin 1): a wake-up lost stops the exchange, which SIGALRM then ends.
 */
static int irq_user(int n)
{
	struct kernproxy_chan_opts o = { .spin = 1 };
	void *dev = kernproxy_open("kup_irq");
	void *ch = dev ? kernproxy_channel_opts(dev, 0, 1, &o) : NULL;
	char want[16];
	int i, good = 0;

	alarm(60);
	tap_ok(ch != NULL, "attached kup_irq once the timer called kupdev_notify()");
	for (i = 0; ch && i < n; i++) {
		size_t len;
		char *msg = kernproxy_receive_len(ch, &len, 0);

		snprintf(want, sizeof(want), "irq %d", i);
		if (!msg || len != strlen(want) || memcmp(msg, want, len) ||
		    kernproxy_send(ch, "user", 4, 0))
			break;
		good++;
	}
	tap_ok(good == n, "ping-pong of %d of %d messages with a hard-irq timer, in order",
	       good, n);
	/* The timer takes the last reply at its next tick. */
	usleep(100000);
	kernproxy_close(dev);
	return tap_exit_status();
}

static int send_close(int chan, int n)
{
	void *dev, *ch = attach("kup_drain", chan, &dev);
	char m[32];
	int i, sent = 0;

	for (i = 0; ch && i < n; i++)
		sent += !kernproxy_send(ch, m, snprintf(m, sizeof(m), "msg %d", i),
					KP_NB);
	tap_ok(sent == n, "sent %d of %d messages to kup_drain %d, then close",
	       sent, n, chan);
	kernproxy_close(dev);
	return tap_exit_status();
}

static int quiet(int chan)
{
	void *dev, *ch = attach("kup_drain", chan, &dev);
	size_t len = 0;
	char *m;

	usleep(300000);
	m = ch ? kernproxy_receive_len(ch, &len, KP_NB) : NULL;
	tap_ok(ch && !m && kp_errno() == EAGAIN,
	       "a new user of kup_drain %d receives nothing meant for the old one%s%.*s",
	       chan, m ? ": got " : "", m ? (int)len : 0, m ? m : "");
	kernproxy_close(dev);
	return tap_exit_status();
}

static int attach_efault(const char *name)
{
	struct kup_attach *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char path[64];
	int fd, r;

	snprintf(path, sizeof(path), "/dev/%s", name);
	fd = open(path, O_RDWR);
	if (fd < 0 || a == MAP_FAILED)
		return 1;
	a->chan_id = 0;
	a->pages = 1;
	a->abi_version = KUP_ABI_VERSION;
	mprotect(a, 4096, PROT_READ);
	r = ioctl(fd, KUP_IOC_ATTACH, a);
	tap_ok(r < 0 && errno == EFAULT,
	       "KUP_IOC_ATTACH with a read-only answer gives EFAULT (%d, %s)",
	       r, strerror(errno));
	close(fd);
	return tap_exit_status();
}

static int emfile(void)
{
	void *dev = kernproxy_open("kup_drain"), *ch;
	struct rlimit old, lim;
	size_t len = 0;
	char *m = NULL;
	int free_fd, i;

	if (!dev || getrlimit(RLIMIT_NOFILE, &old))
		return 1;
	/* No fd at or above the lowest free one: the attach's fd fails. */
	free_fd = dup(0);
	close(free_fd);
	lim = old;
	lim.rlim_cur = free_fd;
	setrlimit(RLIMIT_NOFILE, &lim);
	ch = kernproxy_channel(dev, 2, 1);
	tap_ok(!ch && kp_errno() == EMFILE,
	       "an attach with no fd left fails with EMFILE (%s)",
	       strerror(kernproxy_errno));
	setrlimit(RLIMIT_NOFILE, &old);
	ch = kernproxy_channel(dev, 2, 1);
	if (ch && !kernproxy_send(ch, "ping", 4, 0))
		for (i = 0; i < 500 && !m; i++) {
			m = kernproxy_receive_len(ch, &len, KP_NB);
			if (!m)
				usleep(10000);
		}
	tap_ok(m && len == 8 && !memcmp(m, "got ping", 8),
	       "the next attach is served by the channel's kernel thread (%.*s)",
	       m ? (int)len : 7, m ? m : "nothing");
	kernproxy_close(dev);
	return tap_exit_status();
}

static int attach_gone(const char *name)
{
	void *dev, *ch = attach(name, 0, &dev);
	int err = kernproxy_errno;

	if (ch && !kernproxy_receive(ch, KP_NB))
		err = kernproxy_errno;
	tap_ok(err == EPIPE, "an attach to %s racing its unload reports EPIPE (%s, %s)",
	       name, ch ? "attached" : "attach failed", strerror(err));
	kernproxy_close(dev);
	return tap_exit_status();
}

/* Wait up to 30 s for @path to exist. */
static int wait_file(const char *path)
{
	int i;

	for (i = 0; i < 3000 && access(path, F_OK); i++)
		usleep(10000);
	return !access(path, F_OK);
}

static int status_race(void)
{
	void *dev, *ch = attach("kup_echo", 0, &dev);
	size_t ro_len = 0, rw_len = 0;
	unsigned char *ro = kup_find_map(" r--s ", &ro_len);
	unsigned char *rw = kup_find_map(" rw-s ", &rw_len);
	const struct kup_layout *l = (const void *)ro;
	__u32 st;

	if (!tap_ok(ch && ro && rw, "status-race: attach kup_echo 0, find its mappings"))
		return 1;
	/* Unaligned: the kernel's next look at the ring is a protocol error. */
	*(volatile __u64 *)(rw + l->off_u2k_prod) = 3;
	ioctl(kernproxy_fd(ch), KUP_IOC_WAKE);
	tap_ok(wait_file("/tmp/kup_unloaded"), "status-race: the device was unloaded");
	st = __atomic_load_n((__u32 *)(ro + l->off_status), __ATOMIC_ACQUIRE);
	tap_ok((st & KUP_ST_BROKEN) && (st & KUP_ST_DETACHED),
	       "both status bits survive a break racing the unload (status %#x)", st);
	kernproxy_close(dev);
	return tap_exit_status();
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "recv-unload"))
		return recv_unload();
	if (argc >= 2 && !strcmp(argv[1], "send-unload"))
		return send_unload();
	if (argc >= 3 && !strcmp(argv[1], "cycles"))
		return cycles(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "greet"))
		return greet(atoi(argv[2]));
	if (argc >= 2 && !strcmp(argv[1], "reserve-send"))
		return reserve_send();
	if (argc >= 3 && !strcmp(argv[1], "attach"))
		return attach_close(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "emfile"))
		return emfile();
	if (argc >= 3 && !strcmp(argv[1], "attach-efault"))
		return attach_efault(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "attach-gone"))
		return attach_gone(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "send-close"))
		return send_close(atoi(argv[2]), atoi(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "irq"))
		return irq_user(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "fork"))
		return fork_exit(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "attach-pages"))
		return attach_pages(argv[2], atoi(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "quiet"))
		return quiet(atoi(argv[2]));
	if (argc >= 2 && !strcmp(argv[1], "status-race"))
		return status_race();
	fprintf(stderr, "usage: kup_life recv-unload|send-unload|cycles N|greet CHAN|reserve-send|attach NAME\n");
	return 2;
}
