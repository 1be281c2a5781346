// SPDX-License-Identifier: GPL-2.0
/*
 * In-VM hostile user: the kernel must survive anything user space does to
 * its mapping, its ioctls and its mmaps, and keep working for the next user.
 *   kup_hostile scribble   random bytes over every writable byte while
 *                          traffic flows; the channel must be flagged broken
 *   kup_hostile ioctls     malformed and random ioctls
 *   kup_hostile mmaps      malformed and random mmaps, mprotect, mremap
 *   kup_hostile handles    every channel call given NULL and a device
 *                          handle (EINVAL, no crash), receives given
 *                          unknown flags (EINVAL, nothing taken), and
 *                          which handle records a channel's failure
 *   kup_hostile unload FILE
 *                          reserve, create FILE, wait until t_hostile.sh
 *                          unloads kup_echo, then commit: EPIPE
 * All against kup_echo (4 channels of 1 page).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <kup.h>
#include <uapi/kup/kup_abi.h>
#include "kp_handles.h"
#include "kup_maps.h"
#include "payload.h"
#include "kp_err.h"
#include "tap.h"

static uint64_t rng = 0x1234567;

static uint64_t rnd(void)
{
	rng = pl_mix(rng);
	return rng;
}

/* One echo round trip on a fresh attach of @chan: the channel works. */
static int echo_works(int chan)
{
	unsigned char b[100];
	void *dev = kernproxy_open("kup_echo");
	void *ch = dev ? kernproxy_channel(dev, chan, 1) : NULL;
	size_t len;
	void *m;
	int ok;

	pl_fill(b, sizeof(b), chan);
	ok = ch && !kernproxy_send(ch, b, sizeof(b), 0) &&
	     (m = kernproxy_receive_len(ch, &len, 0)) && len == sizeof(b) &&
	     !pl_check(m, len, chan);
	kernproxy_close(dev);
	return ok;
}

static volatile int stop_traffic;

static void *traffic(void *ch)
{
	unsigned char b[64] = { 0 };

	while (!stop_traffic) {
		kernproxy_send(ch, b, sizeof(b), KP_NB);
		kernproxy_receive(ch, KP_NB);
	}
	return NULL;
}

static int scribble(void)
{
	void *dev = kernproxy_open("kup_echo");
	void *ch = dev ? kernproxy_channel(dev, 0, 1) : NULL;
	struct kernproxy_stats st = { 0 };
	struct pollfd p;
	unsigned char *rw;
	size_t len = 0, i;
	pthread_t t;
	int pass, r;

	if (!tap_ok(ch != NULL, "scribble: attach kup_echo 0"))
		return 1;
	rw = kup_find_map(" rw-s ", &len);
	tap_ok(rw && len == 3 * 4096, "scribble: found the %zu-byte writable mapping", len);
	if (!rw)
		return 1;
	pthread_create(&t, NULL, traffic, ch);
	for (pass = 0; pass < 3 || (pass < 20 && !st.proto_errors); pass++) {
		for (i = 0; i + 8 <= len; i += 8) {
			uint64_t x = rnd();

			memcpy(rw + i, &x, 8);
		}
		ioctl(kernproxy_fd(ch), KUP_IOC_WAKE);
		usleep(100000);
		kernproxy_stats(ch, &st);
	}
	stop_traffic = 1;
	pthread_join(t, NULL);
	tap_ok(st.proto_errors >= 1, "the kernel flags the channel broken (%llu errors, %d passes)",
	       (unsigned long long)st.proto_errors, pass);
	p.fd = kernproxy_fd(ch);
	p.events = POLLIN;
	r = poll(&p, 1, 1000);
	tap_ok(r == 1 && (p.revents & POLLERR), "poll reports POLLERR on the broken channel");
	while (kernproxy_receive(ch, 0))
		;
	tap_ok(kp_errno() == EPROTO, "receive on the broken channel gives EPROTO (%d)",
	       kernproxy_errno);
	kernproxy_close(dev);
	tap_ok(echo_works(0), "after detach, a new user of channel 0 is served");
	return tap_exit_status();
}

static int raw_attach(int fd, int chan, struct kup_attach *a)
{
	memset(a, 0, sizeof(*a));
	a->chan_id = chan;
	a->pages = 1;
	a->abi_version = KUP_ABI_VERSION;
	return ioctl(fd, KUP_IOC_ATTACH, a);
}

/* ioctl(@fd, @cmd, @arg) fails with @err. */
static int fails(int fd, unsigned long cmd, void *arg, int err)
{
	return ioctl(fd, cmd, arg) < 0 && errno == err;
}

static void random_ioctls(int fd, const char *what)
{
	int i, survived = 0;

	for (i = 0; i < 5000; i++) {
		unsigned long cmd = rnd();
		void *arg = (void *)(uintptr_t)rnd();

		if (i & 1)	/* our ioctl type, any number, size, direction */
			cmd = (cmd & ~0xff00ul) | (KUP_IOC_MAGIC << 8);
		if (cmd == KUP_IOC_WAKE)
			continue;
		ioctl(fd, (unsigned int)cmd, arg);
		survived++;
	}
	tap_ok(survived > 4000, "%d random ioctls on the %s fd", survived, what);
}

static int ioctls(void)
{
	int fd = open("/dev/kup_echo", O_RDWR);
	struct kup_attach a;
	struct kup_dev_info info;
	void *ro_page;
	int cfd;

	memset(&a, 0, sizeof(a));
	tap_ok(fails(fd, _IO('x', 1), NULL, ENOTTY), "unknown ioctl on the device: ENOTTY");
	tap_ok(fails(fd, KUP_IOC_ATTACH, NULL, EFAULT), "attach from NULL: EFAULT");
	a.pages = 1;
	tap_ok(fails(fd, KUP_IOC_ATTACH, &a, EINVAL), "attach with ABI version 0: EINVAL");
	raw_attach(fd, 0, &a);
	a.flags = 0x80;
	tap_ok(fails(fd, KUP_IOC_ATTACH, &a, EINVAL), "attach with unknown flags: EINVAL");
	raw_attach(fd, 0, &a);
	a.chan_id = 1000;
	tap_ok(fails(fd, KUP_IOC_ATTACH, &a, EINVAL), "attach of channel 1000: EINVAL");
	tap_ok(fails(fd, KUP_IOC_INFO, NULL, EFAULT), "info to NULL: EFAULT");
	tap_ok(ioctl(fd, KUP_IOC_INFO, &info) == 0 && info.chan_cnt == 4 &&
	       info.pages == 1 && info.ready == 1, "info: 4 channels of 1 page, ready");
	/* The answer cannot be written back: no fd may leak, nothing stays attached. */
	ro_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	raw_attach(fd, 1, &a);
	close(a.fd);
	a.chan_id = 1;
	memcpy(ro_page, &a, sizeof(a));
	mprotect(ro_page, 4096, PROT_READ);
	tap_ok(fails(fd, KUP_IOC_ATTACH, ro_page, EFAULT),
	       "attach whose result cannot be copied out: EFAULT");
	tap_ok(raw_attach(fd, 1, &a) == 0, "and the channel is free again");
	cfd = a.fd;
	tap_ok(fails(cfd, _IO('x', 2), NULL, ENOTTY), "unknown ioctl on a channel: ENOTTY");
	tap_ok(fails(cfd, KUP_IOC_STATS, NULL, EFAULT), "stats to NULL: EFAULT");
	tap_ok(fails(cfd, KUP_IOC_ATTACH, &a, ENOTTY), "attach on a channel fd: ENOTTY");
	random_ioctls(fd, "device");
	random_ioctls(cfd, "channel");
	close(cfd);
	close(fd);
	tap_ok(echo_works(1), "channel 1 still works after all that");
	return tap_exit_status();
}

static int mmap_fails(size_t len, int prot, int flags, int fd, off_t off, int err)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		return 0;
	}
	return errno == err;
}

static void random_mmaps(int fd, size_t size)
{
	static const int prots[] = { PROT_READ, PROT_WRITE, PROT_READ | PROT_WRITE, PROT_NONE };
	int i, mapped = 0;

	for (i = 0; i < 3000; i++) {
		size_t len = (rnd() % 8 + 1) * 4096;
		off_t off = (rnd() & 1) ? 0 : KUP_MMAP_RW_OFFSET;
		int prot = prots[rnd() % 4];
		int flags = (rnd() & 3) ? MAP_SHARED : MAP_PRIVATE;
		void *p;

		if (rnd() % 4 == 0)
			off += (rnd() % 16) * 4096;
		if (rnd() % 8 == 0)
			len = size;
		p = mmap(NULL, len, prot, flags, fd, off);
		if (p != MAP_FAILED) {
			mapped++;
			munmap(p, len);
		}
	}
	tap_ok(mapped > 0 && mapped < 3000, "3000 random mmaps (%d mapped), no harm", mapped);
}

static int mmaps(void)
{
	int fd = open("/dev/kup_echo", O_RDWR), st;
	struct kup_attach a;
	size_t size;
	unsigned char *ro, *rw;
	pid_t pid;

	if (!tap_ok(raw_attach(fd, 2, &a) == 0, "mmaps: attach kup_echo 2"))
		return 1;
	size = a.ro_size;
	tap_ok(mmap_fails(size, PROT_READ, MAP_PRIVATE, a.fd, 0, EINVAL), "MAP_PRIVATE: EINVAL");
	tap_ok(mmap_fails(size - 4096, PROT_READ, MAP_SHARED, a.fd, 0, EINVAL), "short mapping: EINVAL");
	tap_ok(mmap_fails(size + 4096, PROT_READ, MAP_SHARED, a.fd, 0, EINVAL), "long mapping: EINVAL");
	tap_ok(mmap_fails(size, PROT_READ, MAP_SHARED, a.fd, 4096, EINVAL), "unknown offset: EINVAL");
	tap_ok(mmap_fails(size, PROT_READ, MAP_SHARED, a.fd, 1ull << 40, EINVAL), "huge offset: EINVAL");
	tap_ok(mmap_fails(size, PROT_READ | PROT_WRITE, MAP_SHARED, a.fd, 0, EPERM),
	       "writable mapping of the kernel-written region: EPERM");
	ro = mmap(NULL, size, PROT_READ, MAP_SHARED, a.fd, 0);
	rw = mmap(NULL, a.rw_size, PROT_READ | PROT_WRITE, MAP_SHARED, a.fd, a.rw_offset);
	tap_ok(ro != MAP_FAILED && rw != MAP_FAILED, "the two valid mappings work");
	if (ro == MAP_FAILED || rw == MAP_FAILED)
		return 1;
	tap_ok(((struct kup_layout *)ro)->magic == KUP_MAGIC, "layout header is there");
	tap_ok(mprotect(ro, size, PROT_READ | PROT_WRITE) < 0 && errno == EACCES,
	       "mprotect of the kernel-written region to writable: EACCES");
	tap_ok(mremap(ro, size, 2 * size, MREMAP_MAYMOVE) == MAP_FAILED,
	       "mremap cannot grow a channel mapping");
	pid = fork();
	if (pid == 0) {
		ro[200] = 1;
		_exit(0);
	}
	waitpid(pid, &st, 0);
	tap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "a store into the kernel-written region faults");
	/* Both data mappings are really the same pages, twice. */
	rw[4096 + 5] = 0xab;
	tap_ok(rw[2 * 4096 + 5] == 0xab, "the data pages are mapped twice back to back");
	random_mmaps(a.fd, size);
	munmap(ro, size);
	tap_ok(mmap_fails(size, PROT_READ, MAP_SHARED, a.fd, 0, EPIPE),
	       "unmapped, the channel is detached: mapping it again fails with EPIPE (nothing more can reach the kernel)");
	munmap(rw, a.rw_size);
	close(a.fd);
	close(fd);
	tap_ok(echo_works(2), "channel 2 still works after all that");
	return tap_exit_status();
}

/* A message from the echo, there to be taken, and nothing taken it. */
static int echo_waiting(void *ch)
{
	struct pollfd p = { .fd = kernproxy_fd(ch), .events = POLLIN };

	return poll(&p, 1, 10000) == 1 && (p.revents & POLLIN);
}

/*
 * Receives with a flag they do not know: EINVAL, and the message stays.
 * Each has KP_NB too, so that a library ignoring the others does not wait.
 */
static void bad_flags(void *ch)
{
	static const int flags[] = { KP_NB | KP_MORE, KP_NB | 0x4, KP_NB | 0x100, -1 };
	struct kernproxy_msg m[4];
	unsigned char b[32];
	size_t len;
	void *msg;
	int i, refused = 0;

	pl_fill(b, sizeof(b), 23);
	if (!tap_ok(!kernproxy_send(ch, b, sizeof(b), 0) && echo_waiting(ch),
		    "handles: an echo is waiting on channel 3"))
		return;
	for (i = 0; i < 4; i++) {
		errno = 0;
		refused += !kernproxy_receive(ch, flags[i]) && kp_errno() == EINVAL &&
			   kernproxy_error(ch) == EINVAL;
		refused += !kernproxy_receive_len(ch, &len, flags[i]) &&
			   kp_errno() == EINVAL;
		refused += !kernproxy_peek(ch, &len, flags[i]) && kp_errno() == EINVAL;
		refused += kernproxy_receive_batch(ch, m, 4, flags[i]) == -1 &&
			   kp_errno() == EINVAL;
	}
	tap_ok(refused == 16,
	       "handles: receive, receive_len, peek and receive_batch with KP_NB and KP_MORE, 0x4, 0x100 or -1 give EINVAL (%d of 16)",
	       refused);
	msg = kernproxy_receive_len(ch, &len, KP_NB);
	tap_ok(msg && len == sizeof(b) && !pl_check(msg, len, 23),
	       "handles: ... and took nothing: the echo is still there, intact");
}

static int handles(void)
{
	void *dev = kernproxy_open("kup_echo");
	void *ch = dev ? kernproxy_channel(dev, 3, 1) : NULL;

	if (!tap_ok(ch != NULL, "handles: attach kup_echo 3 (%s)", strerror(kernproxy_errno)))
		return 1;
	kp_check_wrong_handles("handles: ", "kup_echo");
	kp_check_inherited("handles: ", ch);
	bad_flags(ch);

	/*
	 * A channel's failure is the channel's: its device handle keeps the
	 * error of its own last failed call (EBUSY: channel 3 is taken).
	 */
	tap_ok(!kernproxy_channel(dev, 3, 1) && kp_errno() == EBUSY &&
	       kernproxy_error(dev) == EBUSY, "handles: a second attach of channel 3: EBUSY on the device handle");
	tap_ok(!kernproxy_receive(ch, KP_NB) && kp_errno() == EAGAIN &&
	       kernproxy_error(ch) == EAGAIN && kernproxy_error(dev) == EBUSY,
	       "handles: a receive failing with EAGAIN records it on the channel, not on its device (device: %s)",
	       strerror(kernproxy_error(dev)));
	tap_ok(kernproxy_send(ch, NULL, kernproxy_max_msg(ch) + 1, KP_NB) == -1 &&
	       kp_errno() == EMSGSIZE && kernproxy_error(ch) == EMSGSIZE &&
	       kernproxy_error(dev) == EBUSY,
	       "handles: so does a send failing with EMSGSIZE (device: %s)",
	       strerror(kernproxy_error(dev)));
	kernproxy_close(dev);
	return tap_exit_status();
}

/*
 * A reservation open across the unload: its commit must say EPIPE (the
 * record is never read), and so must what comes after it.
 */
static int unload(const char *file)
{
	void *dev = kernproxy_open("kup_echo");
	void *ch = dev ? kernproxy_channel(dev, 3, 1) : NULL;
	struct pollfd p = { .events = 0 };
	void *buf;
	int r;

	if (!tap_ok(ch != NULL, "unload: attach kup_echo 3 (%s)", strerror(kernproxy_errno)))
		return 1;
	buf = kernproxy_reserve(ch, 16, 0);
	if (!tap_ok(buf != NULL, "unload: reserve 16 bytes"))
		return 1;
	memset(buf, 'u', 16);
	close(open(file, O_CREAT | O_WRONLY, 0600));
	/*
	 * The channel's POLLHUP, not the device fd's: the unload wakes the
	 * device's pollers before it detaches the channels, and only the
	 * detach tells the library (the status word) that nobody reads.
	 */
	p.fd = kernproxy_fd(ch);
	r = poll(&p, 1, 30000);
	if (!tap_ok(r == 1 && (p.revents & POLLHUP),
		    "unload: the channel fd reports the unload (POLLHUP)"))
		return 1;
	errno = 0;
	r = kernproxy_commit(ch);
	tap_ok(r == -1 && kp_errno() == EPIPE && kernproxy_error(ch) == EPIPE,
	       "unload: kernproxy_commit() after the unload fails with EPIPE (got %d, %s)",
	       r, strerror(kernproxy_errno));
	tap_ok(kernproxy_commit(ch) == -1 && kp_errno() == EINVAL,
	       "unload: the reservation is closed: a second commit gives EINVAL");
	tap_ok(!kernproxy_reserve(ch, 16, 0) && kp_errno() == EPIPE &&
	       kernproxy_send(ch, buf, 16, 0) == -1 && kp_errno() == EPIPE,
	       "unload: reserve and send after it give EPIPE too");
	kernproxy_close(dev);
	return tap_exit_status();
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "scribble"))
		return scribble();
	if (argc == 2 && !strcmp(argv[1], "ioctls"))
		return ioctls();
	if (argc == 2 && !strcmp(argv[1], "mmaps"))
		return mmaps();
	if (argc == 2 && !strcmp(argv[1], "handles"))
		return handles();
	if (argc == 3 && !strcmp(argv[1], "unload"))
		return unload(argv[2]);
	fprintf(stderr, "usage: kup_hostile scribble|ioctls|mmaps|handles|unload FILE\n");
	return 2;
}
